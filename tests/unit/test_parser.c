// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the rules-language front end: lexer, parser, printer and
 * the prefix helpers.
 */
#define _GNU_SOURCE /* vasprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compiler.h"
#include "keywords.h"
#include "lint.h"
#include "policy.h"
#include "source_file.h"
#include "libc_alloc.h"

/* ---- helpers ------------------------------------------------------------ */

/* The test binary's malloc takes the place of the C library's, to fail
 * when asked: every call, or those of one size (realloc is left alone). */
static bool fail_malloc;
static size_t fail_malloc_size; /* 0: none */

void *malloc(size_t size)
{
	if (fail_malloc || (fail_malloc_size && size == fail_malloc_size))
		return NULL;
	return pc_libc_malloc(size);
}

#ifdef PC_ASAN
/* AddressSanitizer's strdup and strndup allocate without malloc: these
 * go through the one above, as the C library's do. */
char *strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

char *strdup(const char *s)
{
	return strndup(s, strlen(s));
}
#endif

struct result {
	struct pc_policy pol;
	struct pc_diag d;
	char *msgs; /* the diagnostics, as pc_diag_print writes them */
	int rc;
};

static void result_free(struct result *r)
{
	pc_policy_free(&r->pol);
	free(r->msgs);
	r->msgs = NULL;
}

static char *diag_printed(const struct pc_diag *d)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	pc_diag_print(f, d);
	fclose(f);
	return s;
}

/* The diagnostics printed, as the commands print them; the list is then
 * freed, the counts kept. */
static char *diag_take(struct pc_diag *d)
{
	char *s = diag_printed(d);

	pc_diag_free(d);
	return s;
}

static void parse_with(struct result *r, const char *name, const char *text, const char *file)
{
	memset(r, 0, sizeof(*r));
	if (file)
		r->rc = pc_policy_parse_file(file, &r->pol, &r->d);
	else
		r->rc = pc_policy_parse_string(name, text, &r->pol, &r->d);
	r->msgs = diag_take(&r->d);
}

static void parse(struct result *r, const char *text)
{
	parse_with(r, "t.rules", text, NULL);
}

static char *print_str(const struct pc_policy *p)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	pc_policy_print(f, p);
	fclose(f);
	return s;
}

static struct pc_prefix pfx(const char *text)
{
	struct pc_prefix p;
	char buf[64];
	char *slash;

	memset(&p, 0, sizeof(p));
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (strchr(buf, ':')) {
		assert_int_equal(inet_pton(AF_INET6, buf, p.addr), 1);
		p.family = PC_FAMILY_V6;
		p.len = slash ? (__u8)atoi(slash + 1) : 128;
	} else {
		assert_int_equal(inet_pton(AF_INET, buf, p.addr), 1);
		p.family = PC_FAMILY_V4;
		p.len = slash ? (__u8)atoi(slash + 1) : 32;
	}
	return p;
}

static void addr(__u8 family, const char *text, __u8 *out)
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family == PC_FAMILY_V4 ? AF_INET : AF_INET6, text, out), 1);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	return s;
}

/* A scratch directory, removed at the end of each test that uses it. */
struct tmpdir {
	char path[64];
	char *files[16];
	int nfiles;
	char *subdirs[4];
	int nsubdirs;
};

static void tmp_init(struct tmpdir *t)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->path, "/tmp/pc-test-parser-XXXXXX");
	assert_non_null(mkdtemp(t->path));
}

static const char *tmp_subdir(struct tmpdir *t, const char *name)
{
	char *p = xasprintf("%s/%s", t->path, name);

	t->subdirs[t->nsubdirs++] = p;
	assert_int_equal(mkdir(p, 0700), 0);
	return p;
}

static const char *tmp_write(struct tmpdir *t, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", t->path, name);
	FILE *f;

	t->files[t->nfiles++] = p;
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static void tmp_cleanup(struct tmpdir *t)
{
	int i;

	for (i = 0; i < t->nfiles; i++) {
		unlink(t->files[i]);
		free(t->files[i]);
	}
	for (i = t->nsubdirs - 1; i >= 0; i--) {
		rmdir(t->subdirs[i]);
		free(t->subdirs[i]);
	}
	rmdir(t->path);
}

/* parse(print(P)) must print exactly print(P). Returns print(P). */
static char *check_roundtrip(const struct pc_policy *p)
{
	char *first = print_str(p), *second;
	struct result r;

	parse_with(&r, "printed.rules", first, NULL);
	if (r.rc != 0 || r.d.errors)
		fprintf(stderr, "reparse of:\n%s\nsaid:\n%s", first, r.msgs);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.d.errors, 0);
	second = print_str(&r.pol);
	assert_string_equal(first, second);
	free(second);
	result_free(&r);
	return first;
}

/* ---- prefix helpers ----------------------------------------------------- */

static void test_action_names(void **state)
{
	assert_string_equal(pc_action_name(PC_ACT_PASS), "pass");
	assert_string_equal(pc_action_name(PC_ACT_BLOCK), "block");
	assert_string_equal(pc_action_name(PC_ACT_MONITOR), "monitor");
	assert_string_equal(pc_action_name(PC_ACT_REJECT), "reject");
	assert_string_equal(pc_action_name(PC_ACT_LIMIT), "limit");
	assert_string_equal(pc_action_name(PC_NACTION), "?");
}

static void test_prefix_format(void **state)
{
	static const char *const cases[][2] = {
		{ "198.51.100.25", "198.51.100.25" },
		{ "198.51.100.25/32", "198.51.100.25" },
		{ "198.51.100.0/24", "198.51.100.0/24" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "2001:db8:25::/64", "2001:db8:25::/64" },
		{ "2001:0db8:0000::1", "2001:db8::1" },
		{ "::/0", "::/0" },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
	};
	struct pc_prefix p;
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = pfx(cases[i][0]);
		pc_prefix_format(buf, sizeof(buf), &p);
		assert_string_equal(buf, cases[i][1]);
	}
	/* Truncated, but terminated. */
	p = pfx("198.51.100.0/24");
	pc_prefix_format(buf, 6, &p);
	assert_string_equal(buf, "198.5");
}

static void test_prefix_cmp(void **state)
{
	/* In increasing order: family, then address, then length. */
	static const char *const order[] = {
		"0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "10.0.0.1", "192.0.2.0/24",
		"255.255.255.255", "::/0", "::1", "2001:db8::/32", "2001:db8::/64", "2001:db8::1",
	};
	size_t n = sizeof(order) / sizeof(order[0]), i, j;
	struct pc_prefix a, b;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			int want = i < j ? -1 : i > j ? 1 : 0, got;

			a = pfx(order[i]);
			b = pfx(order[j]);
			got = pc_prefix_cmp(&a, &b);
			got = got < 0 ? -1 : got > 0 ? 1 : 0;
			assert_int_equal(got, want);
		}
	}
}

static void test_prefix_contains_v4(void **state)
{
	struct pc_prefix p;
	__u8 a[16];

	p = pfx("0.0.0.0/0");
	addr(PC_FAMILY_V4, "255.255.255.255", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V4, a));
	addr(PC_FAMILY_V4, "0.0.0.0", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V4, a));
	addr(PC_FAMILY_V6, "::", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V6, a)); /* other family */

	p = pfx("198.51.100.25/32");
	addr(PC_FAMILY_V4, "198.51.100.25", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V4, a));
	addr(PC_FAMILY_V4, "198.51.100.24", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V4, a));
	addr(PC_FAMILY_V4, "198.51.100.26", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V4, a));

	p = pfx("100.64.0.0/10");
	addr(PC_FAMILY_V4, "100.127.255.255", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V4, a));
	addr(PC_FAMILY_V4, "100.128.0.0", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V4, a));
	addr(PC_FAMILY_V4, "100.63.255.255", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V4, a));

	p = pfx("192.0.2.0/31");
	addr(PC_FAMILY_V4, "192.0.2.1", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V4, a));
	addr(PC_FAMILY_V4, "192.0.2.2", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V4, a));

	p = pfx("128.0.0.0/1");
	addr(PC_FAMILY_V4, "127.255.255.255", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V4, a));
	addr(PC_FAMILY_V4, "128.0.0.0", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V4, a));
}

static void test_prefix_contains_v6(void **state)
{
	struct pc_prefix p;
	__u8 a[16];

	p = pfx("::/0");
	addr(PC_FAMILY_V6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V6, a));
	addr(PC_FAMILY_V4, "0.0.0.0", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V4, a)); /* other family */

	p = pfx("2001:db8::1/128");
	addr(PC_FAMILY_V6, "2001:db8::1", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V6, a));
	addr(PC_FAMILY_V6, "2001:db8::", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V6, a));
	addr(PC_FAMILY_V6, "2001:db8::3", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V6, a));

	p = pfx("2001:db8:1000::/36");
	addr(PC_FAMILY_V6, "2001:db8:1fff:ffff::1", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V6, a));
	addr(PC_FAMILY_V6, "2001:db8:2000::", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V6, a));

	p = pfx("2001:db8::/127");
	addr(PC_FAMILY_V6, "2001:db8::1", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V6, a));
	addr(PC_FAMILY_V6, "2001:db8::2", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V6, a));

	p = pfx("2001:db8::/64");
	addr(PC_FAMILY_V6, "2001:db8::ffff:ffff:ffff:ffff", a);
	assert_true(pc_prefix_contains(&p, PC_FAMILY_V6, a));
	addr(PC_FAMILY_V6, "2001:db8:0:1::", a);
	assert_false(pc_prefix_contains(&p, PC_FAMILY_V6, a));
}

static void test_prefix_list(void **state)
{
	struct pc_prefix_list l = { 0 };
	struct pc_prefix p;
	int i;

	for (i = 0; i < 1000; i++) {
		memset(&p, 0, sizeof(p));
		p.family = PC_FAMILY_V4;
		p.len = 32;
		p.addr[2] = (__u8)(i >> 8);
		p.addr[3] = (__u8)i;
		assert_int_equal(pc_prefix_list_add(&l, &p), 0);
	}
	assert_int_equal(l.n, 1000);
	assert_true(l.cap >= 1000);
	assert_int_equal(l.v[999].addr[2], 3);
	assert_int_equal(l.v[999].addr[3], 231);
	pc_prefix_list_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	pc_prefix_list_free(&l); /* twice is harmless */
}

