// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/file.h>
#include "commands.h"
#include "rules_file.h"

static const char usage_text[] =
	"Usage: portcullis apply FILE [--check]\n"
	"\n"
	"Validates FILE and puts it in force in one atomic switch. Any error\n"
	"(reported as FILE:LINE:COL: error: ...) leaves the policy in force\n"
	"untouched and exits with status 2.\n"
	"\n"
	"  --check   validate only; nothing in the kernel changes\n";

int do_apply(const struct pc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pc_compiled compiled = { 0 };
	struct pc_policy policy = { 0 };
	struct pc_loaded l = { .skel = NULL };
	struct pc_policy_hdr hdr;
	int c, lock = -1, err, ret, applied;
	bool check = false;
	__u32 slot;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			check = true;
			break;
		case 'h':
			return pc_usage(usage_text, false);
		default:
			return pc_usage(usage_text, true);
		}
	}
	if (optind != argc - 1)
		return pc_usage(usage_text, true);
	if (!check && pc_require_privileges())
		return PC_EXIT_FAIL;
	ret = pc_compile_file(argv[optind], &policy, &compiled);
	if (ret)
		return ret;
	if (check) {
		printf("%s: OK: %zu rule%s, %zu table%s, %zu prefix entr%s\n", argv[optind],
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
		pr_warn("apply %s: %s; the policy in force is unchanged\n", argv[optind],
			strerror(-applied));
		ret = PC_EXIT_FAIL;
		goto out;
	}
	err = pc_maps_active(&l.maps, &slot, &hdr);
	if (err) {
		pr_warn("applied %s, but reading it back failed: %s\n", argv[optind], strerror(-err));
		ret = PC_EXIT_FAIL;
		goto out;
	}
	if (applied == PC_APPLY_UNCHANGED)
		pr_info("%s is the policy in force already (generation %llu): nothing changed\n",
			argv[optind], (unsigned long long)hdr.generation);
	else
		pr_info("applied %s: generation %llu, %zu rule%s, %zu table%s, %zu prefix entr%s\n",
			argv[optind], (unsigned long long)hdr.generation, policy.nrules,
			pc_plural(policy.nrules, "", "s"), policy.ntables, pc_plural(policy.ntables, "", "s"),
			compiled.nprefixes, pc_plural(compiled.nprefixes, "y", "ies"));
out:
	pc_loaded_close(&l);
	pc_pin_dir_unlock(lock);
	pc_compiled_free(&compiled);
	pc_policy_free(&policy);
	return ret;
}
