// SPDX-License-Identifier: GPL-2.0
/*
 * The shared harness of the BPF_PROG_TEST_RUN tests: see prog_harness.h.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "prog_harness.h"

struct pc_loaded prog_loaded;
uint64_t prog_seed;
size_t tc_not_run;

bool prog_check_u64(const char *what, uint64_t got, uint64_t want, const char *file, int line)
{
	if (got == want)
		return true;
	printf("# %s:%d: %s: got %llu, want %llu\n", file, line, what, (unsigned long long)got,
	       (unsigned long long)want);
	return false;
}

/* ---- setup ---------------------------------------------------------------- */

int prog_setup(void **state)
{
	int err = pc_load_unpinned(&prog_loaded);

	(void)state;
	if (err) {
		printf("# pc_load_unpinned: %s%s\n", strerror(-err),
		       geteuid() ? " (run as root)" : "");
		return -1;
	}
	/* A frame a nanosecond: every test runs its frames slower. */
	return prog_reply_limit(1, 1);
}

/* The reply limit that prog_reply_limit() asked for: written over what
 * the policy says in every generation applied here. 0: the policy's. */
static __u64 reply_interval_ns;
static __u32 reply_burst;

static void override_reply_limit(struct pc_policy_hdr *hdr)
{
	if (!reply_interval_ns)
		return;
	hdr->reply_interval_ns = reply_interval_ns;
	hdr->reply_burst = reply_burst;
}

int prog_reply_limit(__u64 interval_ns, __u32 burst)
{
	struct pc_policy_hdr hdr;
	__u32 slot;
	int err;

	reply_interval_ns = interval_ns;
	reply_burst = burst;
	err = pc_maps_active(&prog_loaded.maps, &slot, &hdr);
	if (!err && hdr.generation) {
		if (interval_ns) {
			override_reply_limit(&hdr);
		} else { /* the defaults */
			hdr.reply_interval_ns = PC_REPLY_INTERVAL_NS;
			hdr.reply_burst = PC_REPLY_BURST;
		}
		if (bpf_map_update_elem(prog_loaded.maps.policy, &slot, &hdr, BPF_ANY))
			err = -errno;
	}
	if (err)
		printf("# the reply limit of the policy in force: %s\n", strerror(-err));
	return err ? -1 : 0;
}

int prog_teardown(void **state)
{
	(void)state;
	pc_loaded_close(&prog_loaded);
	return 0;
}

void prog_seed_init(void)
{
	const char *s = getenv("PC_SEED");

	prog_seed = s && *s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
	printf("# seed: %llu\n", (unsigned long long)prog_seed);
	fflush(stdout);
}

/* ---- policies ------------------------------------------------------------- */

int prog_parse_policy(const char *text, struct pc_policy *p)
{
	struct pc_diag d = { 0 };
	int err;

	memset(p, 0, sizeof(*p));
	err = pc_policy_parse_string("test", text, p, &d);
	pc_diag_flush(stderr, &d);
	if (err) {
		printf("# the policy does not parse (errors on stderr)\n");
		return -1;
	}
	return 0;
}

static int apply_policy_to(const struct pc_maps *m, const struct pc_policy *p)
{
	struct pc_diag d = { 0 };
	struct pc_compiled *c = calloc(1, sizeof(*c));
	int err = -1;

	if (!c)
		return -1;
	/* reject and limit too: the kernel side counts them already */
	if (pc_compile(p, c, &d, PC_COMPILE_ALLOW_UNSUPPORTED) != 0) {
		printf("# policy does not compile\n");
		goto out;
	}
	override_reply_limit(&c->hdr);
	err = pc_maps_apply(m, c);
	if (err < 0)
		printf("# pc_maps_apply: %s\n", strerror(-err));
out:
	pc_diag_flush(stderr, &d);
	pc_compiled_free(c);
	free(c);
	return err;
}

int prog_apply_policy(const struct pc_policy *p)
{
	return apply_policy_to(&prog_loaded.maps, p);
}

int prog_apply_text_to(const struct pc_maps *m, const char *text)
{
	struct pc_policy p;
	int err;

	if (prog_parse_policy(text, &p))
		return -EINVAL;
	err = apply_policy_to(m, &p);
	pc_policy_free(&p);
	return err;
}

int prog_apply_text(const char *text)
{
	return prog_apply_text_to(&prog_loaded.maps, text);
}

