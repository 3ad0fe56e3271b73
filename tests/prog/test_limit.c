// SPDX-License-Identifier: GPL-2.0
/*
 * limit rules: a source's connection attempts pass up to the burst, the
 * next is dropped and counted dropped on its rule and its port; the rest
 * of a connection passes; every source (IPv4 /32, IPv6 /64) has a bucket
 * of its own; the same rule applied again keeps its buckets; and the rate
 * holds across CPUs: two threads on two CPUs sending for one source get
 * exactly the burst between them.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "prog_harness.h"

#define BURST 5
/* An hour between attempts: nothing refills while a test runs. */
static const char POLICY[] = "table <subs> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
			     "pass proto tcp to port 443\n"
			     "limit proto tcp from <subs> to port 587 rate 1/hour burst 5\n"
			     "block proto tcp to port 25\n";
#define LIMIT_RULE 1

static size_t frame_of(const char *src, const char *dst, uint8_t flags, uint8_t *buf)
{
	struct pkt_desc d;
	size_t len;

	pkt_desc_l4(&d, src, dst, TCP, 587, flags);
	len = pkt_build(&d, buf, FRAME_CAP);
	assert_true(len > 0);
	return len;
}

/* How many of n frames from src pass the XDP program. */
static unsigned passed_of(const char *src, uint8_t flags, unsigned n)
{
	const char *dst = strchr(src, ':') ? "2001:db8:99::1" : "192.0.2.1";
	uint8_t frame[FRAME_CAP];
	size_t len = frame_of(src, dst, flags, frame);
	unsigned i, passed = 0;

	for (i = 0; i < n; i++)
		passed += prog_run(prog_loaded.xdp_fd, 1, frame, len) == PC_V_PASSED;
	return passed;
}

static int setup(void **state)
{
	(void)state;
	if (prog_apply_text(POLICY) < 0)
		return -1;
	return prog_limit_reset();
}

static void test_burst_then_drop(void **state)
{
	struct pc_stats *before, *after;
	const struct pc_port_stat *pb, *pa;
	const struct pc_rule_stat *r;

	(void)state;
	before = stats_read();
	assert_int_equal(passed_of("100.64.1.1", PKT_SYN, BURST + 3), BURST);
	after = stats_read();
	r = &after->rules[LIMIT_RULE];
	assert_int_equal(r->count.packets - before->rules[LIMIT_RULE].count.packets, BURST + 3);
	assert_int_equal(r->count.connections - before->rules[LIMIT_RULE].count.connections,
			 BURST + 3);
	assert_int_equal(r->dropped.packets - before->rules[LIMIT_RULE].dropped.packets, 3);
	assert_int_equal(r->dropped.connections - before->rules[LIMIT_RULE].dropped.connections, 3);
	pb = find_port(before, PC_PROTO_TCP, 587, 587);
	pa = find_port(after, PC_PROTO_TCP, 587, 587);
	assert_non_null(pb);
	assert_non_null(pa);
	assert_int_equal(pa->count.v[PC_V_DROPPED].packets - pb->count.v[PC_V_DROPPED].packets, 3);
	assert_int_equal(pa->count.v[PC_V_PASSED].packets - pb->count.v[PC_V_PASSED].packets, BURST);
	assert_int_equal(after->totals.by_reason[PC_R_DROP_LIMIT] -
				 before->totals.by_reason[PC_R_DROP_LIMIT], 3);
	assert_int_equal(after->totals.dropped - before->totals.dropped, 3);
	free(before);
	free(after);

	/* The rest of a connection is no attempt: it passes, and takes
	 * nothing from the bucket. */
	assert_int_equal(passed_of("100.64.1.1", PKT_ACK, 20), 20);
	assert_int_equal(passed_of("100.64.1.1", PKT_SYN | PKT_ACK, 3), 3);
	assert_int_equal(passed_of("100.64.1.1", PKT_SYN, 1), 0);
	/* Another address has its own bucket, as has a source outside the
	 * rule, which it does not limit. */
	assert_int_equal(passed_of("100.64.1.2", PKT_SYN, BURST + 1), BURST);
	assert_int_equal(passed_of("203.0.113.9", PKT_SYN, BURST + 5), BURST + 5);
}