static void test_diag_format(void **state)
{
	struct pc_loc loc = { "f.rules", 3, 7 }, noline = { "f.rules", 0, 0 };
	struct pc_diag d = { 0 };
	char *s;

	pc_diag_warning(&d, &loc, "meh %d", 1);
	s = diag_take(&d);
	assert_string_equal(s, "f.rules:3:7: warning: meh 1\n");
	free(s);

	pc_diag_error(&d, &loc, "bad '%s'", "x");
	pc_diag_error(&d, &noline, "cannot read");
	pc_diag_error(&d, NULL, "out of %s", "memory");
	s = diag_take(&d);
	/* About the whole file first, about no file last. */
	assert_string_equal(s, "f.rules: error: cannot read\n"
			       "f.rules:3:7: error: bad 'x'\n"
			       "error: out of memory\n");
	assert_int_equal(d.errors, 3);
	assert_int_equal(d.warnings, 1);
	free(s);
}

/* ---- parsing: the happy paths ------------------------------------------- */

static void test_defaults(void **state)
{
	struct result r;
	const struct pc_rule_ast *x;

	parse(&r, "pass\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.pol.nrules, 1);
	assert_int_equal(r.pol.ntables, 0);
	assert_int_equal(r.pol.malformed, PC_ACT_BLOCK);
	x = &r.pol.rules[0];
	assert_int_equal(x->action, PC_ACT_PASS);
	assert_int_equal(x->protos, PC_PROTOS_TCP | PC_PROTOS_UDP); /* as in pf */
	assert_int_equal(x->src.kind, PC_ADDR_ANY);
	assert_false(x->src.neg);
	assert_int_equal(x->dst.kind, PC_ADDR_ANY);
	assert_false(x->dst.neg);
	assert_null(x->ports.v);
	assert_int_equal(x->ports.n, 0);
	assert_false(x->log);
	assert_int_equal(x->rate, 0);
	assert_int_equal(x->burst, 0);
	assert_string_equal(x->loc.file, "t.rules");
	assert_int_equal(x->loc.line, 1);
	assert_int_equal(x->loc.col, 1);
	result_free(&r);

	/* Empty input, comments and blank lines only. */
	parse(&r, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.nrules, 0);
	result_free(&r);
	parse(&r, "# nothing\n\n   \t# still nothing\n\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.nrules, 0);
	assert_int_equal(r.pol.malformed, PC_ACT_BLOCK);
	result_free(&r);

	/* The last line needs no newline. */
	parse(&r, "block to port 25");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.nrules, 1);
	result_free(&r);
}

static void test_default_policy(void **state)
{
	struct result r;
	char *s;

	parse_with(&r, "(default)", pc_default_policy, NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.pol.nrules, 2);
	assert_int_equal(r.pol.rules[0].action, PC_ACT_BLOCK);
	assert_int_equal(r.pol.rules[0].ports.n, 1);
	assert_int_equal(r.pol.rules[0].ports.v[0].lo, 25);
	assert_int_equal(r.pol.rules[1].action, PC_ACT_MONITOR);
	assert_int_equal(r.pol.rules[1].ports.n, 3);
	s = check_roundtrip(&r.pol);
	assert_string_equal(s, "set malformed block\n"
			       "block proto tcp to port 25\n"
			       "monitor proto tcp to port { 465, 587, 2525 }\n");
	free(s);
	result_free(&r);
}

/* One rule in, its canonical form out. */
static void test_rule_forms(void **state)
{
	static const char *const cases[][2] = {
		{ "pass", "pass" },
		{ "block", "block" },
		{ "monitor", "monitor" },
		{ "reject", "reject" },
		{ "block to port 25", "block to port 25" },
		{ "block proto tcp to port 25", "block proto tcp to port 25" },
		{ "block proto udp to port 53", "block proto udp to port 53" },
		{ "block proto { udp tcp } to port 53", "block to port 53" },
		{ "block proto {tcp,udp}", "block" },
		{ "block proto { tcp, tcp }", "block proto tcp" },
		{ "pass from any to any", "pass" },
		{ "pass from any to any port 25", "pass to port 25" },
		{ "pass to any port 25", "pass to port 25" },
		{ "pass from 10.0.0.0/8", "pass from 10.0.0.0/8" },
		{ "pass from 10.1.2.3/32", "pass from 10.1.2.3" },
		{ "pass from 2001:DB8::1/128", "pass from 2001:db8::1" },
		{ "pass from ::/0 to 0.0.0.0/0", "pass from ::/0 to 0.0.0.0/0" },
		{ "pass to 192.0.2.1", "pass to 192.0.2.1" },
		{ "pass to { 10.0.0.2, 10.0.0.1 10.0.0.1 }", "pass to { 10.0.0.1, 10.0.0.2 }" },
		{ "pass to { 10.0.0.1, 10.0.0.1 }", "pass to 10.0.0.1" },
		{ "pass to {2001:db8::1,10.0.0.1}", "pass to { 10.0.0.1, 2001:db8::1 }" },
		{ "pass to { 10.0.0.0/8, 10.0.0.0/16 }",
		  "pass to { 10.0.0.0/8, 10.0.0.0/16 }" },
		{ "pass to port { 2525 587, 465 }", "pass to port { 465, 587, 2525 }" },
		{ "pass to port { 25, 20:30, 25, 24:26 }",
		  "pass to port { 20:30, 24:26, 25 }" },
		{ "pass to port 0", "pass to port 0" },
		{ "pass to port 65535", "pass to port 65535" },
		{ "pass to port 0:65535", "pass to port 0:65535" },
		{ "pass to port 25:25", "pass to port 25" },
		{ "pass to port 00025", "pass to port 25" },
		{ "pass to 192.0.2.0/24 port 1024:65535", "pass to 192.0.2.0/24 port 1024:65535" },
		{ "pass to 192.0.2.1 log", "pass to 192.0.2.1 log" },
		{ "pass log", "pass log" },
		{ "reject proto udp from 100.64.0.0/10 to port 25 log",
		  "reject proto udp from 100.64.0.0/10 to port 25 log" },
		{ "limit rate 5/second", "limit rate 5/second" },
		{ "limit to port 587 rate 30/minute", "limit to port 587 rate 30/minute" },
		{ "limit to port 587 log rate 1000000/hour burst 1000000",
		  "limit to port 587 log rate 1000000/hour burst 1000000" },
		{ "limit rate 1/second burst 1", "limit rate 1/second burst 1" },
		{ "monitor proto tcp from !10.0.0.0/8 to !{ 192.0.2.1, 192.0.2.0/24 } port 25",
		  "monitor proto tcp from !10.0.0.0/8 to !{ 192.0.2.0/24, 192.0.2.1 } port 25" },
		{ "block from ! 203.0.113.0/24", "block from !203.0.113.0/24" },
		{ "  pass\tproto tcp   to  port 25   # trailing comment",
		  "pass proto tcp to port 25" },
		{ "pass to port 25\r", "pass to port 25" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result r;
		char buf[256];

		parse(&r, cases[i][0]);
		if (r.rc || r.pol.nrules != 1)
			fprintf(stderr, "case %zu: %s\n%s", i, cases[i][0], r.msgs);
		assert_int_equal(r.rc, 0);
		assert_string_equal(r.msgs, "");
		assert_int_equal(r.pol.nrules, 1);
		pc_rule_format(buf, sizeof(buf), &r.pol, &r.pol.rules[0]);
		assert_string_equal(buf, cases[i][1]);
		free(check_roundtrip(&r.pol));
		result_free(&r);
	}
}

static void test_rule_fields(void **state)
{
	struct result r;
	const struct pc_rule_ast *x;

	parse(&r, "table <relays> { 198.51.100.25 }\n"
		  "limit proto { tcp udp } from !{ 10.0.0.0/8, 2001:db8::/32 } to !<relays> port { 587, 1024:2048 } log rate 30/minute burst 10\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.pol.nrules, 1);
	x = &r.pol.rules[0];
	assert_int_equal(x->action, PC_ACT_LIMIT);
	assert_int_equal(x->loc.line, 2);
	assert_int_equal(x->loc.col, 1);
	assert_int_equal(x->protos, PC_PROTOS_TCP | PC_PROTOS_UDP);
	assert_int_equal(x->src.kind, PC_ADDR_LIST);
	assert_true(x->src.neg);
	assert_int_equal(x->src.loc.col, 30); /* the '!' */
	assert_int_equal(x->src.list.n, 2);
	assert_int_equal(x->src.list.v[0].family, PC_FAMILY_V4);
	assert_int_equal(x->src.list.v[0].len, 8);
	assert_int_equal(x->src.list.v[0].addr[0], 10);
	assert_int_equal(x->src.list.v[1].family, PC_FAMILY_V6);
	assert_int_equal(x->src.list.v[1].len, 32);
	assert_int_equal(x->dst.kind, PC_ADDR_TABLE);
	assert_true(x->dst.neg);
	assert_int_equal(x->dst.table, 0);
	assert_int_equal(x->ports.n, 2);
	assert_int_equal(x->ports.v[0].lo, 587);
	assert_int_equal(x->ports.v[0].hi, 587);
	assert_int_equal(x->ports.v[1].lo, 1024);
	assert_int_equal(x->ports.v[1].hi, 2048);
	assert_true(x->log);
	assert_int_equal(x->log_loc.line, 2);
	assert_int_equal(x->rate, 30);
	assert_int_equal(x->rate_unit, 60);
	assert_int_equal(x->burst, 10);
	assert_int_equal(x->rate_loc.line, 2);
	assert_true(r.pol.tables[0].used);
	result_free(&r);

	parse(&r, "limit rate 7/second\nlimit rate 7/hour\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.rules[0].rate_unit, 1);
	assert_int_equal(r.pol.rules[1].rate_unit, 3600);
	assert_int_equal(r.pol.rules[1].burst, 0);
	result_free(&r);

	/* pass, block and monitor keep their action. */
	parse(&r, "pass\nblock\nmonitor\nreject\n");
	assert_int_equal(r.pol.nrules, 4);
	assert_int_equal(r.pol.rules[0].action, PC_ACT_PASS);
	assert_int_equal(r.pol.rules[1].action, PC_ACT_BLOCK);
	assert_int_equal(r.pol.rules[2].action, PC_ACT_MONITOR);
	assert_int_equal(r.pol.rules[3].action, PC_ACT_REJECT);
	result_free(&r);
}

static const char spec_rules[] =
	"# comment\n"
	"table <relays>      { 198.51.100.25, 2001:db8:25::/64 }\n"
	"table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
	"table <business>    file \"business.txt\"      # one address or prefix a line; path relative to the rules file\n"
	"set malformed block                          # or: pass\n"
	"\n"
	"pass    proto tcp from <business> to port 25\n"
	"pass    proto tcp to <relays> port 25\n"
	"reject  proto tcp from <subscribers> to port 25 log\n"
	"monitor proto tcp to port { 465, 587, 2525 }\n"
	"limit   proto tcp from <subscribers> to port 587 rate 30/minute burst 10\n"
	"block   proto { tcp, udp } from 203.0.113.0/24 to port 1024:65535\n";

static const char spec_business[] = "# business customers\n"
				    "192.0.2.0/24\n"
				    "\n"
				    "2001:db8:b::/48   # a comment after an entry\n"
				    "   198.18.0.1\n"
				    "192.0.2.0/24\n";

static const char spec_printed[] =
	"table <relays> { 198.51.100.25, 2001:db8:25::/64 }\n"
	"table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
	"table <business> { 192.0.2.0/24, 198.18.0.1, 2001:db8:b::/48 }\n"
	"set malformed block\n"
	"pass proto tcp from <business> to port 25\n"
	"pass proto tcp to <relays> port 25\n"
	"reject proto tcp from <subscribers> to port 25 log\n"
	"monitor proto tcp to port { 465, 587, 2525 }\n"
	"limit proto tcp from <subscribers> to port 587 rate 30/minute burst 10\n"
	"block from 203.0.113.0/24 to port 1024:65535\n";

static void test_spec_example(void **state)
{
	struct tmpdir t;
	struct result r;
	const char *path;
	const struct pc_rule_ast *x;
	char *s;
	size_t i;

	tmp_init(&t);
	tmp_write(&t, "business.txt", spec_business);
	path = tmp_write(&t, "isp.rules", spec_rules);
	parse_with(&r, NULL, NULL, path);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.d.warnings, 0);

	assert_int_equal(r.pol.ntables, 3);
	assert_string_equal(r.pol.tables[0].name, "relays");
	assert_string_equal(r.pol.tables[1].name, "subscribers");
	assert_string_equal(r.pol.tables[2].name, "business");
	assert_int_equal(r.pol.tables[0].prefixes.n, 2);
	assert_int_equal(r.pol.tables[1].prefixes.n, 2);
	assert_int_equal(r.pol.tables[2].prefixes.n, 3); /* the duplicate dropped */
	for (i = 0; i < 3; i++)
		assert_true(r.pol.tables[i].used);
	assert_string_equal(r.pol.tables[0].loc.file, path);
	assert_int_equal(r.pol.tables[0].loc.line, 2);
	assert_int_equal(r.pol.tables[0].loc.col, 7);
	assert_int_equal(r.pol.malformed, PC_ACT_BLOCK);

	assert_int_equal(r.pol.nrules, 6);
	x = r.pol.rules;
	assert_int_equal(x[0].action, PC_ACT_PASS);
	assert_int_equal(x[0].src.kind, PC_ADDR_TABLE);
	assert_int_equal(x[0].src.table, 2);
	assert_int_equal(x[0].dst.kind, PC_ADDR_ANY);
	assert_int_equal(x[1].dst.kind, PC_ADDR_TABLE);
	assert_int_equal(x[1].dst.table, 0);
	assert_int_equal(x[2].action, PC_ACT_REJECT);
	assert_int_equal(x[2].src.table, 1);
	assert_true(x[2].log);
	assert_int_equal(x[3].action, PC_ACT_MONITOR);
	assert_int_equal(x[3].ports.n, 3);
	assert_int_equal(x[4].action, PC_ACT_LIMIT);
	assert_int_equal(x[4].rate, 30);
	assert_int_equal(x[4].rate_unit, 60);
	assert_int_equal(x[4].burst, 10);
	assert_int_equal(x[5].action, PC_ACT_BLOCK);
	assert_int_equal(x[5].protos, PC_PROTOS_TCP | PC_PROTOS_UDP);
	assert_int_equal(x[5].src.list.n, 1);
	assert_int_equal(x[5].ports.v[0].lo, 1024);
	assert_int_equal(x[5].ports.v[0].hi, 65535);
	assert_int_equal(x[5].loc.line, 12);
	assert_string_equal(x[5].loc.file, path);

	s = check_roundtrip(&r.pol);
	assert_string_equal(s, spec_printed);
	free(s);
	result_free(&r);
	tmp_cleanup(&t);
}

static void test_negation(void **state)
{
	struct result r;

	parse(&r, "table <t> { 192.0.2.0/24 }\n"
		  "block from !<t> to !2001:db8::/32 port 25\n"
		  "block from !{ 10.0.0.0/8 } to { 10.0.0.1 }\n");
	assert_int_equal(r.rc, 0);
	assert_true(r.pol.rules[0].src.neg);
	assert_int_equal(r.pol.rules[0].src.kind, PC_ADDR_TABLE);
	assert_int_equal(r.pol.rules[0].src.table, 0);
	assert_true(r.pol.rules[0].dst.neg);
	assert_int_equal(r.pol.rules[0].dst.kind, PC_ADDR_LIST);
	assert_true(r.pol.rules[1].src.neg);
	assert_false(r.pol.rules[1].dst.neg);
	free(check_roundtrip(&r.pol));
	result_free(&r);
}

static void test_multiline_lists(void **state)
{
	struct result r;
	const struct pc_rule_ast *x;

	parse(&r, "table <big> {\n"
		  "\t10.0.0.0/8,      # private\n"
		  "\t172.16.0.0/12\n"
		  "\n"
		  "\t192.168.0.0/16,\n"
		  "}\n"
		  "pass from <big> to port {\n"
		  "  25\n"
		  "  587 }\n"
		  "block proto {\n"
		  " tcp\n"
		  " udp\n"
		  "} from {\n"
		  "  2001:db8::/32 # doc\n"
		  "  198.51.100.0/24 } to port 25\n"
		  "pass\n");
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.ntables, 1);
	assert_int_equal(r.pol.tables[0].prefixes.n, 3);
	assert_int_equal(r.pol.nrules, 3);
	x = r.pol.rules;
	assert_int_equal(x[0].loc.line, 7);
	assert_int_equal(x[0].ports.n, 2);
	assert_int_equal(x[1].loc.line, 10);
	assert_int_equal(x[1].protos, PC_PROTOS_TCP | PC_PROTOS_UDP);
	assert_int_equal(x[1].src.list.n, 2);
	assert_int_equal(x[1].ports.n, 1);
	assert_int_equal(x[2].loc.line, 16);
	free(check_roundtrip(&r.pol));
	result_free(&r);

	/* Empty tables are fine, also over several lines. */
	parse(&r, "table <none> { }\ntable <none2> {\n}\npass from <none>\npass from <none2>\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.pol.tables[0].prefixes.n, 0);
	assert_int_equal(r.pol.tables[1].prefixes.n, 0);
	result_free(&r);
}

static void test_forward_reference(void **state)
{
	struct result r;

	parse(&r, "pass from <later> to port 25\n"
		  "block to !<later2>\n"
		  "table <unrelated> { 192.0.2.1 }\n"
		  "table <later2> { 2001:db8::1 }\n"
		  "table <later> { 192.0.2.0/24 }\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.d.errors, 0);
	assert_string_equal(r.msgs, "t.rules:3:7: warning: table <unrelated> is never used\n");
	assert_int_equal(r.d.warnings, 1);
	assert_int_equal(r.pol.ntables, 3);
	assert_int_equal(r.pol.rules[0].src.table, 2);
	assert_int_equal(r.pol.rules[1].dst.table, 1);
	assert_false(r.pol.tables[0].used);
	assert_true(r.pol.tables[1].used);
	assert_true(r.pol.tables[2].used);
	free(check_roundtrip(&r.pol));
	result_free(&r);
}

static void test_set_malformed(void **state)
{
	struct result r;

	parse(&r, "set malformed pass\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.malformed, PC_ACT_PASS);
	free(check_roundtrip(&r.pol));
	result_free(&r);

	parse(&r, "set malformed pass\nset malformed block\n");
	assert_int_equal(r.pol.malformed, PC_ACT_BLOCK);
	result_free(&r);

	parse(&r, "set malformed block\nset malformed pass # last one wins\n");
	assert_int_equal(r.pol.malformed, PC_ACT_PASS);
	result_free(&r);
}

/* set reply-limit: kept as written, printed unless it is the default,
 * the last one winning as with set malformed. */
static void test_set_reply_limit(void **state)
{
	struct result r;
	char *printed;

	parse(&r, "set reply-limit 3/minute burst 5\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.reply_rate, 3);
	assert_int_equal(r.pol.reply_unit, 60);
	assert_int_equal(r.pol.reply_burst, 5);
	printed = check_roundtrip(&r.pol);
	assert_string_equal(printed, "set malformed block\nset reply-limit 3/minute burst 5\n");
	free(printed);
	result_free(&r);

	/* Without a burst, a unit's worth at once: printed. */
	parse(&r, "set reply-limit 100/hour\n");
	assert_int_equal(r.pol.reply_burst, 0);
	printed = check_roundtrip(&r.pol);
	assert_string_equal(printed, "set malformed block\nset reply-limit 100/hour burst 100\n");
	free(printed);
	result_free(&r);

	/* The default is not printed, so that rules > f; apply f is a no-op. */
	parse(&r, "set reply-limit 10/second burst 20\npass to port 25\n");
	assert_int_equal(r.rc, 0);
	printed = print_str(&r.pol);
	assert_string_equal(printed, "set malformed block\npass to port 25\n");
	free(printed);
	result_free(&r);

	parse(&r, "set reply-limit 1/second\nset reply-limit 2/hour burst 3 # last wins\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.reply_rate, 2);
	assert_int_equal(r.pol.reply_unit, 3600);
	assert_int_equal(r.pol.reply_burst, 3);
	result_free(&r);
}

static void test_table_file(void **state)
{
	struct tmpdir t;
	struct result r;
	char *want;
	const char *rules, *sub;

	tmp_init(&t);
	sub = tmp_subdir(&t, "tables");
	(void)sub;
	tmp_write(&t, "tables/good.txt", "# header\r\n"
					 "\r\n"
					 "198.51.100.0/24\r\n"
					 "\t2001:db8::/48\t# comment\n"
					 "203.0.113.7");
	tmp_write(&t, "tables/bad.txt", "192.0.2.1\n"
					"10.0.0.1/33\n"
					"  192.0.2.1 192.0.2.2\n"
					"# fine\n"
					"10.0.0.7/8\n"
					"{\n"
					"192.0.2.9\n");
	rules = tmp_write(&t, "r.rules", "table <good> file \"tables/good.txt\"\n"
					     "table <bad> file \"tables/bad.txt\"\n"
					     "pass from <good>\n"
					     "pass from <bad>\n");
	parse_with(&r, NULL, NULL, rules);
	want = xasprintf(
		 "%1$s/tables/bad.txt:2:1: error: invalid prefix length in '10.0.0.1/33'; expected 0..32\n"
		 "%1$s/tables/bad.txt:3:13: error: unexpected '192.0.2.2'; expected end of line; a table file holds one address or prefix a line\n"
		 "%1$s/tables/bad.txt:5:1: error: 10.0.0.7/8 has host bits set; did you mean 10.0.0.0/8?\n"
		 "%1$s/tables/bad.txt:6:1: error: unexpected '{'; expected an address or prefix\n",
		 t.path);
	assert_string_equal(r.msgs, want);
	free(want);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.d.errors, 4);
	/* The tables are kept with what could be read. */
	assert_int_equal(r.pol.ntables, 2);
	assert_int_equal(r.pol.tables[0].prefixes.n, 3);
	assert_int_equal(r.pol.tables[1].prefixes.n, 2); /* 192.0.2.1 twice, and .9 */
	assert_int_equal(r.pol.nrules, 2);
	/* Both file names are kept for the diagnostics' lifetime. */
	assert_int_equal(r.pol.nfiles, 3);
	result_free(&r);

	/* An absolute path is taken as it is. */
	want = xasprintf("table <good> file \"%s/tables/good.txt\"\npass to <good>\n", t.path);
	parse(&r, want);
	free(want);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.tables[0].prefixes.n, 3);
	result_free(&r);

	tmp_cleanup(&t);
}

static void test_table_file_cwd(void **state)
{
	struct tmpdir t;
	struct result r;
	char cwd[PATH_MAX];

	tmp_init(&t);
	tmp_write(&t, "list.txt", "192.0.2.0/24\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(t.path), 0);
	/* A string is parsed relative to the current directory. */
	parse(&r, "table <l> file \"list.txt\"\npass from <l>\n");
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.pol.tables[0].prefixes.n, 1);
	assert_string_equal(r.pol.files[1], "list.txt");
	result_free(&r);
	tmp_cleanup(&t);
}

/* Out of memory for a table file's name: said once (it used to be
 * reported both where the name is made and where it is used). */
static void test_table_file_oom(void **state)
{
	const char *name = "names-of-this-length.list";
	struct result r;
	char *text;

	text = xasprintf("table <x> file \"%s\"\npass from <x>\n", name);
	fail_malloc_size = strlen(name) + 1; /* its copies, and only them */
	parse(&r, text);
	fail_malloc_size = 0;
	assert_string_equal(r.msgs, "t.rules: error: out of memory\n");
	assert_int_equal(r.d.errors, 1);
	assert_int_equal(r.rc, -1);
	result_free(&r);
	free(text);
}

/* A NUL byte in a table file's name (a rules file may hold any byte):
 * an error, not the file named by the bytes before it. */
static void test_table_file_name_nul(void **state)
{
	static const char rules[] = "table <x> file \"a.txt\0b\"\npass from <x>\n";
	struct pc_diag d = { 0 };
	struct pc_policy pol;
	struct tmpdir t;
	const char *path;
	char *msgs = NULL;
	size_t n = 0;
	FILE *f;

	tmp_init(&t);
	tmp_write(&t, "a.txt", "192.0.2.1\n");
	path = tmp_write(&t, "r.rules", "");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(rules, 1, sizeof(rules) - 1, f), sizeof(rules) - 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(pc_policy_parse_file(path, &pol, &d), -1);
	assert_int_equal(d.errors, 1);
	f = open_memstream(&msgs, &n);
	assert_non_null(f);
	pc_diag_print(f, &d);
	fclose(f);
	assert_non_null(strstr(msgs, "r.rules:1:16: error: the name of a table file holds a NUL byte\n"));
	assert_int_equal(pol.tables[0].prefixes.n, 0);
	free(msgs);
	pc_diag_free(&d);
	pc_policy_free(&pol);
	tmp_cleanup(&t);
}

static void test_missing_table_file(void **state)
{
	struct tmpdir t;
	struct result r;
	const char *rules;
	char *want;

	parse(&r, "table <x> file \"x.txt\"\npass from <x>\n");
	assert_string_equal(
		r.msgs,
		"t.rules:1:16: error: cannot read table file \"x.txt\": No such file or directory\n");
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.d.errors, 1); /* the table still exists: no cascade */
	result_free(&r);

	/* Relative to the rules file, not to the current directory. */
	tmp_init(&t);
	rules = tmp_write(&t, "r.rules", "table <x> file \"nope.txt\"\npass from <x>\n");
	parse_with(&r, NULL, NULL, rules);
	want = xasprintf(
		"%s:1:16: error: cannot read table file \"nope.txt\": No such file or directory\n",
		rules);
	assert_string_equal(r.msgs, want);
	free(want);
	result_free(&r);

	/* A directory cannot be read as a table file either. */
	parse(&r, "table <x> file \"/\"\npass from <x>\n");
	assert_string_equal(r.msgs,
			    "t.rules:1:16: error: cannot read table file \"/\": Is a directory\n");
	result_free(&r);
	tmp_cleanup(&t);
}

static void test_missing_rules_file(void **state)
{
	struct result r;

	parse_with(&r, NULL, NULL, "/nonexistent/portcullis.rules");
	assert_int_equal(r.rc, -1);
	assert_string_equal(
		r.msgs,
		"/nonexistent/portcullis.rules: error: cannot read rules file: No such file or directory\n");
	assert_int_equal(r.pol.nrules, 0);
	result_free(&r);
}

static void test_unused_table(void **state)
{
	struct result r;

	parse(&r, "table <x> { 192.0.2.1 }\npass\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.d.errors, 0);
	assert_int_equal(r.d.warnings, 1);
	assert_string_equal(r.msgs, "t.rules:1:7: warning: table <x> is never used\n");
	assert_int_equal(r.pol.ntables, 1);
	assert_false(r.pol.tables[0].used);
	result_free(&r);
}

static void test_table_names(void **state)
{
	struct result r;

	parse(&r, "table <a_b-C9> { }\n"
		  "table <_x> { }\n"
		  "table <a234567890123456789012345678901> { }\n" /* 31 characters */
		  "pass from <a_b-C9> to <_x>\n"
		  "pass from <a234567890123456789012345678901>\n");
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.pol.tables[2].name, "a234567890123456789012345678901");
	result_free(&r);

	/* Spaces inside < > are allowed; printing drops them. */
	parse(&r, "table < t > { }\npass from < t >\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.pol.tables[0].name, "t");
	result_free(&r);
}

static void test_duplicate_table(void **state)
{
	struct result r;

	parse(&r, "table <a> { 192.0.2.1 }\n"
		  "pass from <a>\n"
		  "  table <a> { 192.0.2.2 }\n"
		  "table <a> file \"whatever.txt\"\n");
	assert_string_equal(r.msgs, "t.rules:3:9: error: table <a> is already defined at 1:7\n"
				    "t.rules:4:7: error: table <a> is already defined at 1:7\n"
				    "t.rules:4:16: error: cannot read table file \"whatever.txt\": No such file or directory\n");
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.d.errors, 3);
	/* The first definition stands. */
	assert_int_equal(r.pol.ntables, 1);
	assert_int_equal(r.pol.tables[0].prefixes.n, 1);
	assert_int_equal(r.pol.tables[0].prefixes.v[0].addr[3], 1);
	result_free(&r);
}

static void test_host_bits(void **state)
{
	static const char *const cases[][2] = {
		{ "pass from 198.51.100.7/24",
		  "t.rules:1:11: error: 198.51.100.7/24 has host bits set; did you mean 198.51.100.0/24?\n" },
		{ "pass from 2001:db8::1/64",
		  "t.rules:1:11: error: 2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?\n" },
		{ "pass from 10.0.0.1/0",
		  "t.rules:1:11: error: 10.0.0.1/0 has host bits set; did you mean 0.0.0.0/0?\n" },
		{ "pass from 2001:db9::/31",
		  "t.rules:1:11: error: 2001:db9::/31 has host bits set; did you mean 2001:db8::/31?\n" },
		{ "pass to 192.0.2.1/31",
		  "t.rules:1:9: error: 192.0.2.1/31 has host bits set; did you mean 192.0.2.0/31?\n" },
		{ "pass to ::1/127",
		  "t.rules:1:9: error: ::1/127 has host bits set; did you mean ::/127?\n" },
		{ "table <t> { 192.0.2.129/25 192.0.2.128/25 }\npass from <t>",
		  "t.rules:1:13: error: 192.0.2.129/25 has host bits set; did you mean 192.0.2.128/25?\n" },
	};
	struct result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(&r, cases[i][0]);
		assert_string_equal(r.msgs, cases[i][1]);
		assert_int_equal(r.d.errors, 1);
		result_free(&r);
	}

	/* The edges that are fine. */
	parse(&r, "pass from { 10.0.0.0/7, 0.0.0.0/0, 255.255.255.255/32, 255.255.255.254/31, ::/0, "
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128, 2001:db8::/31, 192.0.2.128/25 }\n");
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.pol.rules[0].src.list.n, 8);
	/* Sorted: 0.0.0.0/0 first, ffff:...:ffff/128 last. */
	assert_int_equal(r.pol.rules[0].src.list.v[0].len, 0);
	assert_int_equal(r.pol.rules[0].src.list.v[7].len, 128);
	result_free(&r);
}

/* ---- errors: one input, the exact diagnostics ---------------------------- */

struct err_case {
	const char *in;
	const char *out;
	int errors;
};

static const struct err_case err_cases[] = {
	{ "foo\n",
	  "t.rules:1:1: error: unknown statement 'foo'; expected table, set, pass, block, monitor, reject or limit\n",
	  1 },
	{ "  foo bar { baz\n}\npass\n",
	  "t.rules:1:3: error: unknown statement 'foo'; expected table, set, pass, block, monitor, reject or limit\n",
	  1 },
	{ "{ pass }\n",
	  "t.rules:1:1: error: unexpected '{'; expected table, set, pass, block, monitor, reject or limit\n",
	  1 },
	{ "pass proto icmp\n",
	  "t.rules:1:12: error: unknown protocol 'icmp'; only tcp and udp are subject to rules\n", 1 },
	{ "\tpass proto { tcp icmp 6 }\n",
	  "t.rules:1:19: error: unknown protocol 'icmp'; only tcp and udp are subject to rules\n"
	  "t.rules:1:24: error: unknown protocol '6'; only tcp and udp are subject to rules\n",
	  2 },
	{ "pass proto\n",
	  "t.rules:1:11: error: unexpected end of line; expected tcp, udp or { tcp, udp } after 'proto'\n",
	  1 },
	{ "pass proto { }\n", "t.rules:1:12: error: empty protocol list; expected tcp, udp or both\n",
	  1 },
	{ "pass proto { tcp < }\n", "t.rules:1:18: error: unexpected '<'; expected tcp, udp or '}'\n",
	  1 },
	{ "pass to port 65536\n",
	  "t.rules:1:14: error: port '65536' is out of range; expected 0..65535\n", 1 },
	{ "pass to port 99999999999999999999999\n",
	  "t.rules:1:14: error: port '99999999999999999999999' is out of range; expected 0..65535\n",
	  1 },
	{ "pass to port 1:65536\n",
	  "t.rules:1:14: error: port '1:65536' is out of range; expected 0..65535\n", 1 },
	{ "pass to port smtp\n",
	  "t.rules:1:14: error: invalid port 'smtp'; expected a number 0..65535 or a range lo:hi\n", 1 },
	{ "pass to port -1\n",
	  "t.rules:1:14: error: invalid port '-1'; expected a number 0..65535 or a range lo:hi\n", 1 },
	{ "pass to port 1:2:3\n",
	  "t.rules:1:14: error: invalid port '1:2:3'; expected a number 0..65535 or a range lo:hi\n",
	  1 },
	{ "pass to port 25:\n",
	  "t.rules:1:14: error: invalid port '25:'; expected a number 0..65535 or a range lo:hi\n", 1 },
	{ "pass to port 2000:1000\n",
	  "t.rules:1:14: error: port range '2000:1000' is reversed; expected lo:hi with lo <= hi\n",
	  1 },
	{ "pass to port { 25 smtp 70000 }\n",
	  "t.rules:1:19: error: invalid port 'smtp'; expected a number 0..65535 or a range lo:hi\n"
	  "t.rules:1:24: error: port '70000' is out of range; expected 0..65535\n",
	  2 },
	{ "pass to port { 25,, 26 }\n",
	  "t.rules:1:19: error: unexpected ','; expected a port, a range lo:hi or '}'\n", 1 },
	{ "pass to port { , 26 }\n",
	  "t.rules:1:16: error: unexpected ','; expected a port, a range lo:hi or '}'\n", 1 },
	{ "pass to port { }\n",
	  "t.rules:1:14: error: empty port list; expected at least one port or range\n", 1 },
	{ "pass to port\n",
	  "t.rules:1:13: error: unexpected end of line; expected a port, a range lo:hi or { list } after 'port'\n",
	  1 },
	{ "pass to port { 25\n",
	  "t.rules:2:1: error: unexpected end of file; expected '}' to close '{' at 1:14\n", 1 },
	{ "pass from <nope>\n", "t.rules:1:11: error: table <nope> is not defined\n", 1 },
	{ "pass from <a\n",
	  "t.rules:1:13: error: unexpected end of line; expected '>' after '<a'\n", 1 },
	{ "pass from < >\n", "t.rules:1:13: error: unexpected '>'; expected a table name after '<'\n",
	  1 },
	{ "pass from relays\n",
	  "t.rules:1:11: error: unexpected 'relays'; expected an address, prefix, <table>, { list } or 'any' after 'from'\n",
	  1 },
	{ "pass from\n",
	  "t.rules:1:10: error: unexpected end of line; expected an address, prefix, <table>, { list } or 'any' after 'from'\n",
	  1 },
	{ "pass to\n",
	  "t.rules:1:8: error: unexpected end of line; expected an address, prefix, <table>, { list }, 'any' or 'port' after 'to'\n",
	  1 },
	{ "pass from !any\n",
	  "t.rules:1:12: error: '!any' would never match; expected an address, prefix, <table> or { list } after '!'\n",
	  1 },
	{ "pass from !!10.0.0.0/8\n",
	  "t.rules:1:12: error: unexpected '!'; expected an address, prefix, <table> or { list } after '!'\n",
	  1 },
	{ "pass from 1.2.3\n",
	  "t.rules:1:11: error: invalid address '1.2.3'; expected an IPv4 or IPv6 address or prefix\n",
	  1 },
	{ "pass from 1.2.3.256\n",
	  "t.rules:1:11: error: invalid address '1.2.3.256'; expected an IPv4 or IPv6 address or prefix\n",
	  1 },
	{ "pass from 2001:db8:::1\n",
	  "t.rules:1:11: error: invalid address '2001:db8:::1'; expected an IPv4 or IPv6 address or prefix\n",
	  1 },
	{ "pass from 10.0.0.0/33\n",
	  "t.rules:1:11: error: invalid prefix length in '10.0.0.0/33'; expected 0..32\n", 1 },
	{ "pass from ::/129\n",
	  "t.rules:1:11: error: invalid prefix length in '::/129'; expected 0..128\n", 1 },
	{ "pass from 10.0.0.0/\n",
	  "t.rules:1:11: error: invalid prefix length in '10.0.0.0/'; expected 0..32\n", 1 },
	{ "pass from 10.0.0.0/8/8\n",
	  "t.rules:1:11: error: invalid prefix length in '10.0.0.0/8/8'; expected 0..32\n", 1 },
	{ "pass from { }\n",
	  "t.rules:1:11: error: empty address list; expected at least one address or prefix\n", 1 },
	{ "pass from { !192.0.2.1 }\n",
	  "t.rules:1:13: error: '!' is not allowed inside a list; negate the whole list: !{ ... }\n", 1 },
	{ "table <a> { }\npass from { <a> } to <a>\npass to <a>\n",
	  "t.rules:2:13: error: a table cannot be part of a list; expected an address or prefix\n", 1 },
	{ "pass from { 192.0.2.1 any 1.2.3.256 }\n",
	  "t.rules:1:23: error: invalid address 'any'; expected an IPv4 or IPv6 address or prefix\n"
	  "t.rules:1:27: error: invalid address '1.2.3.256'; expected an IPv4 or IPv6 address or prefix\n",
	  2 },
	{ "pass from { 192.0.2.1\n",
	  "t.rules:2:1: error: unexpected end of file; expected '}' to close '{' at 1:11\n", 1 },
	{ "table <a> { 192.0.2.1\n\tpass from <a>\n",
	  "t.rules:2:2: error: unexpected 'pass'; expected '}' to close '{' at 1:11\n", 1 },
	{ "table <a> { 192.0.2.1 !192.0.2.2 }\npass from <a>\n",
	  "t.rules:1:23: error: '!' is not allowed in a table; expected an address or prefix\n", 1 },
	{ "table <1a> { }\n",
	  "t.rules:1:8: error: invalid table name '1a'; expected a letter or '_', then letters, digits, '_' or '-'\n",
	  1 },
	{ "table <a.b> { }\n",
	  "t.rules:1:8: error: invalid table name 'a.b'; expected a letter or '_', then letters, digits, '_' or '-'\n",
	  1 },
	{ "table <a2345678901234567890123456789012> { }\n",
	  "t.rules:1:8: error: table name 'a2345678901234567890123456789012' is too long; expected at most 31 characters\n",
	  1 },
	{ "pass from <a2345678901234567890123456789012>\n",
	  "t.rules:1:12: error: table name 'a2345678901234567890123456789012' is too long; expected at most 31 characters\n",
	  1 },
	{ "table relays { }\n",
	  "t.rules:1:7: error: unexpected 'relays'; expected '<' and a table name after 'table'\n", 1 },
	{ "table <x> 192.0.2.1\npass from <x>\n",
	  "t.rules:1:11: error: unexpected '192.0.2.1'; expected '{' or 'file' after <x>\n", 1 },
	{ "table <x> file x.txt\npass from <x>\n",
	  "t.rules:1:16: error: unexpected 'x.txt'; expected a quoted file name after 'file'\n", 1 },
	{ "table <x> { } persist\npass from <x>\n",
	  "t.rules:1:15: error: unexpected 'persist'; expected end of line\n", 1 },
	{ "set\n", "t.rules:1:4: error: unexpected end of line; expected 'malformed' or 'reply-limit' after 'set'\n", 1 },
	{ "set foo\n", "t.rules:1:5: error: unknown option 'foo' for 'set'; expected malformed or reply-limit\n", 1 },
	{ "set reply-limit\n",
	  "t.rules:1:16: error: unexpected end of line; expected N/second, N/minute or N/hour after 'set reply-limit'\n",
	  1 },
	{ "set reply-limit 3/fortnight\n",
	  "t.rules:1:17: error: unknown rate unit 'fortnight' in '3/fortnight'; expected second, minute or hour\n",
	  1 },
	{ "set reply-limit 0/second\n",
	  "t.rules:1:17: error: rate '0/second' is out of range; expected N/unit with N in 1..1000000\n",
	  1 },
	{ "set reply-limit 3/minute burst 0\n",
	  "t.rules:1:32: error: burst '0' is out of range; expected 1..1000000\n", 1 },
	{ "set reply-limit 3/minute burst\n",
	  "t.rules:1:31: error: unexpected end of line; expected a number 1..1000000 after 'burst'\n",
	  1 },
	{ "set reply-limit 3/minute 5\n",
	  "t.rules:1:26: error: unexpected '5'; expected 'burst' or end of line\n", 1 },
	{ "set reply-limit 3/minute burst 5 log\n",
	  "t.rules:1:34: error: unexpected 'log'; expected end of line\n", 1 },
	{ "set malformed\n",
	  "t.rules:1:14: error: unexpected end of line; expected block or pass after 'set malformed'\n",
	  1 },
	{ "set malformed drop\n",
	  "t.rules:1:15: error: invalid value 'drop' for 'set malformed'; expected block or pass\n", 1 },
	{ "set malformed pass extra\n",
	  "t.rules:1:20: error: unexpected 'extra'; expected end of line\n", 1 },
	{ "pass rate 1/second\n",
	  "t.rules:1:6: error: 'rate' on a 'pass' rule; only limit rules take a rate\n", 1 },
	{ "block to port 25 rate 1/second burst 5\n",
	  "t.rules:1:18: error: 'rate' on a 'block' rule; only limit rules take a rate\n", 1 },
	{ "limit to port 25\n",
	  "t.rules:1:1: error: 'limit' without 'rate'; expected 'rate N/second|minute|hour'\n", 1 },
	{ "limit to port 25 burst 5\n",
	  "t.rules:1:18: error: 'burst' without 'rate'; expected 'rate N/second|minute|hour' before 'burst'\n",
	  1 },
	{ "limit rate 0/second\n",
	  "t.rules:1:12: error: rate '0/second' is out of range; expected N/unit with N in 1..1000000\n",
	  1 },
	{ "limit rate 1000001/second\n",
	  "t.rules:1:12: error: rate '1000001/second' is out of range; expected N/unit with N in 1..1000000\n",
	  1 },
	{ "limit rate 30/day\n",
	  "t.rules:1:12: error: unknown rate unit 'day' in '30/day'; expected second, minute or hour\n",
	  1 },
	{ "limit rate 30\n",
	  "t.rules:1:12: error: invalid rate '30'; expected N/second, N/minute or N/hour\n", 1 },
	{ "limit rate x/minute\n",
	  "t.rules:1:12: error: invalid rate 'x/minute'; expected N/second, N/minute or N/hour\n", 1 },
	{ "limit rate\n",
	  "t.rules:1:11: error: unexpected end of line; expected N/second, N/minute or N/hour after 'rate'\n",
	  1 },
	{ "limit rate 30/minute burst 0\n",
	  "t.rules:1:28: error: burst '0' is out of range; expected 1..1000000\n", 1 },
	{ "limit rate 30/minute burst 1000001\n",
	  "t.rules:1:28: error: burst '1000001' is out of range; expected 1..1000000\n", 1 },
	{ "limit rate 30/minute burst x\n",
	  "t.rules:1:28: error: invalid burst 'x'; expected a number 1..1000000\n", 1 },
	{ "limit rate 30/minute burst\n",
	  "t.rules:1:27: error: unexpected end of line; expected a number 1..1000000 after 'burst'\n",
	  1 },
	{ "pass to port 25 from any\n",
	  "t.rules:1:17: error: 'from' must come before 'to'; clauses go in the order proto, from, to, log, rate, burst\n",
	  1 },
	{ "pass log proto tcp\n",
	  "t.rules:1:10: error: 'proto' must come before 'log'; clauses go in the order proto, from, to, log, rate, burst\n",
	  1 },
	{ "pass proto tcp proto udp\n",
	  "t.rules:1:16: error: 'proto' given twice; each clause may appear at most once\n", 1 },
	{ "pass log log\n",
	  "t.rules:1:10: error: 'log' given twice; each clause may appear at most once\n", 1 },
	{ "pass port 25\n",
	  "t.rules:1:6: error: 'port' must follow 'to' or its address, as in 'to port 25'\n", 1 },
	{ "pass to 192.0.2.1 log port 25\n",
	  "t.rules:1:23: error: 'port' must follow 'to' or its address, as in 'to port 25'\n", 1 },
	{ "pass to port 25 extra\n",
	  "t.rules:1:17: error: unexpected 'extra'; expected log, rate or end of line\n", 1 },
	{ "pass to 192.0.2.1 extra\n",
	  "t.rules:1:19: error: unexpected 'extra'; expected port, log, rate or end of line\n", 1 },
	{ "pass from 10.0.0.0/8 192.0.2.1\n",
	  "t.rules:1:22: error: unexpected '192.0.2.1'; expected to, log, rate or end of line\n", 1 },
	{ "pass extra\n",
	  "t.rules:1:6: error: unexpected 'extra'; expected proto, from, to, log, rate or end of line\n",
	  1 },
	{ "limit rate 1/second extra\n",
	  "t.rules:1:21: error: unexpected 'extra'; expected burst or end of line\n", 1 },
	{ "limit rate 1/second burst 2 extra\n",
	  "t.rules:1:29: error: unexpected 'extra'; expected end of line\n", 1 },
	{ "pass @\n",
	  "t.rules:1:6: error: unexpected character '@'; expected proto, from, to, log, rate or end of line\n",
	  1 },
	{ "pass \xc3\xa9\n",
	  "t.rules:1:6: error: unexpected character '\\xc3'; expected proto, from, to, log, rate or end of line\n",
	  1 },
	{ "pass \"x\n", "t.rules:1:6: error: unterminated string; expected '\"' before end of line\n",
	  1 },
	{ "pass \"x\"\n",
	  "t.rules:1:6: error: unexpected '\"x\"'; expected proto, from, to, log, rate or end of line\n",
	  1 },
	{ "table <x> file \"x.txt\"\npass from <x>\n",
	  "t.rules:1:16: error: cannot read table file \"x.txt\": No such file or directory\n", 1 },
	{ "pass to port 25 # fine\n\t\tblock proto icmp\n",
	  "t.rules:2:15: error: unknown protocol 'icmp'; only tcp and udp are subject to rules\n", 1 },
};

static void test_errors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct result r;

		parse(&r, c->in);
		if (strcmp(r.msgs, c->out) || r.d.errors != c->errors)
			fprintf(stderr, "case %zu: %s", i, c->in);
		assert_string_equal(r.msgs, c->out);
		assert_int_equal(r.d.errors, c->errors);
		assert_int_equal(r.d.warnings, 0);
		assert_int_equal(r.rc, -1);
		result_free(&r);
	}
}

