// SPDX-License-Identifier: GPL-2.0
/*
 * The address index (user/rules/addr_index.c), without the kernel: for
 * every address tried, the class that pc_index_lookup() finds must hold
 * exactly the rules of the entries that contain the address, in each
 * direction, worked out here by a linear scan of the entries. Tables are
 * crafted (edges, nesting, both families, the root's skip) and random
 * (dense, as ISPs carve business prefixes out of a pool, and sparse), and
 * the addresses tried are the edges of every prefix and random ones.
 */
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
#include "pkt.h"

struct entries {
	struct pc_prefix_entry *v;
	size_t n, cap;
};

static void add(struct entries *es, __u8 dir, const char *text, __u64 rules)
{
	struct pc_prefix_entry e = { .dir = dir, .val.rules = rules };
	char buf[64];
	char *slash;

	strcpy(buf, text);
	slash = strchr(buf, '/');
	*slash = 0;
	e.prefix.family = strchr(buf, ':') ? PC_FAMILY_V6 : PC_FAMILY_V4;
	e.prefix.len = atoi(slash + 1);
	assert_int_equal(inet_pton(e.prefix.family == PC_FAMILY_V4 ? AF_INET : AF_INET6, buf,
				   e.prefix.addr), 1);
	assert_int_equal(pc_array_push(es, e), 0);
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

/* What the index must answer, by a scan of every entry. */
static struct pc_leaf expected(const struct entries *es, __u8 family, const __u8 *addr)
{
	struct pc_leaf c = { 0 };
	size_t i;

	for (i = 0; i < es->n; i++) {
		if (!contains(&es->v[i].prefix, family, addr))
			continue;
		if (es->v[i].dir == PC_DIR_SRC)
			c.src |= es->v[i].val.rules;
		else
			c.dst |= es->v[i].val.rules;
	}
	return c;
}

static unsigned checked;

static void check_addr(const struct pc_addr_index *ix, const struct entries *es, __u8 family,
		       const __u8 *addr)
{
	struct pc_leaf want = expected(es, family, addr);
	const struct pc_leaf *got = pc_index_lookup(ix, family, addr, 0);
	char text[64];

	if (got->src != want.src || got->dst != want.dst) {
		inet_ntop(family == PC_FAMILY_V4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
		fail_msg("%s: index says src %#llx dst %#llx, entries say src %#llx dst %#llx", text,
			 (unsigned long long)got->src, (unsigned long long)got->dst,
			 (unsigned long long)want.src, (unsigned long long)want.dst);
	}
	checked++;
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

static void check_all(const struct entries *es, unsigned random_addrs, unsigned seed)
{
	struct pc_addr_index ix;
	__u8 addr[16];
	size_t i;
	unsigned k;
	int edge;

	assert_int_equal(pc_index_build(&ix, es->v, es->n), 0);
	srandom(seed);
	for (i = 0; i < es->n; i++) {
		const struct pc_prefix *p = &es->v[i].prefix;

		for (edge = -1; edge <= 2; edge++) {
			addr_in(p, addr, edge);
			check_addr(&ix, es, p->family, addr);
		}
	}
	for (k = 0; k < random_addrs; k++) {
		__u8 family = k & 1 ? PC_FAMILY_V6 : PC_FAMILY_V4;

		for (i = 0; i < 16; i++)
			addr[i] = random();
		if (es->n && k % 4 < 2) { /* inside some prefix's /16 or /32 */
			const struct pc_prefix *p = &es->v[random() % es->n].prefix;

			family = p->family;
			memcpy(addr, p->addr, family == PC_FAMILY_V4 ? 2 : 4);
		}
		check_addr(&ix, es, family, addr);
	}
	pc_index_free(&ix);
}

static void test_empty(void **state)
{
	struct entries es = { 0 };
	struct pc_addr_index ix;
	__u8 addr[16] = { 198, 51, 100, 1 };

	assert_int_equal(pc_index_build(&ix, NULL, 0), 0);
	assert_int_equal(ix.nnodes, 0);
	assert_int_equal(ix.nleaves, 0);
	assert_int_equal(pc_index_lookup(&ix, PC_FAMILY_V4, addr, 0)->src, 0);
	assert_int_equal(pc_index_lookup(&ix, PC_FAMILY_V6, addr, 0)->dst, 0);
	pc_index_free(&ix);
	check_all(&es, 100, 1);
}

static void test_edges_and_nesting(void **state)
{
	struct entries es = { 0 };

	add(&es, PC_DIR_SRC, "100.64.0.0/10", 0x4);
	add(&es, PC_DIR_SRC, "100.64.3.0/29", 0x2);
	add(&es, PC_DIR_SRC, "100.64.3.7/32", 0x1);
	add(&es, PC_DIR_SRC, "100.64.3.8/31", 0x2);
	add(&es, PC_DIR_SRC, "100.127.255.255/32", 0x8);
	add(&es, PC_DIR_DST, "203.0.113.25/32", 0x10);
	add(&es, PC_DIR_DST, "203.0.113.0/24", 0x20);
	add(&es, PC_DIR_SRC, "203.0.113.0/24", 0x40); /* the same prefix, both ways */
	add(&es, PC_DIR_SRC, "2001:db8:1000::/36", 0x4);
	add(&es, PC_DIR_SRC, "2001:db8:1000:5::/64", 0x2);
	add(&es, PC_DIR_SRC, "2001:db8:1fff:ffff:ffff:ffff:ffff:ffff/128", 0x1);
	add(&es, PC_DIR_DST, "2001:db8::25/128", 0x10);
	check_all(&es, 20000, 2);
	free(es.v);
}

static void test_whole_space(void **state)
{
	struct entries es = { 0 };

	add(&es, PC_DIR_DST, "0.0.0.0/0", 0x1);
	add(&es, PC_DIR_SRC, "0.0.0.0/1", 0x2);
	add(&es, PC_DIR_SRC, "255.255.255.255/32", 0x4);
	add(&es, PC_DIR_SRC, "::/0", 0x8);
	add(&es, PC_DIR_SRC, "8000::/1", 0x10);
	add(&es, PC_DIR_DST, "::/128", 0x20);
	add(&es, PC_DIR_DST, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 0x40);
	check_all(&es, 20000, 3);
	free(es.v);
}

/* The root indexes the 16 bits after the skip: one long prefix alone, and
 * two that share 120 bits, put the root as deep as it goes. */
static void test_deep_skip(void **state)
{
	struct entries es = { 0 };
	struct pc_addr_index ix;

	add(&es, PC_DIR_SRC, "2001:db8:1:2:3:4:5:6/128", 0x1);
	assert_int_equal(pc_index_build(&ix, es.v, es.n), 0);
	assert_int_equal(ix.root[1].skip, 128 - PC_ROOT_BITS);
	assert_int_equal(ix.root[0].used, 0);
	pc_index_free(&ix);
	add(&es, PC_DIR_SRC, "2001:db8:1:2:3:4:5:700/120", 0x2);
	add(&es, PC_DIR_SRC, "198.51.100.7/32", 0x4);
	add(&es, PC_DIR_SRC, "198.51.100.0/24", 0x8);
	assert_int_equal(pc_index_build(&ix, es.v, es.n), 0);
	assert_int_equal(ix.root[0].skip, 32 - PC_ROOT_BITS);
	assert_int_equal(ix.root[1].skip, 128 - PC_ROOT_BITS);
	pc_index_free(&ix);
	check_all(&es, 20000, 4);
	free(es.v);
}

/* n random prefixes of lengths lo..hi inside pool (of length plen). */
static void carve(struct entries *es, __u8 family, const __u8 *pool, int plen, int lo, int hi,
		  size_t n, __u8 dir, __u64 rules)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct pc_prefix_entry e = { .dir = dir, .val.rules = rules };

		e.prefix = pkt_prefix_in(family, pool, plen, lo, hi);
		assert_int_equal(pc_array_push(es, e), 0);
	}
}

static void test_dense_pool(void **state)
{
	static const __u8 pool4[16] = { 100, 64 }, pool6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x10 };
	struct entries es = { 0 };

	srandom(5);
	add(&es, PC_DIR_SRC, "100.64.0.0/10", 0x4);
	add(&es, PC_DIR_SRC, "2001:db8:1000::/36", 0x4);
	/* /29 to /32 inside 100.64.0.0/16 only: as dense as it gets */
	carve(&es, PC_FAMILY_V4, pool4, 16, 29, 32, 6000, PC_DIR_SRC, 0x2);
	carve(&es, PC_FAMILY_V6, pool6, 40, 64, 64, 2000, PC_DIR_SRC, 0x2);
	carve(&es, PC_FAMILY_V6, pool6, 48, 100, 128, 1000, PC_DIR_DST, 0x8);
	check_all(&es, 20000, 6);
	free(es.v);
}

