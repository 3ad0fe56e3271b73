// SPDX-License-Identifier: GPL-2.0
/* A generation's address index and table members in the kernel: see
 * generation.h. Every map here is an mmapable array (5.5), written with
 * memcpy: a bank of 16384 entries costs two syscalls, not 16384. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "generation.h"

/* An array map lays its values out 8-byte aligned. */
static size_t stride_of(size_t value_size)
{
	return (value_size + 7) & ~(size_t)7;
}

/* A new array of n values of value_size bytes, the first count of them
 * copied from data, the rest zero. */
static int new_array(const char *name, size_t value_size, __u32 n, __u32 flags, const void *data,
		     size_t count, int *fd)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE | flags);
	size_t stride = stride_of(value_size), len = stride * n, i;
	char *map;
	int err;

	*fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(__u32), value_size, n, &opts);
	if (*fd < 0)
		return -errno;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		close(*fd);
		*fd = -1;
		return err;
	}
	if (stride == value_size)
		memcpy(map, data, count * value_size);
	else
		for (i = 0; i < count; i++)
			memcpy(map + i * stride, (const char *)data + i * value_size, value_size);
	munmap(map, len);
	return 0;
}

/* The banks of the index entries v[0, total). */
static int load_banks(const union pc_entry *v, size_t total, int **fds, size_t *n)
{
	const size_t per_bank = 1 << PC_BANK_BITS;
	size_t banks = (total + per_bank - 1) / per_bank, b;
	int err = 0;

	*fds = malloc((banks ? banks : 1) * sizeof(**fds));
	if (!*fds)
		return -ENOMEM;
	for (b = 0; !err && b < banks; b++) {
		size_t count = total - b * per_bank < per_bank ? total - b * per_bank : per_bank;

		err = new_array("pc_index", sizeof(*v), per_bank, 0, v + b * per_bank, count,
				&(*fds)[b]);
		if (!err)
			(*n)++;
	}
	return err;
}

/* The tables' members, once each: a table used in both directions has
 * entries in both, and an unused one has source entries. */
