/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event log: a connection attempt that a rule with the log option
 * decided becomes one struct pc_event in the ring buffer pc_events
 * (BPF_MAP_TYPE_RINGBUF, Linux 5.8), which `portcullis log` follows.
 * Each source (IPv4 /32, IPv6 /64) gets at most one event a second, so
 * that a bot's flood costs the reader one line a second, not one a packet.
 * Every attempt to log is counted in pc_totals by its fate (enum
 * pc_event_fate): emitted, lost to a full ring, lost to the rate limit.
 *
 * The classifier reaches this only through the header's log_rules mask:
 * a rule without log costs nothing more than that test. The work is in
 * one global function per hook, which the verifier checks once.
 */
#ifndef PC_BPF_EVENTS_H
#define PC_BPF_EVENTS_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"
#include "parse.h"
#include "rate.h"

/* PC_EVENT_RING bytes (include/portcullis.h): 3,640 events that the
 * reader has not taken yet; the kernel maps the data pages twice, but
 * the memory is the ring's size. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PC_EVENT_RING);
} pc_events SEC(".maps");

/* A source -> the time its next event is due (GCRA, rate.h); its size is
 * the attach command's --event-sources, set before the first load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PC_EVENT_SOURCES);
	__type(key, struct pc_source_key);
	__type(value, __u64);
} pc_event_limit SEC(".maps");

/* What the classifier found to log: set by pc_judge_l4() (classify.h);
 * wanted when the deciding rule carries log and the packet is an attempt. */
struct pc_log {
	__u64 generation;
	__u8 wanted;
	__u8 rule;
	__u8 reason; /* enum pc_reason */
};

/* The scalars of an event that the packet and the classifier give, in
 * one word, for the hook's global function (hook_xdp.h, hook_tc.h). The
 * source port is read there, from the L4 header at l4_off: the parser
 * keeping it for every packet cost the common path 2 ns. */
static __always_inline __u64 pc_event_pack(const struct pc_pkt *pkt, const struct pc_log *lg)
{
	return (__u64)pkt->l4_off << 48 | (__u64)pkt->dport << 32 | (__u64)pkt->family << 24 |
	       (__u64)pkt->proto << 16 | (__u64)lg->rule << 8 | lg->reason;
}

/* May src have an event now? One a second, no burst. Apart from the
 * emitting, so that another per-source map can feed it later. */
static __always_inline int pc_event_rate_ok(const struct pc_source_key *src)
{
	return pc_rate_allow(&pc_event_limit, src, PC_EVENT_INTERVAL_NS, 1);
}

/* The packet's addresses into ev, from its IP header at ip: 0, or -1
 * when the frame is too short for them. */
static __always_inline int pc_event_addrs(struct pc_event *ev, const void *ip, const void *end)
{
	if (ev->family == PC_FAMILY_V6) {
		if (ip + 40 > end)
			return -1;
		__builtin_memcpy(ev->saddr, ip + 8, 16);
		__builtin_memcpy(ev->daddr, ip + 24, 16);
	} else {
		if (ip + 20 > end)
			return -1;
		__builtin_memcpy(ev->saddr, ip + 12, 4);
		__builtin_memcpy(ev->daddr, ip + 16, 4);
	}
	return 0;
}

/* The event of the attempt in the frame data .. end, its IP header at
 * l3_off, the rest of it packed in what (pc_event_pack()): sent unless
 * its source had one less than a second ago, and counted by its fate.
 * Each hook's global function calls this, once per program, so that the
 * verifier checks it once. */
static __always_inline int pc_event_emit(void *data, void *end, __u32 ifindex, __u8 hook,
					 __u64 what, __u32 l3_off, __u64 generation)
{
	struct pc_event ev = {
		.generation = generation,
		.dport = what >> 32,
		.family = what >> 24,
		.proto = what >> 16,
		.rule = what >> 8,
		.reason = what,
		.ifindex = ifindex,
		.hook = hook,
	};
	struct pc_source_key src = { .family = ev.family };
	struct pc_reason_totals *t;
	enum pc_event_fate fate;
	__u32 zero = 0, l4_off = what >> 48;
	struct pc_event *rec;
	__be16 *sport;

	/* Below the verifier's largest packet offset: 8 extension headers
	 * of at most 2 KiB each (parse.h) stay well within it. */
	if (l4_off > 0x7fff)
		return -1;
	sport = data + l4_off; /* TCP and UDP headers both start with it */
	if ((void *)(sport + 1) > end)
		return -1;
	ev.sport = bpf_ntohs(*sport);
	/* Behind Ethernet and at most two VLAN tags (parse.h). */
	if (l3_off > 64 || pc_event_addrs(&ev, data + l3_off, end))
		return -1;
	/* An IPv4 address is followed by zeros in ev: its /32. */
	__builtin_memcpy(src.addr, ev.saddr, 8);
	if (!pc_event_rate_ok(&src)) {
		fate = PC_EVENT_LOST_RATE_LIMITED;
	} else {
		rec = bpf_ringbuf_reserve(&pc_events, sizeof(*rec), 0);
		if (rec) {
			ev.boot_ns = bpf_ktime_get_boot_ns();
			*rec = ev;
			bpf_ringbuf_submit(rec, 0);
			fate = PC_EVENT_EMITTED;
		} else {
			fate = PC_EVENT_LOST_RING_FULL;
		}
	}
	t = bpf_map_lookup_elem(&pc_totals, &zero);
	if (t)
		t->events[fate] += 1;
	return fate;
}

#endif /* PC_BPF_EVENTS_H */
