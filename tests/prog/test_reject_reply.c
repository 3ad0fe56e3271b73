// SPDX-License-Identifier: GPL-2.0
/*
 * The reset that XDP and tc send back for a rejected TCP segment, byte by
 * byte: each frame is run through the XDP and the tc program
 * (BPF_PROG_TEST_RUN hands back the frame as the program left it) and
 * compared with the reset built here from the segment's description, with
 * checksums of this file's own (RFC 1071), sharing no code with bpf/.
 * SYN, ACK, FIN|ACK and data segments, with TCP options, IPv4 options and
 * IPv6 extension headers, in IPv4 and IPv6, untagged, 802.1Q and QinQ.
 * XDP answers with XDP_TX, tc with TC_ACT_REDIRECT. Nothing is sent back
 * to a reset, to a broadcast or multicast MAC, or to or from a group
 * address, and no more to one source than the reply limit allows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <linux/pkt_cls.h>

#include "prog_harness.h"

#define POLICY "table <subs> { 100.64.0.0/10, 2001:db8:1000::/36 }\n" \
	       "reject proto tcp from <subs> to port 25\n"

static void put16(uint8_t *p, unsigned v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* RFC 1071: the ones' complement of the ones' complement sum. */
static unsigned sum_words(const uint8_t *p, size_t n, unsigned sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (unsigned)p[i] << 8 | p[i + 1];
	return sum;
}

static unsigned fold(unsigned sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The reset the segment d (built by pkt_build into in) must get back. */
static size_t expected_reset(const struct pkt_desc *d, const uint8_t *in, uint8_t *out)
{
	size_t l3 = 14 + 4 * d->nvlan, ip_len = d->l3 == PKT_L3_IPV6 ? 40 : 20, n;
	int v6 = d->l3 == PKT_L3_IPV6, alen = v6 ? 16 : 4;
	uint8_t *ip = out + l3, *tcp = out + l3 + ip_len, pseudo[40];
	unsigned sum;

	memcpy(out, in, l3);
	memcpy(out, in + 6, 6); /* the MACs swapped */
	memcpy(out + 6, in, 6);
	memset(ip, 0, ip_len + 20);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, 20);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, d->dst, 16);
		memcpy(ip + 24, d->src, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, 40);
		put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, d->dst, 4);
		memcpy(ip + 16, d->src, 4);
		put16(ip + 10, fold(sum_words(ip, 20, 0)));
	}
	put16(tcp, d->dport);
	put16(tcp + 2, d->sport);
	tcp[12] = 5 << 4;
	if (d->tcp_flags & PKT_ACK) {
		put32(tcp + 4, 0x9abcdef0); /* its ack, as pkt_build writes it */
		tcp[13] = PKT_RST;
	} else {
		n = d->payload + !!(d->tcp_flags & PKT_SYN) + !!(d->tcp_flags & PKT_FIN);
		put32(tcp + 8, 0x12345678 + (uint32_t)n); /* its seq, plus its length */
		tcp[13] = PKT_RST | PKT_ACK;
	}
	memset(pseudo, 0, sizeof(pseudo));
	memcpy(pseudo, ip + (v6 ? 8 : 12), alen);
	memcpy(pseudo + alen, ip + (v6 ? 24 : 16), alen);
	sum = sum_words(pseudo, 2 * alen, 0) + 6 + 20;
	put16(tcp + 16, fold(sum_words(tcp, 20, sum)));
	return l3 + ip_len + 20;
}

/* Run frame through XDP: its return code, and the frame as left. */
static __u32 run_xdp(const uint8_t *in, size_t len, uint8_t *out, __u32 *out_len)
{
	return prog_run_out(prog_loaded.xdp_fd, in, len, out, out_len);
}

struct reply_case {
	const char *name;
	const char *src, *dst;
	uint8_t flags;
	uint16_t payload;
	uint8_t tcp_opt;
	uint8_t nvlan;
	uint8_t ip_opt;  /* IPv4 option bytes */
	uint8_t ext;     /* IPv6: a destination options header first */
};

static void build(const struct reply_case *c, struct pkt_desc *d, uint8_t *frame, size_t *len)
{
	pkt_desc_l4(d, c->src, c->dst, TCP, 25, c->flags);
	d->payload = c->payload;
	d->tcp_opt = c->tcp_opt;
	d->nvlan = c->nvlan;
	d->vid[0] = 100;
	d->vid[1] = 200;
	d->opt_len = c->ip_opt;
	if (c->ext) {
		d->next_ext = 1;
		d->ext[0].type = PKT_EXT_DST;
	}
	*len = pkt_build(d, frame, FRAME_CAP);
	assert_true(*len > 0);
}