/* ---- running frames ------------------------------------------------------- */

/* The programs pass, drop, or send the answer to a rejected packet back
 * (XDP_TX, TC_ACT_REDIRECT): PC_V_REJECTED here. Any other code is a
 * failure (-1). */
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

int prog_run(int fd, int xdp, const uint8_t *frame, size_t len)
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

int prog_run_skb(const uint8_t *frame, size_t len, struct __sk_buff *ctx)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
		    .ctx_in = ctx, .ctx_size_in = sizeof(*ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(prog_loaded.tc_fd, &o)) {
		printf("# BPF_PROG_TEST_RUN (tc, %zu bytes, skb context): %s\n", len,
		       strerror(errno));
		return -1;
	}
	return tc_verdict(o.retval);
}

__u32 prog_run_out(int fd, const uint8_t *frame, size_t len, uint8_t *out, __u32 *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = FRAME_CAP, .repeat = 1);
	int err = bpf_prog_test_run_opts(fd, &o);

	if (err)
		printf("# BPF_PROG_TEST_RUN (%zu bytes, out): %s\n", len, strerror(errno));
	assert_int_equal(err, 0);
	*out_len = o.data_size_out;
	return o.retval;
}

const char *verdict_name(int v)
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

const char *class_name(int c)
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

static void count_add(struct pc_count *c, size_t len, __u64 packets, int conn)
{
	c->packets += packets;
	c->bytes += len;
	c->connections += conn ? 1 : 0;
}

void expect_add(struct expect *e, const struct pc_ref_result *r, size_t len)
{
	expect_add_packets(e, r, len, 1);
}

/* The reason the kernel must count a reference result under. */
static enum pc_reason ref_reason(const struct pc_ref_result *r)
{
	switch (r->cls) {
	case PC_REF_OTHER:
		return PC_R_PASS_OTHER;
	case PC_REF_FRAGMENT:
		return PC_R_PASS_FRAGMENT;
	case PC_REF_MALFORMED:
		return r->verdict == PC_V_PASSED ? PC_R_PASS_MALFORMED : PC_R_DROP_MALFORMED;
	default:
		break;
	}
	if (r->rule < 0)
		return PC_R_PASS_NO_RULE;
	if (r->verdict == PC_V_REJECTED)
		return PC_R_REJECT_RULE;
	if (r->limited)
		return PC_R_DROP_LIMIT;
	return r->verdict == PC_V_DROPPED ? PC_R_DROP_RULE : PC_R_PASS_RULE;
}

void expect_add_packets(struct expect *e, const struct pc_ref_result *r, size_t len,
			__u64 packets)
{
	size_t i;

	e->t.packets += packets;
	e->t.by_reason[ref_reason(r)] += packets;
	e->t.bytes += len;
	if (r->verdict == PC_V_DROPPED)
		e->t.dropped += packets;
	else if (r->verdict == PC_V_REJECTED)
		e->t.rejected += packets;
	else
		e->t.passed += packets;
	if (r->cls == PC_REF_MALFORMED)
		e->t.malformed += packets;
	else if (r->cls == PC_REF_FRAGMENT)
		e->t.fragments += packets;
	else if (r->cls == PC_REF_OTHER)
		e->t.other += packets;
	if (r->rule >= 0 && r->rule < PC_MAX_RULES) {
		count_add(&e->rules[r->rule], len, packets, r->connection);
		if (r->verdict == PC_V_DROPPED)
			count_add(&e->rules_dropped[r->rule], len, packets, r->connection);
	}
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
	count_add(&e->ports[i].c.v[r->verdict], len, packets, r->connection);
}

struct pc_stats *stats_read(void)
{
	struct pc_stats *s = calloc(1, sizeof(*s));
	int err;

	assert_non_null(s);
	err = pc_maps_read_stats(&prog_loaded.maps, s);
	if (err)
		printf("# pc_maps_read_stats: %s\n", strerror(-err));
	assert_int_equal(err, 0);
	return s;
}

/* Per-rule counters start again with each generation (the spec). */
struct pc_stats *stats_read_fresh(void)
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

const struct pc_port_stat *find_port(const struct pc_stats *s, int proto, int lo, int hi)
{
	size_t i;

	for (i = 0; i < s->nports; i++)
		if (s->ports[i].proto == proto && s->ports[i].lo == lo && s->ports[i].hi == hi)
			return &s->ports[i];
	return NULL;
}

