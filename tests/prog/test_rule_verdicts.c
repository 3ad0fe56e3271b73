// SPDX-License-Identifier: GPL-2.0
/*
 * Rules decide: crafted frames against a policy of exemptions, tables,
 * negated sets, port ranges and a catch-all, for IPv4 and IPv6, untagged,
 * with one VLAN tag and with two. Every verdict and deciding rule is
 * written down here, checked against the reference and both programs, and
 * the counters must add up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "prog_cases.h"

static const struct tcase rule_cases[] = {
	{ "port 25 blocked", 0, F46, SUB_DST, TCP, 25, SYN, TW_NONE, L4(DROPPED, 2) },
	{ "port 25 ACK blocked", 0, F46, SUB_DST, TCP, 25, PKT_ACK, TW_NONE, L4(DROPPED, 2) },
	{ "business customer exempt", 0, F46, BIZ_DST, TCP, 25, SYN, TW_NONE, L4(PASSED, 0) },
	{ "relay exemption", 0, F46, SUB_RELAY, TCP, 25, SYN, TW_NONE, L4(PASSED, 1) },
	{ "next to the relay", 0, F46, SUB_NEXT, TCP, 25, SYN, TW_NONE, L4(DROPPED, 2) },
	{ "just past the pool", 0, F46, EDGE_DST, TCP, 25, SYN, TW_NONE, L4(DROPPED, 8) },
	{ "last of the pool", 0, F46, LAST_DST, TCP, 25, SYN, TW_NONE, L4(DROPPED, 2) },
	{ "587 monitored", 0, F46, SUB_DST, TCP, 587, SYN, TW_NONE, L4(PASSED, 3) },
	{ "2525 monitored", 0, F46, EXT_DST, TCP, 2525, SYN, TW_NONE, L4(PASSED, 3) },
	{ "443 matches nothing", 0, F46, SUB_DST, TCP, 443, SYN, TW_NONE, L4(PASSED, -1) },
	{ "udp high port from a bad net", 0, F46, BAD_DST, UDP, 5000, 0, TW_NONE, L4(DROPPED, 4) },
	{ "tcp high port from a bad net", 0, F46, BAD_DST, TCP, 65535, SYN, TW_NONE, L4(DROPPED, 4) },
	{ "udp 53 from outside (negated table)", 0, F46, EXT_DST, UDP, 53, 0, TW_NONE,
	  L4(DROPPED, 5) },
	{ "udp 53 from a subscriber", 0, F46, SUB_DST, UDP, 53, 0, TW_NONE, L4(PASSED, -1) },
	{ "udp 25 has no rule", 0, F46, SUB_DST, UDP, 25, 0, TW_NONE, L4(PASSED, -1) },
	{ "negated list, destination inside", 0, F46, LIST_IN, TCP, 22, SYN, TW_NONE, L4(PASSED, -1) },
	{ "negated list, destination outside", 0, F46, LIST_OUT, TCP, 22, SYN, TW_NONE,
	  L4(DROPPED, 6) },
	{ "list rule before the catch-all", 0, F46, LIST_OUT, TCP, 25, SYN, TW_NONE, L4(DROPPED, 6) },
	{ "negated IPv6 prefix, destination outside", 0, F6, LIST_OUT, UDP, 9999, 0, TW_NONE,
	  L4(DROPPED, 7) },
	{ "IPv6-only source list, IPv4 packet", 0, F4, LIST_OUT, UDP, 9999, 0, TW_NONE,
	  L4(PASSED, -1) },
};

static void test_rule_verdicts(void **state)
{
	(void)state;
	PROG_RUN_CASES(rule_cases, CASES_POLICY_BLOCK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_verdicts),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
