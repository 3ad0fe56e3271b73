// SPDX-License-Identifier: GPL-2.0
/* portcullis metrics: the counters of stats for Prometheus, served over
 * HTTP (libmicrohttpd), printed once, or written for node_exporter's
 * textfile collector. */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <microhttpd.h>
#include "commands.h"
#include "metrics_output.h"

#define DEFAULT_LISTEN "127.0.0.1:9433"

struct metrics_config {
	const char *listen;
	bool once;
	const char *textfile;
};

static const struct pc_option metrics_options[] = {
	PC_OPT_STRING(struct metrics_config, listen, "listen", "ADDR:PORT",
		      "serve /metrics on ADDR:PORT (default " DEFAULT_LISTEN ");\n"
		      "an IPv6 address in brackets: [::1]:9433;\n"
		      "0.0.0.0 or [::] for every address"),
	PC_OPT_FLAG(struct metrics_config, once, "once", 0, "print the metrics once, to stdout"),
	PC_OPT_STRING(struct metrics_config, textfile, "textfile", "PATH",
		      "write the metrics once to PATH, atomically (a temporary\n"
		      "file in its directory, then a rename), for node_exporter"),
	{ 0 },
};

/* Say why the pins cannot be read: metrics needs nothing more than that. */
static void warn_open(const char *dir, int err)
{
	if (err == -EACCES || err == -EPERM)
		pr_warn("cannot read the pins under %s: %s; metrics needs read access to them "
			"(root, or a user that the pin directory and its pins let read; before Linux "
			"6.5, with kernel.unprivileged_bpf_disabled set, CAP_BPF too)\n",
			dir, strerror(-err));
	else
		pc_warn_pins(dir, err);
}

/* The exposition of what is loaded under pin_dir, in a buffer of its own
 * (free it), or NULL after setting *err. The pins are opened for each
 * snapshot, so that a detach and an attach while the exporter runs are
 * followed, not read from the maps of the load before. */
static char *snapshot(const char *pin_dir, size_t *len, int *err)
{
	static struct pc_stats s;
	static char texts[PC_MAX_RULES][512];
	struct pc_offender_summary o;
	struct pc_loaded l = PC_LOADED_INIT;
	char *buf = NULL;
	FILE *out;

	*err = pc_open_pinned_readonly(&l, pin_dir);
	if (*err)
		return NULL;
	*err = pc_stats_gather(&l, &s, texts);
	if (!*err)
		*err = pc_offenders_summarize(&l.maps, &o);
	pc_loaded_close(&l);
	if (*err)
		return NULL;
	out = open_memstream(&buf, len);
	if (!out) {
		*err = -errno;
		return NULL;
	}
	pc_metrics_print(out, &s, &o);
	if (fclose(out)) {
		*err = -ENOMEM;
		free(buf);
		return NULL;
	}
	return buf;
}

/* --once: to stdout. */
static int print_once(const char *pin_dir)
{
	size_t len;
	int err;
	char *buf = snapshot(pin_dir, &len, &err);

	if (!buf) {
		warn_open(pin_dir, err);
		return PC_EXIT_FAIL;
	}
	fwrite(buf, 1, len, stdout);
	free(buf);
	return fflush(stdout) ? PC_EXIT_FAIL : PC_EXIT_OK;
}

/* --textfile PATH: a temporary file beside PATH (so that the rename does
 * not cross file systems), readable by the collector, then renamed over
 * PATH, so that a reader sees the old file or the new one, whole. */
static int write_textfile(const char *pin_dir, const char *path)
{
	char tmp[PATH_MAX];
	size_t len;
	int err, fd, n;
	char *buf = snapshot(pin_dir, &len, &err);
	FILE *f;

	if (!buf) {
		warn_open(pin_dir, err);
		return PC_EXIT_FAIL;
	}
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	fd = n < 0 || (size_t)n >= sizeof(tmp) ? (errno = ENAMETOOLONG, -1) : mkstemp(tmp);
	if (fd < 0) {
		pr_warn("cannot write %s: %s\n", path, strerror(errno));
		free(buf);
		return PC_EXIT_FAIL;
	}
	f = fdopen(fd, "w");
	err = !f || fchmod(fd, 0644) || fwrite(buf, 1, len, f) != len || fflush(f) || fsync(fd);
	err = err ? errno : 0;
	if (f ? fclose(f) : close(fd))
		err = err ? err : errno;
	if (!err && rename(tmp, path))
		err = errno;
	free(buf);
	if (err) {
		unlink(tmp);
		pr_warn("cannot write %s: %s\n", path, strerror(err));
		return PC_EXIT_FAIL;
	}
	return PC_EXIT_OK;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text_reply(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return reply(conn, status, "text/plain; charset=utf-8", (char *)text, strlen(text),
		     MHD_RESPMEM_PERSISTENT);
}

/* One request. libmicrohttpd calls this from its one polling thread, so
 * that scrapes are answered one at a time (the snapshot's buffers are
 * static). /metrics only; GET and HEAD only. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	static bool failing; /* the scrape before failed too: said already */
	const char *pin_dir = cls;
	char msg[256], *buf;
	size_t len;
	int err;

	if (strcmp(url, "/metrics"))
		return text_reply(conn, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: GET or HEAD\n");
	buf = snapshot(pin_dir, &len, &err);
	if (buf) {
		if (failing)
			pr_info("scrapes answered again\n");
		failing = false;
		return reply(conn, MHD_HTTP_OK, PC_METRICS_CONTENT_TYPE, buf, len,
			     MHD_RESPMEM_MUST_FREE);
	}
	if (err == -ENOENT || err == -ESTALE)
		snprintf(msg, sizeof(msg), "nothing loaded under %s\n", pin_dir);
	else
		snprintf(msg, sizeof(msg), "cannot read the counters under %s: %s\n", pin_dir,
			 strerror(-err));
	if (!failing)
		pr_warn("scrapes answered 503 until this changes: %s", msg);
	failing = true;
	return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", msg,
		     strlen(msg), MHD_RESPMEM_MUST_COPY);
}

