// SPDX-License-Identifier: GPL-2.0
/* portcullis log: follow the event log, the ring buffer that rules with
 * log write their connection attempts to (bpf/events.h), one line or one
 * JSON object an event, flushed at once, until SIGINT or SIGTERM. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "commands.h"
#include "log_output.h"

/* How often, without events, the pins are looked at for a detach. */
#define CHECK_MS 1000

struct log_config {
	bool json;
};

static const struct pc_option log_options[] = {
	PC_OPT_FLAG(struct log_config, json, "json", 0, "one JSON object a line"),
	{ 0 },
};

/* One log command at work: the rules of the generation last seen. */
struct log_run {
	const struct log_config *cfg;
	struct pc_loaded l;
	__u64 generation; /* of what follows; 0: none looked at yet */
	bool known;       /* that generation was in force when looked at */
	size_t nrules;
	int actions[PC_MAX_RULES];
	char texts[PC_MAX_RULES][512];
	int write_err;
};

/* The rules of generation gen, read once: an event of a generation no
 * longer in force has its rule's number but not its text. */
static void learn_rules(struct log_run *r, __u64 gen)
{
	static struct pc_stats s;
	size_t i;

	if (r->generation == gen)
		return;
	r->generation = gen;
	r->known = !pc_stats_gather(&r->l, &s, r->texts) && s.hdr.generation == gen;
	r->nrules = r->known ? s.nrules : 0;
	for (i = 0; i < r->nrules; i++)
		r->actions[i] = s.rules[i].rule.action;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct log_run *r = ctx;
	struct pc_log_entry e = { .action = -1 };
	struct pc_event ev;

	if (size < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	learn_rules(r, ev.generation);
	e.ev = &ev;
	e.realtime_ns = pc_boot_to_realtime_ns(ev.boot_ns);
	if (ev.rule < r->nrules) {
		e.action = r->actions[ev.rule];
		e.text = r->texts[ev.rule];
	}
	if (r->cfg->json)
		pc_log_print_json(stdout, &e);
	else
		pc_log_print_text(stdout, &e);
	/* Each line at once, for `log --json >> file` and journald. */
	if (fflush(stdout)) {
		r->write_err = -errno;
		return r->write_err;
	}
	return 0;
}

/* Say what would keep events from coming: no interface attached, or no
 * rule of the policy in force with log. */
static void say_why_quiet(const struct log_run *r, const char *pin_dir)
{
	struct pc_attach_key k;
	struct pc_policy_hdr hdr;
	__u32 slot;

	if (bpf_map_get_next_key(r->l.maps.attach, NULL, &k))
		pr_warn("nothing is attached under %s: no events until 'portcullis attach IFACE'\n",
			pin_dir);
	if (!pc_maps_active(&r->l.maps, &slot, &hdr) && !hdr.log_rules)
		pr_warn("no rule of the policy in force carries log: no events until one does\n");
}

/* Until a signal of the signalfd sfd, a detach, or an error. */
static int follow(struct log_run *r, struct ring_buffer *rb, int sfd, const char *pin_dir)
{
	struct pollfd fds[2] = { { .fd = ring_buffer__epoll_fd(rb), .events = POLLIN },
				 { .fd = sfd, .events = POLLIN } };
	ino_t loaded = pc_load_id(pin_dir);
	int n, err;

	for (;;) {
		n = poll(fds, 2, CHECK_MS);
		if (n < 0 && errno != EINTR) {
			pr_warn("wait for events: %s\n", strerror(errno));
			return PC_EXIT_FAIL;
		}
		/* What came before the signal is printed first. */
		err = ring_buffer__consume(rb);
		if (err < 0) {
			if (r->write_err)
				pr_warn("write the events: %s\n", strerror(-r->write_err));
			else
				pr_warn("read the events: %s\n", strerror(-err));
			return PC_EXIT_FAIL;
		}
		if (fds[1].revents & POLLIN)
			return PC_EXIT_OK;
		if (n == 0 && pc_load_id(pin_dir) != loaded) {
			pr_warn("portcullis was detached from under %s: its event log is gone\n",
				pin_dir);
			return PC_EXIT_FAIL;
		}
	}
}

static int run_log(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	static struct log_run r;
	struct ring_buffer *rb = NULL;
	int ret, sfd = -1;
	sigset_t stop;

	r = (struct log_run){ .cfg = config, .l = PC_LOADED_INIT };
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	/* Blocked before anything, so that a signal is never lost: it waits
	 * in the signalfd. */
	sigprocmask(SIG_BLOCK, &stop, NULL);
	ret = pc_open_for_reading(cli, &r.l);
	if (ret)
		return ret;
	sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	if (sfd < 0) {
		pr_warn("signalfd: %s\n", strerror(errno));
		ret = PC_EXIT_FAIL;
		goto out;
	}
	rb = ring_buffer__new(r.l.maps.events, on_event, &r, NULL);
	if (!rb) {
		pr_warn("follow the event log under %s: %s\n", cli->pin_dir, strerror(errno));
		ret = PC_EXIT_FAIL;
		goto out;
	}
	say_why_quiet(&r, cli->pin_dir);
	ret = follow(&r, rb, sfd, cli->pin_dir);
out:
	ring_buffer__free(rb);
	if (sfd >= 0)
		close(sfd);
	pc_loaded_close(&r.l);
	return ret;
}

const struct pc_command pc_cmd_log = {
	.name = "log",
	.summary = "follow the events of rules that carry log",
	.max_operands = 0,
	.description =
		"Follows the event log: one line per connection attempt that a rule with\n"
		"the log option decided (its time, verdict, protocol, source -> destination\n"
		"and port, and the rule), at most one a second per source (IPv4 /32, IPv6\n"
		"/64); stats counts the events lost to that limit and to a full ring.\n"
		"Each line is flushed at once: 'portcullis log --json >> FILE' and journald\n"
		"(systemd-cat) take them as they come. Ends with status 0 on SIGINT or\n"
		"SIGTERM.\n"
		"The ring has one reader: two log commands at once share the events\n"
		"between them, each seeing only some.\n",
	.options = log_options,
	.config_size = sizeof(struct log_config),
	.run = run_log,
};
