// SPDX-License-Identifier: GPL-2.0
/* The address index: see addr_index.h and include/portcullis.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "addr_index.h"
#include "growable_array.h"
#include "progress.h"

/* A prefix entry as the builder sees it: the address as a 128-bit number,
 * IPv4 in the top 32 bits, the rules it adds in each direction, and when
 * it lapses (a timed live entry; 0: never). */
struct item {
	__u64 hi, lo;
	__u64 src, dst;
	__u32 until;
	__u8 len;
};

/* The rules that timed entries lapsing at until add to a region. */
struct layer {
	__u64 src, dst;
	__u32 until;
};

/* One child of the region being built: the rules of the entries that
 * cover it whole (for good in src, dst; timed ones in t, by expiry), and
 * the entries longer than the region that lie inside it, items[first,
 * last), which make it a node. */
struct child {
	__u64 src, dst;
	struct layer t[PC_LIVE_CHAIN];
	unsigned nt;
	size_t first, last;
};

/* A leaf under timed entries whose chain is yet to be written: after the
 * leaves of its node, which must lie next to each other. */
struct pending {
	size_t head;
	struct child c;
};

/* The index being built, and what the builder keeps on the side. */
struct builder {
	struct pc_addr_index *ix;
	struct child last;                       /* what the last leaf made holds */
	struct pending pending[1 << PC_NODE_BITS]; /* at most a node's leaves */
	size_t npending;
	int err;                                 /* -EMLINK: nested too deep */
};

