// SPDX-License-Identifier: GPL-2.0
/*
 * Parser of the rules language: text in, struct pc_policy out.
 *
 * Two kinds of error. A value error (a bad address, port, protocol, ...)
 * sits in a well-formed token: it is reported and parsing goes on, so
 * that a long table with several bad entries reports each. A syntax error
 * (a token where it makes no sense) is reported and the rest of the
 * statement is skipped, up to the next newline outside braces. A statement
 * with any error is not added to the policy, except a table, which is kept
 * with what could be read so that its references do not fail as well.
 *
 * Every word of the language is spelled in keywords.c, messages included.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "growable_array.h"
#include "keywords.h"
#include "lexer.h"
#include "policy.h"
#include "progress.h"
#include "source_file.h"

#define DESC_MAX 96
#define LIST_MAX 160 /* an "expected ..." list of keywords */
#define RATE_MAX 1000000u
#define BURST_MAX 1000000u

/* A reference to a table by name, resolved once every table is known. */
struct ref {
	char name[PC_NAME_MAX + 1];
	long rule; /* index into policy rules, or -1: the rule was dropped */
	int dir;   /* PC_DIR_SRC or PC_DIR_DST */
	struct pc_loc loc;
};

struct ref_list {
	struct ref *v;
	size_t n, cap;
};

struct parser {
	struct pc_policy *pol;
	struct pc_diag *d;
	struct pc_lexer lx;
	struct pc_token tok; /* lookahead, valid when peeked */
	bool peeked;
	const char *file; /* owned by pol->files */
	const char *dir;  /* table files are relative to it; NULL: cwd */
	int depth;        /* { } nesting at the lookahead */
	bool failed;      /* the current statement had an error */
	bool oom;
	struct ref_list refs;
};

/* ---- small helpers ------------------------------------------------------ */

static void oom(struct parser *p)
{
	struct pc_loc l = { p->file, 0, 0 };

	if (!p->oom)
		pc_diag_error(p->d, &l, "out of memory");
	p->oom = true;
	p->failed = true;
}

static const char *add_file(struct pc_policy *pol, char *owned)
{
	if (!owned)
		return NULL;
	if (pc_array_reserve((void **)&pol->files, &pol->files_cap, pol->nfiles + 1,
			     sizeof(*pol->files))) {
		free(owned);
		return NULL;
	}
	pol->files[pol->nfiles++] = owned;
	return owned;
}

static const struct pc_token *peek(struct parser *p)
{
	if (!p->peeked) {
		pc_lex_next(&p->lx, &p->tok);
		p->peeked = true;
	}
	return &p->tok;
}

static struct pc_token next(struct parser *p)
{
	peek(p);
	p->peeked = false;
	return p->tok;
}

static struct pc_loc loc_of(const struct parser *p, const struct pc_token *t)
{
	struct pc_loc l = { p->file, t->line, t->col };

	return l;
}

static const struct pc_keyword_def *keyword_of(const struct pc_token *t)
{
	return t->kind == PC_TOK_WORD ? pc_keyword_lookup(t->text, t->len) : NULL;
}

static bool word_is(const struct pc_token *t, enum pc_keyword kw)
{
	const struct pc_keyword_def *k = keyword_of(t);

	return k && k->kw == kw;
}

static const char *kw(enum pc_keyword k)
{
	return pc_keyword_name(k);
}

/* Copy a word into buf; false if it does not fit. */
static bool word_copy(const struct pc_token *t, char *buf, size_t size)
{
	if (t->len >= size)
		return false;
	memcpy(buf, t->text, t->len);
	buf[t->len] = 0;
	return true;
}

static bool is_stmt_keyword(const struct pc_token *t)
{
	const struct pc_keyword_def *k = keyword_of(t);

	return k && (k->kind & (PC_KWK_STATEMENT | PC_KWK_ACTION));
}

/* "table, set, pass, block, monitor, reject or limit" */
static void statements_expected(char *buf, size_t size)
{
	pc_keyword_join(buf, size, PC_KWK_STATEMENT | PC_KWK_ACTION, "%s", ", ", " or ");
}

