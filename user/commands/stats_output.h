/* SPDX-License-Identifier: GPL-2.0 */
/* Presenting counters: a table for people, JSON for programs. Gathering
 * them is policy_maps.c's job. */
#ifndef PC_STATS_OUTPUT_H
#define PC_STATS_OUTPUT_H

#include <stdio.h>
#include "policy_maps.h"

/* What a stats snapshot is shown with: each rule's text. */
struct pc_stats_view {
	const struct pc_stats *now;
	const struct pc_stats *before; /* for rates; NULL: none */
	double interval;               /* seconds between before and now */
	__u64 snapshot_ns;             /* when now was read (CLOCK_REALTIME) */
	bool watch;                    /* one of a --watch series */
	char (*texts)[512];            /* [nrules] */
};

void pc_stats_print_table(FILE *out, const struct pc_stats_view *v);
/* pretty: indented, else one line. */
void pc_stats_print_json(FILE *out, const struct pc_stats_view *v, bool pretty);

/* "passed", "dropped", "rejected": a PC_V_* as --json names it. */
const char *pc_stats_verdict_name(int verdict);

#endif /* PC_STATS_OUTPUT_H */