/* Every error in a file is reported, and parsing picks up after each;
 * they are printed in the order of the file, although table references
 * are resolved at the end. */
static void test_many_errors(void **state)
{
	struct result r;

	parse(&r, "table <relays> { 198.51.100.7/24, 1.2.3.256 }\n"
		  "table <relays> { 192.0.2.1 }\n"
		  "foo bar\n"
		  "pass proto icmp from <nope> to port 70000\n"
		  "pass from { 192.0.2.1\n"
		  "block to port 25 rate 3/minute\n"
		  "limit to port 2000:1000 @ more { stuff\n"
		  "  still skipped } skipped\n"
		  "pass to port 25 from any\n"
		  "set malformed drop\n"
		  "pass \"abc\n"
		  "pass to port { }\n"
		  "pass from <relays> to port 587\n");
	assert_string_equal(
		r.msgs,
		"t.rules:1:18: error: 198.51.100.7/24 has host bits set; did you mean 198.51.100.0/24?\n"
		"t.rules:1:35: error: invalid address '1.2.3.256'; expected an IPv4 or IPv6 address or prefix\n"
		"t.rules:2:7: error: table <relays> is already defined at 1:7\n"
		"t.rules:3:1: error: unknown statement 'foo'; expected table, set, pass, block, monitor, reject or limit\n"
		"t.rules:4:12: error: unknown protocol 'icmp'; only tcp and udp are subject to rules\n"
		"t.rules:4:22: error: table <nope> is not defined\n"
		"t.rules:4:37: error: port '70000' is out of range; expected 0..65535\n"
		"t.rules:6:1: error: unexpected 'block'; expected '}' to close '{' at 5:11\n"
		"t.rules:6:18: error: 'rate' on a 'block' rule; only limit rules take a rate\n"
		"t.rules:7:15: error: port range '2000:1000' is reversed; expected lo:hi with lo <= hi\n"
		"t.rules:7:25: error: unexpected character '@'; expected log, rate or end of line\n"
		"t.rules:9:17: error: 'from' must come before 'to'; clauses go in the order proto, from, to, log, rate, burst\n"
		"t.rules:10:15: error: invalid value 'drop' for 'set malformed'; expected block or pass\n"
		"t.rules:11:6: error: unterminated string; expected '\"' before end of line\n"
		"t.rules:12:14: error: empty port list; expected at least one port or range\n");
	assert_int_equal(r.d.errors, 15);
	assert_int_equal(r.d.warnings, 0);
	assert_int_equal(r.rc, -1);
	/* Only the last rule is whole. */
	assert_int_equal(r.pol.nrules, 1);
	assert_int_equal(r.pol.rules[0].loc.line, 13);
	assert_int_equal(r.pol.rules[0].src.table, 0);
	result_free(&r);
}

