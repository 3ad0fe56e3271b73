// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include "commands.h"
#include "rules_file.h"

struct rules_config {
	bool builtin;
};

static const struct pc_option rules_options[] = {
	PC_OPT_FLAG(struct rules_config, builtin, "default", 0,
		    "print the built-in default policy instead"),
	{ 0 },
};

static int print_default_policy(void)
{
	struct pc_policy policy = { 0 };
	struct pc_diag d = { 0 };
	int err = pc_parse_rules_file(NULL, &policy, &d);

	pc_diag_flush(stderr, &d);
	if (!err)
		pc_policy_print(stdout, &policy);
	pc_policy_free(&policy);
	return err ? PC_EXIT_FAIL : PC_EXIT_OK;
}

static int run_rules(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct rules_config *cfg = config;
	struct pc_policy policy = { 0 };
	struct pc_loaded l = PC_LOADED_INIT;
	int lock = -1, err, ret;

	if (cfg->builtin)
		return print_default_policy();
	ret = pc_open_locked(cli, &l, LOCK_SH, &lock);
	if (ret)
		return ret;
	err = pc_maps_read_policy(&l.maps, &policy, PC_READ_TABLE_MEMBERS);
	if (err == -ENOENT) {
		pr_warn("no policy in force\n");
		ret = PC_EXIT_FAIL;
	} else if (err) {
		pr_warn("read the policy from the kernel: %s\n", strerror(-err));
		ret = PC_EXIT_FAIL;
	} else {
		pc_policy_print(stdout, &policy);
	}
	pc_policy_free(&policy);
	pc_close_locked(&l, lock);
	return ret;
}

const struct pc_command pc_cmd_rules = {
	.name = "rules",
	.summary = "print the policy in force (--default: the built-in one)",
	.max_operands = 0,
	.description = "Prints the policy in force, read back from the kernel maps, in the rules\n"
		       "language: 'portcullis rules > f; portcullis apply f' changes nothing.\n",
	.options = rules_options,
	.config_size = sizeof(struct rules_config),
	.run = run_rules,
};
