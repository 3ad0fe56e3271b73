/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The offenders, for the abuse desk: every connection attempt that a
 * block, reject or limit rule stops adds to the entry of its source (an
 * IPv4 /32 or an IPv6 /64), which `portcullis top` reads. Only packets
 * that a rule stops come here, and only attempts count: a passing packet
 * costs nothing, the rest of a stopped connection a call that returns.
 *
 * Each CPU keeps its own entries, in a set-associative cache (a per-CPU
 * array, whose lookup the verifier inlines): the source's hash picks a
 * set of PC_OFFENDER_WAYS entries, and a source that is in none of them
 * takes the place of the least recent. So a flood from many sources costs
 * what a flood from one costs, no lock, no atomic and no allocation,
 * where an LRU hash map, full, spent 140 ns a packet here on taking an
 * entry back. User space adds up each source's entries over the CPUs.
 */
#ifndef PC_BPF_OFFENDERS_H
#define PC_BPF_OFFENDERS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

_Static_assert(PC_OFFENDER_WAYS == 2, "pc_offender_add() looks at two ways");

/* The port, protocol and rule of an attempt in one argument: a global
 * function takes five at most. */
#define PC_OFFENDER_LAST(port, proto, rule) ((port) | (proto) << 16 | (rule) << 24)

/* The set of a source: MurmurHash3's 64-bit finalizer, so that every bit
 * of the source moves every bit of the set. A product alone would not:
 * its low bits depend only on the low bits of the source, and the set
 * of an IPv4 source (its address in the high half) would be that of its
 * last 12 bits, which an attacker may choose. */
static __always_inline __u32 pc_offender_hash(__u32 family, __u64 src)
{
	__u64 h = src | family;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static __always_inline int pc_offender_is(const struct pc_offender *o, __u32 family, __u64 be)
{
	__u64 a;

	__builtin_memcpy(&a, o->addr, 8);
	return o->family == family && a == be;
}

/* One stopped packet (enum pc_offence kind) from the source src
 * (pc_source_bits(): its top 64 bits in host order) of family, with its
 * PC_OFFENDER_LAST(): counted when it is a connection attempt (conn). A
 * global function (5.6), taking scalars, so that the verifier checks it
 * once for every path that stops one. */
__noinline int pc_offender_add(__u32 conn, __u32 family, __u64 src, __u32 kind, __u32 last)
{
	__u64 be = bpf_cpu_to_be64(src), now;
	struct pc_offender_set *set;
	struct pc_offender *o;
	struct pc_ctl *ctl;
	__u32 zero = 0, i;

	if (!conn || kind >= PC_NOFFENCE)
		return 0;
	ctl = bpf_map_lookup_elem(&pc_ctl, &zero);
	if (!ctl)
		return 0;
	i = pc_offender_hash(family, src) & ctl->offender_mask;
	set = bpf_map_lookup_elem(&pc_offenders, &i);
	if (!set)
		return 0;
	now = bpf_ktime_get_coarse_ns();
	if (pc_offender_is(&set->way[0], family, be)) {
		o = &set->way[0];
	} else if (pc_offender_is(&set->way[1], family, be)) {
		o = &set->way[1];
	} else {
		/* The least recent way goes (a free one has last_ns 0). */
		o = set->way[0].last_ns <= set->way[1].last_ns ? &set->way[0] : &set->way[1];
		__builtin_memset(o, 0, sizeof(*o));
		o->family = family;
		__builtin_memcpy(o->addr, &be, 8);
		o->first_ns = now;
		o->window_ns = now;
	}
	o->attempts[kind]++;
	o->last_ns = now;
	o->last_port = last & 0xffff;
	o->last_proto = (last >> 16) & 0xff;
	o->last_rule = last >> 24;
	if (now - o->window_ns >= PC_OFFENDER_WINDOW_NS) {
		o->window_ns = now;
		o->window_attempts = 0;
	}
	o->window_attempts++;
	return 0;
}

#endif /* PC_BPF_OFFENDERS_H */
