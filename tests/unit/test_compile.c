// SPDX-License-Identifier: GPL-2.0
/*
 * The rules compiler (user/rules/compiler.c), without the kernel.
 *
 * Policies are parsed from text, compiled, and the compiled contents are
 * checked exactly: the rule mask and counter of every (proto, port), the
 * port items, the prefix entries with their rule and set masks, the header
 * masks, and the set table. Every limit is hit with a generated policy and
 * its error checked word for word. Last, the compiled masks are used as the
 * kernel uses them, as a classifier, and checked against the reference
 * classifier (tests/lib/refclass.c) on random packets.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "compiler.h"
#include "growable_array.h"
#include "libc_alloc.h"
#include "qsort_watch.h"
#include "pkt.h"
#include "policy.h"
#include "refclass.h"

#define FILE_NAME "t.rules"
#define B(i) (1ULL << (i))


/* ---- allocation and qsort, watched ------------------------------------- */

/* The test binary's own calloc takes the place of the C library's, and
 * fails for big blocks when asked (to reach the compiler's out-of-memory
 * path); qsort is watched for NULL arrays (qsort_watch.h). */
static size_t fail_calloc_from; /* 0: never fail */

void *calloc(size_t n, size_t size)
{
	if (fail_calloc_from && n * size >= fail_calloc_from)
		return NULL;
	return pc_libc_calloc(n, size);
}

/* ---- helpers ---------------------------------------------------------- */

/* A parsed and compiled policy, with everything the parser and the
 * compiler said. */
struct build {
	struct pc_policy p;
	struct pc_compiled *c;
	int parse_errors;
	int compile_rc;
	int compile_errors;
	char *diag;     /* parser and compiler diagnostics, printed */
	size_t diaglen;
};

static void build_free(struct build *b)
{
	if (b->c) {
		pc_compiled_free(b->c);
		free(b->c);
	}
	pc_policy_free(&b->p);
	free(b->diag);
	memset(b, 0, sizeof(*b));
}

/* Parse and, if that worked, compile. hook may edit the parsed policy
 * before it is compiled (for what the parser refuses, like "! any"). */
static void build_text_hook(struct build *b, const char *text, unsigned flags,
			    void (*hook)(struct pc_policy *p))
{
	FILE *f;
	struct pc_diag d = { 0 };

	memset(b, 0, sizeof(*b));
	pc_policy_parse_string(FILE_NAME, text, &b->p, &d);
	b->parse_errors = d.errors;
	b->c = calloc(1, sizeof(*b->c));
	assert_non_null(b->c);
	if (!b->parse_errors) {
		if (hook)
			hook(&b->p);
		b->compile_rc = pc_compile(&b->p, b->c, &d, flags);
		b->compile_errors = d.errors - b->parse_errors;
	} else {
		b->compile_rc = -1;
	}
	f = open_memstream(&b->diag, &b->diaglen);
	assert_non_null(f);
	pc_diag_flush(f, &d);
	fclose(f);
}

static void build_text(struct build *b, const char *text, unsigned flags)
{
	build_text_hook(b, text, flags, NULL);
}

/* Parse and compile; both must succeed (warnings are allowed). */
static void build_ok(struct build *b, const char *text)
{
	build_text(b, text, 0);
	if (b->parse_errors || b->compile_rc || b->compile_errors)
		fail_msg("policy did not compile:\n%s\n--- diagnostics:\n%s", text, b->diag);
}

/* Only the error lines of the diagnostics (warnings dropped). */
static char *errors_only(const char *diag)
{
	size_t n = strlen(diag);
	char *out = calloc(1, n + 1), *o = out;
	const char *l = diag;

	assert_non_null(out);
	while (*l) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l + 1) : strlen(l);

		if (strstr(l, ": error: ") && strstr(l, ": error: ") < l + len) {
			memcpy(o, l, len);
			o += len;
		}
		l += len;
	}
	return out;
}

/* The policy parses cleanly, the compiler fails, and its errors are
 * exactly want. */
static void expect_compile_errors(const char *text, unsigned flags, const char *want)
{
	struct build b;
	char *errs;

	build_text(&b, text, flags);
	if (b.parse_errors)
		fail_msg("policy did not parse:\n%s", b.diag);
	assert_int_equal(b.compile_rc, -1);
	errs = errors_only(b.diag);
	assert_string_equal(errs, want);
	free(errs);
	build_free(&b);
}

/* A growable string for generated policies. */
struct sbuf {
	char *s;
	size_t len;
	FILE *f;
};

static void sbuf_open(struct sbuf *s)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->s, &s->len);
	assert_non_null(s->f);
}

static char *sbuf_close(struct sbuf *s)
{
	fclose(s->f);
	return s->s;
}

static struct pc_prefix pfx(const char *text)
{
	struct pc_prefix p = { 0 };
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (strchr(buf, ':')) {
		assert_int_equal(inet_pton(AF_INET6, buf, p.addr), 1);
		p.family = PC_FAMILY_V6;
		p.len = slash ? atoi(slash + 1) : 128;
	} else {
		assert_int_equal(inet_pton(AF_INET, buf, p.addr), 1);
		p.family = PC_FAMILY_V4;
		p.len = slash ? atoi(slash + 1) : 32;
	}
	return p;
}

static void fmt_entry(char *buf, size_t size, const struct pc_prefix_entry *e)
{
	char a[64];

	pc_prefix_format(a, sizeof(a), &e->prefix);
	snprintf(buf, size, "%s %s rules=0x%llx sets=0x%llx:0x%llx", e->dir == PC_DIR_SRC ? "src" : "dst",
		 a, (unsigned long long)e->val.rules, (unsigned long long)e->val.sets[1],
		 (unsigned long long)e->val.sets[0]);
}

/* Expected prefix entries, written as "src 100.64.0.0/10 rules=0x1 sets=0x0:0x1"
 * (sets: high word, low word), in order. */
static void expect_entries(const struct pc_compiled *c, const char *const *want, size_t n)
{
	char got[160];
	size_t i;

	for (i = 0; i < c->nprefixes && i < n; i++) {
		fmt_entry(got, sizeof(got), &c->prefixes[i]);
		if (strcmp(got, want[i]))
			fail_msg("prefix entry %zu: got '%s', want '%s'", i, got, want[i]);
	}
	if (c->nprefixes != n) {
		for (i = 0; i < c->nprefixes; i++) {
			fmt_entry(got, sizeof(got), &c->prefixes[i]);
			print_message("# entry %zu: %s\n", i, got);
		}
		fail_msg("%zu prefix entries, want %zu", c->nprefixes, n);
	}
	assert_int_equal(c->hdr.nprefixes, n);
}

/* Expected port masks: every (proto, port) not covered by a range has
 * rules 0; ranges OR together. */
struct port_span {
	int proto; /* PC_PROTO_* */
	unsigned lo, hi;
	__u64 rules;
};

static void expect_port_rules(const struct pc_compiled *c, const struct port_span *spans, size_t n)
{
	__u64 *want = calloc(PC_PORTS_SLOT, sizeof(*want));
	size_t i;
	unsigned port;

	assert_non_null(want);
	for (i = 0; i < n; i++)
		for (port = spans[i].lo; port <= spans[i].hi; port++)
			want[spans[i].proto * PC_NPORTS + port] |= spans[i].rules;
	for (i = 0; i < PC_PORTS_SLOT; i++)
		if (c->ports[i].rules != want[i])
			fail_msg("%s port %zu: rules %#llx, want %#llx", i < PC_NPORTS ? "tcp" : "udp",
				 i % PC_NPORTS, (unsigned long long)c->ports[i].rules,
				 (unsigned long long)want[i]);
	free(want);
}

/* Expected counters: spans painted in order, later ones winning. */
static void expect_port_counters(const struct pc_compiled *c, const struct port_span *spans,
				 size_t n)
{
	__u32 *want = calloc(PC_PORTS_SLOT, sizeof(*want));
	size_t i;
	unsigned port;

	assert_non_null(want);
	for (i = 0; i < n; i++)
		for (port = spans[i].lo; port <= spans[i].hi; port++)
			want[spans[i].proto * PC_NPORTS + port] = (__u32)spans[i].rules;
	for (i = 0; i < PC_PORTS_SLOT; i++) {
		if (c->ports[i].counter != want[i])
			fail_msg("%s port %zu: counter %u, want %u", i < PC_NPORTS ? "tcp" : "udp",
				 i % PC_NPORTS, c->ports[i].counter, want[i]);
		assert_int_equal(c->ports[i].pad, 0);
	}
	free(want);
}

static void expect_item(const struct pc_compiled *c, __u32 i, int proto, unsigned lo, unsigned hi,
			__u64 rules)
{
	assert_true(i < c->hdr.nitems);
	if (c->items[i].proto != proto || c->items[i].lo != lo || c->items[i].hi != hi ||
	    c->items[i].rules != rules)
		fail_msg("item %u: proto %u %u:%u rules %#llx, want proto %d %u:%u rules %#llx", i,
			 c->items[i].proto, c->items[i].lo, c->items[i].hi,
			 (unsigned long long)c->items[i].rules, proto, lo, hi,
			 (unsigned long long)rules);
}

/* ---- rules and ports -------------------------------------------------- */