static void test_sparse_random(void **state)
{
	static const __u8 zero[16];
	struct entries es = { 0 };
	int i;

	srandom(7);
	for (i = 0; i < 6; i++) {
		carve(&es, PC_FAMILY_V4, zero, 0, 0, 32, 300, i & 1, 1ULL << i);
		carve(&es, PC_FAMILY_V6, zero, 0, 0, 128, 300, i & 1, 1ULL << (i + 8));
	}
	check_all(&es, 50000, 8);
	free(es.v);
}

/* The one node under the IPv4 root. */
static const struct pc_node *the_node(const struct pc_addr_index *ix)
{
	size_t i;

	for (i = 0; i < PC_ROOT_BLOCKS * PC_BLOCK; i++)
		if (ix->roots[i / PC_BLOCK].e[i % PC_BLOCK] & PC_ENTRY_NODE)
			return &ix->v[ix->roots[i / PC_BLOCK].e[i % PC_BLOCK] & ~PC_ENTRY_NODE].node;
	fail_msg("no node under the root");
	return NULL;
}

/* Leaves that are equal and next to each other are stored once, and a
 * prefix alone under a root entry is one lone node, however long. */
static void test_leaves_compressed(void **state)
{
	struct entries es = { 0 };
	struct pc_addr_index ix;

	add(&es, PC_DIR_SRC, "100.0.0.0/8", 0x2);
	add(&es, PC_DIR_SRC, "100.64.0.1/32", 0x1);
	assert_int_equal(pc_index_build(&ix, es.v, es.n), 0);
	assert_int_equal(ix.root[0].skip, 8);
	/* the root leaves before and after it (a run each), then a lone
	 * node with its two leaves */
	assert_int_equal(ix.nnodes, 1);
	assert_true(the_node(&ix)->first_node & PC_NODE_LONE);
	assert_int_equal(ix.nleaves, 2 + 2);
	pc_index_free(&ix);
	/* Two prefixes under one root entry: a real node, bits 28..34,
	 * with three runs of leaves: before, the two /32s, after. */
	add(&es, PC_DIR_SRC, "100.64.0.2/32", 0x1);
	assert_int_equal(pc_index_build(&ix, es.v, es.n), 0);
	assert_int_equal(ix.nnodes, 1);
	assert_false(the_node(&ix)->first_node & PC_NODE_LONE);
	assert_int_equal(ix.nleaves, 2 + 3);
	pc_index_free(&ix);
	add(&es, PC_DIR_DST, "2001:db8:25::25/128", 0x4);
	add(&es, PC_DIR_DST, "2001:db8:25::/48", 0x8);
	check_all(&es, 20000, 9);
	free(es.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_edges_and_nesting),
		cmocka_unit_test(test_whole_space),
		cmocka_unit_test(test_deep_skip),
		cmocka_unit_test(test_dense_pool),
		cmocka_unit_test(test_sparse_random),
		cmocka_unit_test(test_leaves_compressed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
