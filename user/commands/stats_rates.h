/* SPDX-License-Identifier: GPL-2.0 */
/* Per-second rates between two snapshots of the counters (stats --watch):
 * pure arithmetic on two struct pc_stats, apart from reading and showing
 * them, so that the unit tests take it alone. */
#ifndef PC_STATS_RATES_H
#define PC_STATS_RATES_H

#include <stdbool.h>
#include "policy_maps.h"

/* A counter's growth a second. Not known when there is no earlier count
 * to compare with: the first snapshot, a port item new to the policy, the
 * rules of a new generation, or a counter that went back (it started
 * again: the maps were loaded afresh, or a forgotten item's counter was
 * reused). A rate is never negative. */
struct pc_rate {
	bool known;
	double packets;
	double connections;
};

struct pc_stats_rates {
	double interval;     /* seconds between the two snapshots; 0: none */
	bool new_generation; /* a new policy generation: rule counters started again */
	bool restarted;      /* some port or total counter went back: started again */
	struct pc_rate totals; /* packets only: the totals count no connections */
	struct pc_rate ports[PC_MAX_PORT_ITEMS]; /* of now->ports[i] */
	struct pc_rate rules[PC_MAX_RULES];      /* of now->rules[i] */
};

/* The rates of now since before, interval seconds earlier (before NULL or
 * interval <= 0: none known). */
void pc_stats_rates(struct pc_stats_rates *r, const struct pc_stats *before,
		    const struct pc_stats *now, double interval);

#endif /* PC_STATS_RATES_H */
