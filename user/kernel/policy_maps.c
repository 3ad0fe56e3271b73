// SPDX-License-Identifier: GPL-2.0
/*
 * Writing a compiled policy into the kernel maps, and reading the policy
 * and its counters back. A generation is written into the slot that is not
 * in force, then put in force by one update of pc_ctl: whatever happens
 * before that update, the old policy is wholly in force.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "growable_array.h"
#include "clock.h"
#include "generation.h"
#include "policy_maps.h"

static int update(int fd, __u32 key, const void *val)
{
	return bpf_map_update_elem(fd, &key, val, BPF_ANY) ? -errno : 0;
}

static int lookup(int fd, __u32 key, void *val)
{
	return bpf_map_lookup_elem(fd, &key, val) ? -errno : 0;
}

/* Per-CPU values: a buffer for every possible CPU, each 8-byte aligned. */
static void *percpu_alloc(size_t size, int *ncpu)
{
	*ncpu = libbpf_num_possible_cpus();
	if (*ncpu <= 0)
		return NULL;
	return calloc(*ncpu, (size + 7) & ~7UL);
}

static int percpu_zero(int fd, __u32 key, size_t size)
{
	int ncpu, err;
	void *buf = percpu_alloc(size, &ncpu);

	if (!buf)
		return -ENOMEM;
	err = update(fd, key, buf);
	free(buf);
	return err;
}

/* Sum a per-CPU value made only of __u64 counters. */
static int percpu_sum(int fd, __u32 key, __u64 *sum, size_t size)
{
	size_t words = size / 8, stride = (size + 7) / 8, i;
	int ncpu, cpu, err;
	__u64 *buf = percpu_alloc(size, &ncpu);

	if (!buf)
		return -ENOMEM;
	err = lookup(fd, key, buf);
	memset(sum, 0, size);
	for (cpu = 0; !err && cpu < ncpu; cpu++)
		for (i = 0; i < words; i++)
			sum[i] += buf[cpu * stride + i];
	free(buf);
	return err;
}

int pc_maps_active(const struct pc_maps *m, __u32 *slot, struct pc_policy_hdr *hdr)
{
	struct pc_ctl ctl;
	int err;

	err = lookup(m->ctl, 0, &ctl);
	if (err)
		return err;
	*slot = ctl.active & 1;
	return lookup(m->policy, *slot, hdr);
}

static struct pc_port_key item_key(const struct pc_port_item *it)
{
	struct pc_port_key k = { .proto = it->proto, .lo = it->lo, .hi = it->hi };

	return k;
}

/* Who holds each per-port counter while a new generation is written. */
struct counter_use {
	bool in_force[PC_PORT_COUNTERS]; /* by an item of the policy in force */
	bool taken[PC_PORT_COUNTERS];    /* by an item of the new generation */
	bool indexed[PC_PORT_COUNTERS];  /* remembered for keys[c] in pc_port_index */
	struct pc_port_key keys[PC_PORT_COUNTERS];
};

static int mark_in_force(const struct pc_maps *m, __u32 active, const struct pc_policy_hdr *ah,
			 struct counter_use *u)
{
	__u32 nold = ah->generation ? ah->nitems : 0, j;
	struct pc_port_item old;
	int err;

	for (j = 0; j < nold; j++) {
		err = lookup(m->port_items, active * PC_MAX_PORT_ITEMS + j, &old);
		if (err)
			return err;
		if (old.counter >= PC_PORT_COUNTERS)
			return -EINVAL;
		u->in_force[old.counter] = true;
	}
	return 0;
}

static void mark_indexed(const struct pc_maps *m, struct counter_use *u)
{
	struct pc_port_key k, *prev = NULL;
	__u32 c;

	while (!bpf_map_get_next_key(m->port_index, prev, &k)) {
		if (!bpf_map_lookup_elem(m->port_index, &k, &c) && c < PC_PORT_COUNTERS) {
			u->indexed[c] = true;
			u->keys[c] = k;
		}
		prev = &k;
	}
}

