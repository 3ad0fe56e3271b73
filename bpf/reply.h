/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The answers to a rejected packet, built on the stack for either hook.
 * - To a TCP segment, its reset, as RFC 9293 section 3.10.7.1 asks. To a
 *   segment with ACK: RST, seq = its ack. To one without: RST|ACK, seq 0,
 *   ack = its seq + its length, SYN and FIN counting one each. IP options,
 *   extension headers, TCP options and payload gone.
 * - To a UDP datagram, a destination unreachable, port unreachable (ICMP
 *   type 3 code 3; ICMPv6 type 1 code 4), quoting the datagram from its IP
 *   header on as far as the answer stays within 576 bytes (IPv4, RFC 1812
 *   4.3.2.3) or 1280 (IPv6, RFC 4443 2.4(c)).
 * Both go back with the MACs swapped and the VLAN tags kept, in a fresh IP
 * header from the packet's destination to its source. Only TCP and UDP
 * are ever answered, so never an ICMP error (RFC 1122 3.2.2); nor a reset,
 * nor a frame from or to a group MAC, nor a packet from or to an address
 * that names no single host (RFC 1812 4.3.2.7, RFC 4443 2.4(e)); and only
 * while the source has answers left (pc_reply_allowed()).
 *
 * Every hook answers in the same steps (hook_xdp.h, hook_tc.h):
 *	pc_reply_plan()   may the packet be answered? The answer's link
 *	                  header and IP and TCP or ICMP headers, on the stack
 *	cut the frame to l3 + r.keep bytes (the reset's headers, or the quote)
 *	pc_reply_quote()  ICMP: its checksum over the quote, now at l3
 *	grow the head by r.grow bytes (ICMP: room for its IP and ICMP headers)
 *	write r.l2 at 0 and r.hdr at l3, and send the frame back.
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

/* The header of a destination unreachable, ICMP or ICMPv6 (linux/icmp.h
 * would pull in libc's headers). */
struct pc_icmp_hdr {
	__u8 type;
	__u8 code;
	__sum16 check;
	__u32 unused;
};

#define PC_ICMP_UNREACH       3 /* RFC 792 */
#define PC_ICMP_PORT_UNREACH  3
#define PC_ICMP6_UNREACH      1 /* RFC 4443 3.1 */
#define PC_ICMP6_PORT_UNREACH 4

/* The quote fits an answer of 576 bytes (IPv4) or 1280 (IPv6). */
#define PC_QUOTE_V4 (576 - sizeof(struct iphdr) - sizeof(struct pc_icmp_hdr))
#define PC_QUOTE_V6 (1280 - sizeof(struct ipv6hdr) - sizeof(struct pc_icmp_hdr))

/* An answer, before it is written into the frame. */
struct pc_reply {
	union {
		__u8 hdr[60];
		struct {
			struct iphdr ip;
			union {
				struct tcphdr tcp;
				struct pc_icmp_hdr icmp;
			};
		} v4;
		struct {
			struct ipv6hdr ip6;
			union {
				struct tcphdr tcp;
				struct pc_icmp_hdr icmp;
			};
		} v6;
	};
	/* The frame's Ethernet header and tags, MACs swapped; written whole,
	 * the bytes past the tags land where hdr is written next. */
	__u8 l2[24];
	__u32 hdr_len; /* bytes of hdr: IP and TCP (40, 60) or IP and ICMP (28, 48) */
	__u32 keep;    /* bytes of the frame kept from its IP header on */
	__u32 grow;    /* bytes the head grows by: 0, or hdr_len before the quote */
	__u32 csum;    /* ICMP: the sum of its header (and pseudo header) so far */
} __attribute__((aligned(8)));

/* Does the address at a name a single host? Not 0/8, 127/8, multicast or
 * class E with the broadcast address (IPv4); not ::, ::1 or multicast
 * (IPv6). */
static __always_inline int pc_one_host(__u8 family, const __u8 *a)
{
	__u64 hi, lo;

	if (family == PC_FAMILY_V6) {
		__builtin_memcpy(&hi, a, 8);
		__builtin_memcpy(&lo, a + 8, 8);
		return a[0] != 0xff && (hi || (lo && lo != bpf_cpu_to_be64(1)));
	}
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
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

static __always_inline __u16 pc_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* The ones' complement sum, unfolded, of the n bytes at p (n below 2048),
 * or -1 when they are not all in the frame. bpf_csum_diff (4.6 on tc,
 * 4.16 on XDP) takes at most 512 bytes, a multiple of 4: so chunks of a
 * power of two, each at an offset that depends on n alone, so that the
 * verifier's states meet again after each; the last 0 to 3 bytes through
 * a word on the stack. */
static __always_inline __s64 pc_csum(void *p, void *end, __u32 n)
{
	__u8 tail[4] = {};
	__u32 sum = 0;
	__u8 *c;

	n &= 0x7ff;
#define PC_CSUM_CHUNK(size, off)                                                       \
	do {                                                                           \
		c = p + (off);                                                         \
		if (c + (size) > (__u8 *)end)                                          \
			return -1;                                                     \
		sum = bpf_csum_diff(NULL, 0, (__be32 *)c, (size), sum);                \
	} while (0)
	if (n & 1024) {
		PC_CSUM_CHUNK(512, 0);
		PC_CSUM_CHUNK(512, 512);
	}
	if (n & 512)
		PC_CSUM_CHUNK(512, n & 0x400);
	if (n & 256)
		PC_CSUM_CHUNK(256, n & 0x600);
	if (n & 128)
		PC_CSUM_CHUNK(128, n & 0x700);
	if (n & 64)
		PC_CSUM_CHUNK(64, n & 0x780);
	if (n & 32)
		PC_CSUM_CHUNK(32, n & 0x7c0);
	if (n & 16)
		PC_CSUM_CHUNK(16, n & 0x7e0);
	if (n & 8)
		PC_CSUM_CHUNK(8, n & 0x7f0);
	if (n & 4)
		PC_CSUM_CHUNK(4, n & 0x7f8);
#undef PC_CSUM_CHUNK
	if (n & 2) {
		c = p + (n & 0x7fc);
		if (c + 2 > (__u8 *)end)
			return -1;
		tail[0] = c[0];
		tail[1] = c[1];
	}
	if (n & 1) {
		c = p + (n & 0x7fe);
		if (c + 1 > (__u8 *)end)
			return -1;
		if (n & 2)
			tail[2] = c[0];
		else
			tail[0] = c[0];
	}
	return bpf_csum_diff(NULL, 0, (__be32 *)tail, sizeof(tail), sum);
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

/* The answer's addresses in r: the packet's, swapped. 1 if they, and the
 * rest of the packet pkt in the frame at data, may be answered: TCP but
 * not a reset, or UDP; between unicast MACs and single hosts; and its
 * source has an answer left. */
static __always_inline int pc_reply_answerable(void *data, const struct pc_pkt *pkt,
					       struct pc_reply *r)
{
	struct tcphdr *th = data + pkt->l4_off;
	struct ethhdr *eth = data;
	void *l3 = data + pkt->l3_off;

	if ((void *)(eth + 1) > pkt->end || ((eth->h_dest[0] | eth->h_source[0]) & 1))
		return 0;
	if (pkt->proto == PC_PROTO_TCP) {
		if ((void *)(th + 1) > pkt->end || th->rst)
			return 0;
	} else if (pkt->proto != PC_PROTO_UDP) {
		return 0;
	}
	if (pkt->family == PC_FAMILY_V6) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > pkt->end)
			return 0;
		__builtin_memcpy(&r->v6.ip6.saddr, &ip6->daddr, 16);
		__builtin_memcpy(&r->v6.ip6.daddr, &ip6->saddr, 16);
		return pc_one_host(PC_FAMILY_V6, (__u8 *)&r->v6.ip6.saddr) &&
		       pc_one_host(PC_FAMILY_V6, (__u8 *)&r->v6.ip6.daddr) &&
		       pc_reply_allowed(PC_FAMILY_V6, (__u8 *)&ip6->saddr);
	} else {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > pkt->end)
			return 0;
		r->v4.ip.saddr = ip->daddr;
		r->v4.ip.daddr = ip->saddr;
		return pc_one_host(PC_FAMILY_V4, (__u8 *)&r->v4.ip.saddr) &&
		       pc_one_host(PC_FAMILY_V4, (__u8 *)&r->v4.ip.daddr) &&
		       pc_reply_allowed(PC_FAMILY_V4, (__u8 *)&ip->saddr);
	}
}

