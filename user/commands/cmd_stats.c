// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "stats_output.h"

struct stats_config {
	bool json;
	double watch; /* seconds; 0: one snapshot */
	long count;   /* with watch: how many snapshots; 0: until stopped */
};

static const struct pc_option stats_options[] = {
	PC_OPT_FLAG(struct stats_config, json, "json", 0, "machine-readable output"),
	PC_OPT_NUMBER(struct stats_config, watch, "watch", "SECS", 0.1, 86400,
		      "a snapshot every SECS seconds (0.5 too), with\n"
		      "packets and connections a second since the one\n"
		      "before: redrawn in place on a terminal, else one\n"
		      "block each, headed by its time (with --json: one\n"
		      "JSON object a line, with the rates); ends on\n"
		      "SIGINT or SIGTERM"),
	PC_OPT_INTEGER(struct stats_config, count, "count", "N", 1, 1e18,
		       "with --watch: stop after N snapshots"),
	{ 0 },
};

/* A rule's text in buf; a long one (an inline list of many addresses)
 * is cut, and says so. */
static void rule_text(char *buf, size_t size, const struct pc_policy *p, const struct pc_rule_ast *r)
{
	pc_rule_format(buf, size, p, r);
	if (strlen(buf) == size - 1)
		memcpy(buf + size - 4, "...", 4);
}

/* One snapshot, and each rule's text (tables by name only: quick). */
int pc_stats_gather(const struct pc_loaded *l, struct pc_stats *s, char (*texts)[512])
{
	struct pc_policy_hdr hdr;
	struct pc_policy p;
	int err, tries;
	__u32 slot;
	size_t i;

	/* An apply between the two reads would pair one generation's texts
	 * with another's counters: read again until both agree. */
	for (tries = 0; tries < 5; tries++) {
		err = pc_maps_read_stats(&l->maps, s);
		if (err)
			return err;
		err = pc_maps_read_policy(&l->maps, &p, 0);
		if (err == -ENOENT)
			return 0;
		if (err)
			return err;
		for (i = 0; i < s->nrules && i < p.nrules; i++)
			rule_text(texts[i], sizeof(texts[i]), &p, &p.rules[i]);
		pc_policy_free(&p);
		err = pc_maps_active(&l->maps, &slot, &hdr);
		if (err || hdr.generation == s->hdr.generation)
			return err;
	}
	return -EAGAIN;
}

/* On a terminal, the snapshot is drawn whole over the one before. */
static int redraw(const struct pc_stats_view *v)
{
	struct winsize ws = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return -errno;
	pc_stats_print_table(mem, v);
	if (fclose(mem))
		return -errno;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col || !ws.ws_row)
		ws.ws_col = ws.ws_row = USHRT_MAX;
	pc_stats_redraw(stdout, text, len, ws.ws_col, ws.ws_row);
	free(text);
	return 0;
}

static int show(const struct stats_config *cfg, const struct pc_stats_view *v, long n)
{
	int err = 0;

	if (cfg->json) {
		pc_stats_print_json(stdout, v, !cfg->watch);
	} else if (cfg->watch && isatty(STDOUT_FILENO)) {
		err = redraw(v);
	} else {
		if (n)
			fputc('\n', stdout);
		pc_stats_print_table(stdout, v);
	}
	if (fflush(stdout) && !err)
		err = -errno;
	return err;
}

/* Wait until the monotonic time deadline, or a signal of set: true if
 * one came. The signals are blocked, so none is lost between waits. */
static bool wait_until(double deadline, const sigset_t *set)
{
	double left;
	struct timespec ts;

	while ((left = deadline - pc_monotonic_s()) > 0) {
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		if (sigtimedwait(set, NULL, &ts) > 0)
			return true;
	}
	return false;
}

/* One snapshot, or with --watch one every SECS seconds, each with the
 * rates since the one before: --count of them, or until SIGINT or
 * SIGTERM (exit 0), or until portcullis is detached. */
static int snapshots(const struct pc_cli *cli, const struct stats_config *cfg,
		     struct pc_loaded *l)
{
	ino_t loaded = pc_load_id(cli->pin_dir);
	static struct pc_stats snap[2];
	static struct pc_stats_rates rates;
	static char texts[PC_MAX_RULES][512];
	double t0 = 0, t1, next = 0;
	int err, cur = 0;
	sigset_t stop;
	long n;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	if (cfg->watch)
		sigprocmask(SIG_BLOCK, &stop, NULL);
	for (n = 0; !n || (cfg->watch && (!cfg->count || n < cfg->count)); n++) {
		struct pc_stats_view v = { .now = &snap[cur], .every = cfg->watch, .texts = texts };

		if (n && wait_until(next, &stop))
			break;
		if (n && !pc_pins_loaded(cli->pin_dir)) {
			pr_warn("portcullis was detached: nothing loaded under %s any more\n",
				cli->pin_dir);
			return PC_EXIT_FAIL;
		}
		/* Detached and attached again since: read the new maps, whose
		 * counters started again. */
		if (n && pc_load_id(cli->pin_dir) != loaded) {
			pc_loaded_close(l);
			err = pc_open_for_reading(cli, l);
			if (err)
				return err;
			loaded = pc_load_id(cli->pin_dir);
			v.reloaded = true;
		}
		t1 = pc_monotonic_s();
		err = pc_stats_gather(l, &snap[cur], texts);
		if (err) {
			pr_warn("read the counters: %s\n", strerror(-err));
			return PC_EXIT_FAIL;
		}
		v.snapshot_ns = pc_realtime_ns();
		if (cfg->watch) {
			pc_stats_rates(&rates, n && !v.reloaded ? &snap[!cur] : NULL, &snap[cur],
				       t1 - t0);
			v.rates = &rates;
			v.before_generation = snap[!cur].hdr.generation;
		}
		err = show(cfg, &v, n);
		if (err) {
			pr_warn("write the counters: %s\n", strerror(-err));
			return PC_EXIT_FAIL;
		}
		/* A steady beat; a snapshot that came late starts it again. */
		next = (next && t1 < next + cfg->watch ? next : t1) + cfg->watch;
		t0 = t1;
		cur = !cur;
	}
	return PC_EXIT_OK;
}

static int run_stats(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct stats_config *cfg = config;
	struct pc_loaded l = PC_LOADED_INIT;
	int ret;

	if (cfg->count && !cfg->watch)
		return pc_usage_error(&pc_cmd_stats, "--count needs --watch");
	ret = pc_open_for_reading(cli, &l);
	if (ret)
		return ret;
	ret = snapshots(cli, cfg, &l);
	pc_loaded_close(&l);
	return ret;
}

const struct pc_command pc_cmd_stats = {
	.name = "stats",
	.summary = "counters by port, by rule and in total",
	.max_operands = 0,
	.description = "Counters by port (every port and range a rule names, by verdict), by rule\n"
		       "(since the policy generation was applied) and in total.\n",
	.options = stats_options,
	.config_size = sizeof(struct stats_config),
	.run = run_stats,
};