/* A counter for an item new to the index: preferably one that no item
 * ever had, else one of an item that is gone (forgotten then). There is
 * always one: the two generations hold at most PC_PORT_COUNTERS items. */
static int free_counter(const struct pc_maps *m, struct counter_use *u, __u32 *out)
{
	__u32 j;

	for (j = 0; j < PC_PORT_COUNTERS && (u->taken[j] || u->in_force[j] || u->indexed[j]); j++)
		;
	if (j == PC_PORT_COUNTERS)
		for (j = 0; j < PC_PORT_COUNTERS && (u->taken[j] || u->in_force[j]); j++)
			;
	if (j == PC_PORT_COUNTERS)
		return -ENOSPC;
	if (u->indexed[j] && bpf_map_delete_elem(m->port_index, &u->keys[j]) && errno != ENOENT)
		return -errno;
	u->indexed[j] = false;
	u->taken[j] = true;
	*out = j;
	return 0;
}

/* Give each port item of the new generation a counter. An item that had
 * one before, in any generation, gets it back (pc_port_index), so that
 * per-port counts survive apply. A new item gets a zeroed counter that no
 * item of the policy in force uses. */
static int assign_counters(const struct pc_maps *m, __u32 active, const struct pc_policy_hdr *ah,
			   struct pc_port_item *items, __u32 n, __u32 *remap)
{
	struct counter_use *u = calloc(1, sizeof(*u));
	struct pc_port_key k;
	__u32 i, c;
	int err;

	if (!u)
		return -ENOMEM;
	err = mark_in_force(m, active, ah, u);
	if (!err)
		mark_indexed(m, u);
	for (i = 0; !err && i < n; i++) {
		k = item_key(&items[i]);
		items[i].counter = PC_PORT_COUNTERS;
		if (!bpf_map_lookup_elem(m->port_index, &k, &c) && c < PC_PORT_COUNTERS) {
			items[i].counter = c;
			u->taken[c] = true;
		}
	}
	for (i = 0; !err && i < n; i++) {
		if (items[i].counter < PC_PORT_COUNTERS)
			continue;
		err = free_counter(m, u, &items[i].counter);
		k = item_key(&items[i]);
		if (!err)
			err = percpu_zero(m->port_counters, items[i].counter,
					  sizeof(struct pc_port_count));
		if (!err && bpf_map_update_elem(m->port_index, &k, &items[i].counter, BPF_ANY))
			err = -errno;
	}
	for (i = 0; !err && i < n; i++)
		remap[i] = items[i].counter + 1;
	free(u);
	return err;
}

static int write_ports(const struct pc_maps *m, __u32 slot, const struct pc_compiled *c,
		       const __u32 *remap)
{
	size_t len = (size_t)PC_SLOTS * PC_PORTS_SLOT * sizeof(struct pc_port);
	struct pc_port *map, *dst;
	__u32 i;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, m->ports, 0);
	if (map == MAP_FAILED)
		return -errno;
	dst = map + (size_t)slot * PC_PORTS_SLOT;
	for (i = 0; i < PC_PORTS_SLOT; i++) {
		dst[i].rules = c->ports[i].rules;
		dst[i].counter = c->ports[i].counter ? remap[c->ports[i].counter - 1] : 0;
		dst[i].pad = 0;
	}
	munmap(map, len);
	return 0;
}

static int write_rules(const struct pc_maps *m, __u32 slot, const struct pc_compiled *c)
{
	static const struct pc_rule norule;
	__u32 i, key;
	int err = 0;

	for (i = 0; !err && i < PC_MAX_RULES; i++) {
		key = slot * PC_MAX_RULES + i;
		err = update(m->rules, key, i < c->hdr.nrules ? &c->rules[i] : &norule);
		if (!err)
			err = percpu_zero(m->rule_counters, key, sizeof(struct pc_rule_count));
	}
	return err;
}