static void err(struct parser *p, const struct pc_token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void err(struct parser *p, const struct pc_token *t, const char *fmt, ...)
{
	struct pc_loc l = loc_of(p, t);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pc_diag_error(p->d, &l, "%s", msg);
	p->failed = true;
}

/* A token that does not belong here: "unexpected X; expected WHAT". */
static void unexpected(struct parser *p, const struct pc_token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void unexpected(struct parser *p, const struct pc_token *t, const char *fmt, ...)
{
	char what[256], desc[DESC_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pc_tok_describe(desc, sizeof(desc), t);
	if (t->kind == PC_TOK_BADSTRING)
		err(p, t, "unterminated string; expected '\"' before end of line");
	else if (t->kind == PC_TOK_BADCHAR)
		err(p, t, "unexpected character %s; expected %s", desc, what);
	else
		err(p, t, "unexpected %s; expected %s", desc, what);
}

/* Decimal digits only. 0: ok; -1: not a number; -2: above max. */
static int parse_uint(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	bool big = false;
	size_t i;

	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (!big) {
			v = v * 10 + (unsigned long)(s[i] - '0');
			big = v > max;
		}
	}
	if (big)
		return -2;
	*out = v;
	return 0;
}

/* ---- values ------------------------------------------------------------- */

/* The address part of an address or prefix (the text before any '/'). */
static int parse_address(const char *text, struct pc_prefix *out)
{
	if (strchr(text, ':')) {
		out->family = PC_FAMILY_V6;
		return inet_pton(AF_INET6, text, out->addr) == 1 ? 0 : -1;
	}
	out->family = PC_FAMILY_V4;
	return inet_pton(AF_INET, text, out->addr) == 1 ? 0 : -1;
}

/* A documented choice: silently masking would hide a typo. */
static int check_host_bits(struct parser *p, const struct pc_token *t, const struct pc_prefix *pfx)
{
	struct pc_prefix masked = *pfx;
	char fix[INET6_ADDRSTRLEN + 8];
	unsigned i;

	for (i = 0; i < 16; i++) {
		unsigned bits = i * 8 >= pfx->len ? 0 : pfx->len - i * 8 >= 8 ? 8 : pfx->len - i * 8;

		masked.addr[i] &= (__u8)(0xff00 >> bits);
	}
	if (!memcmp(masked.addr, pfx->addr, sizeof(pfx->addr)))
		return 0;
	pc_prefix_format(fix, sizeof(fix), &masked);
	err(p, t, "%.*s has host bits set; did you mean %s?", (int)t->len, t->text, fix);
	return -1;
}

/* ::ffff:a.b.c.d never appears on the wire: an IPv4 packet carries
 * a.b.c.d, so a rule naming the mapped form would silently never match. */
static int check_v4_mapped(struct parser *p, const struct pc_token *t, const struct pc_prefix *pfx)
{
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct pc_prefix v4 = { .family = PC_FAMILY_V4 };
	char fix[INET6_ADDRSTRLEN + 8];

	if (pfx->family != PC_FAMILY_V6 || pfx->len < 96 || memcmp(pfx->addr, mapped, 12))
		return 0;
	v4.len = pfx->len - 96;
	memcpy(v4.addr, pfx->addr + 12, 4);
	pc_prefix_format(fix, sizeof(fix), &v4);
	err(p, t, "%.*s is an IPv4-mapped IPv6 address, which no packet carries; write %s instead",
	    (int)t->len, t->text, fix);
	return -1;
}

/* An address or prefix. Value errors are reported; returns 0 or -1. */
static int word_prefix(struct parser *p, const struct pc_token *t, struct pc_prefix *out)
{
	char buf[80], desc[DESC_MAX], *slash;
	unsigned long len;
	unsigned max;

	memset(out, 0, sizeof(*out));
	pc_tok_describe(desc, sizeof(desc), t);
	slash = word_copy(t, buf, sizeof(buf)) ? strchr(buf, '/') : NULL;
	if (slash)
		*slash = 0;
	if (t->len >= sizeof(buf) || parse_address(buf, out)) {
		err(p, t, "invalid address %s; expected an IPv4 or IPv6 address or prefix", desc);
		return -1;
	}
	max = out->family == PC_FAMILY_V6 ? 128 : 32;
	len = max;
	if (slash && parse_uint(slash + 1, strlen(slash + 1), max, &len)) {
		err(p, t, "invalid prefix length in %s; expected 0..%u", desc, max);
		return -1;
	}
	out->len = (__u8)len;
	if (check_host_bits(p, t, out))
		return -1;
	return check_v4_mapped(p, t, out);
}

/* A word that cannot be an address: no digit, '.' or ':' in it. Used to
 * say "unexpected 'to'" rather than "invalid address 'to'". */
static bool keyword_like(const struct pc_token *t)
{
	size_t i;

	for (i = 0; i < t->len; i++) {
		char c = t->text[i];

		if ((c >= '0' && c <= '9') || c == '.' || c == ':')
			return false;
	}
	return true;
}

static int word_port(struct parser *p, const struct pc_token *t, struct pc_port_range *out)
{
	char desc[DESC_MAX];
	const char *colon = memchr(t->text, ':', t->len);
	size_t n1 = colon ? (size_t)(colon - t->text) : t->len;
	unsigned long lo = 0, hi = 0;
	int r1, r2;

	pc_tok_describe(desc, sizeof(desc), t);
	r1 = parse_uint(t->text, n1, 65535, &lo);
	r2 = colon ? parse_uint(colon + 1, t->len - n1 - 1, 65535, &hi) : r1;
	if (r1 == -1 || r2 == -1) {
		err(p, t, "invalid port %s; expected a number 0..65535 or a range lo:hi", desc);
		return -1;
	}
	if (r1 == -2 || r2 == -2) {
		err(p, t, "port %s is out of range; expected 0..65535", desc);
		return -1;
	}
	if (!colon)
		hi = lo;
	if (lo > hi) {
		err(p, t, "port range %s is reversed; expected lo:hi with lo <= hi", desc);
		return -1;
	}
	out->lo = (__u16)lo;
	out->hi = (__u16)hi;
	return 0;
}

/* "N/second, N/minute or N/hour" */
static void rates_expected(char *buf, size_t size)
{
	pc_keyword_join(buf, size, PC_KWK_UNIT, "N/%s", ", ", " or ");
}

/* "rate N/second|minute|hour" */
static void rate_syntax(char *buf, size_t size)
{
	char units[LIST_MAX / 2];

	pc_keyword_join(units, sizeof(units), PC_KWK_UNIT, "%s", "|", "|");
	snprintf(buf, size, "%s N/%s", kw(PC_KW_RATE), units);
}

static int word_rate(struct parser *p, const struct pc_token *t, struct pc_rule_ast *r)
{
	const struct pc_keyword_def *unit;
	char desc[DESC_MAX], list[LIST_MAX];
	const char *slash = memchr(t->text, '/', t->len);
	size_t n1 = slash ? (size_t)(slash - t->text) : t->len, ulen;
	unsigned long n = 0;
	int rc;

	pc_tok_describe(desc, sizeof(desc), t);
	rc = slash ? parse_uint(t->text, n1, RATE_MAX, &n) : -1;
	if (rc == -1) {
		rates_expected(list, sizeof(list));
		err(p, t, "invalid rate %s; expected %s", desc, list);
		return -1;
	}
	if (rc == -2 || n == 0) {
		err(p, t, "rate %s is out of range; expected N/unit with N in 1..%u", desc, RATE_MAX);
		return -1;
	}
	ulen = t->len - n1 - 1;
	unit = pc_keyword_lookup(slash + 1, ulen);
	if (!unit || unit->kind != PC_KWK_UNIT) {
		pc_keyword_join(list, sizeof(list), PC_KWK_UNIT, "%s", ", ", " or ");
		err(p, t, "unknown rate unit '%.*s' in %s; expected %s", (int)ulen, slash + 1, desc,
		    list);
		return -1;
	}
	r->rate = (__u32)n;
	r->rate_unit = (__u16)unit->value;
	return 0;
}

static int word_burst(struct parser *p, const struct pc_token *t, struct pc_rule_ast *r)
{
	char desc[DESC_MAX];
	unsigned long n = 0;
	int rc = parse_uint(t->text, t->len, BURST_MAX, &n);

	pc_tok_describe(desc, sizeof(desc), t);
	if (rc == -1) {
		err(p, t, "invalid burst %s; expected a number 1..%u", desc, BURST_MAX);
		return -1;
	}
	if (rc == -2 || n == 0) {
		err(p, t, "burst %s is out of range; expected 1..%u", desc, BURST_MAX);
		return -1;
	}
	r->burst = (__u32)n;
	return 0;
}

/* ---- lists -------------------------------------------------------------- */

typedef int (*item_fn)(struct parser *p, const struct pc_token *t, void *ctx);

/* { item, item ... }: commas optional, newlines are blanks. The item
 * function sees the lookahead and consumes it; it returns -1 only on a
 * syntax error. */
static int parse_list(struct parser *p, item_fn item, void *ctx, const char *what,
		      size_t *nitems)
{
	struct pc_token open = next(p);
	bool after_item = false;

	*nitems = 0;
	p->depth++;
	for (;;) {
		const struct pc_token *t = peek(p);

		if (t->kind == PC_TOK_NEWLINE) {
			next(p);
			continue;
		}
		if (t->kind == PC_TOK_RBRACE) {
			next(p);
			p->depth--;
			return 0;
		}
		/* A statement keyword starting a line: the '}' was forgotten. */
		if (t->kind == PC_TOK_EOF || (t->bol && is_stmt_keyword(t))) {
			unexpected(p, t, "'}' to close '{' at %d:%d", open.line, open.col);
			return -1;
		}
		if (t->kind == PC_TOK_COMMA) {
			if (!after_item) {
				unexpected(p, t, "%s or '}'", what);
				return -1;
			}
			next(p);
			after_item = false;
			continue;
		}
		if (item(p, t, ctx) < 0 || p->oom)
			return -1;
		++*nitems;
		after_item = true;
	}
}

struct prefix_item_ctx {
	struct pc_prefix_list *list;
	bool table; /* a table's list, not a rule's */
};

static void add_prefix_word(struct parser *p, const struct pc_token *w, struct pc_prefix_list *l)
{
	struct pc_prefix pfx;

	if (word_prefix(p, w, &pfx) == 0 && pc_prefix_list_add(l, &pfx) < 0)
		oom(p);
}

static int prefix_item(struct parser *p, const struct pc_token *t, void *vctx)
{
	struct prefix_item_ctx *ctx = vctx;
	struct pc_token w;

	switch (t->kind) {
	case PC_TOK_WORD:
		w = next(p);
		add_prefix_word(p, &w, ctx->list);
		return 0;
	case PC_TOK_BANG:
		if (ctx->table)
			err(p, t, "'!' is not allowed in a table; expected an address or prefix");
		else
			err(p, t, "'!' is not allowed inside a list; negate the whole list: !{ ... }");
		next(p);
		return 0;
	case PC_TOK_LT:
		err(p, t, "a table cannot be part of a list; expected an address or prefix");
		return -1;
	default:
		unexpected(p, t, "an address, prefix or '}'");
		return -1;
	}
}

static void add_port_word(struct parser *p, const struct pc_token *w, struct pc_rule_ast *r)
{
	struct pc_port_range pr;

	if (word_port(p, w, &pr) == 0 && pc_array_push(&r->ports, pr))
		oom(p);
}

static int port_item(struct parser *p, const struct pc_token *t, void *ctx)
{
	struct pc_token w;

	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "a port, a range lo:hi or '}'");
		return -1;
	}
	w = next(p);
	add_port_word(p, &w, ctx);
	return 0;
}

