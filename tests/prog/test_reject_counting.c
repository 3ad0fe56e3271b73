// SPDX-License-Identifier: GPL-2.0
/*
 * Reject rules: the frame is dropped (the reply comes later), and it is
 * counted as rejected, in the totals, on its port beside the ones that a
 * block rule dropped, and on its rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "prog_cases.h"

static const struct tcase reject_cases[] = {
	{ "subscriber SYN to 25 rejected", 2, F46, SUB_DST, TCP, 25, SYN, TW_NONE, L4(REJECTED, 1) },
	{ "subscriber ACK to 25 rejected", 2, F46, SUB_DST, TCP, 25, PKT_ACK, TW_NONE,
	  L4(REJECTED, 1) },
	{ "relay passes before reject", 2, F46, SUB_RELAY, TCP, 25, SYN, TW_NONE, L4(PASSED, 0) },
	{ "outsider to 25 blocked", 2, F46, EXT_DST, TCP, 25, SYN, TW_NONE, L4(DROPPED, 2) },
	{ "udp 53 rejected", 2, F46, SUB_DST, UDP, 53, 0, TW_NONE, L4(REJECTED, 3) },
	{ "udp 53 from outside passes", 2, F46, EXT_DST, UDP, 53, 0, TW_NONE, L4(PASSED, -1) },
	{ "587 monitored", 2, F46, SUB_DST, TCP, 587, SYN, TW_NONE, L4(PASSED, 4) },
	{ "malformed is dropped, not rejected", 2, F46, SUB_DST, TCP, 25, SYN, TW_DOFF4,
	  NOL4(MALFORMED, DROPPED) },
};

static void test_reject_counting(void **state)
{
	(void)state;
	PROG_RUN_CASES(reject_cases, CASES_POLICY_REJECT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reject_counting),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
