// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel programs under BPF_PROG_TEST_RUN, checked against the
 * reference classifier (user/refclass.c): a table of crafted frames, then a
 * differential run of random and mutated frames under several policies.
 * After each, every counter the programs keep must equal what the
 * reference results add up to. Needs root (or CAP_BPF + CAP_NET_ADMIN).
 *
 * PC_SEED=N repeats a run; PC_DIFF_FRAMES=N sets the frames per policy
 * (default 40000); PC_SHOW_POLICY=1 prints the generated policies.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "compiler.h"
#include "loader.h"
#include "pkt.h"
#include "refclass.h"

#define FRAME_CAP 2048
#define MAX_REPORT 5 /* mismatches printed in full per test */
#define NOT_RUN (-2)   /* a verdict: the kernel would not run this frame */

static struct pc_loaded L;
static uint64_t seed;

/* ---- policies, programs and verdicts ------------------------------------ */

static int parse_policy(const char *text, struct pc_policy *p)
{
	struct pc_diag d = { .out = stderr };

	memset(p, 0, sizeof(*p));
	if (pc_policy_parse_string("test", text, p, &d) != 0) {
		printf("# the policy does not parse (errors on stderr)\n");
		return -1;
	}
	return 0;
}

/* Compile p and put it in force. */
static int apply_policy(const struct pc_policy *p)
{
	struct pc_diag d = { .out = stderr };
	struct pc_compiled *c = calloc(1, sizeof(*c));
	int err = -1;

	if (!c)
		return -1;
	if (pc_compile(p, c, &d, 0) != 0) {
		printf("# policy does not compile\n");
		goto out;
	}
	err = pc_maps_apply(&L.maps, c);
	if (err)
		printf("# pc_maps_apply: %s\n", strerror(-err));
out:
	pc_compiled_free(c);
	free(c);
	return err;
}

static int xdp_verdict(__u32 ret)
{
	switch (ret) {
	case XDP_PASS:
		return PC_V_PASSED;
	case XDP_DROP:
		return PC_V_DROPPED;
	case XDP_TX:
		return PC_V_REJECTED;
	default:
		return -1;
	}
}

static int tc_verdict(__u32 ret)
{
	switch (ret) {
	case TC_ACT_OK:
		return PC_V_PASSED;
	case TC_ACT_SHOT:
		return PC_V_DROPPED;
	case TC_ACT_REDIRECT:
		return PC_V_REJECTED;
	default:
		return -1;
	}
}

/* Run one frame once; the verdict, or -1 (with the cause printed). */
static int prog_run(int fd, int xdp, const uint8_t *frame, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(fd, &o);

	if (err) {
		printf("# BPF_PROG_TEST_RUN (%s, %zu bytes): %s\n", xdp ? "xdp" : "tc", len,
		       strerror(errno));
		return -1;
	}
	return xdp ? xdp_verdict(o.retval) : tc_verdict(o.retval);
}

static const char *verdict_name(int v)
{
	switch (v) {
	case NOT_RUN:
		return "not run";
	case PC_V_PASSED:
		return "passed";
	case PC_V_DROPPED:
		return "dropped";
	case PC_V_REJECTED:
		return "rejected";
	default:
		return "?";
	}
}

static const char *class_name(int c)
{
	switch (c) {
	case PC_REF_L4:
		return "l4";
	case PC_REF_OTHER:
		return "other";
	case PC_REF_FRAGMENT:
		return "fragment";
	case PC_REF_MALFORMED:
		return "malformed";
	default:
		return "?";
	}
}

/* ---- counters ------------------------------------------------------------ */

struct port_expect {
	__u8 proto;
	__u16 lo, hi;
	struct pc_port_count c;
};

/* What the counters must have gained, from the reference results. */
struct expect {
	struct pc_totals t;
	struct pc_count rules[PC_MAX_RULES];
	struct port_expect ports[PC_MAX_PORT_ITEMS];
	size_t nports;
};

static void count_add(struct pc_count *c, size_t len, int conn)
{
	c->packets++;
	c->bytes += len;
	c->connections += conn ? 1 : 0;
}

/* One run of one frame through one program. */
static void expect_add(struct expect *e, const struct pc_ref_result *r, size_t len)
{
	size_t i;

	e->t.packets++;
	e->t.bytes += len;
	if (r->verdict == PC_V_DROPPED)
		e->t.dropped++;
	else if (r->verdict == PC_V_REJECTED)
		e->t.rejected++;
	else
		e->t.passed++;
	if (r->cls == PC_REF_MALFORMED)
		e->t.malformed++;
	else if (r->cls == PC_REF_FRAGMENT)
		e->t.fragments++;
	else if (r->cls == PC_REF_OTHER)
		e->t.other++;
	if (r->rule >= 0 && r->rule < PC_MAX_RULES)
		count_add(&e->rules[r->rule], len, r->connection);
	if (r->item_lo < 0)
		return;
	for (i = 0; i < e->nports; i++)
		if (e->ports[i].proto == r->proto && e->ports[i].lo == r->item_lo &&
		    e->ports[i].hi == r->item_hi)
			break;
	if (i == e->nports) {
		if (e->nports == PC_MAX_PORT_ITEMS)
			return;
		e->ports[i].proto = (__u8)r->proto;
		e->ports[i].lo = (__u16)r->item_lo;
		e->ports[i].hi = (__u16)r->item_hi;
		e->nports++;
	}
	count_add(&e->ports[i].c.v[r->verdict], len, r->connection);
}

