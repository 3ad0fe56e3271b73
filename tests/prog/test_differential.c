// SPDX-License-Identifier: GPL-2.0
/*
 * The differential run: random and mutated frames, biased towards what
 * each policy names, under several policies (the ISP one with a
 * 10,000-prefix table, negations, inline lists and ranges, random rules),
 * through both programs and the reference classifier. Verdicts must agree
 * frame by frame, and the counters must add up to the reference results.
 *
 * Limit rules keep state (refclass.h): the buckets, the kernel's and the
 * reference's, are emptied before each policy.
 *
 * PC_SEED=N repeats a run; PC_DIFF_FRAMES=N sets the frames per policy
 * (default 40000); PC_SHOW_POLICY=1 prints the generated policies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "prog_harness.h"

struct sbuf {
	char *s;
	size_t n;
	FILE *f;
};

static void sb_open(struct sbuf *b)
{
	b->s = NULL;
	b->n = 0;
	b->f = open_memstream(&b->s, &b->n);
	assert_non_null(b->f);
}

static char *sb_close(struct sbuf *b)
{
	fclose(b->f);
	return b->s;
}

/* A random prefix in text form; with a parent, one inside it. */
static void rand_prefix(struct rng *r, int family, const struct pc_prefix *parent,
			struct pc_prefix *out)
{
	int bits = family == PC_FAMILY_V4 ? 32 : 128, i;

	memset(out, 0, sizeof(*out));
	out->family = (__u8)family;
	for (i = 0; i < bits / 8; i++)
		out->addr[i] = (uint8_t)rng_next(r);
	if (family == PC_FAMILY_V6 && rng_chance(r, 70)) {
		out->addr[0] = 0x20;
		out->addr[1] = 0x01;
		out->addr[2] = 0x0d;
		out->addr[3] = 0xb8;
	}
	if (parent && parent->len < bits) {
		int extra = 1 + (int)rng_below(r, (uint32_t)(bits - parent->len < 16 ?
								  bits - parent->len : 16));

		for (i = 0; i < parent->len; i++) {
			uint8_t m = (uint8_t)(0x80 >> (i % 8));

			out->addr[i / 8] = (uint8_t)((out->addr[i / 8] & ~m) | (parent->addr[i / 8] & m));
		}
		out->len = (__u8)(parent->len + extra);
	} else if (family == PC_FAMILY_V4) {
		static const uint8_t lens[] = { 8, 10, 12, 16, 20, 22, 24, 24, 26, 28, 30, 32, 32 };

		out->len = lens[rng_below(r, sizeof(lens))];
	} else {
		static const uint8_t lens[] = { 16, 29, 32, 36, 40, 48, 56, 64, 64, 96, 120, 128 };

		out->len = lens[rng_below(r, sizeof(lens))];
	}
	for (i = out->len; i < bits; i++)
		out->addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

static void print_prefix(FILE *f, const struct pc_prefix *p)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family == PC_FAMILY_V4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (p->len == (p->family == PC_FAMILY_V4 ? 32 : 128))
		fprintf(f, "%s", a);
	else
		fprintf(f, "%s/%u", a, p->len);
}

/* n prefixes, both families, some nested in earlier ones. */
static void print_prefixes(FILE *f, struct rng *r, size_t n)
{
	struct pc_prefix *v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		int family = rng_chance(r, 55) ? PC_FAMILY_V4 : PC_FAMILY_V6;
		const struct pc_prefix *parent = NULL;

		if (i > 0 && rng_chance(r, 25)) {
			parent = &v[rng_below(r, (uint32_t)i)];
			family = parent->family;
		}
		rand_prefix(r, family, parent, &v[i]);
		if (i == 0 && rng_below(r, 40) == 0) {
			v[i].len = 0; /* the whole family */
			memset(v[i].addr, 0, sizeof(v[i].addr));
		}
		fprintf(f, "%s", i ? ", " : "");
		print_prefix(f, &v[i]);
	}
	free(v);
}

static const char *const port_pool[] = {
	"25", "53", "80", "443", "465", "587", "2525", "1024:65535", "20:30", "0:1023",
	"5000:5100", "9999", "0", "65535", "25:25", "500:600", "1:65534",
};
#define NPORT_POOL (sizeof(port_pool) / sizeof(port_pool[0]))