/* "tcp, udp" */
static void protos_listed(char *buf, size_t size)
{
	pc_keyword_join(buf, size, PC_KWK_PROTO, "%s", ", ", ", ");
}

static void proto_word(struct parser *p, const struct pc_token *t, unsigned *protos)
{
	const struct pc_keyword_def *k = keyword_of(t);
	char desc[DESC_MAX], list[LIST_MAX];

	if (k && k->kind == PC_KWK_PROTO) {
		*protos |= 1u << k->value;
		return;
	}
	pc_tok_describe(desc, sizeof(desc), t);
	pc_keyword_join(list, sizeof(list), PC_KWK_PROTO, "%s", ", ", " and ");
	err(p, t, "unknown protocol %s; only %s are subject to rules", desc, list);
}

static int proto_item(struct parser *p, const struct pc_token *t, void *ctx)
{
	char list[LIST_MAX];
	struct pc_token w;

	if (t->kind != PC_TOK_WORD) {
		protos_listed(list, sizeof(list));
		unexpected(p, t, "%s or '}'", list);
		return -1;
	}
	w = next(p);
	proto_word(p, &w, ctx);
	return 0;
}

/* ---- table names and references ----------------------------------------- */

static bool table_name_ok(const struct pc_token *w)
{
	char c = w->text[0];
	bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
	size_t i;

	for (i = 1; ok && i < w->len; i++) {
		c = w->text[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '_' || c == '-';
	}
	return ok;
}

/* < name >. On a bad name (a value error) name is left empty. */
static int parse_table_name(struct parser *p, char *name, struct pc_loc *loc)
{
	struct pc_token lt = next(p), w;
	const struct pc_token *t;
	char desc[DESC_MAX];

	*loc = loc_of(p, &lt);
	name[0] = 0;
	t = peek(p);
	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "a table name after '<'");
		return -1;
	}
	w = next(p);
	pc_tok_describe(desc, sizeof(desc), &w);
	if (!table_name_ok(&w))
		err(p, &w,
		    "invalid table name %s; expected a letter or '_', then letters, digits, '_' or '-'",
		    desc);
	else if (w.len > PC_NAME_MAX)
		err(p, &w, "table name %s is too long; expected at most %d characters", desc,
		    PC_NAME_MAX);
	else
		word_copy(&w, name, PC_NAME_MAX + 1);

	t = peek(p);
	if (t->kind != PC_TOK_GT) {
		unexpected(p, t, "'>' after '<%.*s'", w.len > 64 ? 64 : (int)w.len, w.text);
		return -1;
	}
	next(p);
	return 0;
}

