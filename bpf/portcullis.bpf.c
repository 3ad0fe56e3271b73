// SPDX-License-Identifier: GPL-2.0
/* The hooks: thin wrappers around the one classifier in classify.h; what
 * differs between them is in hook_xdp.h and hook_tc.h. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "classify.h"

SEC("xdp")
int pc_xdp(struct xdp_md *ctx)
{
	return pc_classify(ctx);
}

/* Attached with cls_bpf in direct-action mode to clsact ingress or egress. */
SEC("tc")
int pc_tc(struct __sk_buff *skb)
{
	return pc_classify(skb);
}

char LICENSE[] SEC("license") = "GPL";