static int collect_members(const struct pc_compiled *c, struct pc_member **out, __u32 *n)
{
	__u64 tables[PC_SET_WORDS] = { 0 }, in_src[PC_SET_WORDS] = { 0 };
	size_t i, total = 0;
	__u32 s;
	int w;

	for (s = 0; s < c->hdr.nsets; s++)
		if (c->sets[s].flags & PC_SET_TABLE)
			tables[s / 64] |= 1ULL << (s % 64);
	for (i = 0; i < c->nprefixes; i++)
		for (w = 0; w < PC_SET_WORDS && c->prefixes[i].dir == PC_DIR_SRC; w++)
			in_src[w] |= c->prefixes[i].val.sets[w];
	for (i = 0; i < c->nprefixes; i++)
		for (w = 0; w < PC_SET_WORDS; w++)
			total += __builtin_popcountll(c->prefixes[i].val.sets[w] & tables[w] &
						      (c->prefixes[i].dir == PC_DIR_DST ? ~in_src[w] : ~0ULL));
	*out = calloc(total ? total : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*n = 0;
	for (i = 0; i < c->nprefixes; i++) {
		const struct pc_prefix_entry *e = &c->prefixes[i];

		for (s = 0; s < c->hdr.nsets; s++) {
			__u64 bit = 1ULL << (s % 64);

			if (!(e->val.sets[s / 64] & tables[s / 64] & bit) ||
			    (e->dir == PC_DIR_DST && (in_src[s / 64] & bit)))
				continue;
			(*out)[*n] = (struct pc_member){ .family = e->prefix.family,
							 .len = e->prefix.len,
							 .set = s };
			memcpy((*out)[*n].addr, e->prefix.addr, 16);
			(*n)++;
		}
	}
	return 0;
}

static int load_members(const struct pc_compiled *c, struct pc_generation *g)
{
	struct pc_member *v;
	int err = collect_members(c, &v, &g->nmembers);

	if (!err)
		err = new_array("pc_members", sizeof(*v), g->nmembers ? g->nmembers : 1,
				BPF_F_INNER_MAP, v, g->nmembers, &g->members);
	free(v);
	return err;
}

int pc_generation_build(const struct pc_compiled *c, struct pc_generation *g)
{
	struct pc_addr_index *ix = &g->ix;
	int err;

	*g = (struct pc_generation)PC_GENERATION_INIT;
	err = pc_index_build_live(ix, c->prefixes, c->nprefixes, c->live, c->nlive);
	if (!err)
		err = load_banks(ix->v, ix->n, &g->banks, &g->nbanks);
	if (!err)
		err = load_members(c, g);
	/* What stays in user space is the roots. */
	free(ix->v);
	ix->v = NULL;
	if (err)
		pc_generation_free(g);
	return err;
}

void pc_generation_free(struct pc_generation *g)
{
	size_t i;

	for (i = 0; i < g->nbanks; i++)
		close(g->banks[i]);
	free(g->banks);
	if (g->members >= 0)
		close(g->members);
	pc_index_free(&g->ix);
	*g = (struct pc_generation)PC_GENERATION_INIT;
}

/* Copy len bytes to offset in a fixed mmapable array of map_len bytes. */
static int write_fixed(int fd, size_t map_len, size_t offset, const void *v, size_t len)
{
	char *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (map == MAP_FAILED)
		return -errno;
	memcpy(map + offset, v, len);
	munmap(map, map_len);
	return 0;
}

/* Every update or delete in an array of maps waits for an RCU grace
 * period (milliseconds), and arrays of maps have no batches. Grace periods
 * are shared by whoever waits at the time, so the banks go in and out
 * from several threads at once: a hundred banks cost a few grace periods,
 * not a hundred. */
#define MAP_OP_THREADS 64

/* One update (fd >= 0) or delete (fd < 0; an entry not there is no
 * error) of an array of maps. */
struct map_op {
	int outer;
	__u32 key;
	int fd;
};

struct map_ops {
	const struct map_op *op;
	__u32 n;
	__u32 next; /* the next op to take, shared */
	int err;
};

static void *map_op_worker(void *arg)
{
	struct map_ops *j = arg;
	const struct map_op *o;
	__u32 i;

	while ((i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED)) < j->n) {
		o = &j->op[i];
		if (o->fd >= 0 ? bpf_map_update_elem(o->outer, &o->key, &o->fd, BPF_ANY) :
				 bpf_map_delete_elem(o->outer, &o->key) && errno != ENOENT)
			__atomic_store_n(&j->err, -errno, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Run n ops from as many threads as help, this one included. */
static int run_map_ops(const struct map_op *op, __u32 n)
{
	struct map_ops j = { .op = op, .n = n };
	pthread_t threads[MAP_OP_THREADS];
	size_t t = 0, i;

	while (t < MAP_OP_THREADS && t + 1 < n && !pthread_create(&threads[t], NULL, map_op_worker, &j))
		t++;
	map_op_worker(&j); /* alone if no thread could start */
	for (i = 0; i < t; i++)
		pthread_join(threads[i], NULL);
	return j.err;
}

/* The ops that put fds in (or, fds NULL, delete) banks [from, to) of slot. */
static __u32 bank_ops(struct map_op *op, int outer, __u32 slot, const int *fds, __u32 from,
		      __u32 to)
{
	__u32 i, n = 0;

	for (i = from; i < to; i++)
		op[n++] = (struct map_op){ .outer = outer, .key = slot * PC_MAX_BANKS + i,
					   .fd = fds ? fds[i - from] : -1 };
	return n;
}

int pc_generation_put(const struct pc_maps *m, __u32 slot, const struct pc_generation *g,
		      struct pc_policy_hdr *hdr)
{
	const size_t roots = 2 * PC_ROOT_BLOCKS * sizeof(struct pc_block);
	int err;

	err = write_fixed(m->roots, PC_SLOTS * roots, slot * roots, g->ix.roots, roots);
	if (!err) {
		struct map_op op[PC_MAX_BANKS + 1];
		__u32 n = bank_ops(op, m->index_banks, slot, g->banks, 0, g->nbanks);

		op[n++] = (struct map_op){ .outer = m->members, .key = slot, .fd = g->members };
		err = run_map_ops(op, n);
	}
	/* Left over where a release of the generation before failed. */
	if (!err && hdr->banks > g->nbanks) {
		struct map_op op[PC_MAX_BANKS];

		run_map_ops(op, bank_ops(op, m->index_banks, slot, NULL, g->nbanks, hdr->banks));
	}
	if (err)
		return err;
	memcpy(hdr->index, g->ix.root, sizeof(hdr->index));
	hdr->banks = g->nbanks;
	hdr->nmembers = g->nmembers;
	return 0;
}

void pc_generation_release(const struct pc_maps *m, __u32 slot, const struct pc_policy_hdr *hdr)
{
	struct map_op op[PC_MAX_BANKS + 1];
	__u32 n = bank_ops(op, m->index_banks, slot, NULL, 0, hdr->banks);

	op[n++] = (struct map_op){ .outer = m->members, .key = slot, .fd = -1 };
	run_map_ops(op, n);
}

int pc_generation_read_members(const struct pc_maps *m, __u32 slot,
			       const struct pc_policy_hdr *hdr, const struct pc_set *sets,
			       struct pc_prefix_list *members)
{
	size_t stride = stride_of(sizeof(struct pc_member)), len = stride * hdr->nmembers, i;
	const char *map;
	__u32 id;
	int fd, err = 0;

	if (!hdr->nmembers)
		return 0;
	if (bpf_map_lookup_elem(m->members, &slot, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	for (i = 0; !err && i < hdr->nmembers; i++) {
		const struct pc_member *e = (const void *)(map + i * stride);
		struct pc_prefix p = { .family = e->family, .len = e->len };

		if (e->set >= hdr->nsets || !(sets[e->set].flags & PC_SET_TABLE))
			continue;
		memcpy(p.addr, e->addr, sizeof(p.addr));
		err = pc_prefix_list_add(&members[e->set], &p) ? -ENOMEM : 0;
	}
	munmap((void *)map, len);
	return err;
}