static void test_v6_per_64(void **state)
{
	(void)state;
	assert_int_equal(passed_of("2001:db8:1000:1::1", PKT_SYN, BURST + 2), BURST);
	/* The same /64: the same bucket, empty now. */
	assert_int_equal(passed_of("2001:db8:1000:1:ffff::2", PKT_SYN, 2), 0);
	/* Another /64: a bucket of its own. */
	assert_int_equal(passed_of("2001:db8:1000:2::1", PKT_SYN, BURST + 2), BURST);
	/* An IPv4 address whose bits begin the same has its own too. */
	assert_int_equal(passed_of("100.64.1.3", PKT_SYN, BURST), BURST);
}

/* A routine apply of the same rule (here moved, beside another policy)
 * keeps the rule's buckets; a rule with another rate starts afresh. */
static void test_apply_keeps_buckets(void **state)
{
	(void)state;
	assert_int_equal(passed_of("100.64.2.1", PKT_SYN, BURST + 1), BURST);
	assert_true(prog_apply_text("table <subs> { 100.64.0.0/10, 2001:db8:1000::/36, 192.0.2.0/24 }\n"
				    "block proto tcp to port 2525\n"
				    "limit proto tcp from <subs> to port 587 rate 1/hour burst 5\n") >= 0);
	assert_int_equal(passed_of("100.64.2.1", PKT_SYN, 1), 0);
	assert_true(prog_apply_text("table <subs> { 100.64.0.0/10 }\n"
				    "limit proto tcp from <subs> to port 587 rate 2/hour burst 5\n") >= 0);
	assert_int_equal(passed_of("100.64.2.1", PKT_SYN, BURST + 1), BURST);
	assert_true(prog_apply_text(POLICY) >= 0);
}

struct runner {
	int cpu;
	const uint8_t *frame;
	size_t len;
	unsigned n, passed;
	int err;
};

static void *run_on_cpu(void *arg)
{
	struct runner *r = arg;
	cpu_set_t set;
	unsigned i;
	int v;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	r->err = sched_setaffinity(0, sizeof(set), &set);
	for (i = 0; !r->err && i < r->n; i++) {
		v = prog_run(prog_loaded.xdp_fd, 1, r->frame, r->len);
		if (v < 0)
			r->err = -1;
		r->passed += v == PC_V_PASSED;
	}
	return NULL;
}

/* Two CPUs at once, one source, no refill: exactly the burst passes
 * between them, however their attempts interleave. */
static void test_across_cpus(void **state)
{
	const unsigned burst = 1000, n = 4000;
	uint8_t frame[FRAME_CAP];
	struct runner r[2];
	pthread_t t[2];
	size_t len;
	int i, round;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	assert_true(prog_apply_text("limit proto tcp to port 587 rate 1/hour burst 1000\n") >= 0);
	len = frame_of("198.51.100.7", "192.0.2.1", PKT_SYN, frame);
	for (round = 0; round < 3; round++) {
		assert_int_equal(prog_limit_reset(), 0);
		for (i = 0; i < 2; i++) {
			r[i] = (struct runner){ .cpu = i, .frame = frame, .len = len, .n = n };
			assert_int_equal(pthread_create(&t[i], NULL, run_on_cpu, &r[i]), 0);
		}
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		printf("# round %d: CPU 0 passed %u, CPU 1 passed %u of %u each\n", round,
		       r[0].passed, r[1].passed, n);
		assert_int_equal(r[0].err, 0);
		assert_int_equal(r[1].err, 0);
		assert_int_equal(r[0].passed + r[1].passed, burst);
	}
	assert_true(prog_apply_text(POLICY) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_burst_then_drop, setup),
		cmocka_unit_test_setup(test_v6_per_64, setup),
		cmocka_unit_test_setup(test_apply_keeps_buckets, setup),
		cmocka_unit_test(test_across_cpus),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
