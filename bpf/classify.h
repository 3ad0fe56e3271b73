/* SPDX-License-Identifier: GPL-2.0 */
/* The one classifier that every hook runs: parse, decide by the policy in
 * force, count. The cost does not grow with the number of rules: a port
 * lookup yields the candidate rules as a bit mask, at most one walk of the
 * address index per direction narrows it, and the lowest bit left
 * decides.
 * Every verdict carries a reason (enum pc_reason); one function,
 * pc_account(), counts the frame under its reason and gives the verdict
 * that the hook acts on. A rule with the log option also has its
 * connection attempts logged (events.h), before the hook acts. */
#ifndef PC_BPF_CLASSIFY_H
#define PC_BPF_CLASSIFY_H

#include "events.h"
#include "frame.h"
#include "hook.h"
#include "maps.h"
#include "offenders.h"
#include "parse.h"
#include "rate.h"

/* The address shifted left by pos bits (below 128), as a 128-bit number:
 * then its next bits are the top bits of *hi. Without a branch, so that
 * the verifier need not follow one. */
static __always_inline void pc_shift(__u64 *hi, __u64 *lo, __u32 pos)
{
	__u64 second = -(__u64)((pos >> 6) & 1); /* all ones from bit 64 on */
	__u64 a = (*lo & second) | (*hi & ~second), b = *lo & ~second;
	__u32 sh = pos & 63;

	*hi = (a << sh) | ((b >> 1) >> (63 - sh));
	*lo = b << sh;
}

/* Is the address (hi, lo) inside the prefix (phi, plo)/len, len >= 1? */
static __always_inline int pc_in_prefix(__u64 hi, __u64 lo, __u64 phi, __u64 plo, __u32 len)
{
	__u64 mask_hi = len >= 64 ? ~0ULL : ~0ULL << (64 - len);
	__u64 mask_lo = len <= 64 ? 0 : ~0ULL << (128 - len);

	return !(((hi ^ phi) & mask_hi) | ((lo ^ plo) & mask_lo));
}

