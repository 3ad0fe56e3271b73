// SPDX-License-Identifier: GPL-2.0
/*
 * The reference classifier. It is written to be obviously right, not fast:
 * it parses the frame with plain byte offsets and walks the parsed policy
 * rule by rule. It deliberately shares nothing with bpf/ or the compiler
 * (not even pc_prefix_contains), so that a bug in one is not a bug in both.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "refclass.h"

#define ETH_HLEN       14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_8021Q  0x8100
#define ETHERTYPE_8021AD 0x88a8

#define IPPROTO_HOPOPTS_  0
#define IPPROTO_TCP_      6
#define IPPROTO_UDP_      17
#define IPPROTO_ROUTING_  43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_       51
#define IPPROTO_DSTOPTS_  60

#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define TCP_RST 0x04

/* The packet's parsed headers, as far as the rules care. */
struct ref_pkt {
	__u8 family; /* PC_FAMILY_V4 or PC_FAMILY_V6 */
	__u8 saddr[16], daddr[16];
	int proto; /* PC_PROTO_* */
	int dport;
	int connection;
	int rst;       /* a TCP reset */
	int group_mac; /* to or from a multicast or broadcast MAC */
};

static unsigned rd16(const __u8 *b, size_t off)
{
	return ((unsigned)b[off] << 8) | b[off + 1];
}

/* claimed: how many bytes from off the IP header says the datagram has. */
static enum pc_ref_class parse_l4(const __u8 *b, size_t len, size_t off, size_t claimed,
				  int ipproto, struct ref_pkt *pkt)
{
	size_t have = off <= len ? len - off : 0;

	if (have > claimed)
		have = claimed; /* the rest is link-layer padding */

	if (ipproto == IPPROTO_TCP_) {
		/* The ports and flags must be in this fragment (RFC 1858). */
		if (have < 20 || (b[off + 12] >> 4) < 5)
			return PC_REF_MALFORMED;
		pkt->proto = PC_PROTO_TCP;
		pkt->dport = (int)rd16(b, off + 2);
		pkt->connection = (b[off + 13] & (TCP_SYN | TCP_ACK)) == TCP_SYN;
		pkt->rst = !!(b[off + 13] & TCP_RST);
		return PC_REF_L4;
	}
	if (ipproto == IPPROTO_UDP_) {
		if (have < 8)
			return PC_REF_MALFORMED;
		pkt->proto = PC_PROTO_UDP;
		pkt->dport = (int)rd16(b, off + 2);
		pkt->connection = 1;
		return PC_REF_L4;
	}
	return PC_REF_OTHER;
}

static enum pc_ref_class parse_ipv4(const __u8 *b, size_t len, size_t off, struct ref_pkt *pkt)
{
	size_t ihl_bytes;

	if (len - off < 20)
		return PC_REF_MALFORMED;
	if ((b[off] >> 4) != 4)
		return PC_REF_MALFORMED;
	ihl_bytes = (size_t)(b[off] & 0x0f) * 4;
	if (ihl_bytes < 20 || len - off < ihl_bytes)
		return PC_REF_MALFORMED;
	if (rd16(b, off + 2) < ihl_bytes)
		return PC_REF_MALFORMED;
	/* A non-first fragment carries no ports, whatever its protocol. */
	if ((rd16(b, off + 6) & 0x1fff) != 0)
		return PC_REF_FRAGMENT;
	pkt->family = PC_FAMILY_V4;
	memcpy(pkt->saddr, b + off + 12, 4);
	memcpy(pkt->daddr, b + off + 16, 4);
	return parse_l4(b, len, off + ihl_bytes, rd16(b, off + 2) - ihl_bytes, b[off + 9], pkt);
}

static int is_ext6(int nh)
{
	return nh == IPPROTO_HOPOPTS_ || nh == IPPROTO_ROUTING_ || nh == IPPROTO_FRAGMENT_ ||
	       nh == IPPROTO_AH_ || nh == IPPROTO_DSTOPTS_;
}

