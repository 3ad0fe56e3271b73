// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include "commands.h"
#include "live_map.h"
#include "rules_file.h"
#include "table_output.h"

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

/* After each table, its live entries as comments, which apply skips and
 * carries over by name instead: "# live: 100.64.3.7 until ...Z". */
struct live_notes {
	const struct pc_live_list *live;
	__u32 now;
};

static void print_live(FILE *out, const struct pc_table *t, void *arg)
{
	const struct live_notes *ln = arg;
	char text[64], until[48];
	size_t i;

	for (i = 0; i < ln->live->n; i++) {
		const struct pc_live_entry *e = &ln->live->v[i];
		struct pc_prefix p = pc_live_prefix(&e->key);

		if (strncmp(e->key.table, t->name, PC_NAME_MAX) || pc_live_lapsed(&e->val, ln->now))
			continue;
		pc_prefix_format(text, sizeof(text), &p);
		pc_live_until_format(until, sizeof(until), pc_live_expires_ns(&e->val));
		fprintf(out, "# live: %s %s\n", text, until);
	}
}

static int run_rules(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct rules_config *cfg = config;
	struct pc_policy policy = { 0 };
	struct pc_loaded l = PC_LOADED_INIT;
	struct pc_live_list live = { 0 };
	struct live_notes notes = { &live, pc_boottime_s() };
	int lock = -1, err, ret;

	if (cfg->builtin)
		return print_default_policy();
	ret = pc_open_locked(cli, &l, LOCK_SH, &lock);
	if (ret)
		return ret;
	err = pc_maps_read_policy(&l.maps, &policy, PC_READ_TABLE_MEMBERS);
	if (!err)
		err = pc_live_read(&l.maps, &live);
	if (err == -ENOENT) {
		pr_warn("no policy in force\n");
		ret = PC_EXIT_FAIL;
	} else if (err) {
		pr_warn("read the policy from the kernel: %s\n", strerror(-err));
		ret = PC_EXIT_FAIL;
	} else {
		pc_policy_print_notes(stdout, &policy, print_live, &notes);
	}
	pc_live_free(&live);
	pc_policy_free(&policy);
	pc_close_locked(&l, lock);
	return ret;
}

const struct pc_command pc_cmd_rules = {
	.name = "rules",
	.summary = "print the policy in force (--default: the built-in one)",
	.max_operands = 0,
	.description = "Prints the policy in force, read back from the kernel maps, in the rules\n"
		       "language: 'portcullis rules > f; portcullis apply f' changes nothing.\n"
		       "Live table entries (portcullis table) follow their table as comments,\n"
		       "'# live: ADDR until TIME', which apply carries over by name.\n",
	.options = rules_options,
	.config_size = sizeof(struct rules_config),
	.run = run_rules,
};