static struct pc_stats *stats_read(void)
{
	struct pc_stats *s = calloc(1, sizeof(*s));
	int err;

	assert_non_null(s);
	err = pc_maps_read_stats(&L.maps, s);
	if (err)
		printf("# pc_maps_read_stats: %s\n", strerror(-err));
	assert_int_equal(err, 0);
	return s;
}

/* The counters right after an apply: per-rule counters start again with
 * each generation (the spec), so they must read zero. */
static struct pc_stats *stats_read_fresh(void)
{
	struct pc_stats *s = stats_read();
	size_t i;

	for (i = 0; i < s->nrules; i++) {
		if (s->rules[i].count.packets || s->rules[i].count.bytes ||
		    s->rules[i].count.connections)
			printf("# rule %zu of a new generation starts at %llu packets\n", i,
			       (unsigned long long)s->rules[i].count.packets);
		assert_int_equal(s->rules[i].count.packets, 0);
		assert_int_equal(s->rules[i].count.bytes, 0);
		assert_int_equal(s->rules[i].count.connections, 0);
	}
	return s;
}

static int check_u64(const char *what, __u64 got, __u64 want)
{
	if (got == want)
		return 0;
	printf("# counter %s: kernel %llu, reference %llu\n", what, (unsigned long long)got,
	       (unsigned long long)want);
	return 1;
}

static int check_count(const char *what, const struct pc_count *after, const struct pc_count *before,
		       const struct pc_count *want)
{
	char name[128];
	int bad = 0;

	snprintf(name, sizeof(name), "%s packets", what);
	bad += check_u64(name, after->packets - before->packets, want->packets);
	snprintf(name, sizeof(name), "%s bytes", what);
	bad += check_u64(name, after->bytes - before->bytes, want->bytes);
	snprintf(name, sizeof(name), "%s connections", what);
	bad += check_u64(name, after->connections - before->connections, want->connections);
	return bad;
}

static const struct pc_port_stat *find_port(const struct pc_stats *s, int proto, int lo, int hi)
{
	size_t i;

	for (i = 0; i < s->nports; i++)
		if (s->ports[i].proto == proto && s->ports[i].lo == lo && s->ports[i].hi == hi)
			return &s->ports[i];
	return NULL;
}

/* Compare what the counters gained between two readings with e. Returns
 * the number of counters that differ. */
static int check_counters(const struct pc_stats *before, const struct pc_stats *after,
			  const struct expect *e, size_t nrules)
{
	static const struct pc_count zero;
	int bad = 0;
	size_t i;
	int v;

#define TOT(f) bad += check_u64("totals." #f, after->totals.f - before->totals.f, e->t.f)
	TOT(packets);
	TOT(bytes);
	TOT(passed);
	TOT(dropped);
	TOT(rejected);
	TOT(malformed);
	TOT(fragments);
	TOT(other);
#undef TOT

	if (after->nrules != nrules) {
		printf("# the kernel has %zu rules, the policy %zu\n", after->nrules, nrules);
		bad++;
	}
	for (i = 0; i < nrules && i < after->nrules; i++) {
		char name[32];
		const struct pc_count *b = i < before->nrules ? &before->rules[i].count : &zero;

		snprintf(name, sizeof(name), "rule %zu", i);
		bad += check_count(name, &after->rules[i].count, b, &e->rules[i]);
	}

	for (i = 0; i < after->nports; i++) {
		const struct pc_port_stat *a = &after->ports[i];
		const struct pc_port_stat *b = find_port(before, a->proto, a->lo, a->hi);
		const struct port_expect *pe = NULL;
		size_t j;

		for (j = 0; j < e->nports; j++)
			if (e->ports[j].proto == a->proto && e->ports[j].lo == a->lo &&
			    e->ports[j].hi == a->hi)
				pe = &e->ports[j];
		for (v = 0; v < PC_NVERDICT; v++) {
			char name[64];

			snprintf(name, sizeof(name), "port %s %u:%u %s",
				 a->proto == PC_PROTO_TCP ? "tcp" : "udp", a->lo, a->hi, verdict_name(v));
			bad += check_count(name, &a->count.v[v], b ? &b->count.v[v] : &zero,
					   pe ? &pe->c.v[v] : &zero);
		}
	}
	for (i = 0; i < e->nports; i++) {
		if (find_port(after, e->ports[i].proto, e->ports[i].lo, e->ports[i].hi))
			continue;
		printf("# port item %s %u:%u counted by the reference is not in the kernel\n",
		       e->ports[i].proto == PC_PROTO_TCP ? "tcp" : "udp", e->ports[i].lo,
		       e->ports[i].hi);
		bad++;
	}
	return bad;
}

/* ---- one frame through both programs and the reference ------------------- */

struct outcome {
	struct pc_ref_result ref;
	int xdp, tc;
};

/* BPF_PROG_TEST_RUN for an skb refuses (EINVAL) a frame whose untagged
 * ethertype is IPv4 or IPv6 but that is too short for the fixed IP header
 * (seen on 6.18). Such frames go to XDP only. */
static int skb_test_run_refuses(const uint8_t *f, size_t len)
{
	unsigned type = (unsigned)f[12] << 8 | f[13];

	return (type == PKT_ETH_IPV4 && len < 14 + 20) || (type == PKT_ETH_IPV6 && len < 14 + 40);
}

static size_t tc_not_run;