int check_counters(const struct pc_stats *before, const struct pc_stats *after,
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
	for (i = 0; i < PC_NREASON; i++) {
		char name[32];

		snprintf(name, sizeof(name), "totals.by_reason[%zu]", i);
		bad += check_u64(name, after->totals.by_reason[i] - before->totals.by_reason[i],
				 e->t.by_reason[i]);
	}

	if (after->nrules != nrules) {
		printf("# the kernel has %zu rules, the policy %zu\n", after->nrules, nrules);
		bad++;
	}
	for (i = 0; i < nrules && i < after->nrules; i++) {
		char name[48]; /* "rule %zu dropped" for any size_t */
		const struct pc_count *b = i < before->nrules ? &before->rules[i].count : &zero;
		const struct pc_count *bd = i < before->nrules ? &before->rules[i].dropped : &zero;

		snprintf(name, sizeof(name), "rule %zu", i);
		bad += check_count(name, &after->rules[i].count, b, &e->rules[i]);
		snprintf(name, sizeof(name), "rule %zu dropped", i);
		bad += check_count(name, &after->rules[i].dropped, bd, &e->rules_dropped[i]);
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

/* BPF_PROG_TEST_RUN for an skb refuses (EINVAL) a frame whose untagged
 * ethertype is IPv4 or IPv6 but that is too short for the fixed IP header
 * (seen on 6.18). Such frames go to XDP only. */
static int skb_test_run_refuses(const uint8_t *f, size_t len)
{
	unsigned type = (unsigned)f[12] << 8 | f[13];

	return (type == PKT_ETH_IPV4 && len < 14 + 20) || (type == PKT_ETH_IPV6 && len < 14 + 40);
}

void classify_all(const struct pc_policy *p, const uint8_t *f, size_t len, struct outcome *o,
		  struct expect *e)
{
	o->ref = pc_ref_classify(p, f, len);
	o->xdp = prog_run(prog_loaded.xdp_fd, 1, f, len);
	expect_add(e, &o->ref, len);
	o->ref_tc = o->ref;
	if (skb_test_run_refuses(f, len)) {
		o->tc = NOT_RUN;
		tc_not_run++;
		return;
	}
	/* The programs share the buckets of limit rules: tc's run of the
	 * frame is one attempt more. */
	o->ref_tc = pc_ref_classify(p, f, len);
	o->tc = prog_run(prog_loaded.tc_fd, 0, f, len);
	expect_add(e, &o->ref_tc, len);
}

int prog_limit_reset(void)
{
	struct pc_limit_key k;
	int n = 0;

	pc_ref_limit_reset();
	while (!bpf_map_get_next_key(prog_loaded.maps.limit, NULL, &k) && n++ < (1 << 20))
		if (bpf_map_delete_elem(prog_loaded.maps.limit, &k))
			return -1;
	return 0;
}

bool programs_agree(const struct outcome *o, int v)
{
	/* Both programs answer a rejected packet where they may (refclass.c
	 * says where) and drop the rest. The counters say "rejected" for
	 * them all. tc's run may find a limit's bucket emptied by XDP's. */
	int want = v == PC_V_REJECTED && !o->ref.answered ? PC_V_DROPPED : v;
	int vt = o->ref_tc.verdict != o->ref.verdict ? (int)o->ref_tc.verdict : v;
	int want_tc = vt == PC_V_REJECTED && !o->ref_tc.answered ? PC_V_DROPPED : vt;

	return o->xdp == want && (o->tc == want_tc || o->tc == NOT_RUN);
}

void print_outcome(const char *what, const uint8_t *f, size_t len, const struct outcome *o)
{
	printf("# mismatch: %s\n#   frame (%zu bytes): ", what, len);
	pkt_hex(stdout, f, len);
	printf("#   reference: %s %s rule %d (proto %d dport %d item %d:%d conn %d); "
	       "xdp: %s; tc: %s\n",
	       class_name(o->ref.cls), verdict_name(o->ref.verdict), o->ref.rule, o->ref.proto,
	       o->ref.dport, o->ref.item_lo, o->ref.item_hi, o->ref.connection,
	       verdict_name(o->xdp), verdict_name(o->tc));
}

void print_commented(const char *text)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		int n = nl ? (int)(nl - line) : (int)strlen(line);

		printf("#   | %.*s\n", n, line);
		line += n + (nl ? 1 : 0);
	}
}