/* BPF has no population count instruction. */
static __always_inline __u32 pc_popcount(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/* Entry i of the address index of slot, through the bank that *bank_no
 * names (looked up again only when i lies in another one). */
static __always_inline union pc_entry *pc_index_entry(__u32 slot, __u32 i, void **bank,
						      __u32 *bank_no)
{
	__u32 key;

	if (!*bank || i >> PC_BANK_BITS != *bank_no) {
		*bank_no = i >> PC_BANK_BITS;
		key = slot * PC_MAX_BANKS + *bank_no;
		*bank = bpf_map_lookup_elem(&pc_index_banks, &key);
		if (!*bank)
			return NULL;
	}
	key = i & ((1 << PC_BANK_BITS) - 1);
	return bpf_map_lookup_elem(*bank, &key);
}

/* The rules of leaf e of slot's index in direction dir, whose until is
 * set: the first leaf of its chain that has not lapsed. Global, so that
 * the verifier checks it once, and only leaves under timed live entries
 * come here (bpf_ktime_get_boot_ns: Linux 5.8). */
__noinline __u64 pc_live_leaf_rules(__u32 slot, __u32 e, __u32 dir)
{
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 bank_no = 0, i;
	union pc_entry *x;
	void *bank = NULL;

	for (i = 0; i <= PC_LIVE_CHAIN; i++) {
		x = pc_index_entry(slot, e, &bank, &bank_no);
		if (!x)
			return 0;
		if (!x->leaf.until || now < (__u64)x->leaf.until * 1000000000ULL)
			return dir == PC_DIR_SRC ? x->leaf.src : x->leaf.dst;
		e = x->leaf.next;
	}
	return 0;
}

/* The rules whose set in direction dir holds an address (hi, lo: as
 * addr_index.c numbers it) of family index f, by the address index of
 * slot: a root entry, then a node per 6 bits until a leaf or a lone node,
 * each step one dependent read. The only place that knows how sets are
 * stored. */
static __always_inline __u64 pc_index_rules(const struct pc_index_root *r, __u32 slot, __u32 f,
					     __u64 hi, __u64 lo, int dir)
{
	__u64 next_hi = hi, next_lo = lo; /* the address from the next bits on */
	__u32 p, e, key, depth, bank_no = 0;
	union pc_entry *x;
	struct pc_block *blk;
	void *bank = NULL;
	__u64 upto;

	if (!r->used || ((hi ^ r->hi) & r->mask_hi) | ((lo ^ r->lo) & r->mask_lo))
		return 0; /* outside the bits every prefix starts with */
	pc_shift(&next_hi, &next_lo, r->skip);
	p = next_hi >> (64 - PC_ROOT_BITS);
	key = (slot * 2 + f) * PC_ROOT_BLOCKS + p / PC_BLOCK;
	blk = bpf_map_lookup_elem(&pc_roots, &key);
	if (!blk)
		return 0;
	e = blk->e[p % PC_BLOCK];
	if (e == PC_ENTRY_EMPTY)
		return 0;
	next_hi = next_hi << PC_ROOT_BITS | next_lo >> (64 - PC_ROOT_BITS);
	next_lo <<= PC_ROOT_BITS;
	for (depth = 0; depth < PC_INDEX_DEPTH && (e & PC_ENTRY_NODE); depth++) {
		x = pc_index_entry(slot, e & ~PC_ENTRY_NODE, &bank, &bank_no);
		if (!x)
			return 0;
		if (x->node.first_node & PC_NODE_LONE) {
			e = x->node.first_leaf + pc_in_prefix(hi, lo, x->node.vector, x->node.leafvec,
							      x->node.first_node & 0xff);
			break;
		}
		p = next_hi >> (64 - PC_NODE_BITS);
		next_hi = next_hi << PC_NODE_BITS | next_lo >> (64 - PC_NODE_BITS);
		next_lo <<= PC_NODE_BITS;
		upto = (2ULL << p) - 1; /* bits 0..p */
		if (!((x->node.vector >> p) & 1)) {
			e = x->node.first_leaf + pc_popcount(x->node.leafvec & upto) - 1;
			break;
		}
		e = PC_ENTRY_NODE | (x->node.first_node + pc_popcount(x->node.vector & upto) - 1);
	}
	if (e & PC_ENTRY_NODE)
		return 0;
	x = pc_index_entry(slot, e, &bank, &bank_no);
	if (!x)
		return 0;
	if (x->leaf.until)
		return pc_live_leaf_rules(slot, e, dir);
	return dir == PC_DIR_SRC ? x->leaf.src : x->leaf.dst;
}

/* The address at addr as pc_index_rules() takes it. */
static __always_inline int pc_addr_bits(const struct pc_pkt *pkt, const void *addr, __u64 *hi,
					__u64 *lo)
{
	/* The parser checked these bounds; the check is repeated because the
	 * verifier may no longer know which family this path is. */
	if (pkt->family == PC_FAMILY_V6) {
		__u64 a[2];

		if (addr + 16 > pkt->end)
			return -1;
		__builtin_memcpy(a, addr, 16);
		*hi = bpf_be64_to_cpu(a[0]);
		*lo = bpf_be64_to_cpu(a[1]);
	} else {
		__u32 a;

		if (addr + 4 > pkt->end)
			return -1;
		__builtin_memcpy(&a, addr, 4);
		*hi = (__u64)bpf_ntohl(a) << 32;
		*lo = 0;
	}
	return 0;
}

/* Index of the lowest set bit of a non-zero mask: the first rule. */
static __always_inline __u32 pc_first_rule(__u64 m)
{
	__u32 n = 0;

	if (!(m & 0xffffffffULL)) { n += 32; m >>= 32; }
	if (!(m & 0xffffULL))     { n += 16; m >>= 16; }
	if (!(m & 0xffULL))       { n += 8;  m >>= 8; }
	if (!(m & 0xfULL))        { n += 4;  m >>= 4; }
	if (!(m & 0x3ULL))        { n += 2;  m >>= 2; }
	if (!(m & 0x1ULL))        { n += 1; }
	return n;
}

/* What one frame adds to the counters besides the totals. */
struct pc_hit {
	enum pc_reason reason;
	struct pc_rule_count *rule; /* the deciding rule's counters, or NULL */
	struct pc_port_count *port; /* the port item's counters, or NULL */
};

static __always_inline void pc_count_add(struct pc_count *c, const struct pc_frame *f, __u8 conn)
{
	c->packets += f->packets;
	c->bytes += f->len;
	c->connections += conn;
}

/* The one place a verdict is counted: the totals by reason, the deciding
 * rule, the port item under the verdict. It returns the verdict, so that
 * what is counted is what the hook does. Connection attempts count once
 * per frame, GSO or not. */
static __always_inline enum pc_verdict pc_account(struct pc_reason_totals *t,
						  const struct pc_frame *f,
						  const struct pc_hit *h, __u8 conn)
{
	__u32 reason = h->reason;
	enum pc_verdict v = PC_REASON_VERDICT(reason);

	t->packets += f->packets;
	t->bytes += f->len;
	if (reason < PC_NREASON) /* for the verifier: reason is always below */
		t->by_reason[reason] += f->packets;
	if (h->rule) {
		pc_count_add(&h->rule->all, f, conn);
		if (v == PC_V_DROPPED)
			pc_count_add(&h->rule->dropped, f, conn);
	}
	if (h->port)
		pc_count_add(&h->port->v[v], f, conn);
	return v;
}

/* The rules whose set in direction dir holds the packet's address there;
 * 0 where it cannot be read. */
static __always_inline __u64 pc_addr_rules(const struct pc_policy_hdr *hdr, __u32 slot,
					    const struct pc_pkt *pkt, int dir)
{
	__u32 f = pkt->family == PC_FAMILY_V6;
	__u64 hi, lo;

	if (pc_addr_bits(pkt, dir == PC_DIR_SRC ? pkt->saddr : pkt->daddr, &hi, &lo))
		return 0;
	return pc_index_rules(&hdr->index[f], slot, f, hi, lo, dir);
}

/* The rules of cand that hold for this packet's family and addresses. */
static __always_inline __u64 pc_match_addrs(const struct pc_policy_hdr *hdr, __u64 cand,
					     const struct pc_pkt *pkt, __u32 slot)
{
	/* A rule whose addresses are all of one family applies to it alone. */
	cand &= pkt->family == PC_FAMILY_V6 ? hdr->v6_rules : hdr->v4_rules;
	if (cand & ~hdr->src_any)
		cand &= hdr->src_any | (pc_addr_rules(hdr, slot, pkt, PC_DIR_SRC) ^ hdr->src_neg);
	if (cand & ~hdr->dst_any)
		cand &= hdr->dst_any | (pc_addr_rules(hdr, slot, pkt, PC_DIR_DST) ^ hdr->dst_neg);
	return cand;
}

/* May one more packet from the source src (pc_source_bits(): an IPv4
 * /32 or an IPv6 /64) pass limit rule pc_rules[key]? Only a connection
 * attempt (conn) takes from the bucket. A global function (5.6), taking
 * scalars, so that the verifier checks it once. */
__noinline int pc_limit_allowed(__u32 key, __u32 conn, __u32 family, __u64 src)
{
	struct pc_limit_key lk = { .src.family = family };
	__u64 be = bpf_cpu_to_be64(src);
	struct pc_rule *r;

	if (!conn)
		return 1;
	r = bpf_map_lookup_elem(&pc_rules, &key);
	if (!r || !r->rate)
		return 1;
	lk.rule = r->id;
	__builtin_memcpy(lk.src.addr, &be, 8);
	return pc_rate_allow(&pc_limit, &lk, r->rate_unit * 1000000000ULL / r->rate, r->burst);
}

/* The source of pkt as limit rules count it: its top 64 bits in host
 * order, the low 32 of them cleared for IPv4 (whose 8 bytes read here
 * end with the destination). Without a branch on the family, which
 * would double the verifier's paths. */
static __always_inline __u64 pc_source_bits(const struct pc_pkt *pkt)
{
	__u64 a;

	if (pkt->saddr + 8 > pkt->end)
		return 0;
	__builtin_memcpy(&a, pkt->saddr, 8);
	return bpf_be64_to_cpu(a) & (~0ULL << (32 - 32 * ((pkt->family >> 1) & 1)));
}

/* The offence of a rule's reason that stops the packet. */
static __always_inline __u32 pc_offence_of(enum pc_reason reason)
{
	return reason == PC_R_DROP_RULE ? PC_OFF_BLOCKED :
	       reason == PC_R_REJECT_RULE ? PC_OFF_REJECTED : PC_OFF_LIMITED;
}

/* The reason rule decides pkt with; a limit rule takes one attempt from
 * the packet's source's bucket, and drops it when there is none left.
 * The rest of a connection is not an attempt: it passes untouched. A
 * packet that the rule stops goes to its source's offender entry. */
static __always_inline enum pc_reason pc_rule_reason(const struct pc_policy_hdr *hdr, __u32 slot,
						     __u32 rule, const struct pc_pkt *pkt)
{
	enum pc_reason reason;

	if ((hdr->reject_rules >> rule) & 1)
		reason = PC_R_REJECT_RULE;
	else if ((hdr->drop_rules >> rule) & 1)
		reason = PC_R_DROP_RULE;
	else if (!((hdr->limit_rules >> rule) & 1) ||
		 pc_limit_allowed(slot * PC_MAX_RULES + rule, pkt->conn, pkt->family,
				  pc_source_bits(pkt)))
		return PC_R_PASS_RULE;
	else
		reason = PC_R_DROP_LIMIT;
	pc_offender_add(pkt->conn, pkt->family, pc_source_bits(pkt), pc_offence_of(reason),
			PC_OFFENDER_LAST(pkt->dport, pkt->proto, rule));
	return reason;
}

/* A TCP or UDP packet with its ports: the first rule that matches; lg
 * is filled when that rule logs the attempt pkt. */
static __always_inline void pc_judge_l4(struct pc_hit *h, const struct pc_pkt *pkt, __u32 slot,
					struct pc_log *lg)
{
	__u32 idx = slot * PC_PORTS_SLOT + pkt->proto * PC_NPORTS + pkt->dport;
	struct pc_policy_hdr *hdr;
	struct pc_port *port;
	__u64 cand;

	h->reason = PC_R_PASS_NO_RULE;
	port = bpf_map_lookup_elem(&pc_ports, &idx);
	if (!port || !port->rules)
		return; /* the short path: no rule names this port */
	hdr = bpf_map_lookup_elem(&pc_policy, &slot);
	if (!hdr)
		return;
	cand = pc_match_addrs(hdr, port->rules, pkt, slot);
	if (cand) {
		__u32 first = pc_first_rule(cand);

		idx = slot * PC_MAX_RULES + first;
		h->rule = bpf_map_lookup_elem(&pc_rule_cnt, &idx);
		h->reason = pc_rule_reason(hdr, slot, first, pkt);
		/* Without a branch: the verifier's paths split once, where
		 * the hook tests lg->wanted, not here and on until there. */
		lg->wanted = pkt->conn & (hdr->log_rules >> first) & 1;
		lg->rule = first;
		lg->reason = h->reason;
		lg->generation = hdr->generation;
	}
	if (port->counter) {
		idx = port->counter - 1;
		h->port = bpf_map_lookup_elem(&pc_port_cnt, &idx);
	}
}

/* Decide the fate of one parsed frame by the policy in force, and count
 * it; lg says whether to log it. */
static __always_inline enum pc_verdict pc_decide(int cls, const struct pc_pkt *pkt,
						 const struct pc_frame *f, struct pc_log *lg)
{
	struct pc_hit h = { .reason = PC_R_PASS_OTHER };
	struct pc_policy_hdr *hdr;
	struct pc_reason_totals *t;
	struct pc_ctl *ctl;
	__u32 zero = 0, slot;

	t = bpf_map_lookup_elem(&pc_totals, &zero);
	ctl = bpf_map_lookup_elem(&pc_ctl, &zero);
	if (!t || !ctl)
		return PC_V_PASSED;
	slot = ctl->active & 1;

	if (cls == PC_CLS_FRAGMENT) {
		h.reason = PC_R_PASS_FRAGMENT;
	} else if (cls == PC_CLS_MALFORMED) {
		hdr = bpf_map_lookup_elem(&pc_policy, &slot);
		h.reason = hdr && hdr->malformed == PC_ACT_PASS ? PC_R_PASS_MALFORMED :
								  PC_R_DROP_MALFORMED;
	} else if (cls == PC_CLS_L4) {
		pc_judge_l4(&h, pkt, slot, lg);
	}
	return pc_account(t, f, &h, pkt->conn);
}

/* The one path of every hook: parse what the hook shows; when that holds
 * no ports and the hook can show more, parse again; decide, count, log
 * what a rule with log decided, and return the hook's action. */
#define pc_classify(ctx)                                                      \
	({                                                                    \
		struct pc_frame f_;                                           \
		struct pc_pkt pkt_ = {};                                      \
		struct pc_log log_ = {};                                      \
		enum pc_verdict v_;                                           \
		int cls_;                                                     \
									      \
		ctx_view(ctx, &f_);                                           \
		cls_ = pc_parse(f_.data, f_.end, &pkt_);                      \
		if ((cls_ == PC_CLS_MALFORMED || cls_ == PC_CLS_OTHER) &&     \
		    ctx_pull(ctx, &f_)) {                                     \
			__builtin_memset(&pkt_, 0, sizeof(pkt_));             \
			cls_ = pc_parse(f_.data, f_.end, &pkt_);              \
		}                                                             \
		v_ = pc_decide(cls_, &pkt_, &f_, &log_);                      \
		if (log_.wanted)                                              \
			ctx_log(ctx, pc_event_pack(&pkt_, &log_), pkt_.l3_off,\
				log_.generation);                             \
		ctx_action(ctx, v_, &f_, &pkt_);                              \
	})

#endif /* PC_BPF_CLASSIFY_H */