static void classify_all(const struct pc_policy *p, const uint8_t *f, size_t len, struct outcome *o,
			 struct expect *e)
{
	o->ref = pc_ref_classify(p, f, len);
	o->xdp = prog_run(L.xdp_fd, 1, f, len);
	expect_add(e, &o->ref, len);
	if (skb_test_run_refuses(f, len)) {
		o->tc = NOT_RUN;
		tc_not_run++;
		return;
	}
	o->tc = prog_run(L.tc_fd, 0, f, len);
	expect_add(e, &o->ref, len);
}

/* Do both programs agree with verdict v? */
static int programs_agree(const struct outcome *o, int v)
{
	return o->xdp == v && (o->tc == v || o->tc == NOT_RUN);
}

static void print_outcome(const char *what, const uint8_t *f, size_t len, const struct outcome *o)
{
	printf("# mismatch: %s\n#   frame (%zu bytes): ", what, len);
	pkt_hex(stdout, f, len);
	printf("#   reference: %s %s rule %d (proto %d dport %d item %d:%d conn %d); "
	       "xdp: %s; tc: %s\n",
	       class_name(o->ref.cls), verdict_name(o->ref.verdict), o->ref.rule, o->ref.proto,
	       o->ref.dport, o->ref.item_lo, o->ref.item_hi, o->ref.connection,
	       verdict_name(o->xdp), verdict_name(o->tc));
}

/* ---- the crafted table ------------------------------------------------------ */

static const char *const table_policy[] = {
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
};

#define F4   0x1
#define F6   0x2
#define F46  (F4 | F6)
#define ONCE 0x4 /* no VLAN variants */

/* Source and destination: IPv4 pair, then IPv6 pair. */
#define SUB_DST   "100.64.1.2", "192.0.2.1", "2001:db8:1000::5", "2001:db8:99::1"
#define SUB_RELAY "100.64.1.2", "198.51.100.25", "2001:db8:1000::5", "2001:db8:25::7"
#define SUB_NEXT  "100.64.1.2", "198.51.100.26", "2001:db8:1000::5", "2001:db8:25:1::1"
#define BIZ_DST   "100.64.10.5", "192.0.2.1", "2001:db8:1000:10::9", "2001:db8:99::1"
#define EXT_DST   "8.8.8.8", "192.0.2.1", "2001:4860::8888", "2001:db8:99::1"
#define EDGE_DST  "100.128.0.0", "192.0.2.1", "2001:db8:2000::", "2001:db8:99::1"
#define LAST_DST  "100.127.255.255", "192.0.2.1", "2001:db8:1fff:ffff:ffff:ffff:ffff:ffff", \
		  "2001:db8:99::1"
#define BAD_DST   "203.0.113.7", "192.0.2.1", "2001:db8:bad::7", "2001:db8:99::1"
#define LIST_IN   "192.0.2.9", "198.51.100.9", "2001:db8:ffff::1", "2001:db8:25::9"
#define LIST_OUT  "192.0.2.9", "203.0.113.1", "2001:db8:ffff::1", "2001:db8:99::1"

enum tweak {
	TW_NONE = 0,
	TW_ICMP,       /* ICMP or ICMPv6 */
	TW_GRE,
	TW_ESP,
	TW_ARP,
	TW_ETHERTYPE,  /* an unknown ethertype */
	TW_3TAGS,
	TW_TAG_CUT,    /* one tag, cut inside it */
	TW_IHL6,
	TW_IHL15,
	TW_IHL4,
	TW_IHL_PAST,   /* IHL 15, no options present */
	TW_VERSION,    /* the other IP version's number */
	TW_TOTLEN,     /* IPv4 total length 19 */
	TW_IP_CUT,     /* the IP header cut short */
	TW_PAD,        /* Ethernet padding past the IP length */
	TW_SHORT_LEN,  /* the IP length ends inside the L4 header; padding follows */
	TW_DOFF4,
	TW_DOFF15,     /* doff 15, options absent */
	TW_TCPOPT,
	TW_L4_CUT,     /* 19 bytes of TCP or 7 of UDP */
	TW_FRAG_FIRST,
	TW_FRAG_TINY,  /* first fragment with 8 bytes of TCP (RFC 1858) */
	TW_FRAG_LATER, /* a non-first fragment */
	TW_EXT2,       /* hop-by-hop, destination options */
	TW_AH,
	TW_EXT8,
	TW_EXT9,
	TW_EXT8_ICMP,
	TW_EXT_CUT,
	TW_EXT8_FRAG,  /* a non-first fragment header as the 8th */
};

struct tcase {
	const char *name;
	unsigned policy;
	unsigned flags; /* F4, F6, ONCE */
	const char *src4, *dst4, *src6, *dst6;
	uint8_t proto;
	uint16_t dport;
	uint8_t tcp_flags;
	enum tweak tweak;
	enum pc_ref_class cls;
	enum pc_verdict verdict;
	int rule;
};

#define TCP 6
#define UDP 17
#define SYN PKT_SYN
#define L4(v, r) PC_REF_L4, PC_V_##v, r
#define NOL4(c, v) PC_REF_##c, PC_V_##v, -1

