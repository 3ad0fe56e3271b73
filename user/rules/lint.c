// SPDX-License-Identifier: GPL-2.0
/*
 * Warnings about likely mistakes. A rule is shadowed when an earlier rule
 * matches every packet it could match: the earlier rule covers its
 * protocols, families, ports, source and destination. Each check is a
 * sufficient condition only, so a warning is never wrong; a rule covered
 * by several earlier rules together is not found.
 */
#include <string.h>

#include "lint.h"

/* Does prefix a hold all of prefix b? */
static bool prefix_holds(const struct pc_prefix *a, const struct pc_prefix *b)
{
	return a->len <= b->len && pc_prefix_contains(a, b->family, b->addr);
}

/* Is every prefix of inner (all: or any one of them) inside a prefix of
 * outer? Both lists sorted by pc_prefix_cmp, so that the prefixes of outer
 * that can hold an entry come before it: a walk that keeps the chain of
 * nested outer prefixes on a stack answers in one pass. */
static bool within(const struct pc_prefix_list *inner, const struct pc_prefix_list *outer,
		   bool all)
{
	const struct pc_prefix *stack[128 + 1]; /* nested: one per length */
	size_t i = 0, j, top = 0;

	for (j = 0; j < inner->n; j++) {
		const struct pc_prefix *b = &inner->v[j];

		while (i < outer->n && pc_prefix_cmp(&outer->v[i], b) <= 0) {
			while (top && !prefix_holds(stack[top - 1], &outer->v[i]))
				top--;
			stack[top++] = &outer->v[i++];
		}
		while (top && !prefix_holds(stack[top - 1], b))
			top--;
		if (all != (top > 0))
			return !all;
	}
	return all;
}

static const struct pc_prefix_list *spec_list(const struct pc_policy *p,
					      const struct pc_addr_spec *a)
{
	static const struct pc_prefix_list none;

	if (a->kind == PC_ADDR_LIST)
		return &a->list;
	if (a->kind == PC_ADDR_TABLE && a->table >= 0 && (size_t)a->table < p->ntables)
		return &p->tables[a->table].prefixes;
	return &none;
}

/* Is every address that inner matches matched by outer? */
static bool addr_covers(const struct pc_policy *p, const struct pc_addr_spec *outer,
			const struct pc_addr_spec *inner)
{
	const struct pc_prefix_list *a = spec_list(p, outer), *b = spec_list(p, inner);

	if (outer->kind == PC_ADDR_ANY)
		return !outer->neg;
	if (inner->kind == PC_ADDR_ANY)
		return false;
	if (outer->kind == PC_ADDR_TABLE && inner->kind == PC_ADDR_TABLE &&
	    outer->table == inner->table && outer->neg == inner->neg)
		return true;
	if (!outer->neg && !inner->neg)
		return b->n && within(b, a, true);
	if (outer->neg && inner->neg) /* !B inside !A: A inside B */
		return within(a, b, true);
	if (outer->neg) /* B inside !A: B and A do not meet */
		return b->n && !within(b, a, false) && !within(a, b, false);
	return false; /* !B inside A: only if A is everything; not worth it */
}

/* Is every port of inner (no list: every port) in a range of outer? The
 * lists are sorted by lo, so adjacent ranges of outer merge as they go. */
static bool ports_cover(const struct pc_port_list *outer, const struct pc_port_list *inner)
{
	static const struct pc_port_range every = { 0, 65535 };
	const struct pc_port_range *v = inner->n ? inner->v : &every;
	size_t n = inner->n ? inner->n : 1, i, j;

	if (!outer->n)
		return true;
	for (i = 0; i < n; i++) {
		unsigned lo = 0, hi = 0;
		bool open = false, held = false;

		for (j = 0; j < outer->n && !held; j++) {
			const struct pc_port_range *r = &outer->v[j];

			if (!open || r->lo > hi + 1) {
				lo = r->lo;
				hi = r->hi;
				open = true;
			} else if (r->hi > hi) {
				hi = r->hi;
			}
			held = lo <= v[i].lo && v[i].hi <= hi;
		}
		if (!held)
			return false;
	}
	return true;
}

