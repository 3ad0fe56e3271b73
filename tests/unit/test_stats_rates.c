// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the rates of stats --watch (user/commands/stats_rates.c):
 * the growth a second of ports, rules and totals between two snapshots,
 * and the cases with no rate to give: the first snapshot, a new policy
 * generation (rule counters started again), a port new to the policy and
 * counters that went back. A rate is never negative. Drawing them is
 * tested end to end by tests/e2e/test_stats_watch.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "stats_rates.h"

static struct pc_stats before, now;
static struct pc_stats_rates r;

/* A policy generation with tcp/25 and tcp/587, and two rules. */
static void snapshot(struct pc_stats *s, __u64 generation, __u64 base)
{
	memset(s, 0, sizeof(*s));
	s->hdr.generation = generation;
	s->nports = 2;
	s->ports[0] = (struct pc_port_stat){ .proto = PC_PROTO_TCP, .lo = 25, .hi = 25 };
	s->ports[1] = (struct pc_port_stat){ .proto = PC_PROTO_TCP, .lo = 587, .hi = 587 };
	s->ports[0].count.v[PC_V_DROPPED] = (struct pc_count){ base, base * 60, base };
	s->ports[0].count.v[PC_V_PASSED] = (struct pc_count){ base * 2, base * 100, base / 2 };
	s->ports[1].count.v[PC_V_PASSED] = (struct pc_count){ base * 3, base * 100, 0 };
	s->nrules = 2;
	s->rules[0].count = (struct pc_count){ base, base * 60, base };
	s->rules[1].count = (struct pc_count){ base * 3, base * 100, 0 };
	s->totals.packets = base * 6 + 10;
}

static void assert_rate(const struct pc_rate *got, double packets, double connections)
{
	assert_true(got->known);
	assert_true(got->packets == packets);
	assert_true(got->connections == connections);
}

static void assert_unknown(const struct pc_rate *got)
{
	assert_false(got->known);
	assert_true(got->packets == 0 && got->connections == 0);
}

static void test_first_snapshot(void **state)
{
	snapshot(&now, 1, 100);
	pc_stats_rates(&r, NULL, &now, 1);
	assert_true(r.interval == 0);
	assert_false(r.new_generation);
	assert_false(r.restarted);
	assert_unknown(&r.totals);
	assert_unknown(&r.ports[0]);
	assert_unknown(&r.ports[1]);
	assert_unknown(&r.rules[0]);
	assert_unknown(&r.rules[1]);
}

static void test_steady(void **state)
{
	snapshot(&before, 1, 100);
	snapshot(&now, 1, 300);
	pc_stats_rates(&r, &before, &now, 0.5);
	assert_true(r.interval == 0.5);
	assert_false(r.new_generation);
	assert_false(r.restarted);
	/* tcp/25: 200 dropped and 400 passed packets, 200 + 100 connections. */
	assert_rate(&r.ports[0], 1200, 600);
	assert_rate(&r.ports[1], 1200, 0);
	assert_rate(&r.rules[0], 400, 400);
	assert_rate(&r.rules[1], 1200, 0);
	assert_rate(&r.totals, 2400, 0);
}

static void test_idle(void **state)
{
	snapshot(&before, 1, 100);
	snapshot(&now, 1, 100);
	pc_stats_rates(&r, &before, &now, 2);
	assert_rate(&r.ports[0], 0, 0);
	assert_rate(&r.rules[1], 0, 0);
	assert_rate(&r.totals, 0, 0);
}

/* Rule counters start again with each generation: rule 1 of the new one
 * counted less than rule 1 of the old, and may be another rule. Port
 * counters survive the apply, and keep their rates. */
static void test_new_generation(void **state)
{
	snapshot(&before, 1, 300);
	snapshot(&now, 2, 400);
	now.rules[0].count = (struct pc_count){ 5, 300, 5 };
	now.rules[1].count = (struct pc_count){ 1000, 100000, 0 };
	pc_stats_rates(&r, &before, &now, 1);
	assert_true(r.new_generation);
	assert_false(r.restarted);
	assert_unknown(&r.rules[0]);
	assert_unknown(&r.rules[1]);
	assert_rate(&r.ports[0], 300, 150);
	assert_rate(&r.totals, 600, 0);
	/* The next snapshot, of the same generation, has rule rates again. */
	before = now;
	now.rules[0].count.packets += 7;
	now.rules[0].count.connections += 7;
	pc_stats_rates(&r, &before, &now, 1);
	assert_false(r.new_generation);
	assert_rate(&r.rules[0], 7, 7);
	assert_rate(&r.rules[1], 0, 0);
}

