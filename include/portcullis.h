/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions shared by the kernel programs (bpf/) and user space (user/).
 * Plain fixed-width fields only, no pointers. Every field is in host byte
 * order unless its comment says "network order".
 */
#ifndef PORTCULLIS_H
#define PORTCULLIS_H

#include <linux/types.h>

/* Limits. A policy that exceeds one is a compile error, never truncated. */
#define PC_MAX_RULES       64        /* one bit each in a __u64 rule mask */
#define PC_MAX_SETS        128       /* tables plus distinct inline lists */
#define PC_SET_WORDS       (PC_MAX_SETS / 64)
#define PC_MAX_PORT_ITEMS  1024      /* distinct (proto, port or range) counted */
/* Per-port counters: room for the items of both generations, so that a
 * policy within the limit always finds counters beside the one in force. */
#define PC_PORT_COUNTERS   (2 * PC_MAX_PORT_ITEMS)
#define PC_MAX_PREFIXES    (1 << 21) /* prefix entries in one generation */
#define PC_NAME_MAX        31        /* table name length */
#define PC_MAX_LIST_PREFIXES 4096    /* prefixes in inline lists, all rules */

#define PC_SLOTS       2  /* the policy in force and the one being written */
#define PC_NPROTO      2  /* protocols subject to rules */
#define PC_PROTO_TCP   0
#define PC_PROTO_UDP   1
#define PC_NPORTS      65536
#define PC_PORTS_SLOT  (PC_NPROTO * PC_NPORTS) /* entries of pc_ports per slot */

#define PC_MAX_VLAN    2  /* 802.1Q and 802.1ad (QinQ) */
#define PC_MAX_EXTHDR  8  /* IPv6 extension headers walked before giving up */

/* Rule actions, as stored in struct pc_rule.action. */
enum pc_action {
	PC_ACT_PASS = 0,
	PC_ACT_BLOCK,
	PC_ACT_MONITOR,
	PC_ACT_REJECT,
	PC_ACT_LIMIT,
	PC_NACTION,
};

/* Verdicts, the index into struct pc_port_count.v. */
enum pc_verdict {
	PC_V_PASSED = 0,
	PC_V_DROPPED,
	PC_V_REJECTED,
	PC_NVERDICT,
};

/* Why a frame got its verdict: the one list that the counters and the
 * event log share. Grouped by verdict, in the order of enum pc_verdict,
 * so that PC_REASON_VERDICT() tells a reason's verdict. */
enum pc_reason {
	PC_R_PASS_NO_RULE = 0, /* TCP or UDP that no rule matched */
	PC_R_PASS_RULE,        /* a pass or monitor rule decided */
	PC_R_PASS_FRAGMENT,    /* a non-first fragment: no ports to judge */
	PC_R_PASS_OTHER,       /* not TCP or UDP over IP */
	PC_R_PASS_MALFORMED,   /* malformed, let through by "set malformed pass" */
	PC_R_DROP_RULE,        /* a block rule decided */
	PC_R_DROP_MALFORMED,   /* malformed, and "set malformed block" */
	PC_R_DROP_LIMIT,       /* a connection attempt beyond a limit rule's rate */
	PC_R_REJECT_RULE,      /* a reject rule decided */
	PC_NREASON,
};

#define PC_REASON_VERDICT(r) \
	((r) >= PC_R_REJECT_RULE ? PC_V_REJECTED : (r) >= PC_R_DROP_RULE ? PC_V_DROPPED : PC_V_PASSED)

enum pc_dir {
	PC_DIR_SRC = 0,
	PC_DIR_DST = 1,
};

#define PC_FAMILY_V4 4
#define PC_FAMILY_V6 6

#define PC_RULE_LOG   0x01 /* struct pc_rule.flags */
#define PC_SET_NONE   0xffff /* struct pc_rule.src_set/dst_set: "any" */
#define PC_SET_TABLE  0x01 /* struct pc_set.flags: a named table */

