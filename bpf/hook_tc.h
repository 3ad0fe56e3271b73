/* SPDX-License-Identifier: GPL-2.0 */
/* What the classifier needs from a tc (cls_bpf, direct action) hook, for
 * hook.h: the frame, its wire length and packet count, pulling headers out
 * of paged data and the action for a verdict. */
#ifndef PC_BPF_HOOK_TC_H
#define PC_BPF_HOOK_TC_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "events.h"
#include "frame.h"
#include "reply.h"

/* Enough linear data for Ethernet, two VLAN tags, IPv6 with a long chain
 * of extension headers and the ports. */
#define PC_PULL_LEN 512

static __always_inline void skb_view(struct __sk_buff *skb, struct pc_frame *f)
{
	__u32 segs = skb->gso_segs;

	f->data = (void *)(long)skb->data;
	f->end = (void *)(long)skb->data_end;
	f->len = skb->len;
	/* A GSO super-packet leaves as gso_segs packets: count those. */
	f->packets = segs > 1 ? segs : 1;
}

/* Log the attempt of the frame in skb (events.h), seen on the device it
 * arrives on (ingress) or leaves by (egress); global, as xdp_log(). */
__noinline int skb_log(struct __sk_buff *skb, __u64 what, __u32 l3_off, __u64 generation)
{
	return pc_event_emit((void *)(long)skb->data, (void *)(long)skb->data_end, skb->ifindex,
			     PC_EVENT_HOOK_TC, what, l3_off, generation);
}

/* Headers may sit in paged data. Only when the parser found none in the
 * linear part and there is more, pull (bpf_skb_pull_data, 4.9): pulling
 * costs a copy of a cloned head, which every outgoing TCP packet has.
 * True when the frame must be parsed again. */
static __always_inline bool skb_pull(struct __sk_buff *skb, struct pc_frame *f)
{
	__u32 want = f->len < PC_PULL_LEN ? f->len : PC_PULL_LEN;

	if (f->len <= (__u64)(f->end - f->data) || bpf_skb_pull_data(skb, want))
		return false;
	/* The pull moved the linear part; the length and segments stay. */
	f->data = (void *)(long)skb->data;
	f->end = (void *)(long)skb->data_end;
	return true;
}

/* Write the answer r (reply.h) into the frame, its IP header at l3, with
 * bpf_skb_store_bytes (4.1): a direct write anywhere in the program would
 * make the verifier unclone every cloned skb before the program runs,
 * which every outgoing TCP segment is. BPF_F_RECOMPUTE_CSUM keeps a
 * CHECKSUM_COMPLETE skb's sum true. 0, or -1. */
static __always_inline int skb_write_reply(struct __sk_buff *skb, __u32 l3,
					   const struct pc_reply *r)
{
	__u32 n = r->hdr_len;

	if (n < sizeof(struct iphdr) || n > sizeof(r->hdr))
		return -1;
	if (bpf_skb_store_bytes(skb, 0, r->l2, sizeof(r->l2), BPF_F_RECOMPUTE_CSUM))
		return -1;
	return bpf_skb_store_bytes(skb, l3, r->hdr, n, BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH);
}

/* The answer to the rejected TCP or UDP packet whose headers start at
 * these offsets (kind: PC_FAMILY_* | PC_PROTO_* << 8), sent back:
 * TC_ACT_REDIRECT, or TC_ACT_SHOT where no answer may go or the source
 * has had its share. The frame is cut to what the answer keeps
 * (bpf_skb_change_tail, 4.9, which makes the skb linear and its own),
 * and for ICMP its head grown (bpf_skb_change_head, 4.10) for the new
 * headers before the quote. On egress the answer goes to the ingress of
 * the same device, so that a local socket sees it at once; on ingress
 * (the skb's ingress device is this one) back out of the device
 * (bpf_redirect, 4.4).
 * - A GSO packet (gso_size set) is dropped unanswered: it is a burst of
 *   data, never a connection attempt, and the answer would have to be
 *   cut from one segment of it; its sender's retransmission after a
 *   timeout is one segment, and that is answered.
 * - A VLAN tag that the skb carries outside its data (vlan_tci) stays
 *   with the skb, and so with the answer.
 * - A CHECKSUM_PARTIAL skb (a local sender's, on egress or through a
 *   veth) keeps that state, which the stack that receives the answer
 *   takes as a checksum already verified.
 * A global function (5.6), verified once. */
__noinline int pc_tc_answer(struct __sk_buff *skb, __u32 l3, __u32 l4, __u32 l4_len, __u32 kind)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct pc_pkt pkt = { .end = end, .l4_len = l4_len };
	struct pc_reply r = {};

	/* No frame that parses has its headers further in. */
	if (l3 > 64 || l4 > 4096 || skb->gso_size)
		return TC_ACT_SHOT;
	/* Bounds the compiler must not hoist a copy from. */
	barrier_var(l3);
	barrier_var(l4);
	pkt.family = kind & 0xff;
	pkt.proto = kind >> 8;
	pkt.l3_off = l3;
	pkt.l4_off = l4;
	if (!pc_reply_plan(data, &pkt, &r) || r.keep > 2048 || r.grow > 64)
		return TC_ACT_SHOT;
	if (bpf_skb_change_tail(skb, l3 + r.keep, 0) || bpf_skb_pull_data(skb, l3 + r.keep))
		return TC_ACT_SHOT;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (!pc_reply_quote(data, end, l3, &r))
		return TC_ACT_SHOT;
	if (r.grow && bpf_skb_change_head(skb, r.grow, 0))
		return TC_ACT_SHOT;
	if (skb_write_reply(skb, l3, &r))
		return TC_ACT_SHOT;
	return bpf_redirect(skb->ifindex, skb->ingress_ifindex == skb->ifindex ? 0 : BPF_F_INGRESS);
}

/* A rejected TCP segment goes back as its reset, a rejected UDP datagram
 * as ICMP port unreachable, where one may be sent; if not, it is dropped. */
static __always_inline int skb_action(struct __sk_buff *skb, enum pc_verdict v, struct pc_frame *f,
				      const struct pc_pkt *pkt)
{
	if (v == PC_V_PASSED)
		return TC_ACT_OK;
	if (v != PC_V_REJECTED)
		return TC_ACT_SHOT;
	return pc_tc_answer(skb, pkt->l3_off, pkt->l4_off, pkt->l4_len,
			    pkt->family | pkt->proto << 8);
}

#endif /* PC_BPF_HOOK_TC_H */
