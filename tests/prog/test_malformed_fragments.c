// SPDX-License-Identifier: GPL-2.0
/*
 * Headers at their edges: what is not subject to rules (other protocols,
 * a third VLAN tag), IPv4 options and bad IHL, TCP doff, cut headers,
 * padding past the IP length, fragments (RFC 1858's tiny first fragment
 * is malformed, a non-first fragment passes) and chains of IPv6 extension
 * headers; then the same under "set malformed pass".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "prog_cases.h"

static const struct tcase header_cases[] = {
	/* lengths, padding and options */
	{ "tcp options", 0, F46, SUB_DST, TCP, 25, SYN, TW_TCPOPT, L4(DROPPED, 2) },
	{ "Ethernet padding", 0, F46, SUB_DST, TCP, 25, SYN, TW_PAD, L4(DROPPED, 2) },
	{ "TCP header past the IP length, in the padding", 0, F46, SUB_DST, TCP, 25, SYN,
	  TW_SHORT_LEN, NOL4(MALFORMED, DROPPED) },
	{ "UDP header past the IP length, in the padding", 0, F46, SUB_DST, UDP, 53, 0,
	  TW_SHORT_LEN, NOL4(MALFORMED, DROPPED) },
	/* not subject to rules */
	{ "ICMP", 0, F46, SUB_DST, 0, 0, 0, TW_ICMP, NOL4(OTHER, PASSED) },
	{ "GRE", 0, F46, SUB_DST, 0, 0, 0, TW_GRE, NOL4(OTHER, PASSED) },
	{ "ESP", 0, F46, SUB_DST, 0, 0, 0, TW_ESP, NOL4(OTHER, PASSED) },
	{ "ARP", 0, F4, SUB_DST, 0, 0, 0, TW_ARP, NOL4(OTHER, PASSED) },
	{ "unknown ethertype", 0, F4, SUB_DST, 0, 0, 0, TW_ETHERTYPE, NOL4(OTHER, PASSED) },
	{ "three VLAN tags", 0, F46 | ONCE, SUB_DST, TCP, 25, SYN, TW_3TAGS, NOL4(OTHER, PASSED) },
	{ "VLAN tag cut", 0, F4 | ONCE, SUB_DST, TCP, 25, SYN, TW_TAG_CUT, NOL4(OTHER, PASSED) },

	/* IP headers */
	{ "IHL 6 (options skipped)", 0, F4, SUB_DST, TCP, 25, SYN, TW_IHL6, L4(DROPPED, 2) },
	{ "IHL 15 (options skipped)", 0, F4, SUB_DST, TCP, 587, SYN, TW_IHL15, L4(PASSED, 3) },
	{ "IHL 4", 0, F4, SUB_DST, TCP, 25, SYN, TW_IHL4, NOL4(MALFORMED, DROPPED) },
	{ "IHL past the frame", 0, F4, SUB_DST, TCP, 25, SYN, TW_IHL_PAST, NOL4(MALFORMED, DROPPED) },
	{ "wrong IP version", 0, F46, SUB_DST, TCP, 25, SYN, TW_VERSION, NOL4(MALFORMED, DROPPED) },
	{ "total length below the header", 0, F4, SUB_DST, TCP, 25, SYN, TW_TOTLEN,
	  NOL4(MALFORMED, DROPPED) },
	{ "IP header cut", 0, F46, SUB_DST, TCP, 25, SYN, TW_IP_CUT, NOL4(MALFORMED, DROPPED) },

	/* L4 headers */
	{ "doff 4", 0, F46, SUB_DST, TCP, 25, SYN, TW_DOFF4, NOL4(MALFORMED, DROPPED) },
	{ "doff 15, options absent", 0, F46, SUB_DST, TCP, 25, SYN, TW_DOFF15, L4(DROPPED, 2) },
	{ "TCP header cut", 0, F46, SUB_DST, TCP, 443, SYN, TW_L4_CUT, NOL4(MALFORMED, DROPPED) },
	{ "UDP header cut", 0, F46, SUB_DST, UDP, 53, 0, TW_L4_CUT, NOL4(MALFORMED, DROPPED) },

	/* fragments */
	{ "first fragment, whole header", 0, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_FIRST, L4(DROPPED, 2) },
	{ "tiny first fragment (RFC 1858)", 0, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_TINY,
	  NOL4(MALFORMED, DROPPED) },
	{ "non-first fragment", 0, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_LATER, NOL4(FRAGMENT, PASSED) },
	{ "non-first UDP fragment", 0, F46, EXT_DST, UDP, 53, 0, TW_FRAG_LATER,
	  NOL4(FRAGMENT, PASSED) },

	/* IPv6 extension headers */
	{ "hop-by-hop and destination options", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT2, L4(DROPPED, 2) },
	{ "AH", 0, F6, SUB_DST, TCP, 25, SYN, TW_AH, L4(DROPPED, 2) },
	{ "8 extension headers are walked", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT8, L4(DROPPED, 2) },
	{ "8 extension headers, relay", 0, F6, SUB_RELAY, TCP, 25, SYN, TW_EXT8, L4(PASSED, 1) },
	{ "9 extension headers are malformed", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT9,
	  NOL4(MALFORMED, DROPPED) },
	{ "8 extension headers then ICMPv6", 0, F6, SUB_DST, 58, 0, 0, TW_EXT8_ICMP,
	  NOL4(OTHER, PASSED) },
	{ "extension header cut", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT_CUT, NOL4(MALFORMED, DROPPED) },
	{ "non-first fragment as the 8th header", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT8_FRAG,
	  NOL4(FRAGMENT, PASSED) },

};

static const struct tcase malformed_pass_cases[] = {
	{ "malformed pass: rules still apply", 1, F46, SUB_DST, TCP, 25, SYN, TW_NONE, L4(DROPPED, 2) },
	{ "malformed pass: relay", 1, F46, SUB_RELAY, TCP, 25, SYN, TW_NONE, L4(PASSED, 1) },
	{ "malformed pass: IHL 4", 1, F4, SUB_DST, TCP, 25, SYN, TW_IHL4, NOL4(MALFORMED, PASSED) },
	{ "malformed pass: doff 4", 1, F46, SUB_DST, TCP, 25, SYN, TW_DOFF4, NOL4(MALFORMED, PASSED) },
	{ "malformed pass: tiny fragment", 1, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_TINY,
	  NOL4(MALFORMED, PASSED) },
	{ "malformed pass: 9 extension headers", 1, F6, SUB_DST, TCP, 25, SYN, TW_EXT9,
	  NOL4(MALFORMED, PASSED) },
	{ "malformed pass: non-first fragment", 1, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_LATER,
	  NOL4(FRAGMENT, PASSED) },
};

static void test_headers(void **state)
{
	(void)state;
	PROG_RUN_CASES(header_cases, CASES_POLICY_BLOCK);
}

static void test_malformed_pass(void **state)
{
	(void)state;
	PROG_RUN_CASES(malformed_pass_cases, CASES_POLICY_MALFORMED_PASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_malformed_pass),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