static void test_rule_fields(void **state)
{
	struct build b;

	build_ok(&b, "set malformed pass\n"
		     "block proto tcp to port 25\n"
		     "pass proto udp from 192.0.2.0/24\n"
		     "monitor proto { tcp, udp } to port { 465, 587 }\n");
	assert_int_equal(b.c->hdr.nrules, 3);
	assert_int_equal(b.c->hdr.nsets, 1);
	assert_int_equal(b.c->hdr.malformed, PC_ACT_PASS);
	assert_int_equal(b.c->hdr.generation, 0);
	assert_int_equal(b.c->hdr.applied_ns, 0);
	assert_int_equal(b.c->rules[0].action, PC_ACT_BLOCK);
	assert_int_equal(b.c->rules[0].protos, PC_PROTOS_TCP);
	assert_int_equal(b.c->rules[0].src_set, PC_SET_NONE);
	assert_int_equal(b.c->rules[0].dst_set, PC_SET_NONE);
	assert_int_equal(b.c->rules[0].flags, 0);
	assert_int_equal(b.c->rules[0].rate_unit, 0);
	assert_int_equal(b.c->rules[1].action, PC_ACT_PASS);
	assert_int_equal(b.c->rules[1].protos, PC_PROTOS_UDP);
	assert_int_equal(b.c->rules[1].src_set, 0);
	assert_int_equal(b.c->rules[1].dst_set, PC_SET_NONE);
	assert_int_equal(b.c->rules[2].action, PC_ACT_MONITOR);
	assert_int_equal(b.c->rules[2].protos, PC_PROTOS_TCP | PC_PROTOS_UDP);
	assert_int_equal(b.c->hdr.src_any, B(0) | B(2));
	assert_int_equal(b.c->hdr.dst_any, B(0) | B(1) | B(2));
	assert_int_equal(b.c->hdr.src_neg, 0);
	assert_int_equal(b.c->hdr.dst_neg, 0);
	/* Rules past nrules stay zero. */
	assert_int_equal(b.c->rules[3].action, 0);
	assert_int_equal(b.c->rules[3].src_set, 0);
	build_free(&b);

	pc_qsort_null_calls = 0;
	build_ok(&b, "");
	assert_int_equal(pc_qsort_null_calls, 0);
	assert_int_equal(b.c->hdr.nrules, 0);
	assert_int_equal(b.c->hdr.nitems, 0);
	assert_int_equal(b.c->nprefixes, 0);
	assert_int_equal(b.c->hdr.malformed, PC_ACT_BLOCK);
	expect_port_rules(b.c, NULL, 0);
	expect_port_counters(b.c, NULL, 0);
	build_free(&b);
}

static void test_port_masks(void **state)
{
	struct build b;
	const struct port_span rules[] = {
		{ PC_PROTO_TCP, 25, 25, B(0) | B(1) | B(5) },
		{ PC_PROTO_TCP, 587, 587, B(1) },
		{ PC_PROTO_UDP, 53, 53, B(2) },
		{ PC_PROTO_TCP, 1000, 1002, B(3) },
		{ PC_PROTO_UDP, 1000, 1002, B(3) },
		{ PC_PROTO_TCP, 0, 0, B(4) },
		{ PC_PROTO_TCP, 65535, 65535, B(4) },
		{ PC_PROTO_TCP, 20, 30, B(5) },
		{ PC_PROTO_TCP, 60000, 65535, B(5) },
	};

	build_ok(&b, "block proto tcp to port 25\n"
		     "pass proto tcp to port { 25, 587 }\n"
		     "monitor proto udp to port 53\n"
		     "block proto { tcp, udp } to port 1000:1002\n"
		     "pass proto tcp to port { 0, 65535 }\n"
		     "block proto tcp to port { 20:30, 25, 60000:65535 }\n");
	expect_port_rules(b.c, rules, sizeof(rules) / sizeof(rules[0]));
	assert_int_equal(b.c->hdr.nitems, 9);
	/* Sorted by proto, lo, hi. */
	expect_item(b.c, 0, PC_PROTO_TCP, 0, 0, B(4));
	expect_item(b.c, 1, PC_PROTO_TCP, 20, 30, B(5));
	expect_item(b.c, 2, PC_PROTO_TCP, 25, 25, B(0) | B(1) | B(5));
	expect_item(b.c, 3, PC_PROTO_TCP, 587, 587, B(1));
	expect_item(b.c, 4, PC_PROTO_TCP, 1000, 1002, B(3));
	expect_item(b.c, 5, PC_PROTO_TCP, 60000, 65535, B(5));
	expect_item(b.c, 6, PC_PROTO_TCP, 65535, 65535, B(4));
	expect_item(b.c, 7, PC_PROTO_UDP, 53, 53, B(2));
	expect_item(b.c, 8, PC_PROTO_UDP, 1000, 1002, B(3));
	build_free(&b);
}

static void test_portless_rules(void **state)
{
	struct build b;
	const struct port_span rules[] = {
		{ PC_PROTO_UDP, 0, 65535, B(0) },
		{ PC_PROTO_TCP, 25, 25, B(1) },
		{ PC_PROTO_TCP, 0, 65535, B(2) }, /* no proto: both, as in pf */
		{ PC_PROTO_UDP, 0, 65535, B(2) },
		{ PC_PROTO_UDP, 0, 65535, B(3) },
		{ PC_PROTO_TCP, 0, 65535, B(3) },
		{ PC_PROTO_UDP, 53, 53, B(4) },
	};
	const struct port_span counters[] = {
		{ PC_PROTO_TCP, 25, 25, 1 },
		{ PC_PROTO_UDP, 53, 53, 2 },
	};

	build_ok(&b, "block proto udp from 203.0.113.0/24\n"
		     "pass proto tcp to port 25\n"
		     "monitor from 198.51.100.0/24 to 192.0.2.1\n"
		     "block proto { udp, tcp } to 2001:db8::/32\n"
		     "pass proto udp to port 53\n");
	expect_port_rules(b.c, rules, sizeof(rules) / sizeof(rules[0]));
	/* Portless rules name no port item and count nowhere. */
	assert_int_equal(b.c->hdr.nitems, 2);
	expect_item(b.c, 0, PC_PROTO_TCP, 25, 25, B(1));
	expect_item(b.c, 1, PC_PROTO_UDP, 53, 53, B(4));
	expect_port_counters(b.c, counters, 2);
	assert_int_equal(b.c->rules[3].protos, PC_PROTOS_TCP | PC_PROTOS_UDP);
	build_free(&b);
}

static void test_proto_lists(void **state)
{
	struct build b;
	const struct port_span rules[] = {
		{ PC_PROTO_TCP, 25, 25, B(0) | B(2) },
		{ PC_PROTO_UDP, 25, 25, B(0) | B(1) },
		{ PC_PROTO_TCP, 53, 53, B(0) },
		{ PC_PROTO_UDP, 53, 53, B(0) | B(1) },
	};

	build_ok(&b, "block proto { tcp, udp } to port { 25, 53 }\n"
		     "pass proto { udp } to port { 53, 25 }\n"
		     "monitor proto { tcp, tcp } to port 25\n");
	assert_int_equal(b.c->rules[0].protos, 3);
	assert_int_equal(b.c->rules[1].protos, PC_PROTOS_UDP);
	assert_int_equal(b.c->rules[2].protos, PC_PROTOS_TCP);
	expect_port_rules(b.c, rules, sizeof(rules) / sizeof(rules[0]));
	assert_int_equal(b.c->hdr.nitems, 4);
	expect_item(b.c, 0, PC_PROTO_TCP, 25, 25, B(0) | B(2));
	expect_item(b.c, 1, PC_PROTO_TCP, 53, 53, B(0));
	expect_item(b.c, 2, PC_PROTO_UDP, 25, 25, B(0) | B(1));
	expect_item(b.c, 3, PC_PROTO_UDP, 53, 53, B(0) | B(1));
	build_free(&b);
}

/* The narrowest item that holds a port owns its counter; among items of
 * one width, the lowest lo. */
static void test_counter_painting(void **state)
{
	struct build b;
	/* Items sorted: 0 tcp 1:1024, 1 tcp 20:30, 2 tcp 25, 3 tcp 25:35,
	 * 4 tcp 40:50, 5 tcp 45:55, 6 udp 1:1024, 7 udp 25 */
	const struct port_span counters[] = {
		{ PC_PROTO_TCP, 1, 1024, 1 },
		{ PC_PROTO_TCP, 20, 35, 2 },  /* 20:30 and 25:35: equal width */
		{ PC_PROTO_TCP, 31, 35, 4 },  /* only 25:35 there */
		{ PC_PROTO_TCP, 25, 25, 3 },  /* narrowest */
		{ PC_PROTO_TCP, 40, 55, 5 },  /* 40:50 wins 45..50 on the lower lo */
		{ PC_PROTO_TCP, 51, 55, 6 },
		{ PC_PROTO_UDP, 1, 1024, 7 },
		{ PC_PROTO_UDP, 25, 25, 8 },
	};
	const struct port_span rules[] = {
		{ PC_PROTO_TCP, 25, 25, B(0) },
		{ PC_PROTO_TCP, 1, 1024, B(1) },
		{ PC_PROTO_UDP, 1, 1024, B(1) },
		{ PC_PROTO_TCP, 20, 30, B(2) },
		{ PC_PROTO_TCP, 25, 35, B(3) },
		{ PC_PROTO_TCP, 45, 55, B(3) },
		{ PC_PROTO_TCP, 40, 50, B(4) },
		{ PC_PROTO_UDP, 25, 25, B(5) },
		{ PC_PROTO_TCP, 0, 65535, B(6) },
	};

	build_ok(&b, "block proto tcp to port 25\n"
		     "pass proto { tcp, udp } to port 1:1024\n"
		     "monitor proto tcp to port 20:30\n"
		     "monitor proto tcp to port { 45:55, 25:35 }\n"
		     "block proto tcp to port 40:50\n"
		     "block proto udp to port 25\n"
		     "pass proto tcp\n");
	assert_int_equal(b.c->hdr.nitems, 8);
	expect_item(b.c, 0, PC_PROTO_TCP, 1, 1024, B(1));
	expect_item(b.c, 1, PC_PROTO_TCP, 20, 30, B(2));
	expect_item(b.c, 2, PC_PROTO_TCP, 25, 25, B(0));
	expect_item(b.c, 3, PC_PROTO_TCP, 25, 35, B(3));
	expect_item(b.c, 4, PC_PROTO_TCP, 40, 50, B(4));
	expect_item(b.c, 5, PC_PROTO_TCP, 45, 55, B(3));
	expect_item(b.c, 6, PC_PROTO_UDP, 1, 1024, B(1));
	expect_item(b.c, 7, PC_PROTO_UDP, 25, 25, B(5));
	expect_port_counters(b.c, counters, sizeof(counters) / sizeof(counters[0]));
	expect_port_rules(b.c, rules, sizeof(rules) / sizeof(rules[0]));
	build_free(&b);

	/* The three of the brief, in every order of writing: the same result. */
	{
		static const char *const orders[] = {
			"block proto tcp to port 25\npass proto tcp to port 1:1024\n"
			"monitor proto tcp to port 20:30\n",
			"monitor proto tcp to port 20:30\nblock proto tcp to port 25\n"
			"pass proto tcp to port 1:1024\n",
			"pass proto tcp to port 1:1024\nmonitor proto tcp to port 20:30\n"
			"block proto tcp to port 25\n",
		};
		const struct port_span c3[] = {
			{ PC_PROTO_TCP, 1, 1024, 1 },
			{ PC_PROTO_TCP, 20, 30, 2 },
			{ PC_PROTO_TCP, 25, 25, 3 },
		};
		size_t i;

		for (i = 0; i < 3; i++) {
			build_ok(&b, orders[i]);
			assert_int_equal(b.c->hdr.nitems, 3);
			assert_int_equal(b.c->items[0].lo, 1);
			assert_int_equal(b.c->items[1].lo, 20);
			assert_int_equal(b.c->items[2].lo, 25);
			expect_port_counters(b.c, c3, 3);
			build_free(&b);
		}
	}
}

