/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks behind one set of names, as cilium's overloadable_{skb,xdp}.h:
 * hook_xdp.h and hook_tc.h each give the same three things for their
 * context, and these calls pick the one that fits the context's type at
 * compile time, so that the classifier never asks which hook it runs in.
 *
 *	ctx_view(ctx, f)   fill struct pc_frame f from the context
 *	ctx_pull(ctx, f)   make headers beyond the linear part readable;
 *	                   true when f changed and must be parsed again
 *	ctx_action(ctx, v, f, pkt)
 *	                   the hook's return code for enum pc_verdict v of
 *	                   the frame f parsed as pkt; a rejected one may be
 *	                   answered (reply.h)
 *	ctx_log(ctx, what, l3_off, generation)
 *	                   log the connection attempt in the frame (events.h)
 */
#ifndef PC_BPF_HOOK_H
#define PC_BPF_HOOK_H

#include "hook_tc.h"
#include "hook_xdp.h"

#define ctx_view(ctx, f) \
	_Generic((ctx), struct xdp_md *: xdp_view, struct __sk_buff *: skb_view)(ctx, f)
#define ctx_pull(ctx, f) \
	_Generic((ctx), struct xdp_md *: xdp_pull, struct __sk_buff *: skb_pull)(ctx, f)
#define ctx_action(ctx, v, f, pkt) \
	_Generic((ctx), struct xdp_md *: xdp_action, struct __sk_buff *: skb_action)(ctx, v, f, pkt)

#define ctx_log(ctx, what, l3_off, generation) \
	_Generic((ctx), struct xdp_md *: xdp_log, struct __sk_buff *: skb_log)(ctx, what, l3_off, generation)

#endif /* PC_BPF_HOOK_H */
