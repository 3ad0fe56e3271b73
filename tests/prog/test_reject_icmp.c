// SPDX-License-Identifier: GPL-2.0
/*
 * The ICMP port unreachable that XDP and tc send back for a rejected UDP
 * datagram, byte by byte: each frame runs through both programs
 * (BPF_PROG_TEST_RUN hands back the frame as the program left it) and is
 * compared with the answer built here from the frame's bytes, with
 * checksums of this file's own (RFC 1071), sharing no code with bpf/:
 * ICMP type 3 code 3 (IPv4) or ICMPv6 type 1 code 4, from the datagram's
 * destination to its source, MACs swapped, VLAN tags kept, the datagram
 * quoted from its IP header on without link-layer padding, cut so that
 * the answer is at most 576 bytes (IPv4) or 1280 (IPv6). XDP answers with
 * XDP_TX, tc with TC_ACT_REDIRECT. Nothing is sent to or from a group MAC
 * or address, nor from an address that names no single host, and an ICMP
 * error is never rejected at all. Random and damaged frames under a
 * policy that rejects TCP and UDP get the same answer from both hooks,
 * where the reference classifier says they get one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/pkt_cls.h>

#include "prog_harness.h"

#define POLICY "reject proto udp to port 53\n"

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* RFC 1071: 16-bit words, an odd last byte padded with a zero. */
static uint32_t sum_bytes(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static unsigned fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Where the IP header of an Ethernet frame starts, after its tags. */
static size_t frame_l3(const uint8_t *in)
{
	size_t off = 12;

	while (rd16(in + off) == 0x8100 || rd16(in + off) == 0x88a8)
		off += 4;
	return off + 2;
}

/* The port unreachable that the UDP datagram in (len bytes) must get. */
static size_t expected_icmp(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t l3 = frame_l3(in), quote, hlen;
	int v6 = in[l3] >> 4 == 6;
	uint8_t *ip = out + l3, *icmp;
	uint32_t sum = 0;

	/* The datagram from its IP header on, as long as its header says
	 * and the frame holds, within 576 or 1280 bytes of answer. An IPv6
	 * payload length of 0 (a jumbogram's) says nothing: the frame. */
	quote = v6 ? 40 + rd16(in + l3 + 4) : rd16(in + l3 + 2);
	if (v6 && !rd16(in + l3 + 4))
		quote = len - l3;
	if (quote > len - l3)
		quote = len - l3;
	if (quote > (v6 ? 1280 - 48 : 576 - 28))
		quote = v6 ? 1280 - 48 : 576 - 28;
	hlen = v6 ? 40 : 20;
	memcpy(out, in + 6, 6);
	memcpy(out + 6, in, 6);
	memcpy(out + 12, in + 12, l3 - 12);
	memset(ip, 0, hlen + 8);
	icmp = ip + hlen;
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, 8 + quote);
		ip[6] = 58;
		ip[7] = 64;
		memcpy(ip + 8, in + l3 + 24, 16);
		memcpy(ip + 24, in + l3 + 8, 16);
		icmp[0] = 1;
		icmp[1] = 4;
		/* RFC 4443 2.3: the pseudo header of RFC 8200 8.1 */
		sum = sum_bytes(ip + 8, 32, 0) + 8 + quote + 58;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, 28 + quote);
		ip[8] = 64;
		ip[9] = 1;
		memcpy(ip + 12, in + l3 + 16, 4);
		memcpy(ip + 16, in + l3 + 12, 4);
		put16(ip + 10, fold(sum_bytes(ip, 20, 0)));
		icmp[0] = 3;
		icmp[1] = 3;
	}
	memcpy(icmp + 8, in + l3, quote);
	put16(icmp + 2, fold(sum_bytes(icmp, 8 + quote, sum)));
	return l3 + hlen + 8 + quote;
}

struct icmp_case {
	const char *name;
	const char *src, *dst;
	uint16_t payload;
	uint8_t nvlan;
	uint8_t ip_opt; /* IPv4 option bytes */
	uint8_t ext;    /* IPv6: a destination options header of this many 8-byte units */
	uint16_t pad;   /* link-layer padding after the datagram */
	uint16_t trunc; /* the frame cut to this many bytes */
	uint16_t frag;  /* IPv4 flags: a first fragment */
};