/* The reset of the segment th, of l4_len bytes; pseudo: the sum of the
 * reset's addresses. */
static __always_inline void pc_reset_tcp(struct tcphdr *rst, const struct tcphdr *th,
					 __u32 l4_len, __u32 pseudo)
{
	__u32 seg_len;

	rst->source = th->dest;
	rst->dest = th->source;
	rst->doff = 5;
	rst->rst = 1;
	if (th->ack) {
		rst->seq = th->ack_seq;
	} else {
		seg_len = l4_len > th->doff * 4u ? l4_len - th->doff * 4u : 0;
		seg_len += th->syn + th->fin;
		rst->ack_seq = bpf_htonl(bpf_ntohl(th->seq) + seg_len);
		rst->ack = 1;
	}
	rst->check = pc_fold(pseudo + bpf_htons(IPPROTO_TCP) + bpf_htons(sizeof(*rst)) +
			     pc_sum16(rst, sizeof(*rst)));
}

/* The answer to the rejected TCP or UDP packet pkt, in the frame at data,
 * into *r (zeroed): 1, or 0 when none may be sent (pc_reply_answerable())
 * or the frame is too short after all. For ICMP the checksum waits for
 * pc_reply_quote(). */
static __always_inline int pc_reply_plan(void *data, const struct pc_pkt *pkt, struct pc_reply *r)
{
	struct tcphdr *th = data + pkt->l4_off;
	int v6 = pkt->family == PC_FAMILY_V6;
	__u32 pseudo, l4len;
	__u64 quote, have;

	if (!pc_reply_answerable(data, pkt, r))
		return 0;
	if (data + sizeof(r->l2) > pkt->end)
		return 0;
	__builtin_memcpy(r->l2, data + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(r->l2 + ETH_ALEN, data, ETH_ALEN);
	__builtin_memcpy(r->l2 + 2 * ETH_ALEN, data + 2 * ETH_ALEN, sizeof(r->l2) - 2 * ETH_ALEN);
	pseudo = v6 ? pc_sum16(&r->v6.ip6.saddr, 32) : pc_sum16(&r->v4.ip.saddr, 8);

	if (pkt->proto == PC_PROTO_TCP) {
		if ((void *)(th + 1) > pkt->end)
			return 0;
		l4len = sizeof(struct tcphdr);
		/* Each member by its name: no stack pointer that the verifier
		 * must follow at a variable offset. */
		if (v6)
			pc_reset_tcp(&r->v6.tcp, th, pkt->l4_len, pseudo);
		else
			pc_reset_tcp(&r->v4.tcp, th, pkt->l4_len, pseudo);
	} else {
		/* The quote: the datagram from its IP header on, without
		 * link-layer padding, as much as the frame holds and the
		 * answer may carry. */
		quote = (__u64)(pkt->l4_off - pkt->l3_off) + pkt->l4_len;
		have = pkt->end - (data + pkt->l3_off);
		if (quote > have)
			quote = have;
		if (quote > (v6 ? PC_QUOTE_V6 : PC_QUOTE_V4))
			quote = v6 ? PC_QUOTE_V6 : PC_QUOTE_V4;
		l4len = sizeof(struct pc_icmp_hdr) + quote;
		if (v6) {
			r->v6.icmp.type = PC_ICMP6_UNREACH;
			r->v6.icmp.code = PC_ICMP6_PORT_UNREACH;
			/* ICMPv6 sums a pseudo header: addresses,
			 * upper-layer length, next header. */
			r->csum = pc_sum16(&r->v6.icmp, sizeof(r->v6.icmp)) + pseudo +
				  bpf_htons(l4len) + bpf_htons(IPPROTO_ICMPV6);
		} else {
			r->v4.icmp.type = PC_ICMP_UNREACH;
			r->v4.icmp.code = PC_ICMP_PORT_UNREACH;
			r->csum = pc_sum16(&r->v4.icmp, sizeof(r->v4.icmp));
		}
		r->keep = quote;
	}

	if (v6) {
		r->v6.ip6.version = 6;
		r->v6.ip6.nexthdr = pkt->proto == PC_PROTO_TCP ? IPPROTO_TCP : IPPROTO_ICMPV6;
		r->v6.ip6.hop_limit = PC_REPLY_TTL;
		r->v6.ip6.payload_len = bpf_htons(l4len);
		r->hdr_len = sizeof(r->v6.ip6);
	} else {
		r->v4.ip.version = 4;
		r->v4.ip.ihl = 5;
		r->v4.ip.ttl = PC_REPLY_TTL;
		r->v4.ip.tot_len = bpf_htons(sizeof(r->v4.ip) + l4len);
		if (pkt->proto == PC_PROTO_TCP) {
			r->v4.ip.protocol = IPPROTO_TCP;
			r->v4.ip.frag_off = bpf_htons(0x4000); /* DF */
		} else {
			r->v4.ip.protocol = IPPROTO_ICMP;
		}
		r->v4.ip.check = pc_fold(pc_sum16(&r->v4.ip, sizeof(r->v4.ip)));
		r->hdr_len = sizeof(r->v4.ip);
	}
	if (pkt->proto == PC_PROTO_TCP) {
		r->hdr_len += sizeof(struct tcphdr);
		r->keep = r->hdr_len;
	} else {
		r->hdr_len += sizeof(struct pc_icmp_hdr);
		r->grow = r->hdr_len;
	}
	return 1;
}

/* The ICMP checksum of r, over its header and the quote now at l3 in the
 * frame at data: 1, or 0 when the quote is not all there. Nothing to do
 * for a reset. */
static __always_inline int pc_reply_quote(void *data, void *end, __u32 l3, struct pc_reply *r)
{
	__s64 sum;

	if (!r->grow)
		return 1;
	sum = pc_csum(data + l3, end, r->keep);
	if (sum < 0)
		return 0;
	if (r->v6.ip6.version == 6)
		r->v6.icmp.check = pc_fold((__u64)r->csum + (__u32)sum);
	else
		r->v4.icmp.check = pc_fold((__u64)r->csum + (__u32)sum);
	return 1;
}

#endif /* PC_BPF_REPLY_H */