/* Everything of c but its port items, into slot. */
static int write_rules_and_sets(const struct pc_maps *m, __u32 slot, const struct pc_compiled *c)
{
	static const struct pc_policy_hdr none;
	static const struct pc_set noset;
	__u32 i;
	int err;

	/* Mark the slot as being written: a reader that finds generation 0
	 * knows the slot holds nothing usable. */
	err = update(m->policy, slot, &none);
	if (!err)
		err = write_rules(m, slot, c);
	for (i = 0; !err && i < PC_MAX_SETS; i++)
		err = update(m->sets, slot * PC_MAX_SETS + i, i < c->hdr.nsets ? &c->sets[i] : &noset);
	for (i = 0; !err && i < c->hdr.nlist; i++)
		err = update(m->list_prefixes, slot * PC_MAX_LIST_PREFIXES + i, &c->lists[i]);
	return err;
}

/* The port items of c, each with its counter, and the port table, into
 * slot; active and ah are the slot and header in force. */
static int write_port_items(const struct pc_maps *m, __u32 slot, __u32 active,
			    const struct pc_policy_hdr *ah, const struct pc_compiled *c)
{
	struct pc_port_item items[PC_MAX_PORT_ITEMS];
	__u32 remap[PC_MAX_PORT_ITEMS], i;
	int err;

	memcpy(items, c->items, c->hdr.nitems * sizeof(items[0]));
	err = assign_counters(m, active, ah, items, c->hdr.nitems, remap);
	for (i = 0; !err && i < c->hdr.nitems; i++)
		err = update(m->port_items, slot * PC_MAX_PORT_ITEMS + i, &items[i]);
	if (!err)
		err = write_ports(m, slot, c, remap);
	return err;
}

/* The address index and members, the header of the written slot (old:
 * what it held before), then the switch to it. */
static int put_in_force(const struct pc_maps *m, __u32 slot, const struct pc_compiled *c,
			const struct pc_generation *g, const struct pc_policy_hdr *old,
			__u64 generation)
{
	struct pc_policy_hdr hdr = c->hdr;
	struct pc_ctl ctl;
	int err;

	hdr.banks = old->banks;
	err = lookup(m->ctl, 0, &ctl);
	if (!err)
		err = pc_generation_put(m, slot, g, &hdr);
	if (err)
		return err;
	hdr.generation = generation;
	hdr.applied_ns = pc_realtime_ns();
	err = update(m->policy, slot, &hdr);
	if (err)
		return err;
	/* The switch; the rest of pc_ctl stays. */
	ctl.active = slot;
	return update(m->ctl, 0, &ctl);
}

/* Wait until no program still runs with what it read before now: every
 * program runs inside an RCU read-side section, and MEMBARRIER_CMD_GLOBAL
 * is a synchronize_rcu(). -errno where it cannot be had (nohz_full). */
static int wait_for_programs(void)
{
	return syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) ? -errno : 0;
}

int pc_maps_apply_generation(const struct pc_maps *m, const struct pc_compiled *c,
			      const struct pc_generation *g)
{
	struct pc_policy_hdr ah, other;
	__u32 active, slot;
	int err;

	err = pc_maps_active(m, &active, &ah);
	if (!err)
		err = lookup(m->policy, !active, &other);
	if (err)
		return err;
	if (ah.generation && ah.digest == c->hdr.digest)
		return PC_APPLY_UNCHANGED;
	slot = !active;
	err = write_rules_and_sets(m, slot, c);
	if (!err)
		err = write_port_items(m, slot, active, &ah, c);
	if (!err)
		err = put_in_force(m, slot, c, g, &other,
				   (ah.generation > other.generation ? ah.generation : other.generation) + 1);
	/* The generation before goes once no program can still read it.
	 * Best effort: what is left behind goes when the next apply
	 * writes over the slot. */
	if (!err && !wait_for_programs())
		pc_generation_release(m, active, &ah);
	return err;
}