static void test_null_diag(void **state)
{
	struct pc_policy p;

	assert_int_equal(pc_policy_parse_string("x", "pass\n", &p, NULL), 0);
	pc_policy_free(&p);
	assert_int_equal(pc_policy_parse_string("x", "bogus\n", &p, NULL), -1);
	pc_policy_free(&p);
}

/* The parse result is still valid after errors, and a diag keeps counting
 * across two parses. */
static void test_diag_accumulates(void **state)
{
	struct pc_diag d = { 0 };
	struct pc_policy p;

	assert_int_equal(pc_policy_parse_string("a", "foo\n", &p, &d), -1);
	pc_policy_free(&p);
	assert_int_equal(d.errors, 1);
	/* A clean parse with errors already counted still returns 0. */
	assert_int_equal(pc_policy_parse_string("b", "pass\n", &p, &d), 0);
	pc_policy_free(&p);
	assert_int_equal(d.errors, 1);
	pc_diag_free(&d);
}

/* ---- printing ----------------------------------------------------------- */

/* The printer prints the lists as the policy keeps them, sorted, and so
 * needs no copies: it used to sort a copy of each list and port set, and
 * printed "{ }" or no ports at all when that copy could not be made. Its
 * one allocation is its growing buffer (realloc). */
static void test_print_needs_no_copies(void **state)
{
	static char buf[4096];
	struct result r;
	char *want;
	FILE *f;

	parse(&r, "table <t> { 192.0.2.9, 2001:db8::1, 192.0.2.1 }\n"
		  "pass from { 198.51.100.2, 198.51.100.1 } to port { 587, 25, 465, 25 }\n"
		  "block from <t>\n");
	assert_int_equal(r.rc, 0);
	want = print_str(&r.pol);
	assert_string_equal(want, "table <t> { 192.0.2.1, 192.0.2.9, 2001:db8::1 }\n"
				  "set malformed block\n"
				  "pass from { 198.51.100.1, 198.51.100.2 } to port { 25, 465, 587 }\n"
				  "block from <t>\n");
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0); /* no stdio buffer to allocate */
	fail_malloc = true;
	pc_policy_print(f, &r.pol);
	fail_malloc = false;
	fclose(f);
	assert_string_equal(buf, want);
	free(want);
	result_free(&r);
}