static size_t build(const struct icmp_case *c, uint8_t *frame)
{
	struct pkt_desc d;
	size_t len;

	pkt_desc_l4(&d, c->src, c->dst, UDP, 53, 0);
	d.payload = c->payload;
	d.nvlan = c->nvlan;
	d.vid[0] = 100;
	d.vid[1] = 200;
	d.opt_len = c->ip_opt;
	d.pad = c->pad;
	d.trunc = c->trunc;
	d.frag = c->frag;
	if (c->ext) {
		d.next_ext = 1;
		d.ext[0].type = PKT_EXT_DST;
		d.ext[0].len = c->ext - 1;
	}
	len = pkt_build(&d, frame, FRAME_CAP);
	assert_true(len > 0);
	return len;
}

static const struct icmp_case answered[] = {
	{ .name = "v4 short", .src = "100.64.0.7", .dst = "192.0.2.53" },
	{ .name = "v4 query", .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 33 },
	{ .name = "v4 padded to 60 bytes",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 2, .pad = 16 },
	{ .name = "v4 548 bytes, all quoted",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 548 - 28 },
	{ .name = "v4 549 bytes, cut at 576",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 549 - 28 },
	{ .name = "v4 long, cut at 576",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 1400 },
	{ .name = "v4 odd quote", .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 1 },
	{ .name = "v4 IP options",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 21, .ip_opt = 40 },
	{ .name = "v4 IP options, cut at 576",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 1000, .ip_opt = 40 },
	{ .name = "v4 802.1Q",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 100, .nvlan = 1 },
	{ .name = "v4 QinQ, cut at 576",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 1400, .nvlan = 2 },
	{ .name = "v4 first fragment",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 600, .frag = PKT_IP_MF },
	{ .name = "v4 frame shorter than its datagram",
	  .src = "100.64.0.7", .dst = "192.0.2.53", .payload = 300, .trunc = 200 },
	{ .name = "v6 short", .src = "2001:db8:1000::7", .dst = "2001:db8:2::53" },
	{ .name = "v6 query", .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .payload = 45 },
	{ .name = "v6 1232 bytes, all quoted",
	  .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .payload = 1232 - 48 },
	{ .name = "v6 1233 bytes, cut at 1280",
	  .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .payload = 1233 - 48 },
	{ .name = "v6 long, cut at 1280",
	  .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .payload = 1452 },
	{ .name = "v6 1231 bytes, odd",
	  .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .payload = 1231 - 48 },
	{ .name = "v6 extension header",
	  .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .payload = 31, .ext = 3 },
	{ .name = "v6 extension header, cut at 1280",
	  .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .payload = 1400, .ext = 3 },
	{ .name = "v6 802.1Q",
	  .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .payload = 7, .nvlan = 1 },
	{ .name = "v6 QinQ, cut at 1280",
	  .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .payload = 1440, .nvlan = 2 },
	{ .name = "v6 padded",
	  .src = "2001:db8:1000::7", .dst = "2001:db8:2::53", .nvlan = 1, .pad = 4 },
};

/* Run frame through fd and compare what comes back with want; false (and
 * both frames printed) on a difference. */
static bool answer_is(int fd, __u32 code, const char *hook, const char *name, const uint8_t *in,
		      size_t len, const uint8_t *want, size_t want_len)
{
	static uint8_t out[FRAME_CAP];
	char what[160];
	__u32 out_len;

	snprintf(what, sizeof(what), "%s: %s", hook, name);
	if (ASSERT_EQ(prog_run_out(fd, in, len, out, &out_len), code, what) &&
	    ASSERT_EQ(out_len, want_len, what) && ASSERT_EQ(memcmp(out, want, want_len), 0, what))
		return true;
	printf("# %s\n#   sent back: ", what);
	pkt_hex(stdout, out, out_len);
	printf("#   expected:  ");
	pkt_hex(stdout, want, want_len);
	return false;
}