static enum pc_ref_class parse_ipv6(const __u8 *b, size_t len, size_t off, struct ref_pkt *pkt)
{
	size_t payload, start;
	int nh, i;

	if (len - off < 40)
		return PC_REF_MALFORMED;
	if ((b[off] >> 4) != 6)
		return PC_REF_MALFORMED;
	pkt->family = PC_FAMILY_V6;
	memcpy(pkt->saddr, b + off + 8, 16);
	memcpy(pkt->daddr, b + off + 24, 16);
	nh = b[off + 6];
	payload = rd16(b, off + 4);
	off += 40;
	start = off;
	for (i = 0; i < PC_MAX_EXTHDR && is_ext6(nh); i++) {
		size_t hlen;

		if (off > len || len - off < 8)
			return PC_REF_MALFORMED;
		if (nh == IPPROTO_FRAGMENT_) {
			/* Offset: the top 13 bits of the field. */
			if ((rd16(b, off + 2) & 0xfff8) != 0)
				return PC_REF_FRAGMENT;
			hlen = 8;
		} else if (nh == IPPROTO_AH_) {
			hlen = ((size_t)b[off + 1] + 2) * 4; /* RFC 4302: 32-bit words, minus 2 */
		} else {
			hlen = ((size_t)b[off + 1] + 1) * 8;
		}
		nh = b[off];
		off += hlen;
	}
	if (is_ext6(nh))
		return PC_REF_MALFORMED;
	/* A payload length of 0 is a jumbogram's: no limit from it. */
	if (!payload)
		payload = SIZE_MAX;
	return parse_l4(b, len, off, off - start <= payload ? payload - (off - start) : 0, nh, pkt);
}

static enum pc_ref_class parse_frame(const __u8 *b, size_t len, struct ref_pkt *pkt)
{
	size_t off = ETH_HLEN;
	unsigned type;
	int tags = 0;

	if (len < ETH_HLEN)
		return PC_REF_OTHER;
	pkt->group_mac = (b[0] | b[6]) & 1;
	type = rd16(b, 12);
	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD) {
		if (tags == PC_MAX_VLAN || len - off < 4)
			return PC_REF_OTHER;
		type = rd16(b, off + 2);
		off += 4;
		tags++;
	}
	if (type == ETHERTYPE_IPV4)
		return parse_ipv4(b, len, off, pkt);
	if (type == ETHERTYPE_IPV6)
		return parse_ipv6(b, len, off, pkt);
	return PC_REF_OTHER;
}

static bool ref_prefix_has(const struct pc_prefix *p, __u8 family, const __u8 *addr)
{
	unsigned full, rest;

	if (p->family != family)
		return false;
	full = p->len / 8;
	rest = p->len % 8;
	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest) {
		__u8 mask = (__u8)(0xff << (8 - rest));

		if ((p->addr[full] & mask) != (addr[full] & mask))
			return false;
	}
	return true;
}

static bool ref_list_has(const struct pc_prefix_list *l, __u8 family, const __u8 *addr)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (ref_prefix_has(&l->v[i], family, addr))
			return true;
	return false;
}

static bool ref_addr_match(const struct pc_policy *p, const struct pc_addr_spec *s, __u8 family,
			   const __u8 *addr)
{
	bool in;

	switch (s->kind) {
	case PC_ADDR_ANY:
		in = true; /* so "! any" (which the parser refuses) matches nothing */
		break;
	case PC_ADDR_TABLE:
		in = s->table >= 0 && (size_t)s->table < p->ntables &&
		     ref_list_has(&p->tables[s->table].prefixes, family, addr);
		break;
	case PC_ADDR_LIST:
		in = ref_list_has(&s->list, family, addr);
		break;
	default:
		in = false;
		break;
	}
	return s->neg ? !in : in;
}