/* ---- sets and prefixes ------------------------------------------------ */

static void test_ancestor_propagation(void **state)
{
	struct build b;
	static const char *const want[] = {
		"src 100.64.0.0/10 rules=0x1 sets=0x0:0x1",
		"src 100.64.1.0/24 rules=0x3 sets=0x0:0x2",
		"src 100.64.1.128/25 rules=0x7 sets=0x0:0x4",
		"src 100.64.2.0/24 rules=0x3 sets=0x0:0x2",
		"src 100.128.0.0/24 rules=0x2 sets=0x0:0x2",
		"dst 100.64.1.0/24 rules=0x8 sets=0x0:0x2",
		"dst 100.64.2.0/24 rules=0x8 sets=0x0:0x2",
		"dst 100.128.0.0/24 rules=0x8 sets=0x0:0x2",
	};

	build_ok(&b, "table <pools> { 100.64.0.0/10 }\n"
		     "table <small> { 100.64.1.0/24, 100.128.0.0/24, 100.64.2.0/24 }\n"
		     "table <tiny> { 100.64.1.128/25 }\n"
		     "block from <pools> to port 25\n"
		     "pass from <small> to port 25\n"
		     "monitor from <tiny>\n"
		     "block to <small> port 80\n");
	assert_int_equal(b.c->hdr.nsets, 3);
	expect_entries(b.c, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(b.c->hdr.src_any, B(3));
	assert_int_equal(b.c->hdr.dst_any, B(0) | B(1) | B(2));
	assert_int_equal(b.c->rules[0].src_set, 0);
	assert_int_equal(b.c->rules[1].src_set, 1);
	assert_int_equal(b.c->rules[2].src_set, 2);
	assert_int_equal(b.c->rules[3].dst_set, 1);
	build_free(&b);

	/* An ancestor that no rule's port reaches still propagates: propagation
	 * is about sets, ports are another mask. Ancestors across tables and
	 * lists, and a chain of four. */
	{
		static const char *const want2[] = {
			"src 10.0.0.0/8 rules=0x1 sets=0x0:0x1",
			"src 10.1.0.0/16 rules=0x3 sets=0x0:0x2",
			"src 10.1.2.0/24 rules=0x7 sets=0x0:0x4",
			"src 10.1.2.3 rules=0xf sets=0x0:0x8",
			"src 10.2.0.0/16 rules=0x1 sets=0x0:0x1",
		};

		build_ok(&b, "table <a> { 10.0.0.0/8, 10.2.0.0/16 }\n"
			     "block proto udp from <a>\n"
			     "pass from 10.1.0.0/16 to port 1\n"
			     "pass from { 10.1.2.0/24 } to port 2\n"
			     "pass from 10.1.2.3/32 to port 3\n");
		assert_int_equal(b.c->hdr.nsets, 4);
		expect_entries(b.c, want2, sizeof(want2) / sizeof(want2[0]));
		build_free(&b);
	}
}

static void test_same_prefix_merges(void **state)
{
	struct build b;
	static const char *const want[] = {
		"src 10.0.0.0/8 rules=0xf sets=0x0:0x7",
		"src 192.0.2.1 rules=0x1 sets=0x0:0x1",
		"src 198.51.100.0/24 rules=0x2 sets=0x0:0x2",
		"dst 10.0.0.0/8 rules=0x10 sets=0x0:0x2",
		"dst 198.51.100.0/24 rules=0x10 sets=0x0:0x2",
	};

	build_ok(&b, "table <a> { 10.0.0.0/8, 192.0.2.1 }\n"
		     "table <b> { 10.0.0.0/8, 198.51.100.0/24, 10.0.0.0/8 }\n"
		     "block from <a> to port 25\n"
		     "pass from <b> to port 25\n"
		     "monitor from 10.0.0.0/8\n"
		     "monitor from { 10.0.0.0/8 } to port 9\n" /* the same list: one set */
		     "block to <b> port 25\n");
	assert_int_equal(b.c->hdr.nsets, 3);
	assert_int_equal(b.c->rules[2].src_set, 2);
	assert_int_equal(b.c->rules[3].src_set, 2);
	expect_entries(b.c, want, sizeof(want) / sizeof(want[0]));
	build_free(&b);
}

static void test_set_table(void **state)
{
	struct build b;
	const struct pc_prefix p1 = pfx("192.0.2.0/24"), p2 = pfx("2001:db8::1"),
			       p3 = pfx("198.51.100.7");

	/* Tables first, in the order they are defined (not used); then the
	 * distinct inline lists, in the order they first appear. */
	build_ok(&b, "table <zeta> { 203.0.113.0/24 }\n"
		     "table <alpha> { }\n"
		     "table <mid> { 198.51.100.0/24, 2001:db8::/32 }\n"
		     "block from { 192.0.2.0/24, 2001:db8::1 } to <mid> port 25\n"
		     "pass from <alpha> to 198.51.100.7\n"
		     "pass from 198.51.100.7 to { 192.0.2.0/24, 2001:db8::1 }\n"
		     "block from <zeta> to { 192.0.2.0/24 }\n");
	assert_int_equal(b.c->hdr.nsets, 6);
	assert_string_equal(b.c->sets[0].name, "zeta");
	assert_string_equal(b.c->sets[1].name, "alpha");
	assert_string_equal(b.c->sets[2].name, "mid");
	assert_int_equal(b.c->sets[0].flags, PC_SET_TABLE);
	assert_int_equal(b.c->sets[1].flags, PC_SET_TABLE);
	assert_int_equal(b.c->sets[2].flags, PC_SET_TABLE);
	assert_int_equal(b.c->sets[0].nprefixes, 1);
	assert_int_equal(b.c->sets[1].nprefixes, 0);
	assert_int_equal(b.c->sets[2].nprefixes, 2);
	/* The lists: set 3 = { 192.0.2.0/24, 2001:db8::1 }, 4 = 198.51.100.7,
	 * 5 = { 192.0.2.0/24 }. */
	assert_int_equal(b.c->rules[0].src_set, 3);
	assert_int_equal(b.c->rules[0].dst_set, 2);
	assert_int_equal(b.c->rules[1].src_set, 1);
	assert_int_equal(b.c->rules[1].dst_set, 4);
	assert_int_equal(b.c->rules[2].src_set, 4);
	assert_int_equal(b.c->rules[2].dst_set, 3);
	assert_int_equal(b.c->rules[3].src_set, 0);
	assert_int_equal(b.c->rules[3].dst_set, 5);
	assert_string_equal(b.c->sets[3].name, "");
	assert_int_equal(b.c->sets[3].flags, 0);
	assert_int_equal(b.c->sets[3].nprefixes, 2);
	assert_int_equal(b.c->sets[3].first, 0);
	assert_int_equal(b.c->sets[4].nprefixes, 1);
	assert_int_equal(b.c->sets[4].first, 2);
	assert_int_equal(b.c->sets[5].nprefixes, 1);
	assert_int_equal(b.c->sets[5].first, 3);
	assert_int_equal(b.c->hdr.nlist, 4);
	assert_int_equal(b.c->lists[0].family, PC_FAMILY_V4);
	assert_int_equal(b.c->lists[0].len, 24);
	assert_memory_equal(b.c->lists[0].addr, p1.addr, 16);
	assert_int_equal(b.c->lists[1].family, PC_FAMILY_V6);
	assert_int_equal(b.c->lists[1].len, 128);
	assert_memory_equal(b.c->lists[1].addr, p2.addr, 16);
	assert_int_equal(b.c->lists[2].len, 32);
	assert_memory_equal(b.c->lists[2].addr, p3.addr, 16);
	assert_int_equal(b.c->lists[3].len, 24);
	assert_memory_equal(b.c->lists[3].addr, p1.addr, 16);
	/* Unused set slots stay zero. */
	assert_string_equal(b.c->sets[6].name, "");
	assert_int_equal(b.c->sets[6].nprefixes, 0);
	build_free(&b);
}

static void make_src_not_any(struct pc_policy *p)
{
	/* The parser refuses "! any"; the compiler must still get it right. */
	p->rules[1].src.kind = PC_ADDR_ANY;
	p->rules[1].src.neg = true;
	p->rules[2].dst.kind = PC_ADDR_ANY;
	p->rules[2].dst.neg = true;
}

static void test_negation(void **state)
{
	struct build b;
	static const char *const want[] = {
		"src 192.0.2.0/24 rules=0x1 sets=0x0:0x1",
		"dst 198.51.100.0/24 rules=0x8 sets=0x0:0x2",
		"dst 2001:db8::/32 rules=0x8 sets=0x0:0x2",
	};

	build_ok(&b, "table <t> { 192.0.2.0/24 }\n"
		     "block from ! <t> to port 25\n"
		     "pass from 203.0.113.0/24 to port 25\n"
		     "pass to port 26\n"
		     "monitor to !{ 198.51.100.0/24, 2001:db8::/32 } port 587\n");
	assert_int_equal(b.c->hdr.src_neg, B(0));
	assert_int_equal(b.c->hdr.dst_neg, B(3));
	assert_int_equal(b.c->hdr.src_any, B(2) | B(3));
	assert_int_equal(b.c->hdr.dst_any, B(0) | B(1) | B(2));
	assert_int_equal(b.c->rules[0].src_neg, 1);
	assert_int_equal(b.c->rules[0].dst_neg, 0);
	assert_int_equal(b.c->rules[3].dst_neg, 1);
	assert_int_equal(b.c->rules[3].src_neg, 0);
	assert_int_equal(b.c->rules[1].src_neg, 0);
	build_free(&b);

	/* Again with "! any" on rule 1's source and rule 2's destination:
	 * neither "any" nor negated, so the bit survives no lookup. */
	build_text_hook(&b,
			"table <t> { 192.0.2.0/24 }\n"
			"block from ! <t> to port 25\n"
			"pass from 203.0.113.0/24 to port 25\n"
			"pass to port 26\n"
			"monitor to !{ 198.51.100.0/24, 2001:db8::/32 } port 587\n",
			0, make_src_not_any);
	assert_int_equal(b.compile_rc, 0);
	assert_int_equal(b.c->rules[1].src_set, PC_SET_NONE);
	assert_int_equal(b.c->rules[1].src_neg, 0);
	assert_int_equal(b.c->rules[2].dst_set, PC_SET_NONE);
	assert_int_equal(b.c->rules[2].dst_neg, 0);
	assert_int_equal(b.c->hdr.src_any, B(2) | B(3));
	assert_int_equal(b.c->hdr.src_neg, B(0));
	assert_int_equal(b.c->hdr.dst_any, B(0) | B(1));
	assert_int_equal(b.c->hdr.dst_neg, B(3));
	/* The list of rule 1 is gone with it; only the others' sets remain. */
	assert_int_equal(b.c->hdr.nsets, 2);
	expect_entries(b.c, want, sizeof(want) / sizeof(want[0]));
	build_free(&b);

	/* The parser itself refuses "! any", at the 'any'. */
	build_text(&b, "block from ! any to port 25\n", 0);
	assert_int_equal(b.parse_errors, 1);
	assert_string_equal(b.diag, FILE_NAME ":1:14: error: '!any' would never match; expected an "
				    "address, prefix, <table> or { list } after '!'\n");
	build_free(&b);
}

static void test_v4_v6(void **state)
{
	struct build b;
	/* Set 3 is the /128 list, set 4 the { ::/0, 0.0.0.0/0 } list. Rules 5
	 * and 6 use tables 0 and 2 as destinations. */
	static const char *const want[] = {
		"src 0.0.0.0/0 rules=0x1 sets=0x0:0x1",
		"src 10.0.0.0/8 rules=0x3 sets=0x0:0x2",
		"src ::/0 rules=0x4 sets=0x0:0x4",
		"src 2001:db8::/32 rules=0x6 sets=0x0:0x2",
		"src 2001:db8:1::/48 rules=0x6 sets=0x0:0x4",
		"src 2001:db8:1:2::5 rules=0xe sets=0x0:0x8",
		"dst 0.0.0.0/0 rules=0x30 sets=0x0:0x11",
		"dst ::/0 rules=0x50 sets=0x0:0x14",
		"dst 2001:db8:1::/48 rules=0x50 sets=0x0:0x4",
	};

	/* 0.0.0.0/0 holds no IPv6 address and ::/0 no IPv4 one. */
	build_ok(&b, "table <all4> { 0.0.0.0/0 }\n"
		     "table <mix> { 2001:db8::/32, 10.0.0.0/8 }\n"
		     "table <all6> { ::/0, 2001:db8:1::/48 }\n"
		     "block from <all4> to port 25\n"
		     "block from <mix> to port 25\n"
		     "block from <all6> to port 25\n"
		     "block from 2001:db8:1:2::5 to port 25\n"
		     "block to { ::/0, 0.0.0.0/0 } port 1\n"
		     "pass to <all4> port 2\n"
		     "pass to <all6> port 2\n");
	assert_int_equal(b.c->hdr.nsets, 5);
	assert_int_equal(b.c->rules[3].src_set, 3);
	assert_int_equal(b.c->rules[4].dst_set, 4);
	expect_entries(b.c, want, sizeof(want) / sizeof(want[0]));
	build_free(&b);
}

static void test_unused_table(void **state)
{
	struct build b;
	static const char *const want[] = {
		"src 192.0.2.0/24 rules=0x0 sets=0x0:0x1",
		"src 2001:db8::/32 rules=0x0 sets=0x0:0x1",
		"dst 198.51.100.0/24 rules=0x1 sets=0x0:0x2",
	};

	/* An unused table (a warning) is kept as source entries with no rule;
	 * a table used only as a destination has no source entries. */
	build_ok(&b, "table <unused> { 192.0.2.0/24, 2001:db8::/32 }\n"
		     "table <dsts> { 198.51.100.0/24 }\n"
		     "block to <dsts> port 25\n");
	assert_non_null(strstr(b.diag, FILE_NAME ":1:7: warning: table <unused> is never used"));
	assert_int_equal(b.c->hdr.nsets, 2);
	assert_string_equal(b.c->sets[0].name, "unused");
	assert_int_equal(b.c->sets[0].nprefixes, 2);
	expect_entries(b.c, want, sizeof(want) / sizeof(want[0]));
	build_free(&b);

	/* An unused table that overlaps a used one adds no rules to it, and
	 * takes the used one's rules only through propagation. */
	{
		static const char *const want2[] = {
			"src 10.0.0.0/8 rules=0x1 sets=0x0:0x2",
			"src 10.1.0.0/16 rules=0x1 sets=0x0:0x1",
		};

		build_ok(&b, "table <u> { 10.1.0.0/16 }\n"
			     "table <used> { 10.0.0.0/8 }\n"
			     "block from <used> to port 25\n");
		expect_entries(b.c, want2, 2);
		build_free(&b);
	}
}

/* ---- limits ------------------------------------------------------------ */

static void test_limit_rules(void **state)
{
	struct sbuf s;
	struct build b;
	char *text;
	int i;

	sbuf_open(&s);
	fprintf(s.f, "# 64 rules\n");
	for (i = 0; i < 64; i++)
		fprintf(s.f, "pass proto tcp to port %d\n", 1000 + i);
	text = sbuf_close(&s);
	build_ok(&b, text);
	assert_int_equal(b.c->hdr.nrules, 64);
	assert_int_equal(b.c->ports[1063].rules, B(63));
	build_free(&b);
	free(text);

	sbuf_open(&s);
	fprintf(s.f, "# 65 rules\n");
	for (i = 0; i < 65; i++)
		fprintf(s.f, "%spass proto tcp to port %d\n", i == 64 ? "   " : "", 1000 + i);
	text = sbuf_close(&s);
	expect_compile_errors(text, 0,
			      FILE_NAME ":66:4: error: too many rules: the limit is 64 (use tables to "
					"group addresses)\n");
	free(text);
}

static void test_limit_tables(void **state)
{
	struct sbuf s;
	struct build b;
	char *text;
	int i;

	sbuf_open(&s);
	for (i = 0; i < 128; i++)
		fprintf(s.f, "table <t%d> { 10.%d.0.0/16 }\n", i, i);
	fprintf(s.f, "block from <t127> to port 25\n");
	text = sbuf_close(&s);
	build_ok(&b, text);
	assert_int_equal(b.c->hdr.nsets, 128);
	/* 127 unused tables as rule-less source entries, t127 with rule 0. */
	assert_int_equal(b.c->nprefixes, 128);
	assert_int_equal(b.c->prefixes[127].val.rules, B(0));
	assert_int_equal(b.c->prefixes[127].val.sets[1], B(63));
	build_free(&b);
	free(text);

	sbuf_open(&s);
	for (i = 0; i < 129; i++)
		fprintf(s.f, "table <t%d> { 10.%d.0.0/16 }\n", i, i);
	fprintf(s.f, "block from <t128> to port 25\n");
	text = sbuf_close(&s);
	expect_compile_errors(text, 0, FILE_NAME ":129:7: error: too many tables: the limit is 128\n");
	free(text);
}

static void test_limit_sets(void **state)
{
	struct sbuf s;
	struct build b;
	char *text;
	int i;

	/* 100 tables and 28 distinct lists: 128 sets. Repeating a list
	 * makes no new set. */
	sbuf_open(&s);
	for (i = 0; i < 100; i++)
		fprintf(s.f, "table <t%d> { 10.%d.0.0/16 }\n", i, i);
	for (i = 0; i < 28; i++)
		fprintf(s.f, "block from { 192.0.2.%d } to port 25\n", i);
	fprintf(s.f, "block from { 192.0.2.0 } to { 192.0.2.27 } port 26\n");
	text = sbuf_close(&s);
	build_ok(&b, text);
	assert_int_equal(b.c->hdr.nsets, 128);
	assert_int_equal(b.c->rules[28].src_set, 100);
	assert_int_equal(b.c->rules[28].dst_set, 127);
	build_free(&b);
	free(text);

	/* One more distinct list is an error at that list; later ones are not
	 * reported again. */
	sbuf_open(&s);
	for (i = 0; i < 100; i++)
		fprintf(s.f, "table <t%d> { 10.%d.0.0/16 }\n", i, i);
	for (i = 0; i < 28; i++)
		fprintf(s.f, "block from { 192.0.2.%d } to port 25\n", i);
	fprintf(s.f, "block from { 192.0.2.0 } to !{ 192.0.2.99 } port 26\n");
	fprintf(s.f, "block from 192.0.2.100 to port 27\n");
	text = sbuf_close(&s);
	expect_compile_errors(text, 0,
			      FILE_NAME ":129:29: error: too many address sets: the limit is 128 tables "
					"and distinct lists\n");
	free(text);
}

static void test_limit_list_prefixes(void **state)
{
	struct sbuf s;
	struct build b;
	char *text;
	int i;

	/* 4000 + 96 = 4096 inline prefixes in all: accepted. */
	sbuf_open(&s);
	fprintf(s.f, "block from {");
	for (i = 0; i < 4000; i++)
		fprintf(s.f, " 10.0.%d.%d", i / 256, i % 256);
	fprintf(s.f, " } to port 25\npass to { ");
	for (i = 0; i < 96; i++)
		fprintf(s.f, "10.1.0.%d, ", i);
	fprintf(s.f, "}\n");
	text = sbuf_close(&s);
	build_ok(&b, text);
	assert_int_equal(b.c->hdr.nlist, 4096);
	assert_int_equal(b.c->sets[1].first, 4000);
	assert_int_equal(b.c->sets[1].nprefixes, 96);
	assert_int_equal(b.c->lists[4095].addr[3], 95);
	build_free(&b);
	free(text);

	/* 4097: an error at the list that goes over. */
	sbuf_open(&s);
	fprintf(s.f, "block from {");
	for (i = 0; i < 4000; i++)
		fprintf(s.f, " 10.0.%d.%d", i / 256, i % 256);
	fprintf(s.f, " } to port 25\n  pass to { ");
	for (i = 0; i < 97; i++)
		fprintf(s.f, "10.1.0.%d, ", i);
	fprintf(s.f, "}\n");
	text = sbuf_close(&s);
	expect_compile_errors(text, 0,
			      FILE_NAME ":2:11: error: inline address lists hold more than 4096 "
					"prefixes in all; put them in a table\n");
	free(text);

	/* One list alone over the limit. */
	sbuf_open(&s);
	fprintf(s.f, "\nblock from !{");
	for (i = 0; i < 4097; i++)
		fprintf(s.f, " 10.0.%d.%d", i / 256, i % 256);
	fprintf(s.f, " }\n");
	text = sbuf_close(&s);
	expect_compile_errors(text, 0,
			      FILE_NAME ":2:12: error: inline address lists hold more than 4096 "
					"prefixes in all; put them in a table\n");
	free(text);
}

static void test_limit_port_items(void **state)
{
	struct sbuf s;
	struct build b;
	char *text;
	int i;

	/* 512 ports for two protocols, each named twice: 1024 items. */
	sbuf_open(&s);
	fprintf(s.f, "block proto { tcp, udp } to port {");
	for (i = 0; i < 512; i++)
		fprintf(s.f, " %d", 2 * i + 1);
	fprintf(s.f, " }\npass proto { udp, tcp } to port { 1:1, 1023 }\n");
	text = sbuf_close(&s);
	build_ok(&b, text);
	assert_int_equal(b.c->hdr.nitems, 1024);
	expect_item(b.c, 0, PC_PROTO_TCP, 1, 1, B(0) | B(1));
	expect_item(b.c, 511, PC_PROTO_TCP, 1023, 1023, B(0) | B(1));
	expect_item(b.c, 1023, PC_PROTO_UDP, 1023, 1023, B(0) | B(1));
	assert_int_equal(b.c->ports[1023].counter, 512);
	assert_int_equal(b.c->ports[PC_NPORTS + 1023].counter, 1024);
	build_free(&b);
	free(text);

	/* One more, as a range in a second rule: the error is at that rule. */
	sbuf_open(&s);
	fprintf(s.f, "block proto { tcp, udp } to port {");
	for (i = 0; i < 512; i++)
		fprintf(s.f, " %d", 2 * i + 1);
	fprintf(s.f, " }\n\tpass proto { udp, tcp } to port { 1:1, 1023, 2000:2001 }\n");
	text = sbuf_close(&s);
	expect_compile_errors(text, 0,
			      FILE_NAME ":2:2: error: too many distinct ports and ranges: the limit is "
					"1024 (protocol, port or range) pairs, and a rule without 'proto' "
					"names each of its ports for tcp and for udp\n");
	free(text);
}

/* A table of n /32s from 10.0.0.0 on; as a source, and as a destination
 * too when both. */
static char *big_table_policy(unsigned n, bool both)
{
	struct sbuf s;
	unsigned i;

	sbuf_open(&s);
	fprintf(s.f, "# %u prefixes\n\ntable <big> {\n", n);
	for (i = 0; i < n; i++)
		fprintf(s.f, "10.%u.%u.%u\n", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	fprintf(s.f, "}\ntable <small> { 192.0.2.0/24 }\nblock from <small> to port 25\n");
	fprintf(s.f, "block from <big> to %s port 25\n", both ? "<big>" : "any");
	return sbuf_close(&s);
}

static void test_limit_prefixes(void **state)
{
	struct build b;
	char *text, want[256];

	/* Exactly 2^21 entries: 2^21 - 1 in <big> and one in <small>. */
	text = big_table_policy(PC_MAX_PREFIXES - 1, false);
	build_ok(&b, text);
	assert_int_equal(b.c->nprefixes, PC_MAX_PREFIXES);
	assert_int_equal(b.c->hdr.nprefixes, PC_MAX_PREFIXES);
	assert_int_equal(b.c->prefixes[PC_MAX_PREFIXES - 2].val.rules, B(1));
	build_free(&b);
	free(text);

	/* One more: the error points at the biggest table. */
	text = big_table_policy(PC_MAX_PREFIXES, false);
	snprintf(want, sizeof(want),
		 FILE_NAME ":3:7: error: the policy needs %d prefix entries (a table used both as "
			   "source and destination counts twice); the limit is %d\n",
		 PC_MAX_PREFIXES + 1, PC_MAX_PREFIXES);
	expect_compile_errors(text, 0, want);
	free(text);

	/* A table used both ways counts twice: 2 * 2^20 + 1 (<small>). */
	text = big_table_policy(PC_MAX_PREFIXES / 2, true);
	snprintf(want, sizeof(want),
		 FILE_NAME ":3:7: error: the policy needs %d prefix entries (a table used both as "
			   "source and destination counts twice); the limit is %d\n",
		 PC_MAX_PREFIXES + 1, PC_MAX_PREFIXES);
	expect_compile_errors(text, 0, want);
	free(text);
}

/* ---- log ------------------------------------------------------------- */

static const char log_text[] =
	"table <subs> { 100.64.0.0/10 }\n"
	"reject proto tcp from <subs> to port 25 log\n"
	"  limit   proto tcp from <subs> to port 587 rate 30/minute burst 10\n"
	"monitor proto tcp to port { 465, 587, 2525 } log\n"
	"block proto udp to port 53\n"
	"limit proto udp from <subs> log rate 5/second\n"
	"block to port 26 log\n"
	"pass proto tcp to port 443 log\n";

/* log compiles on every action: the rule's flag, and its bit in the
 * header's log_rules, the mask the data plane tests. */
static void test_log(void **state)
{
	struct build b;

	build_text(&b, log_text, 0);
	assert_int_equal(b.parse_errors, 0);
	assert_int_equal(b.compile_rc, 0);
	assert_int_equal(b.compile_errors, 0);
	assert_int_equal(b.c->hdr.nrules, 7);
	assert_int_equal(b.c->hdr.log_rules, B(0) | B(2) | B(4) | B(5) | B(6));
	assert_int_equal(b.c->rules[0].action, PC_ACT_REJECT);
	assert_int_equal(b.c->rules[0].flags, PC_RULE_LOG);
	assert_int_equal(b.c->rules[0].rate_unit, 0);
	assert_int_equal(b.c->rules[1].action, PC_ACT_LIMIT);
	assert_int_equal(b.c->rules[1].flags, 0);
	assert_int_equal(b.c->rules[1].rate, 30);
	assert_int_equal(b.c->rules[1].rate_unit, 60);
	assert_int_equal(b.c->rules[1].burst, 10);
	assert_int_equal(b.c->rules[2].action, PC_ACT_MONITOR);
	assert_int_equal(b.c->rules[2].flags, PC_RULE_LOG);
	assert_int_equal(b.c->rules[3].action, PC_ACT_BLOCK);
	assert_int_equal(b.c->rules[3].flags, 0);
	assert_int_equal(b.c->rules[4].action, PC_ACT_LIMIT);
	assert_int_equal(b.c->rules[4].rate, 5);
	assert_int_equal(b.c->rules[4].rate_unit, 1);
	assert_int_equal(b.c->rules[4].burst, 5); /* a second's worth */
	assert_int_equal(b.c->rules[4].flags, PC_RULE_LOG);
	assert_int_equal(b.c->rules[5].action, PC_ACT_BLOCK);
	assert_int_equal(b.c->rules[5].flags, PC_RULE_LOG);
	assert_int_equal(b.c->rules[6].action, PC_ACT_PASS);
	assert_int_equal(b.c->rules[6].flags, PC_RULE_LOG);
	/* log changes no verdict: the other masks are those without it. */
	assert_int_equal(b.c->hdr.drop_rules, B(0) | B(3) | B(5));
	assert_int_equal(b.c->hdr.reject_rules, B(0));
	assert_int_equal(b.c->hdr.limit_rules, B(1) | B(4));
	assert_int_equal(b.c->ports[25].rules, B(0));
	assert_int_equal(b.c->ports[587].rules, B(1) | B(2));
	assert_int_equal(b.c->ports[PC_NPORTS + 53].rules, B(3) | B(4));
	build_free(&b);

	build_text(&b, "block to port 25\npass\n", 0);
	assert_int_equal(b.compile_rc, 0);
	assert_int_equal(b.c->hdr.log_rules, 0);
	build_free(&b);
}

static __u64 digest_of(const char *text);

/* log is part of the policy: adding it makes a new one. */
static void test_log_digest(void **state)
{
	assert_true(digest_of("block to port 25\n") != digest_of("block to port 25 log\n"));
	assert_true(digest_of("block to port 25 log\n") == digest_of("block  to port 25   log\n"));
}

/* `rules` prints log back where it was: the policy printed and read
 * again compiles to the same digest. */
static void test_log_printed(void **state)
{
	struct build b, again;
	char *printed = NULL;
	size_t len = 0;
	FILE *f;

	build_ok(&b, log_text);
	f = open_memstream(&printed, &len);
	assert_non_null(f);
	pc_policy_print(f, &b.p);
	fclose(f);
	assert_non_null(strstr(printed, "reject proto tcp from <subs> to port 25 log\n"));
	assert_non_null(strstr(printed, "monitor proto tcp to port { 465, 587, 2525 } log\n"));
	assert_non_null(strstr(printed, "limit proto udp from <subs> log rate 5/second\n"));
	assert_non_null(strstr(printed, "block to port 26 log\n"));
	assert_non_null(strstr(printed, "pass proto tcp to port 443 log\n"));
	build_ok(&again, printed);
	assert_int_equal(again.c->hdr.log_rules, b.c->hdr.log_rules);
	assert_true(again.c->hdr.digest == b.c->hdr.digest);
	build_free(&b);
	build_free(&again);
	free(printed);
}

/* ---- limit and set reply-limit ------------------------------------------ */

/* The id of rule i of a policy (it must compile). */
static __u64 rule_id(const char *text, int i)
{
	struct build b;
	__u64 id;

	build_ok(&b, text);
	id = b.c->rules[i].id;
	build_free(&b);
	return id;
}

static void test_limit_action(void **state)
{
	static const char text[] = "table <subs> { 100.64.0.0/10 }\n"
				   "block proto tcp to port 25\n"
				   "limit proto tcp from <subs> to port 587 rate 30/minute burst 10\n"
				   "limit proto udp from <subs> rate 5/second\n";
	const char *a = "table <subs> { 100.64.0.0/10 }\n"
			"limit proto tcp from <subs> to port 587 rate 3/minute\n";
	struct build b;

	build_ok(&b, text);
	assert_int_equal(b.c->hdr.limit_rules, B(1) | B(2));
	assert_int_equal(b.c->hdr.drop_rules, B(0));
	assert_int_equal(b.c->rules[1].burst, 10);
	assert_int_equal(b.c->rules[2].burst, 5); /* a second's worth */
	assert_int_equal(b.c->rules[0].id, 0);
	assert_true(b.c->rules[1].id && b.c->rules[2].id && b.c->rules[1].id != b.c->rules[2].id);
	build_free(&b);

	/* The id, which keys the buckets, follows the rule's text: moved,
	 * beside other rules, with other table contents, with its burst
	 * written out, it stays; with another rate it changes. */
	assert_true(rule_id(a, 0) == rule_id("table <subs> { 100.64.0.0/10, 2001:db8::/32 }\n"
					     "pass to port 443\n"
					     "limit proto tcp from <subs> to port 587 rate 3/minute burst 3\n",
					     1));
	assert_true(rule_id(a, 0) != rule_id("table <subs> { 100.64.0.0/10 }\n"
					     "limit proto tcp from <subs> to port 587 rate 4/minute\n",
					     0));
	assert_true(rule_id(a, 0) != rule_id("table <subs> { 100.64.0.0/10 }\n"
					     "limit proto tcp from <subs> to port 465 rate 3/minute\n",
					     0));
}

static void test_reply_limit(void **state)
{
	struct build b, d;

	build_ok(&b, "pass to port 25\n");
	assert_int_equal(b.c->hdr.reply_rate, PC_REPLY_RATE);
	assert_int_equal(b.c->hdr.reply_unit, 1);
	assert_int_equal(b.c->hdr.reply_burst, PC_REPLY_BURST);
	assert_int_equal(b.c->hdr.reply_interval_ns, PC_REPLY_INTERVAL_NS);
	/* The default written out is the same policy. */
	build_ok(&d, "set reply-limit 10/second burst 20\npass to port 25\n");
	assert_int_equal(b.c->hdr.digest, d.c->hdr.digest);
	build_free(&d);

	build_ok(&d, "set reply-limit 3/minute burst 5\npass to port 25\n");
	assert_int_equal(d.c->hdr.reply_interval_ns, 20000000000ULL);
	assert_int_equal(d.c->hdr.reply_burst, 5);
	assert_int_equal(d.c->hdr.reply_rate, 3);
	assert_int_equal(d.c->hdr.reply_unit, 60);
	assert_true(b.c->hdr.digest != d.c->hdr.digest);
	build_free(&d);

	build_ok(&d, "set reply-limit 2/hour\npass to port 25\n");
	assert_int_equal(d.c->hdr.reply_interval_ns, 1800000000000ULL);
	assert_int_equal(d.c->hdr.reply_burst, 2);
	build_free(&d);
	build_free(&b);
}

/* ---- the compiled masks as a classifier -------------------------------- */

static __u64 rng_state;

static __u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

struct tuple {
	int proto;
	unsigned port;
	__u8 family;
	__u8 src[16], dst[16];
};

/* Written separately from pc_prefix_contains on purpose. */
static bool ref_in_prefix(const struct pc_prefix *p, __u8 family, const __u8 *a)
{
	unsigned bit;

	if (p->family != family)
		return false;
	for (bit = 0; bit < p->len; bit++) {
		unsigned byte = bit / 8, m = 0x80u >> (bit % 8);

		if ((p->addr[byte] & m) != (a[byte] & m))
			return false;
	}
	return true;
}

/* The LPM trie: the longest entry of that direction and family that
 * holds the address; its rules, or 0 when there is none. */
static __u64 lpm_longest_match(const struct pc_compiled *c, int dir, __u8 family, const __u8 *a)
{
	const struct pc_prefix_entry *best = NULL;
	size_t i;

	for (i = 0; i < c->nprefixes; i++) {
		const struct pc_prefix_entry *e = &c->prefixes[i];

		if (e->dir != dir || !ref_in_prefix(&e->prefix, family, a))
			continue;
		if (!best || e->prefix.len > best->prefix.len)
			best = e;
	}
	return best ? best->val.rules : 0;
}

/* What bpf/classify.h does with the maps. */
static int kernel_match(const struct pc_compiled *c, const struct tuple *t)
{
	__u64 cand = c->ports[t->proto * PC_NPORTS + t->port].rules &
		     (t->family == PC_FAMILY_V4 ? c->hdr.v4_rules : c->hdr.v6_rules);

	if (cand & ~c->hdr.src_any)
		cand &= c->hdr.src_any |
			(lpm_longest_match(c, PC_DIR_SRC, t->family, t->src) ^ c->hdr.src_neg);
	if (cand & ~c->hdr.dst_any)
		cand &= c->hdr.dst_any |
			(lpm_longest_match(c, PC_DIR_DST, t->family, t->dst) ^ c->hdr.dst_neg);
	return cand ? __builtin_ctzll(cand) : -1;
}

/* The verdict of the deciding rule, as the kernel tells it from the
 * header masks. */
static enum pc_verdict kernel_verdict(const struct pc_compiled *c, int rule)
{
	if (rule < 0)
		return PC_V_PASSED;
	if (c->hdr.reject_rules & B(rule))
		return PC_V_REJECTED;
	return c->hdr.drop_rules & B(rule) ? PC_V_DROPPED : PC_V_PASSED;
}

/* The reference classifier's answer for a tuple, from a real frame. */
static struct pc_ref_result ref_classify(const struct pc_policy *p, const struct tuple *t)
{
	struct pkt_desc d = { 0 };
	uint8_t frame[256];
	size_t len;

	d.l3 = t->family == PC_FAMILY_V4 ? PKT_L3_IPV4 : PKT_L3_IPV6;
	memcpy(d.src, t->src, 16);
	memcpy(d.dst, t->dst, 16);
	d.proto = t->proto == PC_PROTO_TCP ? 6 : 17;
	d.sport = 40000;
	d.dport = (uint16_t)t->port;
	d.tcp_flags = PKT_SYN;
	len = pkt_build(&d, frame, sizeof(frame));
	assert_true(len > 0);
	return pc_ref_classify(p, frame, len);
}

/* Addresses worth trying: inside the prefixes of the policy, mostly. */
struct addr_pool {
	struct pc_prefix *v;
	size_t n, cap;
};

static void pool_add(struct addr_pool *pl, const struct pc_prefix *p)
{
	assert_int_equal(pc_array_push(pl, *p), 0);
}

static void pool_from_policy(struct addr_pool *pl, const struct pc_policy *p)
{
	size_t i, j;

	for (i = 0; i < p->ntables; i++)
		for (j = 0; j < p->tables[i].prefixes.n; j++)
			pool_add(pl, &p->tables[i].prefixes.v[j]);
	for (i = 0; i < p->nrules; i++) {
		for (j = 0; j < p->rules[i].src.list.n; j++)
			pool_add(pl, &p->rules[i].src.list.v[j]);
		for (j = 0; j < p->rules[i].dst.list.n; j++)
			pool_add(pl, &p->rules[i].dst.list.v[j]);
	}
}

static void random_addr(const struct addr_pool *pl, __u8 family, __u8 *a)
{
	unsigned nbytes = family == PC_FAMILY_V4 ? 4 : 16, i, k;

	memset(a, 0, 16);
	for (i = 0; i < nbytes; i++)
		a[i] = (__u8)rnd();
	if (rndn(10) < 8 && pl->n) {
		/* Inside a prefix of the right family, random host bits; now
		 * and then one bit past the prefix flipped, just outside. */
		for (k = 0; k < 8; k++) {
			const struct pc_prefix *p = &pl->v[rndn((unsigned)pl->n)];

			if (p->family != family)
				continue;
			for (i = 0; i < p->len; i++) {
				unsigned m = 0x80u >> (i % 8);

				a[i / 8] = (__u8)((a[i / 8] & ~m) | (p->addr[i / 8] & m));
			}
			if (p->len && rndn(6) == 0)
				a[(p->len - 1) / 8] ^= (__u8)(0x80u >> ((p->len - 1) % 8));
			break;
		}
	}
}

static const unsigned hot_ports[] = { 0, 1, 19, 20, 21, 24, 25, 26, 53, 80, 443, 465, 587,
				      1023, 1024, 1025, 2525, 8080, 65534, 65535 };

static unsigned random_port(const struct pc_policy *p)
{
	unsigned r = rndn(10);

	if (r < 4) {
		/* At or next to a bound that a rule names. */
		const struct pc_rule_ast *rule = &p->rules[rndn((unsigned)p->nrules)];

		if (rule->ports.n) {
			const struct pc_port_range *pr = &rule->ports.v[rndn((unsigned)rule->ports.n)];
			int port = (rndn(2) ? pr->lo : pr->hi) + (rndn(2) ? 0 : (int)rndn(3) - 1);

			if (port >= 0 && port <= 65535)
				return (unsigned)port;
		}
	}
	if (r < 7)
		return hot_ports[rndn(sizeof(hot_ports) / sizeof(hot_ports[0]))];
	return rndn(65536);
}

/* n random tuples: the compiled masks must pick the rule and the verdict
 * that the reference classifier picks, and the counter must be that of
 * the narrowest item. */
static void classify_compare(const char *name, const char *text,
			     void (*hook)(struct pc_policy *p), unsigned n)
{
	struct addr_pool pl = { 0 };
	struct build b;
	unsigned i, matched = 0, distinct = 0;
	int hits[PC_MAX_RULES + 1] = { 0 };

	build_text_hook(&b, text, PC_COMPILE_ALLOW_UNSUPPORTED, hook);
	if (b.parse_errors || b.compile_rc)
		fail_msg("%s did not compile:\n%s\n%s", name, text, b.diag);
	pool_from_policy(&pl, &b.p);
	for (i = 0; i < n; i++) {
		struct pc_ref_result ref;
		struct tuple t;
		int want, got;
		__u32 counter;

		memset(&t, 0, sizeof(t));
		t.proto = (int)rndn(2);
		t.port = random_port(&b.p);
		t.family = rndn(2) ? PC_FAMILY_V4 : PC_FAMILY_V6;
		random_addr(&pl, t.family, t.src);
		random_addr(&pl, t.family, t.dst);
		ref = ref_classify(&b.p, &t);
		want = ref.rule;
		got = kernel_match(b.c, &t);
		if (want != got || ref.verdict != kernel_verdict(b.c, got)) {
			char s[64], d[64];

			inet_ntop(t.family == PC_FAMILY_V4 ? AF_INET : AF_INET6, t.src, s, sizeof(s));
			inet_ntop(t.family == PC_FAMILY_V4 ? AF_INET : AF_INET6, t.dst, d, sizeof(d));
			fail_msg("%s: %s %s -> %s port %u: compiled masks pick rule %d (verdict %d), "
				 "the reference classifier rule %d (verdict %d)",
				 name, t.proto == PC_PROTO_TCP ? "tcp" : "udp", s, d, t.port, got,
				 kernel_verdict(b.c, got), want, ref.verdict);
		}
		hits[want + 1]++;
		matched += want >= 0;

		counter = b.c->ports[t.proto * PC_NPORTS + t.port].counter;
		if (ref.item_lo < 0) {
			if (counter)
				fail_msg("%s: %s port %u: counter %u, want none", name,
					 t.proto ? "udp" : "tcp", t.port, counter);
		} else if (!counter || counter > b.c->hdr.nitems ||
			   b.c->items[counter - 1].proto != t.proto ||
			   b.c->items[counter - 1].lo != ref.item_lo ||
			   b.c->items[counter - 1].hi != ref.item_hi) {
			fail_msg("%s: %s port %u: counter %u, want the item %d:%d", name,
				 t.proto ? "udp" : "tcp", t.port, counter, ref.item_lo, ref.item_hi);
		}
	}
	/* The tuples must exercise the policy: many rules decide some. */
	for (i = 0; i < PC_MAX_RULES; i++)
		distinct += hits[i + 1] > 0;
	print_message("# %s: %zu rules, %u decided by %u rules, %d by none\n", name, b.p.nrules,
		      matched, distinct, hits[0]);
	if (matched < n / 20 || distinct < (b.p.nrules < 8 ? b.p.nrules : 8))
		fail_msg("%s: the sample is poor", name);
	free(pl.v);
	build_free(&b);
}

static const char isp_policy[] =
	"table <relays>      { 198.51.100.25, 2001:db8:25::/64 }\n"
	"table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
	"table <business>    { 100.64.200.0/24, 100.64.7.7, 2001:db8:1fff::/48 }\n"
	"pass    proto tcp from <business> to port 25\n"
	"pass    proto tcp to <relays> port 25\n"
	"block   proto tcp from <subscribers> to port 25\n"
	"monitor proto tcp to port { 465, 587, 2525 }\n"
	"block   proto { tcp, udp } from 203.0.113.0/24 to port 1024:65535\n";

static const char tricky_policy[] =
	"table <a> { 10.0.0.0/8, 2001:db8::/32 }\n"
	"table <b> { 10.1.0.0/16, 10.1.2.0/24, 2001:db8:1::/48 }\n"
	"table <c> { 10.1.2.3, 0.0.0.0/1, 2001:db8:1:2::/64 }\n"
	"table <empty> { }\n"
	"table <unused> { 10.1.2.0/25, 2001:db8:1:2::/96 }\n"
	"pass    proto tcp from <c> to ! <b> port 25\n"
	"block   proto tcp from <b> to port 20:30\n"
	"pass    proto udp from ! <a> to <b> port { 53, 1:1024 }\n"
	"monitor proto { tcp, udp } from <empty>\n"
	"block   proto { tcp, udp } from ! <empty> to <a> port { 25, 587 }\n"
	"pass    from { 10.1.2.0/24, 2001:db8:1::/48 } to !{ 10.0.0.0/9, 10.1.2.3 } port 20:30\n"
	"block   from !{ 10.1.2.0/24, 2001:db8:1::/48 } to port 1:1024\n"
	"monitor proto udp to { ::/0 }\n"
	"block   from 10.1.2.3 to 10.1.2.3/32\n"
	"pass    proto udp to port 53\n"
	"block   proto udp from ! <c> to ! <a>\n";

static void make_not_any(struct pc_policy *p)
{
	/* Rule 8 (monitor proto udp to { ::/0 }) becomes "to ! any". */
	pc_prefix_list_free(&p->rules[7].dst.list);
	p->rules[7].dst.kind = PC_ADDR_ANY;
	p->rules[7].dst.neg = true;
}

/* A random policy: nested prefixes in tables and lists, negations, ports,
 * ranges and protocols, with fixed seeds so that a failure reproduces. */
static char *random_policy(void)
{
	static const char *const roots[] = {
		"10.0.0.0/8", "10.1.0.0/16", "100.64.0.0/10", "192.0.2.0/24", "0.0.0.0/0",
		"2001:db8::/32", "2001:db8:1000::/36", "::/0", "fd00::/8",
	};
	struct pc_prefix pool[64];
	char text[64];
	struct sbuf s;
	unsigned npool = 0, ntables, nrules, i, j, k, n;

	/* A pool of prefixes: roots and random longer prefixes inside them
	 * or inside each other. */
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		pool[npool++] = pfx(roots[i]);
	while (npool < 64) {
		struct pc_prefix p = pool[rndn(npool)];
		unsigned max = p.family == PC_FAMILY_V4 ? 32 : 128, len, bit;

		if (p.len == max)
			continue;
		len = p.len + 1 + rndn(max - p.len > 24 ? 24 : max - p.len);
		if (len > max)
			continue;
		for (bit = p.len; bit < len; bit++)
			if (rndn(2))
				p.addr[bit / 8] ^= (__u8)(0x80u >> (bit % 8));
		p.len = (__u8)len;
		pool[npool++] = p;
	}

	sbuf_open(&s);
	ntables = 2 + rndn(6);
	for (i = 0; i < ntables; i++) {
		fprintf(s.f, "table <t%u> {", i);
		n = rndn(8);
		for (j = 0; j < n; j++) {
			pc_prefix_format(text, sizeof(text), &pool[rndn(npool)]);
			fprintf(s.f, " %s", text);
		}
		fprintf(s.f, " }\n");
	}
	nrules = 20 + rndn(45);
	for (i = 0; i < nrules; i++) {
		static const char *const acts[] = { "pass", "block", "monitor", "reject" };
		static const char *const protos[] = { "", "proto tcp ", "proto udp ",
						      "proto { tcp, udp } " };
		unsigned nports = rndn(4);

		fprintf(s.f, "%s %s", acts[rndn(4)], protos[rndn(4)]);
		for (k = 0; k < 2; k++) {
			/* 0: left out, 1: any, 2: table, 3: one prefix, 4: list */
			unsigned kind = rndn(5);

			if (kind == 0) {
				if (k == 1 && nports)
					fprintf(s.f, "to ");
				continue;
			}
			fprintf(s.f, "%s ", k ? "to" : "from");
			if (kind >= 2 && rndn(4) == 0)
				fprintf(s.f, "! ");
			if (kind == 1) {
				fprintf(s.f, "any ");
			} else if (kind == 2) {
				fprintf(s.f, "<t%u> ", rndn(ntables));
			} else if (kind == 3) {
				pc_prefix_format(text, sizeof(text), &pool[rndn(npool)]);
				fprintf(s.f, "%s ", text);
			} else {
				n = 1 + rndn(4);
				fprintf(s.f, "{");
				for (j = 0; j < n; j++) {
					pc_prefix_format(text, sizeof(text), &pool[rndn(npool)]);
					fprintf(s.f, " %s", text);
				}
				fprintf(s.f, " } ");
			}
		}
		if (nports) {
			fprintf(s.f, "port {");
			for (j = 0; j < nports; j++) {
				unsigned lo, hi;

				lo = rndn(3) ? hot_ports[rndn(sizeof(hot_ports) / sizeof(hot_ports[0]))]
					     : rndn(65536);
				hi = lo;
				if (rndn(3) == 0)
					hi = lo + rndn(2000);
				if (hi > 65535)
					hi = 65535;
				if (hi == lo)
					fprintf(s.f, " %u", lo);
				else
					fprintf(s.f, " %u:%u", lo, hi);
			}
			fprintf(s.f, " }");
		}
		fprintf(s.f, "\n");
	}
	return sbuf_close(&s);
}

static void test_classifier(void **state)
{
	static const __u64 seeds[] = { 0x5eed0001, 0xc0ffee, 0xdecafbad, 0x12345678 };
	size_t i;

	rng_state = 0x9e3779b97f4a7c15ULL;
	classify_compare("isp", isp_policy, NULL, 10000);
	classify_compare("tricky", tricky_policy, NULL, 10000);
	classify_compare("tricky with ! any", tricky_policy, make_not_any, 6000);
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char name[64], *text;

		rng_state = seeds[i];
		text = random_policy();
		snprintf(name, sizeof(name), "random policy (seed %#llx)",
			 (unsigned long long)seeds[i]);
		classify_compare(name, text, pkt_policy_drop_never_matching, 6000);
		free(text);
	}
}


/* ---- address families --------------------------------------------------- */

static void test_families(void **state)
{
	struct build b;

	/* As in pf: all-IPv4 or all-IPv6 addresses (tables by their contents,
	 * negated or not) make a rule of that family only. */
	build_ok(&b, "table <v4> { 192.0.2.0/24, 198.51.100.0/24 }\n"
		     "table <v6> { 2001:db8::/32 }\n"
		     "table <mix> { 192.0.2.0/24, 2001:db8::/32 }\n"
		     "table <empty> { }\n"
		     "block proto tcp to ! 198.51.100.0/24 port 25\n" /* 0: v4 */
		     "block from <v6>\n"                              /* 1: v6 */
		     "block from <mix> to port 25\n"                  /* 2: both */
		     "block from ! <v4> to <mix>\n"                   /* 3: v4 */
		     "block to port 26\n"                             /* 4: both */
		     "block from <empty> to !2001:db8::1\n"           /* 5: v6 */
		     "pass from <empty>\n"                            /* 6: both */
		     "pass from { 192.0.2.1, 2001:db8::1 } to 192.0.2.2\n"); /* 7: v4 */
	assert_int_equal(b.c->hdr.v4_rules, B(0) | B(2) | B(3) | B(4) | B(6) | B(7));
	assert_int_equal(b.c->hdr.v6_rules, B(1) | B(2) | B(4) | B(5) | B(6));
	build_free(&b);

	/* An IPv4-only side and an IPv6-only side never match together. */
	expect_compile_errors(
		"table <v6> { 2001:db8::/32 }\n"
		"block from 192.0.2.0/24 to <v6>\n"
		"block from <v6> to ! { 192.0.2.1, 198.51.100.1 } port 25\n",
		0,
		FILE_NAME ":2:28: error: this rule can never match: its source addresses are all "
			  "IPv4 and its destination addresses all IPv6\n" FILE_NAME
		":3:20: error: this rule can never match: its source addresses are all IPv6 and "
		"its destination addresses all IPv4\n");
}

/* ---- the digest --------------------------------------------------------- */

static __u64 digest_of(const char *text)
{
	struct build b;
	__u64 d;

	build_ok(&b, text);
	d = b.c->hdr.digest;
	build_free(&b);
	return d;
}

/* The policy printed and read back compiles to the same digest, with
 * repeats in a table, a table file, an inline list and a port list: so
 * that "rules > f; apply f" changes nothing. */
static void test_digest_round_trip(void **state)
{
	static const char text[] =
		"table <t> { 100.64.0.1, 100.64.0.1, 10.0.0.0/8 }\n"
		"table <f> file \"" FILE_NAME ".table\"\n"
		"block from <t> to port 25\n"
		"block from <f> to { 192.0.2.1, 192.0.2.1, 198.51.100.0/24 } port { 587, 25, 587 }\n"
		"pass from { 203.0.113.0/24, 203.0.113.0/24 }\n";
	struct build b, again;
	char *printed = NULL;
	size_t len = 0;
	FILE *f = fopen(FILE_NAME ".table", "w");

	assert_non_null(f);
	fputs("192.0.2.7\n192.0.2.0/28\n192.0.2.7\n", f);
	fclose(f);
	build_ok(&b, text);
	f = open_memstream(&printed, &len);
	assert_non_null(f);
	pc_policy_print(f, &b.p);
	fclose(f);
	build_ok(&again, printed);
	assert_int_equal(b.c->sets[0].nprefixes, 2);
	assert_int_equal(b.c->sets[1].nprefixes, 2);
	assert_int_equal(again.c->hdr.nlist, b.c->hdr.nlist);
	assert_true(b.c->hdr.digest == again.c->hdr.digest);
	build_free(&b);
	build_free(&again);
	free(printed);
	unlink(FILE_NAME ".table");
}

/* The digest leaves the ports image out: it follows from the rules and
 * the port items. Policies that differ only in their ports still differ. */
static void test_digest_ports(void **state)
{
	static const char *const differ[][2] = {
		{ "block to port 25\n", "block to port 26\n" },
		{ "block to port 25\n", "block to port 25:26\n" },
		{ "block proto tcp to port 25\n", "block proto udp to port 25\n" },
		{ "block proto tcp\n", "block proto tcp to port 0:65535\n" },
		{ "block to port 25\npass to port 587\n", "block to port 587\npass to port 25\n" },
		{ "block to port { 25, 26 }\n", "block to port 25\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(differ) / sizeof(differ[0]); i++)
		if (digest_of(differ[i][0]) == digest_of(differ[i][1]))
			fail_msg("the same digest for:\n%s and\n%s", differ[i][0], differ[i][1]);
	assert_true(digest_of("block to port { 26, 25 }\n") == digest_of("block to port {25 26}\n"));
}

/* ---- reject ------------------------------------------------------------- */

/* A reject rule drops (drop_rules) and answers (reject_rules); its
 * verdict is "rejected", in the compiled masks as in the reference
 * classifier. */
static void test_reject_verdict(void **state)
{
	static const char text[] = "reject proto tcp to port 25\nblock to port 26\npass\n";
	struct pc_ref_result ref;
	struct tuple t = { .proto = PC_PROTO_TCP, .port = 25, .family = PC_FAMILY_V4 };
	struct build b;

	/* reject is supported: it compiles without PC_COMPILE_ALLOW_UNSUPPORTED. */
	build_text(&b, text, 0);
	assert_int_equal(b.compile_rc, 0);
	assert_int_equal(b.compile_errors, 0);
	assert_int_equal(b.c->hdr.drop_rules, B(0) | B(1));
	assert_int_equal(b.c->hdr.reject_rules, B(0));
	t.src[0] = 192;
	t.dst[0] = 198;
	ref = ref_classify(&b.p, &t);
	assert_int_equal(ref.rule, 0);
	assert_int_equal(ref.verdict, PC_V_REJECTED);
	assert_int_equal(kernel_verdict(b.c, kernel_match(b.c, &t)), PC_V_REJECTED);
	t.port = 26;
	assert_int_equal(ref_classify(&b.p, &t).verdict, PC_V_DROPPED);
	assert_int_equal(kernel_verdict(b.c, kernel_match(b.c, &t)), PC_V_DROPPED);
	build_free(&b);
}

/* ---- out of memory ------------------------------------------------------ */

/* Said through the diagnostics (it used to be written to a stream of
 * theirs, and crashed when there was none). */
static void test_out_of_memory(void **state)
{
	struct pc_compiled *c = calloc(1, sizeof(*c));
	struct pc_diag d = { 0 };
	struct pc_policy p;

	assert_non_null(c);
	assert_int_equal(pc_policy_parse_string(FILE_NAME, "block to port 25\n", &p, &d), 0);
	fail_calloc_from = 1 << 20; /* the 2 MiB ports image */
	assert_int_equal(pc_compile(&p, c, &d, 0), -1);
	fail_calloc_from = 0;
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.list.n, 1);
	assert_null(d.list.v[0].loc.file);
	assert_string_equal(d.list.v[0].text, "out of memory compiling the policy");
	pc_diag_free(&d);
	pc_compiled_free(c);
	free(c);
	pc_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_fields),
		cmocka_unit_test(test_port_masks),
		cmocka_unit_test(test_portless_rules),
		cmocka_unit_test(test_proto_lists),
		cmocka_unit_test(test_counter_painting),
		cmocka_unit_test(test_ancestor_propagation),
		cmocka_unit_test(test_same_prefix_merges),
		cmocka_unit_test(test_set_table),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_v4_v6),
		cmocka_unit_test(test_unused_table),
		cmocka_unit_test(test_limit_rules),
		cmocka_unit_test(test_limit_tables),
		cmocka_unit_test(test_limit_sets),
		cmocka_unit_test(test_limit_list_prefixes),
		cmocka_unit_test(test_limit_port_items),
		cmocka_unit_test(test_limit_prefixes),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_log_digest),
		cmocka_unit_test(test_log_printed),
		cmocka_unit_test(test_limit_action),
		cmocka_unit_test(test_reply_limit),
		cmocka_unit_test(test_classifier),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_digest_round_trip),
		cmocka_unit_test(test_digest_ports),
		cmocka_unit_test(test_reject_verdict),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
