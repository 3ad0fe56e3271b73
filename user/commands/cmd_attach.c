// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include "attach.h"
#include "commands.h"
#include "rules_file.h"

static const char usage_text[] =
	"Usage: portcullis attach IFACE... [--hook xdp|xdp-generic|tc-egress|tc-ingress] [--rules FILE]\n"
	"\n"
	"Loads the programs and maps (once), pins them and attaches them to each\n"
	"IFACE. It puts FILE in force, or the built-in default policy when no\n"
	"policy is in force yet. Attaching where portcullis is already attached\n"
	"changes nothing.\n"
	"\n"
	"  --hook HOOK   xdp (default: native XDP, packets arriving on IFACE),\n"
	"                xdp-generic (XDP in the stack, any driver),\n"
	"                tc-egress (packets leaving IFACE, e.g. from this host),\n"
	"                tc-ingress (packets arriving on IFACE)\n"
	"  --rules FILE  the policy to put in force\n";

/* Put the compiled policy, if any, in force; the one in force already is
 * left alone, counters and all. */
static int put_in_force(const struct pc_loaded *l, const struct pc_compiled *c, const char *rules)
{
	int err;

	if (!c->ports)
		return 0;
	err = pc_maps_apply(&l->maps, c);
	if (err < 0) {
		pr_warn("put the policy in force: %s\n", strerror(-err));
		return err;
	}
	if (err == PC_APPLY_UNCHANGED)
		pr_debug("policy %s in force already\n", rules ? rules : "<default>");
	else
		pr_info("policy %s in force\n", rules ? rules : "the built-in default");
	return 0;
}

int do_attach(const struct pc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hook", required_argument, NULL, 'k' },
		{ "rules", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pc_compiled compiled = { 0 };
	struct pc_policy policy = { 0 };
	struct pc_loaded l = { .skel = NULL };
	struct pc_policy_hdr hdr;
	const char *rules = NULL;
	int hook = PC_HOOK_XDP, c, i, lock = -1, ret = PC_EXIT_FAIL, err, nattached = 0;
	bool created = false, already, first;
	const char **fresh = NULL;
	__u32 slot;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			hook = pc_hook_parse(optarg);
			if (hook < 0) {
				fprintf(stderr, "portcullis: unknown hook '%s'\n", optarg);
				return pc_usage(usage_text, true);
			}
			break;
		case 'r':
			rules = optarg;
			break;
		case 'h':
			return pc_usage(usage_text, false);
		default:
			return pc_usage(usage_text, true);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "portcullis: attach: which interface?\n");
		return pc_usage(usage_text, true);
	}
	if (pc_require_privileges())
		return PC_EXIT_FAIL;
	/* Check everything before changing anything. */
	for (i = optind; i < argc; i++) {
		if (!if_nametoindex(argv[i])) {
			pr_warn("no such interface '%s'\n", argv[i]);
			return PC_EXIT_FAIL;
		}
	}
	if (rules && pc_compile_file(rules, &policy, &compiled))
		return PC_EXIT_USAGE;
	fresh = calloc(argc, sizeof(*fresh));
	if (!fresh) {
		pr_warn("out of memory\n");
		ret = PC_EXIT_FAIL;
		goto out;
	}

	lock = pc_pin_dir_lock(cli->pin_dir, LOCK_EX, true);
	if (lock < 0) {
		pr_warn("pin directory %s: %s\n", cli->pin_dir, strerror(-lock));
		goto out;
	}
	err = pc_load_pinned(&l, cli->pin_dir, &created);
	if (err == -ESTALE) {
		pc_warn_pins(cli->pin_dir, err);
		goto out;
	} else if (err) {
		pr_warn("load the BPF programs: %s (run with -v for libbpf's messages)\n",
			strerror(-err));
		goto out;
	}
	err = pc_maps_active(&l.maps, &slot, &hdr);
	if (err) {
		pr_warn("read the policy in force: %s\n", strerror(-err));
		goto out;
	}
	if (!rules && !hdr.generation && pc_compile_file(NULL, &policy, &compiled)) {
		ret = PC_EXIT_USAGE;
		goto out;
	}
	/* A program must never run without a policy: a first policy goes in
	 * before anything is attached. A new one for a running load goes in
	 * after, so that a failed attach leaves the old one in force. */
	first = !hdr.generation;
	if (first)
		err = put_in_force(&l, &compiled, rules);
	for (i = optind; !err && i < argc; i++) {
		err = pc_attach_one(&l, cli->pin_dir, argv[i], hook, &already);
		if (err)
			break;
		if (!already)
			fresh[nattached++] = argv[i];
		pr_info("%s %s on %s\n", already ? "already attached:" : "attached",
			pc_hook_name(hook), argv[i]);
	}
	if (!err && !first)
		err = put_in_force(&l, &compiled, rules);
	if (!err)
		ret = PC_EXIT_OK;
	/* All or nothing: undo what this command attached before it failed. */
	for (i = 0; err && i < nattached; i++) {
		pc_detach_hook(&l, cli->pin_dir, if_nametoindex(fresh[i]), hook);
		pr_info("undone: %s on %s\n", pc_hook_name(hook), fresh[i]);
	}
	if (err)
		nattached = 0;
out:
	/* A first load that attached nothing leaves nothing behind. */
	if (ret != PC_EXIT_OK && created && !nattached) {
		pc_unpin_objects(cli->pin_dir);
		pc_pin_dir_remove(cli->pin_dir);
	}
	pc_loaded_close(&l);
	pc_pin_dir_unlock(lock);
	pc_compiled_free(&compiled);
	pc_policy_free(&policy);
	free(fresh);
	return ret;
}
