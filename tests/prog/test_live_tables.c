// SPDX-License-Identifier: GPL-2.0
/*
 * Live table entries in the kernel: a generation built directly with live
 * entries whose expiry is already past, still to come, or none (no
 * sleeping: the index is built as if at time 0, so that the lapsed ones
 * are in it, and the programs compare with the real CLOCK_BOOTTIME).
 * Through XDP and tc, an entry lapsed is absent, nested or not, in both
 * families and both directions; one still to come or without a TTL holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "growable_array.h"
#include "live.h"
#include "prog_harness.h"

static const char policy[] = "table <exempt> { 192.0.2.99 }\n"
			     "table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
			     "pass  proto tcp from <exempt> to port 25\n"
			     "block proto tcp from <subscribers> to port 25\n"
			     "block proto tcp to <exempt> port 587\n";

enum when { PAST, FUTURE, NEVER };

static const struct {
	const char *prefix;
	enum when when;
} live[] = {
	{ "100.64.3.7/32", PAST },
	{ "100.64.3.8/32", FUTURE },
	{ "100.64.3.9/32", NEVER },
	{ "100.64.4.0/24", FUTURE }, /* a lapsed one inside one still holding */
	{ "100.64.4.1/32", PAST },
	{ "100.64.5.0/24", PAST },   /* one holding inside a lapsed one */
	{ "100.64.5.2/32", FUTURE },
	{ "2001:db8:1000::7/128", PAST },
	{ "2001:db8:1000::8/128", FUTURE },
	{ "203.0.113.0/28", PAST },   /* as destinations, to 587 */
	{ "203.0.113.16/28", FUTURE },
};

static const struct {
	const char *src, *dst;
	int dport;
	int verdict;
} frames[] = {
	{ "100.64.3.7", "198.51.100.1", 25, PC_V_DROPPED },
	{ "100.64.3.8", "198.51.100.1", 25, PC_V_PASSED },
	{ "100.64.3.9", "198.51.100.1", 25, PC_V_PASSED },
	{ "100.64.3.10", "198.51.100.1", 25, PC_V_DROPPED },
	{ "100.64.4.1", "198.51.100.1", 25, PC_V_PASSED },
	{ "100.64.4.2", "198.51.100.1", 25, PC_V_PASSED },
	{ "100.64.5.2", "198.51.100.1", 25, PC_V_PASSED },
	{ "100.64.5.3", "198.51.100.1", 25, PC_V_DROPPED },
	{ "192.0.2.99", "198.51.100.1", 25, PC_V_PASSED },
	{ "2001:db8:1000::7", "2001:db8:2::10", 25, PC_V_DROPPED },
	{ "2001:db8:1000::8", "2001:db8:2::10", 25, PC_V_PASSED },
	{ "100.64.0.1", "203.0.113.1", 587, PC_V_PASSED },
	{ "100.64.0.1", "203.0.113.17", 587, PC_V_DROPPED },
	{ "100.64.0.1", "192.0.2.99", 587, PC_V_DROPPED },
};

static __u32 boottime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec;
}

static void add_live(struct pc_live_list *l, const char *text, __u32 until)
{
	struct pc_live_entry e = { .val.until = until };
	struct pc_prefix p;

	assert_int_equal(pkt_prefix(&p, text), 0);
	e.key = pc_live_key_of("exempt", &p);
	assert_int_equal(pc_array_push(l, e), 0);
}

static void test_live_entries_lapse(void **state)
{
	struct pc_compiled *c = calloc(1, sizeof(*c));
	struct pc_live_list l = { 0 };
	struct pc_diag d = { 0 };
	struct pc_policy p;
	__u32 now = boottime_s();
	uint8_t frame[FRAME_CAP];
	struct pkt_desc desc;
	bool ok = true;
	size_t i, len;

	(void)state;
	assert_non_null(c);
	assert_true(now > 100);
	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		add_live(&l, live[i].prefix,
			 live[i].when == PAST ? now - 60 : live[i].when == FUTURE ? now + 3600 : 0);
	pc_live_sort(&l);
	assert_int_equal(prog_parse_policy(policy, &p), 0);
	assert_int_equal(pc_compile(&p, c, &d, 0), 0);
	/* As if at time 0: every entry goes in, the lapsed ones too. */
	assert_int_equal(pc_compiled_set_live(c, &l, 0), 0);
	assert_int_equal(pc_maps_apply(&prog_loaded.maps, c), 0);
	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		char what[128];

		pkt_desc_l4(&desc, frames[i].src, frames[i].dst, TCP, frames[i].dport, PKT_SYN);
		len = pkt_build(&desc, frame, sizeof(frame));
		snprintf(what, sizeof(what), "XDP: %s -> %s:%d", frames[i].src, frames[i].dst,
			 frames[i].dport);
		ok &= ASSERT_EQ(prog_run(prog_loaded.xdp_fd, 1, frame, len), frames[i].verdict, what);
		what[0] = 't', what[1] = 'c', what[2] = ' ';
		ok &= ASSERT_EQ(prog_run(prog_loaded.tc_fd, 0, frame, len), frames[i].verdict, what);
	}
	/* A generation of the same entries at the real time leaves the lapsed
	 * ones out and gives the same verdicts. */
	assert_int_equal(pc_compiled_set_live(c, &l, now), 0);
	assert_int_equal(pc_maps_apply(&prog_loaded.maps, c), 0);
	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		pkt_desc_l4(&desc, frames[i].src, frames[i].dst, TCP, frames[i].dport, PKT_SYN);
		len = pkt_build(&desc, frame, sizeof(frame));
		ok &= ASSERT_EQ(prog_run(prog_loaded.xdp_fd, 1, frame, len), frames[i].verdict,
				"XDP, built without the lapsed entries");
	}
	pc_diag_free(&d);
	pc_live_free(&l);
	pc_compiled_free(c);
	free(c);
	pc_policy_free(&p);
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_entries_lapse),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