static const struct tcase tcases[] = {
	/* rules */
	{ "port 25 blocked", 0, F46, SUB_DST, TCP, 25, SYN, TW_NONE, L4(DROPPED, 2) },
	{ "port 25 ACK blocked", 0, F46, SUB_DST, TCP, 25, PKT_ACK, TW_NONE, L4(DROPPED, 2) },
	{ "business customer exempt", 0, F46, BIZ_DST, TCP, 25, SYN, TW_NONE, L4(PASSED, 0) },
	{ "relay exemption", 0, F46, SUB_RELAY, TCP, 25, SYN, TW_NONE, L4(PASSED, 1) },
	{ "next to the relay", 0, F46, SUB_NEXT, TCP, 25, SYN, TW_NONE, L4(DROPPED, 2) },
	{ "just past the pool", 0, F46, EDGE_DST, TCP, 25, SYN, TW_NONE, L4(DROPPED, 8) },
	{ "last of the pool", 0, F46, LAST_DST, TCP, 25, SYN, TW_NONE, L4(DROPPED, 2) },
	{ "587 monitored", 0, F46, SUB_DST, TCP, 587, SYN, TW_NONE, L4(PASSED, 3) },
	{ "2525 monitored", 0, F46, EXT_DST, TCP, 2525, SYN, TW_NONE, L4(PASSED, 3) },
	{ "443 matches nothing", 0, F46, SUB_DST, TCP, 443, SYN, TW_NONE, L4(PASSED, -1) },
	{ "udp high port from a bad net", 0, F46, BAD_DST, UDP, 5000, 0, TW_NONE, L4(DROPPED, 4) },
	{ "tcp high port from a bad net", 0, F46, BAD_DST, TCP, 65535, SYN, TW_NONE, L4(DROPPED, 4) },
	{ "udp 53 from outside (negated table)", 0, F46, EXT_DST, UDP, 53, 0, TW_NONE,
	  L4(DROPPED, 5) },
	{ "udp 53 from a subscriber", 0, F46, SUB_DST, UDP, 53, 0, TW_NONE, L4(PASSED, -1) },
	{ "udp 25 has no rule", 0, F46, SUB_DST, UDP, 25, 0, TW_NONE, L4(PASSED, -1) },
	{ "negated list, destination inside", 0, F46, LIST_IN, TCP, 22, SYN, TW_NONE, L4(PASSED, -1) },
	{ "negated list, destination outside", 0, F46, LIST_OUT, TCP, 22, SYN, TW_NONE,
	  L4(DROPPED, 6) },
	{ "list rule before the catch-all", 0, F46, LIST_OUT, TCP, 25, SYN, TW_NONE, L4(DROPPED, 6) },
	{ "negated IPv6 prefix, destination outside", 0, F6, LIST_OUT, UDP, 9999, 0, TW_NONE,
	  L4(DROPPED, 7) },
	{ "IPv6-only source list, IPv4 packet", 0, F4, LIST_OUT, UDP, 9999, 0, TW_NONE,
	  L4(PASSED, -1) },
	{ "tcp options", 0, F46, SUB_DST, TCP, 25, SYN, TW_TCPOPT, L4(DROPPED, 2) },
	{ "Ethernet padding", 0, F46, SUB_DST, TCP, 25, SYN, TW_PAD, L4(DROPPED, 2) },
	{ "TCP header past the IP length, in the padding", 0, F46, SUB_DST, TCP, 25, SYN,
	  TW_SHORT_LEN, NOL4(MALFORMED, DROPPED) },
	{ "UDP header past the IP length, in the padding", 0, F46, SUB_DST, UDP, 53, 0,
	  TW_SHORT_LEN, NOL4(MALFORMED, DROPPED) },

	/* not subject to rules */
	{ "ICMP", 0, F46, SUB_DST, 0, 0, 0, TW_ICMP, NOL4(OTHER, PASSED) },
	{ "GRE", 0, F46, SUB_DST, 0, 0, 0, TW_GRE, NOL4(OTHER, PASSED) },
	{ "ESP", 0, F46, SUB_DST, 0, 0, 0, TW_ESP, NOL4(OTHER, PASSED) },
	{ "ARP", 0, F4, SUB_DST, 0, 0, 0, TW_ARP, NOL4(OTHER, PASSED) },
	{ "unknown ethertype", 0, F4, SUB_DST, 0, 0, 0, TW_ETHERTYPE, NOL4(OTHER, PASSED) },
	{ "three VLAN tags", 0, F46 | ONCE, SUB_DST, TCP, 25, SYN, TW_3TAGS, NOL4(OTHER, PASSED) },
	{ "VLAN tag cut", 0, F4 | ONCE, SUB_DST, TCP, 25, SYN, TW_TAG_CUT, NOL4(OTHER, PASSED) },

	/* IP headers */
	{ "IHL 6 (options skipped)", 0, F4, SUB_DST, TCP, 25, SYN, TW_IHL6, L4(DROPPED, 2) },
	{ "IHL 15 (options skipped)", 0, F4, SUB_DST, TCP, 587, SYN, TW_IHL15, L4(PASSED, 3) },
	{ "IHL 4", 0, F4, SUB_DST, TCP, 25, SYN, TW_IHL4, NOL4(MALFORMED, DROPPED) },
	{ "IHL past the frame", 0, F4, SUB_DST, TCP, 25, SYN, TW_IHL_PAST, NOL4(MALFORMED, DROPPED) },
	{ "wrong IP version", 0, F46, SUB_DST, TCP, 25, SYN, TW_VERSION, NOL4(MALFORMED, DROPPED) },
	{ "total length below the header", 0, F4, SUB_DST, TCP, 25, SYN, TW_TOTLEN,
	  NOL4(MALFORMED, DROPPED) },
	{ "IP header cut", 0, F46, SUB_DST, TCP, 25, SYN, TW_IP_CUT, NOL4(MALFORMED, DROPPED) },

	/* L4 headers */
	{ "doff 4", 0, F46, SUB_DST, TCP, 25, SYN, TW_DOFF4, NOL4(MALFORMED, DROPPED) },
	{ "doff 15, options absent", 0, F46, SUB_DST, TCP, 25, SYN, TW_DOFF15, L4(DROPPED, 2) },
	{ "TCP header cut", 0, F46, SUB_DST, TCP, 443, SYN, TW_L4_CUT, NOL4(MALFORMED, DROPPED) },
	{ "UDP header cut", 0, F46, SUB_DST, UDP, 53, 0, TW_L4_CUT, NOL4(MALFORMED, DROPPED) },

	/* fragments */
	{ "first fragment, whole header", 0, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_FIRST, L4(DROPPED, 2) },
	{ "tiny first fragment (RFC 1858)", 0, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_TINY,
	  NOL4(MALFORMED, DROPPED) },
	{ "non-first fragment", 0, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_LATER, NOL4(FRAGMENT, PASSED) },
	{ "non-first UDP fragment", 0, F46, EXT_DST, UDP, 53, 0, TW_FRAG_LATER,
	  NOL4(FRAGMENT, PASSED) },

	/* IPv6 extension headers */
	{ "hop-by-hop and destination options", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT2, L4(DROPPED, 2) },
	{ "AH", 0, F6, SUB_DST, TCP, 25, SYN, TW_AH, L4(DROPPED, 2) },
	{ "8 extension headers are walked", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT8, L4(DROPPED, 2) },
	{ "8 extension headers, relay", 0, F6, SUB_RELAY, TCP, 25, SYN, TW_EXT8, L4(PASSED, 1) },
	{ "9 extension headers are malformed", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT9,
	  NOL4(MALFORMED, DROPPED) },
	{ "8 extension headers then ICMPv6", 0, F6, SUB_DST, 58, 0, 0, TW_EXT8_ICMP,
	  NOL4(OTHER, PASSED) },
	{ "extension header cut", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT_CUT, NOL4(MALFORMED, DROPPED) },
	{ "non-first fragment as the 8th header", 0, F6, SUB_DST, TCP, 25, SYN, TW_EXT8_FRAG,
	  NOL4(FRAGMENT, PASSED) },

	/* set malformed pass */
	{ "malformed pass: rules still apply", 1, F46, SUB_DST, TCP, 25, SYN, TW_NONE, L4(DROPPED, 2) },
	{ "malformed pass: relay", 1, F46, SUB_RELAY, TCP, 25, SYN, TW_NONE, L4(PASSED, 1) },
	{ "malformed pass: IHL 4", 1, F4, SUB_DST, TCP, 25, SYN, TW_IHL4, NOL4(MALFORMED, PASSED) },
	{ "malformed pass: doff 4", 1, F46, SUB_DST, TCP, 25, SYN, TW_DOFF4, NOL4(MALFORMED, PASSED) },
	{ "malformed pass: tiny fragment", 1, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_TINY,
	  NOL4(MALFORMED, PASSED) },
	{ "malformed pass: 9 extension headers", 1, F6, SUB_DST, TCP, 25, SYN, TW_EXT9,
	  NOL4(MALFORMED, PASSED) },
	{ "malformed pass: non-first fragment", 1, F46, SUB_DST, TCP, 25, SYN, TW_FRAG_LATER,
	  NOL4(FRAGMENT, PASSED) },
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

static void run_table(unsigned policy)
{
	static const char *const vlan_name[] = { "", " vlan", " qinq" };
	struct pc_policy p;
	struct pc_stats *before, *after;
	struct expect *e = calloc(1, sizeof(*e));
	uint8_t frame[FRAME_CAP];
	size_t i, ran = 0;
	int bad = 0, fam, nv;

	assert_non_null(e);
	assert_int_equal(parse_policy(table_policy[policy], &p), 0);
	assert_int_equal(apply_policy(&p), 0);
	before = stats_read_fresh();

	for (i = 0; i < sizeof(tcases) / sizeof(tcases[0]); i++) {
		const struct tcase *c = &tcases[i];

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

static void test_table_block(void **state)
{
	run_table(0);
}

static void test_table_malformed_pass(void **state)
{
	run_table(1);
}

/* ---- the differential run ------------------------------------------------- */

struct sbuf {
	char *s;
	size_t n;
	FILE *f;
};

static void sb_open(struct sbuf *b)
{
	b->s = NULL;
	b->n = 0;
	b->f = open_memstream(&b->s, &b->n);
	assert_non_null(b->f);
}

static char *sb_close(struct sbuf *b)
{
	fclose(b->f);
	return b->s;
}

/* A random prefix in text form; with a parent, one inside it. */
static void rand_prefix(struct rng *r, int family, const struct pc_prefix *parent,
			struct pc_prefix *out)
{
	int bits = family == PC_FAMILY_V4 ? 32 : 128, i;

	memset(out, 0, sizeof(*out));
	out->family = (__u8)family;
	for (i = 0; i < bits / 8; i++)
		out->addr[i] = (uint8_t)rng_next(r);
	if (family == PC_FAMILY_V6 && rng_chance(r, 70)) {
		out->addr[0] = 0x20;
		out->addr[1] = 0x01;
		out->addr[2] = 0x0d;
		out->addr[3] = 0xb8;
	}
	if (parent && parent->len < bits) {
		int extra = 1 + (int)rng_below(r, (uint32_t)(bits - parent->len < 16 ?
								  bits - parent->len : 16));

		for (i = 0; i < parent->len; i++) {
			uint8_t m = (uint8_t)(0x80 >> (i % 8));

			out->addr[i / 8] = (uint8_t)((out->addr[i / 8] & ~m) | (parent->addr[i / 8] & m));
		}
		out->len = (__u8)(parent->len + extra);
	} else if (family == PC_FAMILY_V4) {
		static const uint8_t lens[] = { 8, 10, 12, 16, 20, 22, 24, 24, 26, 28, 30, 32, 32 };

		out->len = lens[rng_below(r, sizeof(lens))];
	} else {
		static const uint8_t lens[] = { 16, 29, 32, 36, 40, 48, 56, 64, 64, 96, 120, 128 };

		out->len = lens[rng_below(r, sizeof(lens))];
	}
	for (i = out->len; i < bits; i++)
		out->addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

static void print_prefix(FILE *f, const struct pc_prefix *p)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family == PC_FAMILY_V4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (p->len == (p->family == PC_FAMILY_V4 ? 32 : 128))
		fprintf(f, "%s", a);
	else
		fprintf(f, "%s/%u", a, p->len);
}

/* n prefixes, both families, some nested in earlier ones. */
static void print_prefixes(FILE *f, struct rng *r, size_t n)
{
	struct pc_prefix *v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		int family = rng_chance(r, 55) ? PC_FAMILY_V4 : PC_FAMILY_V6;
		const struct pc_prefix *parent = NULL;

		if (i > 0 && rng_chance(r, 25)) {
			parent = &v[rng_below(r, (uint32_t)i)];
			family = parent->family;
		}
		rand_prefix(r, family, parent, &v[i]);
		if (i == 0 && rng_below(r, 40) == 0) {
			v[i].len = 0; /* the whole family */
			memset(v[i].addr, 0, sizeof(v[i].addr));
		}
		fprintf(f, "%s", i ? ", " : "");
		print_prefix(f, &v[i]);
	}
	free(v);
}

static const char *const port_pool[] = {
	"25", "53", "80", "443", "465", "587", "2525", "1024:65535", "20:30", "0:1023",
	"5000:5100", "9999", "0", "65535", "25:25", "500:600", "1:65534",
};
#define NPORT_POOL (sizeof(port_pool) / sizeof(port_pool[0]))

/* Returns 0 when it printed "any". */
static int print_addr_spec(FILE *f, struct rng *r, int ntables, unsigned *used)
{
	uint32_t x = rng_below(r, 100);

	if (x < 25) {
		fprintf(f, "any");
		return 0;
	}
	if (rng_chance(r, 25))
		fputc('!', f);
	if (x < 70) {
		unsigned t = rng_below(r, (uint32_t)ntables);

		*used |= 1u << t;
		fprintf(f, "<t%u>", t);
	} else if (rng_chance(r, 40)) {
		struct pc_prefix p;

		rand_prefix(r, rng_chance(r, 50) ? PC_FAMILY_V4 : PC_FAMILY_V6, NULL, &p);
		print_prefix(f, &p);
	} else {
		fprintf(f, "{ ");
		print_prefixes(f, r, 1 + rng_below(r, 6));
		fprintf(f, " }");
	}
	return 1;
}

/* A policy of random rules over random tables. */
static char *random_policy(struct rng *r, int malformed_pass)
{
	struct sbuf rules, all;
	int ntables = 2 + (int)rng_below(r, 4), nrules = 10 + (int)rng_below(r, 50), i, t;
	unsigned used = 0;
	static const char *const actions[] = { "pass", "block", "monitor" };
	static const char *const protos[] = { "proto tcp", "proto udp", "proto { tcp, udp }", "" };

	sb_open(&rules);
	for (i = 0; i < nrules; i++) {
		FILE *f = rules.f;
		uint32_t x;
		int narrow = 0; /* a rule that matches everything would shadow the rest */
		int to = 0;

		fprintf(f, "%s %s", actions[rng_below(r, 3)], protos[rng_below(r, 4)]);
		if (rng_chance(r, 70)) {
			fprintf(f, " from ");
			narrow |= print_addr_spec(f, r, ntables, &used);
		}
		x = rng_below(r, 100);
		if (x >= 15 || rng_chance(r, 60)) {
			fprintf(f, " to");
			to = 1;
			if (x < 15 || rng_chance(r, 60)) {
				fputc(' ', f);
				narrow |= print_addr_spec(f, r, ntables, &used);
			}
		}
		if (x < 15 && !narrow && rng_chance(r, 95)) {
			x = 15;
			if (!to)
				fprintf(f, " to");
		}
		if (x < 15) {
			/* every port */
		} else if (x < 55) {
			fprintf(f, " port %s", port_pool[rng_below(r, NPORT_POOL)]);
		} else {
			int k, n = 2 + (int)rng_below(r, 4);

			fprintf(f, " port {");
			for (k = 0; k < n; k++)
				fprintf(f, "%s %s", k ? "," : "", port_pool[rng_below(r, NPORT_POOL)]);
			fprintf(f, " }");
		}
		fputc('\n', f);
	}
	sb_close(&rules);

	sb_open(&all);
	if (malformed_pass)
		fprintf(all.f, "set malformed pass\n");
	for (t = 0; t < ntables; t++) {
		if (!(used & (1u << t)))
			continue;
		fprintf(all.f, "table <t%d> { ", t);
		print_prefixes(all.f, r, 1 + rng_below(r, rng_chance(r, 30) ? 400 : 20));
		fprintf(all.f, " }\n");
	}
	fputs(rules.s, all.f);
	free(rules.s);
	return sb_close(&all);
}

/* The ISP policy with large tables. */
static char *isp_policy(struct rng *r)
{
	struct sbuf b;

	sb_open(&b);
	fprintf(b.f, "table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36, ");
	print_prefixes(b.f, r, 10000);
	fprintf(b.f, " }\ntable <relays> { 198.51.100.25, 2001:db8:25::/64, ");
	print_prefixes(b.f, r, 10);
	fprintf(b.f, " }\ntable <business> { 100.64.10.0/24, 100.64.10.128/25, 2001:db8:1000:10::/64 }\n"
		     "pass    proto tcp from <business> to port 25\n"
		     "pass    proto tcp to <relays> port 25\n"
		     "block   proto tcp from <subscribers> to port 25\n"
		     "monitor proto tcp to port { 465, 587, 2525 }\n"
		     "block   proto { tcp, udp } from { 203.0.113.0/24, 2001:db8:bad::/48 } to port 1024:65535\n"
		     "block   proto udp from !<subscribers> to port 53\n");
	return sb_close(&b);
}

static char *negation_policy(struct rng *r)
{
	struct sbuf b;

	sb_open(&b);
	fprintf(b.f, "table <a> { ");
	print_prefixes(b.f, r, 300);
	fprintf(b.f, " }\ntable <b> { ");
	print_prefixes(b.f, r, 50);
	fprintf(b.f, " }\n"
		     "block   proto tcp from !<a> to !<b> port 25\n"
		     "pass    proto udp from <a> to !<b> port 53\n"
		     "block   proto { tcp, udp } from !{ 10.0.0.0/8, 2001:db8::/32 } to !<b> port 1000:2000\n"
		     "monitor proto udp to !2001:db8:99::/48 port 123\n"
		     "block   proto udp from <b> to port 0:1023\n"
		     "pass    proto tcp from !<a> to port 587\n"
		     "block   proto tcp from <a> to !<a> port { 587, 465 }\n"
		     "block   proto tcp from !0.0.0.0/0 to port 443\n");
	return sb_close(&b);
}

static char *lists_policy(struct rng *r)
{
	struct sbuf b;
	int i;

	sb_open(&b);
	for (i = 0; i < 30; i++) {
		fprintf(b.f, "%s proto %s from { ", i % 3 ? "block" : "pass", i % 2 ? "udp" : "{ tcp, udp }");
		print_prefixes(b.f, r, 1 + rng_below(r, 8));
		fprintf(b.f, " } to port { %u:%u, %s }\n", 1000 + 37 * i, 1100 + 41 * i,
			port_pool[rng_below(r, NPORT_POOL)]);
	}
	fprintf(b.f, "block proto udp to port 1:65535\n");
	return sb_close(&b);
}

static char *default_malformed_pass(void)
{
	struct sbuf b;

	sb_open(&b);
	fprintf(b.f, "set malformed pass\n%s", pc_default_policy);
	fprintf(b.f, "block proto udp from !{ 100.64.0.0/10, 2001:db8:1000::/36 } to port 53\n");
	return sb_close(&b);
}

/* A policy's text as TAP comments, so that a failure can be replayed. */
static void print_commented(const char *text)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		int n = nl ? (int)(nl - line) : (int)strlen(line);

		printf("#   | %.*s\n", n, line);
		line += n + (nl ? 1 : 0);
	}
}

