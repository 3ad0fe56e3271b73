/* SPDX-License-Identifier: GPL-2.0 */
/* What the classifier needs from an XDP hook, for hook.h: the frame, its
 * wire length and packet count, pulling data (nothing to pull) and the
 * action for a verdict. */
#ifndef PC_BPF_HOOK_XDP_H
#define PC_BPF_HOOK_XDP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "frame.h"

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
static __always_inline int xdp_action(enum pc_verdict v)
{
	return v == PC_V_PASSED ? XDP_PASS : XDP_DROP;
}

#endif /* PC_BPF_HOOK_XDP_H */