int pc_maps_apply(const struct pc_maps *m, const struct pc_compiled *c)
{
	struct pc_generation g;
	int err = pc_generation_build(c, &g);

	if (err)
		return err;
	err = pc_maps_apply_generation(m, c, &g);
	pc_generation_free(&g);
	return err;
}

/* ---- reading back ---- */

int pc_maps_count_tables(const struct pc_maps *m, __u32 *ntables)
{
	struct pc_policy_hdr hdr;
	struct pc_set set;
	__u32 slot, i;
	int err;

	*ntables = 0;
	err = pc_maps_active(m, &slot, &hdr);
	for (i = 0; !err && hdr.generation && i < hdr.nsets && i < PC_MAX_SETS; i++) {
		err = lookup(m->sets, slot * PC_MAX_SETS + i, &set);
		if (!err && (set.flags & PC_SET_TABLE))
			(*ntables)++;
	}
	return err;
}

static int read_items(const struct pc_maps *m, __u32 slot, const struct pc_policy_hdr *hdr,
		      struct pc_port_item *items)
{
	__u32 i;
	int err;

	for (i = 0; i < hdr->nitems && i < PC_MAX_PORT_ITEMS; i++) {
		err = lookup(m->port_items, slot * PC_MAX_PORT_ITEMS + i, &items[i]);
		if (err)
			return err;
	}
	return 0;
}

/* The members of the inline lists of one slot. */
static int read_list_members(const struct pc_maps *m, __u32 slot, const struct pc_set *sets,
			     __u32 nsets, struct pc_prefix_list *members)
{
	struct pc_list_prefix lp;
	__u32 s, i;
	int err;

	for (s = 0; s < nsets; s++) {
		if (sets[s].flags & PC_SET_TABLE)
			continue;
		for (i = 0; i < sets[s].nprefixes; i++) {
			struct pc_prefix pfx = { 0 };

			err = lookup(m->list_prefixes, slot * PC_MAX_LIST_PREFIXES + sets[s].first + i, &lp);
			if (err)
				return err;
			pfx.family = lp.family;
			pfx.len = lp.len;
			memcpy(pfx.addr, lp.addr, sizeof(pfx.addr));
			if (pc_prefix_list_add(&members[s], &pfx))
				return -ENOMEM;
		}
	}
	return 0;
}

/* The prefixes of each table of one slot. */
static int read_table_members(const struct pc_maps *m, __u32 slot,
			      const struct pc_policy_hdr *hdr, const struct pc_set *sets,
			      struct pc_prefix_list *members)
{
	int err = pc_generation_read_members(m, slot, hdr, sets, members);
	__u32 s;

	for (s = 0; !err && s < hdr->nsets; s++)
		pc_prefix_list_sort_unique(&members[s]);
	return err;
}

static int set_to_spec(struct pc_addr_spec *spec, __u16 set, __u8 neg, const struct pc_set *sets,
		       const int *table_of, const struct pc_prefix_list *members)
{
	size_t i;

	spec->neg = neg;
	if (set == PC_SET_NONE) {
		spec->kind = PC_ADDR_ANY;
		return 0;
	}
	if (sets[set].flags & PC_SET_TABLE) {
		spec->kind = PC_ADDR_TABLE;
		spec->table = table_of[set];
		return 0;
	}
	spec->kind = PC_ADDR_LIST;
	for (i = 0; i < members[set].n; i++)
		if (pc_prefix_list_add(&spec->list, &members[set].v[i]))
			return -ENOMEM;
	return 0;
}

