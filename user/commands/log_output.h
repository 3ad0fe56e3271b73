/* SPDX-License-Identifier: GPL-2.0 */
/* Presenting the events of the event log: a line for people, a JSON
 * object a line for programs. Following the ring is cmd_log.c's job. */
#ifndef PC_LOG_OUTPUT_H
#define PC_LOG_OUTPUT_H

#include <stdio.h>
#include "portcullis.h"

/* One event as its reader knows it: the record, its wall-clock time,
 * and the deciding rule as the policy of its generation has it. */
struct pc_log_entry {
	const struct pc_event *ev;
	__u64 realtime_ns;
	int action;       /* enum pc_action; -1: its generation is gone */
	const char *text; /* the rule's text; NULL: its generation is gone */
};

/* "2026-12-02T13:45:01.250Z rejected tcp 100.64.0.2:40000 -> 192.0.2.25:25
 * rule 1: reject proto tcp from <subs> to port 25 log" */
void pc_log_print_text(FILE *out, const struct pc_log_entry *e);
/* The same as one JSON object on one line. */
void pc_log_print_json(FILE *out, const struct pc_log_entry *e);

#endif /* PC_LOG_OUTPUT_H */