/* The address index: address -> the rules whose source set and whose
 * destination set hold it, in a few array reads whatever the number of
 * prefixes (a poptrie: Asai and Ohara, SIGCOMM 2015). One index per
 * generation and family, built by user space (user/rules/addr_index.c):
 *
 * - Every prefix of the family starts with the same skip bits (struct
 *   pc_index_root, in the generation's header); an address that does not
 *   is in no set. The PC_ROOT_BITS after them index the root (pc_roots).
 * - A root entry is a leaf's index, PC_ENTRY_EMPTY where no set holds
 *   its addresses, or, with PC_ENTRY_NODE set, a node's index:
 *   the next 6 bits choose one of the node's 64 children. vector marks
 *   the children that are nodes, which lie contiguous from first_node;
 *   leafvec marks where a run of equal leaves starts, the runs lying
 *   contiguous from first_leaf. A child's index is the count of marks up
 *   to it, so that no node stores empty slots.
 * - A node whose region holds a single longer prefix is a lone node
 *   instead: PC_NODE_LONE in first_node, with the prefix's length below
 *   it, and the prefix itself in vector (its top 64 bits) and leafvec;
 *   an address inside the prefix takes leaf first_leaf + 1, any other
 *   first_leaf. So a relay's /128 costs one step, not one per 6 bits.
 * - A leaf holds the rules for every address under it.
 * - Nodes and leaves are entries of one array, a node's leaves and
 *   children written next to each other, kept in banks (pc_index_banks:
 *   an array of fixed-size arrays per slot), so that a generation takes
 *   the memory it needs, its release is one delete per bank, and a walk
 *   seldom leaves the bank it is in. */
#define PC_ROOT_BITS      20
#define PC_NODE_BITS      6
#define PC_ENTRY_NODE     0x80000000u
#define PC_ENTRY_EMPTY    0x7fffffffu /* a root entry in no set: no leaf */
#define PC_NODE_LONE      0x80000000u
#define PC_INDEX_DEPTH    ((128 - PC_ROOT_BITS + PC_NODE_BITS - 1) / PC_NODE_BITS)
#define PC_BLOCK          16 /* root entries in an array value */
#define PC_ROOT_BLOCKS    ((1 << PC_ROOT_BITS) / PC_BLOCK)
#define PC_BANK_BITS      14 /* entries per bank: 16384, 384 KiB */
#define PC_MAX_BANKS      4096 /* per slot */

struct pc_index_root {
	__u64 hi, lo;           /* the skip bits, an address in host order, */
	__u64 mask_hi, mask_lo; /* and which of its bits they are */
	__u32 skip;             /* how many: 0 .. width - PC_ROOT_BITS */
	__u32 used;             /* 0: the family has no prefix, no index */
};

/* pc_roots[(slot * 2 + family index) * PC_ROOT_BLOCKS + i]: 16 entries,
 * one value, so that an entry takes 4 bytes, not 8. */
struct pc_block {
	__u32 e[PC_BLOCK];
};

struct pc_node {
	__u64 vector;
	__u64 leafvec;
	__u32 first_leaf;
	__u32 first_node;
};

/* A leaf under live table entries with a TTL (cmd `table`) holds until
 * they lapse: until is then the CLOCK_BOOTTIME second
 * (bpf_ktime_get_boot_ns() / 1e9) from which it no longer holds, and next
 * the entry of the leaf that holds from then on, the same region without
 * the entries lapsing first. A region under k timed entries with distinct
 * expiries has a chain of k + 1 leaves, k at most PC_LIVE_CHAIN; until 0
 * (every leaf of a policy without timed entries): the leaf holds for good. */
struct pc_leaf {
	__u64 src; /* rules whose source set holds the addresses */
	__u64 dst; /* rules whose destination set holds them */
	__u32 until;
	__u32 next;
};

#define PC_LIVE_CHAIN 4 /* timed entries with distinct expiries over one address */

