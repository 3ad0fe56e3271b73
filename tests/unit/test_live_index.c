// SPDX-License-Identifier: GPL-2.0
/*
 * Live table entries in the address index (user/rules/addr_index.c,
 * user/rules/live.c), without the kernel:
 *   - a leaf under timed entries heads a chain ordered by expiry, and
 *     pc_index_lookup() at a time now finds what a linear scan of the
 *     entries not lapsed by then finds;
 *   - it finds the same as an index built from scratch without the entries
 *     lapsed by then;
 *   - more than PC_LIVE_CHAIN distinct expiries over one address are
 *     refused (-EMLINK), expiries that are equal share a link;
 *   - pc_compiled_set_live() gives a compiled policy the entries of its
 *     tables that have not lapsed, in the directions the tables are used,
 *     counts them for the families of the rules, and changes the digest.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "addr_index.h"
#include "growable_array.h"
#include "live.h"
#include "pkt.h"

struct entries {
	struct pc_prefix_entry *v;
	size_t n, cap;
};

struct lives {
	struct pc_index_live *v;
	size_t n, cap;
};

static struct pc_prefix prefix(const char *text)
{
	struct pc_prefix p;

	assert_int_equal(pkt_prefix(&p, text), 0);
	return p;
}

static void add(struct entries *es, __u8 dir, const char *text, __u64 rules)
{
	struct pc_prefix_entry e = { .dir = dir, .prefix = prefix(text), .val.rules = rules };

	assert_int_equal(pc_array_push(es, e), 0);
}

static void add_live(struct lives *ls, __u8 dir, const char *text, __u64 rules, __u32 until)
{
	struct pc_index_live e = { .dir = dir, .prefix = prefix(text), .rules = rules,
				   .until = until };

	assert_int_equal(pc_array_push(ls, e), 0);
}

static bool contains(const struct pc_prefix *p, __u8 family, const __u8 *addr)
{
	int i, full = p->len / 8, rest = p->len % 8;

	if (p->family != family)
		return false;
	for (i = 0; i < full; i++)
		if (p->addr[i] != addr[i])
			return false;
	return !rest || !((p->addr[full] ^ addr[full]) & (0xff00 >> rest));
}

/* What must hold at now, by a scan of every entry not lapsed by then. */
static struct pc_leaf expected(const struct entries *es, const struct lives *ls, __u8 family,
			       const __u8 *addr, __u32 now)
{
	struct pc_leaf c = { 0 };
	size_t i;

	for (i = 0; i < es->n; i++)
		if (contains(&es->v[i].prefix, family, addr))
			*(es->v[i].dir == PC_DIR_SRC ? &c.src : &c.dst) |= es->v[i].val.rules;
	for (i = 0; i < ls->n; i++)
		if (contains(&ls->v[i].prefix, family, addr) &&
		    (!ls->v[i].until || now < ls->v[i].until))
			*(ls->v[i].dir == PC_DIR_SRC ? &c.src : &c.dst) |= ls->v[i].rules;
	return c;
}

/* The live entries of ls not lapsed at now. */
static struct lives holding_at(const struct lives *ls, __u32 now)
{
	struct lives out = { 0 };
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (!ls->v[i].until || now < ls->v[i].until)
			assert_int_equal(pc_array_push(&out, ls->v[i]), 0);
	return out;
}