static const struct reply_case answered[] = {
	{ "v4 SYN", "100.64.0.7", "203.0.113.25", PKT_SYN, 0, 0, 0, 0, 0 },
	{ "v4 SYN with MSS", "100.64.0.7", "203.0.113.25", PKT_SYN, 0, 4, 0, 0, 0 },
	{ "v4 ACK", "100.64.0.7", "203.0.113.25", PKT_ACK, 0, 0, 0, 0, 0 },
	{ "v4 FIN|ACK", "100.64.0.7", "203.0.113.25", PKT_FIN | PKT_ACK, 0, 0, 0, 0, 0 },
	{ "v4 data", "100.64.0.7", "203.0.113.25", PKT_ACK | PKT_PSH, 300, 12, 0, 0, 0 },
	{ "v4 FIN, no ACK, with data", "100.64.0.7", "203.0.113.25", PKT_FIN, 77, 0, 0, 0, 0 },
	{ "v4 IP options", "100.64.0.7", "203.0.113.25", PKT_SYN, 0, 8, 0, 12, 0 },
	{ "v4 802.1Q", "100.64.0.7", "203.0.113.25", PKT_SYN, 0, 0, 1, 0, 0 },
	{ "v4 QinQ", "100.64.0.7", "203.0.113.25", PKT_ACK, 10, 0, 2, 0, 0 },
	{ "v6 SYN", "2001:db8:1000::7", "2001:db8:2::25", PKT_SYN, 0, 0, 0, 0, 0 },
	{ "v6 ACK", "2001:db8:1000::7", "2001:db8:2::25", PKT_ACK, 0, 0, 0, 0, 0 },
	{ "v6 FIN|ACK", "2001:db8:1000::7", "2001:db8:2::25", PKT_FIN | PKT_ACK, 0, 0, 0, 0, 0 },
	{ "v6 data", "2001:db8:1000::7", "2001:db8:2::25", PKT_ACK, 1000, 20, 0, 0, 0 },
	{ "v6 extension header", "2001:db8:1000::7", "2001:db8:2::25", PKT_SYN, 0, 0, 0, 0, 1 },
	{ "v6 QinQ", "2001:db8:1000::7", "2001:db8:2::25", PKT_SYN, 5, 4, 2, 0, 0 },
};

static void test_reset_bytes(void **state)
{
	static const struct {
		const char *name;
		int *fd;
		__u32 code;
	} hooks[] = {
		{ "xdp", &prog_loaded.xdp_fd, XDP_TX },
		{ "tc", &prog_loaded.tc_fd, TC_ACT_REDIRECT },
	};
	uint8_t frame[FRAME_CAP], out[FRAME_CAP], want[FRAME_CAP];
	struct pkt_desc d;
	size_t i, h, len, want_len;
	__u32 out_len;
	char what[96];

	(void)state;
	assert_true(prog_apply_text(POLICY) >= 0); /* or in force already */
	for (i = 0; i < sizeof(answered) / sizeof(answered[0]); i++) {
		build(&answered[i], &d, frame, &len);
		want_len = expected_reset(&d, frame, want);
		for (h = 0; h < 2; h++) {
			snprintf(what, sizeof(what), "%s: %s", hooks[h].name, answered[i].name);
			if (ASSERT_EQ(prog_run_out(*hooks[h].fd, frame, len, out, &out_len),
				      hooks[h].code, what) &&
			    ASSERT_EQ(out_len, want_len, what) &&
			    ASSERT_EQ(memcmp(out, want, want_len), 0, what))
				continue;
			printf("# %s\n#   sent back: ", what);
			pkt_hex(stdout, out, out_len);
			printf("#   expected:  ");
			pkt_hex(stdout, want, want_len);
			fail();
		}
	}
}

/* Frames that are rejected (counted so) but get no answer: dropped, by
 * both hooks. */
static void test_no_answer(void **state)
{
	static const struct reply_case silent[] = {
		{ "v4 RST", "100.64.0.7", "203.0.113.25", PKT_RST, 0, 0, 0, 0, 0 },
		{ "v4 RST|ACK", "100.64.0.7", "203.0.113.25", PKT_RST | PKT_ACK, 0, 0, 0, 0, 0 },
		{ "v6 RST", "2001:db8:1000::7", "2001:db8:2::25", PKT_RST, 0, 0, 0, 0, 0 },
		{ "v4 to a multicast group", "100.64.0.7", "224.0.0.25", PKT_SYN, 0, 0, 0, 0, 0 },
		{ "v4 to the broadcast address", "100.64.0.7", "255.255.255.255", PKT_SYN, 0, 0,
		  0, 0, 0 },
		{ "v6 to a multicast group", "2001:db8:1000::7", "ff02::1", PKT_SYN, 0, 0, 0, 0, 0 },
	};
	uint8_t frame[FRAME_CAP], out[FRAME_CAP];
	struct pkt_desc d;
	size_t i, len;
	__u32 out_len;

	(void)state;
	assert_true(prog_apply_text(POLICY) >= 0); /* or in force already */
	for (i = 0; i < sizeof(silent) / sizeof(silent[0]); i++) {
		build(&silent[i], &d, frame, &len);
		if (!ASSERT_EQ(run_xdp(frame, len, out, &out_len), XDP_DROP, silent[i].name) ||
		    !ASSERT_EQ(prog_run_out(prog_loaded.tc_fd, frame, len, out, &out_len),
			       TC_ACT_SHOT, silent[i].name))
			fail();
	}
	/* A SYN to a broadcast MAC, however unicast its addresses. */
	build(&answered[0], &d, frame, &len);
	memset(frame, 0xff, 6);
	if (!ASSERT_EQ(run_xdp(frame, len, out, &out_len), XDP_DROP, "v4 SYN to ff:ff:ff:ff:ff:ff") ||
	    !ASSERT_EQ(prog_run_out(prog_loaded.tc_fd, frame, len, out, &out_len), TC_ACT_SHOT,
		       "tc: v4 SYN to ff:ff:ff:ff:ff:ff"))
		fail();
}

