// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "commands.h"
#include "netns.h"
#include "status_output.h"

struct status_config {
	bool json;
};

static const struct pc_option status_options[] = {
	PC_OPT_FLAG(struct status_config, json, "json", 0, "machine-readable output"),
	{ 0 },
};

static void gather_attachments(const struct pc_loaded *l, struct pc_status *s)
{
	static struct pc_attach_key keys[PC_MAX_ATTACH];
	static struct pc_attach_val vals[PC_MAX_ATTACH];
	int i;

	s->natt = pc_attachments(l, keys, vals, PC_MAX_ATTACH);
	for (i = 0; i < s->natt; i++) {
		struct pc_status_attachment *a = &s->att[i];

		a->key = keys[i];
		a->val = vals[i];
		a->live = pc_attachment_live(l, &keys[i], &vals[i]);
		if (pc_netns_name(vals[i].netns_ino, a->netns_name, sizeof(a->netns_name)))
			a->netns_name[0] = '\0';
	}
}

static int gather(const struct pc_cli *cli, const struct pc_loaded *l, struct pc_status *s)
{
	__u32 slot;
	int err;

	err = pc_maps_active(&l->maps, &slot, &s->hdr);
	if (!err)
		err = pc_maps_count_tables(&l->maps, &s->tables);
	if (err) {
		pr_warn("read the policy header: %s\n", strerror(-err));
		return err;
	}
	s->pin_dir = cli->pin_dir;
	s->xdp_prog_id = pc_prog_id(l->xdp_fd);
	s->tc_prog_id = pc_prog_id(l->tc_fd);
	s->netns = pc_current_netns();
	gather_attachments(l, s);
	return 0;
}

static int run_status(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct status_config *cfg = config;
	static struct pc_status s;
	struct pc_loaded l = PC_LOADED_INIT;
	int lock, ret;

	ret = pc_open_locked(cli, &l, LOCK_SH, &lock);
	if (ret)
		return ret;
	if (gather(cli, &l, &s))
		ret = PC_EXIT_FAIL;
	else if (cfg->json)
		pc_status_print_json(stdout, &s);
	else
		pc_status_print_table(stdout, &s);
	pc_close_locked(&l, lock);
	return ret;
}

const struct pc_command pc_cmd_status = {
	.name = "status",
	.summary = "what is attached where, and the policy in force",
	.max_operands = 0,
	.description = "What is attached where and on which hook, the program ids, and the\n"
		       "policy in force: its generation, rules, tables and prefix entries.\n",
	.options = status_options,
	.config_size = sizeof(struct status_config),
	.run = run_status,
};