static long find_table(const struct pc_policy *pol, const char *name)
{
	size_t i;

	for (i = 0; i < pol->ntables; i++)
		if (!strcmp(pol->tables[i].name, name))
			return (long)i;
	return -1;
}

/* ---- rules -------------------------------------------------------------- */

/* A rule being read: the rule, its table references, and which clauses
 * have been seen, for the order checks and the "expected ..." lists. */
struct rule_state {
	struct pc_rule_ast r;
	struct pc_token kw; /* the action */
	struct ref refs[2];
	int nrefs;
	unsigned seen;  /* 1 << enum pc_keyword of each clause read */
	int stage;      /* index in clauses[] of the last clause read; -1 at first */
	bool port_ok;   /* 'port' may follow: 'to' had an address only */
};

/* "any", or one address or prefix; 1 if the word is not an address. */
static int parse_addr_word(struct parser *p, struct pc_addr_spec *a)
{
	const struct pc_token *t = peek(p);
	struct pc_token w;

	if (word_is(t, PC_KW_ANY)) {
		if (a->neg)
			err(p, t, "'!%s' would never match; expected an address, prefix, <table> or { list } after '!'",
			    kw(PC_KW_ANY));
		next(p);
		a->kind = PC_ADDR_ANY;
		return 0;
	}
	if (keyword_like(t))
		return 1;
	w = next(p);
	a->kind = PC_ADDR_LIST;
	add_prefix_word(p, &w, &a->list);
	return 0;
}

/* <name>, recorded in the rule's references to resolve at the end. */
static int parse_addr_table(struct parser *p, struct pc_addr_spec *a, int dir,
			    struct rule_state *rs)
{
	struct ref *r = &rs->refs[rs->nrefs];

	a->kind = PC_ADDR_TABLE;
	a->table = -1;
	if (parse_table_name(p, r->name, &r->loc) < 0)
		return -1;
	r->dir = dir;
	if (r->name[0])
		rs->nrefs++;
	return 0;
}

static int parse_addr_list(struct parser *p, struct pc_addr_spec *a)
{
	struct prefix_item_ctx ictx = { &a->list, false };
	struct pc_token open = *peek(p);
	size_t n;

	a->kind = PC_ADDR_LIST;
	if (parse_list(p, prefix_item, &ictx, "an address, prefix", &n) < 0)
		return -1;
	if (!n)
		err(p, &open, "empty address list; expected at least one address or prefix");
	return 0;
}

/* SRC or DST: [!] any | <table> | address | { list }; 1 if none starts
 * here. */
static int parse_addr_value(struct parser *p, struct pc_addr_spec *a, int dir,
			    struct rule_state *rs)
{
	switch (peek(p)->kind) {
	case PC_TOK_WORD:
		return parse_addr_word(p, a);
	case PC_TOK_LT:
		return parse_addr_table(p, a, dir, rs);
	case PC_TOK_LBRACE:
		return parse_addr_list(p, a);
	default:
		return 1;
	}
}

static int parse_addr(struct parser *p, struct pc_addr_spec *a, int dir, struct rule_state *rs)
{
	const struct pc_token *t = peek(p);
	int rc;

	a->loc = loc_of(p, t);
	if (t->kind == PC_TOK_BANG) {
		next(p);
		a->neg = true;
	}
	rc = parse_addr_value(p, a, dir, rs);
	if (rc <= 0)
		return rc;
	t = peek(p);
	if (a->neg)
		unexpected(p, t, "an address, prefix, <table> or { list } after '!'");
	else if (dir == PC_DIR_SRC)
		unexpected(p, t, "an address, prefix, <table>, { list } or '%s' after '%s'",
			   kw(PC_KW_ANY), kw(PC_KW_FROM));
	else
		unexpected(p, t, "an address, prefix, <table>, { list }, '%s' or '%s' after '%s'",
			   kw(PC_KW_ANY), kw(PC_KW_PORT), kw(PC_KW_TO));
	return -1;
}

static int parse_ports(struct parser *p, struct pc_rule_ast *r)
{
	const struct pc_token *t = peek(p);
	struct pc_token open, w;
	size_t n;

	if (t->kind == PC_TOK_WORD) {
		w = next(p);
		add_port_word(p, &w, r);
		return 0;
	}
	if (t->kind == PC_TOK_LBRACE) {
		open = *t;
		if (parse_list(p, port_item, r, "a port, a range lo:hi", &n) < 0)
			return -1;
		if (!n)
			err(p, &open, "empty port list; expected at least one port or range");
		return 0;
	}
	unexpected(p, t, "a port, a range lo:hi or { list } after '%s'", kw(PC_KW_PORT));
	return -1;
}

/* Each clause reads what follows its keyword; -1 on a syntax error. */
static int clause_proto(struct parser *p, struct rule_state *rs)
{
	const struct pc_token *t = peek(p);
	char list[LIST_MAX];
	struct pc_token w;
	size_t n;

	rs->r.protos = 0;
	if (t->kind == PC_TOK_WORD) {
		w = next(p);
		proto_word(p, &w, &rs->r.protos);
		return 0;
	}
	protos_listed(list, sizeof(list));
	if (t->kind == PC_TOK_LBRACE) {
		struct pc_token open = *t;

		if (parse_list(p, proto_item, &rs->r.protos, list, &n) < 0)
			return -1;
		if (!n)
			err(p, &open, "empty protocol list; expected %s or both", list);
		return 0;
	}
	unexpected(p, t, "%s or { %s } after '%s'", list, list, kw(PC_KW_PROTO));
	return -1;
}

static int clause_from(struct parser *p, struct rule_state *rs)
{
	return parse_addr(p, &rs->r.src, PC_DIR_SRC, rs);
}

