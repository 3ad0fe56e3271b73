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

/* "block proto tcp to port { lo, lo + 1, ... }": n ports, each its own item. */
static char *ports_policy(unsigned lo, unsigned n)
{
	size_t cap = 64 + 7 * (size_t)n, used;
	char *text = malloc(cap);
	unsigned i;

	assert_non_null(text);
	used = (size_t)snprintf(text, cap, "block proto tcp to port {");
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, cap - used, "%s %u", i ? "," : "", lo + i);
	snprintf(text + used, cap - used, " }\n");
	return text;
}

static int apply_ports(unsigned lo, unsigned n)
{
	char *text = ports_policy(lo, n);
	int err = prog_apply_text(text);

	free(text);
	return err;
}

static void drop_on(int port, int times)
{
	uint8_t frame[256];
	struct pkt_desc d;
	size_t len;

	pkt_desc_l4(&d, "100.64.1.2", "203.0.113.10", TCP, (uint16_t)port, PKT_SYN);
	len = pkt_build(&d, frame, sizeof(frame));
	while (times--)
		assert_int_equal(prog_run(prog_loaded.xdp_fd, 1, frame, len), PC_V_DROPPED);
}

/* #1: a policy at the port limit applies whatever is in force, and the
 * policy in force never blocks the next one. */
static void test_full_policies_replace_each_other(void **state)
{
	(void)state;
	assert_int_equal(apply_ports(1, PC_MAX_PORT_ITEMS), 0);
	drop_on(600, 2);
	assert_int_equal(port_dropped(600), 2);
	/* Half the ports kept, half new: 1,536 items between the two. */
	assert_int_equal(apply_ports(513, PC_MAX_PORT_ITEMS), 0);
	assert_int_equal(port_dropped(600), 2);
	assert_int_equal(port_dropped(1536), 0);
	drop_on(600, 1);
	/* All new: 2,048 items between the two. */
	assert_int_equal(apply_ports(20001, PC_MAX_PORT_ITEMS), 0);
	assert_int_equal(port_dropped(20001 + PC_MAX_PORT_ITEMS - 1), 0);
	/* And a small one after them; 600 comes back with its count. */
	assert_int_equal(apply_ports(598, 5), 0);
	assert_int_equal(port_dropped(600), 3);
	assert_int_equal(apply_ports(1, PC_MAX_PORT_ITEMS), 0);
	assert_int_equal(port_dropped(600), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_counters_survive),
		cmocka_unit_test(test_full_policies_replace_each_other),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
