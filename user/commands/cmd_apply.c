// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include "commands.h"

struct apply_config {
	bool check;
};

static const struct pc_option apply_options[] = {
	PC_OPT_FLAG(struct apply_config, check, "check", 0,
		    "validate only; nothing in the kernel changes"),
	{ 0 },
};

static int run_apply(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct apply_config *cfg = config;
	struct pc_compiled compiled = { 0 };
	struct pc_policy policy = { 0 };
	struct pc_loaded l = { .skel = NULL };
	struct pc_policy_hdr hdr;
	int lock = -1, err, ret, applied;
	bool check = cfg->check;
	__u32 slot;

	if (!check && pc_require_privileges())
		return PC_EXIT_FAIL;
	ret = pc_compile_file(argv[0], &policy, &compiled);
	if (ret)
		return ret;
	if (check) {
		printf("%s: OK: %zu rule%s, %zu table%s, %zu prefix entr%s\n", argv[0],
		       policy.nrules, pc_plural(policy.nrules, "", "s"), policy.ntables,
		       pc_plural(policy.ntables, "", "s"), compiled.nprefixes,
		       pc_plural(compiled.nprefixes, "y", "ies"));
		goto out;
	}
	ret = pc_open_locked(cli, &l, LOCK_EX, &lock);
	if (ret)
		goto out;
	applied = pc_maps_apply(&l.maps, &compiled);
	if (applied < 0) {
		pr_warn("apply %s: %s; the policy in force is unchanged\n", argv[0],
			strerror(-applied));
		ret = PC_EXIT_FAIL;
		goto out;
	}
	err = pc_maps_active(&l.maps, &slot, &hdr);
	if (err) {
		pr_warn("applied %s, but reading it back failed: %s\n", argv[0], strerror(-err));
		ret = PC_EXIT_FAIL;
		goto out;
	}
	if (applied == PC_APPLY_UNCHANGED)
		pr_info("%s is the policy in force already (generation %llu): nothing changed\n",
			argv[0], (unsigned long long)hdr.generation);
	else
		pr_info("applied %s: generation %llu, %zu rule%s, %zu table%s, %zu prefix entr%s\n",
			argv[0], (unsigned long long)hdr.generation, policy.nrules,
			pc_plural(policy.nrules, "", "s"), policy.ntables, pc_plural(policy.ntables, "", "s"),
			compiled.nprefixes, pc_plural(compiled.nprefixes, "y", "ies"));
out:
	pc_close_locked(&l, lock);
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