static int clause_to(struct parser *p, struct rule_state *rs)
{
	if (!word_is(peek(p), PC_KW_PORT) && parse_addr(p, &rs->r.dst, PC_DIR_DST, rs) < 0)
		return -1;
	if (!word_is(peek(p), PC_KW_PORT)) {
		rs->port_ok = true;
		return 0;
	}
	next(p);
	return parse_ports(p, &rs->r);
}

static int clause_log(struct parser *p, struct rule_state *rs)
{
	return 0;
}

static int clause_rate(struct parser *p, struct rule_state *rs)
{
	const struct pc_token *t = peek(p);
	char list[LIST_MAX];
	struct pc_token w;

	if (t->kind != PC_TOK_WORD) {
		rates_expected(list, sizeof(list));
		unexpected(p, t, "%s after '%s'", list, kw(PC_KW_RATE));
		return -1;
	}
	w = next(p);
	word_rate(p, &w, &rs->r);
	return 0;
}

static int clause_burst(struct parser *p, struct rule_state *rs)
{
	const struct pc_token *t = peek(p);
	struct pc_token w;

	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "a number 1..%u after '%s'", BURST_MAX, kw(PC_KW_BURST));
		return -1;
	}
	w = next(p);
	word_burst(p, &w, &rs->r);
	return 0;
}

/* The clauses, in the order they must be written. 'port' is part of 'to'. */
static const struct clause {
	enum pc_keyword kw;
	int (*parse)(struct parser *p, struct rule_state *rs);
} clauses[] = {
	{ PC_KW_PROTO, clause_proto }, { PC_KW_FROM, clause_from }, { PC_KW_TO, clause_to },
	{ PC_KW_LOG, clause_log },     { PC_KW_RATE, clause_rate }, { PC_KW_BURST, clause_burst },
};
#define NCLAUSES (sizeof(clauses) / sizeof(clauses[0]))

static int clause_index(const struct pc_token *t)
{
	const struct pc_keyword_def *k = keyword_of(t);
	size_t i;

	for (i = 0; k && i < NCLAUSES; i++)
		if (clauses[i].kw == k->kw)
			return (int)i;
	return -1;
}

static bool seen(const struct rule_state *rs, enum pc_keyword k)
{
	return rs->seen & (1u << k);
}

static void join(char *buf, size_t size, const char *const *v, size_t n, const char *last_sep)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
					i == 0 ? "" : i == n - 1 ? last_sep : ", ", v[i]);
}

/* What may still follow, for "expected ...": the clauses after the last
 * one read (burst only right after rate), then end of line. */
static void clauses_left(char *buf, size_t size, const struct rule_state *rs)
{
	const char *v[NCLAUSES + 2];
	size_t n = 0, i;

	for (i = 0; i < NCLAUSES; i++) {
		enum pc_keyword k = clauses[i].kw;

		if (k == PC_KW_BURST ? seen(rs, PC_KW_RATE) && rs->stage == (int)i - 1 :
				       (int)i > rs->stage && !seen(rs, k))
			v[n++] = kw(k);
		if (k == PC_KW_TO && rs->port_ok)
			v[n++] = kw(PC_KW_PORT);
	}
	v[n++] = "end of line";
	join(buf, size, v, n, " or ");
}

/* "proto, from, to, log, rate, burst" */
static void clause_order(char *buf, size_t size)
{
	const char *v[NCLAUSES];
	size_t i;

	for (i = 0; i < NCLAUSES; i++)
		v[i] = kw(clauses[i].kw);
	join(buf, size, v, NCLAUSES, ", ");
}

/* May clause c come here? Reports why not; a syntax error either way. */
static int clause_allowed(struct parser *p, struct rule_state *rs, const struct pc_token *t,
			  int c)
{
	char buf[LIST_MAX];

	if (word_is(t, PC_KW_PORT)) {
		err(p, t, "'%s' must follow '%s' or its address, as in '%s %s 25'", kw(PC_KW_PORT),
		    kw(PC_KW_TO), kw(PC_KW_TO), kw(PC_KW_PORT));
	} else if (c < 0) {
		clauses_left(buf, sizeof(buf), rs);
		unexpected(p, t, "%s", buf);
	} else if (seen(rs, clauses[c].kw)) {
		err(p, t, "'%s' given twice; each clause may appear at most once",
		    kw(clauses[c].kw));
	} else if (c < rs->stage) {
		clause_order(buf, sizeof(buf));
		err(p, t, "'%s' must come before '%s'; clauses go in the order %s",
		    kw(clauses[c].kw), kw(clauses[rs->stage].kw), buf);
	} else if (clauses[c].kw == PC_KW_BURST && !seen(rs, PC_KW_RATE)) {
		rate_syntax(buf, sizeof(buf));
		err(p, t, "'%s' without '%s'; expected '%s' before '%s'", kw(PC_KW_BURST),
		    kw(PC_KW_RATE), buf, kw(PC_KW_BURST));
	} else {
		return 0;
	}
	return -1;
}

/* The clauses up to the end of the line. 0, or -1 on a syntax error. */
static int parse_clauses(struct parser *p, struct rule_state *rs)
{
	for (;;) {
		const struct pc_token *t = peek(p);
		struct pc_token w;
		int c;

		if (t->kind == PC_TOK_NEWLINE || t->kind == PC_TOK_EOF)
			return 0;
		c = clause_index(t);
		if (clause_allowed(p, rs, t, c))
			return -1;
		w = next(p);
		rs->seen |= 1u << clauses[c].kw;
		rs->stage = c;
		rs->port_ok = false;
		if (clauses[c].kw == PC_KW_LOG) {
			rs->r.log = true;
			rs->r.log_loc = loc_of(p, &w);
		} else if (clauses[c].kw == PC_KW_RATE) {
			rs->r.rate_loc = loc_of(p, &w);
		}
		if (clauses[c].parse(p, rs) < 0 || p->oom)
			return -1;
	}
}

/* The parser accepts reject, limit, log and rate; whether the data plane
 * supports them is the compiler's call. */