static void check_leaf(const char *what, const struct pc_leaf *got, const struct pc_leaf *want,
		       __u8 family, const __u8 *addr, __u32 now)
{
	char text[64];

	if (got->src == want->src && got->dst == want->dst)
		return;
	inet_ntop(family == PC_FAMILY_V4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	fail_msg("%s at %u: index says src %#llx dst %#llx, %s says src %#llx dst %#llx", text,
		 now, (unsigned long long)got->src, (unsigned long long)got->dst, what,
		 (unsigned long long)want->src, (unsigned long long)want->dst);
}

/* An address of prefix p: edge -1 the one before its first, 0 one with
 * random host bits, 1 its last, 2 the one after its last. */
static void addr_in(const struct pc_prefix *p, __u8 *addr, int edge)
{
	int width = p->family == PC_FAMILY_V4 ? 4 : 16, i, carry = 1;

	memcpy(addr, p->addr, 16);
	for (i = 0; i < width; i++) {
		int bit0 = i * 8;
		__u8 host = bit0 >= p->len ? 0xff : bit0 + 8 <= p->len ? 0 : 0xff >> (p->len - bit0);

		addr[i] &= ~host;
		addr[i] |= edge >= 1 ? host : edge == 0 ? host & random() : 0;
	}
	for (i = width - 1; i >= 0 && carry && (edge == 2 || edge == -1); i--)
		carry = edge == 2 ? ++addr[i] == 0 : addr[i]-- == 0;
}

/* At every time of nows, every edge of every prefix and random addresses
 * near them: the index with live entries answers as the scan does, and
 * as an index built from scratch without the lapsed ones. */
static void check_all(const struct entries *es, const struct lives *ls, const __u32 *nows,
		      size_t nnows, unsigned random_addrs)
{
	struct pc_addr_index ix, fresh;
	size_t t, i, total = es->n + ls->n;
	__u8 addr[16];
	int edge;

	assert_int_equal(pc_index_build_live(&ix, es->v, es->n, ls->v, ls->n), 0);
	for (t = 0; t < nnows; t++) {
		struct lives now_live = holding_at(ls, nows[t]);
		unsigned k;

		assert_int_equal(pc_index_build_live(&fresh, es->v, es->n, now_live.v, now_live.n), 0);
		srandom(nows[t] + 1);
		for (k = 0; k < total * 4 + random_addrs; k++) {
			const struct pc_prefix *p;
			struct pc_leaf want;

			i = k / 4 < total ? k / 4 : random() % total;
			p = i < es->n ? &es->v[i].prefix : &ls->v[i - es->n].prefix;
			edge = k / 4 < total ? (int)(k % 4) - 1 : 0;
			addr_in(p, addr, edge);
			want = expected(es, ls, p->family, addr, nows[t]);
			check_leaf("the scan", pc_index_lookup(&ix, p->family, addr, nows[t]), &want,
				   p->family, addr, nows[t]);
			check_leaf("a fresh build", pc_index_lookup(&ix, p->family, addr, nows[t]),
				   pc_index_lookup(&fresh, p->family, addr, nows[t]), p->family,
				   addr, nows[t]);
		}
		pc_index_free(&fresh);
		free(now_live.v);
	}
	pc_index_free(&ix);
}

/* The leaf that an address finds before any time has passed: the head. */
static const struct pc_leaf *head(const struct pc_addr_index *ix, const char *text)
{
	struct pc_prefix p = prefix(text);

	return pc_index_lookup(ix, p.family, p.addr, 0);
}

/* One timed entry inside a file prefix: its leaf holds both until it
 * lapses, then the next leaf holds the file's alone, for good. */
static void test_chain_shape(void **state)
{
	struct entries es = { 0 };
	struct lives ls = { 0 };
	struct pc_addr_index ix;
	const struct pc_leaf *l;

	add(&es, PC_DIR_SRC, "100.0.0.0/8", 0x2);
	add_live(&ls, PC_DIR_SRC, "100.64.0.1/32", 0x1, 50);
	add_live(&ls, PC_DIR_SRC, "100.64.0.0/16", 0x4, 80);
	assert_int_equal(pc_index_build_live(&ix, es.v, es.n, ls.v, ls.n), 0);
	l = head(&ix, "100.64.0.1/32");
	assert_int_equal(l->src, 0x7);
	assert_int_equal(l->until, 50);
	l = &ix.v[l->next].leaf;
	assert_int_equal(l->src, 0x6);
	assert_int_equal(l->until, 80);
	l = &ix.v[l->next].leaf;
	assert_int_equal(l->src, 0x2);
	assert_int_equal(l->until, 0);
	/* Outside the timed entries no leaf is timed. */
	assert_int_equal(head(&ix, "100.65.0.1/32")->until, 0);
	assert_int_equal(head(&ix, "100.65.0.1/32")->src, 0x2);
	/* The walk follows the chain by now. */
	assert_int_equal(pc_index_lookup(&ix, PC_FAMILY_V4, prefix("100.64.0.1/32").addr, 49)->src, 0x7);
	assert_int_equal(pc_index_lookup(&ix, PC_FAMILY_V4, prefix("100.64.0.1/32").addr, 50)->src, 0x6);
	assert_int_equal(pc_index_lookup(&ix, PC_FAMILY_V4, prefix("100.64.0.1/32").addr, 80)->src, 0x2);
	assert_int_equal(pc_index_lookup(&ix, PC_FAMILY_V4, prefix("100.64.0.2/32").addr, 79)->src, 0x6);
	pc_index_free(&ix);
	free(es.v);
	free(ls.v);
}

/* Crafted nesting in both families and directions, timed and not. */
static void test_lapse_by_now(void **state)
{
	static const __u32 nows[] = { 0, 99, 100, 101, 150, 199, 200, 250, 300, 1000 };
	struct entries es = { 0 };
	struct lives ls = { 0 };

	add(&es, PC_DIR_SRC, "100.64.0.0/10", 0x4);
	add(&es, PC_DIR_SRC, "100.64.3.0/29", 0x8);
	add(&es, PC_DIR_DST, "203.0.113.0/24", 0x10);
	add(&es, PC_DIR_SRC, "2001:db8:1000::/36", 0x4);
	add_live(&ls, PC_DIR_SRC, "100.64.3.7/32", 0x1, 100);
	add_live(&ls, PC_DIR_SRC, "100.64.3.0/24", 0x1, 200);
	add_live(&ls, PC_DIR_SRC, "100.64.0.0/16", 0x1, 0);     /* no TTL */
	add_live(&ls, PC_DIR_SRC, "100.64.3.4/30", 0x2, 100);   /* lapses with the /32 */
	add_live(&ls, PC_DIR_DST, "100.64.3.7/32", 0x20, 300);  /* used as destination too */
	add_live(&ls, PC_DIR_DST, "203.0.113.25/32", 0x20, 150);
	add_live(&ls, PC_DIR_SRC, "2001:db8:1000::2/128", 0x1, 100);
	add_live(&ls, PC_DIR_SRC, "2001:db8:1000::/64", 0x1, 250);
	add_live(&ls, PC_DIR_SRC, "2001:db8:1000::/48", 0x2, 0);
	add_live(&ls, PC_DIR_SRC, "0.0.0.0/0", 0x40, 101);      /* the whole space */
	check_all(&es, &ls, nows, sizeof(nows) / sizeof(nows[0]), 3000);
	free(es.v);
	free(ls.v);
}

/* n random prefixes of lengths lo..hi inside pool (of length plen). */
static void carve(struct lives *ls, __u8 family, const __u8 *pool, int plen, int lo, int hi,
		  size_t n, __u8 dir, __u64 rules, const __u32 *untils, int nuntils)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct pc_index_live e = { .dir = dir, .rules = rules,
					   .until = untils[random() % nuntils] };

		e.prefix = pkt_prefix_in(family, pool, plen, lo, hi);
		assert_int_equal(pc_array_push(ls, e), 0);
	}
}

