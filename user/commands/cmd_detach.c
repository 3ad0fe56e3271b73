// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "attach.h"
#include "commands.h"

static const char usage_text[] =
	"Usage: portcullis detach IFACE... | --all\n"
	"\n"
	"Detaches portcullis from each IFACE of this network namespace (every\n"
	"hook), and clears the records of interfaces by that name that are gone,\n"
	"or whose namespace is. Nothing changes unless every IFACE has something\n"
	"to detach. With --all it detaches everywhere, in every namespace, and\n"
	"removes every pin, tc filter and qdisc it created, and the pin\n"
	"directory: nothing is left behind.\n";

int do_detach(const struct pc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pc_loaded l = { .skel = NULL };
	int c, i, lock, err, ret = PC_EXIT_OK;
	bool all = false;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'h':
			return pc_usage(usage_text, false);
		default:
			return pc_usage(usage_text, true);
		}
	}
	if (all == (optind < argc))
		return pc_usage(usage_text, true);
	if (pc_require_privileges())
		return PC_EXIT_FAIL;
	if (all && access(cli->pin_dir, F_OK)) {
		pr_info("nothing loaded under %s\n", cli->pin_dir);
		return PC_EXIT_OK;
	}
	if (all) {
		/* Even a load that was cut short is cleaned up. */
		lock = pc_pin_dir_lock(cli->pin_dir, LOCK_EX, false);
		if (lock < 0) {
			pr_warn("pin directory %s: %s\n", cli->pin_dir, strerror(-lock));
			return PC_EXIT_FAIL;
		}
		err = pc_open_pinned(&l, cli->pin_dir);
		if (err == -ENOENT || err == -ESTALE) {
			/* Incomplete: what was recorded can still be undone. */
			l.maps.attach = pc_open_attach_map(cli->pin_dir);
			err = 0;
		}
		if (err) {
			pc_warn_pins(cli->pin_dir, err);
			ret = PC_EXIT_FAIL;
		} else if (pc_detach_all(&l, cli->pin_dir)) {
			ret = PC_EXIT_FAIL;
		} else {
			pr_info("detached everywhere; pins under %s removed\n", cli->pin_dir);
		}
		goto out;
	}
	ret = pc_open_locked(cli, &l, LOCK_EX, &lock);
	if (ret)
		return ret;
	/* All or nothing: every name must have something to detach. */
	for (i = optind; i < argc; i++) {
		if (pc_detach_iface(&l, cli->pin_dir, argv[i], true) > 0)
			continue;
		if (if_nametoindex(argv[i]))
			pr_warn("not attached to %s (in this network namespace)\n", argv[i]);
		else
			pr_warn("no such interface '%s', and no record of one\n", argv[i]);
		ret = PC_EXIT_FAIL;
	}
	for (i = optind; !ret && i < argc; i++) {
		err = pc_detach_iface(&l, cli->pin_dir, argv[i], false);
		if (err < 0)
			ret = PC_EXIT_FAIL;
		else
			pr_info("detached from %s\n", argv[i]);
	}
out:
	pc_loaded_close(&l);
	pc_pin_dir_unlock(lock);
	return ret;
}
