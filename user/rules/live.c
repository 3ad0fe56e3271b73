// SPDX-License-Identifier: GPL-2.0
/* Live entries of tables: see live.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "growable_array.h"
#include "live.h"

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct pc_live_entry *)a)->key,
		      &((const struct pc_live_entry *)b)->key, sizeof(struct pc_live_key));
}

void pc_live_sort(struct pc_live_list *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), entry_cmp);
}

void pc_live_free(struct pc_live_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct pc_live_key pc_live_key_of(const char *table, const struct pc_prefix *p)
{
	struct pc_live_key k;

	memset(&k, 0, sizeof(k));
	strncpy(k.table, table, PC_NAME_MAX);
	k.family = p->family;
	k.len = p->len;
	memcpy(k.addr, p->addr, sizeof(k.addr));
	return k;
}

struct pc_prefix pc_live_prefix(const struct pc_live_key *k)
{
	struct pc_prefix p = { .family = k->family, .len = k->len };

	memcpy(p.addr, k->addr, sizeof(p.addr));
	return p;
}

struct pc_live_entry *pc_live_find(const struct pc_live_list *l, const struct pc_live_key *k)
{
	struct pc_live_entry want = { .key = *k };

	return l->n ? bsearch(&want, l->v, l->n, sizeof(*l->v), entry_cmp) : NULL;
}

void pc_live_sort_unique(struct pc_live_list *l)
{
	size_t i, n = 0;

	pc_live_sort(l);
	for (i = 0; i < l->n; i++)
		if (!n || entry_cmp(&l->v[n - 1], &l->v[i]))
			l->v[n++] = l->v[i];
		else
			l->v[n - 1] = l->v[i];
	l->n = n;
}

/* The set of c that is the table named so (at most PC_NAME_MAX bytes
 * of name are read), or -1. */
static int table_set(const struct pc_compiled *c, const char *name)
{
	__u32 s;

	for (s = 0; s < c->hdr.nsets; s++)
		if ((c->sets[s].flags & PC_SET_TABLE) && !strncmp(c->sets[s].name, name, PC_NAME_MAX))
			return s;
	return -1;
}

bool pc_live_kept(const struct pc_compiled *c, const struct pc_live_entry *e, __u32 now)
{
	return !pc_live_lapsed(&e->val, now) && table_set(c, e->key.table) >= 0;
}

static unsigned family_bit(__u8 family)
{
	return family == PC_FAMILY_V6 ? PC_FAMILIES_V6 : PC_FAMILIES_V4;
}

/* The families each rule applies to (pc_rule_families: a side whose
 * addresses are all of one family restricts the rule to it), with the
 * live entries counted among their tables' addresses (fam[set]), as if
 * the file listed them. */
static void set_rule_families(struct pc_compiled *c, unsigned *fam)
{
	size_t i;
	__u32 r;
	int w;

	for (i = 0; i < c->nprefixes; i++)
		for (w = 0; w < PC_SET_WORDS; w++) {
			__u64 bits = c->prefixes[i].val.sets[w];

			for (; bits; bits &= bits - 1)
				fam[w * 64 + __builtin_ctzll(bits)] |= family_bit(c->prefixes[i].prefix.family);
		}
	c->hdr.v4_rules = c->hdr.v6_rules = 0;
	for (r = 0; r < c->hdr.nrules; r++) {
		const struct pc_rule *k = &c->rules[r];
		unsigned fs = k->src_set == PC_SET_NONE ? 0 : fam[k->src_set];
		unsigned fd = k->dst_set == PC_SET_NONE ? 0 : fam[k->dst_set];
		unsigned f = (fs ? fs : PC_FAMILIES_ALL) & (fd ? fd : PC_FAMILIES_ALL);

		if (f & PC_FAMILIES_V4)
			c->hdr.v4_rules |= 1ULL << r;
		if (f & PC_FAMILIES_V6)
			c->hdr.v6_rules |= 1ULL << r;
	}
}

int pc_compiled_set_live(struct pc_compiled *c, const struct pc_live_list *l, __u32 now)
{
	unsigned fam[PC_MAX_SETS] = { 0 };
	struct pc_index_live *v = calloc(2 * l->n + 1, sizeof(*v));
	__u64 h = c->policy_digest;
	size_t i, n = 0;
	int dir;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < l->n; i++) {
		const struct pc_live_entry *e = &l->v[i];
		int s = table_set(c, e->key.table);

		if (s < 0 || pc_live_lapsed(&e->val, now))
			continue; /* not kept (pc_live_kept) */
		fam[s] |= family_bit(e->key.family);
		for (dir = PC_DIR_SRC; dir <= PC_DIR_DST; dir++) {
			__u64 rules = pc_compiled_set_rules(c, dir, s);

			if (rules)
				v[n++] = (struct pc_index_live){ .dir = dir,
								 .prefix = pc_live_prefix(&e->key),
								 .rules = rules,
								 .until = e->val.until };
		}
		pc_fnv1a(&h, &e->key, sizeof(e->key));
		pc_fnv1a(&h, &e->val.until, sizeof(e->val.until));
	}
	set_rule_families(c, fam);
	free(c->live);
	c->live = v;
	c->nlive = n;
	c->hdr.digest = h;
	return 0;
}