/* Many live entries, dense, with three expiries and none: at most four
 * distinct over any address, whatever the nesting. */
static void test_random_dense(void **state)
{
	static const __u8 pool4[16] = { 100, 64 }, pool6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x10 };
	static const __u32 untils[] = { 0, 10, 20, 30 }, nows[] = { 0, 9, 10, 15, 20, 29, 30, 99 };
	struct entries es = { 0 };
	struct lives ls = { 0 };

	srandom(11);
	add(&es, PC_DIR_SRC, "100.64.0.0/10", 0x4);
	add(&es, PC_DIR_SRC, "100.64.3.0/24", 0x8);
	add(&es, PC_DIR_SRC, "2001:db8:1000::/36", 0x4);
	carve(&ls, PC_FAMILY_V4, pool4, 16, 20, 32, 1500, PC_DIR_SRC, 0x1, untils, 4);
	carve(&ls, PC_FAMILY_V4, pool4, 16, 24, 32, 500, PC_DIR_DST, 0x2, untils, 4);
	carve(&ls, PC_FAMILY_V6, pool6, 40, 48, 128, 1000, PC_DIR_SRC, 0x1, untils, 4);
	check_all(&es, &ls, nows, sizeof(nows) / sizeof(nows[0]), 5000);
	free(es.v);
	free(ls.v);
}

