// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "stats_rates.h"

/* The rate of one counter pair, or unknown (and *restarted) if either went
 * back. */
static struct pc_rate rate_of(__u64 pkts, __u64 pkts0, __u64 conns, __u64 conns0,
			      double interval, bool *restarted)
{
	struct pc_rate r = { 0 };

	if (pkts < pkts0 || conns < conns0) {
		*restarted = true;
		return r;
	}
	r.known = true;
	r.packets = (pkts - pkts0) / interval;
	r.connections = (conns - conns0) / interval;
	return r;
}

/* The same port item in the earlier snapshot, if it was there. */
static const struct pc_port_stat *earlier_port(const struct pc_stats *before,
					       const struct pc_port_stat *p)
{
	size_t i;

	for (i = 0; i < before->nports; i++)
		if (before->ports[i].proto == p->proto && before->ports[i].lo == p->lo &&
		    before->ports[i].hi == p->hi)
			return &before->ports[i];
	return NULL;
}

/* A port item: every verdict's counters must not have gone back; the rate
 * is of their sum. */
static struct pc_rate port_rate(const struct pc_port_stat *p, const struct pc_port_stat *b,
				double interval, bool *restarted)
{
	struct pc_rate r = { .known = true };
	int k;

	for (k = 0; k < PC_NVERDICT && r.known; k++) {
		struct pc_rate v = rate_of(p->count.v[k].packets, b->count.v[k].packets,
					   p->count.v[k].connections, b->count.v[k].connections,
					   interval, restarted);

		r.known = v.known;
		r.packets += v.packets;
		r.connections += v.connections;
	}
	if (!r.known)
		r.packets = r.connections = 0;
	return r;
}

void pc_stats_rates(struct pc_stats_rates *r, const struct pc_stats *before,
		    const struct pc_stats *now, double interval)
{
	const struct pc_port_stat *b;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (!before || !(interval > 0))
		return;
	r->interval = interval;
	r->totals = rate_of(now->totals.packets, before->totals.packets, 0, 0, interval,
			    &r->restarted);
	for (i = 0; i < now->nports; i++) {
		b = earlier_port(before, &now->ports[i]);
		if (b)
			r->ports[i] = port_rate(&now->ports[i], b, interval, &r->restarted);
	}
	/* Rule i of another generation is another rule, counted from zero
	 * since that generation was put in force. */
	if (before->hdr.generation != now->hdr.generation) {
		r->new_generation = true;
		return;
	}
	for (i = 0; i < now->nrules && i < before->nrules; i++)
		r->rules[i] = rate_of(now->rules[i].count.packets, before->rules[i].count.packets,
				      now->rules[i].count.connections,
				      before->rules[i].count.connections, interval, &r->restarted);
}
