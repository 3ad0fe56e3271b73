// SPDX-License-Identifier: GPL-2.0
/*
 * Crafted frames through both programs: see prog_cases.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "prog_cases.h"

const char *const cases_policy[CASES_NPOLICY] = {
	"table <relays>      { 198.51.100.25, 2001:db8:25::/64 }\n"
	"table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
	"table <business>    { 100.64.10.0/24, 2001:db8:1000:10::/64 }\n"
	"pass    proto tcp from <business> to port 25\n"                                      /* 0 */
	"pass    proto tcp to <relays> port 25\n"                                             /* 1 */
	"block   proto tcp from <subscribers> to port 25\n"                                   /* 2 */
	"monitor proto tcp to port { 465, 587, 2525 }\n"                                      /* 3 */
	"block   proto { tcp, udp } from { 203.0.113.0/24, 2001:db8:bad::/48 } to port 1024:65535\n" /* 4 */
	"block   proto udp from !<subscribers> to port 53\n"                                  /* 5 */
	"block   proto tcp from { 192.0.2.0/24, 2001:db8:ffff::/48 } "
	"to !{ 198.51.100.0/24, 2001:db8:25::/48 } port 20:30\n"                              /* 6 */
	"block   proto udp from 2001:db8:ffff::/48 to !2001:db8:25::/48 port 9999\n"         /* 7 */
	"block   proto tcp to port 25\n",                                                     /* 8 */
	/* 1: the same rules; malformed packets pass */
	"set malformed pass\n"
	"table <relays>      { 198.51.100.25, 2001:db8:25::/64 }\n"
	"table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
	"table <business>    { 100.64.10.0/24, 2001:db8:1000:10::/64 }\n"
	"pass    proto tcp from <business> to port 25\n"
	"pass    proto tcp to <relays> port 25\n"
	"block   proto tcp from <subscribers> to port 25\n"
	"monitor proto tcp to port { 465, 587, 2525 }\n",
	/* 2: reject beside block */
	"table <relays>      { 198.51.100.25, 2001:db8:25::/64 }\n"
	"table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
	"pass    proto tcp to <relays> port 25\n"                                             /* 0 */
	"reject  proto tcp from <subscribers> to port 25\n"                                   /* 1 */
	"block   proto tcp to port 25\n"                                                      /* 2 */
	"reject  proto udp from <subscribers> to port 53\n"                                   /* 3 */
	"monitor proto tcp to port 587\n",                                                    /* 4 */
};

static void ext_chain(struct pkt_desc *d, int n, int last_frag_off)
{
	int i;

	d->next_ext = (uint8_t)n;
	for (i = 0; i < n; i++) {
		memset(&d->ext[i], 0, sizeof(d->ext[i]));
		d->ext[i].type = i == 0 ? PKT_EXT_HOP : i == 3 ? PKT_EXT_RT : i == 5 ? PKT_EXT_AH :
			   PKT_EXT_DST;
		d->ext[i].len = (uint8_t)(i % 3);
	}
	if (last_frag_off) {
		d->ext[n - 1].type = PKT_EXT_FRAG;
		d->ext[n - 1].frag_off = (uint16_t)last_frag_off;
		d->ext[n - 1].more = 1;
	}
}