static void test_print_tables(void **state)
{
	struct result r;
	char *s;

	parse(&r, "table <empty> { }\n"
		  "table <eight> { 192.0.2.8 192.0.2.7 192.0.2.6 192.0.2.5 192.0.2.4 192.0.2.3 192.0.2.2 192.0.2.1 192.0.2.1 }\n"
		  "table <big> { 2001:db8::/32 192.0.2.9 192.0.2.8 192.0.2.7 192.0.2.6 192.0.2.5 192.0.2.4 192.0.2.3 192.0.2.2 192.0.2.1 }\n"
		  "pass from <empty> to <eight>\n"
		  "pass from <big>\n");
	assert_int_equal(r.rc, 0);
	s = check_roundtrip(&r.pol);
	assert_string_equal(
		s, "table <empty> { }\n"
		   "table <eight> { 192.0.2.1, 192.0.2.2, 192.0.2.3, 192.0.2.4, 192.0.2.5, 192.0.2.6, 192.0.2.7, 192.0.2.8 }\n"
		   "table <big> {\n"
		   "\t192.0.2.1,\n"
		   "\t192.0.2.2,\n"
		   "\t192.0.2.3,\n"
		   "\t192.0.2.4,\n"
		   "\t192.0.2.5,\n"
		   "\t192.0.2.6,\n"
		   "\t192.0.2.7,\n"
		   "\t192.0.2.8,\n"
		   "\t192.0.2.9,\n"
		   "\t2001:db8::/32\n"
		   "}\n"
		   "set malformed block\n"
		   "pass from <empty> to <eight>\n"
		   "pass from <big>\n");
	free(s);
	result_free(&r);
}