/* An entry of the index, as the banks hold it. */
union pc_entry {
	struct pc_node node;
	struct pc_leaf leaf;
};

/* pc_members[slot]: one generation's table members, read only by user
 * space (`rules`), so that the index need not be walked back. */
struct pc_member {
	__u8 family;
	__u8 len;
	__u16 set;     /* index into pc_sets */
	__u8 addr[16]; /* network order */
};

/* pc_live: the live entries of tables (cmd `table`), kept between
 * commands and across apply, which build them into each generation's
 * index. Read and written by user space only. Each entry belongs to a
 * slot, as the generation that holds it: a command writes the entries of
 * its new generation under the slot not in force before it switches, so
 * that the switch puts them in force with it, and a command killed before
 * the switch leaves the entries in force as they were. */
#define PC_MAX_LIVE 65536 /* per slot */

struct pc_live_key {
	char table[PC_NAME_MAX + 1];
	__u8 family;
	__u8 addr[16]; /* network order, host bits 0 */
	__u8 len;      /* after addr: keys sort as pc_prefix_cmp sorts */
	__u8 slot;     /* the generation's slot; 0 in every list user space keeps */
	__u8 pad;
};

struct pc_live_val {
	__u32 until;    /* CLOCK_BOOTTIME second it lapses at; 0: never */
	__u32 pad;
	__u64 added_ns; /* CLOCK_REALTIME when added (or its TTL last set) */
};

/* Answers to rejected packets are limited per source, as Linux limits
 * ICMP errors, so that a flood from spoofed sources does not make
 * portcullis a reflector: 10 a second with a burst of 20 by default
 * (`set reply-limit`, kept in the policy header). */
#define PC_REPLY_RATE        10 /* answers per second */
#define PC_REPLY_INTERVAL_NS (1000000000ULL / PC_REPLY_RATE)
#define PC_REPLY_BURST       20
#define PC_REPLY_SOURCES     32768 /* sources tracked for it, least recent out */
/* Sources tracked by limit rules, least recent out (pc_limit): with the
 * reply limiter's, these keep the default load's maps under 32 MiB. */
#define PC_LIMIT_SOURCES     32768

/* The offenders (pc_offenders, bpf/offenders.h): every blocked, rejected
 * or limited connection attempt adds to the entry of its source, an IPv4
 * /32 or an IPv6 /64. Each CPU keeps the sources of the packets it
 * handles in a set-associative cache: a source has one set of
 * PC_OFFENDER_WAYS entries, and a new source takes the place of the least
 * recent one there. PC_OFFENDER_SOURCES is the default number of sources
 * a CPU holds (attach --offender-sources, rounded up to a power of two);
 * each takes 72 bytes a CPU: 8,192 take 576 KiB on each CPU. */
#define PC_OFFENDER_SOURCES 8192
#define PC_OFFENDER_WAYS    2
/* The window of struct pc_offender.window_attempts, for the alert "a
 * source tried more than N times in 5 minutes". */
#define PC_OFFENDER_WINDOW_NS (300 * 1000000000ULL)

/* What an offender's attempt met. */
enum pc_offence {
	PC_OFF_BLOCKED = 0, /* a block rule */
	PC_OFF_REJECTED,    /* a reject rule */
	PC_OFF_LIMITED,     /* a limit rule, beyond its rate */
	PC_NOFFENCE,
};

/* One source's entry on one CPU. Times are bpf_ktime_get_coarse_ns():
 * CLOCK_MONOTONIC, within a tick. */
struct pc_offender {
	__u8 family;           /* PC_FAMILY_V4 or PC_FAMILY_V6; 0: a free entry */
	__u8 last_proto;       /* PC_PROTO_* of the last attempt */
	__u8 last_rule;        /* index of the rule that decided it */
	__u8 pad;
	__u16 last_port;       /* its destination port */
	__u16 pad2;
	__u8 addr[8];          /* network order: the IPv4 address then 4 zero
				* bytes, or the IPv6 /64 */
	__u32 window_attempts; /* attempts since window_ns */
	__u32 pad3;
	__u64 attempts[PC_NOFFENCE]; /* by enum pc_offence */
	__u64 first_ns;
	__u64 last_ns;
	__u64 window_ns;       /* start of the current window: an attempt
				* PC_OFFENDER_WINDOW_NS after it begins a new one */
};

