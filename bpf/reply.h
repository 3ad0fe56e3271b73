/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The answer to a rejected TCP segment: the segment itself rewritten in
 * place into a reset, as RFC 9293 section 3.10.7.1 asks. To a segment with
 * ACK: RST, seq = its ack. To one without: RST|ACK, seq 0, ack = its seq +
 * its length, SYN and FIN counting one each. MACs, addresses and ports
 * swapped; VLAN tags kept; IP options, extension headers, TCP options and
 * payload gone. The hook sends it back (hook_xdp.h) after cutting the frame
 * to the length returned, when the source has an answer left
 * (pc_reply_allowed()).
 */
#ifndef PC_BPF_REPLY_H
#define PC_BPF_REPLY_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include "maps.h"
#include "parse.h"
#include "rate.h"

#define PC_REPLY_TTL 64

/* Nothing answers to a multicast or broadcast: not at the link layer, not
 * at IP, and not from such a source either. */
static __always_inline int pc_group_addr(const struct pc_pkt *pkt, const __u8 *a)
{
	if (pkt->family == PC_FAMILY_V6)
		return a[0] == 0xff;
	return (a[0] & 0xf0) == 0xe0 || (a[0] == 0xff && a[1] == 0xff && a[2] == 0xff && a[3] == 0xff);
}

/* The ones' complement sum of n bytes (n even, constant) at p. */
static __always_inline __u32 pc_sum16(const void *p, int n)
{
	const __u16 *w = p;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < n / 2; i++)
		sum += w[i];
	return sum;
}

static __always_inline __u16 pc_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* The addresses of the reset: the segment's, swapped. IPv4 uses the
 * first 4 bytes; the zeros after them add nothing to a checksum. */
struct pc_reset_addrs {
	__u8 src[16], dst[16];
};

/* May the TCP segment of pkt, in the frame at data, be answered? Not a
 * RST, nor to or from a group address. If so, *a gets the reset's
 * addresses (the segment's, swapped). */
static __always_inline int pc_reset_answerable(void *data, const struct pc_pkt *pkt,
					       struct pc_reset_addrs *a)
{
	struct tcphdr *th = data + pkt->l4_off;
	struct ethhdr *eth = data;
	void *l3 = data + pkt->l3_off;

	if ((void *)(eth + 1) > pkt->end || (void *)(th + 1) > pkt->end)
		return 0;
	if (th->rst || (eth->h_dest[0] & 1))
		return 0;
	if (pkt->family == PC_FAMILY_V6) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > pkt->end)
			return 0;
		__builtin_memcpy(a->src, &ip6->daddr, 16);
		__builtin_memcpy(a->dst, &ip6->saddr, 16);
	} else {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > pkt->end)
			return 0;
		__builtin_memcpy(a->src, &ip->daddr, 4);
		__builtin_memcpy(a->dst, &ip->saddr, 4);
	}
	return !pc_group_addr(pkt, a->src) && !pc_group_addr(pkt, a->dst);
}

/* May the source at addr (IPv4 /32, IPv6 /64) have one more answer now?
 * The policy in force says how many (set reply-limit); the bucket is
 * rate.h's, which holds across CPUs. */
static __always_inline int pc_reply_allowed(__u8 family, const __u8 *addr)
{
	struct pc_source_key key = { .family = family };
	__u64 interval = PC_REPLY_INTERVAL_NS;
	__u32 zero = 0, burst = PC_REPLY_BURST, slot;
	struct pc_policy_hdr *hdr = NULL;
	struct pc_ctl *ctl;

	ctl = bpf_map_lookup_elem(&pc_ctl, &zero);
	if (ctl) {
		slot = ctl->active & 1;
		hdr = bpf_map_lookup_elem(&pc_policy, &slot);
	}
	if (hdr && hdr->reply_interval_ns)
		interval = hdr->reply_interval_ns;
	if (hdr && hdr->reply_burst)
		burst = hdr->reply_burst;
	if (family == PC_FAMILY_V6)
		__builtin_memcpy(key.addr, addr, 8);
	else
		__builtin_memcpy(key.addr, addr, 4);
	return pc_rate_allow(&pc_reply_limit, &key, interval, burst);
}

/* Rewrite the TCP segment of pkt, in the frame at data, into its reset to
 * the addresses a (pc_reset_answerable()). Returns the reset frame's
 * length, or 0 if the frame is too short after all. */
static __always_inline __u32 pc_tcp_reset(void *data, const struct pc_pkt *pkt,
					  const struct pc_reset_addrs *a)
{
	void *l3 = data + pkt->l3_off;
	struct tcphdr *th = data + pkt->l4_off, rst = {};
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];
	__u32 seg_len, sum, l3len;

	if ((void *)(eth + 1) > pkt->end || (void *)(th + 1) > pkt->end)
		return 0;
	rst.source = th->dest;
	rst.dest = th->source;
	rst.doff = 5;
	rst.rst = 1;
	if (th->ack) {
		rst.seq = th->ack_seq;
	} else {
		seg_len = pkt->l4_len > th->doff * 4u ? pkt->l4_len - th->doff * 4u : 0;
		seg_len += th->syn + th->fin;
		rst.ack_seq = bpf_htonl(bpf_ntohl(th->seq) + seg_len);
		rst.ack = 1;
	}
	/* The pseudo header: addresses, protocol, length 20. */
	sum = pc_sum16(a->src, 16) + pc_sum16(a->dst, 16) + bpf_htons(IPPROTO_TCP) +
	      bpf_htons(sizeof(rst));
	rst.check = pc_fold(sum + pc_sum16(&rst, sizeof(rst)));

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	if (pkt->family == PC_FAMILY_V6) {
		struct ipv6hdr ip6 = { .version = 6, .nexthdr = IPPROTO_TCP,
				       .hop_limit = PC_REPLY_TTL };

		ip6.payload_len = bpf_htons(sizeof(rst));
		__builtin_memcpy(&ip6.saddr, a->src, 16);
		__builtin_memcpy(&ip6.daddr, a->dst, 16);
		if (l3 + sizeof(ip6) + sizeof(rst) > pkt->end)
			return 0;
		__builtin_memcpy(l3, &ip6, sizeof(ip6));
		__builtin_memcpy(l3 + sizeof(ip6), &rst, sizeof(rst));
		l3len = sizeof(ip6);
	} else {
		struct iphdr ip = { .version = 4, .ihl = 5, .ttl = PC_REPLY_TTL,
				    .protocol = IPPROTO_TCP };

		ip.tot_len = bpf_htons(sizeof(ip) + sizeof(rst));
		ip.frag_off = bpf_htons(0x4000); /* DF */
		__builtin_memcpy(&ip.saddr, a->src, 4);
		__builtin_memcpy(&ip.daddr, a->dst, 4);
		ip.check = pc_fold(pc_sum16(&ip, sizeof(ip)));
		if (l3 + sizeof(ip) + sizeof(rst) > pkt->end)
			return 0;
		__builtin_memcpy(l3, &ip, sizeof(ip));
		__builtin_memcpy(l3 + sizeof(ip), &rst, sizeof(rst));
		l3len = sizeof(ip);
	}
	return (l3 - data) + l3len + sizeof(rst);
}

#endif /* PC_BPF_REPLY_H */
