/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address index of one generation (its layout: include/portcullis.h,
 * "The address index"), built from the compiled prefix entries. Plain C:
 * user/kernel/policy_maps.c copies it into the maps, and the unit tests
 * check pc_index_lookup(), which walks it as bpf/classify.h does, against
 * the entries themselves.
 */
#ifndef PC_ADDR_INDEX_H
#define PC_ADDR_INDEX_H

#include <stddef.h>
#include "compiler.h"

struct pc_addr_index {
	struct pc_index_root root[2];         /* IPv4, IPv6: for the header */
	struct pc_block *roots;               /* [2 * PC_ROOT_BLOCKS], IPv4 first */
	union pc_entry *v;                    /* nodes and leaves */
	size_t n, cap;
	size_t nnodes, nleaves;               /* of n */
	size_t last_leaf;                     /* the index of the last leaf made */
};

/* 0 for IPv4, 1 for IPv6: the index of a family in the arrays above. */
static inline int pc_family_index(__u8 family)
{
	return family == PC_FAMILY_V6;
}

/* Build the index of n entries (sorted or not, any direction). 0, -ENOMEM,
 * or -E2BIG when it would exceed PC_MAX_BANKS. */
int pc_index_build(struct pc_addr_index *ix, const struct pc_prefix_entry *e, size_t n);

/* A live entry of a table (cmd `table`), in one direction: the rules of
 * that table there, and the CLOCK_BOOTTIME second it lapses at (0:
 * never). Unlike a compiled entry, it adds only its own rules. */
struct pc_index_live {
	__u8 dir;
	struct pc_prefix prefix;
	__u64 rules;
	__u32 until;
};

/* The same with live entries too: a leaf under timed ones heads a chain
 * (struct pc_leaf). -EMLINK: an address would lie under timed entries of
 * more than PC_LIVE_CHAIN distinct expiries. */
int pc_index_build_live(struct pc_addr_index *ix, const struct pc_prefix_entry *e, size_t n,
			const struct pc_index_live *live, size_t nlive);
void pc_index_free(struct pc_addr_index *ix);

/* The rules whose sets hold an address (network order) of the given
 * family, in each direction, at now (CLOCK_BOOTTIME seconds: the timed
 * live entries lapsed by then left out), as the kernel finds them. */
const struct pc_leaf *pc_index_lookup(const struct pc_addr_index *ix, __u8 family,
				      const __u8 *addr, __u32 now);

#endif /* PC_ADDR_INDEX_H */
