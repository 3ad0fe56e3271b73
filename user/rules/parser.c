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
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "growable_array.h"
#include "policy.h"
#include "lexer.h"

#define DESC_MAX 96
#define RATE_MAX 1000000u
#define BURST_MAX 1000000u

/* A reference to a table by name, resolved once every table is known. */
struct ref {
	char name[PC_NAME_MAX + 1];
	long rule; /* index into policy rules, or -1: the rule was dropped */
	int dir;   /* PC_DIR_SRC or PC_DIR_DST */
	struct pc_loc loc;
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
	struct ref *refs;
	size_t nrefs, caprefs;
	size_t caprules, captables; /* capacity of pol->rules, pol->tables */
};

static const char stmt_expect[] = "table, set, pass, block, monitor, reject or limit";

/* ---- small helpers ------------------------------------------------------ */

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

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
	size_t cap = pol->nfiles;
	char **v;

	if (!owned)
		return NULL;
	/* files has no capacity field: grow it one at a time, it stays small. */
	v = realloc(pol->files, (cap + 1) * sizeof(*v));
	if (!v) {
		free(owned);
		return NULL;
	}
	pol->files = v;
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

static bool word_is(const struct pc_token *t, const char *w)
{
	return t->kind == PC_TOK_WORD && t->len == strlen(w) && !memcmp(t->text, w, t->len);
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
	static const char *const kw[] = { "table", "set",    "pass",  "block",
					  "monitor", "reject", "limit" };
	size_t i;

	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (word_is(t, kw[i]))
			return true;
	return false;
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

/* An address or prefix. Value errors are reported; returns 0 or -1. */
static int word_prefix(struct parser *p, const struct pc_token *t, struct pc_prefix *out)
{
	char buf[80], desc[DESC_MAX], *slash;
	struct pc_prefix masked;
	unsigned long len;
	unsigned max, i;

	memset(out, 0, sizeof(*out));
	pc_tok_describe(desc, sizeof(desc), t);
	if (!word_copy(t, buf, sizeof(buf)))
		goto bad;
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (strchr(buf, ':')) {
		if (inet_pton(AF_INET6, buf, out->addr) != 1)
			goto bad;
		out->family = PC_FAMILY_V6;
		max = 128;
	} else {
		if (inet_pton(AF_INET, buf, out->addr) != 1)
			goto bad;
		out->family = PC_FAMILY_V4;
		max = 32;
	}
	len = max;
	if (slash && parse_uint(slash + 1, strlen(slash + 1), max, &len)) {
		err(p, t, "invalid prefix length in %s; expected 0..%u", desc, max);
		return -1;
	}
	out->len = (__u8)len;

	masked = *out;
	for (i = 0; i < 16; i++) {
		unsigned bits = i * 8 >= len ? 0 : len - i * 8 >= 8 ? 8 : len - i * 8;

		masked.addr[i] &= (__u8)(0xff00 >> bits);
	}
	if (memcmp(masked.addr, out->addr, sizeof(out->addr))) {
		char fix[INET6_ADDRSTRLEN + 8];

		pc_prefix_format(fix, sizeof(fix), &masked);
		/* A documented choice: silently masking would hide a typo. */
		err(p, t, "%.*s has host bits set; did you mean %s?", (int)t->len, t->text, fix);
		return -1;
	}
	return 0;
bad:
	err(p, t, "invalid address %s; expected an IPv4 or IPv6 address or prefix", desc);
	return -1;
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

static int word_rate(struct parser *p, const struct pc_token *t, struct pc_rule_ast *r)
{
	static const struct {
		const char *name;
		__u16 secs;
	} units[] = { { "second", 1 }, { "minute", 60 }, { "hour", 3600 } };
	char desc[DESC_MAX];
	const char *slash = memchr(t->text, '/', t->len);
	size_t n1 = slash ? (size_t)(slash - t->text) : t->len, ulen, i;
	unsigned long n = 0;
	int rc;

	pc_tok_describe(desc, sizeof(desc), t);
	rc = slash ? parse_uint(t->text, n1, RATE_MAX, &n) : -1;
	if (rc == -1) {
		err(p, t, "invalid rate %s; expected N/second, N/minute or N/hour", desc);
		return -1;
	}
	if (rc == -2 || n == 0) {
		err(p, t, "rate %s is out of range; expected N/unit with N in 1..%u", desc, RATE_MAX);
		return -1;
	}
	ulen = t->len - n1 - 1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ulen == strlen(units[i].name) && !memcmp(slash + 1, units[i].name, ulen)) {
			r->rate = (__u32)n;
			r->rate_unit = units[i].secs;
			return 0;
		}
	}
	err(p, t, "unknown rate unit '%.*s' in %s; expected second, minute or hour", (int)ulen,
	    slash + 1, desc);
	return -1;
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
		if (item(p, t, ctx) < 0)
			return -1;
		if (p->oom)
			return -1;
		++*nitems;
		after_item = true;
	}
}

