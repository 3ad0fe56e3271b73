// SPDX-License-Identifier: GPL-2.0
/*
 * The rules compiler. First-match semantics become bit masks: rule i is
 * bit i. Each (proto, port) holds the rules that can match it; each prefix
 * holds the rules whose address set contains it (ancestors included, so one
 * longest-prefix lookup answers for every set); the program keeps the
 * lowest bit that survives. Nothing here knows about BPF.
 */
#include <stdlib.h>
#include <string.h>
#include "compiler.h"
#include "growable_array.h"

struct set_builder {
	const struct pc_policy *p;
	struct pc_compiled *out;
	struct pc_diag *d;
	/* Prefixes of every set, indexed like out->sets. */
	const struct pc_prefix_list *members[PC_MAX_SETS];
	const struct pc_loc *locs[PC_MAX_SETS];
	bool used[2][PC_MAX_SETS]; /* by direction */
	__u32 nsets;
	bool full; /* reported "too many sets" once */
};

static int prefix_list_equal(const struct pc_prefix_list *a, const struct pc_prefix_list *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (pc_prefix_cmp(&a->v[i], &b->v[i]))
			return 0;
	return 1;
}

/* The set index of an address spec, or PC_SET_NONE for "any". Identical
 * inline lists share one set. */
static __u16 spec_set(struct set_builder *b, const struct pc_addr_spec *s)
{
	__u32 i;

	if (s->kind == PC_ADDR_ANY)
		return PC_SET_NONE;
	if (s->kind == PC_ADDR_TABLE)
		return s->table;
	for (i = b->p->ntables; i < b->nsets; i++)
		if (prefix_list_equal(b->members[i], &s->list))
			return i;
	if (b->nsets >= PC_MAX_SETS) {
		if (!b->full)
			pc_diag_error(b->d, &s->loc,
				      "too many address sets: the limit is %d tables and distinct lists",
				      PC_MAX_SETS);
		b->full = true;
		return PC_SET_NONE;
	}
	if (b->out->hdr.nlist + s->list.n > PC_MAX_LIST_PREFIXES) {
		pc_diag_error(b->d, &s->loc,
			      "inline address lists hold more than %d prefixes in all; put them in a table",
			      PC_MAX_LIST_PREFIXES);
		b->full = true;
		return PC_SET_NONE;
	}
	b->members[b->nsets] = &s->list;
	b->locs[b->nsets] = &s->loc;
	b->out->sets[b->nsets].nprefixes = s->list.n;
	b->out->sets[b->nsets].first = b->out->hdr.nlist;
	for (i = 0; i < s->list.n; i++) {
		struct pc_list_prefix *lp = &b->out->lists[b->out->hdr.nlist++];

		lp->family = s->list.v[i].family;
		lp->len = s->list.v[i].len;
		memcpy(lp->addr, s->list.v[i].addr, sizeof(lp->addr));
	}
	return b->nsets++;
}

/* The families a rule applies to; a rule that can match none is an
 * error, as it is surely a mistake. */
static unsigned rule_families(struct set_builder *b, const struct pc_rule_ast *r)
{
	unsigned families = pc_rule_families(b->p, r);

	if (!families)
		pc_diag_error(b->d, &r->dst.loc,
			      "this rule can never match: its source addresses are all %s and its destination addresses all %s",
			      pc_addr_families(b->p, &r->src) == PC_FAMILIES_V4 ? "IPv4" : "IPv6",
			      pc_addr_families(b->p, &r->dst) == PC_FAMILIES_V4 ? "IPv4" : "IPv6");
	return families;
}

static void compile_tables(struct set_builder *b)
{
	const struct pc_policy *p = b->p;
	size_t i;

	for (i = 0; i < p->ntables; i++) {
		struct pc_set *set = &b->out->sets[i];

		memcpy(set->name, p->tables[i].name, sizeof(set->name));
		set->name[PC_NAME_MAX] = '\0';
		set->flags = PC_SET_TABLE;
		set->nprefixes = p->tables[i].prefixes.n;
		b->members[i] = &p->tables[i].prefixes;
		b->locs[i] = &p->tables[i].loc;
	}
	b->nsets = p->ntables;
}

