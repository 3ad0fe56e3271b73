/* SPDX-License-Identifier: GPL-2.0 */
/* The counters in the Prometheus text exposition format (version 0.0.4),
 * the one formatting that metrics --once, --textfile and HTTP share.
 * Gathering them is cmd_stats.c's pc_stats_gather(). */
#ifndef PC_METRICS_OUTPUT_H
#define PC_METRICS_OUTPUT_H

#include <stdio.h>
#include "offenders.h"
#include "policy_maps.h"

#define PC_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Every family of s and of the offenders' summary o: # HELP and # TYPE,
 * then its samples. No label names a source address. */
void pc_metrics_print(FILE *out, const struct pc_stats *s, const struct pc_offender_summary *o);

#endif /* PC_METRICS_OUTPUT_H */