/* A policy with fewer rules, then more: a rule with no earlier count has
 * no rate, whatever its generation says. */
static void test_rules_added(void **state)
{
	snapshot(&before, 3, 10);
	snapshot(&now, 3, 10);
	before.nrules = 1;
	pc_stats_rates(&r, &before, &now, 1);
	assert_rate(&r.rules[0], 0, 0);
	assert_unknown(&r.rules[1]);
}

/* A port new to the policy has no earlier count: its counter may hold
 * counts from an earlier generation that named it. Ports are matched by
 * item, not by place. */
static void test_port_added_and_moved(void **state)
{
	snapshot(&before, 1, 100);
	snapshot(&now, 2, 100);
	now.ports[2] = now.ports[0];
	now.ports[0] = (struct pc_port_stat){ .proto = PC_PROTO_UDP, .lo = 1024, .hi = 65535 };
	now.ports[0].count.v[PC_V_DROPPED].packets = 1000000;
	now.nports = 3;
	now.ports[2].count.v[PC_V_DROPPED].packets += 50;
	pc_stats_rates(&r, &before, &now, 1);
	assert_unknown(&r.ports[0]);
	assert_rate(&r.ports[1], 0, 0);
	assert_rate(&r.ports[2], 50, 0);
	assert_false(r.restarted);
}

/* Counters that went back started again (portcullis detached and loaded
 * again, or a forgotten port item's counter reused): no rate, never a
 * negative one, and said. A counter that went back in one verdict only
 * takes its port's rate with it. */
static void test_counters_went_back(void **state)
{
	snapshot(&before, 1, 300);
	snapshot(&now, 1, 300);
	now.ports[0].count.v[PC_V_DROPPED].connections = 2;
	now.ports[0].count.v[PC_V_PASSED].packets += 1000;
	now.rules[1].count.packets = 1;
	now.totals.packets = 3;
	pc_stats_rates(&r, &before, &now, 1);
	assert_true(r.restarted);
	assert_false(r.new_generation);
	assert_unknown(&r.ports[0]);
	assert_rate(&r.ports[1], 0, 0);
	assert_rate(&r.rules[0], 0, 0);
	assert_unknown(&r.rules[1]);
	assert_unknown(&r.totals);
}

/* Only the packets of a rule went back: no rate for it either. */
static void test_connections_only_went_back(void **state)
{
	snapshot(&before, 1, 300);
	snapshot(&now, 1, 300);
	now.rules[0].count.packets += 10;
	now.rules[0].count.connections -= 1;
	pc_stats_rates(&r, &before, &now, 1);
	assert_true(r.restarted);
	assert_unknown(&r.rules[0]);
}

/* No interval (a clock that did not move) gives no rate, not a division
 * by zero. */
static void test_no_interval(void **state)
{
	snapshot(&before, 1, 100);
	snapshot(&now, 1, 200);
	pc_stats_rates(&r, &before, &now, 0);
	assert_true(r.interval == 0);
	assert_unknown(&r.ports[0]);
	assert_unknown(&r.rules[0]);
	assert_unknown(&r.totals);
}

/* The largest counts: no overflow in the difference. */
static void test_large_counts(void **state)
{
	snapshot(&before, 1, 0);
	snapshot(&now, 1, 0);
	before.totals.packets = UINT64_MAX - 1000;
	now.totals.packets = UINT64_MAX;
	pc_stats_rates(&r, &before, &now, 4);
	assert_rate(&r.totals, 250, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_snapshot),
		cmocka_unit_test(test_steady),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_new_generation),
		cmocka_unit_test(test_rules_added),
		cmocka_unit_test(test_port_added_and_moved),
		cmocka_unit_test(test_counters_went_back),
		cmocka_unit_test(test_connections_only_went_back),
		cmocka_unit_test(test_no_interval),
		cmocka_unit_test(test_large_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
