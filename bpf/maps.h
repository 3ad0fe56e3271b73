/* SPDX-License-Identifier: GPL-2.0 */
/* The maps of bpf/portcullis.bpf.c. Their layout is in include/portcullis.h;
 * every map type here exists since Linux 5.5 or earlier. */
#ifndef PC_BPF_MAPS_H
#define PC_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "portcullis.h"

/* The one word that puts a generation in force. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pc_ctl);
} pc_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PC_SLOTS);
	__type(key, __u32);
	__type(value, struct pc_policy_hdr);
} pc_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PC_SLOTS * PC_MAX_RULES);
	__type(key, __u32);
	__type(value, struct pc_rule);
} pc_rules SEC(".maps");

/* Read only by user space: names and sizes, for `rules` and `status`. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PC_SLOTS * PC_MAX_SETS);
	__type(key, __u32);
	__type(value, struct pc_set);
} pc_sets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PC_SLOTS * PC_MAX_LIST_PREFIXES);
	__type(key, __u32);
	__type(value, struct pc_list_prefix);
} pc_list_prefixes SEC(".maps");

/* (proto, port) -> candidate rules. Mmapable (5.5) so that user space
 * writes a whole generation without a syscall per port. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PC_SLOTS * PC_PORTS_SLOT);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pc_port);
} pc_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PC_SLOTS * PC_MAX_PORT_ITEMS);
	__type(key, __u32);
	__type(value, struct pc_port_item);
} pc_port_items SEC(".maps");

/* The address index (include/portcullis.h, "The address index"). The
 * roots of both slots are a fixed array; the nodes and leaves of a
 * generation are in banks that user space makes for it, sized
 * as the template (so that the verifier inlines every lookup), put in
 * the slot's range of the outer array, and deletes when the generation
 * goes. Every array is mmapable (5.5), so that user space writes a bank
 * with memcpy, not a syscall per entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PC_SLOTS * 2 * PC_ROOT_BLOCKS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pc_block);
} pc_roots SEC(".maps");

/* Templates give sizes, not types: no variable of these structs emits
 * the value types' BTF. */
struct pc_index_bank {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << PC_BANK_BITS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(union pc_entry));
};

/* slot * PC_MAX_BANKS + i -> bank i of the slot's index (ARRAY_OF_MAPS:
 * Linux 4.12). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PC_SLOTS * PC_MAX_BANKS);
	__type(key, __u32);
	__array(values, struct pc_index_bank);
} pc_index_banks SEC(".maps");

/* The table members of a generation, for `rules`: never read here, so
 * that each generation's array may be sized for it (BPF_F_INNER_MAP,
 * 5.10). */
struct pc_member_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct pc_member));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PC_SLOTS);
	__type(key, __u32);
	__array(values, struct pc_member_array);
} pc_members SEC(".maps");

/* LRU_HASH: Linux 4.10. Its size is the attach command's
 * --reply-sources, set before the first load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PC_REPLY_SOURCES);
	__type(key, struct pc_source_key);
	__type(value, __u64);
} pc_reply_limit SEC(".maps");

/* The buckets of limit rules (rate.h), by rule and source; its size is
 * the attach command's --limit-sources. They outlive generations: a rule
 * applied again keeps its buckets (struct pc_rule.id). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PC_LIMIT_SOURCES);
	__type(key, struct pc_limit_key);
	__type(value, __u64);
} pc_limit SEC(".maps");

/* The offenders (offenders.h), a cache on each CPU: a set of sources a
 * value. Its size is the attach command's --offender-sources. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PC_OFFENDER_SOURCES / PC_OFFENDER_WAYS);
	__type(key, __u32);
	__type(value, struct pc_offender_set);
} pc_offenders SEC(".maps");

/* Counters by port item; they outlive generations. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PC_PORT_COUNTERS);
	__type(key, __u32);
	__type(value, struct pc_port_count);
} pc_port_cnt SEC(".maps");

/* Read and written by user space only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PC_PORT_COUNTERS); /* one key per counter at most */
	__type(key, struct pc_port_key);
	__type(value, __u32);
} pc_port_index SEC(".maps");

/* Counters by rule, per slot: a new generation starts from zero. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PC_SLOTS * PC_MAX_RULES);
	__type(key, __u32);
	__type(value, struct pc_rule_count);
} pc_rule_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pc_reason_totals);
} pc_totals SEC(".maps");

/* Live table entries (include/portcullis.h), user space only. Not
 * preallocated: its 2 x 65,536 entries would take 17 MiB up front, where
 * an abuse desk keeps a few hundred. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PC_SLOTS * PC_MAX_LIVE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pc_live_key);
	__type(value, struct pc_live_val);
} pc_live SEC(".maps");

/* Written by user space only: what is attached where. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PC_MAX_ATTACH);
	__type(key, struct pc_attach_key);
	__type(value, struct pc_attach_val);
} pc_attach SEC(".maps");

#endif /* PC_BPF_MAPS_H */