static int rule_ports(struct pc_rule_ast *r, __u32 i, const struct pc_port_item *items, __u32 n)
{
	int proto = (r->protos & PC_PROTOS_TCP) ? PC_PROTO_TCP : PC_PROTO_UDP;
	__u32 j;

	for (j = 0; j < n; j++) {
		if (items[j].proto != proto || !(items[j].rules & (1ULL << i)))
			continue;
		struct pc_port_range pr = { .lo = items[j].lo, .hi = items[j].hi };

		if (pc_array_push(&r->ports, pr))
			return -ENOMEM;
	}
	return 0;
}

/* What the maps hold for the slot in force, read before the policy is
 * rebuilt from it. */
struct slot_contents {
	__u32 slot;
	struct pc_policy_hdr hdr;
	struct pc_set sets[PC_MAX_SETS];
	struct pc_prefix_list members[PC_MAX_SETS]; /* of each set */
	int table_of[PC_MAX_SETS];                  /* set -> table, or -1 */
	struct pc_port_item items[PC_MAX_PORT_ITEMS];
};

static int read_slot(const struct pc_maps *m, struct slot_contents *sc, unsigned flags)
{
	__u32 i;
	int err = 0;

	for (i = 0; !err && i < sc->hdr.nsets; i++)
		err = lookup(m->sets, sc->slot * PC_MAX_SETS + i, &sc->sets[i]);
	if (!err)
		err = read_items(m, sc->slot, &sc->hdr, sc->items);
	if (!err)
		err = read_list_members(m, sc->slot, sc->sets, sc->hdr.nsets, sc->members);
	if (!err && (flags & PC_READ_TABLE_MEMBERS))
		err = read_table_members(m, sc->slot, &sc->hdr, sc->sets, sc->members);
	return err;
}

/* The named tables, in set order; each takes its set's members. */
static void tables_from_slot(struct pc_policy *out, struct slot_contents *sc)
{
	struct pc_table *t;
	__u32 i;

	for (i = 0; i < sc->hdr.nsets; i++) {
		sc->table_of[i] = -1;
		if (!(sc->sets[i].flags & PC_SET_TABLE))
			continue;
		t = &out->tables[out->ntables];
		sc->table_of[i] = out->ntables++;
		memcpy(t->name, sc->sets[i].name, sizeof(t->name));
		t->name[PC_NAME_MAX] = '\0';
		t->prefixes = sc->members[i];
		memset(&sc->members[i], 0, sizeof(sc->members[i]));
		t->used = true;
	}
}

static int rule_from_slot(const struct pc_maps *m, const struct slot_contents *sc, __u32 i,
			  struct pc_rule_ast *r)
{
	struct pc_rule k;
	int err;

	err = lookup(m->rules, sc->slot * PC_MAX_RULES + i, &k);
	if (err)
		return err;
	r->action = k.action;
	r->protos = k.protos;
	r->log = k.flags & PC_RULE_LOG;
	r->rate = k.rate;
	r->rate_unit = k.rate_unit;
	r->burst = k.burst;
	err = set_to_spec(&r->src, k.src_set, k.src_neg, sc->sets, sc->table_of, sc->members);
	if (!err)
		err = set_to_spec(&r->dst, k.dst_set, k.dst_neg, sc->sets, sc->table_of, sc->members);
	if (!err)
		err = rule_ports(r, i, sc->items, sc->hdr.nitems);
	return err;
}

static int policy_from_slot(const struct pc_maps *m, struct slot_contents *sc,
			    struct pc_policy *out)
{
	__u32 i;
	int err = 0;

	out->malformed = sc->hdr.malformed;
	out->reply_rate = sc->hdr.reply_rate;
	out->reply_unit = sc->hdr.reply_unit;
	out->reply_burst = sc->hdr.reply_burst;
	out->tables = calloc(sc->hdr.nsets ? sc->hdr.nsets : 1, sizeof(*out->tables));
	out->rules = calloc(sc->hdr.nrules ? sc->hdr.nrules : 1, sizeof(*out->rules));
	if (!out->tables || !out->rules)
		return -ENOMEM;
	tables_from_slot(out, sc);
	for (i = 0; !err && i < sc->hdr.nrules; i++) {
		out->nrules++; /* counted first, so that pc_policy_free frees what it holds */
		err = rule_from_slot(m, sc, i, &out->rules[i]);
	}
	return err;
}

