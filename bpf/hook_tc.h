/* SPDX-License-Identifier: GPL-2.0 */
/* What the classifier needs from a tc (cls_bpf, direct action) hook, for
 * hook.h: the frame, its wire length and packet count, pulling headers out
 * of paged data and the action for a verdict. */
#ifndef PC_BPF_HOOK_TC_H
#define PC_BPF_HOOK_TC_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "frame.h"
#include "parse.h"

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

/* A rejected frame is dropped until reject answers with bpf_redirect. */
/* Rejected frames are dropped here until tc answers too. */
static __always_inline int skb_action(struct __sk_buff *skb, enum pc_verdict v, struct pc_frame *f,
				      const struct pc_pkt *pkt)
{
	return v == PC_V_PASSED ? TC_ACT_OK : TC_ACT_SHOT;
}

#endif /* PC_BPF_HOOK_TC_H */
