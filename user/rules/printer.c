// SPDX-License-Identifier: GPL-2.0
/*
 * Printing a policy in canonical form, defaults left out. Parsing the
 * output and printing it again gives the same text. The lists are printed
 * as they are: a policy keeps them sorted and without repeats (policy.h).
 */
#include <stdarg.h>
#include <stdlib.h>

#include "growable_array.h"
#include "keywords.h"
#include "policy.h"

/* Tables longer than this print one entry a line. */
#define PC_PRINT_INLINE_MAX 8

/* A growable string. On allocation failure it stops growing and keeps
 * what it has (printing must not fail half way through a policy). */
struct sb {
	char *s;
	size_t len, cap;
};

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (pc_array_reserve((void **)&b->s, &b->cap, b->len + (size_t)n + 1, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void sb_prefix(struct sb *b, const struct pc_prefix *p)
{
	char buf[64];

	pc_prefix_format(buf, sizeof(buf), p);
	sb_printf(b, "%s", buf);
}

/* The members on one line, each after ' ' or ', ' (for "{ ... }"). */
static void sb_prefixes(struct sb *b, const struct pc_prefix_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		sb_printf(b, "%s", i ? ", " : " ");
		sb_prefix(b, &l->v[i]);
	}
}

static void sb_addr(struct sb *b, const struct pc_policy *p, const struct pc_addr_spec *a)
{
	if (a->neg)
		sb_printf(b, "!");
	switch (a->kind) {
	case PC_ADDR_ANY:
		sb_printf(b, "%s", pc_keyword_name(PC_KW_ANY));
		break;
	case PC_ADDR_TABLE:
		if (a->table >= 0 && (size_t)a->table < p->ntables)
			sb_printf(b, "<%s>", p->tables[a->table].name);
		else
			sb_printf(b, "<?>");
		break;
	case PC_ADDR_LIST:
		if (a->list.n == 1) {
			sb_prefix(b, &a->list.v[0]);
		} else {
			sb_printf(b, "{");
			sb_prefixes(b, &a->list);
			sb_printf(b, " }");
		}
		break;
	}
}

static void sb_port(struct sb *b, const struct pc_port_range *r)
{
	if (r->lo == r->hi)
		sb_printf(b, "%u", r->lo);
	else
		sb_printf(b, "%u:%u", r->lo, r->hi);
}

static void sb_ports(struct sb *b, const struct pc_port_list *l)
{
	size_t i;

	if (l->n == 1) {
		sb_port(b, &l->v[0]);
		return;
	}
	sb_printf(b, "{");
	for (i = 0; i < l->n; i++) {
		sb_printf(b, "%s", i ? ", " : " ");
		sb_port(b, &l->v[i]);
	}
	sb_printf(b, " }");
}

static void sb_protos(struct sb *b, unsigned protos)
{
	int proto;

	/* Both is the default, as in pf: left out. */
	if ((protos & PC_PROTOS_ALL) == PC_PROTOS_ALL)
		return;
	sb_printf(b, " %s", pc_keyword_name(PC_KW_PROTO));
	for (proto = 0; proto < PC_NPROTO; proto++)
		if (protos & (1u << proto))
			sb_printf(b, " %s", pc_proto_name(proto));
}

static void sb_rule(struct sb *b, const struct pc_policy *p, const struct pc_rule_ast *r)
{
	bool dst_any = r->dst.kind == PC_ADDR_ANY && !r->dst.neg;

	sb_printf(b, "%s", pc_action_name(r->action));
	sb_protos(b, r->protos);
	if (r->src.kind != PC_ADDR_ANY || r->src.neg) {
		sb_printf(b, " %s ", pc_keyword_name(PC_KW_FROM));
		sb_addr(b, p, &r->src);
	}
	if (!dst_any || r->ports.n) {
		sb_printf(b, " %s", pc_keyword_name(PC_KW_TO));
		if (!dst_any) {
			sb_printf(b, " ");
			sb_addr(b, p, &r->dst);
		}
		if (r->ports.n) {
			sb_printf(b, " %s ", pc_keyword_name(PC_KW_PORT));
			sb_ports(b, &r->ports);
		}
	}
	if (r->log)
		sb_printf(b, " %s", pc_keyword_name(PC_KW_LOG));
	if (r->rate) {
		sb_printf(b, " %s %u/%s", pc_keyword_name(PC_KW_RATE), r->rate,
			  pc_rate_unit_name(r->rate_unit));
		if (r->burst)
			sb_printf(b, " %s %u", pc_keyword_name(PC_KW_BURST), r->burst);
	}
}

void pc_rule_format(char *buf, size_t size, const struct pc_policy *p, const struct pc_rule_ast *r)
{
	struct sb b = { NULL, 0, 0 };

	if (!size)
		return;
	sb_rule(&b, p, r);
	snprintf(buf, size, "%s", b.s ? b.s : "");
	free(b.s);
}

static void sb_table(struct sb *b, const struct pc_table *t)
{
	const struct pc_prefix_list *l = &t->prefixes;
	size_t i;

	sb_printf(b, "%s <%s> {", pc_keyword_name(PC_KW_TABLE), t->name);
	if (l->n > PC_PRINT_INLINE_MAX) {
		sb_printf(b, "\n");
		for (i = 0; i < l->n; i++) {
			sb_printf(b, "\t");
			sb_prefix(b, &l->v[i]);
			sb_printf(b, "%s\n", i + 1 < l->n ? "," : "");
		}
		sb_printf(b, "}\n");
	} else {
		sb_prefixes(b, l);
		sb_printf(b, " }\n");
	}
}

/* set reply-limit, unless it is the default (or not written). */
static void sb_reply_limit(struct sb *b, const struct pc_policy *p)
{
	__u32 burst = p->reply_burst ? p->reply_burst : p->reply_rate;

	if (!p->reply_rate || (p->reply_rate == PC_REPLY_RATE && p->reply_unit == 1 &&
			       burst == PC_REPLY_BURST))
		return;
	sb_printf(b, "%s %s %u/%s %s %u\n", pc_keyword_name(PC_KW_SET),
		  pc_keyword_name(PC_KW_REPLY_LIMIT), p->reply_rate,
		  pc_rate_unit_name(p->reply_unit), pc_keyword_name(PC_KW_BURST), burst);
}

void pc_policy_print(FILE *out, const struct pc_policy *p)
{
	pc_policy_print_notes(out, p, NULL, NULL);
}

void pc_policy_print_notes(FILE *out, const struct pc_policy *p, pc_table_note_fn *note,
			   void *arg)
{
	struct sb b = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < p->ntables; i++) {
		sb_table(&b, &p->tables[i]);
		/* A big table is flushed at once rather than held twice, and
		 * before the notes that follow it. */
		if (b.len > 65536 || note) {
			fwrite(b.s, 1, b.len, out);
			b.len = 0;
		}
		if (note)
			note(out, &p->tables[i], arg);
	}
	sb_printf(&b, "%s %s %s\n", pc_keyword_name(PC_KW_SET), pc_keyword_name(PC_KW_MALFORMED),
		  pc_action_name(p->malformed == PC_ACT_PASS ? PC_ACT_PASS : PC_ACT_BLOCK));
	sb_reply_limit(&b, p);
	for (i = 0; i < p->nrules; i++) {
		sb_rule(&b, p, &p->rules[i]);
		sb_printf(&b, "\n");
	}
	if (b.s)
		fwrite(b.s, 1, b.len, out);
	free(b.s);
}
