// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/file.h>
#include "commands.h"

static const char usage_text[] =
	"Usage: portcullis rules [--default]\n"
	"\n"
	"Prints the policy in force, read back from the kernel maps, in the rules\n"
	"language: 'portcullis rules > f; portcullis apply f' changes nothing.\n"
	"\n"
	"  --default   print the built-in default policy instead\n";

int do_rules(const struct pc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "default", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pc_policy policy = { 0 };
	struct pc_loaded l = { .skel = NULL };
	struct pc_diag d = { .out = stderr };
	bool builtin = false;
	int c, lock = -1, err, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			builtin = true;
			break;
		case 'h':
			return pc_usage(usage_text, false);
		default:
			return pc_usage(usage_text, true);
		}
	}
	if (optind != argc)
		return pc_usage(usage_text, true);
	if (builtin) {
		if (pc_policy_parse_string("<default>", pc_default_policy, &policy, &d)) {
			pc_policy_free(&policy);
			return PC_EXIT_FAIL;
		}
		pc_policy_print(stdout, &policy);
		pc_policy_free(&policy);
		return PC_EXIT_OK;
	}
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
	pc_loaded_close(&l);
	pc_pin_dir_unlock(lock);
	return ret;
}