/* Returns 0 when it printed "any". */
static int print_addr_spec(FILE *f, struct rng *r, int ntables, unsigned *used)
{
	uint32_t x = rng_below(r, 100);

	if (x < 25) {
		fprintf(f, "any");
		return 0;
	}
	if (rng_chance(r, 25))
		fputc('!', f);
	if (x < 70) {
		unsigned t = rng_below(r, (uint32_t)ntables);

		*used |= 1u << t;
		fprintf(f, "<t%u>", t);
	} else if (rng_chance(r, 40)) {
		struct pc_prefix p;

		rand_prefix(r, rng_chance(r, 50) ? PC_FAMILY_V4 : PC_FAMILY_V6, NULL, &p);
		print_prefix(f, &p);
	} else {
		fprintf(f, "{ ");
		print_prefixes(f, r, 1 + rng_below(r, 6));
		fprintf(f, " }");
	}
	return 1;
}

/* A policy of random rules over random tables. */
static char *random_policy(struct rng *r, int malformed_pass)
{
	struct sbuf rules, all;
	int ntables = 2 + (int)rng_below(r, 4), nrules = 10 + (int)rng_below(r, 50), i, t;
	unsigned used = 0;
	static const char *const actions[] = { "pass", "block", "monitor", "limit" };
	static const char *const protos[] = { "proto tcp", "proto udp", "proto { tcp, udp }", "" };

	sb_open(&rules);
	for (i = 0; i < nrules; i++) {
		FILE *f = rules.f;
		uint32_t x, action = rng_below(r, 4);
		int narrow = 0; /* a rule that matches everything would shadow the rest */
		int to = 0;

		fprintf(f, "%s %s", actions[action], protos[rng_below(r, 4)]);
		if (rng_chance(r, 70)) {
			fprintf(f, " from ");
			narrow |= print_addr_spec(f, r, ntables, &used);
		}
		x = rng_below(r, 100);
		if (x >= 15 || rng_chance(r, 60)) {
			fprintf(f, " to");
			to = 1;
			if (x < 15 || rng_chance(r, 60)) {
				fputc(' ', f);
				narrow |= print_addr_spec(f, r, ntables, &used);
			}
		}
		if (x < 15 && !narrow && rng_chance(r, 95)) {
			x = 15;
			if (!to)
				fprintf(f, " to");
		}
		if (x < 15) {
			/* every port */
		} else if (x < 55) {
			fprintf(f, " port %s", port_pool[rng_below(r, NPORT_POOL)]);
		} else {
			int k, n = 2 + (int)rng_below(r, 4);

			fprintf(f, " port {");
			for (k = 0; k < n; k++)
				fprintf(f, "%s %s", k ? "," : "", port_pool[rng_below(r, NPORT_POOL)]);
			fprintf(f, " }");
		}
		/* Too slow to refill during the run, as the reference
		 * assumes: a bucket lets its burst through, then nothing. */
		if (action == 3) {
			fprintf(f, " rate %u/hour", 1 + rng_below(r, 3));
			if (rng_chance(r, 50))
				fprintf(f, " burst %u", 1 + rng_below(r, 3));
		}
		fputc('\n', f);
	}
	sb_close(&rules);

	sb_open(&all);
	if (malformed_pass)
		fprintf(all.f, "set malformed pass\n");
	for (t = 0; t < ntables; t++) {
		if (!(used & (1u << t)))
			continue;
		fprintf(all.f, "table <t%d> { ", t);
		print_prefixes(all.f, r, 1 + rng_below(r, rng_chance(r, 30) ? 400 : 20));
		fprintf(all.f, " }\n");
	}
	fputs(rules.s, all.f);
	free(rules.s);
	return sb_close(&all);
}

/* The ISP policy with large tables. */
static char *isp_policy(struct rng *r)
{
	struct sbuf b;

	sb_open(&b);
	fprintf(b.f, "table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36, ");
	print_prefixes(b.f, r, 10000);
	fprintf(b.f, " }\ntable <relays> { 198.51.100.25, 2001:db8:25::/64, ");
	print_prefixes(b.f, r, 10);
	fprintf(b.f, " }\ntable <business> { 100.64.10.0/24, 100.64.10.128/25, 2001:db8:1000:10::/64 }\n"
		     "pass    proto tcp from <business> to port 25\n"
		     "pass    proto tcp to <relays> port 25\n"
		     "block   proto tcp from <subscribers> to port 25\n"
		     "monitor proto tcp to port { 465, 587, 2525 }\n"
		     "block   proto { tcp, udp } from { 203.0.113.0/24, 2001:db8:bad::/48 } to port 1024:65535\n"
		     "block   proto udp from !<subscribers> to port 53\n");
	return sb_close(&b);
}