_Static_assert(sizeof(struct pc_offender) == 72, "the docs give 72 bytes an offender");

/* pc_offenders[i]: the entries of the sources that hash to set i. */
struct pc_offender_set {
	struct pc_offender way[PC_OFFENDER_WAYS];
};

/* pc_reply_limit: a source (IPv4 /32, IPv6 /64) -> the time its next
 * answer is due (GCRA's theoretical arrival time), bpf_ktime_get_ns(). */
struct pc_source_key {
	__u8 family;
	__u8 pad[3];
	__u8 addr[16]; /* network order, host bits 0 */
};

/* pc_limit: (limit rule, source) -> the theoretical arrival time of its
 * next connection attempt, as in pc_reply_limit. The rule is its id
 * (struct pc_rule.id), so that applying the same rule again keeps its
 * buckets. */
struct pc_limit_key {
	__u64 rule;
	struct pc_source_key src;
	__u32 pad;
};

/* pc_ctl[0]: the single word that puts a generation in force. */
struct pc_ctl {
	__u32 active;        /* slot in force, 0 or 1 */
	__u32 offender_mask; /* sets of pc_offenders less one (a power of two
			      * less one), written when the maps are made */
};

/* pc_policy[slot]: one generation's header. */
struct pc_policy_hdr {
	__u64 generation;   /* 0 = slot never written */
	__u64 applied_ns;   /* CLOCK_REALTIME when written */
	__u64 src_any;      /* rules whose source is "any" */
	__u64 src_neg;      /* rules whose source set is negated */
	__u64 dst_any;
	__u64 dst_neg;
	__u64 drop_rules;   /* rules whose action drops the packet */
	__u64 reject_rules; /* of those, the rules that also answer (reject) */
	__u64 v4_rules;     /* rules that apply to IPv4 packets */
	__u64 v6_rules;     /* rules that apply to IPv6 packets */
	__u64 digest;       /* of the compiled policy: equal digests, same policy */
	__u32 nrules;
	__u32 nsets;
	__u32 nitems;       /* port items in pc_port_items[slot] */
	__u32 nprefixes;    /* prefix entries of this slot, both directions */
	__u32 nmembers;     /* entries in pc_members[slot] */
	__u32 banks;        /* banks of pc_index_banks this slot fills */
	__u32 pad0;
	__u32 nlist;        /* entries in pc_list_prefixes for this slot */
	struct pc_index_root index[2]; /* IPv4, IPv6: see pc_roots */
	__u8 malformed;     /* PC_ACT_BLOCK or PC_ACT_PASS */
	__u8 pad[7];
	__u64 limit_rules;  /* rules whose action is limit */
	/* set reply-limit: answers to rejected packets per source; a 0
	 * field takes its default (PC_REPLY_*). */
	__u64 reply_interval_ns; /* between answers: unit / rate */
	__u32 reply_rate;        /* as written, for `rules` */
	__u32 reply_unit;        /* seconds: 1, 60 or 3600 */
	__u32 reply_burst;
	__u32 pad2;
	__u64 log_rules;    /* rules with the log option (bpf/events.h) */
};

/* pc_rules[slot * PC_MAX_RULES + i]: rule i (0-based, evaluation order). */
struct pc_rule {
	__u8 action;      /* enum pc_action */
	__u8 flags;       /* PC_RULE_* */
	__u8 protos;      /* bit (1 << PC_PROTO_x) */
	__u8 src_neg;
	__u8 dst_neg;
	__u8 pad;
	__u16 src_set;    /* index into pc_sets, or PC_SET_NONE */
	__u16 dst_set;
	__u16 rate_unit;  /* seconds per rate unit: 1, 60 or 3600; 0 = no rate */
	__u32 rate;       /* connection attempts per unit */
	__u32 burst;      /* limit: what the compiler made of it, never 0 */
	__u32 pad2;
	__u64 id;         /* limit: a digest of the rule's text, which keys its
			   * buckets (pc_limit_key); 0 for other rules */
};

