/* SPDX-License-Identifier: GPL-2.0 */
/* Presenting a table in force (`table NAME show`): a list for people,
 * JSON for programs. */
#ifndef PC_TABLE_OUTPUT_H
#define PC_TABLE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include "policy.h"

struct pc_table_entry {
	struct pc_prefix prefix;
	bool live;         /* from `table add`, else from the policy file */
	__u64 expires_ns;  /* CLOCK_REALTIME; 0: never */
	__u64 added_ns;    /* live entries: when added; else 0 */
};

struct pc_table_show {
	const char *name;
	__u64 generation;
	struct pc_table_entry *v; /* sorted by prefix */
	size_t n, cap;
};

void pc_table_print_list(FILE *out, const struct pc_table_show *t);
void pc_table_print_json(FILE *out, const struct pc_table_show *t);

/* "until 2026-12-03T01:00:00Z" or "until deleted": how a live entry's
 * end is told, by `table` and by `rules`. */
void pc_live_until_format(char *buf, size_t size, __u64 expires_ns);

#endif /* PC_TABLE_OUTPUT_H */