static char *negation_policy(struct rng *r)
{
	struct sbuf b;

	sb_open(&b);
	fprintf(b.f, "table <a> { ");
	print_prefixes(b.f, r, 300);
	fprintf(b.f, " }\ntable <b> { ");
	print_prefixes(b.f, r, 50);
	fprintf(b.f, " }\n"
		     "block   proto tcp from !<a> to !<b> port 25\n"
		     "pass    proto udp from <a> to !<b> port 53\n"
		     "block   proto { tcp, udp } from !{ 10.0.0.0/8, 2001:db8::/32 } to !<b> port 1000:2000\n"
		     "monitor proto udp to !2001:db8:99::/48 port 123\n"
		     "block   proto udp from <b> to port 0:1023\n"
		     "pass    proto tcp from !<a> to port 587\n"
		     "block   proto tcp from <a> to !<a> port { 587, 465 }\n"
		     "block   proto tcp from !0.0.0.0/0 to port 443\n");
	return sb_close(&b);
}

static char *lists_policy(struct rng *r)
{
	struct sbuf b;
	int i;

	sb_open(&b);
	for (i = 0; i < 30; i++) {
		fprintf(b.f, "%s proto %s from { ", i % 3 ? "block" : "pass", i % 2 ? "udp" : "{ tcp, udp }");
		print_prefixes(b.f, r, 1 + rng_below(r, 8));
		fprintf(b.f, " } to port { %u:%u, %s }\n", 1000 + 37 * i, 1100 + 41 * i,
			port_pool[rng_below(r, NPORT_POOL)]);
	}
	fprintf(b.f, "block proto udp to port 1:65535\n");
	return sb_close(&b);
}

static char *default_malformed_pass(void)
{
	struct sbuf b;

	sb_open(&b);
	fprintf(b.f, "set malformed pass\n%s", pc_default_policy);
	fprintf(b.f, "block proto udp from !{ 100.64.0.0/10, 2001:db8:1000::/36 } to port 53\n");
	return sb_close(&b);
}

/* Frames between two resets of the limits' buckets: each makes at most
 * a couple, far fewer than the kernel's map holds. */
#define LIMIT_EPOCH 100000

static size_t diff_frames(void)
{
	const char *s = getenv("PC_DIFF_FRAMES");

	return s && *s ? strtoul(s, NULL, 10) : 40000;
}

/* The random-frame comparison of the program with the reference
 * classifier under text. limits: the policy is made to drop attempts
 * beyond limit rules, and a long run must see some. */
