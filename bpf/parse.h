/* SPDX-License-Identifier: GPL-2.0 */
/* Packet parsing for the classifier: Ethernet, up to two VLAN tags, IPv4
 * or IPv6 with extension headers, then the TCP or UDP ports. Every read is
 * bounds-checked against data_end first; every loop is bounded. */
#ifndef PC_BPF_PARSE_H
#define PC_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "portcullis.h"

enum pc_class {
	PC_CLS_L4 = 0,    /* TCP or UDP with its ports in view */
	PC_CLS_OTHER,     /* not TCP/UDP over IP: never subject to rules */
	PC_CLS_FRAGMENT,  /* a non-first fragment: carries no ports */
	PC_CLS_MALFORMED,
};

struct pc_pkt {
	void *saddr;  /* into the IP header, 4 or 16 bytes */
	void *daddr;
	void *end;    /* data_end */
	/* Offsets from the frame's start, not pointers: they cost the
	 * verifier no states when they differ between ways of parsing. */
	__u32 l3_off; /* the IP header */
	__u32 l4_off; /* the TCP or UDP header */
	__u32 l4_len; /* the bytes from l4_off on that the IP header claims */
	__u16 dport;  /* host order */
	__u8 proto;   /* PC_PROTO_* */
	__u8 family;  /* PC_FAMILY_* */
	__u8 conn;    /* a connection attempt: TCP SYN without ACK, any UDP */
};

struct pc_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* The first 8 bytes of every IPv6 extension header we walk. */
struct pc_ext_hdr {
	__u8 nexthdr;
	__u8 len;
	__be16 frag_off; /* fragment header only */
	__u32 rest;
};

/* claimed: the bytes from p that the IP header says the datagram holds;
 * what lies beyond is link-layer padding, not headers. */
static __always_inline int pc_parse_l4(void *p, void *end, __u32 claimed, __u8 ipproto,
				       struct pc_pkt *pkt)
{
	pkt->l4_len = claimed;
	if (ipproto == IPPROTO_TCP) {
		struct tcphdr *th = p;

		/* The whole base header, flags included, must be in this
		 * packet: a first fragment that hides them is the tiny
		 * fragment attack of RFC 1858. */
		if ((void *)(th + 1) > end || claimed < sizeof(*th) || th->doff < 5)
			return PC_CLS_MALFORMED;
		pkt->proto = PC_PROTO_TCP;
		pkt->dport = bpf_ntohs(th->dest);
		pkt->conn = th->syn && !th->ack;
		return PC_CLS_L4;
	}
	if (ipproto == IPPROTO_UDP) {
		struct udphdr *uh = p;

		if ((void *)(uh + 1) > end || claimed < sizeof(*uh))
			return PC_CLS_MALFORMED;
		pkt->proto = PC_PROTO_UDP;
		pkt->dport = bpf_ntohs(uh->dest);
		pkt->conn = 1;
		return PC_CLS_L4;
	}
	return PC_CLS_OTHER;
}

static __always_inline int pc_parse_ipv4(void *p, void *end, struct pc_pkt *pkt)
{
	struct iphdr *ip = p;
	__u32 hlen;

	if ((void *)(ip + 1) > end || ip->version != 4 || ip->ihl < 5)
		return PC_CLS_MALFORMED;
	hlen = ip->ihl * 4;
	if (p + hlen > end || bpf_ntohs(ip->tot_len) < hlen)
		return PC_CLS_MALFORMED;
	if (ip->frag_off & bpf_htons(0x1fff))
		return PC_CLS_FRAGMENT;
	pkt->family = PC_FAMILY_V4;
	pkt->l4_off = pkt->l3_off + hlen;
	pkt->saddr = &ip->saddr;
	pkt->daddr = &ip->daddr;
	return pc_parse_l4(p + hlen, end, bpf_ntohs(ip->tot_len) - hlen, ip->protocol, pkt);
}

static __always_inline int pc_is_ext_hdr(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_AH;
}

static __always_inline int pc_parse_ipv6(void *p, void *end, struct pc_pkt *pkt)
{
	struct ipv6hdr *ip6 = p;
	__u32 payload, used = 0;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > end || ip6->version != 6)
		return PC_CLS_MALFORMED;
	pkt->family = PC_FAMILY_V6;
	pkt->saddr = &ip6->saddr;
	pkt->daddr = &ip6->daddr;
	nh = ip6->nexthdr;
	p = ip6 + 1;
#pragma unroll
	for (i = 0; i < PC_MAX_EXTHDR; i++) {
		struct pc_ext_hdr *eh = p;
		__u32 hlen;

		if (!pc_is_ext_hdr(nh))
			break;
		if ((void *)(eh + 1) > end)
			return PC_CLS_MALFORMED;
		if (nh == IPPROTO_FRAGMENT) {
			if (eh->frag_off & bpf_htons(0xfff8))
				return PC_CLS_FRAGMENT;
			hlen = sizeof(*eh);
		} else if (nh == IPPROTO_AH) {
			hlen = (eh->len + 2) * 4;
		} else {
			hlen = (eh->len + 1) * 8;
		}
		p += hlen;
		used += hlen;
		nh = eh->nexthdr;
	}
	/* A chain longer than we walk could hide the ports: refuse it. */
	if (pc_is_ext_hdr(nh))
		return PC_CLS_MALFORMED;
	pkt->l4_off = pkt->l3_off + sizeof(*ip6) + used;
	/* A payload length of 0 is a jumbogram's: no limit from it. */
	payload = bpf_ntohs(ip6->payload_len);
	if (!payload)
		payload = 0xffffffff;
	return pc_parse_l4(p, end, used <= payload ? payload - used : 0, nh, pkt);
}

static __always_inline int pc_parse(void *data, void *end, struct pc_pkt *pkt)
{
	struct ethhdr *eth = data;
	__be16 type;
	void *p;
	int i;

	pkt->end = end;
	if ((void *)(eth + 1) > end)
		return PC_CLS_OTHER;
	type = eth->h_proto;
	p = eth + 1;
#pragma unroll
	for (i = 0; i < PC_MAX_VLAN; i++) {
		struct pc_vlan_hdr *vh = p;

		if (type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return PC_CLS_OTHER;
		type = vh->proto;
		p = vh + 1;
	}
	pkt->l3_off = p - data;
	if (type == bpf_htons(ETH_P_IP))
		return pc_parse_ipv4(p, end, pkt);
	if (type == bpf_htons(ETH_P_IPV6))
		return pc_parse_ipv6(p, end, pkt);
	return PC_CLS_OTHER; /* ARP, a third VLAN tag, anything else */
}

#endif /* PC_BPF_PARSE_H */