/* PC_LIVE_CHAIN distinct expiries over an address, and no more. */
static void test_nesting_cap(void **state)
{
	static const char *nested[] = { "100.64.0.0/16", "100.64.0.0/20", "100.64.0.0/24",
					"100.64.0.0/28", "100.64.0.0/30" };
	struct entries es = { 0 };
	struct lives ls = { 0 };
	struct pc_addr_index ix;
	int i;

	assert_int_equal(PC_LIVE_CHAIN, 4);
	add(&es, PC_DIR_SRC, "100.64.0.0/10", 0x4);
	for (i = 0; i < 4; i++)
		add_live(&ls, PC_DIR_SRC, nested[i], 0x1, 10 * (i + 1));
	assert_int_equal(pc_index_build_live(&ix, es.v, es.n, ls.v, ls.n), 0);
	pc_index_free(&ix);
	/* A fifth with an expiry of its own is refused... */
	add_live(&ls, PC_DIR_SRC, nested[4], 0x1, 50);
	assert_int_equal(pc_index_build_live(&ix, es.v, es.n, ls.v, ls.n), -EMLINK);
	/* ... one sharing an expiry is not, in either direction... */
	ls.v[4].until = 20;
	ls.v[4].dir = PC_DIR_DST;
	assert_int_equal(pc_index_build_live(&ix, es.v, es.n, ls.v, ls.n), 0);
	pc_index_free(&ix);
	/* ... nor are entries without a TTL, nor the same five side by side. */
	ls.v[4].until = 0;
	assert_int_equal(pc_index_build_live(&ix, es.v, es.n, ls.v, ls.n), 0);
	pc_index_free(&ix);
	for (i = 0; i < 5; i++)
		ls.v[i] = (struct pc_index_live){ .dir = PC_DIR_SRC, .rules = 1, .until = i + 1,
						  .prefix = prefix(nested[4]) };
	for (i = 0; i < 5; i++)
		ls.v[i].prefix.addr[2] = i;
	assert_int_equal(pc_index_build_live(&ix, es.v, es.n, ls.v, ls.n), 0);
	pc_index_free(&ix);
	/* Deep in IPv6, below the root, too. */
	ls.n = 0;
	add_live(&ls, PC_DIR_SRC, "2001:db8:1000::/64", 0x1, 1);
	add_live(&ls, PC_DIR_SRC, "2001:db8:1000::/80", 0x1, 2);
	add_live(&ls, PC_DIR_SRC, "2001:db8:1000::/96", 0x1, 3);
	add_live(&ls, PC_DIR_SRC, "2001:db8:1000::/112", 0x1, 4);
	add_live(&ls, PC_DIR_SRC, "2001:db8:1000::1/128", 0x1, 5);
	add_live(&ls, PC_DIR_SRC, "2001:db8::/32", 0x1, 0);
	assert_int_equal(pc_index_build_live(&ix, es.v, es.n, ls.v, ls.n), -EMLINK);
	free(es.v);
	free(ls.v);
}

static void compile(const char *text, struct pc_policy *p, struct pc_compiled *c)
{
	struct pc_diag d = { 0 };

	assert_int_equal(pc_policy_parse_string("t", text, p, &d), 0);
	assert_int_equal(pc_compile(p, c, &d, 0), 0);
	pc_diag_free(&d);
}