struct prefix_item_ctx {
	struct pc_prefix_list *list;
	bool table; /* a table's list, not a rule's */
};

static int prefix_item(struct parser *p, const struct pc_token *t, void *vctx)
{
	struct prefix_item_ctx *ctx = vctx;
	struct pc_prefix pfx;
	struct pc_token w;

	switch (t->kind) {
	case PC_TOK_WORD:
		w = next(p);
		if (word_prefix(p, &w, &pfx) == 0 && pc_prefix_list_add(ctx->list, &pfx) < 0)
			oom(p);
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

static int add_port(struct parser *p, struct pc_rule_ast *r, const struct pc_port_range *pr)
{
	if (pc_array_push(&r->ports, *pr)) {
		oom(p);
		return -1;
	}
	return 0;
}

static int port_item(struct parser *p, const struct pc_token *t, void *ctx)
{
	struct pc_port_range pr;
	struct pc_token w;

	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "a port, a range lo:hi or '}'");
		return -1;
	}
	w = next(p);
	if (word_port(p, &w, &pr) == 0)
		add_port(p, ctx, &pr);
	return 0;
}

static void proto_word(struct parser *p, const struct pc_token *t, unsigned *protos)
{
	char desc[DESC_MAX];

	if (word_is(t, "tcp")) {
		*protos |= PC_PROTOS_TCP;
	} else if (word_is(t, "udp")) {
		*protos |= PC_PROTOS_UDP;
	} else {
		pc_tok_describe(desc, sizeof(desc), t);
		err(p, t, "unknown protocol %s; only tcp and udp are subject to rules", desc);
	}
}

static int proto_item(struct parser *p, const struct pc_token *t, void *ctx)
{
	struct pc_token w;

	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "tcp, udp or '}'");
		return -1;
	}
	w = next(p);
	proto_word(p, &w, ctx);
	return 0;
}

/* ---- table names and references ----------------------------------------- */