/* The header masks that rule i (k, compiled from r) belongs to. */
static void set_masks(struct pc_policy_hdr *h, size_t i, const struct pc_rule_ast *r,
		      const struct pc_rule *k, unsigned families)
{
	__u64 bit = 1ULL << i;

	if (r->src.kind == PC_ADDR_ANY && !r->src.neg)
		h->src_any |= bit;
	if (r->dst.kind == PC_ADDR_ANY && !r->dst.neg)
		h->dst_any |= bit;
	if (k->src_neg)
		h->src_neg |= bit;
	if (k->dst_neg)
		h->dst_neg |= bit;
	if (r->action == PC_ACT_BLOCK || r->action == PC_ACT_REJECT)
		h->drop_rules |= bit;
	if (r->action == PC_ACT_REJECT)
		h->reject_rules |= bit;
	if (r->action == PC_ACT_LIMIT)
		h->limit_rules |= bit;
	if (r->log)
		h->log_rules |= bit;
	if (families & PC_FAMILIES_V4)
		h->v4_rules |= bit;
	if (families & PC_FAMILIES_V6)
		h->v6_rules |= bit;
}

/* A limit rule's id, which keys its buckets: a digest of its text as
 * `rules` prints it (the burst the compiler gives it written out), so
 * that the same rule applied again, moved or with other table contents,
 * keeps its buckets, and `rules > f; apply f` does too. Never 0. */
static __u64 limit_rule_id(const struct pc_policy *p, const struct pc_rule_ast *r, __u32 burst)
{
	struct pc_rule_ast canon = *r;
	char text[4096];
	__u64 h = 0xcbf29ce484222325ULL;

	canon.burst = burst;
	pc_rule_format(text, sizeof(text), p, &canon);
	pc_fnv1a(&h, text, strlen(text));
	return h ? h : 1;
}

static void compile_rule(struct set_builder *b, size_t i)
{
	const struct pc_rule_ast *r = &b->p->rules[i];
	struct pc_rule *k = &b->out->rules[i];

	k->action = r->action;
	k->flags = r->log ? PC_RULE_LOG : 0;
	k->protos = r->protos;
	k->rate = r->rate;
	k->rate_unit = r->rate_unit;
	/* Without a burst, a unit's worth of attempts may come at once. */
	k->burst = r->burst ? r->burst : r->rate;
	if (r->action == PC_ACT_LIMIT)
		k->id = limit_rule_id(b->p, r, k->burst);
	k->src_set = spec_set(b, &r->src);
	k->dst_set = spec_set(b, &r->dst);
	/* "! any" is an empty set: it matches nothing. */
	k->src_neg = r->src.neg && k->src_set != PC_SET_NONE;
	k->dst_neg = r->dst.neg && k->dst_set != PC_SET_NONE;
	set_masks(&b->out->hdr, i, r, k, rule_families(b, r));
	if (k->src_set != PC_SET_NONE)
		b->used[PC_DIR_SRC][k->src_set] = true;
	if (k->dst_set != PC_SET_NONE)
		b->used[PC_DIR_DST][k->dst_set] = true;
}

static void compile_rules(struct set_builder *b)
{
	size_t i;

	compile_tables(b);
	for (i = 0; i < b->p->nrules; i++)
		compile_rule(b, i);
	b->out->hdr.nrules = b->p->nrules;
	b->out->hdr.nsets = b->nsets;
}

/* ---- ports ---- */

static int item_find(const struct pc_compiled *c, __u8 proto, const struct pc_port_range *r)
{
	__u32 i;

	for (i = 0; i < c->hdr.nitems; i++)
		if (c->items[i].proto == proto && c->items[i].lo == r->lo && c->items[i].hi == r->hi)
			return i;
	return -1;
}

