// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: arbitrary frames through the reference classifier
 * (tests/lib/refclass.c) and through the kernel program's own packet
 * parser (bpf/parse.h), built here for user space. The two share no code,
 * so each is the other's oracle: they must agree on the class of every
 * frame and, for TCP and UDP, on the protocol, the destination port and
 * whether it is a connection attempt; and a rule that names the family,
 * addresses, protocol and port that parse.h found must decide the frame
 * in refclass, while one that names another source must not.
 *
 * The first byte of the input picks one of the policies below, under
 * which refclass also walks the rules; the rest is the frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* bpf/parse.h is written for the BPF target, where these are macros of
 * bpf_helpers.h; that header declares the helpers as objects, which user
 * space must not have. */
#define __BPF_HELPERS__
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#include "parse.h"

#include "fuzz_check.h"
#include "policy.h"
#include "refclass.h"

static const char *const policies[] = {
	"pass\n",
	"set malformed pass\n"
	"block proto tcp to port { 22, 8000:8100 }\n"
	"reject proto udp from 198.51.100.0/24 to port 53\n",
	"table <v6> { 2001:db8::/32, 2001:db8:1::1 }\n"
	"table <v4> { 192.0.2.0/24, 203.0.113.7 }\n"
	"monitor from <v6> to port 443\n"
	"limit from <v4> to port 25 rate 3/hour burst 2\n"
	"reject to ! { 192.0.2.1, 2001:db8::1 } port 1:1023\n"
	"block\n",
};
#define NPOLICIES (sizeof(policies) / sizeof(policies[0]))

static struct pc_policy parsed[NPOLICIES];
static unsigned long runs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++) {
		struct pc_diag d = { 0 };

		if (pc_policy_parse_string("fuzz.rules", policies[i], &parsed[i], &d)) {
			pc_diag_print(stderr, &d);
			FUZZ_FAIL("policy %zu does not parse", i);
		}
		pc_diag_free(&d);
	}
	return 0;
}

/* The addresses, protocol and port that parse.h found, checked against
 * refclass: a rule naming exactly them must decide the frame, and one
 * naming another source host must not. */
static void same_fields(const uint8_t *frame, size_t len, const struct pc_pkt *pkt)
{
	struct pc_prefix src = { .family = pkt->family }, dst = { .family = pkt->family };
	struct pc_port_range port = { pkt->dport, pkt->dport };
	struct pc_rule_ast rule = {
		.action = PC_ACT_BLOCK,
		.protos = 1u << pkt->proto,
		.src = { .kind = PC_ADDR_LIST, .list = { &src, 1, 1 } },
		.dst = { .kind = PC_ADDR_LIST, .list = { &dst, 1, 1 } },
		.ports = { &port, 1, 1 },
	};
	struct pc_policy pol = { .rules = &rule, .nrules = 1, .malformed = PC_ACT_PASS };
	size_t alen = pkt->family == PC_FAMILY_V4 ? 4 : 16;
	struct pc_ref_result ref;

	src.len = dst.len = (__u8)(alen * 8);
	memcpy(src.addr, pkt->saddr, alen);
	memcpy(dst.addr, pkt->daddr, alen);
	ref = pc_ref_classify(&pol, frame, len);
	FUZZ_CHECK(ref.rule == 0 && ref.verdict == PC_V_DROPPED,
		   "a rule naming parse.h's addresses, protocol and port gives rule %d, verdict %d",
		   ref.rule, ref.verdict);
	src.addr[alen - 1] ^= 1;
	ref = pc_ref_classify(&pol, frame, len);
	FUZZ_CHECK(ref.rule == -1, "a rule naming another source than parse.h's decided it");
}

static const int ref_of[] = {
	[PC_CLS_L4] = PC_REF_L4,
	[PC_CLS_OTHER] = PC_REF_OTHER,
	[PC_CLS_FRAGMENT] = PC_REF_FRAGMENT,
	[PC_CLS_MALFORMED] = PC_REF_MALFORMED,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pc_policy *pol;
	struct pc_ref_result ref;
	struct pc_pkt pkt = { 0 };
	uint8_t *buf, *frame;
	size_t len, alen;
	int cls;

	if (!size)
		return 0;
	pol = &parsed[data[0] % NPOLICIES];
	/* A copy that ends where the frame ends, so that AddressSanitizer
	 * sees a read one byte past it; it starts 2 bytes into a block, as
	 * the kernel's NET_IP_ALIGN places frames, so that the IP header is
	 * 4-byte aligned (parse.h reads it through struct iphdr). */
	len = size - 1;
	buf = malloc(len + 2);
	FUZZ_CHECK(buf, "out of memory");
	frame = buf + 2;
	memcpy(frame, data + 1, len);

	/* The limit buckets fill up with sources; they are emptied long
	 * before the reference's own cap (2^17) could be reached. */
	if (!(++runs % 4096))
		pc_ref_limit_reset();
	ref = pc_ref_classify(pol, frame, len);
	cls = pc_parse(frame, frame + len, &pkt);

	FUZZ_CHECK(cls >= 0 && cls <= PC_CLS_MALFORMED, "parse.h class %d", cls);
	FUZZ_CHECK((int)ref.cls == ref_of[cls], "classes differ: refclass %d, parse.h %d", ref.cls,
		   cls);
	if (cls == PC_CLS_L4) {
		alen = pkt.family == PC_FAMILY_V4 ? 4 : 16;
		FUZZ_CHECK(ref.proto == pkt.proto, "protocols differ: %d, %u", ref.proto, pkt.proto);
		FUZZ_CHECK(ref.dport == pkt.dport, "ports differ: %d, %u", ref.dport, pkt.dport);
		FUZZ_CHECK(ref.connection == pkt.conn, "connection attempt: %d, %u", ref.connection,
			   pkt.conn);
		FUZZ_CHECK((uint8_t *)pkt.saddr >= frame && (uint8_t *)pkt.daddr + alen <= frame + len,
			   "addresses outside the frame");
		FUZZ_CHECK(pkt.l4_off <= len, "l4_off %u past the frame's %zu bytes", pkt.l4_off,
			   len);
		same_fields(frame, len, &pkt);
	} else {
		FUZZ_CHECK(ref.rule == -1 && ref.proto == -1 && ref.dport == -1,
			   "refclass decided a frame of class %d by rule %d", ref.cls, ref.rule);
	}
	if (ref.cls == PC_REF_MALFORMED)
		FUZZ_CHECK(ref.verdict == (pol->malformed == PC_ACT_BLOCK ? PC_V_DROPPED : PC_V_PASSED),
			   "malformed verdict %d", ref.verdict);
	FUZZ_CHECK(ref.rule < (int)pol->nrules, "rule %d of %zu", ref.rule, pol->nrules);
	free(buf);
	return 0;
}