/* < name >. On a bad name (a value error) name is left empty. */
static int parse_table_name(struct parser *p, char *name, struct pc_loc *loc)
{
	struct pc_token lt = next(p), w;
	const struct pc_token *t;
	char desc[DESC_MAX];
	size_t i;
	bool ok;

	*loc = loc_of(p, &lt);
	name[0] = 0;
	t = peek(p);
	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "a table name after '<'");
		return -1;
	}
	w = next(p);
	pc_tok_describe(desc, sizeof(desc), &w);
	ok = (w.text[0] >= 'a' && w.text[0] <= 'z') || (w.text[0] >= 'A' && w.text[0] <= 'Z') ||
	     w.text[0] == '_';
	for (i = 1; ok && i < w.len; i++) {
		char c = w.text[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '_' || c == '-';
	}
	if (!ok)
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

static void add_ref(struct parser *p, const struct ref *r)
{
	if (grow((void **)&p->refs, &p->caprefs, p->nrefs, sizeof(*p->refs)) < 0) {
		oom(p);
		return;
	}
	p->refs[p->nrefs++] = *r;
}

/* ---- rules -------------------------------------------------------------- */

struct rule_refs {
	struct ref r[2];
	int n;
};

/* SRC or DST: [!] any | <table> | address | { list } */
static int parse_addr(struct parser *p, struct pc_addr_spec *a, int dir, struct rule_refs *refs)
{
	const char *what = dir == PC_DIR_SRC ? "{ list } or 'any' after 'from'"
					     : "{ list }, 'any' or 'port' after 'to'";
	const struct pc_token *t = peek(p);
	struct prefix_item_ctx ictx = { &a->list, false };
	struct pc_token open, w;
	struct pc_prefix pfx;
	size_t n;

	a->loc = loc_of(p, t);
	if (t->kind == PC_TOK_BANG) {
		next(p);
		a->neg = true;
		t = peek(p);
	}

	switch (t->kind) {
	case PC_TOK_WORD:
		if (word_is(t, "any")) {
			if (a->neg)
				err(p, t, "'!any' would never match; expected an address, prefix, <table> or { list } after '!'");
			next(p);
			a->kind = PC_ADDR_ANY;
			return 0;
		}
		if (keyword_like(t))
			break;
		w = next(p);
		a->kind = PC_ADDR_LIST;
		if (word_prefix(p, &w, &pfx) == 0 && pc_prefix_list_add(&a->list, &pfx) < 0)
			oom(p);
		return 0;
	case PC_TOK_LT: {
		struct ref *r = &refs->r[refs->n];

		a->kind = PC_ADDR_TABLE;
		a->table = -1;
		if (parse_table_name(p, r->name, &r->loc) < 0)
			return -1;
		r->dir = dir;
		if (r->name[0])
			refs->n++;
		return 0;
	}
	case PC_TOK_LBRACE:
		open = *t;
		a->kind = PC_ADDR_LIST;
		if (parse_list(p, prefix_item, &ictx, "an address, prefix", &n) < 0)
			return -1;
		if (!n)
			err(p, &open, "empty address list; expected at least one address or prefix");
		return 0;
	default:
		break;
	}
	if (a->neg)
		unexpected(p, t, "an address, prefix, <table> or { list } after '!'");
	else
		unexpected(p, t, "an address, prefix, <table>, %s", what);
	return -1;
}

static int parse_ports(struct parser *p, struct pc_rule_ast *r)
{
	const struct pc_token *t = peek(p);
	struct pc_port_range pr;
	struct pc_token open, w;
	size_t n;

	if (t->kind == PC_TOK_WORD) {
		w = next(p);
		if (word_port(p, &w, &pr) == 0)
			add_port(p, r, &pr);
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
	unexpected(p, t, "a port, a range lo:hi or { list } after 'port'");
	return -1;
}

enum clause { C_NONE, C_PROTO, C_FROM, C_TO, C_LOG, C_RATE, C_BURST, C_PORT };

static const char *const clause_name[] = { "", "proto", "from", "to", "log", "rate", "burst",
					   "port" };

static enum clause clause_of(const struct pc_token *t)
{
	int c;

	for (c = C_PROTO; c <= C_PORT; c++)
		if (word_is(t, clause_name[c]))
			return (enum clause)c;
	return C_NONE;
}

/* What may still follow, for "expected ..." */
static void clauses_left(char *buf, size_t size, unsigned seen, enum clause stage, bool port_ok)
{
	const char *v[8];
	size_t n = 0, i, off = 0;
	int c;

	for (c = C_PROTO; c <= C_RATE; c++) {
		if (c > (int)stage && !(seen & (1u << c)))
			v[n++] = clause_name[c];
		if (c == C_TO && port_ok)
			v[n++] = "port";
	}
	if (stage == C_RATE)
		v[n++] = "burst";
	v[n++] = "end of line";
	buf[0] = 0;
	for (i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
					i == 0 ? "" : i == n - 1 ? " or " : ", ", v[i]);
}

static void rule_free(struct pc_rule_ast *r)
{
	pc_prefix_list_free(&r->src.list);
	pc_prefix_list_free(&r->dst.list);
	free(r->ports.v);
	memset(&r->ports, 0, sizeof(r->ports));
}

static int parse_rule(struct parser *p, enum pc_action act)
{
	struct pc_token kw = next(p), w;
	struct pc_rule_ast r;
	struct rule_refs refs = { .n = 0 };
	enum clause stage = C_NONE, c;
	unsigned seen = 0;
	bool port_ok = false, syntax_ok = false;
	const struct pc_token *t;
	char buf[160];
	long idx = -1;
	int i;

	memset(&r, 0, sizeof(r));
	r.action = act;
	r.loc = loc_of(p, &kw);
	r.protos = PC_PROTOS_TCP;
	r.src.loc = r.dst.loc = r.loc;
	r.src.table = r.dst.table = -1;

	for (;;) {
		t = peek(p);
		if (t->kind == PC_TOK_NEWLINE || t->kind == PC_TOK_EOF)
			break;
		c = clause_of(t);
		if (c == C_PORT) {
			err(p, t, "'port' must follow 'to' or its address, as in 'to port 25'");
			goto out;
		}
		if (c == C_NONE) {
			clauses_left(buf, sizeof(buf), seen, stage, port_ok);
			unexpected(p, t, "%s", buf);
			goto out;
		}
		if (seen & (1u << c)) {
			err(p, t, "'%s' given twice; each clause may appear at most once",
			    clause_name[c]);
			goto out;
		}
		if (c < stage) {
			err(p, t,
			    "'%s' must come before '%s'; clauses go in the order proto, from, to, log, rate, burst",
			    clause_name[c], clause_name[stage]);
			goto out;
		}
		if (c == C_BURST && !(seen & (1u << C_RATE))) {
			err(p, t, "'burst' without 'rate'; expected 'rate N/second|minute|hour' before 'burst'");
			goto out;
		}
		w = next(p);
		seen |= 1u << c;
		stage = c;
		port_ok = false;

		switch (c) {
		case C_PROTO: {
			size_t n;

			t = peek(p);
			r.protos = 0;
			if (t->kind == PC_TOK_WORD) {
				w = next(p);
				proto_word(p, &w, &r.protos);
			} else if (t->kind == PC_TOK_LBRACE) {
				struct pc_token open = *t;

				if (parse_list(p, proto_item, &r.protos, "tcp, udp", &n) < 0)
					goto out;
				if (!n)
					err(p, &open, "empty protocol list; expected tcp, udp or both");
			} else {
				unexpected(p, t, "tcp, udp or { tcp, udp } after 'proto'");
				goto out;
			}
			break;
		}
		case C_FROM:
			if (parse_addr(p, &r.src, PC_DIR_SRC, &refs) < 0)
				goto out;
			break;
		case C_TO:
			t = peek(p);
			if (!word_is(t, "port")) {
				if (parse_addr(p, &r.dst, PC_DIR_DST, &refs) < 0)
					goto out;
				t = peek(p);
			}
			if (word_is(t, "port")) {
				next(p);
				if (parse_ports(p, &r) < 0)
					goto out;
			} else {
				port_ok = true;
			}
			break;
		case C_LOG:
			r.log = true;
			r.log_loc = loc_of(p, &w);
			break;
		case C_RATE:
			r.rate_loc = loc_of(p, &w);
			t = peek(p);
			if (t->kind != PC_TOK_WORD) {
				unexpected(p, t, "N/second, N/minute or N/hour after 'rate'");
				goto out;
			}
			w = next(p);
			word_rate(p, &w, &r);
			break;
		case C_BURST:
			t = peek(p);
			if (t->kind != PC_TOK_WORD) {
				unexpected(p, t, "a number 1..%u after 'burst'", BURST_MAX);
				goto out;
			}
			w = next(p);
			word_burst(p, &w, &r);
			break;
		default:
			break;
		}
		if (p->oom)
			goto out;
	}
	syntax_ok = true;

	/* The parser accepts reject, limit, log and rate; whether the data
	 * plane supports them is the compiler's call. */
	if ((seen & (1u << C_RATE)) && act != PC_ACT_LIMIT) {
		struct pc_loc l = r.rate_loc;

		pc_diag_error(p->d, &l, "'rate' on a '%s' rule; only limit rules take a rate",
			      pc_action_name(act));
		p->failed = true;
	}
	if (act == PC_ACT_LIMIT && !(seen & (1u << C_RATE)))
		err(p, &kw, "'limit' without 'rate'; expected 'rate N/second|minute|hour'");

out:
	if (syntax_ok && !p->failed) {
		if (grow((void **)&p->pol->rules, &p->caprules, p->pol->nrules,
			 sizeof(*p->pol->rules)) == 0) {
			idx = (long)p->pol->nrules;
			p->pol->rules[p->pol->nrules++] = r;
		} else {
			oom(p);
		}
	}
	if (idx < 0)
		rule_free(&r);
	for (i = 0; i < refs.n; i++) {
		refs.r[i].rule = idx;
		add_ref(p, &refs.r[i]);
	}
	if (!syntax_ok)
		return -1;
	if (peek(p)->kind == PC_TOK_NEWLINE)
		next(p);
	return 0;
}

/* ---- tables ------------------------------------------------------------- */

static int read_all(const char *path, char **buf, size_t *len)
{
	size_t cap = 0, n = 0, got;
	char *b = NULL;
	FILE *f = fopen(path, "rb");
	int e;

	if (!f)
		return -1;
	for (;;) {
		if (n + 1 >= cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap);
			if (!nb) {
				e = ENOMEM;
				goto fail;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				e = errno ? errno : EIO;
				goto fail;
			}
			break;
		}
	}
	fclose(f);
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
fail:
	fclose(f);
	free(b);
	errno = e;
	return -1;
}

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

/* One address or prefix a line; errors name the table file. */
static void parse_table_file(struct parser *p, const struct pc_token *st,
			     struct pc_prefix_list *list)
{
	struct parser sub;
	struct pc_prefix pfx;
	struct pc_token w;
	const struct pc_token *t;
	char *rel, *path, *text;
	const char *fname;
	size_t len;

	rel = strndup(st->text, st->len);
	if (!rel) {
		oom(p);
		return;
	}
	path = rel[0] != '/' && p->dir ? path_join(p->dir, rel) : strdup(rel);
	if (!path) {
		free(rel);
		oom(p);
		return;
	}
	if (read_all(path, &text, &len) < 0) {
		err(p, st, "cannot read table file \"%s\": %s", rel, strerror(errno));
		free(rel);
		free(path);
		return;
	}
	free(rel);
	fname = add_file(p->pol, path);
	if (!fname) {
		free(text);
		oom(p);
		return;
	}

	memset(&sub, 0, sizeof(sub));
	sub.pol = p->pol;
	sub.d = p->d;
	sub.file = fname;
	pc_lex_init(&sub.lx, text, len);
	for (;;) {
		t = peek(&sub);
		if (t->kind == PC_TOK_EOF || sub.oom)
			break;
		if (t->kind == PC_TOK_NEWLINE) {
			next(&sub);
			continue;
		}
		if (t->kind != PC_TOK_WORD) {
			unexpected(&sub, t, "an address or prefix");
			skip_line(&sub);
			continue;
		}
		w = next(&sub);
		if (word_prefix(&sub, &w, &pfx) == 0 && pc_prefix_list_add(list, &pfx) < 0)
			oom(&sub);
		t = peek(&sub);
		if (t->kind != PC_TOK_NEWLINE && t->kind != PC_TOK_EOF) {
			unexpected(&sub, t, "end of line; a table file holds one address or prefix a line");
			skip_line(&sub);
		}
	}
	free(text);
	if (sub.failed)
		p->failed = true;
	if (sub.oom)
		p->oom = true;
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

/* table <name> { list } | table <name> file "path" */
static int parse_table(struct parser *p)
{
	struct prefix_item_ctx ictx;
	struct pc_table tb;
	const struct pc_token *t;
	struct pc_token st;
	bool keep = false;
	size_t n;
	long prev;
	int rc = -1;

	next(p);
	memset(&tb, 0, sizeof(tb));
	t = peek(p);
	if (t->kind != PC_TOK_LT) {
		unexpected(p, t, "'<' and a table name after 'table'");
		return -1;
	}
	if (parse_table_name(p, tb.name, &tb.loc) < 0)
		return -1;
	if (tb.name[0]) {
		prev = find_table(p->pol, tb.name);
		if (prev >= 0) {
			const struct pc_loc *pl = &p->pol->tables[prev].loc;
			struct pc_loc l = tb.loc;

			pc_diag_error(p->d, &l, "table <%s> is already defined at %d:%d", tb.name,
				      pl->line, pl->col);
			p->failed = true;
		} else {
			/* Keep it even if its contents have errors, so that the
			 * rules that use it do not report it undefined as well. */
			keep = true;
		}
	}

	t = peek(p);
	if (t->kind == PC_TOK_LBRACE) {
		ictx.list = &tb.prefixes;
		ictx.table = true;
		if (parse_list(p, prefix_item, &ictx, "an address, prefix", &n) < 0)
			goto out;
	} else if (word_is(t, "file")) {
		next(p);
		t = peek(p);
		if (t->kind != PC_TOK_STRING) {
			unexpected(p, t, "a quoted file name after 'file'");
			goto out;
		}
		st = next(p);
		parse_table_file(p, &st, &tb.prefixes);
	} else {
		unexpected(p, t, "'{' or 'file' after <%s>", tb.name[0] ? tb.name : "...");
		goto out;
	}
	rc = expect_eol(p);
out:
	if (keep && !p->oom &&
	    grow((void **)&p->pol->tables, &p->captables, p->pol->ntables,
		 sizeof(*p->pol->tables)) == 0) {
		p->pol->tables[p->pol->ntables++] = tb;
	} else {
		if (keep)
			oom(p);
		pc_prefix_list_free(&tb.prefixes);
	}
	return rc;
}

/* set malformed block|pass */
static int parse_set(struct parser *p)
{
	const struct pc_token *t;
	struct pc_token w;
	char desc[DESC_MAX];

	next(p);
	t = peek(p);
	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "'malformed' after 'set'");
		return -1;
	}
	if (!word_is(t, "malformed")) {
		pc_tok_describe(desc, sizeof(desc), t);
		err(p, t, "unknown option %s for 'set'; expected malformed", desc);
		return -1;
	}
	next(p);
	t = peek(p);
	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "block or pass after 'set malformed'");
		return -1;
	}
	w = next(p);
	if (word_is(&w, "block")) {
		p->pol->malformed = PC_ACT_BLOCK;
	} else if (word_is(&w, "pass")) {
		p->pol->malformed = PC_ACT_PASS;
	} else {
		pc_tok_describe(desc, sizeof(desc), &w);
		err(p, &w, "invalid value %s for 'set malformed'; expected block or pass", desc);
	}
	return expect_eol(p);
}