static int item_cmp(const void *a, const void *b)
{
	const struct pc_port_item *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->lo != y->lo)
		return x->lo - y->lo;
	return x->hi - y->hi;
}

/* Painting order: widest first, so that the narrowest item containing a
 * port owns its counter; among equals the lowest lo is painted last. */
static int paint_cmp(const void *a, const void *b)
{
	const struct pc_port_item *x = *(const struct pc_port_item *const *)a;
	const struct pc_port_item *y = *(const struct pc_port_item *const *)b;
	int wx = x->hi - x->lo, wy = y->hi - y->lo;

	if (wx != wy)
		return wy - wx;
	return y->lo - x->lo;
}

/* The port item of (proto, range) gets rule bit; a new one is made if
 * there is room. The first overflow is reported, at rule r. */
static void add_item(struct pc_compiled *c, int proto, const struct pc_port_range *pr, __u64 bit,
		     const struct pc_rule_ast *r, struct pc_diag *d, bool *overflow)
{
	int k = item_find(c, proto, pr);

	if (k < 0 && c->hdr.nitems == PC_MAX_PORT_ITEMS) {
		if (!*overflow)
			pc_diag_error(d, &r->loc,
				      "too many distinct ports and ranges: the limit is %d (protocol, port or range) pairs, and a rule without 'proto' names each of its ports for tcp and for udp",
				      PC_MAX_PORT_ITEMS);
		*overflow = true;
		return;
	}
	if (k < 0) {
		k = c->hdr.nitems++;
		c->items[k].proto = proto;
		c->items[k].lo = pr->lo;
		c->items[k].hi = pr->hi;
	}
	c->items[k].rules |= bit;
}

/* Rule i can match the ports it lists (no list: every port) of each of
 * its protocols. */
static void mark_rule_ports(struct pc_compiled *c, const struct pc_rule_ast *r, size_t i,
			    struct pc_diag *d, bool *overflow)
{
	__u64 bit = 1ULL << i;
	__u32 port;
	size_t j;
	int proto;

	for (proto = 0; proto < PC_NPROTO; proto++) {
		struct pc_port *row = &c->ports[proto * PC_NPORTS];

		if (!(r->protos & (1u << proto)))
			continue;
		if (!r->ports.n)
			for (port = 0; port < PC_NPORTS; port++)
				row[port].rules |= bit;
		for (j = 0; j < r->ports.n; j++) {
			const struct pc_port_range *pr = &r->ports.v[j];

			for (port = pr->lo; port <= pr->hi; port++)
				row[port].rules |= bit;
			add_item(c, proto, pr, bit, r, d, overflow);
		}
	}
}

/* Sort the items, and give each port the counter of the narrowest item
 * that holds it. */
static void paint_counters(struct pc_compiled *c)
{
	const struct pc_port_item *order[PC_MAX_PORT_ITEMS];
	__u32 n = c->hdr.nitems, i, port;

	qsort(c->items, n, sizeof(c->items[0]), item_cmp);
	for (i = 0; i < n; i++)
		order[i] = &c->items[i];
	qsort(order, n, sizeof(order[0]), paint_cmp);
	for (i = 0; i < n; i++) {
		const struct pc_port_item *it = order[i];
		struct pc_port *row = &c->ports[it->proto * PC_NPORTS];

		for (port = it->lo; port <= it->hi; port++)
			row[port].counter = (it - c->items) + 1;
	}
}

static int compile_ports(const struct pc_policy *p, struct pc_compiled *c, struct pc_diag *d)
{
	bool overflow = false;
	size_t i;

	c->ports = calloc(PC_PORTS_SLOT, sizeof(*c->ports));
	if (!c->ports)
		return -1;
	for (i = 0; i < p->nrules; i++)
		mark_rule_ports(c, &p->rules[i], i, d, &overflow);
	paint_counters(c);
	return 0;
}

/* ---- prefixes ---- */