/* pc_sets[slot * PC_MAX_SETS + i]: an address set that rules refer to. */
struct pc_set {
	char name[PC_NAME_MAX + 1]; /* table name; empty for an inline list */
	__u32 flags;                /* PC_SET_* */
	__u32 nprefixes;
	__u32 first;                /* inline list: its first pc_list_prefixes entry */
	__u32 pad;
};

/* pc_list_prefixes[slot * PC_MAX_LIST_PREFIXES + i]: the members of inline
 * lists, so that rules can be shown without walking the prefix trie. */
struct pc_list_prefix {
	__u8 family;
	__u8 len;
	__u8 pad[2];
	__u8 addr[16]; /* network order */
};

/* pc_ports[slot * PC_PORTS_SLOT + proto * PC_NPORTS + port]. */
struct pc_port {
	__u64 rules;   /* rules that can match this (proto, port); 0 = short path */
	__u32 counter; /* index + 1 into pc_port_cnt; 0 = not counted */
	__u32 pad;
};

/* pc_port_items[slot * PC_MAX_PORT_ITEMS + i]: the ports and ranges that
 * rules name, each with its own counters. */
struct pc_port_item {
	__u64 rules;   /* rules that list this port or range */
	__u8 proto;    /* PC_PROTO_* */
	__u8 pad;
	__u16 lo;
	__u16 hi;
	__u16 pad2;
	__u32 counter; /* index into pc_port_cnt, below PC_PORT_COUNTERS */
	__u32 pad3;
};

/* pc_port_index: (proto, lo, hi) -> index into pc_port_cnt, kept across
 * generations, so that a port's counters survive every apply, even one
 * that leaves the port out for a while. User space only. */
struct pc_port_key {
	__u8 proto;
	__u8 pad;
	__u16 lo;
	__u16 hi;
	__u16 pad2;
};

struct pc_count {
	__u64 packets;
	__u64 bytes;
	__u64 connections; /* TCP SYN without ACK, or any UDP packet */
};

struct pc_port_count {
	struct pc_count v[PC_NVERDICT];
};

/* pc_rule_cnt: what a rule decided, and of that what was dropped (a
 * block rule's every packet, a limit rule's excess attempts). */
struct pc_rule_count {
	struct pc_count all;
	struct pc_count dropped;
};

/* The event log (bpf/events.h): a connection attempt that a rule with
 * the log option decided is one record in the ring buffer pc_events,
 * at most one a second per source (IPv4 /32, IPv6 /64), the sources
 * tracked in the LRU hash pc_event_limit (attach --event-sources). The
 * ring has room for PC_EVENT_RING / (sizeof(struct pc_event) + 8) records
 * (3,640) that the reader (`portcullis log`) has not taken yet. */
#define PC_EVENT_RING    (256 * 1024) /* bytes: a power of two pages */
#define PC_EVENT_SOURCES 8192         /* sources tracked, least recent out */
#define PC_EVENT_INTERVAL_NS 1000000000ULL /* one event a second a source */

/* What became of an attempt to log: the index into pc_reason_totals.events. */
enum pc_event_fate {
	PC_EVENT_EMITTED = 0,
	PC_EVENT_LOST_RING_FULL,    /* the reader is behind: no room in the ring */
	PC_EVENT_LOST_RATE_LIMITED, /* its source had an event less than 1 s ago */
	PC_NEVENT_FATE,
};

#define PC_EVENT_HOOK_XDP 0 /* struct pc_event.hook */
#define PC_EVENT_HOOK_TC  1