/* ---- statements --------------------------------------------------------- */

static int parse_statement(struct parser *p)
{
	static const struct {
		const char *name;
		enum pc_action act;
	} actions[] = {
		{ "pass", PC_ACT_PASS },     { "block", PC_ACT_BLOCK }, { "monitor", PC_ACT_MONITOR },
		{ "reject", PC_ACT_REJECT }, { "limit", PC_ACT_LIMIT },
	};
	const struct pc_token *t = peek(p);
	char desc[DESC_MAX];
	size_t i;

	if (t->kind != PC_TOK_WORD) {
		unexpected(p, t, "%s", stmt_expect);
		return -1;
	}
	if (word_is(t, "table"))
		return parse_table(p);
	if (word_is(t, "set"))
		return parse_set(p);
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (word_is(t, actions[i].name))
			return parse_rule(p, actions[i].act);
	pc_tok_describe(desc, sizeof(desc), t);
	err(p, t, "unknown statement %s; expected %s", desc, stmt_expect);
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

static void resolve(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->nrefs; i++) {
		const struct ref *r = &p->refs[i];
		long t = find_table(p->pol, r->name);
		struct pc_loc l = r->loc;

		if (t < 0) {
			pc_diag_error(p->d, &l, "table <%s> is not defined", r->name);
			continue;
		}
		p->pol->tables[t].used = true;
		if (r->rule >= 0) {
			struct pc_rule_ast *rule = &p->pol->rules[r->rule];

			if (r->dir == PC_DIR_SRC)
				rule->src.table = (int)t;
			else
				rule->dst.table = (int)t;
		}
	}
	for (i = 0; i < p->pol->ntables; i++) {
		const struct pc_table *t = &p->pol->tables[i];
		struct pc_loc l = t->loc;

		if (!t->used)
			pc_diag_warning(p->d, &l, "table <%s> is never used", t->name);
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
	free(p->refs);
}

static void policy_init(struct pc_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->malformed = PC_ACT_BLOCK;
}

static int parse_common(const char *name, const char *dir, const char *text, size_t len,
			struct pc_policy *out, struct pc_diag *d)
{
	struct parser p;

	memset(&p, 0, sizeof(p));
	p.pol = out;
	p.d = d;
	p.dir = dir;
	p.file = out->nfiles ? out->files[0] : add_file(out, strdup(name));
	if (!p.file) {
		p.file = "?";
		oom(&p);
		return -1;
	}
	parse_text(&p, text, len);
	return 0;
}

int pc_policy_parse_string(const char *name, const char *text, struct pc_policy *out,
			   struct pc_diag *d)
{
	struct pc_diag quiet = { NULL, 0, 0 };
	int before;

	if (!d)
		d = &quiet;
	before = d->errors;
	policy_init(out);
	parse_common(name, NULL, text, strlen(text), out, d);
	return d->errors > before ? -1 : 0;
}

int pc_policy_parse_file(const char *path, struct pc_policy *out, struct pc_diag *d)
{
	struct pc_diag quiet = { NULL, 0, 0 };
	const char *slash = strrchr(path, '/');
	char *dir = NULL, *text = NULL;
	const char *fname;
	size_t len;
	int before;

	if (!d)
		d = &quiet;
	before = d->errors;
	policy_init(out);
	fname = add_file(out, strdup(path));
	if (!fname) {
		pc_diag_error(d, NULL, "out of memory");
		return -1;
	}
	if (read_all(path, &text, &len) < 0) {
		struct pc_loc l = { fname, 0, 0 };

		pc_diag_error(d, &l, "cannot read rules file: %s", strerror(errno));
		return -1;
	}
	if (slash) {
		dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		if (!dir) {
			free(text);
			pc_diag_error(d, NULL, "out of memory");
			return -1;
		}
	}
	parse_common(path, dir, text, len, out, d);
	free(dir);
	free(text);
	return d->errors > before ? -1 : 0;
}