static void apply_tweak(struct pkt_desc *d, enum tweak tw)
{
	int v6 = d->l3 == PKT_L3_IPV6;
	size_t l3 = 14 + 4 * (size_t)d->nvlan;

	switch (tw) {
	case TW_NONE:
		break;
	case TW_ICMP:
		d->proto = v6 ? 58 : 1;
		break;
	case TW_GRE:
		d->proto = 47;
		d->payload = 24;
		break;
	case TW_ESP:
		d->proto = 50;
		d->payload = 24;
		break;
	case TW_ARP:
		d->l3 = PKT_L3_ARP;
		break;
	case TW_ETHERTYPE:
		d->l3 = PKT_L3_NONE;
		d->payload = 46;
		break;
	case TW_3TAGS:
		d->nvlan = 3;
		break;
	case TW_TAG_CUT:
		d->nvlan = 1;
		d->trunc = 16;
		break;
	case TW_IHL6:
		d->opt_len = 4;
		break;
	case TW_IHL15:
		d->opt_len = 40;
		break;
	case TW_IHL4:
		d->ihl = 4;
		break;
	case TW_IHL_PAST:
		d->ihl = 15;
		break;
	case TW_VERSION:
		d->version = v6 ? 4 : 6;
		break;
	case TW_TOTLEN:
		d->tot_len = 19;
		break;
	case TW_IP_CUT:
		d->trunc = (uint16_t)(l3 + (v6 ? 30 : 12));
		break;
	case TW_PAD:
		d->pad = 12;
		break;
	case TW_SHORT_LEN:
		d->tot_len = (uint16_t)(pkt_l4_offset(d) - l3 - (v6 ? 40 : 0) +
					(d->proto == TCP ? 10 : 6));
		break;
	case TW_DOFF4:
		d->doff = 4;
		break;
	case TW_DOFF15:
		d->doff = 15;
		break;
	case TW_TCPOPT:
		d->tcp_opt = 12;
		break;
	case TW_L4_CUT:
		d->trunc = (uint16_t)(pkt_l4_offset(d) + (d->proto == TCP ? 19 : 7));
		break;
	case TW_FRAG_FIRST:
	case TW_FRAG_TINY:
	case TW_FRAG_LATER:
		if (v6) {
			d->next_ext = 1;
			d->ext[0].type = PKT_EXT_FRAG;
			d->ext[0].more = 1;
			d->ext[0].frag_off = tw == TW_FRAG_LATER ? 185 : 0;
		} else {
			d->frag = PKT_IP_MF | (tw == TW_FRAG_LATER ? 185 : 0);
		}
		if (tw == TW_FRAG_TINY)
			d->trunc = (uint16_t)(pkt_l4_offset(d) + 8);
		break;
	case TW_EXT2:
		ext_chain(d, 2, 0);
		break;
	case TW_AH:
		d->next_ext = 1;
		d->ext[0].type = PKT_EXT_AH;
		d->ext[0].len = 4;
		break;
	case TW_EXT8:
	case TW_EXT8_ICMP:
		ext_chain(d, PC_MAX_EXTHDR, 0);
		break;
	case TW_EXT9:
		ext_chain(d, PC_MAX_EXTHDR + 1, 0);
		break;
	case TW_EXT_CUT:
		ext_chain(d, 1, 0);
		d->trunc = (uint16_t)(l3 + 40 + 6);
		break;
	case TW_EXT8_FRAG:
		ext_chain(d, PC_MAX_EXTHDR, 100);
		break;
	}
}

/* Build a case's frame for one family and VLAN depth; 0 if the case does
 * not apply to it. */
static size_t build_case(const struct tcase *c, int family, int nvlan, uint8_t *buf, size_t cap)
{
	struct pkt_desc d;

	if (!(c->flags & (family == PC_FAMILY_V4 ? F4 : F6)))
		return 0;
	if (family == PC_FAMILY_V4)
		pkt_desc_l4(&d, c->src4, c->dst4, c->proto, c->dport, c->tcp_flags);
	else
		pkt_desc_l4(&d, c->src6, c->dst6, c->proto, c->dport, c->tcp_flags);
	d.nvlan = (uint8_t)nvlan;
	apply_tweak(&d, c->tweak);
	return pkt_build(&d, buf, cap);
}

void prog_run_cases(const struct tcase *cases, size_t n, unsigned policy)
{
	static const char *const vlan_name[] = { "", " vlan", " qinq" };
	struct pc_policy p;
	struct pc_stats *before, *after;
	struct expect *e = calloc(1, sizeof(*e));
	uint8_t frame[FRAME_CAP];
	size_t i, ran = 0;
	int bad = 0, fam, nv;

	assert_non_null(e);
	assert_int_equal(prog_parse_policy(cases_policy[policy], &p), 0);
	assert_int_equal(prog_apply_policy(&p), 0);
	before = stats_read_fresh();

	for (i = 0; i < n; i++) {
		const struct tcase *c = &cases[i];

		if (c->policy != policy)
			continue;
		for (fam = PC_FAMILY_V4; fam <= PC_FAMILY_V6; fam += 2) {
			for (nv = 0; nv <= ((c->flags & ONCE) ? 0 : 2); nv++) {
				char what[160];
				struct outcome o;
				size_t len = build_case(c, fam, nv, frame, sizeof(frame));

				if (!len)
					continue;
				snprintf(what, sizeof(what), "%s (IPv%d%s)", c->name, fam,
					 vlan_name[nv]);
				classify_all(&p, frame, len, &o, e);
				ran++;
				if (o.ref.cls != c->cls || (int)o.ref.verdict != (int)c->verdict ||
				    o.ref.rule != c->rule) {
					printf("# the reference disagrees with the table: %s: %s %s "
					       "rule %d, table says %s %s rule %d\n",
					       what, class_name(o.ref.cls), verdict_name(o.ref.verdict),
					       o.ref.rule, class_name(c->cls), verdict_name(c->verdict),
					       c->rule);
					bad++;
				}
				if (!programs_agree(&o, (int)c->verdict) ||
				    !programs_agree(&o, (int)o.ref.verdict)) {
					print_outcome(what, frame, len, &o);
					bad++;
				}
			}
		}
	}
	after = stats_read();
	bad += check_counters(before, after, e, p.nrules);
	printf("# policy %u: %zu frames through xdp and tc (tc refused %zu short ones)\n", policy,
	       ran, tc_not_run);
	tc_not_run = 0;
	free(before);
	free(after);
	free(e);
	pc_policy_free(&p);
	assert_int_equal(bad, 0);
}