/* Which families a side names: bit 0 IPv4, bit 1 IPv6; 0 for none. */
static unsigned ref_side_families(const struct pc_policy *p, const struct pc_addr_spec *s)
{
	const struct pc_prefix_list *l = NULL;
	unsigned f = 0;
	size_t i;

	if (s->kind == PC_ADDR_LIST)
		l = &s->list;
	else if (s->kind == PC_ADDR_TABLE && s->table >= 0 && (size_t)s->table < p->ntables)
		l = &p->tables[s->table].prefixes;
	for (i = 0; l && i < l->n; i++)
		f |= l->v[i].family == PC_FAMILY_V4 ? 1 : 2;
	return f;
}

/* As in pf: a rule applies to a packet's family unless one of its sides
 * names only addresses of the other family, negated or not. */
static bool ref_family_match(const struct pc_policy *p, const struct pc_rule_ast *r, __u8 family)
{
	unsigned want = family == PC_FAMILY_V4 ? 1 : 2;
	unsigned src = ref_side_families(p, &r->src), dst = ref_side_families(p, &r->dst);

	return (!src || (src & want)) && (!dst || (dst & want));
}

static bool ref_ports_match(const struct pc_rule_ast *r, int dport)
{
	size_t i;

	if (r->ports.n == 0)
		return true;
	for (i = 0; i < r->ports.n; i++)
		if (dport >= r->ports.v[i].lo && dport <= r->ports.v[i].hi)
			return true;
	return false;
}

/* The narrowest port item of this proto that holds dport; ties to the
 * lowest lo. */
static void ref_port_item(const struct pc_policy *p, const struct ref_pkt *pkt,
			  struct pc_ref_result *res)
{
	int best_width = -1;
	size_t i, j;

	for (i = 0; i < p->nrules; i++) {
		const struct pc_rule_ast *r = &p->rules[i];

		if (!(r->protos & (1u << pkt->proto)))
			continue;
		for (j = 0; j < r->ports.n; j++) {
			int lo = r->ports.v[j].lo, hi = r->ports.v[j].hi;

			if (pkt->dport < lo || pkt->dport > hi)
				continue;
			if (best_width < 0 || hi - lo < best_width ||
			    (hi - lo == best_width && lo < res->item_lo)) {
				best_width = hi - lo;
				res->item_lo = lo;
				res->item_hi = hi;
			}
		}
	}
}

static enum pc_verdict action_verdict(enum pc_action a)
{
	switch (a) {
	case PC_ACT_BLOCK:
		return PC_V_DROPPED;
	case PC_ACT_REJECT:
		return PC_V_REJECTED;
	default: /* pass, monitor; limit is ref_limit()'s */
		return PC_V_PASSED;
	}
}

/* Does the address name one host? Not 0/8, loopback, multicast, class E
 * or broadcast (IPv4, RFC 1812 4.3.2.7); not ::, ::1 or multicast (IPv6,
 * RFC 4443 2.4(e)). Nothing is answered to or from any other. */