static void test_rule_format_truncates(void **state)
{
	struct result r;
	char buf[16];

	parse(&r, "monitor proto tcp to port { 465, 587, 2525 }\n");
	memset(buf, 'x', sizeof(buf));
	pc_rule_format(buf, sizeof(buf), &r.pol, &r.pol.rules[0]);
	assert_string_equal(buf, "monitor proto t");
	result_free(&r);
}

static void test_roundtrip(void **state)
{
	static const char *const policies[] = {
		"",
		"set malformed pass\n",
		"table <a> { 10.0.0.0/8 } # comment\n"
		"table <b> {\n 2001:db8::/32\n 192.0.2.0/24 }\n"
		"pass proto udp from !<a> to <b> port { 53 5353 }\n"
		"block proto { udp tcp } from { 203.0.113.0/24, 198.51.100.0/24 } to !{ 192.0.2.1 } port 1:1023 log\n"
		"limit from <a> rate 10/second\n"
		"monitor to 0.0.0.0/0 port 0\n"
		"reject to ::/0\n",
		"table <unused> { }\npass\n",
	};
	size_t i;

	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct result r;

		parse(&r, policies[i]);
		assert_int_equal(r.d.errors, 0);
		free(check_roundtrip(&r.pol));
		result_free(&r);
	}
}