/* A GSO super-packet on tc is rejected, counted as its segments, and
 * dropped without an answer (hook_tc.h says why). */
static void test_gso_unanswered(void **state)
{
	struct __sk_buff ctx = { .gso_segs = 3, .gso_size = 1448 };
	struct reply_case c = { "", "100.64.0.7", "203.0.113.25", PKT_ACK | PKT_PSH, 1000, 0, 0,
				0, 0 };
	uint8_t frame[FRAME_CAP];
	struct pc_stats before, after;
	struct pkt_desc d;
	size_t len;

	(void)state;
	assert_true(prog_apply_text(POLICY) >= 0);
	build(&c, &d, frame, &len);
	assert_int_equal(pc_maps_read_stats(&prog_loaded.maps, &before), 0);
	assert_int_equal(prog_run_skb(frame, len, &ctx), PC_V_DROPPED);
	assert_int_equal(pc_maps_read_stats(&prog_loaded.maps, &after), 0);
	assert_int_equal(after.totals.rejected - before.totals.rejected, 3);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* How many of n SYNs from src are answered by XDP (or tc), and in how
 * many seconds. */
static unsigned answered_on(int tc, const char *src, unsigned n, double *secs)
{
	struct reply_case c = { "", src, "203.0.113.25", PKT_SYN, 0, 0, 0, 0, 0 };
	uint8_t frame[FRAME_CAP], out[FRAME_CAP];
	double t0 = now_s();
	struct pkt_desc d;
	unsigned i, tx = 0;
	size_t len;
	__u32 out_len;

	if (strchr(src, ':'))
		c.dst = "2001:db8:2::25";
	build(&c, &d, frame, &len);
	for (i = 0; i < n; i++)
		tx += tc ? prog_run_out(prog_loaded.tc_fd, frame, len, out, &out_len) ==
				   TC_ACT_REDIRECT :
			   run_xdp(frame, len, out, &out_len) == XDP_TX;
	*secs = now_s() - t0;
	return tx;
}

static unsigned answered_of(const char *src, unsigned n, double *secs)
{
	return answered_on(0, src, n, secs);
}

/* The default limit, 10 a second and a burst of 20, per source: of 1,000
 * SYNs in a row one source gets the burst and what the time allowed on
 * top, each counted as rejected; the next source gets its own burst, and
 * so does another /64 but not another address of the same one. tc draws
 * on the same limit. */
static void test_reply_limit(void **state)
{
	const unsigned n = 1000;
	struct pc_stats before, after;
	double secs;
	unsigned tx;

	(void)state;
	assert_true(prog_apply_text(POLICY) >= 0);
	assert_int_equal(prog_reply_limit(0, 0), 0); /* the defaults */
	assert_int_equal(pc_maps_read_stats(&prog_loaded.maps, &before), 0);
	tx = answered_of("100.64.9.1", n, &secs);
	printf("# 100.64.9.1: %u of %u SYNs answered in %.3f s\n", tx, n, secs);
	assert_true(tx >= PC_REPLY_BURST);
	assert_true(tx <= PC_REPLY_BURST + 1 + (unsigned)(secs * 1e9 / PC_REPLY_INTERVAL_NS));
	assert_int_equal(pc_maps_read_stats(&prog_loaded.maps, &after), 0);
	assert_int_equal(after.totals.rejected - before.totals.rejected, n);
	assert_true(answered_of("100.64.9.2", PC_REPLY_BURST, &secs) == PC_REPLY_BURST);
	assert_true(answered_of("2001:db8:1000:9::1", n, &secs) >= PC_REPLY_BURST);
	tx = answered_of("2001:db8:1000:9::2", PC_REPLY_BURST, &secs);
	printf("# 2001:db8:1000:9::2, the same /64: %u answered\n", tx);
	assert_true(tx <= 1 + (unsigned)(secs * 1e9 / PC_REPLY_INTERVAL_NS) + 1);
	assert_true(answered_of("2001:db8:1000:a::1", PC_REPLY_BURST, &secs) == PC_REPLY_BURST);
	tx = answered_on(1, "100.64.9.2", PC_REPLY_BURST, &secs);
	printf("# tc, 100.64.9.2 after its burst on XDP: %u answered\n", tx);
	assert_true(tx <= 1 + (unsigned)(secs * 1e9 / PC_REPLY_INTERVAL_NS) + 1);
	assert_true(answered_on(1, "100.64.9.3", n, &secs) >= PC_REPLY_BURST);
	assert_int_equal(prog_reply_limit(1, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_bytes),
		cmocka_unit_test(test_no_answer),
		cmocka_unit_test(test_gso_unanswered),
		cmocka_unit_test(test_reply_limit),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