static bool one_host(__u8 family, const __u8 *a)
{
	static const __u8 zero[16], loopback[16] = { [15] = 1 };

	if (family == PC_FAMILY_V6)
		return a[0] != 0xff && memcmp(a, zero, 16) != 0 && memcmp(a, loopback, 16) != 0;
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

/* Do the programs answer a rejected packet (XDP with XDP_TX, tc with a
 * redirect)? A TCP segment but not a reset, or a UDP datagram, between
 * unicast MACs and single hosts. */
static bool answered(const struct ref_pkt *pkt)
{
	if (pkt->proto == PC_PROTO_TCP ? pkt->rst : pkt->proto != PC_PROTO_UDP)
		return false;
	return !pkt->group_mac && one_host(pkt->family, pkt->saddr) &&
	       one_host(pkt->family, pkt->daddr);
}

/* The buckets of limit rules: an open-addressed table of (rule,
 * source) -> attempts seen. A source is an IPv4 /32 or an IPv6 /64. */
#define REF_BUCKETS (1u << 18)

struct ref_bucket {
	int used;
	size_t rule;
	__u8 family;
	__u8 src[8];
	__u32 attempts;
};

static struct ref_bucket *ref_buckets;
static size_t ref_nbuckets;

void pc_ref_limit_reset(void)
{
	if (ref_buckets)
		memset(ref_buckets, 0, REF_BUCKETS * sizeof(*ref_buckets));
	ref_nbuckets = 0;
}

static struct ref_bucket *ref_bucket(size_t rule, const struct ref_pkt *pkt)
{
	__u8 src[8] = { 0 };
	size_t i, h = rule * 31 + pkt->family;

	memcpy(src, pkt->saddr, pkt->family == PC_FAMILY_V4 ? 4 : 8);
	for (i = 0; i < 8; i++)
		h = h * 131 + src[i];
	if (!ref_buckets)
		ref_buckets = calloc(REF_BUCKETS, sizeof(*ref_buckets));
	if (!ref_buckets || ref_nbuckets >= REF_BUCKETS / 2)
		abort(); /* more sources than any test uses */
	for (i = h % REF_BUCKETS;; i = (i + 1) % REF_BUCKETS) {
		struct ref_bucket *b = &ref_buckets[i];

		if (!b->used) {
			b->used = 1;
			b->rule = rule;
			b->family = pkt->family;
			memcpy(b->src, src, 8);
			ref_nbuckets++;
			return b;
		}
		if (b->rule == rule && b->family == pkt->family && !memcmp(b->src, src, 8))
			return b;
	}
}

/* A limit rule drops a connection attempt beyond its burst; every other
 * packet of it passes, and takes nothing. */
static enum pc_verdict ref_limit(const struct pc_rule_ast *r, size_t rule, const struct ref_pkt *pkt)
{
	__u32 burst = r->burst ? r->burst : r->rate;
	struct ref_bucket *b;

	if (!pkt->connection)
		return PC_V_PASSED;
	b = ref_bucket(rule, pkt);
	if (b->attempts >= burst)
		return PC_V_DROPPED;
	b->attempts++;
	return PC_V_PASSED;
}

struct pc_ref_result pc_ref_classify(const struct pc_policy *p, const void *frame, size_t len)
{
	struct pc_ref_result res = {
		.verdict = PC_V_PASSED,
		.rule = -1,
		.proto = -1,
		.dport = -1,
		.item_lo = -1,
		.item_hi = -1,
	};
	struct ref_pkt pkt;
	size_t i;

	memset(&pkt, 0, sizeof(pkt));
	res.cls = parse_frame(frame, len, &pkt);
	if (res.cls == PC_REF_MALFORMED) {
		if (p->malformed == PC_ACT_BLOCK)
			res.verdict = PC_V_DROPPED;
		return res;
	}
	if (res.cls != PC_REF_L4)
		return res;

	res.proto = pkt.proto;
	res.dport = pkt.dport;
	res.connection = pkt.connection;
	ref_port_item(p, &pkt, &res);
	for (i = 0; i < p->nrules; i++) {
		const struct pc_rule_ast *r = &p->rules[i];

		if (!(r->protos & (1u << pkt.proto)))
			continue;
		if (!ref_family_match(p, r, pkt.family))
			continue;
		if (!ref_addr_match(p, &r->src, pkt.family, pkt.saddr))
			continue;
		if (!ref_addr_match(p, &r->dst, pkt.family, pkt.daddr))
			continue;
		if (!ref_ports_match(r, pkt.dport))
			continue;
		res.rule = (int)i;
		res.verdict = r->action == PC_ACT_LIMIT ? ref_limit(r, i, &pkt) : action_verdict(r->action);
		res.limited = r->action == PC_ACT_LIMIT && res.verdict == PC_V_DROPPED;
		res.answered = res.verdict == PC_V_REJECTED && answered(&pkt);
		break;
	}
	return res;
}
