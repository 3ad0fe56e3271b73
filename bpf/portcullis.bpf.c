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
	struct pc_pkt pkt = {};
	int cls = pc_parse(data, end, &pkt);

	return pc_decide(cls, &pkt, end - data) == PC_DECIDE_DROP ? XDP_DROP : XDP_PASS;
}

/* Attached with cls_bpf in direct-action mode to clsact ingress or egress. */
SEC("tc")
int pc_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct pc_pkt pkt = {};
	int cls = pc_parse(data, end, &pkt);

	/* Headers may sit in paged data. Only then, pull them into the linear
	 * part (bpf_skb_pull_data, 4.9) and look again: pulling costs a copy
	 * of a cloned head, which every outgoing TCP packet has. */
	if ((cls == PC_CLS_MALFORMED || cls == PC_CLS_OTHER) && skb->len > end - data) {
		__u32 want = skb->len < PC_PULL_LEN ? skb->len : PC_PULL_LEN;

		if (!bpf_skb_pull_data(skb, want)) {
			data = (void *)(long)skb->data;
			end = (void *)(long)skb->data_end;
			__builtin_memset(&pkt, 0, sizeof(pkt));
			cls = pc_parse(data, end, &pkt);
		}
	}
	return pc_decide(cls, &pkt, skb->len) == PC_DECIDE_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