/* A big table file: every entry read, printed one a line, read back. */
static void test_big_table_file(void **state)
{
	struct tmpdir t;
	struct result r;
	const char *rules;
	char *text, *s;
	size_t i, n = 20000, off = 0;

	tmp_init(&t);
	text = malloc(n * 32);
	assert_non_null(text);
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(text + off, "%zu.%zu.%zu.0/24\n", 10 + i / 65536,
				       (i / 256) % 256, i % 256);
	tmp_write(&t, "big.txt", text);
	free(text);
	rules = tmp_write(&t, "big.rules", "table <big> file \"big.txt\"\nblock from <big> to port 25\n");
	parse_with(&r, NULL, NULL, rules);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.pol.tables[0].prefixes.n, n);
	s = check_roundtrip(&r.pol);
	assert_non_null(strstr(s, "table <big> {\n\t10.0.0.0/24,\n\t10.0.1.0/24,\n"));
	free(s);
	result_free(&r);
	tmp_cleanup(&t);
}


/* ---- keywords ----------------------------------------------------------- */

/* Every keyword is found by its name: the table is sorted for bsearch. */
static void test_keywords(void **state)
{
	char buf[160];
	int k;

	for (k = PC_KW_NONE + 1; k < PC_NKEYWORD; k++) {
		const struct pc_keyword_def *d = pc_keyword_def(k);
		const struct pc_keyword_def *found;

		assert_non_null(d);
		found = pc_keyword_lookup(d->name, strlen(d->name));
		assert_ptr_equal(found, d);
	}
	assert_null(pc_keyword_lookup("tc", 2));
	assert_null(pc_keyword_lookup("tcpx", 4));
	assert_null(pc_keyword_lookup("", 0));
	assert_non_null(pc_keyword_lookup("port 25", 4)); /* by length, not NUL */
	assert_string_equal(pc_proto_name(PC_PROTO_TCP), "tcp");
	assert_string_equal(pc_proto_name(PC_PROTO_UDP), "udp");
	assert_string_equal(pc_rate_unit_name(1), "second");
	assert_string_equal(pc_rate_unit_name(60), "minute");
	assert_string_equal(pc_rate_unit_name(3600), "hour");
	assert_string_equal(pc_rate_unit_name(7), "?");
	pc_keyword_join(buf, sizeof(buf), PC_KWK_STATEMENT | PC_KWK_ACTION, "%s", ", ", " or ");
	assert_string_equal(buf, "table, set, pass, block, monitor, reject or limit");
	pc_keyword_join(buf, sizeof(buf), PC_KWK_UNIT, "N/%s", ", ", " or ");
	assert_string_equal(buf, "N/second, N/minute or N/hour");
	pc_keyword_join(buf, 8, PC_KWK_UNIT, "%s", "|", "|");
	assert_string_equal(buf, "second|");
}

/* ---- diagnostics, collected --------------------------------------------- */

/* Sorted by file (in the order files first appear), line, column, then
 * the order found; diagnostics about no file last. */
static void test_diag_sorted(void **state)
{
	struct pc_loc a9 = { "a.rules", 9, 1 }, a2 = { "a.rules", 2, 5 }, a2b = { "a.rules", 2, 3 };
	struct pc_loc t1 = { "t.txt", 1, 1 }, a0 = { "a.rules", 0, 0 };
	struct pc_diag d = { 0 };
	char *s;

	pc_diag_warning(&d, &a9, "w9");
	pc_diag_warning(&d, &t1, "t1");
	pc_diag_warning(&d, NULL, "nowhere");
	pc_diag_warning(&d, &a2, "w2 first");
	pc_diag_warning(&d, &a2, "w2 second");
	pc_diag_warning(&d, &a2b, "w2 col 3");
	pc_diag_warning(&d, &a0, "whole file");
	assert_int_equal(d.warnings, 7);
	assert_int_equal(d.list.n, 7);
	s = diag_printed(&d);
	assert_string_equal(s, "a.rules: warning: whole file\n"
			       "a.rules:2:3: warning: w2 col 3\n"
			       "a.rules:2:5: warning: w2 first\n"
			       "a.rules:2:5: warning: w2 second\n"
			       "a.rules:9:1: warning: w9\n"
			       "t.txt:1:1: warning: t1\n"
			       "warning: nowhere\n");
	free(s);

	/* One error, and not one warning is left. */
	pc_diag_error(&d, &t1, "the real problem");
	s = diag_printed(&d);
	assert_string_equal(s, "t.txt:1:1: error: the real problem\n");
	free(s);
	pc_diag_free(&d);
	assert_int_equal(d.list.n, 0);

	/* Nothing to print: nothing printed. */
	s = diag_printed(&d);
	assert_string_equal(s, "");
	free(s);
}

/* 129 tables, 128 of them unused: the one error, no warnings. */
static void test_no_warnings_after_errors(void **state)
{
	struct pc_compiled *c = calloc(1, sizeof(*c));
	struct pc_diag d = { 0 };
	struct pc_policy p;
	char *text = NULL, *s;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	assert_non_null(c);
	assert_non_null(f);
	for (i = 0; i < 129; i++)
		fprintf(f, "table <t%d> { 10.%d.0.0/16 }\n", i, i);
	fprintf(f, "block from <t0> to port 25\n");
	fclose(f);
	assert_int_equal(pc_policy_parse_string("t.rules", text, &p, &d), 0);
	assert_int_equal(d.warnings, 128);
	assert_int_equal(pc_compile(&p, c, &d, 0), -1);
	s = diag_printed(&d);
	assert_string_equal(s, "t.rules:129:7: error: too many tables: the limit is 128\n");
	free(s);
	pc_diag_free(&d);
	pc_compiled_free(c);
	free(c);
	pc_policy_free(&p);
	free(text);
}

/* ---- normalisation ------------------------------------------------------ */

/* Repeats are dropped as the policy is read, so that its printed form
 * reads back to the same policy (and the same digest). */
static void test_duplicates_dropped(void **state)
{
	struct tmpdir t;
	struct result r;
	const char *rules;
	char *s;

	parse(&r, "table <t> { 100.64.0.1, 100.64.0.1, 10.0.0.0/8 }\n"
		  "block from <t> to { 192.0.2.1 192.0.2.1 } port { 25, 25, 20:30, 20:30 }\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.pol.tables[0].prefixes.n, 2);
	assert_int_equal(r.pol.rules[0].dst.list.n, 1);
	assert_int_equal(r.pol.rules[0].ports.n, 2);
	assert_int_equal(r.pol.rules[0].ports.v[0].lo, 20);
	assert_int_equal(r.pol.rules[0].ports.v[1].lo, 25);
	s = check_roundtrip(&r.pol);
	assert_string_equal(s, "table <t> { 10.0.0.0/8, 100.64.0.1 }\n"
			       "set malformed block\n"
			       "block from <t> to 192.0.2.1 port { 20:30, 25 }\n");
	free(s);
	result_free(&r);

	/* A line twice in a table file. */
	tmp_init(&t);
	tmp_write(&t, "t.txt", "192.0.2.7\n192.0.2.0/24\n192.0.2.7\n");
	rules = tmp_write(&t, "r.rules", "table <t> file \"t.txt\"\npass from <t>\n");
	parse_with(&r, NULL, NULL, rules);
	assert_string_equal(r.msgs, "");
	assert_int_equal(r.pol.tables[0].prefixes.n, 2);
	result_free(&r);
	tmp_cleanup(&t);
}

/* ---- IPv4-mapped addresses ---------------------------------------------- */

static void test_v4_mapped(void **state)
{
	static const char *const cases[][2] = {
		{ "pass from ::ffff:192.0.2.1",
		  "t.rules:1:11: error: ::ffff:192.0.2.1 is an IPv4-mapped IPv6 address, which no packet carries; write 192.0.2.1 instead\n" },
		{ "pass to { 192.0.2.1, ::FFFF:c000:0200/120 }",
		  "t.rules:1:22: error: ::FFFF:c000:0200/120 is an IPv4-mapped IPv6 address, which no packet carries; write 192.0.2.0/24 instead\n" },
		{ "table <t> { ::ffff:0:0/96 }\npass from <t>",
		  "t.rules:1:13: error: ::ffff:0:0/96 is an IPv4-mapped IPv6 address, which no packet carries; write 0.0.0.0/0 instead\n" },
	};
	struct result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(&r, cases[i][0]);
		assert_string_equal(r.msgs, cases[i][1]);
		assert_int_equal(r.rc, -1);
		result_free(&r);
	}
	/* Prefixes that only hold the mapped range are fine, as are their
	 * neighbours. */
	parse(&r, "pass from { ::/0, ::/80, ::fffe:0:0/96, 64:ff9b::/96 }\n");
	assert_string_equal(r.msgs, "");
	result_free(&r);
}

