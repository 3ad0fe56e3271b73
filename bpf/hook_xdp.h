/* SPDX-License-Identifier: GPL-2.0 */
/* What the classifier needs from an XDP hook, for hook.h: the frame, its
 * wire length and packet count, pulling data (nothing to pull) and the
 * action for a verdict. */
#ifndef PC_BPF_HOOK_XDP_H
#define PC_BPF_HOOK_XDP_H

#include <linux/bpf.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>
#include "events.h"
#include "frame.h"
#include "reply.h"

static __always_inline void xdp_view(struct xdp_md *ctx, struct pc_frame *f)
{
	f->data = (void *)(long)ctx->data;
	f->end = (void *)(long)ctx->data_end;
	f->len = f->end - f->data;
	f->packets = 1;
}

/* Log the attempt of the frame in ctx (events.h): global, so that the
 * verifier checks it once, and the device read only here. */
__noinline int xdp_log(struct xdp_md *ctx, __u64 what, __u32 l3_off, __u64 generation)
{
	return pc_event_emit((void *)(long)ctx->data, (void *)(long)ctx->data_end,
			     ctx->ingress_ifindex, PC_EVENT_HOOK_XDP, what, l3_off, generation);
}

/* An XDP frame has its headers in its one linear buffer. */
static __always_inline bool xdp_pull(struct xdp_md *ctx, struct pc_frame *f)
{
	return false;
}

/* Write the answer r (reply.h) into the frame at data, its IP header at
 * l3: 0, or -1 when the frame is too short for it. */
static __always_inline int xdp_write_reply(void *data, void *end, __u32 l3,
					   const struct pc_reply *r)
{
	__u32 i, n = r->hdr_len;

#pragma unroll
	for (i = 0; i < sizeof(r->l2) / 4; i++) {
		__u32 *w = data + i * 4;

		if ((void *)(w + 1) > end)
			return -1;
		*w = ((const __u32 *)r->l2)[i];
	}
#pragma unroll
	for (i = 0; i < sizeof(r->hdr) / 4; i++) {
		__u32 *w = data + l3 + i * 4;

		if (i * 4 >= n)
			break;
		if ((void *)(w + 1) > end)
			return -1;
		*w = ((const __u32 *)r->hdr)[i];
	}
	return 0;
}

/* The answer to the rejected TCP or UDP packet whose headers start at
 * these offsets (kind: PC_FAMILY_* | PC_PROTO_* << 8), sent back:
 * XDP_TX, or XDP_DROP where no answer may go or the source has had its
 * share. The frame is cut (bpf_xdp_adjust_tail, 4.18) to what the answer
 * keeps, and for ICMP its head grown (bpf_xdp_adjust_head, 4.10) for the
 * new headers before the quote. A global function (5.6), taking offsets,
 * not packet pointers, so that the verifier checks it once, not once for
 * every way of parsing a frame. */
__noinline int pc_xdp_answer(struct xdp_md *ctx, __u32 l3, __u32 l4, __u32 l4_len, __u32 kind)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct pc_pkt pkt = { .end = end, .l4_len = l4_len };
	struct pc_reply r = {};

	/* No frame that parses has its headers further in. */
	if (l3 > 64 || l4 > 4096)
		return XDP_DROP;
	/* Bounds the compiler must not hoist a copy from. */
	barrier_var(l3);
	barrier_var(l4);
	pkt.family = kind & 0xff;
	pkt.proto = kind >> 8;
	pkt.l3_off = l3;
	pkt.l4_off = l4;
	if (!pc_reply_plan(data, &pkt, &r) || r.keep > 2048 || r.grow > 64)
		return XDP_DROP;
	if (bpf_xdp_adjust_tail(ctx, (int)(l3 + r.keep) - (int)(end - data)))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (!pc_reply_quote(data, end, l3, &r))
		return XDP_DROP;
	if (r.grow && bpf_xdp_adjust_head(ctx, -(int)r.grow))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (xdp_write_reply(data, end, l3, &r))
		return XDP_DROP;
	return XDP_TX;
}

/* A rejected TCP segment goes back as its reset, a rejected UDP datagram
 * as ICMP port unreachable, where one may be sent; if not, it is dropped. */
static __always_inline int xdp_action(struct xdp_md *ctx, enum pc_verdict v, struct pc_frame *f,
				      const struct pc_pkt *pkt)
{
	if (v == PC_V_PASSED)
		return XDP_PASS;
	if (v != PC_V_REJECTED)
		return XDP_DROP;
	return pc_xdp_answer(ctx, pkt->l3_off, pkt->l4_off, pkt->l4_len,
			     pkt->family | pkt->proto << 8);
}

#endif /* PC_BPF_HOOK_XDP_H */
