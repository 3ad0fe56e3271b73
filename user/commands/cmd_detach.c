// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "attach.h"
#include "commands.h"

struct detach_config {
	bool all;
};

static const struct pc_option detach_options[] = {
	PC_OPT_FLAG(struct detach_config, all, "all", 0,
		    "instead of IFACE...: everywhere, and every pin"),
	{ 0 },
};

/* Everything, even a load that was cut short. */
static int detach_everything(const struct pc_cli *cli)
{
	struct pc_loaded l = PC_LOADED_INIT;
	int lock, err, ret = PC_EXIT_OK;

	if (access(cli->pin_dir, F_OK)) {
		pr_info("nothing loaded under %s\n", cli->pin_dir);
		return PC_EXIT_OK;
	}
	lock = pc_pin_dir_lock(cli->pin_dir, LOCK_EX, false);
	if (lock < 0) {
		pr_warn("pin directory %s: %s\n", cli->pin_dir, strerror(-lock));
		return PC_EXIT_FAIL;
	}
	err = pc_open_pinned(&l, cli->pin_dir);
	if (err == -ENOENT || err == -ESTALE) {
		/* Incomplete: what was recorded can still be undone, and
		 * without a record the pins are still removed. */
		pc_open_attach_only(&l, cli->pin_dir);
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
	pc_close_locked(&l, lock);
	return ret;
}

/* All or nothing: every name must have something to detach. */
static int detach_names(const struct pc_loaded *l, const char *pin_dir, int n, char **names)
{
	int i, ret = PC_EXIT_OK;

	for (i = 0; i < n; i++) {
		if (pc_detach_iface(l, pin_dir, names[i], true) > 0)
			continue;
		if (if_nametoindex(names[i]))
			pr_warn("not attached to %s (in this network namespace)\n", names[i]);
		else
			pr_warn("no such interface '%s', and no record of one\n", names[i]);
		ret = PC_EXIT_FAIL;
	}
	for (i = 0; !ret && i < n; i++) {
		if (pc_detach_iface(l, pin_dir, names[i], false) < 0)
			ret = PC_EXIT_FAIL;
		else
			pr_info("detached from %s\n", names[i]);
	}
	return ret;
}

static int run_detach(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct detach_config *cfg = config;
	struct pc_loaded l = PC_LOADED_INIT;
	int lock, ret;

	if (cfg->all == (argc > 0))
		return pc_usage_error(&pc_cmd_detach,
				      cfg->all ? "--all takes no IFACE" : "which IFACE, or --all?");
	if (pc_require_privileges())
		return PC_EXIT_FAIL;
	if (cfg->all)
		return detach_everything(cli);
	ret = pc_open_locked(cli, &l, LOCK_EX, &lock);
	if (ret)
		return ret;
	ret = detach_names(&l, cli->pin_dir, argc, argv);
	pc_close_locked(&l, lock);
	return ret;
}

const struct pc_command pc_cmd_detach = {
	.name = "detach",
	.summary = "detach from interfaces, or everything with --all",
	.operands = "IFACE...",
	.max_operands = -1,
	.description = "Detaches portcullis from each IFACE of this network namespace (every\n"
		       "hook), and clears the records of interfaces by that name that are gone,\n"
		       "or whose namespace is. Nothing changes unless every IFACE has something\n"
		       "to detach. With --all it detaches everywhere, in every namespace, and\n"
		       "removes every pin, tc filter and qdisc it created, and the pin\n"
		       "directory: nothing is left behind.\n",
	.options = detach_options,
	.config_size = sizeof(struct detach_config),
	.run = run_detach,
};
