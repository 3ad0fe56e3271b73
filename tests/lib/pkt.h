/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test frames: a builder driven by a plain description, a random generator
 * biased towards a policy, and a mutator. Checksums are left zero: nothing
 * that runs these frames checks them.
 */
#ifndef PC_TEST_PKT_H
#define PC_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "policy.h"

/* xorshift64*: small, seeded, repeatable. */
struct rng {
	uint64_t s;
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
uint32_t rng_below(struct rng *r, uint32_t n); /* 0 .. n-1; 0 when n == 0 */
int rng_chance(struct rng *r, unsigned percent);

enum pkt_l3 {
	PKT_L3_NONE = 0, /* Ethernet (and tags), then d->payload bytes */
	PKT_L3_IPV4,
	PKT_L3_IPV6,
	PKT_L3_ARP,
};

#define PKT_MAX_VLAN 3 /* one more than portcullis walks, to test that */
#define PKT_MAX_EXT  12

#define PKT_IP_DF 0x4000 /* struct pkt_desc.frag */
#define PKT_IP_MF 0x2000

#define PKT_FIN 0x01
#define PKT_SYN 0x02
#define PKT_RST 0x04
#define PKT_PSH 0x08
#define PKT_ACK 0x10

#define PKT_ETH_8021Q  0x8100
#define PKT_ETH_8021AD 0x88a8
#define PKT_ETH_IPV4   0x0800
#define PKT_ETH_IPV6   0x86DD
#define PKT_ETH_ARP    0x0806

#define PKT_EXT_HOP  0
#define PKT_EXT_RT   43
#define PKT_EXT_FRAG 44
#define PKT_EXT_AH   51
#define PKT_EXT_DST  60

/* One IPv6 extension header. Its body is zeros (Pad1 options). */
struct pkt_ext {
	uint8_t type; /* PKT_EXT_* (anything else is written the same way) */
	uint8_t len;  /* the Hdr Ext Len / Payload Len field; fragment: unused */
	uint16_t frag_off; /* fragment: offset in 8-octet units */
	uint8_t more;      /* fragment: the M flag */
};

/* A frame. Zero means "the natural value" wherever a comment says so. */
struct pkt_desc {
	uint8_t nvlan;
	uint16_t tpid[PKT_MAX_VLAN]; /* 0: 802.1ad for the outer of several, else 802.1Q */
	uint16_t vid[PKT_MAX_VLAN];
	uint16_t ethertype; /* 0: from l3 (and 0x88b5 with PKT_L3_NONE) */
	enum pkt_l3 l3;
	uint8_t src[16], dst[16]; /* network order; IPv4 uses the first 4 bytes */
	uint8_t version; /* 0: 4 or 6 */
	/* IPv4 */
	uint8_t opt_len; /* option bytes, rounded up to a multiple of 4 */
	uint8_t ihl;     /* 0: 5 + opt_len / 4 */
	uint16_t frag;   /* flags and offset, host order: PKT_IP_DF | PKT_IP_MF | offset */
	uint16_t tot_len; /* 0: the true length (IPv4 total length, IPv6 payload length) */
	/* IPv6 */
	uint8_t next_ext;
	struct pkt_ext ext[PKT_MAX_EXT];
	/* L4 */
	uint8_t proto; /* 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6; anything else: payload only */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t doff;    /* 0: 5 + tcp_opt / 4 */
	uint8_t tcp_opt; /* TCP option bytes, rounded up to a multiple of 4 */
	uint16_t payload; /* bytes after the last header */
	uint16_t pad;     /* zero bytes after the datagram, outside its length */
	uint16_t trunc;   /* > 0: cut the frame to this many bytes */
};

/* Build d into buf. Returns the frame length, or 0 if cap is too small. */
size_t pkt_build(const struct pkt_desc *d, uint8_t *buf, size_t cap);

/* Where pkt_build puts the L4 header of d (what follows the IP header and
 * the extension headers actually written). */
size_t pkt_l4_offset(const struct pkt_desc *d);

/* Parse an IPv4 or IPv6 address into out (network order, IPv4 in the first
 * 4 bytes). Returns PC_FAMILY_V4, PC_FAMILY_V6, or 0 if it is neither. */
int pkt_addr(uint8_t out[16], const char *s);

/* Parse "ADDR/LEN" (IPv4 or IPv6) into out. 0, or -1 if it is not one. */
int pkt_prefix(struct pc_prefix *out, const char *s);

/* A random prefix of family, of a length from lo to hi, inside pool (a
 * prefix of length plen), drawn with random() (seeded by srandom()). */
struct pc_prefix pkt_prefix_in(__u8 family, const __u8 pool[16], int plen, int lo, int hi);

/* A TCP or UDP frame between two addresses (of one family) to dport. */
void pkt_desc_l4(struct pkt_desc *d, const char *src, const char *dst, uint8_t proto,
		 uint16_t dport, uint8_t tcp_flags);

/* A random frame, biased towards what p names: addresses in and just out
 * of its prefixes, its ports and their neighbours. p may be NULL. */
size_t pkt_random(struct rng *r, const struct pc_policy *p, uint8_t *buf, size_t cap);

/* Leave out the rules of p that can never match (an IPv4-only side with
 * an IPv6-only side), which the compiler refuses: random policies make
 * some. */
void pkt_policy_drop_never_matching(struct pc_policy *p);

/* Damage a frame in place: flip bytes, truncate, or spoil IHL, doff,
 * version or a length. Returns the new length; it cuts no shorter than min_len. */
size_t pkt_mutate(struct rng *r, uint8_t *buf, size_t len, size_t cap, size_t min_len);

/* The frame in hex on one line. */
void pkt_hex(FILE *out, const uint8_t *buf, size_t len);

#endif /* PC_TEST_PKT_H */
