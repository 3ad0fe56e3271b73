/* SPDX-License-Identifier: GPL-2.0 */
/* The one classifier that every hook runs: parse, decide by the policy in
 * force, count. The cost does not grow with the number of rules: a port
 * lookup yields the candidate rules as a bit mask, at most one prefix
 * lookup per direction narrows it, and the lowest bit left decides.
 * Every verdict carries a reason (enum pc_reason); one function,
 * pc_account(), counts the frame under its reason and gives the verdict
 * that the hook acts on. */
#ifndef PC_BPF_CLASSIFY_H
#define PC_BPF_CLASSIFY_H

#include "frame.h"
#include "hook.h"
#include "maps.h"
#include "parse.h"

/* Prefix membership: the rules whose address set, for this direction,
 * holds the address, in the generation's trie (NULL: no trie, no sets).
 * The only place that knows how sets are stored. */
static __always_inline __u64 pc_addr_rules(void *trie, struct pc_lpm_key *key, __u8 dir,
					    const void *addr, const void *end)
{
	struct pc_lpm_val *val;

	if (!trie)
		return 0;
	/* The parser checked these bounds; the check is repeated because the
	 * verifier may no longer know which family this path is. */
	key->dir = dir;
	if (key->family == PC_FAMILY_V4) {
		if (addr + 4 > end)
			return 0;
		__builtin_memcpy(key->addr, addr, 4);
	} else {
		if (addr + 16 > end)
			return 0;
		__builtin_memcpy(key->addr, addr, 16);
	}
	val = bpf_map_lookup_elem(trie, key);
	return val ? val->rules : 0;
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
	struct pc_count *rule;      /* the deciding rule's counters, or NULL */
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
	if (h->rule)
		pc_count_add(h->rule, f, conn);
	if (h->port)
		pc_count_add(&h->port->v[v], f, conn);
	return v;
}

/* The rules of cand that hold for this packet's family and addresses. */
static __always_inline __u64 pc_match_addrs(const struct pc_policy_hdr *hdr, __u64 cand,
					     const struct pc_pkt *pkt, __u32 slot)
{
	struct pc_lpm_key key;
	void *trie;

	/* A rule whose addresses are all of one family applies to it alone. */
	cand &= pkt->family == PC_FAMILY_V4 ? hdr->v4_rules : hdr->v6_rules;
	if (!(cand & ~(hdr->src_any & hdr->dst_any)))
		return cand; /* no candidate names addresses: no prefix lookup */
	trie = bpf_map_lookup_elem(&pc_prefixes, &slot);
	__builtin_memset(&key, 0, sizeof(key));
	key.prefixlen = PC_LPM_KEY_BITS + (pkt->family == PC_FAMILY_V4 ? 32 : 128);
	key.family = pkt->family;
	if (cand & ~hdr->src_any)
		cand &= hdr->src_any |
			(pc_addr_rules(trie, &key, PC_DIR_SRC, pkt->saddr, pkt->end) ^ hdr->src_neg);
	if (cand & ~hdr->dst_any)
		cand &= hdr->dst_any |
			(pc_addr_rules(trie, &key, PC_DIR_DST, pkt->daddr, pkt->end) ^ hdr->dst_neg);
	return cand;
}

static __always_inline enum pc_reason pc_rule_reason(const struct pc_policy_hdr *hdr, __u32 rule)
{
	if ((hdr->reject_rules >> rule) & 1)
		return PC_R_REJECT_RULE;
	if ((hdr->drop_rules >> rule) & 1)
		return PC_R_DROP_RULE;
	return PC_R_PASS_RULE;
}

/* A TCP or UDP packet with its ports: the first rule that matches. */
static __always_inline void pc_judge_l4(struct pc_hit *h, const struct pc_pkt *pkt, __u32 slot)
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
		h->reason = pc_rule_reason(hdr, first);
	}
	if (port->counter) {
		idx = port->counter - 1;
		h->port = bpf_map_lookup_elem(&pc_port_cnt, &idx);
	}
}

/* Decide the fate of one parsed frame by the policy in force, and count it. */
static __always_inline enum pc_verdict pc_decide(int cls, const struct pc_pkt *pkt,
						 const struct pc_frame *f)
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
		pc_judge_l4(&h, pkt, slot);
	}
	return pc_account(t, f, &h, pkt->conn);
}

/* The one path of every hook: parse what the hook shows; when that holds
 * no ports and the hook can show more, parse again; decide, count, and
 * return the hook's action. */
#define pc_classify(ctx)                                                      \
	({                                                                    \
		struct pc_frame f_;                                           \
		struct pc_pkt pkt_ = {};                                      \
		int cls_;                                                     \
									      \
		ctx_view(ctx, &f_);                                           \
		cls_ = pc_parse(f_.data, f_.end, &pkt_);                      \
		if ((cls_ == PC_CLS_MALFORMED || cls_ == PC_CLS_OTHER) &&     \
		    ctx_pull(ctx, &f_)) {                                     \
			__builtin_memset(&pkt_, 0, sizeof(pkt_));             \
			cls_ = pc_parse(f_.data, f_.end, &pkt_);              \
		}                                                             \
		ctx_action(ctx, pc_decide(cls_, &pkt_, &f_));                 \
	})

#endif /* PC_BPF_CLASSIFY_H */