static __u64 load_be(const __u8 *p, int n)
{
	__u64 v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void addr_bits(__u8 family, const __u8 *addr, __u64 *hi, __u64 *lo)
{
	if (family == PC_FAMILY_V4) {
		*hi = load_be(addr, 4) << 32;
		*lo = 0;
	} else {
		*hi = load_be(addr, 8);
		*lo = load_be(addr + 8, 8);
	}
}

/* The top n bits of a 128-bit number, as masks of hi and lo. */
static void top_bits(unsigned n, __u64 *mask_hi, __u64 *mask_lo)
{
	*mask_hi = n == 0 ? 0 : n >= 64 ? ~0ULL : ~0ULL << (64 - n);
	*mask_lo = n <= 64 ? 0 : n >= 128 ? ~0ULL : ~0ULL << (128 - n);
}

/* w bits (1..20) from bit pos, 0 being the most significant; bits past
 * the end read as 0. bpf/classify.h reads the same bits by shifting the
 * address as it walks (pc_shift). */
static unsigned take(__u64 hi, __u64 lo, unsigned pos, unsigned w)
{
	__u64 v;

	if (pos >= 128)
		return 0;
	if (pos == 0)
		v = hi;
	else if (pos < 64)
		v = hi << pos | lo >> (64 - pos);
	else
		v = lo << (pos - 64);
	return v >> (64 - w);
}

static unsigned popcount(__u64 x)
{
	return __builtin_popcountll(x);
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->len - y->len;
}

/* ---- building ---- */

/* Item x covers child c whole: c holds its rules, for good or until it
 * lapses. Timed entries lapsing at once share a layer; more distinct
 * expiries than PC_LIVE_CHAIN over one region are an error. */
static void child_add(struct builder *b, struct child *c, const struct item *x)
{
	unsigned i, j;

	if (!x->until) {
		c->src |= x->src;
		c->dst |= x->dst;
		return;
	}
	if (!x->src && !x->dst)
		return; /* a table no rule uses */
	for (i = 0; i < c->nt && c->t[i].until < x->until; i++)
		;
	if (i == c->nt || c->t[i].until != x->until) {
		if (c->nt == PC_LIVE_CHAIN) {
			b->err = -EMLINK;
			return;
		}
		for (j = c->nt++; j > i; j--)
			c->t[j] = c->t[j - 1];
		c->t[i] = (struct layer){ .until = x->until };
	}
	c->t[i].src |= x->src;
	c->t[i].dst |= x->dst;
}

static bool child_empty(const struct child *c)
{
	return !c->src && !c->dst && !c->nt;
}

/* Do two children hold the same, timed entries included? */
static bool child_same(const struct child *a, const struct child *b)
{
	unsigned i;

	if (a->src != b->src || a->dst != b->dst || a->nt != b->nt)
		return false;
	for (i = 0; i < a->nt; i++)
		if (a->t[i].src != b->t[i].src || a->t[i].dst != b->t[i].dst ||
		    a->t[i].until != b->t[i].until)
			return false;
	return true;
}

/* Leaf k of c's chain: what holds once its first k expiries have passed. */
static struct pc_leaf chain_leaf(const struct child *c, unsigned k)
{
	struct pc_leaf l = { .src = c->src, .dst = c->dst };
	unsigned i;

	for (i = k; i < c->nt; i++) {
		l.src |= c->t[i].src;
		l.dst |= c->t[i].dst;
	}
	l.until = k < c->nt ? c->t[k].until : 0;
	return l;
}

/* The 1 << w children c of the region at bit depth of the items given
 * (all inside the region, sorted, none shorter than depth), each set
 * before to the rules that cover the whole region. Sorted by address then
 * length, the entries longer than a child that lie inside it come after
 * every entry that covers it, and next to each other. */
static void split(struct builder *b, const struct item *it, size_t n, unsigned depth, unsigned w,
		  struct child *c)
{
	size_t i, q;

	for (i = 0; i < n; i++) {
		size_t p = take(it[i].hi, it[i].lo, depth, w);

		if (it[i].len <= depth + w) {
			size_t span = (size_t)1 << (depth + w - it[i].len);

			for (q = p & ~(span - 1); q < (p & ~(span - 1)) + span; q++)
				child_add(b, &c[q], &it[i]);
		} else {
			if (c[p].first == c[p].last)
				c[p].first = i;
			c[p].last = i + 1;
		}
	}
}

static bool is_node(const struct child *c)
{
	return c->last > c->first;
}

/* k entries, zeroed, at *first. */
static int alloc_entries(struct pc_addr_index *ix, size_t k, size_t *first)
{
	if (ix->n + k > (size_t)PC_MAX_BANKS << PC_BANK_BITS)
		return -E2BIG;
	if (pc_array_reserve((void **)&ix->v, &ix->cap, ix->n + k, sizeof(*ix->v)))
		return -ENOMEM;
	*first = ix->n;
	memset(&ix->v[ix->n], 0, k * sizeof(*ix->v));
	ix->n += k;
	return 0;
}

static int alloc_nodes(struct pc_addr_index *ix, size_t k, size_t *first)
{
	ix->nnodes += k;
	return alloc_entries(ix, k, first);
}

/* The leaf of child c: the head of its chain, whose rest is pending. */
static int push_leaf(struct builder *b, const struct child *c)
{
	struct pc_addr_index *ix = b->ix;
	int err = alloc_entries(ix, 1, &ix->last_leaf);

	if (err)
		return err;
	ix->v[ix->last_leaf].leaf = chain_leaf(c, 0);
	ix->nleaves++;
	b->last = *c;
	if (c->nt)
		b->pending[b->npending++] = (struct pending){ .head = ix->last_leaf, .c = *c };
	return 0;
}

/* The rest of every pending chain, each written together after its
 * head's node: the leaves once the earliest expiries have passed. */
static int flush_chains(struct builder *b)
{
	struct pc_addr_index *ix = b->ix;
	size_t i, first, at;
	unsigned k;
	int err = 0;

	for (i = 0; !err && i < b->npending; i++) {
		const struct pending *p = &b->pending[i];

		err = alloc_entries(ix, p->c.nt, &first);
		for (k = 1, at = p->head; !err && k <= p->c.nt; k++) {
			ix->v[at].leaf.next = first + k - 1;
			at = first + k - 1;
			ix->v[at].leaf = chain_leaf(&p->c, k);
			ix->nleaves++;
		}
	}
	b->npending = 0;
	return err;
}

/* Does child c hold what the last leaf holds? Then it shares it. */
static bool same_as_last_leaf(const struct builder *b, const struct child *c)
{
	return child_same(&b->last, c);
}

/* Node self for a region whose only entry longer than it is it: two
 * leaves, the region's rules and those of the prefix. */
static int build_lone(struct builder *b, const struct item *it, const struct child *region,
		      size_t self)
{
	struct pc_addr_index *ix = b->ix;
	struct child outside = *region, inside = *region;
	struct pc_node node = {
		.vector = it->hi,
		.leafvec = it->lo,
		.first_leaf = ix->n,
		.first_node = PC_NODE_LONE | it->len,
	};
	int err;

	child_add(b, &inside, it);
	err = push_leaf(b, &outside);
	if (!err)
		err = push_leaf(b, &inside);
	if (!err)
		err = flush_chains(b);
	ix->v[self].node = node;
	return err;
}

/* Node self, for the region at bit depth holding items it[0, n). Its
 * children nodes are allocated together, its leaves written together,
 * before any child is built. */
static int build_node(struct builder *b, const struct item *it, size_t n, unsigned depth,
		      const struct child *region, size_t self)
{
	struct pc_addr_index *ix = b->ix;
	struct child c[1 << PC_NODE_BITS];
	struct pc_node node = { .first_leaf = ix->n };
	size_t p, k = 0, first = 0;
	bool leaf_made = false;
	int err;

	if (n == 1)
		return build_lone(b, it, region, self);
	for (p = 0; p < 1 << PC_NODE_BITS; p++) {
		c[p] = *region;
		c[p].first = c[p].last = 0;
	}
	split(b, it, n, depth, PC_NODE_BITS, c);
	for (p = 0; p < 1 << PC_NODE_BITS; p++) {
		if (is_node(&c[p])) {
			node.vector |= 1ULL << p;
			k++;
			continue;
		}
		/* A run of equal leaves, within this node, is one leaf. */
		if (leaf_made && same_as_last_leaf(b, &c[p]))
			continue;
		node.leafvec |= 1ULL << p;
		err = push_leaf(b, &c[p]);
		if (err)
			return err;
		leaf_made = true;
	}
	err = flush_chains(b);
	if (!err)
		err = alloc_nodes(ix, k, &first);
	if (err)
		return err;
	node.first_node = first;
	ix->v[self].node = node;
	for (p = 0; !err && p < 1 << PC_NODE_BITS; p++)
		if (is_node(&c[p]))
			err = build_node(b, it + c[p].first, c[p].last - c[p].first,
					 depth + PC_NODE_BITS, &c[p], first++);
	return err ? err : b->err;
}

/* The bits every item starts with, as many as the root allows. */
static void find_skip(struct pc_index_root *r, const struct item *it, size_t n, unsigned width)
{
	__u64 d_hi = it[0].hi ^ it[n - 1].hi, d_lo = it[0].lo ^ it[n - 1].lo;
	unsigned skip = d_hi ? __builtin_clzll(d_hi) : d_lo ? 64 + __builtin_clzll(d_lo) : 128;
	size_t i;

	/* Sorted, the first and the last differ where any two do. */
	for (i = 0; i < n; i++)
		if (it[i].len < skip)
			skip = it[i].len;
	if (skip > width - PC_ROOT_BITS)
		skip = width - PC_ROOT_BITS;
	r->skip = skip;
	r->used = 1;
	top_bits(skip, &r->mask_hi, &r->mask_lo);
	r->hi = it[0].hi & r->mask_hi;
	r->lo = it[0].lo & r->mask_lo;
}

/* Root entries [from, to) of family f, under which every address is in
 * the sets of v: EMPTY, or a leaf, the last one when it holds the same. */
static int fill_root(struct builder *b, int f, size_t from, size_t to, const struct child *v,
		     bool *after_leaf)
{
	struct pc_addr_index *ix = b->ix;
	__u32 e = PC_ENTRY_EMPTY;
	int err;

	if (!child_empty(v)) {
		if (!*after_leaf || !same_as_last_leaf(b, v)) {
			err = push_leaf(b, v);
			if (!err)
				err = flush_chains(b);
			if (err)
				return err;
		}
		e = ix->last_leaf;
	}
	*after_leaf = !child_empty(v);
	for (; from < to; from++)
		ix->roots[f * PC_ROOT_BLOCKS + from / PC_BLOCK].e[from % PC_BLOCK] = e;
	return 0;
}

/* The root of family f over items it[0, n), sorted, in one sweep: the
 * entries that cover whole root positions are intervals, nested, kept on
 * a stack with the rules of those below them; between the events (an
 * interval begins or ends, longer entries make a node) every position
 * holds the same. done: the entries of the families built before, for
 * the progress line (util/progress.h). */
static int build_family(struct builder *b, int f, const struct item *it, size_t n,
			unsigned width, size_t done)
{
	struct pc_addr_index *ix = b->ix;
	const size_t positions = (size_t)1 << PC_ROOT_BITS;
	struct pc_index_root *r = &ix->root[f];
	/* A length a direction, for good and for each expiry. */
	enum { STACK = 2 * 129 * (PC_LIVE_CHAIN + 1) };
	struct child *stack, none = { 0 };
	size_t end[STACK], top = 0, i = 0, j, pos = 0, next, at, node;
	bool after_leaf = false;
	unsigned depth;
	int err = 0;

	if (!n)
		return 0; /* unused: no address of the family is in a set */
	stack = malloc(STACK * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	find_skip(r, it, n, width);
	depth = r->skip + PC_ROOT_BITS; /* of the region under a root entry */
	while (!err && pos < positions) {
		const struct child *cur;

		while (top && end[top - 1] <= pos)
			top--;
		cur = top ? &stack[top - 1] : &none;
		next = top ? end[top - 1] : positions;
		at = i < n ? take(it[i].hi, it[i].lo, r->skip, PC_ROOT_BITS) : positions;
		if (at < next)
			next = at;
		if (next > pos) {
			err = fill_root(b, f, pos, next, cur, &after_leaf);
			pos = next;
		} else if (it[i].len <= depth) { /* it[i] begins at pos, covering */
			if (top == STACK) {
				err = -EMLINK;
				break;
			}
			stack[top] = *cur;
			child_add(b, &stack[top], &it[i]);
			end[top++] = pos + ((size_t)1 << (depth - it[i].len));
			i++;
			err = b->err;
		} else { /* longer entries from it[i] on make pos a node */
			for (j = i; j < n && take(it[j].hi, it[j].lo, r->skip, PC_ROOT_BITS) == pos; j++)
				;
			err = alloc_nodes(ix, 1, &node);
			if (!err)
				err = build_node(b, it + i, j - i, depth, cur, node);
			ix->roots[f * PC_ROOT_BLOCKS + pos / PC_BLOCK].e[pos % PC_BLOCK] =
				PC_ENTRY_NODE | node;
			after_leaf = false;
			pc_progress_update(done + j);
			i = j;
			pos++;
		}
	}
	free(stack);
	return err;
}

/* An item of prefix p, its host bits cleared. */
static void make_item(struct item *x, const struct pc_prefix *p, __u8 dir, __u64 rules,
		      __u32 until)
{
	__u64 mask_hi, mask_lo;

	addr_bits(p->family, p->addr, &x->hi, &x->lo);
	top_bits(p->len, &mask_hi, &mask_lo);
	x->hi &= mask_hi;
	x->lo &= mask_lo;
	x->len = p->len;
	x->src = dir == PC_DIR_SRC ? rules : 0;
	x->dst = dir == PC_DIR_DST ? rules : 0;
	x->until = until;
}

/* The entries and live entries of one family as items, sorted. */
static int family_items(const struct pc_prefix_entry *e, size_t n,
			const struct pc_index_live *live, size_t nlive, __u8 family,
			struct item **out, size_t *count)
{
	struct item *it = malloc((n + nlive ? n + nlive : 1) * sizeof(*it));
	size_t i, k = 0;

	*out = it;
	if (!it)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (e[i].prefix.family == family)
			make_item(&it[k++], &e[i].prefix, e[i].dir, e[i].val.rules, 0);
	for (i = 0; i < nlive; i++)
		if (live[i].prefix.family == family)
			make_item(&it[k++], &live[i].prefix, live[i].dir, live[i].rules,
				  live[i].until);
	qsort(it, k, sizeof(*it), item_cmp);
	*count = k;
	return 0;
}

int pc_index_build_live(struct pc_addr_index *ix, const struct pc_prefix_entry *e, size_t n,
			const struct pc_index_live *live, size_t nlive)
{
	static const __u8 families[2] = { PC_FAMILY_V4, PC_FAMILY_V6 };
	struct builder *b = calloc(1, sizeof(*b));
	size_t done = 0;
	int f, err;

	memset(ix, 0, sizeof(*ix));
	ix->roots = calloc(2 * PC_ROOT_BLOCKS, sizeof(*ix->roots));
	err = ix->roots && b ? 0 : -ENOMEM;
	for (f = 0; !err && f < 2; f++) {
		struct item *it = NULL;
		size_t k;

		b->ix = ix;
		err = family_items(e, n, live, nlive, families[f], &it, &k);
		if (!err)
			err = build_family(b, f, it, k, f ? 128 : 32, done);
		if (!err)
			err = b->err;
		free(it);
		done += k;
	}
	free(b);
	if (err)
		pc_index_free(ix);
	return err;
}

int pc_index_build(struct pc_addr_index *ix, const struct pc_prefix_entry *e, size_t n)
{
	return pc_index_build_live(ix, e, n, NULL, 0);
}

void pc_index_free(struct pc_addr_index *ix)
{
	free(ix->v);
	free(ix->roots);
	memset(ix, 0, sizeof(*ix));
}

/* ---- the walk, as the kernel does it ---- */

/* The leaf of the chain from l that holds at now (CLOCK_BOOTTIME seconds). */
static const struct pc_leaf *holding(const struct pc_addr_index *ix, const struct pc_leaf *l,
				     __u32 now)
{
	unsigned i;

	for (i = 0; i < PC_LIVE_CHAIN && l->until && now >= l->until; i++)
		l = &ix->v[l->next].leaf;
	return l;
}

static const struct pc_leaf *index_lookup(const struct pc_addr_index *ix, __u8 family,
					  const __u8 *addr)
{
	static const struct pc_leaf none;
	int f = pc_family_index(family);
	const struct pc_index_root *r = &ix->root[f];
	unsigned pos = r->skip, p, k, depth;
	__u64 hi, lo, upto;
	__u32 e;

	if (!r->used)
		return &none;
	addr_bits(family, addr, &hi, &lo);
	if (((hi ^ r->hi) & r->mask_hi) | ((lo ^ r->lo) & r->mask_lo))
		return &none;
	p = take(hi, lo, pos, PC_ROOT_BITS);
	e = ix->roots[f * PC_ROOT_BLOCKS + p / PC_BLOCK].e[p % PC_BLOCK];
	if (e == PC_ENTRY_EMPTY)
		return &none;
	pos += PC_ROOT_BITS;
	for (depth = 0; depth < PC_INDEX_DEPTH && (e & PC_ENTRY_NODE); depth++) {
		const struct pc_node *node = &ix->v[e & ~PC_ENTRY_NODE].node;
		__u64 mask_hi, mask_lo;

		if (node->first_node & PC_NODE_LONE) {
			top_bits(node->first_node & 0xff, &mask_hi, &mask_lo);
			return &ix->v[node->first_leaf +
				      !(((hi ^ node->vector) & mask_hi) |
					((lo ^ node->leafvec) & mask_lo))].leaf;
		}
		k = take(hi, lo, pos, PC_NODE_BITS);
		pos += PC_NODE_BITS;
		upto = (2ULL << k) - 1; /* bits 0..k */
		if (!(node->vector >> k & 1))
			return &ix->v[node->first_leaf + popcount(node->leafvec & upto) - 1].leaf;
		e = PC_ENTRY_NODE | (node->first_node + popcount(node->vector & upto) - 1);
	}
	return e & PC_ENTRY_NODE ? &none : &ix->v[e].leaf;
}

const struct pc_leaf *pc_index_lookup(const struct pc_addr_index *ix, __u8 family,
				      const __u8 *addr, __u32 now)
{
	return holding(ix, index_lookup(ix, family, addr), now);
}
