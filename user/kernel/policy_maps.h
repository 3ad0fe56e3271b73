/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel maps of a loaded portcullis: writing a compiled policy into
 * them atomically, reading the policy and the counters back.
 */
#ifndef PC_POLICY_MAPS_H
#define PC_POLICY_MAPS_H

#include "compiler.h"

/* File descriptors of every map, from the pins or from a fresh load. */
struct pc_maps {
	int ctl, policy, rules, sets, list_prefixes, ports, port_items;
	int roots, index_banks, members;
	int port_counters, port_index, rule_counters, totals, attach, reply_limit, limit;
	int live; /* pc_live: live table entries */
	int offenders; /* pc_offenders: stopped attempts by source */
	int events, event_limit; /* pc_events (the event log's ring), pc_event_limit */
};

/* No map open: every descriptor -1. A new map is added here too. */
#define PC_MAPS_NONE                                                           \
	{                                                                      \
		.ctl = -1, .policy = -1, .rules = -1, .sets = -1,              \
		.list_prefixes = -1, .ports = -1, .port_items = -1,            \
		.roots = -1, .index_banks = -1, .members = -1,                 \
		.port_counters = -1, .port_index = -1,                         \
		.rule_counters = -1, .totals = -1, .attach = -1,               \
		.reply_limit = -1, .limit = -1, .live = -1, .offenders = -1,   \
		.events = -1, .event_limit = -1,                               \
	}

/* Put c in force as a new generation: written into the slot not in force,
 * then switched with one update of pc_ctl. On any failure the old policy
 * stays wholly in force. Returns 0, PC_APPLY_UNCHANGED when c is the policy
 * in force already (then nothing changes, counters included), or -errno. */
#define PC_APPLY_UNCHANGED 1
int pc_maps_apply(const struct pc_maps *m, const struct pc_compiled *c);

/* The same in two steps, so that the slow one needs no lock: the parts
 * of the generation sized by its tables, loaded but in no slot yet
 * (pc_generation_build(), generation.h), then this, which puts c in force
 * with them and releases those of the generation before. */
struct pc_generation;
int pc_maps_apply_generation(const struct pc_maps *m, const struct pc_compiled *c,
			     const struct pc_generation *g);

/* The generation in force and its slot; generation 0: no policy yet. */
int pc_maps_active(const struct pc_maps *m, __u32 *slot, struct pc_policy_hdr *hdr);

/* The number of named tables of the policy in force (inline lists are
 * sets too, but not tables); 0 with no policy. */
int pc_maps_count_tables(const struct pc_maps *m, __u32 *ntables);

/* Rebuild the policy in force from the maps. Without
 * PC_READ_TABLE_MEMBERS the tables come back empty, which is quicker. */
#define PC_READ_TABLE_MEMBERS 0x1
int pc_maps_read_policy(const struct pc_maps *m, struct pc_policy *out, unsigned flags);

struct pc_port_stat {
	__u8 proto; /* PC_PROTO_* */
	__u16 lo, hi;
	struct pc_port_count count; /* summed over CPUs */
};

struct pc_rule_stat {
	struct pc_rule rule;
	struct pc_count count;   /* summed over CPUs */
	struct pc_count dropped; /* of those, dropped */
};

/* The totals as user space shows them, derived from the kernel's counts
 * by reason (struct pc_reason_totals) in one place, pc_maps_read_stats. */
struct pc_totals {
	__u64 packets;
	__u64 bytes;
	__u64 passed;    /* passed + dropped + rejected == packets */
	__u64 dropped;
	__u64 rejected;
	__u64 malformed; /* also counted under their verdict */
	__u64 fragments; /* non-first fragments: no ports, passed */
	__u64 other;     /* not TCP or UDP over IP: passed untouched */
	__u64 by_reason[PC_NREASON]; /* packets, by enum pc_reason */
	/* Connection attempts that rules with log decided: sent to the
	 * event log, or lost there because the ring was full or their
	 * source had had its event of the second. */
	__u64 events_emitted;
	__u64 events_lost_ring_full;
	__u64 events_lost_rate_limited;
};

struct pc_stats {
	struct pc_policy_hdr hdr;
	struct pc_totals totals;
	struct pc_port_stat ports[PC_MAX_PORT_ITEMS];
	size_t nports;
	struct pc_rule_stat rules[PC_MAX_RULES];
	size_t nrules;
};

/* Every counter, summed over the possible CPUs. */
int pc_maps_read_stats(const struct pc_maps *m, struct pc_stats *out);

#endif /* PC_POLICY_MAPS_H */
