/* SPDX-License-Identifier: GPL-2.0 */
/* Presenting counters: a table for people, JSON for programs. Gathering
 * them is policy_maps.c's job. */
#ifndef PC_STATS_OUTPUT_H
#define PC_STATS_OUTPUT_H

#include <stdio.h>
#include "policy_maps.h"
#include "stats_rates.h"

/* What a stats snapshot is shown with: each rule's text, and under
 * --watch the rates since the snapshot before. */
struct pc_stats_view {
	const struct pc_stats *now;
	const struct pc_stats_rates *rates; /* NULL: not --watch */
	__u64 before_generation;            /* with rates->new_generation */
	bool reloaded;                      /* portcullis loaded afresh since the last */
	double every;                       /* --watch SECS */
	__u64 snapshot_ns;                  /* when now was read (CLOCK_REALTIME) */
	char (*texts)[512];                 /* [nrules] */
};

void pc_stats_print_table(FILE *out, const struct pc_stats_view *v);
/* pretty: indented, else one line. */
void pc_stats_print_json(FILE *out, const struct pc_stats_view *v, bool pretty);

/* Draw text (len bytes, whole lines) on a terminal of cols x rows over
 * what was drawn before: from the top left, each line cut at cols and
 * cleared to its end, lines beyond rows left out, the rest of the screen
 * cleared, so that nothing scrolls and nothing flickers. */
void pc_stats_redraw(FILE *tty, const char *text, size_t len, int cols, int rows);

/* "passed", "dropped", "rejected": a PC_V_* as --json names it. */
const char *pc_stats_verdict_name(int verdict);

#endif /* PC_STATS_OUTPUT_H */
