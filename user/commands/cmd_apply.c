// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "commands.h"
#include "generation.h"
#include "live_map.h"
#include "progress.h"
#include "rules_file.h"

struct apply_config {
	bool check;
};

static const struct pc_option apply_options[] = {
	PC_OPT_FLAG(struct apply_config, check, "check", 0,
		    "validate only; nothing in the kernel changes"),
	{ 0 },
};

/* "3 rules, 2 tables, 6 prefix entries" */
static void describe(char *buf, size_t size, const struct pc_policy *p, const struct pc_compiled *c)
{
	snprintf(buf, size, "%zu rule%s, %zu table%s, %zu prefix entr%s", p->nrules,
		 pc_plural(p->nrules, "", "s"), p->ntables, pc_plural(p->ntables, "", "s"),
		 c->nprefixes, pc_plural(c->nprefixes, "y", "ies"));
}

/* Put the compiled policy from file in force with its generation's
 * index, and say what happened. */
static int apply_locked(const struct pc_loaded *l, const char *file, const struct pc_policy *p,
			const struct pc_compiled *c, const struct pc_generation *g)
{
	struct pc_policy_hdr hdr;
	char what[128];
	int err, applied;
	__u32 slot;

	pc_progress_begin("switching", NULL, 0);
	applied = pc_maps_apply_generation(&l->maps, c, g);
	pc_progress_end();
	if (applied < 0) {
		pr_warn("apply %s: %s; the policy in force is unchanged\n", file, strerror(-applied));
		return PC_EXIT_FAIL;
	}
	err = pc_maps_active(&l->maps, &slot, &hdr);
	if (err) {
		pr_warn("applied %s, but reading it back failed: %s\n", file, strerror(-err));
		return PC_EXIT_FAIL;
	}
	describe(what, sizeof(what), p, c);
	if (applied == PC_APPLY_UNCHANGED)
		pr_info("%s is the policy in force already (generation %llu): nothing changed\n",
			file, (unsigned long long)hdr.generation);
	else
		pr_info("applied %s: generation %llu, %s\n", file, (unsigned long long)hdr.generation,
			what);
	return PC_EXIT_OK;
}

/* Is c the policy in force in the maps m already? */
static bool in_force(const struct pc_maps *m, const struct pc_compiled *c)
{
	struct pc_policy_hdr hdr;
	__u32 slot;

	return !pc_maps_active(m, &slot, &hdr) && hdr.generation && hdr.digest == c->hdr.digest;
}

/* The same, asked without the lock, as stats reads, only to spare
 * building an index that would not be used; c takes the live entries
 * as they are now, to build with. */
static bool in_force_unlocked(const struct pc_cli *cli, struct pc_compiled *c)
{
	struct pc_loaded l = PC_LOADED_INIT;
	struct pc_live_list live = { 0 };
	bool same;

	if (pc_open_pinned(&l, cli->pin_dir))
		return false;
	same = !pc_carry_live(&l.maps, c, &live, pc_boottime_s()) && in_force(&l.maps, c);
	pc_live_free(&live);
	pc_loaded_close(&l);
	return same;
}

/* The address index is built and loaded first, without the lock: that is
 * the slow part, and nobody sees it until it is put in force. The lock
 * is held only to write the rest and switch, so that stats is not held
 * up. A policy in force already needs no index, unless another apply
 * came in between or the live entries changed (a table edit, a lapse):
 * the generation carries the live entries of the tables it keeps,
 * staged in pc_live for its slot before the switch (pc_live_stage), and
 * the others are swept. */
static int apply_unlocked_then_locked(const struct pc_cli *cli, const char *path,
				      const struct pc_policy *p, struct pc_compiled *c)
{
	struct pc_generation g = PC_GENERATION_INIT;
	struct pc_loaded l = PC_LOADED_INIT;
	struct pc_live_list live = { 0 };
	__u64 built = 0; /* the digest g was built for; 0: none */
	char label[128];
	int lock, ret;
	__u32 now;

	if (!in_force_unlocked(cli, c)) {
		if (pc_load_generation(path, c, &g))
			return PC_EXIT_FAIL;
		built = c->hdr.digest;
	}
	snprintf(label, sizeof(label), "waiting for the lock on %s", cli->pin_dir);
	pc_progress_begin(label, NULL, 0);
	ret = pc_open_locked(cli, &l, LOCK_EX, &lock);
	pc_progress_end();
	if (!ret) {
		now = pc_boottime_s();
		if (pc_carry_live(&l.maps, c, &live, now))
			ret = PC_EXIT_FAIL;
		if (!ret && built != c->hdr.digest && !in_force(&l.maps, c)) {
			pc_generation_free(&g);
			if (pc_load_generation(path, c, &g))
				ret = PC_EXIT_FAIL;
		}
		if (!ret && pc_live_stage(&l.maps, &live, c, now)) {
			pr_warn("%s: recording the live table entries failed; the policy in force is unchanged\n",
				pc_rules_file_name(path));
			ret = PC_EXIT_FAIL;
		}
		if (!ret)
			ret = apply_locked(&l, pc_rules_file_name(path), p, c, &g);
		pc_close_locked(&l, lock);
	}
	pc_live_free(&live);
	pc_generation_free(&g);
	return ret;
}

static int run_apply(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct apply_config *cfg = config;
	struct pc_compiled compiled = { 0 };
	struct pc_policy policy = { 0 };
	const char *file = pc_rules_file_name(argv[0]);
	char what[128];
	int ret;

	if (!cfg->check && pc_require_privileges())
		return PC_EXIT_FAIL;
	ret = pc_compile_file(argv[0], &policy, &compiled);
	if (ret)
		return ret;
	if (cfg->check) {
		describe(what, sizeof(what), &policy, &compiled);
		printf("%s: OK: %s\n", file, what);
	} else {
		ret = apply_unlocked_then_locked(cli, argv[0], &policy, &compiled);
	}
	pc_compiled_free(&compiled);
	pc_policy_free(&policy);
	return ret;
}

const struct pc_command pc_cmd_apply = {
	.name = "apply",
	.summary = "replace the policy in force atomically (--check: validate only)",
	.operands = "FILE|-",
	.min_operands = 1,
	.max_operands = 1,
	.description = "Validates FILE (-: standard input) and puts it in force in one atomic\n"
		       "switch. Any error (reported as FILE:LINE:COL: error: ...) leaves the\n"
		       "policy in force untouched and exits with status 2.\n",
	.options = apply_options,
	.config_size = sizeof(struct apply_config),
	.run = run_apply,
};
