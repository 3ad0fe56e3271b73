// SPDX-License-Identifier: GPL-2.0
/* The hooks: thin wrappers around the one classifier in classify.h. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "classify.h"

/* Enough linear data for Ethernet, two VLAN tags, IPv6 with a long chain
 * of extension headers and the ports. */
#define PC_PULL_LEN 512

SEC("xdp")
int pc_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (pc_classify(data, end, end - data) == PC_DECIDE_DROP)
		return XDP_DROP;
	return XDP_PASS;
}

/* Attached with cls_bpf in direct-action mode to clsact ingress or egress. */
SEC("tc")
int pc_tc(struct __sk_buff *skb)
{
	__u32 want = skb->len < PC_PULL_LEN ? skb->len : PC_PULL_LEN;

	/* Headers may sit in paged data; bpf_skb_pull_data (4.9) makes them
	 * linear so that direct packet access sees them. */
	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
	if (pc_classify((void *)(long)skb->data, (void *)(long)skb->data_end, skb->len) ==
	    PC_DECIDE_DROP)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