static int entry_cmp(const void *a, const void *b)
{
	const struct pc_prefix_entry *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir - y->dir;
	return pc_prefix_cmp(&x->prefix, &y->prefix);
}

/* The prefix entries being built; moved into the output at the end. */
struct entry_list {
	struct pc_prefix_entry *v;
	size_t n, cap;
};

static int add_set_entries(struct entry_list *entries, __u8 dir, __u32 set,
			   const struct pc_prefix_list *l, __u64 rules)
{
	struct pc_prefix_entry e = { .dir = dir, .val.rules = rules };
	size_t i;

	e.val.sets[set / 64] = 1ULL << (set % 64);
	if (pc_array_reserve((void **)&entries->v, &entries->cap, entries->n + l->n,
			     sizeof(e)))
		return -1;
	for (i = 0; i < l->n; i++) {
		e.prefix = l->v[i];
		entries->v[entries->n++] = e;
	}
	return 0;
}

static bool entry_contains(const struct pc_prefix_entry *outer, const struct pc_prefix_entry *e)
{
	return outer->dir == e->dir && outer->prefix.len <= e->prefix.len &&
	       pc_prefix_contains(&outer->prefix, e->prefix.family, e->prefix.addr);
}

/* Sort, merge duplicates, and give every prefix the rules of the prefixes
 * that contain it: then the longest match alone answers for every set. */
static void normalise_entries(struct pc_compiled *c)
{
	struct pc_prefix_entry *stack[128 + 1]; /* one per prefix length */
	size_t i, n = 0, top = 0;
	int w;

	if (!c->nprefixes)
		return; /* qsort(NULL, 0) is undefined */
	qsort(c->prefixes, c->nprefixes, sizeof(c->prefixes[0]), entry_cmp);
	for (i = 0; i < c->nprefixes; i++) {
		struct pc_prefix_entry *e = &c->prefixes[i];

		if (n && !entry_cmp(&c->prefixes[n - 1], e)) {
			c->prefixes[n - 1].val.rules |= e->val.rules;
			for (w = 0; w < PC_SET_WORDS; w++)
				c->prefixes[n - 1].val.sets[w] |= e->val.sets[w];
			continue;
		}
		c->prefixes[n++] = *e;
	}
	c->nprefixes = n;
	/* Sorted by address then length, a prefix's ancestors come before it
	 * and are exactly the entries still on the stack that contain it. */
	for (i = 0; i < n; i++) {
		struct pc_prefix_entry *e = &c->prefixes[i];

		while (top && !entry_contains(stack[top - 1], e))
			top--;
		if (top)
			e->val.rules |= stack[top - 1]->val.rules;
		stack[top++] = e;
	}
}

__u64 pc_compiled_set_rules(const struct pc_compiled *c, int dir, __u32 s)
{
	__u64 rules = 0;
	__u32 i;

	for (i = 0; i < c->hdr.nrules; i++)
		if ((dir == PC_DIR_SRC ? c->rules[i].src_set : c->rules[i].dst_set) == s)
			rules |= 1ULL << i;
	return rules;
}

static int collect_entries(struct set_builder *b, struct entry_list *entries)
{
	__u32 s;
	int dir;

	for (dir = PC_DIR_SRC; dir <= PC_DIR_DST; dir++) {
		for (s = 0; s < b->nsets; s++) {
			/* An unused table is kept, as source entries that
			 * no rule refers to, so that it can be read back. */
			bool unused = !b->used[PC_DIR_SRC][s] && !b->used[PC_DIR_DST][s];

			if (!b->used[dir][s] && !(dir == PC_DIR_SRC && unused))
				continue;
			if (add_set_entries(entries, dir, s, b->members[s],
					    pc_compiled_set_rules(b->out, dir, s)))
				return -1;
		}
	}
	return 0;
}