static void check_rate(struct parser *p, struct rule_state *rs)
{
	enum pc_action act = rs->r.action;
	char buf[LIST_MAX];

	if (seen(rs, PC_KW_RATE) && act != PC_ACT_LIMIT) {
		pc_diag_error(p->d, &rs->r.rate_loc,
			      "'%s' on a '%s' rule; only %s rules take a rate", kw(PC_KW_RATE),
			      pc_action_name(act), kw(PC_KW_LIMIT));
		p->failed = true;
	}
	if (act == PC_ACT_LIMIT && !seen(rs, PC_KW_RATE)) {
		rate_syntax(buf, sizeof(buf));
		err(p, &rs->kw, "'%s' without '%s'; expected '%s'", kw(PC_KW_LIMIT), kw(PC_KW_RATE),
		    buf);
	}
}

static void rule_free(struct pc_rule_ast *r)
{
	pc_prefix_list_free(&r->src.list);
	pc_prefix_list_free(&r->dst.list);
	free(r->ports.v);
	memset(&r->ports, 0, sizeof(r->ports));
}

/* Lists come out sorted and without repeats: printing, comparing and
 * the digest then see one form of each. */
static void normalise_rule(struct pc_rule_ast *r)
{
	pc_prefix_list_sort_unique(&r->src.list);
	pc_prefix_list_sort_unique(&r->dst.list);
	pc_port_list_sort_unique(&r->ports);
}

/* Keep the rule if it had no error; record its table references either
 * way, so that an undefined table is reported even in a broken rule. */
static void add_rule(struct parser *p, struct rule_state *rs, bool keep)
{
	struct pc_policy *pol = p->pol;
	long idx = -1;
	int i;

	if (keep && !p->failed) {
		if (pc_array_reserve((void **)&pol->rules, &pol->rules_cap, pol->nrules + 1,
				     sizeof(*pol->rules)) == 0) {
			normalise_rule(&rs->r);
			idx = (long)pol->nrules;
			pol->rules[pol->nrules++] = rs->r;
		} else {
			oom(p);
		}
	}
	if (idx < 0)
		rule_free(&rs->r);
	for (i = 0; i < rs->nrefs; i++) {
		rs->refs[i].rule = idx;
		if (pc_array_push(&p->refs, rs->refs[i]))
			oom(p);
	}
}

static int parse_rule(struct parser *p, enum pc_action act)
{
	struct rule_state rs = { .kw = next(p), .stage = -1 };
	int rc;

	rs.r.action = act;
	rs.r.loc = loc_of(p, &rs.kw);
	rs.r.protos = PC_PROTOS_ALL; /* as in pf */
	rs.r.src.loc = rs.r.dst.loc = rs.r.loc;
	rs.r.src.table = rs.r.dst.table = -1;

	rc = parse_clauses(p, &rs);
	if (rc == 0)
		check_rate(p, &rs);
	add_rule(p, &rs, rc == 0);
	if (rc < 0)
		return -1;
	if (peek(p)->kind == PC_TOK_NEWLINE)
		next(p);
	return 0;
}

/* ---- tables ------------------------------------------------------------- */

static char *path_join(const char *dir, const char *rel)
{
	size_t dl = strlen(dir), rl = strlen(rel);
	bool slash = dl && dir[dl - 1] == '/';
	char *s = malloc(dl + rl + 2);

	if (!s)
		return NULL;
	memcpy(s, dir, dl);
	if (!slash)
		s[dl++] = '/';
	memcpy(s + dl, rel, rl + 1);
	return s;
}

static void skip_line(struct parser *p)
{
	struct pc_token t;

	do
		t = next(p);
	while (t.kind != PC_TOK_NEWLINE && t.kind != PC_TOK_EOF);
}

/* One address or prefix a line, read by a parser of its own so that
 * errors name the table file. */
static void parse_table_lines(struct parser *sub, struct pc_prefix_list *list)
{
	for (;;) {
		const struct pc_token *t = peek(sub);
		struct pc_token w;

		if (t->kind == PC_TOK_EOF || sub->oom)
			return;
		if (t->kind == PC_TOK_NEWLINE) {
			next(sub);
			continue;
		}
		if (t->kind != PC_TOK_WORD) {
			unexpected(sub, t, "an address or prefix");
			skip_line(sub);
			continue;
		}
		w = next(sub);
		add_prefix_word(sub, &w, list);
		pc_progress_add(1);
		t = peek(sub);
		if (t->kind != PC_TOK_NEWLINE && t->kind != PC_TOK_EOF) {
			unexpected(sub, t, "end of line; a table file holds one address or prefix a line");
			skip_line(sub);
		}
	}
}

/* The path of a table file named by the token: relative to the rules
 * file. Returns the path (owned by the policy), or NULL when out of
 * memory, which it reports. */
static const char *table_file_path(struct parser *p, const struct pc_token *st, char **rel)
{
	const char *file = NULL;
	char *path;

	*rel = strndup(st->text, st->len);
	if (*rel) {
		path = (*rel)[0] != '/' && p->dir ? path_join(p->dir, *rel) : strdup(*rel);
		file = add_file(p->pol, path);
	}
	if (!file)
		oom(p);
	return file;
}

static void parse_table_file(struct parser *p, const struct pc_token *st,
			     struct pc_prefix_list *list)
{
	struct parser sub = { .pol = p->pol, .d = p->d };
	struct pc_source src;
	char why[128], *rel;

	sub.file = table_file_path(p, st, &rel);
	if (!sub.file) {
		free(rel);
		return;
	}
	if (pc_source_read(sub.file, &src, why, sizeof(why))) {
		err(p, st, "cannot read table file \"%s\": %s", rel, why);
		free(rel);
		return;
	}
	free(rel);
	pc_lex_init(&sub.lx, src.text, src.len);
	parse_table_lines(&sub, list);
	pc_source_free(&src);
	p->failed |= sub.failed;
	p->oom |= sub.oom;
}

static int expect_eol(struct parser *p)
{
	const struct pc_token *t = peek(p);

	if (t->kind == PC_TOK_EOF)
		return 0;
	if (t->kind == PC_TOK_NEWLINE) {
		next(p);
		return 0;
	}
	unexpected(p, t, "end of line");
	return -1;
}