int pc_maps_read_policy(const struct pc_maps *m, struct pc_policy *out, unsigned flags)
{
	struct slot_contents *sc = calloc(1, sizeof(*sc));
	int err, i;

	memset(out, 0, sizeof(*out));
	if (!sc)
		return -ENOMEM;
	err = pc_maps_active(m, &sc->slot, &sc->hdr);
	if (!err && !sc->hdr.generation)
		err = -ENOENT;
	if (!err)
		err = read_slot(m, sc, flags);
	if (!err)
		err = policy_from_slot(m, sc, out);
	for (i = 0; i < PC_MAX_SETS; i++)
		pc_prefix_list_free(&sc->members[i]);
	free(sc);
	if (err)
		pc_policy_free(out);
	return err;
}

/* The one place that turns reasons into the named totals. */
static void totals_from_reasons(struct pc_totals *t, const struct pc_reason_totals *k)
{
	__u64 *by_verdict[PC_NVERDICT] = {
		[PC_V_PASSED] = &t->passed,
		[PC_V_DROPPED] = &t->dropped,
		[PC_V_REJECTED] = &t->rejected,
	};
	int r;

	memset(t, 0, sizeof(*t));
	t->packets = k->packets;
	t->bytes = k->bytes;
	for (r = 0; r < PC_NREASON; r++) {
		t->by_reason[r] = k->by_reason[r];
		*by_verdict[PC_REASON_VERDICT(r)] += k->by_reason[r];
	}
	t->malformed = k->by_reason[PC_R_PASS_MALFORMED] + k->by_reason[PC_R_DROP_MALFORMED];
	t->fragments = k->by_reason[PC_R_PASS_FRAGMENT];
	t->other = k->by_reason[PC_R_PASS_OTHER];
	t->events_emitted = k->events[PC_EVENT_EMITTED];
	t->events_lost_ring_full = k->events[PC_EVENT_LOST_RING_FULL];
	t->events_lost_rate_limited = k->events[PC_EVENT_LOST_RATE_LIMITED];
}

static int read_totals(const struct pc_maps *m, struct pc_totals *t)
{
	struct pc_reason_totals k;
	int err = percpu_sum(m->totals, 0, (__u64 *)&k, sizeof(k));

	if (!err)
		totals_from_reasons(t, &k);
	return err;
}

int pc_maps_read_stats(const struct pc_maps *m, struct pc_stats *out)
{
	struct pc_port_item items[PC_MAX_PORT_ITEMS];
	__u32 slot, i;
	int err;

	memset(out, 0, sizeof(*out));
	err = pc_maps_active(m, &slot, &out->hdr);
	if (!err)
		err = read_totals(m, &out->totals);
	if (err || !out->hdr.generation)
		return err;
	err = read_items(m, slot, &out->hdr, items);
	for (i = 0; !err && i < out->hdr.nitems; i++) {
		struct pc_port_stat *ps = &out->ports[out->nports++];

		ps->proto = items[i].proto;
		ps->lo = items[i].lo;
		ps->hi = items[i].hi;
		err = percpu_sum(m->port_counters, items[i].counter, (__u64 *)&ps->count,
				 sizeof(ps->count));
	}
	for (i = 0; !err && i < out->hdr.nrules; i++) {
		struct pc_rule_stat *rs = &out->rules[out->nrules++];
		struct pc_rule_count rc = { 0 };

		err = lookup(m->rules, slot * PC_MAX_RULES + i, &rs->rule);
		if (!err)
			err = percpu_sum(m->rule_counters, slot * PC_MAX_RULES + i, (__u64 *)&rc,
					 sizeof(rc));
		rs->count = rc.all;
		rs->dropped = rc.dropped;
	}
	return err;
}