static void live_add(struct pc_live_list *l, const char *table, const char *text, __u32 until)
{
	struct pc_prefix p = prefix(text);
	struct pc_live_entry e = { .key = pc_live_key_of(table, &p), .val.until = until };

	assert_int_equal(pc_array_push(l, e), 0);
	pc_live_sort(l);
}

static void test_compiled_set_live(void **state)
{
	struct pc_policy p = { 0 };
	struct pc_compiled c;
	struct pc_live_list l = { 0 };
	__u64 base;

	compile("table <exempt> { 192.0.2.99 }\n"
		"table <subscribers> { 100.64.0.0/10 }\n"
		"table <both> { 198.51.100.0/24 }\n"
		"pass  proto tcp from <exempt> to port 25\n"
		"block proto tcp from <subscribers> to port 25\n"
		"pass  proto tcp from <both> to <both> port 587\n",
		&p, &c);
	base = c.hdr.digest;
	assert_int_equal(c.hdr.v6_rules & 0x1, 0); /* <exempt> is IPv4 alone */
	assert_int_equal(pc_compiled_set_live(&c, &l, 100), 0);
	assert_int_equal(c.nlive, 0);
	assert_true(c.hdr.digest == base);
	live_add(&l, "exempt", "2001:db8:1000::2/128", 0);
	live_add(&l, "exempt", "100.64.3.7/32", 200);
	live_add(&l, "exempt", "100.64.3.8/32", 100);   /* lapsed at 100 */
	live_add(&l, "gone", "100.64.3.9/32", 0);      /* no such table */
	live_add(&l, "both", "198.51.101.0/24", 0);    /* used both ways */
	assert_int_equal(pc_compiled_set_live(&c, &l, 100), 0);
	assert_int_equal(c.nlive, 2 + 2);
	assert_true(c.hdr.digest != base);
	/* An IPv6 entry makes <exempt>'s rule apply to IPv6 too. */
	assert_int_equal(c.hdr.v6_rules & 0x1, 0x1);
	assert_int_equal(c.hdr.v6_rules & 0x2, 0);
	for (size_t i = 0; i < c.nlive; i++) {
		if (c.live[i].prefix.family == PC_FAMILY_V6) {
			assert_int_equal(c.live[i].dir, PC_DIR_SRC);
			assert_int_equal(c.live[i].rules, 0x1);
			assert_int_equal(c.live[i].until, 0);
		} else if (c.live[i].prefix.addr[2] == 101) {
			assert_int_equal(c.live[i].rules, 0x4);
		} else {
			assert_int_equal(c.live[i].rules, 0x1);
			assert_int_equal(c.live[i].until, 200);
		}
	}
	/* What the sweep removes: the lapsed entry and the one of no table. */
	for (size_t i = 0; i < l.n; i++) {
		struct pc_prefix q = pc_live_prefix(&l.v[i].key);
		bool gone = !strcmp(l.v[i].key.table, "gone");
		bool lapsed = q.family == PC_FAMILY_V4 && q.addr[3] == 8;

		assert_int_equal(pc_live_kept(&c, &l.v[i], 100), !gone && !lapsed);
	}
	/* Once all have lapsed or gone, the digest is the policy's again. */
	l.n = 0;
	live_add(&l, "exempt", "100.64.3.7/32", 200);
	assert_int_equal(pc_compiled_set_live(&c, &l, 200), 0);
	assert_int_equal(c.nlive, 0);
	assert_true(c.hdr.digest == base);
	assert_int_equal(c.hdr.v6_rules & 0x1, 0);
	pc_live_free(&l);
	pc_compiled_free(&c);
	pc_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_shape),
		cmocka_unit_test(test_lapse_by_now),
		cmocka_unit_test(test_random_dense),
		cmocka_unit_test(test_nesting_cap),
		cmocka_unit_test(test_compiled_set_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
