/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live entries of tables (`portcullis table NAME add ADDR [--ttl D]`), as
 * the pinned map pc_live keeps them between commands (include/portcullis.h),
 * and how they join a compiled policy's index. Plain C, no libbpf.
 *
 * An entry with a TTL lapses at a CLOCK_BOOTTIME second, which is what the
 * kernel program compares with (bpf_ktime_get_boot_ns); one without lasts
 * until it is deleted or an apply drops its table.
 */
#ifndef PC_LIVE_H
#define PC_LIVE_H

#include <stdbool.h>
#include "addr_index.h"
#include "compiler.h"

struct pc_live_entry {
	struct pc_live_key key;
	struct pc_live_val val;
};

/* Sorted by key (pc_live_sort), so that equal sets digest alike. */
struct pc_live_list {
	struct pc_live_entry *v;
	size_t n, cap;
};

void pc_live_sort(struct pc_live_list *l);
void pc_live_free(struct pc_live_list *l);

/* The key of prefix p in table (host bits of p are 0, as the parser
 * checks). */
struct pc_live_key pc_live_key_of(const char *table, const struct pc_prefix *p);
struct pc_prefix pc_live_prefix(const struct pc_live_key *k);

/* Has the entry lapsed at now (CLOCK_BOOTTIME seconds)? */
static inline bool pc_live_lapsed(const struct pc_live_val *v, __u32 now)
{
	return v->until && v->until <= now;
}

/* The entry of l (sorted) with key k, or NULL: a binary search, so that
 * an edit of many entries at once is not quadratic. */
struct pc_live_entry *pc_live_find(const struct pc_live_list *l, const struct pc_live_key *k);

/* Sort l and keep one entry of each key (qsort is not stable: any one of
 * equal ones, which table add makes alike but for added_ns). */
void pc_live_sort_unique(struct pc_live_list *l);

/* Is the entry one that c keeps: not lapsed at now, of a table c has? */
bool pc_live_kept(const struct pc_compiled *c, const struct pc_live_entry *e, __u32 now);

/* Give c the entries of l that it keeps, as index entries in each
 * direction that their table is used in, and fold them into its digest,
 * so that a generation with other live entries is another generation.
 * May be called again with another list. 0 or -ENOMEM. */
int pc_compiled_set_live(struct pc_compiled *c, const struct pc_live_list *l, __u32 now);

#endif /* PC_LIVE_H */