/* A table keeps its first definition; true if this one is new. */
static bool table_is_new(struct parser *p, const struct pc_table *tb)
{
	long prev = tb->name[0] ? find_table(p->pol, tb->name) : -1;
	const struct pc_loc *pl;

	if (!tb->name[0])
		return false;
	if (prev < 0)
		return true;
	pl = &p->pol->tables[prev].loc;
	pc_diag_error(p->d, &tb->loc, "table <%s> is already defined at %d:%d", tb->name, pl->line,
		      pl->col);
	p->failed = true;
	return false;
}

/* { list } | file "path", after the name. */
static int parse_table_body(struct parser *p, struct pc_table *tb)
{
	struct prefix_item_ctx ictx = { &tb->prefixes, true };
	const struct pc_token *t = peek(p);
	struct pc_token st;
	size_t n;

	if (t->kind == PC_TOK_LBRACE)
		return parse_list(p, prefix_item, &ictx, "an address, prefix", &n);
	if (!word_is(t, PC_KW_FILE)) {
		unexpected(p, t, "'{' or '%s' after <%s>", kw(PC_KW_FILE),
			   tb->name[0] ? tb->name : "...");
		return -1;
	}
	next(p);
	t = peek(p);
	if (t->kind != PC_TOK_STRING) {
		unexpected(p, t, "a quoted file name after '%s'", kw(PC_KW_FILE));
		return -1;
	}
	st = next(p);
	/* A rules file may hold any byte; the name would end at this one. */
	if (memchr(st.text, '\0', st.len)) {
		err(p, &st, "the name of a table file holds a NUL byte");
		return 0;
	}
	parse_table_file(p, &st, &tb->prefixes);
	return 0;
}

/* table <name> { list } | table <name> file "path" */
static int parse_table(struct parser *p)
{
	struct pc_policy *pol = p->pol;
	struct pc_table tb = { .name = "" };
	const struct pc_token *t;
	bool keep;
	int rc;

	next(p);
	t = peek(p);
	if (t->kind != PC_TOK_LT) {
		unexpected(p, t, "'<' and a table name after '%s'", kw(PC_KW_TABLE));
		return -1;
	}
	if (parse_table_name(p, tb.name, &tb.loc) < 0)
		return -1;
	/* Kept even if its contents have errors, so that the rules that use
	 * it do not report it undefined as well. */
	keep = table_is_new(p, &tb);
	rc = parse_table_body(p, &tb);
	if (rc == 0)
		rc = expect_eol(p);
	if (keep && !p->oom &&
	    !pc_array_reserve((void **)&pol->tables, &pol->tables_cap, pol->ntables + 1,
			      sizeof(*pol->tables))) {
		pc_prefix_list_sort_unique(&tb.prefixes);
		pol->tables[pol->ntables++] = tb;
	} else {
		if (keep)
			oom(p);
		pc_prefix_list_free(&tb.prefixes);
	}
	return rc;
}

/* set malformed block|pass, after the option's name */
static int parse_set_malformed(struct parser *p)
{
	const struct pc_keyword_def *k;
	const struct pc_token *t;
	char desc[DESC_MAX];
	struct pc_token w;

	t = peek(p);
	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "%s or %s after '%s %s'", kw(PC_KW_BLOCK), kw(PC_KW_PASS),
			   kw(PC_KW_SET), kw(PC_KW_MALFORMED));
		return -1;
	}
	w = next(p);
	k = keyword_of(&w);
	if (k && (k->kw == PC_KW_BLOCK || k->kw == PC_KW_PASS)) {
		p->pol->malformed = k->value;
	} else {
		pc_tok_describe(desc, sizeof(desc), &w);
		err(p, &w, "invalid value %s for '%s %s'; expected %s or %s", desc, kw(PC_KW_SET),
		    kw(PC_KW_MALFORMED), kw(PC_KW_BLOCK), kw(PC_KW_PASS));
	}
	return expect_eol(p);
}

/* set reply-limit N/second|minute|hour [burst B], after the option's
 * name: how many answers to rejected packets one source may have. */
static int parse_set_reply_limit(struct parser *p)
{
	struct pc_rule_ast r = { 0 };
	const struct pc_token *t = peek(p);
	char list[LIST_MAX];
	struct pc_token w;
	bool bad;

	if (t->kind != PC_TOK_WORD) {
		rates_expected(list, sizeof(list));
		unexpected(p, t, "%s after '%s %s'", list, kw(PC_KW_SET), kw(PC_KW_REPLY_LIMIT));
		return -1;
	}
	w = next(p);
	bad = word_rate(p, &w, &r) < 0;
	if (word_is(peek(p), PC_KW_BURST)) {
		next(p);
		t = peek(p);
		if (t->kind != PC_TOK_WORD) {
			unexpected(p, t, "a number 1..%u after '%s'", BURST_MAX, kw(PC_KW_BURST));
			return -1;
		}
		w = next(p);
		bad |= word_burst(p, &w, &r) < 0;
	} else if (peek(p)->kind != PC_TOK_NEWLINE && peek(p)->kind != PC_TOK_EOF) {
		unexpected(p, peek(p), "'%s' or end of line", kw(PC_KW_BURST));
		return -1;
	}
	if (expect_eol(p))
		return -1;
	if (!bad) { /* as with set malformed, the last one wins */
		p->pol->reply_rate = r.rate;
		p->pol->reply_unit = r.rate_unit;
		p->pol->reply_burst = r.burst;
	}
	return 0;
}

/* set malformed block|pass, or set reply-limit ... */
static int parse_set(struct parser *p)
{
	const struct pc_token *t;
	char desc[DESC_MAX];
	enum pc_set_option opt;

	next(p);
	t = peek(p);
	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "'%s' or '%s' after '%s'", kw(PC_KW_MALFORMED),
			   kw(PC_KW_REPLY_LIMIT), kw(PC_KW_SET));
		return -1;
	}
	if (!word_is(t, PC_KW_MALFORMED) && !word_is(t, PC_KW_REPLY_LIMIT)) {
		pc_tok_describe(desc, sizeof(desc), t);
		err(p, t, "unknown option %s for '%s'; expected %s or %s", desc, kw(PC_KW_SET),
		    kw(PC_KW_MALFORMED), kw(PC_KW_REPLY_LIMIT));
		return -1;
	}
	opt = word_is(t, PC_KW_REPLY_LIMIT) ? PC_SET_REPLY_LIMIT : PC_SET_MALFORMED;
	p->pol->set_prev[opt] = p->pol->set_loc[opt];
	p->pol->set_loc[opt] = loc_of(p, t);
	next(p);
	return opt == PC_SET_REPLY_LIMIT ? parse_set_reply_limit(p) : parse_set_malformed(p);
}

