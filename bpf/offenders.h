/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The offenders, for the abuse desk: every connection attempt that a
 * block, reject or limit rule stops adds to the entry of its source (an
 * IPv4 /32 or an IPv6 /64) in the LRU hash pc_offenders, which `portcullis
 * top` reads. Only attempts come here, and only when they are stopped: a
 * passing packet, or the rest of a connection, costs nothing.
 *
 * The cost is one hash lookup, one atomic add and a few stores into a
 * line that the add has made ours; the clock is the coarse one, which
 * reads the last tick instead of the TSC. A source seen for the first
 * time is inserted, which is dearer, and takes the least recent entry's
 * place once the map is full.
 */
#ifndef PC_BPF_OFFENDERS_H
#define PC_BPF_OFFENDERS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

/* The attempt's fields beside its count: one entry's last attempt. */
static __always_inline void pc_offender_last(struct pc_offender *o, __u64 now, __u32 port,
					     __u32 proto, __u32 rule)
{
	o->last_ns = now;
	o->last_port = port;
	o->last_proto = proto;
	o->last_rule = rule;
	if (now - o->window_ns >= PC_OFFENDER_WINDOW_NS) {
		o->window_ns = now;
		o->window_attempts = 1;
	} else {
		o->window_attempts++;
	}
}

/* The port, protocol and rule of an attempt in one argument: a global
 * function takes five at most. */
#define PC_OFFENDER_LAST(port, proto, rule) ((port) | (proto) << 16 | (rule) << 24)

/* A stopped packet (enum pc_offence kind) from the source src
 * (pc_source_bits(): its top 64 bits in host order) of family, with its
 * PC_OFFENDER_LAST(): counted when it is a connection attempt (conn). A
 * global function (5.6), taking scalars, so that the verifier checks it
 * once for every path that stops one. */
__noinline int pc_offender_add(__u32 conn, __u32 family, __u64 src, __u32 kind, __u32 last)
{
	__u32 port = last & 0xffff, proto = (last >> 16) & 0xff, rule = last >> 24;
	struct pc_offender_key key = { .family = family };
	__u64 be = bpf_cpu_to_be64(src), now = bpf_ktime_get_coarse_ns();
	struct pc_offender *o, fresh = {};

	if (!conn || kind >= PC_NOFFENCE)
		return 0;
	__builtin_memcpy(key.addr, &be, 8);
	o = bpf_map_lookup_elem(&pc_offenders, &key);
	if (!o) {
		fresh.attempts[kind] = 1;
		fresh.first_ns = now;
		pc_offender_last(&fresh, now, port, proto, rule);
		if (!bpf_map_update_elem(&pc_offenders, &key, &fresh, BPF_NOEXIST))
			return 0;
		/* Another CPU inserted it meanwhile: add to theirs. */
		o = bpf_map_lookup_elem(&pc_offenders, &key);
		if (!o)
			return 0;
	}
	__sync_fetch_and_add(&o->attempts[kind], 1);
	pc_offender_last(o, now, port, proto, rule);
	return 0;
}

#endif /* PC_BPF_OFFENDERS_H */