static int compile_prefixes(struct set_builder *b)
{
	struct pc_compiled *c = b->out;
	struct entry_list entries = { 0 };
	__u32 s;

	if (collect_entries(b, &entries)) {
		free(entries.v);
		return -1;
	}
	c->prefixes = entries.v;
	c->nprefixes = entries.n;
	normalise_entries(c);
	if (c->nprefixes > PC_MAX_PREFIXES) {
		__u32 big = 0;

		for (s = 1; s < b->nsets; s++)
			if (b->members[s]->n > b->members[big]->n)
				big = s;
		pc_diag_error(b->d, b->locs[big],
			      "the policy needs %zu prefix entries (a table used both as source and destination counts twice); the limit is %d",
			      c->nprefixes, PC_MAX_PREFIXES);
		return -1;
	}
	c->hdr.nprefixes = c->nprefixes;
	return 0;
}

void pc_fnv1a(__u64 *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--) {
		*h ^= *p++;
		*h *= 0x100000001b3ULL;
	}
}

/* A fingerprint of everything the kernel would be given, so that putting
 * the policy already in force in force again can change nothing. The
 * ports image is left out: it is a function of the rules and the port
 * items, which are in, and hashing its 2 MiB was most of a small compile. */
static __u64 digest(const struct pc_compiled *c)
{
	__u64 h = 0xcbf29ce484222325ULL;

	pc_fnv1a(&h, &c->hdr, sizeof(c->hdr));
	pc_fnv1a(&h, c->rules, c->hdr.nrules * sizeof(c->rules[0]));
	pc_fnv1a(&h, c->sets, c->hdr.nsets * sizeof(c->sets[0]));
	pc_fnv1a(&h, c->items, c->hdr.nitems * sizeof(c->items[0]));
	pc_fnv1a(&h, c->lists, c->hdr.nlist * sizeof(c->lists[0]));
	pc_fnv1a(&h, c->prefixes, c->nprefixes * sizeof(c->prefixes[0]));
	return h;
}

/* set reply-limit, or its default. */
static void compile_reply_limit(const struct pc_policy *p, struct pc_policy_hdr *h)
{
	h->reply_rate = p->reply_rate ? p->reply_rate : PC_REPLY_RATE;
	h->reply_unit = p->reply_rate ? p->reply_unit : 1;
	h->reply_burst = p->reply_rate ? (p->reply_burst ? p->reply_burst : p->reply_rate) :
					 PC_REPLY_BURST;
	h->reply_interval_ns = h->reply_unit * 1000000000ULL / h->reply_rate;
}

int pc_compile(const struct pc_policy *p, struct pc_compiled *out, struct pc_diag *d,
	       unsigned flags)
{
	struct set_builder b = { .p = p, .out = out, .d = d };
	int errors = d->errors;

	memset(out, 0, sizeof(*out));
	out->hdr.malformed = p->malformed;
	compile_reply_limit(p, &out->hdr);
	if (p->nrules > PC_MAX_RULES) {
		pc_diag_error(d, &p->rules[PC_MAX_RULES].loc,
			      "too many rules: the limit is %d (use tables to group addresses)",
			      PC_MAX_RULES);
		return -1;
	}
	if (p->ntables > PC_MAX_SETS) {
		pc_diag_error(d, &p->tables[PC_MAX_SETS].loc, "too many tables: the limit is %d",
			      PC_MAX_SETS);
		return -1;
	}
	/* Go on after errors: every limit the policy exceeds is reported. */
	compile_rules(&b);
	if (compile_ports(p, out, d) || compile_prefixes(&b))
		goto fail;
	if (d->errors > errors)
		return -1;
	out->hdr.digest = out->policy_digest = digest(out);
	return 0;
fail:
	if (d->errors == errors)
		pc_diag_error(d, NULL, "out of memory compiling the policy");
	return -1;
}

void pc_compiled_free(struct pc_compiled *c)
{
	free(c->ports);
	free(c->prefixes);
	free(c->live);
	c->ports = NULL;
	c->prefixes = NULL;
	c->live = NULL;
	c->nlive = 0;
}
