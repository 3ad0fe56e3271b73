// SPDX-License-Identifier: GPL-2.0
/*
 * Per-port counters across apply: a port keeps its counters through every
 * apply, even one that leaves it out for a while; a port new to the
 * policy starts from zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "prog_harness.h"

static void apply_text(const char *text)
{
	assert_true(prog_apply_text(text) >= 0);
}

static __u64 port_dropped(int port)
{
	struct pc_stats *s = stats_read();
	const struct pc_port_stat *ps = find_port(s, PC_PROTO_TCP, port, port);
	__u64 n = ps ? ps->count.v[PC_V_DROPPED].packets : (__u64)-1;

	free(s);
	return n;
}

static void test_port_counters_survive(void **state)
{
	uint8_t frame[256];
	struct pkt_desc d;
	__u64 base;
	size_t len;
	int i;

	(void)state;
	pkt_desc_l4(&d, "100.64.1.2", "203.0.113.10", TCP, 25, PKT_SYN);
	len = pkt_build(&d, frame, sizeof(frame));
	assert_true(len > 0);

	/* Only what this test adds counts. */
	apply_text("block proto tcp to port 25\n");
	base = port_dropped(25);
	for (i = 0; i < 3; i++)
		assert_int_equal(prog_run(prog_loaded.xdp_fd, 1, frame, len), PC_V_DROPPED);
	assert_int_equal(port_dropped(25), base + 3);
	/* Port 25 leaves the policy, a port no policy named before comes... */
	apply_text("block proto tcp to port { 2601, 2602 }\n");
	assert_int_equal(port_dropped(2601), 0);
	assert_int_equal(prog_run(prog_loaded.xdp_fd, 1, frame, len), PC_V_PASSED);
	/* ... and 25 comes back with what it had counted. */
	apply_text("block proto tcp to port 25\nmonitor proto tcp to port 587\n");
	assert_int_equal(port_dropped(25), base + 3);
	assert_int_equal(prog_run(prog_loaded.xdp_fd, 1, frame, len), PC_V_DROPPED);
	assert_int_equal(port_dropped(25), base + 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_counters_survive),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
