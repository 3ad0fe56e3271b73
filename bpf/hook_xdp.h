/* SPDX-License-Identifier: GPL-2.0 */
/* What the classifier needs from an XDP hook, for hook.h: the frame, its
 * wire length and packet count, pulling data (nothing to pull) and the
 * action for a verdict. */
#ifndef PC_BPF_HOOK_XDP_H
#define PC_BPF_HOOK_XDP_H

#include <linux/bpf.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>
#include "frame.h"
#include "reply.h"

static __always_inline void xdp_view(struct xdp_md *ctx, struct pc_frame *f)
{
	f->data = (void *)(long)ctx->data;
	f->end = (void *)(long)ctx->data_end;
	f->len = f->end - f->data;
	f->packets = 1;
}

/* An XDP frame has its headers in its one linear buffer. */
static __always_inline bool xdp_pull(struct xdp_md *ctx, struct pc_frame *f)
{
	return false;
}

/* A rejected frame is dropped until reject answers with XDP_TX. */
/* The reset of the TCP segment whose headers start at these offsets,
 * sent back: XDP_TX, or XDP_DROP where no answer may go or the source has
 * had its share. A global
 * function (5.6), taking offsets, not packet pointers, so that the
 * verifier checks it once, not once for every way of parsing a frame. */
__noinline int pc_xdp_reset(struct xdp_md *ctx, __u32 l3, __u32 l4, __u32 l4_len, __u32 v6)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct pc_pkt pkt = { .end = end, .l4_len = l4_len };
	struct pc_reset_addrs a = {};
	__u32 len;

	/* No frame that parses has its headers further in. */
	if (l3 > 64 || l4 > 1024)
		return XDP_DROP;
	pkt.family = v6 ? PC_FAMILY_V6 : PC_FAMILY_V4;
	pkt.l3_off = l3;
	pkt.l4_off = l4;
	if (!pc_reset_answerable(data, &pkt, &a) || !pc_reply_allowed(pkt.family, a.dst))
		return XDP_DROP;
	len = pc_tcp_reset(data, &pkt, &a);
	if (!len || bpf_xdp_adjust_tail(ctx, (int)len - (int)(end - data)))
		return XDP_DROP;
	return XDP_TX;
}

/* A rejected TCP segment goes back as its reset, where one may be sent;
 * anything else rejected is dropped. */
static __always_inline int xdp_action(struct xdp_md *ctx, enum pc_verdict v, struct pc_frame *f,
				      const struct pc_pkt *pkt)
{
	if (v == PC_V_PASSED)
		return XDP_PASS;
	if (v != PC_V_REJECTED || pkt->proto != PC_PROTO_TCP)
		return XDP_DROP;
	return pc_xdp_reset(ctx, pkt->l3_off, pkt->l4_off, pkt->l4_len, pkt->family == PC_FAMILY_V6);
}

#endif /* PC_BPF_HOOK_XDP_H */