/* ---- reading files ------------------------------------------------------ */

/* Only regular files, and no bigger than the cap: /dev/zero and a FIFO
 * fail at once (they used to grow without bound, or block). */
static void test_source_limits(void **state)
{
	struct tmpdir t;
	struct result r;
	const char *big, *rules;
	char *fifo, *want;
	int fd;

	tmp_init(&t);
	big = tmp_write(&t, "big.rules", "");
	fd = open(big, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)PC_SOURCE_MAX + 1), 0); /* sparse */
	close(fd);
	parse_with(&r, NULL, NULL, big);
	want = xasprintf("%s: error: cannot read rules file: larger than 256 MiB, the limit for a rules or table file\n",
			 big);
	assert_string_equal(r.msgs, want);
	free(want);
	result_free(&r);

	parse_with(&r, NULL, NULL, "/dev/zero");
	assert_string_equal(r.msgs, "/dev/zero: error: cannot read rules file: not a regular file\n");
	result_free(&r);

	fifo = xasprintf("%s/fifo", t.path);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	t.files[t.nfiles++] = fifo;
	parse_with(&r, NULL, NULL, fifo);
	want = xasprintf("%s: error: cannot read rules file: not a regular file\n", fifo);
	assert_string_equal(r.msgs, want);
	free(want);
	result_free(&r);

	/* The same for table files. */
	rules = tmp_write(&t, "r.rules", "table <a> file \"fifo\"\ntable <b> file \"big.rules\"\n"
					     "pass from <a> to <b>\n");
	parse_with(&r, NULL, NULL, rules);
	want = xasprintf("%1$s:1:16: error: cannot read table file \"fifo\": not a regular file\n"
			 "%1$s:2:16: error: cannot read table file \"big.rules\": larger than 256 MiB, the limit for a rules or table file\n",
			 rules);
	assert_string_equal(r.msgs, want);
	free(want);
	result_free(&r);
	tmp_cleanup(&t);
}

/* Read n bytes through a pipe, written by a child, with a cap of max. */
static int read_pipe(size_t n, size_t max, struct pc_source *src, char *why, size_t whysize)
{
	static const char chunk[4096] = { 0 };
	int pipefd[2], rc, status;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(pipefd[0]);
		while (n) {
			ssize_t w = write(pipefd[1], chunk, n < sizeof(chunk) ? n : sizeof(chunk));

			if (w <= 0)
				_exit(1); /* the reader stopped early: EPIPE */
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(pipefd[1]);
	rc = pc_source_read_fd(pipefd[0], max, src, why, whysize);
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return rc;
}

/* A pipe (standard input) has no size to check first: it is read up to
 * the cap, and one byte more is an error, not a truncated policy. */
static void test_source_cap_pipe(void **state)
{
	const size_t max = 1 << 20;
	struct pc_source src;
	char why[128];

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(read_pipe(max, max, &src, why, sizeof(why)), 0);
	assert_int_equal(src.len, max);
	pc_source_free(&src);

	assert_int_equal(read_pipe(max + 1, max, &src, why, sizeof(why)), -1);
	assert_string_equal(why, "larger than 1 MiB, the limit for a rules or table file");
	assert_null(src.text);

	assert_int_equal(read_pipe(3 * max, max, &src, why, sizeof(why)), -1);
	assert_string_equal(why, "larger than 1 MiB, the limit for a rules or table file");
	signal(SIGPIPE, SIG_DFL);
}

/* "-" is standard input, named <stdin>; its table files are relative to
 * the current directory. */
static void test_stdin(void **state)
{
	static const char text[] = "table <l> file \"list.txt\"\npass from <l>\nbogus\n";
	struct tmpdir t;
	struct result r;
	char cwd[PATH_MAX];
	int pipefd[2], saved = dup(STDIN_FILENO);

	tmp_init(&t);
	tmp_write(&t, "list.txt", "192.0.2.0/24\n192.0.2.0/24\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(t.path), 0);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(write(pipefd[1], text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(pipefd[1]);
	assert_int_equal(dup2(pipefd[0], STDIN_FILENO), STDIN_FILENO);
	close(pipefd[0]);
	parse_with(&r, NULL, NULL, "-");
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(r.msgs, "<stdin>:3:1: error: unknown statement 'bogus'; expected table, "
				    "set, pass, block, monitor, reject or limit\n");
	assert_int_equal(r.pol.nrules, 1);
	assert_int_equal(r.pol.tables[0].prefixes.n, 1);
	result_free(&r);
	tmp_cleanup(&t);
}

/* ---- warnings about likely mistakes -------------------------------------- */

static char *lint_msgs(const char *text)
{
	struct result r;
	char *s;

	parse(&r, text);
	if (r.rc)
		fail_msg("does not parse:\n%s\n%s", text, r.msgs);
	pc_policy_lint(&r.pol, &r.d);
	s = diag_take(&r.d);
	result_free(&r);
	return s;
}

static void expect_lint(const char *text, const char *want)
{
	char *s = lint_msgs(text);

	if (strcmp(s, want))
		fail_msg("policy:\n%s--- warnings:\n%s--- want:\n%s", text, s, want);
	free(s);
}

#define SHADOWED(line, by) \
	"t.rules:" #line ":1: warning: this rule is shadowed: the rule at " #by ":1 matches every packet it would, first\n"

static void test_lint(void **state)
{
	expect_lint("", "t.rules: warning: the policy has no rules: every packet passes\n");
	expect_lint("table <t> { 10.0.0.0/8 }\n",
		    "t.rules: warning: the policy has no rules: every packet passes\n");
	expect_lint("block proto tcp to port 25\nblock proto tcp to port { 25 }\n",
		    "t.rules:2:1: warning: duplicate rule: the same as the rule at 1:1\n");
	/* Shadowed: protocols, ports, addresses, tables, families covered. */
	expect_lint("block to port 25\npass proto tcp to port 25\n", SHADOWED(2, 1));
	expect_lint("block proto tcp to port 20:30\npass proto tcp to port { 21, 25:30 }\n",
		    SHADOWED(2, 1));
	expect_lint("pass to port { 1:100, 101:200 }\nblock to port 50:150\n", SHADOWED(2, 1));
	expect_lint("pass\nblock from 192.0.2.1\n", SHADOWED(2, 1));
	expect_lint("table <t> { 10.0.0.0/8, 2001:db8::/32 }\n"
		    "pass from <t>\nblock from { 10.1.0.0/16, 2001:db8:1::/48 } to port 25\n",
		    SHADOWED(3, 2));
	expect_lint("pass from ! 10.0.0.0/8\nblock from ! { 10.0.0.0/8, 192.0.2.0/24 }\n",
		    SHADOWED(2, 1));
	expect_lint("pass to ! 198.51.100.0/24\nblock to 192.0.2.1 port 25\n", SHADOWED(2, 1));
	expect_lint("table <t> { 10.0.0.0/8 }\npass from <t> to port 25\nblock from <t>\n"
		    "monitor from <t> to port 25\n",
		    SHADOWED(4, 2));
	/* Not shadowed: something of the later rule is left over. */
	expect_lint("pass proto tcp\nblock\n", "");
	expect_lint("block to port 20:30\npass to port 19:25\n", "");
	expect_lint("pass to port { 1:100, 102:200 }\nblock to port 50:150\n", "");
	expect_lint("pass from 192.0.2.1\nblock\n", "");
	expect_lint("pass from 10.0.0.0/8\nblock from { 10.1.0.0/16, 11.0.0.0/8 }\n", "");
	expect_lint("pass from ! 10.0.0.0/8\nblock from ! 10.1.0.0/16\n", "");
	expect_lint("pass from ! 10.0.0.0/8\nblock from 10.1.0.0/16\n", "");
	expect_lint("pass from 10.0.0.0/8\nblock from ! 10.1.0.0/16\n", "");
	/* IPv4 only (as in pf), so IPv6 is left for the second rule. */
	expect_lint("pass to ! 198.51.100.0/24\nblock to port 25\n", "");
	expect_lint("pass to ! 198.51.100.0/24\nblock to 2001:db8::1\n", "");
	/* An empty table matches nothing: not worth a "shadowed". */
	expect_lint("table <e> { }\npass\nblock from <e>\n", "");
	/* Different actions, the same match: shadowed, not a duplicate. */
	expect_lint("pass to port 25\nblock to port 25\n", SHADOWED(2, 1));
	/* A set option written twice: the last one wins, which may surprise. */
	expect_lint("set malformed pass\nset reply-limit 5/second\nblock to port 25\n", "");
	expect_lint("set malformed pass\nset reply-limit 5/second\nblock to port 25\n"
		    "set malformed block\nset reply-limit 6/second burst 3\n",
		    "t.rules:4:5: warning: 'set malformed' again: it overrides the one at 1:5 "
		    "(the last one wins)\n"
		    "t.rules:5:5: warning: 'set reply-limit' again: it overrides the one at 2:5 "
		    "(the last one wins)\n");
	expect_lint("set malformed pass\nset malformed pass\nset malformed block\nblock to port 25\n",
		    "t.rules:3:5: warning: 'set malformed' again: it overrides the one at 2:5 "
		    "(the last one wins)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_prefix_format),
		cmocka_unit_test(test_prefix_cmp),
		cmocka_unit_test(test_prefix_contains_v4),
		cmocka_unit_test(test_prefix_contains_v6),
		cmocka_unit_test(test_prefix_list),
		cmocka_unit_test(test_diag_format),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_rule_forms),
		cmocka_unit_test(test_rule_fields),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_multiline_lists),
		cmocka_unit_test(test_forward_reference),
		cmocka_unit_test(test_set_malformed),
		cmocka_unit_test(test_set_reply_limit),
		cmocka_unit_test(test_table_file),
		cmocka_unit_test(test_table_file_cwd),
		cmocka_unit_test(test_table_file_oom),
		cmocka_unit_test(test_table_file_name_nul),
		cmocka_unit_test(test_missing_table_file),
		cmocka_unit_test(test_missing_rules_file),
		cmocka_unit_test(test_unused_table),
		cmocka_unit_test(test_table_names),
		cmocka_unit_test(test_duplicate_table),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_null_diag),
		cmocka_unit_test(test_diag_accumulates),
		cmocka_unit_test(test_print_needs_no_copies),
		cmocka_unit_test(test_print_tables),
		cmocka_unit_test(test_rule_format_truncates),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_big_table_file),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_diag_sorted),
		cmocka_unit_test(test_no_warnings_after_errors),
		cmocka_unit_test(test_duplicates_dropped),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_source_limits),
		cmocka_unit_test(test_source_cap_pipe),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_lint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
