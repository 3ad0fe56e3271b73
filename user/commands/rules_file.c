// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "generation.h"
#include "lint.h"
#include "live_map.h"
#include "progress.h"
#include "rules_file.h"

const char *pc_rules_file_name(const char *path)
{
	if (!path)
		return "<default>";
	return strcmp(path, "-") ? path : PC_STDIN_NAME;
}

int pc_parse_rules_file(const char *path, struct pc_policy *p, struct pc_diag *d)
{
	if (path)
		return pc_policy_parse_file(path, p, d);
	return pc_policy_parse_string(pc_rules_file_name(path), pc_default_policy, p, d);
}

static size_t table_prefixes(const struct pc_policy *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->ntables; i++)
		n += p->tables[i].prefixes.n;
	return n;
}

int pc_compile_file(const char *path, struct pc_policy *p, struct pc_compiled *c)
{
	struct pc_diag d = { .errors_only = pc_verbosity < 0 };
	char label[128];
	int err;

	/* The parser counts the prefixes of table files as it reads them.
	 * Rules typed on the terminal get no line among them. */
	if (!path || strcmp(path, "-") || !isatty(STDIN_FILENO)) {
		snprintf(label, sizeof(label), "reading %s", pc_rules_file_name(path));
		pc_progress_begin(label, "prefixes", 0);
	}
	err = pc_parse_rules_file(path, p, &d);
	/* The parser leaves out what it could not read; compiling the rest
	 * still reports what it would refuse, so that one pass shows all. */
	pc_progress_begin("compiling", "prefixes", table_prefixes(p));
	if (pc_compile(p, c, &d, 0))
		err = -1;
	if (!err)
		pc_policy_lint(p, &d);
	pc_progress_end();
	pc_diag_print(stderr, &d);
	pc_diag_free(&d);
	if (err) {
		fprintf(stderr, "%s: %d error%s; nothing was changed\n", pc_rules_file_name(path),
			d.errors, d.errors == 1 ? "" : "s");
		pc_compiled_free(c);
		pc_policy_free(p);
		return PC_EXIT_USAGE;
	}
	return PC_EXIT_OK;
}

int pc_load_generation(const char *file, const struct pc_compiled *c, struct pc_generation *g)
{
	int err;

	pc_progress_begin("loading into the kernel", "prefixes", c->nprefixes);
	err = pc_generation_build(c, g);
	pc_progress_end();
	if (err == -EMLINK)
		pr_warn("%s: an address would lie under live table entries with more than %d different expiries (nested prefixes); the limit is %d, and the policy in force is unchanged\n",
			pc_rules_file_name(file), PC_LIVE_CHAIN, PC_LIVE_CHAIN);
	else if (err)
		pr_warn("%s: load the prefixes: %s; the policy in force is unchanged\n",
			pc_rules_file_name(file), strerror(-err));
	return err;
}

int pc_carry_live(const struct pc_maps *m, struct pc_compiled *c, struct pc_live_list *live,
		  __u32 now)
{
	int err = pc_live_read(m, live);

	if (!err)
		err = pc_compiled_set_live(c, live, now);
	if (err)
		pr_warn("read the live table entries: %s; the policy in force is unchanged\n",
			strerror(-err));
	return err;
}
