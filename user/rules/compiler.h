/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules compiler: a parsed policy in, the contents of the kernel maps
 * for one generation out. Plain C, no BPF: it is unit-tested on its own.
 */
#ifndef PC_COMPILE_H
#define PC_COMPILE_H

#include "policy.h"

/* One prefix of a set, in one direction: what the address index
 * (addr_index.h) is built from. */
struct pc_prefix_val {
	__u64 rules;               /* rules whose set holds this prefix: its
				    * own sets and those of every prefix
				    * that contains it */
	__u64 sets[PC_SET_WORDS];  /* sets that list this exact prefix */
};

struct pc_index_live;

struct pc_prefix_entry {
	__u8 dir; /* enum pc_dir */
	struct pc_prefix prefix;
	struct pc_prefix_val val;
};

struct pc_compiled {
	struct pc_policy_hdr hdr; /* generation and applied_ns left 0 */
	struct pc_rule rules[PC_MAX_RULES];
	struct pc_set sets[PC_MAX_SETS];
	/* [proto * PC_NPORTS + port]; .counter holds a port item index + 1
	 * here, which the loader turns into a counter index. */
	struct pc_port *ports;
	struct pc_port_item items[PC_MAX_PORT_ITEMS]; /* .counter unset */
	struct pc_prefix_entry *prefixes;
	size_t nprefixes;
	struct pc_list_prefix lists[PC_MAX_LIST_PREFIXES]; /* hdr.nlist used */
	/* Live entries of tables (live.h), in the index but not members. */
	struct pc_index_live *live;
	size_t nlive;
	__u64 policy_digest; /* hdr.digest of the policy alone, before them */
};

/* Let through what the language has and the data plane not yet (for
 * tests of the compiler itself); this version supports all it parses. */
#define PC_COMPILE_ALLOW_UNSUPPORTED 0x1

/* Returns 0, or -1 with every problem reported to d. */
int pc_compile(const struct pc_policy *p, struct pc_compiled *out, struct pc_diag *d,
	       unsigned flags);
void pc_compiled_free(struct pc_compiled *c);

/* The rules of c whose set in direction dir is s (after pc_compile). */
__u64 pc_compiled_set_rules(const struct pc_compiled *c, int dir, __u32 s);

/* FNV-1a: fold len bytes of data into the digest *h. */
void pc_fnv1a(__u64 *h, const void *data, size_t len);

#endif /* PC_COMPILE_H */