static void run_diff_limits(const char *name, char *text, uint64_t pseed, int limits)
{
	struct pc_policy p;
	struct pc_stats *before, *after;
	struct expect *e = calloc(1, sizeof(*e));
	static uint8_t frame[FRAME_CAP];
	size_t n = diff_frames(), i, cls[4] = { 0 }, verdicts[PC_NVERDICT] = { 0 }, ruled = 0;
	size_t mismatches = 0, nruled = 0, limited = 0;
	__u64 ruled_mask = 0;
	struct rng r;
	int bad;

	assert_non_null(e);
	if (prog_parse_policy(text, &p) != 0) {
		free(text);
		fail();
	}
	pkt_policy_drop_never_matching(&p);
	if (getenv("PC_SHOW_POLICY"))
		print_commented(text);
	assert_int_equal(prog_apply_policy(&p), 0);
	assert_int_equal(prog_limit_reset(), 0);
	before = stats_read_fresh();
	rng_seed(&r, pseed);

	for (i = 0; i < n; i++) {
		struct outcome o;
		size_t len;

		/* The kernel keeps PC_LIMIT_SOURCES buckets, the least recent
		 * out, where the reference keeps every one: a long run empties
		 * both now and then, before the kernel's map is full. */
		if (i && i % LIMIT_EPOCH == 0)
			assert_int_equal(prog_limit_reset(), 0);
		len = pkt_random(&r, &p, frame, sizeof(frame));

		if (rng_chance(&r, 35)) {
			int k, m = 1 + (int)rng_below(&r, 3);

			for (k = 0; k < m; k++)
				len = pkt_mutate(&r, frame, len, sizeof(frame), 14);
		}
		if (len < 14)
			continue; /* BPF_PROG_TEST_RUN wants an Ethernet header */
		classify_all(&p, frame, len, &o, e);
		cls[o.ref.cls]++;
		verdicts[o.ref.verdict]++;
		ruled += o.ref.rule >= 0;
		limited += o.ref.limited + o.ref_tc.limited;
		if (o.ref.rule >= 0)
			ruled_mask |= 1ull << o.ref.rule;
		if (!programs_agree(&o, (int)o.ref.verdict)) {
			if (mismatches < MAX_REPORT) {
				char what[96];

				snprintf(what, sizeof(what), "%s, frame %zu", name, i);
				print_outcome(what, frame, len, &o);
			}
			mismatches++;
		}
	}
	after = stats_read();
	for (i = 0; i < PC_MAX_RULES; i++)
		nruled += (ruled_mask >> i) & 1;
	if (mismatches && !getenv("PC_SHOW_POLICY"))
		print_commented(text);
	free(text);
	printf("# %s: %zu frames: l4 %zu, other %zu, fragment %zu, malformed %zu; "
	       "passed %zu, dropped %zu; a rule decided %zu (%zu of %zu rules); limited %zu; "
	       "tc refused %zu; %zu mismatches\n",
	       name, n, cls[PC_REF_L4], cls[PC_REF_OTHER], cls[PC_REF_FRAGMENT],
	       cls[PC_REF_MALFORMED], verdicts[PC_V_PASSED], verdicts[PC_V_DROPPED], ruled,
	       nruled, p.nrules, limited, tc_not_run, mismatches);
	tc_not_run = 0;
	bad = check_counters(before, after, e, p.nrules);
	free(before);
	free(after);
	free(e);
	pc_policy_free(&p);
	assert_int_equal(mismatches, 0);
	assert_int_equal(bad, 0);
	/* A run that never reached a class tests nothing about it. */
	if (n >= 1000) {
		assert_true(cls[PC_REF_L4] > 0 && cls[PC_REF_OTHER] > 0);
		assert_true(cls[PC_REF_FRAGMENT] > 0 && cls[PC_REF_MALFORMED] > 0);
		assert_true(ruled > 0);
	}
	if (n >= 1000 && limits)
		assert_true(limited > 0);
}

static void run_diff(const char *name, char *text, uint64_t pseed)
{
	run_diff_limits(name, text, pseed, 0);
}

/* Limit rules, in both families, over a table and ranges; rates too
 * slow to refill during the run. */
static char *limits_policy(struct rng *r)
{
	struct sbuf b;

	sb_open(&b);
	fprintf(b.f, "table <subs> { 100.64.0.0/10, 2001:db8:1000::/36, ");
	print_prefixes(b.f, r, 200);
	fprintf(b.f, " }\n"
		     "pass    proto tcp from <subs> to port 443\n"
		     "limit   proto tcp from <subs> to port 587 rate 2/hour\n"
		     "limit   proto { tcp, udp } from <subs> to port { 25, 53 } rate 1/hour burst 3\n"
		     "block   proto tcp to port 25\n"
		     "limit   proto udp from !<subs> to port 1024:65535 rate 3/hour burst 1\n"
		     "limit   proto tcp to port 0:1023 rate 1/hour burst 2\n");
	return sb_close(&b);
}

/* Each policy gets its own stream, so that one can be rerun alone. */
static uint64_t sub_seed(unsigned k)
{
	return prog_seed * 0x100000001b3ull + k;
}

static void test_diff_isp(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(1));
	run_diff("isp, 10000-prefix table", isp_policy(&r), sub_seed(101));
}

static void test_diff_negation(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(2));
	run_diff("negation", negation_policy(&r), sub_seed(102));
}

static void test_diff_lists(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(3));
	run_diff("lists and ranges", lists_policy(&r), sub_seed(103));
}

static void test_diff_malformed_pass(void **state)
{
	run_diff("default, malformed pass", default_malformed_pass(), sub_seed(104));
}

static void test_diff_random(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(5));
	run_diff("random rules", random_policy(&r, 0), sub_seed(105));
}

static void test_diff_random_malformed_pass(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(6));
	run_diff("random rules, malformed pass", random_policy(&r, 1), sub_seed(106));
}

static void test_diff_limits(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(7));
	run_diff_limits("limits", limits_policy(&r), sub_seed(107), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_limits),
		cmocka_unit_test(test_diff_isp),
		cmocka_unit_test(test_diff_negation),
		cmocka_unit_test(test_diff_lists),
		cmocka_unit_test(test_diff_malformed_pass),
		cmocka_unit_test(test_diff_random),
		cmocka_unit_test(test_diff_random_malformed_pass),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
