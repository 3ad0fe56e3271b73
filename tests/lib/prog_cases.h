/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crafted frames: a case names a frame (addresses, protocol, port, flags
 * and one tweak that bends a header), the verdict the policy must give it
 * and the rule that decides. prog_run_cases() builds each case for every
 * family and VLAN depth it applies to, runs it through XDP and tc and the
 * reference, and checks verdicts and counters.
 */
#ifndef PC_TEST_PROG_CASES_H
#define PC_TEST_PROG_CASES_H

#include "prog_harness.h"

/* The policies the cases are written against, by index (struct tcase.policy). */
enum { CASES_POLICY_BLOCK = 0, CASES_POLICY_MALFORMED_PASS, CASES_POLICY_REJECT, CASES_NPOLICY };
extern const char *const cases_policy[CASES_NPOLICY];

#define F4   0x1
#define F6   0x2
#define F46  (F4 | F6)
#define ONCE 0x4 /* no VLAN variants */

/* Source and destination: IPv4 pair, then IPv6 pair. */
#define SUB_DST   "100.64.1.2", "192.0.2.1", "2001:db8:1000::5", "2001:db8:99::1"
#define SUB_RELAY "100.64.1.2", "198.51.100.25", "2001:db8:1000::5", "2001:db8:25::7"
#define SUB_NEXT  "100.64.1.2", "198.51.100.26", "2001:db8:1000::5", "2001:db8:25:1::1"
#define BIZ_DST   "100.64.10.5", "192.0.2.1", "2001:db8:1000:10::9", "2001:db8:99::1"
#define EXT_DST   "8.8.8.8", "192.0.2.1", "2001:4860::8888", "2001:db8:99::1"
#define EDGE_DST  "100.128.0.0", "192.0.2.1", "2001:db8:2000::", "2001:db8:99::1"
#define LAST_DST  "100.127.255.255", "192.0.2.1", "2001:db8:1fff:ffff:ffff:ffff:ffff:ffff", \
		  "2001:db8:99::1"
#define BAD_DST   "203.0.113.7", "192.0.2.1", "2001:db8:bad::7", "2001:db8:99::1"
#define LIST_IN   "192.0.2.9", "198.51.100.9", "2001:db8:ffff::1", "2001:db8:25::9"
#define LIST_OUT  "192.0.2.9", "203.0.113.1", "2001:db8:ffff::1", "2001:db8:99::1"

enum tweak {
	TW_NONE = 0,
	TW_ICMP,       /* ICMP or ICMPv6 */
	TW_GRE,
	TW_ESP,
	TW_ARP,
	TW_ETHERTYPE,  /* an unknown ethertype */
	TW_3TAGS,
	TW_TAG_CUT,    /* one tag, cut inside it */
	TW_IHL6,
	TW_IHL15,
	TW_IHL4,
	TW_IHL_PAST,   /* IHL 15, no options present */
	TW_VERSION,    /* the other IP version's number */
	TW_TOTLEN,     /* IPv4 total length 19 */
	TW_IP_CUT,     /* the IP header cut short */
	TW_PAD,        /* Ethernet padding past the IP length */
	TW_SHORT_LEN,  /* the IP length ends inside the L4 header; padding follows */
	TW_DOFF4,
	TW_DOFF15,     /* doff 15, options absent */
	TW_TCPOPT,
	TW_L4_CUT,     /* 19 bytes of TCP or 7 of UDP */
	TW_FRAG_FIRST,
	TW_FRAG_TINY,  /* first fragment with 8 bytes of TCP (RFC 1858) */
	TW_FRAG_LATER, /* a non-first fragment */
	TW_EXT2,       /* hop-by-hop, destination options */
	TW_AH,
	TW_EXT8,
	TW_EXT9,
	TW_EXT8_ICMP,
	TW_EXT_CUT,
	TW_EXT8_FRAG,  /* a non-first fragment header as the 8th */
};

struct tcase {
	const char *name;
	unsigned policy;
	unsigned flags; /* F4, F6, ONCE */
	const char *src4, *dst4, *src6, *dst6;
	uint8_t proto;
	uint16_t dport;
	uint8_t tcp_flags;
	enum tweak tweak;
	enum pc_ref_class cls;
	enum pc_verdict verdict;
	int rule;
};

#define SYN PKT_SYN
#define L4(v, r) PC_REF_L4, PC_V_##v, r
#define NOL4(c, v) PC_REF_##c, PC_V_##v, -1

/* Run n cases that use policy, after putting it in force; asserts that
 * the table, the reference and both programs agree, and the counters. */
void prog_run_cases(const struct tcase *cases, size_t n, unsigned policy);
#define PROG_RUN_CASES(cases, policy) prog_run_cases(cases, sizeof(cases) / sizeof(cases[0]), policy)

#endif /* PC_TEST_PROG_CASES_H */