/* ADDR:PORT or [ADDR6]:PORT, numeric (0.0.0.0 or [::] for every address),
 * into *sa. */
static int parse_listen(const char *arg, struct sockaddr_storage *sa)
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
					.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	char host[256];
	const char *colon = strrchr(arg, ':'), *h = arg;
	unsigned long port;
	size_t hlen;
	struct addrinfo *res;

	if (!colon || !colon[1])
		return -1;
	hlen = colon - arg;
	if (hlen >= 2 && arg[0] == '[' && arg[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	} else if (memchr(arg, ':', hlen)) {
		return -1; /* an IPv6 address wants brackets */
	}
	if (!hlen || hlen >= sizeof(host) || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	/* getaddrinfo() takes 99999 and wraps it to 34463: say no instead. */
	port = strtoul(colon + 1, NULL, 10); /* saturates: never wraps into range */
	if (port < 1 || port > 65535)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &res))
		return -1;
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* Serve until SIGINT or SIGTERM. The signals are blocked before the
 * server's thread starts, so that it inherits the mask and the main
 * thread takes them with sigwait(). */
static int serve(const struct pc_cli *cli, const char *listen, const struct sockaddr_storage *sa)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	struct MHD_Daemon *d;
	sigset_t stop;
	int sig;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sa->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* libmicrohttpd's word on each bad request, with -v only: a scanner
	 * would fill the journal. */
	if (pc_verbosity > 0)
		flags |= MHD_USE_ERROR_LOG;
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, (void *)cli->pin_dir,
			     MHD_OPTION_SOCK_ADDR, sa,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
			     MHD_OPTION_END);
	if (!d) {
		pr_warn("cannot listen on %s: %s\n", listen, strerror(errno));
		return PC_EXIT_FAIL;
	}
	pr_info("serving http://%s/metrics\n", listen);
	while (sigwait(&stop, &sig))
		;
	pr_info("%s: stopping\n", strsignal(sig));
	MHD_stop_daemon(d);
	return PC_EXIT_OK;
}

static int run_metrics(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct metrics_config *cfg = config;
	const char *listen = cfg->listen ? cfg->listen : DEFAULT_LISTEN;
	struct pc_loaded l = PC_LOADED_INIT;
	struct sockaddr_storage sa;
	int err;

	if (cfg->once && cfg->textfile)
		return pc_usage_error(&pc_cmd_metrics, "--once prints, --textfile writes a file: one of them");
	if (cfg->listen && (cfg->once || cfg->textfile))
		return pc_usage_error(&pc_cmd_metrics, "--listen serves: not with --once or --textfile");
	if (cfg->textfile && !*cfg->textfile)
		return pc_usage_error(&pc_cmd_metrics, "--textfile wants a path");
	if (cfg->once)
		return print_once(cli->pin_dir);
	if (cfg->textfile)
		return write_textfile(cli->pin_dir, cfg->textfile);
	if (parse_listen(listen, &sa))
		return pc_usage_error(&pc_cmd_metrics,
				      "--listen wants ADDR:PORT, with a numeric address ([ADDR] for IPv6)"
				      " and a port from 1 to 65535");
	/* Say at once, not at the first scrape, when the pins cannot be read. */
	err = pc_open_pinned_readonly(&l, cli->pin_dir);
	pc_loaded_close(&l);
	if (err) {
		warn_open(cli->pin_dir, err);
		return PC_EXIT_FAIL;
	}
	return serve(cli, listen, &sa);
}

const struct pc_command pc_cmd_metrics = {
	.name = "metrics",
	.summary = "the counters for Prometheus",
	.max_operands = 0,
	.description = "The counters of stats in the Prometheus text exposition format: served on\n"
		       "http://ADDR:PORT/metrics until SIGINT or SIGTERM, printed once (--once), or\n"
		       "written once to a file for node_exporter's textfile collector (--textfile).\n"
		       "It needs only read access to the pins. No label names a source address.\n",
	.options = metrics_options,
	.config_size = sizeof(struct metrics_config),
	.run = run_metrics,
};