static size_t diff_frames(void)
{
	const char *s = getenv("PC_DIFF_FRAMES");

	return s && *s ? strtoul(s, NULL, 10) : 40000;
}

static void run_diff(const char *name, char *text, uint64_t pseed)
{
	struct pc_policy p;
	struct pc_stats *before, *after;
	struct expect *e = calloc(1, sizeof(*e));
	static uint8_t frame[FRAME_CAP];
	size_t n = diff_frames(), i, cls[4] = { 0 }, verdicts[PC_NVERDICT] = { 0 }, ruled = 0;
	size_t mismatches = 0, nruled = 0;
	__u64 ruled_mask = 0;
	struct rng r;
	int bad;

	assert_non_null(e);
	if (parse_policy(text, &p) != 0) {
		free(text);
		fail();
	}
	pkt_policy_drop_never_matching(&p);
	if (getenv("PC_SHOW_POLICY"))
		print_commented(text);
	assert_int_equal(apply_policy(&p), 0);
	before = stats_read_fresh();
	rng_seed(&r, pseed);

	for (i = 0; i < n; i++) {
		struct outcome o;
		size_t len = pkt_random(&r, &p, frame, sizeof(frame));

		if (rng_chance(&r, 35)) {
			int k, m = 1 + (int)rng_below(&r, 3);

			for (k = 0; k < m; k++)
				len = pkt_mutate(&r, frame, len, sizeof(frame), 14);
		}
		if (len < 14)
			continue; /* BPF_PROG_TEST_RUN wants an Ethernet header */
		classify_all(&p, frame, len, &o, e);
		cls[o.ref.cls]++;
		verdicts[o.ref.verdict]++;
		ruled += o.ref.rule >= 0;
		if (o.ref.rule >= 0)
			ruled_mask |= 1ull << o.ref.rule;
		if (!programs_agree(&o, (int)o.ref.verdict)) {
			if (mismatches < MAX_REPORT) {
				char what[96];

				snprintf(what, sizeof(what), "%s, frame %zu", name, i);
				print_outcome(what, frame, len, &o);
			}
			mismatches++;
		}
	}
	after = stats_read();
	for (i = 0; i < PC_MAX_RULES; i++)
		nruled += (ruled_mask >> i) & 1;
	if (mismatches && !getenv("PC_SHOW_POLICY"))
		print_commented(text);
	free(text);
	printf("# %s: %zu frames: l4 %zu, other %zu, fragment %zu, malformed %zu; "
	       "passed %zu, dropped %zu; a rule decided %zu (%zu of %zu rules); tc refused %zu; "
	       "%zu mismatches\n",
	       name, n, cls[PC_REF_L4], cls[PC_REF_OTHER], cls[PC_REF_FRAGMENT],
	       cls[PC_REF_MALFORMED], verdicts[PC_V_PASSED], verdicts[PC_V_DROPPED], ruled,
	       nruled, p.nrules, tc_not_run, mismatches);
	tc_not_run = 0;
	bad = check_counters(before, after, e, p.nrules);
	free(before);
	free(after);
	free(e);
	pc_policy_free(&p);
	assert_int_equal(mismatches, 0);
	assert_int_equal(bad, 0);
	/* A run that never reached a class tests nothing about it. */
	if (n >= 1000) {
		assert_true(cls[PC_REF_L4] > 0 && cls[PC_REF_OTHER] > 0);
		assert_true(cls[PC_REF_FRAGMENT] > 0 && cls[PC_REF_MALFORMED] > 0);
		assert_true(ruled > 0);
	}
}

