/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of a generation that is sized by its tables: the address index
 * (user/rules/addr_index.h) and the table members, loaded into maps of
 * their own. Made without the apply lock, since it is the slow part and
 * nobody sees it until it is put in a slot; released, after the switch,
 * with one delete per map.
 */
#ifndef PC_GENERATION_H
#define PC_GENERATION_H

#include "addr_index.h"
#include "policy_maps.h"

struct pc_generation {
	struct pc_addr_index ix; /* the roots to write; nodes and leaves are
				  * in the banks already */
	int *banks;
	size_t nbanks;
	int members;
	__u32 nmembers;
};

#define PC_GENERATION_INIT { .members = -1 }

/* Build c's index and load it, with c's table members, into new maps. 0,
 * or -errno: -E2BIG when the index exceeds its limits. */
int pc_generation_build(const struct pc_compiled *c, struct pc_generation *g);
void pc_generation_free(struct pc_generation *g);

/* Put g in slot, which no program reads: its roots, its banks
 * and its members, and the header fields that describe them (hdr). The
 * banks the slot held beyond g's are deleted. */
int pc_generation_put(const struct pc_maps *m, __u32 slot, const struct pc_generation *g,
		      struct pc_policy_hdr *hdr);

/* Delete the banks and members of slot, whose header is hdr, once no
 * program reads it any more. */
void pc_generation_release(const struct pc_maps *m, __u32 slot, const struct pc_policy_hdr *hdr);

/* Add the members of every table of slot to members[set]. */
int pc_generation_read_members(const struct pc_maps *m, __u32 slot,
			       const struct pc_policy_hdr *hdr, const struct pc_set *sets,
			       struct pc_prefix_list *members);

#endif /* PC_GENERATION_H */