/* ---- statements --------------------------------------------------------- */

static int parse_statement(struct parser *p)
{
	const struct pc_token *t = peek(p);
	const struct pc_keyword_def *k = keyword_of(t);
	char desc[DESC_MAX], list[LIST_MAX];

	if (k && k->kw == PC_KW_TABLE)
		return parse_table(p);
	if (k && k->kw == PC_KW_SET)
		return parse_set(p);
	if (k && k->kind == PC_KWK_ACTION)
		return parse_rule(p, k->value);
	statements_expected(list, sizeof(list));
	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "%s", list);
		return -1;
	}
	pc_tok_describe(desc, sizeof(desc), t);
	err(p, t, "unknown statement %s; expected %s", desc, list);
	return -1;
}

/* After a syntax error: skip to the next newline outside braces. A
 * statement keyword that starts a line inside braces ends the skip too:
 * the '}' was forgotten, and the next statement should still be read. */
static void sync_statement(struct parser *p)
{
	int depth = p->depth;

	for (;;) {
		const struct pc_token *t = peek(p);
		struct pc_token n;

		if (t->kind == PC_TOK_EOF)
			break;
		if (depth > 0 && t->bol && is_stmt_keyword(t))
			break;
		n = next(p);
		if (n.kind == PC_TOK_LBRACE)
			depth++;
		else if (n.kind == PC_TOK_RBRACE && depth > 0)
			depth--;
		else if (n.kind == PC_TOK_NEWLINE && depth == 0)
			break;
	}
	p->depth = 0;
}

static void resolve_ref(struct parser *p, const struct ref *r)
{
	long t = find_table(p->pol, r->name);
	struct pc_rule_ast *rule;

	if (t < 0) {
		pc_diag_error(p->d, &r->loc, "table <%s> is not defined", r->name);
		return;
	}
	p->pol->tables[t].used = true;
	if (r->rule < 0)
		return;
	rule = &p->pol->rules[r->rule];
	if (r->dir == PC_DIR_SRC)
		rule->src.table = (int)t;
	else
		rule->dst.table = (int)t;
}

static void resolve(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->refs.n; i++)
		resolve_ref(p, &p->refs.v[i]);
	for (i = 0; i < p->pol->ntables; i++) {
		const struct pc_table *t = &p->pol->tables[i];

		if (!t->used)
			pc_diag_warning(p->d, &t->loc, "table <%s> is never used", t->name);
	}
}

static void parse_text(struct parser *p, const char *text, size_t len)
{
	pc_lex_init(&p->lx, text, len);
	for (;;) {
		const struct pc_token *t = peek(p);

		if (t->kind == PC_TOK_EOF || p->oom)
			break;
		if (t->kind == PC_TOK_NEWLINE) {
			next(p);
			continue;
		}
		p->failed = false;
		p->depth = 0;
		if (parse_statement(p) < 0 && !p->oom)
			sync_statement(p);
	}
	if (!p->oom)
		resolve(p);
	free(p->refs.v);
}

static void policy_init(struct pc_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->malformed = PC_ACT_BLOCK;
}

/* Parse text as the file name (dir: where its table files are; NULL: the
 * current directory). */
static void parse_named(const char *name, const char *dir, const char *text, size_t len,
			struct pc_policy *out, struct pc_diag *d)
{
	struct parser p = { .pol = out, .d = d, .dir = dir };

	p.file = add_file(out, strdup(name));
	if (!p.file) {
		pc_diag_error(d, NULL, "out of memory");
		return;
	}
	parse_text(&p, text, len);
}

int pc_policy_parse_string(const char *name, const char *text, struct pc_policy *out,
			   struct pc_diag *d)
{
	struct pc_diag quiet = { 0 };
	int before;

	if (!d)
		d = &quiet;
	before = d->errors;
	policy_init(out);
	parse_named(name, NULL, text, strlen(text), out, d);
	pc_diag_free(&quiet);
	return d->errors > before ? -1 : 0;
}

/* The directory of a rules file, for its table files; NULL: the current
 * directory. *dir is set to NULL on failure too. */
static int dir_of(const char *path, char **dir)
{
	const char *slash = strrchr(path, '/');

	*dir = NULL;
	if (!slash)
		return 0;
	*dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	return *dir ? 0 : -1;
}

static int read_rules(const char *path, const char *name, struct pc_source *src,
		      struct pc_policy *out, struct pc_diag *d)
{
	char why[128];
	int rc;

	if (!strcmp(path, "-"))
		rc = pc_source_read_stdin(src, why, sizeof(why));
	else
		rc = pc_source_read(path, src, why, sizeof(why));
	if (rc) {
		/* The name outlives the diagnostic: the policy owns it. */
		struct pc_loc l = { add_file(out, strdup(name)), 0, 0 };

		pc_diag_error(d, l.file ? &l : NULL, "cannot read rules file: %s", why);
	}
	return rc;
}

int pc_policy_parse_file(const char *path, struct pc_policy *out, struct pc_diag *d)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? PC_STDIN_NAME : path;
	struct pc_diag quiet = { 0 };
	struct pc_source src;
	char *dir = NULL;
	int before;

	if (!d)
		d = &quiet;
	before = d->errors;
	policy_init(out);
	if (read_rules(path, name, &src, out, d))
		goto out;
	if (!is_stdin && dir_of(path, &dir))
		pc_diag_error(d, NULL, "out of memory");
	else
		parse_named(name, dir, src.text, src.len, out, d);
	free(dir);
	pc_source_free(&src);
out:
	pc_diag_free(&quiet);
	return d->errors > before ? -1 : 0;
}