/* Each policy gets its own stream, so that one can be rerun alone. */
static uint64_t sub_seed(unsigned k)
{
	return seed * 0x100000001b3ull + k;
}

static void test_diff_isp(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(1));
	run_diff("isp, 10000-prefix table", isp_policy(&r), sub_seed(101));
}

static void test_diff_negation(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(2));
	run_diff("negation", negation_policy(&r), sub_seed(102));
}

static void test_diff_lists(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(3));
	run_diff("lists and ranges", lists_policy(&r), sub_seed(103));
}

static void test_diff_malformed_pass(void **state)
{
	run_diff("default, malformed pass", default_malformed_pass(), sub_seed(104));
}

static void test_diff_random(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(5));
	run_diff("random rules", random_policy(&r, 0), sub_seed(105));
}

static void test_diff_random_malformed_pass(void **state)
{
	struct rng r;

	rng_seed(&r, sub_seed(6));
	run_diff("random rules, malformed pass", random_policy(&r, 1), sub_seed(106));
}

/* ---- main --------------------------------------------------------------------- */

/* Per-port counters survive apply, even one that leaves the port out for a
 * while; a port new to the policy starts from zero. */
static void apply_text(const char *text)
{
	struct pc_policy p;

	assert_int_equal(parse_policy(text, &p), 0);
	assert_true(apply_policy(&p) >= 0);
	pc_policy_free(&p);
}

