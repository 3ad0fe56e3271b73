// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "commands.h"
#include "top_output.h"

struct top_config {
	long n;    /* 0: the default, 20 */
	long port; /* 0: any */
	bool json;
};

#define TOP_DEFAULT_N 20

static const struct pc_option top_options[] = {
	/* PC_OPT_INTEGER with a short name, -n, as in top(1). */
	{ .name = "count", .short_name = 'n', .kind = PC_OPT_KIND_INTEGER,
	  .offset = PC_OPT_MEMBER(struct top_config, n, long), .metavar = "N", .min = 1,
	  .max = 1 << 24, .help = "show the N sources with the most attempts (default 20)" },
	PC_OPT_INTEGER(struct top_config, port, "port", "P", 1, 65535,
		       "only sources whose last stopped attempt was to port P"),
	PC_OPT_FLAG(struct top_config, json, "json", 0, "machine-readable output"),
	{ 0 },
};

/* Keep the entries whose last attempt went to port; the count kept. */
static size_t keep_port(struct pc_offender_list *l, long port)
{
	size_t i, kept = 0;

	for (i = 0; i < l->n; i++)
		if (!port || l->v[i].last_port == port)
			l->v[kept++] = l->v[i];
	return kept;
}

static int run_top(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	const struct top_config *cfg = config;
	struct pc_loaded l = PC_LOADED_INIT;
	struct pc_offender_list list = { 0 };
	size_t tracked, matched, want;
	int ret, err;

	ret = pc_open_for_reading(cli, &l);
	if (ret)
		return ret;
	err = pc_offenders_read(&l.maps, &list);
	pc_loaded_close(&l);
	if (err) {
		pr_warn("read the offenders: %s\n", strerror(-err));
		pc_offenders_free(&list);
		return PC_EXIT_FAIL;
	}
	tracked = list.n;
	list.n = matched = keep_port(&list, cfg->port);
	pc_offenders_sort(&list);
	want = cfg->n ? (size_t)cfg->n : TOP_DEFAULT_N;
	struct pc_top_view view = { &list, matched < want ? matched : want, matched, tracked };
	if (cfg->json)
		pc_top_print_json(stdout, &view);
	else
		pc_top_print_table(stdout, &view);
	pc_offenders_free(&list);
	return PC_EXIT_OK;
}

const struct pc_command pc_cmd_top = {
	.name = "top",
	.summary = "the sources with the most blocked connection attempts",
	.max_operands = 0,
	.description =
		"The sources (IPv4 /32, IPv6 /64) whose connection attempts a block, reject or\n"
		"limit rule stopped, the most attempts first, with their counts by action,\n"
		"the first and last attempt (RFC 3339 UTC), and the port and rule of the last.\n"
		"Each CPU keeps the sources of the packets it handles, as many as attach\n"
		"--offender-sources says (default 8192): a new source takes the place of\n"
		"the least recent of the two that share its slot, and one pushed out starts\n"
		"again from zero. The counts are each source's sums over the CPUs.\n",
	.options = top_options,
	.config_size = sizeof(struct top_config),
	.run = run_top,
};