static void test_icmp_bytes(void **state)
{
	uint8_t frame[FRAME_CAP], want[FRAME_CAP];
	size_t i, len, want_len;
	bool ok = true;

	(void)state;
	assert_true(prog_apply_text(POLICY) >= 0);
	for (i = 0; i < sizeof(answered) / sizeof(answered[0]); i++) {
		const struct icmp_case *c = &answered[i];

		len = build(c, frame);
		want_len = expected_icmp(frame, len, want);
		ok &= answer_is(prog_loaded.xdp_fd, XDP_TX, "xdp", c->name, frame, len, want,
				want_len);
		ok &= answer_is(prog_loaded.tc_fd, TC_ACT_REDIRECT, "tc", c->name, frame, len, want,
				want_len);
		/* The limits of RFC 1812 and RFC 4443, seen from outside. */
		ok &= ASSERT_EQ(want_len - frame_l3(frame) <= (strchr(c->src, ':') ? 1280 : 576),
				1, c->name);
	}
	assert_true(ok);
}

/* Rejected (so counted) but not answered: dropped by both hooks. */
static void test_no_answer(void **state)
{
	static const struct icmp_case silent[] = {
		{ .name = "v4 to the broadcast address",
		  .src = "100.64.0.7", .dst = "255.255.255.255", .payload = 10 },
		{ .name = "v4 to a multicast group",
		  .src = "100.64.0.7", .dst = "224.0.0.251", .payload = 10 },
		{ .name = "v4 to class E", .src = "100.64.0.7", .dst = "240.0.0.1", .payload = 10 },
		{ .name = "v4 from 0.0.0.0", .src = "0.0.0.0", .dst = "192.0.2.53", .payload = 10 },
		{ .name = "v4 from loopback",
		  .src = "127.0.0.1", .dst = "192.0.2.53", .payload = 10 },
		{ .name = "v4 from a multicast address",
		  .src = "224.0.0.1", .dst = "192.0.2.53", .payload = 10 },
		{ .name = "v6 to a multicast group",
		  .src = "2001:db8:1000::7", .dst = "ff02::fb", .payload = 10 },
		{ .name = "v6 from ::", .src = "::", .dst = "2001:db8:2::53", .payload = 10 },
		{ .name = "v6 from ::1", .src = "::1", .dst = "2001:db8:2::53", .payload = 10 },
		{ .name = "v6 from a multicast address",
		  .src = "ff02::1", .dst = "2001:db8:2::53", .payload = 10 },
	};
	uint8_t frame[FRAME_CAP], out[FRAME_CAP];
	struct pc_policy p;
	struct pc_ref_result ref;
	bool ok = true;
	size_t i, len;
	__u32 out_len;

	(void)state;
	assert_int_equal(prog_parse_policy(POLICY, &p), 0);
	assert_true(prog_apply_policy(&p) >= 0);
	for (i = 0; i < sizeof(silent) / sizeof(silent[0]) + 2; i++) {
		const char *name;

		if (i < sizeof(silent) / sizeof(silent[0])) {
			len = build(&silent[i], frame);
			name = silent[i].name;
		} else {
			/* Unicast addresses, but to a group MAC, or from one. */
			len = build(&answered[1], frame);
			frame[i % 2 ? 0 : 6] |= 1;
			name = i % 2 ? "v4 to a multicast MAC" : "v4 from a multicast MAC";
		}
		ref = pc_ref_classify(&p, frame, len);
		ok &= ASSERT_EQ(ref.verdict, PC_V_REJECTED, name) && ASSERT_EQ(ref.answered, 0, name);
		ok &= ASSERT_EQ(prog_run_out(prog_loaded.xdp_fd, frame, len, out, &out_len), XDP_DROP,
				name);
		ok &= ASSERT_EQ(prog_run_out(prog_loaded.tc_fd, frame, len, out, &out_len),
				TC_ACT_SHOT, name);
	}
	pc_policy_free(&p);
	assert_true(ok);
}

/* An ICMP error is never subject to rules, so never rejected nor
 * answered: even under "reject" for every port, it passes. */
