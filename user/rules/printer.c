// SPDX-License-Identifier: GPL-2.0
/*
 * Printing a policy in canonical form: tables and address lists sorted and
 * de-duplicated, ports sorted, defaults left out. Parsing the output and
 * printing it again gives the same text.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		char *s;

		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s)
			return;
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A sorted, de-duplicated copy; NULL (and 0) when empty or out of memory. */
static struct pc_prefix *sorted_prefixes(const struct pc_prefix_list *l, size_t *n)
{
	struct pc_prefix_list copy = { .n = l->n };

	*n = 0;
	if (!l->n)
		return NULL;
	copy.v = malloc(l->n * sizeof(*copy.v));
	if (!copy.v)
		return NULL;
	memcpy(copy.v, l->v, l->n * sizeof(*copy.v));
	pc_prefix_list_sort_unique(&copy);
	*n = copy.n;
	return copy.v;
}

static void sb_prefix(struct sb *b, const struct pc_prefix *p)
{
	char buf[64];

	pc_prefix_format(buf, sizeof(buf), p);
	sb_printf(b, "%s", buf);
}

static void sb_addr(struct sb *b, const struct pc_policy *p, const struct pc_addr_spec *a)
{
	struct pc_prefix *v;
	size_t n, i;

	if (a->neg)
		sb_printf(b, "!");
	switch (a->kind) {
	case PC_ADDR_ANY:
		sb_printf(b, "any");
		break;
	case PC_ADDR_TABLE:
		if (a->table >= 0 && (size_t)a->table < p->ntables)
			sb_printf(b, "<%s>", p->tables[a->table].name);
		else
			sb_printf(b, "<?>");
		break;
	case PC_ADDR_LIST:
		v = sorted_prefixes(&a->list, &n);
		if (n == 1) {
			sb_prefix(b, &v[0]);
		} else {
			sb_printf(b, "{");
			for (i = 0; i < n; i++) {
				sb_printf(b, "%s", i ? ", " : " ");
				sb_prefix(b, &v[i]);
			}
			sb_printf(b, " }");
		}
		free(v);
		break;
	}
}

static int port_qcmp(const void *a, const void *b)
{
	const struct pc_port_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

static void sb_port(struct sb *b, const struct pc_port_range *r)
{
	if (r->lo == r->hi)
		sb_printf(b, "%u", r->lo);
	else
		sb_printf(b, "%u:%u", r->lo, r->hi);
}

static void sb_ports(struct sb *b, const struct pc_rule_ast *r)
{
	struct pc_port_range *v;
	size_t i;

	if (r->ports.n == 1) {
		sb_port(b, &r->ports.v[0]);
		return;
	}
	v = malloc(r->ports.n * sizeof(*v));
	if (!v)
		return;
	memcpy(v, r->ports.v, r->ports.n * sizeof(*v));
	qsort(v, r->ports.n, sizeof(*v), port_qcmp);
	sb_printf(b, "{");
	for (i = 0; i < r->ports.n; i++) {
		sb_printf(b, "%s", i ? ", " : " ");
		sb_port(b, &v[i]);
	}
	sb_printf(b, " }");
	free(v);
}

static const char *rate_unit_name(__u16 secs)
{
	switch (secs) {
	case 60:
		return "minute";
	case 3600:
		return "hour";
	default:
		return "second";
	}
}

static void sb_rule(struct sb *b, const struct pc_policy *p, const struct pc_rule_ast *r)
{
	bool dst_any = r->dst.kind == PC_ADDR_ANY && !r->dst.neg;

	sb_printf(b, "%s proto ", pc_action_name(r->action));
	if ((r->protos & (PC_PROTOS_TCP | PC_PROTOS_UDP)) == (PC_PROTOS_TCP | PC_PROTOS_UDP))
		sb_printf(b, "{ tcp, udp }");
	else
		sb_printf(b, "%s", r->protos & PC_PROTOS_UDP ? "udp" : "tcp");
	if (r->src.kind != PC_ADDR_ANY || r->src.neg) {
		sb_printf(b, " from ");
		sb_addr(b, p, &r->src);
	}
	if (!dst_any || r->ports.n) {
		sb_printf(b, " to");
		if (!dst_any) {
			sb_printf(b, " ");
			sb_addr(b, p, &r->dst);
		}
		if (r->ports.n) {
			sb_printf(b, " port ");
			sb_ports(b, r);
		}
	}
	if (r->log)
		sb_printf(b, " log");
	if (r->rate) {
		sb_printf(b, " rate %u/%s", r->rate, rate_unit_name(r->rate_unit));
		if (r->burst)
			sb_printf(b, " burst %u", r->burst);
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
	struct pc_prefix *v;
	size_t n, i;

	v = sorted_prefixes(&t->prefixes, &n);
	sb_printf(b, "table <%s> {", t->name);
	if (n > PC_PRINT_INLINE_MAX) {
		sb_printf(b, "\n");
		for (i = 0; i < n; i++) {
			sb_printf(b, "\t");
			sb_prefix(b, &v[i]);
			sb_printf(b, "%s\n", i + 1 < n ? "," : "");
		}
		sb_printf(b, "}\n");
	} else {
		for (i = 0; i < n; i++) {
			sb_printf(b, "%s", i ? ", " : " ");
			sb_prefix(b, &v[i]);
		}
		sb_printf(b, " }\n");
	}
	free(v);
}

void pc_policy_print(FILE *out, const struct pc_policy *p)
{
	struct sb b = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < p->ntables; i++) {
		sb_table(&b, &p->tables[i]);
		/* A big table is flushed at once rather than held twice. */
		if (b.len > 65536) {
			fwrite(b.s, 1, b.len, out);
			b.len = 0;
		}
	}
	sb_printf(&b, "set malformed %s\n", p->malformed == PC_ACT_PASS ? "pass" : "block");
	for (i = 0; i < p->nrules; i++) {
		sb_rule(&b, p, &p->rules[i]);
		sb_printf(&b, "\n");
	}
	if (b.s)
		fwrite(b.s, 1, b.len, out);
	free(b.s);
}
