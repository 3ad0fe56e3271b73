// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
	PC_OPT_NUMBER(struct stats_config, watch, "watch", "SECS", 0.001, 86400,
		      "redraw every SECS seconds, with per-second rates\n"
		      "(with --json: one JSON object a line, with\n"
		      "\"packets_per_second\" on each port and rule)"),
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

static void show(const struct stats_config *cfg, const struct pc_stats_view *v)
{
	if (cfg->json) {
		pc_stats_print_json(stdout, v, !cfg->watch);
	} else {
		if (cfg->watch && isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);
		pc_stats_print_table(stdout, v);
	}
	fflush(stdout);
}

/* One snapshot, or with --watch one every so often: --count of them, or
 * until portcullis is detached. */
static int snapshots(const struct pc_cli *cli, const struct stats_config *cfg,
		     const struct pc_loaded *l)
{
	static struct pc_stats snap[2];
	static char texts[PC_MAX_RULES][512];
	double t0 = 0, t1;
	int err, cur = 0;
	long n;

	for (n = 0; !n || (cfg->watch && (!cfg->count || n < cfg->count)); n++) {
		struct pc_stats_view v = { .now = &snap[cur], .texts = texts, .watch = cfg->watch > 0 };

		if (n)
			pc_sleep_s(cfg->watch);
		if (n && !pc_pins_loaded(cli->pin_dir)) {
			pr_warn("portcullis was detached: nothing loaded under %s any more\n",
				cli->pin_dir);
			return PC_EXIT_FAIL;
		}
		t1 = pc_monotonic_s();
		err = pc_stats_gather(l, &snap[cur], texts);
		if (err) {
			pr_warn("read the counters: %s\n", strerror(-err));
			return PC_EXIT_FAIL;
		}
		v.snapshot_ns = pc_realtime_ns();
		if (n) {
			v.before = &snap[!cur];
			v.interval = t1 - t0;
		}
		show(cfg, &v);
		t0 = t1;
		cur = !cur;
	}
	return PC_EXIT_OK;
}

/* Open the pins without waiting for the lock: reading needs none (the
 * slot in force is consistent), and an apply holds it while it switches.
 * Only when the pins cannot be opened so (nothing loaded, or an attach or
 * a detach at work) is the lock taken, to wait for them and say why. */
static int open_for_reading(const struct pc_cli *cli, struct pc_loaded *l)
{
	int lock, ret;

	if (pc_require_privileges())
		return PC_EXIT_FAIL;
	if (!pc_open_pinned(l, cli->pin_dir))
		return PC_EXIT_OK;
	ret = pc_open_locked(cli, l, LOCK_SH, &lock);
	if (!ret)
		pc_pin_dir_unlock(lock);
	return ret;
}

static int run_stats(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct stats_config *cfg = config;
	struct pc_loaded l = PC_LOADED_INIT;
	int ret;

	if (cfg->count && !cfg->watch)
		return pc_usage_error(&pc_cmd_stats, "--count needs --watch");
	ret = open_for_reading(cli, &l);
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