static void test_icmp_error_passes(void **state)
{
	uint8_t frame[FRAME_CAP], out[FRAME_CAP];
	struct pkt_desc d;
	size_t len, l3;
	__u32 out_len;

	(void)state;
	assert_true(prog_apply_text("reject\n") >= 0);
	pkt_desc_l4(&d, "100.64.0.7", "192.0.2.53", 1, 0, 0);
	d.payload = 28;
	len = pkt_build(&d, frame, sizeof(frame));
	l3 = frame_l3(frame);
	frame[l3 + 20] = 3; /* destination unreachable, port unreachable */
	frame[l3 + 21] = 3;
	assert_int_equal(prog_run_out(prog_loaded.xdp_fd, frame, len, out, &out_len), XDP_PASS);
	assert_int_equal(prog_run_out(prog_loaded.tc_fd, frame, len, out, &out_len), TC_ACT_OK);
	pkt_desc_l4(&d, "2001:db8:1000::7", "2001:db8:2::53", 58, 0, 0);
	len = pkt_build(&d, frame, sizeof(frame));
	frame[frame_l3(frame) + 40] = 1;
	frame[frame_l3(frame) + 41] = 4;
	assert_int_equal(prog_run_out(prog_loaded.xdp_fd, frame, len, out, &out_len), XDP_PASS);
	assert_int_equal(prog_run_out(prog_loaded.tc_fd, frame, len, out, &out_len), TC_ACT_OK);
}

/* Random frames, a third of them damaged, under rejects for TCP and UDP:
 * each program answers exactly those that the reference says, with the
 * same bytes from both hooks, and a UDP answer is the one built here. */
static void test_random_rejects(void **state)
{
	static const char policy[] =
		"table <subs> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
		"pass proto tcp from <subs> to 198.51.100.25 port 25\n"
		"reject proto tcp from <subs> to port 25\n"
		"reject proto udp to port { 53, 123, 1024:65535 }\n"
		"block proto tcp to port 1024:65535\n"
		"reject proto tcp to port { 22, 80, 443 }\n";
	static uint8_t frame[FRAME_CAP], xout[FRAME_CAP], tout[FRAME_CAP], want[FRAME_CAP];
	size_t n = 20000, i, bad = 0, answers[2] = { 0 }, silent = 0;
	struct pc_ref_result ref;
	struct pc_policy p;
	struct rng r;
	__u32 xlen, tlen, xret, tret;

	(void)state;
	assert_int_equal(prog_parse_policy(policy, &p), 0);
	assert_true(prog_apply_policy(&p) >= 0);
	rng_seed(&r, prog_seed ^ 0x1c4d);
	for (i = 0; i < n; i++) {
		size_t len = pkt_random(&r, &p, frame, sizeof(frame));

		if (rng_chance(&r, 35))
			len = pkt_mutate(&r, frame, len, sizeof(frame), 14);
		/* tc's BPF_PROG_TEST_RUN refuses frames too short for the
		 * IP header they announce (prog_harness.c). */
		if (len < 14 + 40)
			continue;
		ref = pc_ref_classify(&p, frame, len);
		xret = prog_run_out(prog_loaded.xdp_fd, frame, len, xout, &xlen);
		tret = prog_run_out(prog_loaded.tc_fd, frame, len, tout, &tlen);
		if (ref.verdict != PC_V_REJECTED)
			continue;
		if (!ref.answered) {
			silent++;
			if (xret == XDP_DROP && tret == TC_ACT_SHOT)
				continue;
		} else {
			answers[ref.proto == PC_PROTO_UDP]++;
			if (xret == XDP_TX && tret == TC_ACT_REDIRECT && xlen == tlen &&
			    !memcmp(xout, tout, xlen) &&
			    (ref.proto != PC_PROTO_UDP ||
			     (expected_icmp(frame, len, want) == xlen && !memcmp(want, xout, xlen))))
				continue;
		}
		if (bad++ < MAX_REPORT) {
			printf("# frame %zu (%zu bytes, answered %d): xdp %u, tc %u\n#   in:  ", i, len,
			       ref.answered, xret, tret);
			pkt_hex(stdout, frame, len);
			printf("#   xdp: ");
			pkt_hex(stdout, xout, xlen);
			printf("#   tc:  ");
			pkt_hex(stdout, tout, tlen);
		}
	}
	printf("# %zu frames: %zu resets, %zu port unreachables, %zu rejected without an answer; "
	       "%zu mismatches\n",
	       n, answers[0], answers[1], silent, bad);
	pc_policy_free(&p);
	assert_true(answers[0] > 0 && answers[1] > 0 && silent > 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_bytes),
		cmocka_unit_test(test_no_answer),
		cmocka_unit_test(test_icmp_error_passes),
		cmocka_unit_test(test_random_rejects),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
