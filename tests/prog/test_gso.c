// SPDX-License-Identifier: GPL-2.0
/*
 * GSO on tc (#6): a super-packet that the stack hands to tc whole goes on
 * the wire as gso_segs packets, and is counted so, in the totals, on its
 * port and on its rule; its bytes are the length that tc sees, and it is
 * one connection attempt at most. The skb context of BPF_PROG_TEST_RUN
 * carries gso_segs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "prog_harness.h"

static const char gso_policy[] = "block proto tcp to port 25\n"
				 "monitor proto tcp to port 587\n";

struct gso_frame {
	uint16_t dport;
	uint8_t tcp_flags;
	__u32 gso_segs; /* 0 and 1: not GSO */
};

static const struct gso_frame gso_frames[] = {
	{ 587, PKT_SYN, 0 },
	{ 587, PKT_ACK, 44 }, /* 64 KB of mail in 1448-byte segments */
	{ 587, PKT_ACK, 1 },
	{ 25, PKT_ACK, 3 },
	{ 25, PKT_SYN | PKT_ACK, 2 },
	{ 443, PKT_ACK, 7 },
};

/* One frame through tc with its gso_segs; adds what it must count to e. */
static bool run_gso_frame(const struct pc_policy *p, const struct gso_frame *g, struct expect *e)
{
	struct __sk_buff ctx = { .gso_segs = g->gso_segs, .gso_size = g->gso_segs > 1 ? 1448 : 0 };
	struct pc_ref_result ref;
	uint8_t frame[FRAME_CAP];
	struct pkt_desc d;
	size_t len;

	pkt_desc_l4(&d, "100.64.1.2", "192.0.2.1", TCP, g->dport, g->tcp_flags);
	d.payload = 1000;
	len = pkt_build(&d, frame, sizeof(frame));
	ref = pc_ref_classify(p, frame, len);
	expect_add_packets(e, &ref, len, g->gso_segs > 1 ? g->gso_segs : 1);
	return ASSERT_EQ(prog_run_skb(frame, len, &ctx),
			 ref.verdict == PC_V_PASSED ? PC_V_PASSED : PC_V_DROPPED, "tc verdict");
}

static void test_gso_counts_segments(void **state)
{
	struct expect *e = calloc(1, sizeof(*e));
	struct pc_stats *before, *after;
	const struct pc_port_stat *ps;
	struct pc_policy p;
	bool ok = true;
	size_t i;

	(void)state;
	assert_non_null(e);
	assert_int_equal(prog_parse_policy(gso_policy, &p), 0);
	assert_int_equal(prog_apply_policy(&p), 0);
	before = stats_read_fresh();
	for (i = 0; i < sizeof(gso_frames) / sizeof(gso_frames[0]); i++)
		ok &= run_gso_frame(&p, &gso_frames[i], e);
	after = stats_read();
	ok &= check_counters(before, after, e, p.nrules) == 0;
	/* What the issue saw, spelled out: 1 + 44 + 1 packets, 2 attempts. */
	ps = find_port(after, PC_PROTO_TCP, 587, 587);
	ok &= ps && ASSERT_EQ(ps->count.v[PC_V_PASSED].packets, 46, "tcp/587 passed packets");
	ok &= ps && ASSERT_EQ(ps->count.v[PC_V_PASSED].connections, 1, "tcp/587 connections");
	ok &= ASSERT_EQ(after->totals.packets - before->totals.packets, 1 + 44 + 1 + 3 + 2 + 7,
			"total packets");
	free(before);
	free(after);
	free(e);
	pc_policy_free(&p);
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gso_counts_segments),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