static __u64 port_dropped(int port)
{
	struct pc_stats *s = stats_read();
	const struct pc_port_stat *ps = find_port(s, PC_PROTO_TCP, port, port);
	__u64 n = ps ? ps->count.v[PC_V_DROPPED].packets : (__u64)-1;

	free(s);
	return n;
}

static void test_port_counters_survive(void **state)
{
	uint8_t frame[256];
	struct pkt_desc d;
	__u64 base;
	size_t len;
	int i;

	(void)state;
	pkt_desc_l4(&d, "100.64.1.2", "203.0.113.10", TCP, 25, SYN);
	len = pkt_build(&d, frame, sizeof(frame));
	assert_true(len > 0);

	/* Earlier tests counted on tcp/25 too: only what this test adds counts. */
	apply_text("block proto tcp to port 25\n");
	base = port_dropped(25);
	for (i = 0; i < 3; i++)
		assert_int_equal(prog_run(L.xdp_fd, 1, frame, len), PC_V_DROPPED);
	assert_int_equal(port_dropped(25), base + 3);
	/* Port 25 leaves the policy, a port no policy named before comes... */
	apply_text("block proto tcp to port { 2601, 2602 }\n");
	assert_int_equal(port_dropped(2601), 0);
	assert_int_equal(prog_run(L.xdp_fd, 1, frame, len), PC_V_PASSED);
	/* ... and 25 comes back with what it had counted. */
	apply_text("block proto tcp to port 25\nmonitor proto tcp to port 587\n");
	assert_int_equal(port_dropped(25), base + 3);
	assert_int_equal(prog_run(L.xdp_fd, 1, frame, len), PC_V_DROPPED);
	assert_int_equal(port_dropped(25), base + 4);
}

static int setup(void **state)
{
	int err = pc_load_unpinned(&L);

	if (err) {
		printf("# pc_load_unpinned: %s%s\n", strerror(-err),
		       geteuid() ? " (run as root)" : "");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	pc_loaded_close(&L);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_block),
		cmocka_unit_test(test_port_counters_survive),
		cmocka_unit_test(test_table_malformed_pass),
		cmocka_unit_test(test_diff_isp),
		cmocka_unit_test(test_diff_negation),
		cmocka_unit_test(test_diff_lists),
		cmocka_unit_test(test_diff_malformed_pass),
		cmocka_unit_test(test_diff_random),
		cmocka_unit_test(test_diff_random_malformed_pass),
	};
	const char *s = getenv("PC_SEED");

	seed = s && *s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
	printf("# seed: %llu\n", (unsigned long long)seed);
	fflush(stdout);
	return cmocka_run_group_tests(tests, setup, teardown);
}