/* Does rule a match every packet that rule b matches? */
static bool rule_covers(const struct pc_policy *p, const struct pc_rule_ast *a,
			const struct pc_rule_ast *b)
{
	return !(b->protos & ~a->protos) &&
	       !(pc_rule_families(p, b) & ~pc_rule_families(p, a)) &&
	       ports_cover(&a->ports, &b->ports) && addr_covers(p, &a->src, &b->src) &&
	       addr_covers(p, &a->dst, &b->dst);
}

static bool same_list(const struct pc_prefix_list *a, const struct pc_prefix_list *b)
{
	return a->n == b->n && (!a->n || !memcmp(a->v, b->v, a->n * sizeof(a->v[0])));
}

static bool same_spec(const struct pc_addr_spec *a, const struct pc_addr_spec *b)
{
	return a->kind == b->kind && a->neg == b->neg &&
	       (a->kind != PC_ADDR_TABLE || a->table == b->table) &&
	       (a->kind != PC_ADDR_LIST || same_list(&a->list, &b->list));
}

static bool same_rule(const struct pc_rule_ast *a, const struct pc_rule_ast *b)
{
	return a->action == b->action && a->protos == b->protos && a->log == b->log &&
	       a->rate == b->rate && a->rate_unit == b->rate_unit && a->burst == b->burst &&
	       a->ports.n == b->ports.n &&
	       (!a->ports.n || !memcmp(a->ports.v, b->ports.v, a->ports.n * sizeof(a->ports.v[0]))) &&
	       same_spec(&a->src, &b->src) && same_spec(&a->dst, &b->dst);
}

/* Warn about rule j if an earlier rule repeats or shadows it. */
static void lint_rule(const struct pc_policy *p, size_t j, struct pc_diag *d)
{
	const struct pc_rule_ast *r = &p->rules[j];
	size_t i;

	/* A rule that can match nothing (an empty table) is not "shadowed". */
	if ((r->src.kind == PC_ADDR_TABLE && !r->src.neg && !spec_list(p, &r->src)->n) ||
	    (r->dst.kind == PC_ADDR_TABLE && !r->dst.neg && !spec_list(p, &r->dst)->n))
		return;
	for (i = 0; i < j; i++) {
		const struct pc_rule_ast *e = &p->rules[i];

		if (same_rule(e, r)) {
			pc_diag_warning(d, &r->loc, "duplicate rule: the same as the rule at %d:%d",
					e->loc.line, e->loc.col);
			return;
		}
		if (rule_covers(p, e, r)) {
			pc_diag_warning(d, &r->loc,
					"this rule is shadowed: the rule at %d:%d matches every packet it would, first",
					e->loc.line, e->loc.col);
			return;
		}
	}
}

void pc_policy_lint(const struct pc_policy *p, struct pc_diag *d)
{
	struct pc_loc file = { p->nfiles ? p->files[0] : NULL, 0, 0 };
	size_t j;

	static const char *const set_name[PC_NSET_OPTION] = {
		[PC_SET_MALFORMED] = "set malformed",
		[PC_SET_REPLY_LIMIT] = "set reply-limit",
	};

	if (!p->nrules)
		pc_diag_warning(d, &file, "the policy has no rules: every packet passes");
	for (j = 0; j < p->nrules; j++)
		lint_rule(p, j, d);
	for (j = 0; j < PC_NSET_OPTION; j++)
		if (p->set_prev[j].line)
			pc_diag_warning(d, &p->set_loc[j],
					"'%s' again: it overrides the one at %d:%d (the last one wins)",
					set_name[j], p->set_prev[j].line, p->set_prev[j].col);
}
