/* SPDX-License-Identifier: GPL-2.0 */
/* The one classifier that every hook runs: parse, decide by the policy in
 * force, count. The cost does not grow with the number of rules: a port
 * lookup yields the candidate rules as a bit mask, at most one prefix
 * lookup per direction narrows it, and the lowest bit left decides. */
#ifndef PC_BPF_CLASSIFY_H
#define PC_BPF_CLASSIFY_H

#include "maps.h"
#include "parse.h"

enum pc_decision {
	PC_DECIDE_PASS = 0,
	PC_DECIDE_DROP,
};

/* Prefix membership: the rules whose address set, for this direction,
 * holds the address. The only place that knows how sets are stored. */
static __always_inline __u64 pc_addr_rules(struct pc_lpm_key *key, __u8 dir, const void *addr,
					    const void *end)
{
	struct pc_lpm_val *val;

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
	val = bpf_map_lookup_elem(&pc_prefixes, key);
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

static __always_inline void pc_count(struct pc_count *c, __u64 len, __u8 conn)
{
	c->packets++;
	c->bytes += len;
	c->connections += conn;
}

static __always_inline int pc_verdict(struct pc_totals *t, int drop)
{
	if (drop) {
		t->dropped++;
		return PC_DECIDE_DROP;
	}
	t->passed++;
	return PC_DECIDE_PASS;
}

/* Decide the fate of one parsed frame of len bytes, as seen by the hook,
 * and count it. */
static __always_inline int pc_decide(int cls, const struct pc_pkt *pkt, __u64 len)
{
	struct pc_policy_hdr *hdr;
	struct pc_port_count *pc;
	struct pc_totals *t;
	struct pc_port *port;
	struct pc_ctl *ctl;
	__u32 zero = 0, slot, idx;
	__u64 cand;
	int drop = 0;

	t = bpf_map_lookup_elem(&pc_totals, &zero);
	ctl = bpf_map_lookup_elem(&pc_ctl, &zero);
	if (!t || !ctl)
		return PC_DECIDE_PASS;
	t->packets++;
	t->bytes += len;
	slot = ctl->active & 1;

	if (cls == PC_CLS_OTHER) {
		t->other++;
		return pc_verdict(t, 0);
	}
	if (cls == PC_CLS_FRAGMENT) {
		t->fragments++;
		return pc_verdict(t, 0);
	}
	if (cls == PC_CLS_MALFORMED) {
		t->malformed++;
		hdr = bpf_map_lookup_elem(&pc_policy, &slot);
		return pc_verdict(t, !hdr || hdr->malformed != PC_ACT_PASS);
	}

	idx = slot * PC_PORTS_SLOT + pkt->proto * PC_NPORTS + pkt->dport;
	port = bpf_map_lookup_elem(&pc_ports, &idx);
	if (!port || !port->rules)
		return pc_verdict(t, 0); /* the short path: no rule names this port */

	hdr = bpf_map_lookup_elem(&pc_policy, &slot);
	if (!hdr)
		return pc_verdict(t, 0);
	/* A rule whose addresses are all of one family applies to it alone. */
	cand = port->rules & (pkt->family == PC_FAMILY_V4 ? hdr->v4_rules : hdr->v6_rules);
	if ((cand & ~hdr->src_any) || (cand & ~hdr->dst_any)) {
		struct pc_lpm_key key = {
			.prefixlen = PC_LPM_KEY_BITS + (pkt->family == PC_FAMILY_V4 ? 32 : 128),
			.slot = slot,
			.family = pkt->family,
		};

		if (cand & ~hdr->src_any)
			cand &= hdr->src_any |
				(pc_addr_rules(&key, PC_DIR_SRC, pkt->saddr, pkt->end) ^ hdr->src_neg);
		if (cand & ~hdr->dst_any)
			cand &= hdr->dst_any |
				(pc_addr_rules(&key, PC_DIR_DST, pkt->daddr, pkt->end) ^ hdr->dst_neg);
	}
	if (cand) {
		__u32 first = pc_first_rule(cand);
		__u32 ridx = slot * PC_MAX_RULES + first;
		struct pc_count *rc = bpf_map_lookup_elem(&pc_rule_cnt, &ridx);

		drop = (hdr->drop_rules >> first) & 1;
		if (rc)
			pc_count(rc, len, pkt->conn);
	}
	if (port->counter) {
		idx = port->counter - 1;
		pc = bpf_map_lookup_elem(&pc_port_cnt, &idx);
		if (pc)
			pc_count(&pc->v[drop ? PC_V_DROPPED : PC_V_PASSED], len, pkt->conn);
	}
	return pc_verdict(t, drop);
}

#endif /* PC_BPF_CLASSIFY_H */