/* One record of pc_events. The kernel has no CLOCK_REALTIME for BPF:
 * user space adds the offset of CLOCK_REALTIME from CLOCK_BOOTTIME. */
struct pc_event {
	__u64 boot_ns;    /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
	__u64 generation; /* of the policy whose rule decided */
	__u8 saddr[16];   /* network order; IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u16 sport;      /* host order */
	__u16 dport;
	__u8 family;      /* PC_FAMILY_* */
	__u8 proto;       /* PC_PROTO_* */
	__u8 rule;        /* index in the generation, from 0 */
	__u8 reason;      /* enum pc_reason: its verdict is PC_REASON_VERDICT() */
	__u32 ifindex;    /* of the device the hook runs on, in its namespace */
	__u8 hook;        /* PC_EVENT_HOOK_* */
	__u8 pad[3];
};

/* pc_totals[0]: every frame counted once, by the reason of its verdict,
 * as cilium's metrics map is keyed by drop reason. User space derives the
 * totals by verdict (PC_REASON_VERDICT()) and the named ones from these. */
struct pc_reason_totals {
	__u64 packets;
	__u64 bytes;
	__u64 by_reason[PC_NREASON]; /* packets, by enum pc_reason */
	__u64 events[PC_NEVENT_FATE]; /* logged attempts, by enum pc_event_fate */
};

/* Hooks. */
enum pc_hook {
	PC_HOOK_XDP = 0,
	PC_HOOK_XDP_GENERIC,
	PC_HOOK_TC_EGRESS,
	PC_HOOK_TC_INGRESS,
	PC_NHOOK,
};

/* pc_attach: what portcullis attached where, so that detach and status
 * need no state outside the pin directory. */
struct pc_attach_key {
	__u64 netns;   /* cookie of the network namespace the ifindex is in:
			* unlike its inode, never reused (SO_NETNS_COOKIE, 5.14) */
	__u32 ifindex;
	__u32 hook;    /* enum pc_hook */
};

#define PC_ATTACH_QDISC_CREATED 0x01
/* XDP through libxdp's dispatcher (prog_id: the component program), not
 * portcullis's own bpf_link. */
#define PC_ATTACH_DISPATCHER    0x02

/* Where portcullis runs in libxdp's dispatcher, whose programs run in
 * ascending priority (libxdp's default is 50). After the prefilters that
 * shed a flood before anything else looks at it (xdp-filter runs at 10):
 * what they drop costs portcullis nothing. Before the programs that take
 * the packet away, redirect or AF_XDP capture, which stay at the default:
 * what portcullis stops must never reach them. */
#define PC_XDP_RUN_PRIO 20
/* Chain-call actions: after XDP_PASS the next program runs. XDP_DROP and
 * XDP_TX (the answer of a reject rule, sent back out) end the chain: a
 * packet portcullis stopped is no one else's to see, and a program after
 * it must not forward the frame that became the answer. */

struct pc_attach_val {
	__u32 prog_id;
	__u32 flags;       /* PC_ATTACH_* */
	__u64 attached_ns; /* CLOCK_REALTIME */
	__u64 netns_ino;   /* inode of that namespace, to find it again */
	char ifname[16];
};

#define PC_MAX_ATTACH 256

/* Pin names under the pin directory. Each map is pinned under its own
 * name (bpf/maps.h, reached through the skeleton), so that a map's pin
 * cannot drift from the map; the rest are these. */
#define PC_PIN_PROG_XDP "prog_xdp"
#define PC_PIN_PROG_TC  "prog_tc" /* pinned last: its presence means "loaded" */
/* An XDP link: link_xdp_<network namespace cookie>_<ifindex>. */
#define PC_PIN_LINK_XDP_PREFIX "link_xdp_"
#define PC_PIN_LINK_XDP_FMT    PC_PIN_LINK_XDP_PREFIX "%llu_%u"

#endif /* PORTCULLIS_H */
