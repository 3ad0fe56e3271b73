// SPDX-License-Identifier: GPL-2.0
/*
 * The reference classifier on hand-written frames. The frames are written
 * out byte by byte here (not with tests/prog/pkt.c), so that the builder
 * and the classifier are checked against something independent of both.
 *
 * A frame is a string of whitespace-separated tokens: hex bytes, or an
 * IPv4/IPv6 address (which becomes its 4 or 16 bytes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "policy.h"
#include "refclass.h"

/* ---- frame pieces ---------------------------------------------------- */

#define ETH    "020000000002 020000000001 " /* destination, source MAC */
#define ET4    "0800 "
#define ET6    "86dd "
#define ETARP  "0806 "
#define TAGQ   "8100 0064 " /* 802.1Q, VID 100; the ethertype follows */
#define TAGAD  "88a8 00c8 " /* 802.1ad, VID 200 */

#define TCP "06"
#define UDP "11"
#define ICMP "01"
#define ICMP6 "3a"

/* IPv4 with DF and no options; source and destination follow. */
#define IP4(proto) "45 00 0028 1c46 4000 40 " proto " 0000 "
/* IPv4 with every field chosen: version/IHL byte, total length, flags and
 * fragment offset. */
#define IP4X(vihl, tot, frag, proto) vihl " 00 " tot " 1c46 " frag " 40 " proto " 0000 "
/* IPv6; source and destination follow. */
#define IP6(nh) "60000000 0014 " nh " 40 "
/* IPv6 with its payload length (extension headers included) chosen. */
#define IP6P(plen, nh) "60000000 " plen " " nh " 40 "

#define P25   "0019"
#define P53   "0035"
#define P443  "01bb"
#define P465  "01d1"
#define P587  "024b"
#define P1500 "05dc"
#define P22   "0016"

#define SYN    "02"
#define SYNACK "12"
#define ACK    "10"
#define TCPH(dport, flags) "9c40 " dport " 00000001 00000000 50 " flags " ffff 0000 0000 "
#define TCPDOFF(doff, dport) "9c40 " dport " 00000001 00000000 " doff " 02 ffff 0000 0000 "
#define UDPH(dport)        "9c40 " dport " 0008 0000 "
#define ICMPH              "0800 0000 4242 0001 "
#define ICMP6H             "8000 0000 4242 0001 "
/* IPv6 extension headers: next header, length, then padding. */
#define EXT8(nh)      nh " 00 000000000000 "
#define EXTAH(nh)     nh " 04 0000 00000000 00000000 00000000 00000000 00000000 " /* 24 bytes */
#define FRAG(nh, off) nh " 00 " off " 0000feed "

/* 100.64.1.2 (subscriber) to 192.0.2.1 */
#define SUB4 "100.64.1.2 192.0.2.1 "
#define SUB6 "2001:db8:1000::5 2001:db8:99::1 "

/* ---- policies --------------------------------------------------------- */

static const char *const policies[] = {
	/* 0: the ISP example, with a few more rules */
	"table <relays>      { 198.51.100.25, 2001:db8:25::/64 }\n"
	"table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
	"table <business>    { 100.64.10.0/24, 2001:db8:1000:10::/64 }\n"
	"set malformed block\n"
	"pass    proto tcp from <business> to port 25\n"                       /* 0 */
	"pass    proto tcp to <relays> port 25\n"                              /* 1 */
	"reject  proto tcp from <subscribers> to port 25 log\n"                /* 2 */
	"monitor proto tcp to port { 465, 587, 2525 }\n"                       /* 3 */
	"limit   proto tcp from <subscribers> to port 587 rate 30/minute burst 10\n" /* 4 */
	"block   proto { tcp, udp } from 203.0.113.0/24 to port 1024:65535\n" /* 5 */
	"block   proto udp from !<subscribers> to port 53\n"                   /* 6 */
	"block   proto tcp from { 192.0.2.0/24, 2001:db8:ffff::/48 } to !198.51.100.0/24 port 20:30\n" /* 7 */
	"block   proto tcp to port 25\n",                                      /* 8 */
	/* 1: the same first rules, malformed packets let through */
	"set malformed pass\n"
	"block proto tcp to port 25\n",
	/* 2: overlapping ranges of equal width; a UDP-only item */
	"block proto tcp to port 20:30\n"
	"pass  proto tcp to port 25:35\n"
	"pass  proto udp to port 25\n"
	"limit proto tcp to port 0:65535 rate 1/second\n",
};
#define NPOLICY (sizeof(policies) / sizeof(policies[0]))

static struct pc_policy parsed[NPOLICY];

/* ---- the cases -------------------------------------------------------- */

struct rc_case {
	const char *name;
	unsigned policy;
	const char *frame;
	enum pc_ref_class cls;
	enum pc_verdict verdict;
	int rule;
	int proto; /* checked for L4 only */
	int dport;
	int connection;
	int item_lo, item_hi;
};

#define T PC_PROTO_TCP
#define U PC_PROTO_UDP
#define L4(v, r, pr, port, conn, lo, hi) PC_REF_L4, PC_V_##v, r, pr, port, conn, lo, hi
#define NOL4(c, v) PC_REF_##c, PC_V_##v, -1, -1, -1, 0, -1, -1

static const struct rc_case cases[] = {
	/* rules, IPv4 */
	{ "v4 subscriber SYN to 25 is rejected", 0, ETH ET4 IP4(TCP) SUB4 TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v4 subscriber SYN|ACK to 25: same rule, no connection", 0,
	  ETH ET4 IP4(TCP) SUB4 TCPH(P25, SYNACK), L4(REJECTED, 2, T, 25, 0, 25, 25) },
	{ "v4 business customer passes", 0, ETH ET4 IP4(TCP) "100.64.10.5 192.0.2.1 " TCPH(P25, SYN),
	  L4(PASSED, 0, T, 25, 1, 25, 25) },
	{ "v4 relay exemption", 0, ETH ET4 IP4(TCP) "100.64.1.2 198.51.100.25 " TCPH(P25, SYN),
	  L4(PASSED, 1, T, 25, 1, 25, 25) },
	{ "v4 next address to the relay is not exempt", 0,
	  ETH ET4 IP4(TCP) "100.64.1.2 198.51.100.26 " TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v4 just outside the subscriber /10 falls to the last rule", 0,
	  ETH ET4 IP4(TCP) "100.128.0.0 192.0.2.1 " TCPH(P25, SYN), L4(DROPPED, 8, T, 25, 1, 25, 25) },
	{ "v4 last address of the /10 is a subscriber", 0,
	  ETH ET4 IP4(TCP) "100.127.255.255 192.0.2.1 " TCPH(P25, ACK),
	  L4(REJECTED, 2, T, 25, 0, 25, 25) },
	{ "v4 587 monitored", 0, ETH ET4 IP4(TCP) SUB4 TCPH(P587, SYN),
	  L4(PASSED, 3, T, 587, 1, 587, 587) },
	{ "v4 465 monitored", 0, ETH ET4 IP4(TCP) "8.8.8.8 192.0.2.1 " TCPH(P465, SYN),
	  L4(PASSED, 3, T, 465, 1, 465, 465) },
	{ "v4 443 matches nothing", 0, ETH ET4 IP4(TCP) SUB4 TCPH(P443, SYN),
	  L4(PASSED, -1, T, 443, 1, -1, -1) },
	{ "v4 UDP high port from the blocked /24", 0,
	  ETH ET4 IP4(UDP) "203.0.113.7 192.0.2.1 " UDPH(P1500), L4(DROPPED, 5, U, 1500, 1, 1024, 65535) },
	{ "v4 TCP high port from the blocked /24", 0,
	  ETH ET4 IP4(TCP) "203.0.113.7 192.0.2.1 " TCPH(P1500, ACK),
	  L4(DROPPED, 5, T, 1500, 0, 1024, 65535) },
	{ "v4 UDP/53 from a non-subscriber (negated table)", 0,
	  ETH ET4 IP4(UDP) "8.8.8.8 192.0.2.1 " UDPH(P53), L4(DROPPED, 6, U, 53, 1, 53, 53) },
	{ "v4 UDP/53 from a subscriber", 0, ETH ET4 IP4(UDP) SUB4 UDPH(P53),
	  L4(PASSED, -1, U, 53, 1, 53, 53) },
	{ "v4 UDP/25 has no UDP item", 0, ETH ET4 IP4(UDP) SUB4 UDPH(P25),
	  L4(PASSED, -1, U, 25, 1, -1, -1) },
	{ "v4 list source, negated destination inside", 0,
	  ETH ET4 IP4(TCP) "192.0.2.9 198.51.100.9 " TCPH(P22, SYN), L4(PASSED, -1, T, 22, 1, 20, 30) },
	{ "v4 list source, negated destination outside", 0,
	  ETH ET4 IP4(TCP) "192.0.2.9 203.0.113.1 " TCPH(P22, SYN), L4(DROPPED, 7, T, 22, 1, 20, 30) },
	{ "v4 list rule before the catch-all, port 25 item wins over 20:30", 0,
	  ETH ET4 IP4(TCP) "192.0.2.9 203.0.113.1 " TCPH(P25, SYN), L4(DROPPED, 7, T, 25, 1, 25, 25) },

	/* rules, IPv6 */
	{ "v6 subscriber SYN to 25 is rejected", 0, ETH ET6 IP6(TCP) SUB6 TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v6 business customer passes", 0,
	  ETH ET6 IP6(TCP) "2001:db8:1000:10::9 2001:db8:99::1 " TCPH(P25, SYN),
	  L4(PASSED, 0, T, 25, 1, 25, 25) },
	{ "v6 relay exemption", 0, ETH ET6 IP6(TCP) "2001:db8:1000::5 2001:db8:25::7 " TCPH(P25, SYN),
	  L4(PASSED, 1, T, 25, 1, 25, 25) },
	{ "v6 just past the subscriber /36", 0,
	  ETH ET6 IP6(TCP) "2001:db8:2000:: 2001:db8:99::1 " TCPH(P25, SYN),
	  L4(DROPPED, 8, T, 25, 1, 25, 25) },
	{ "v6 UDP/53 from a non-subscriber", 0,
	  ETH ET6 IP6(UDP) "2001:db8:2000::1 2001:db8:99::1 " UDPH(P53), L4(DROPPED, 6, U, 53, 1, 53, 53) },
	{ "v6 UDP/53 from a subscriber", 0, ETH ET6 IP6(UDP) SUB6 UDPH(P53),
	  L4(PASSED, -1, U, 53, 1, 53, 53) },
	/* Rule 7's destination is IPv4 only, so the rule is (as in pf): its
	 * negation does not make it match IPv6 packets. */
	{ "v6 to a negated IPv4 list: the rule is IPv4 only", 0,
	  ETH ET6 IP6(TCP) "2001:db8:ffff::1 2001:db8::1 " TCPH(P22, SYN),
	  L4(PASSED, -1, T, 22, 1, 20, 30) },
	{ "v6 587 monitored", 0, ETH ET6 IP6(TCP) SUB6 TCPH(P587, SYN),
	  L4(PASSED, 3, T, 587, 1, 587, 587) },

	/* layer 2 */
	{ "802.1Q", 0, ETH TAGQ ET4 IP4(TCP) SUB4 TCPH(P25, SYN), L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "QinQ", 0, ETH TAGAD TAGQ ET4 IP4(TCP) SUB4 TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "QinQ v6", 0, ETH TAGAD TAGQ ET6 IP6(TCP) SUB6 TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "two 802.1Q tags", 0, ETH TAGQ TAGQ ET6 IP6(TCP) SUB6 TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "three tags are not parsed", 0, ETH TAGAD TAGQ TAGQ ET4 IP4(TCP) SUB4 TCPH(P25, SYN),
	  NOL4(OTHER, PASSED) },
	{ "truncated tag", 0, ETH "8100 00", NOL4(OTHER, PASSED) },
	{ "tag without its ethertype", 0, ETH "8100 0064", NOL4(OTHER, PASSED) },
	{ "13 bytes", 0, "020000000002 020000000001 08", NOL4(OTHER, PASSED) },
	{ "Ethernet header alone", 0, ETH ET4, NOL4(MALFORMED, DROPPED) },
	{ "ARP", 0,
	  ETH ETARP "0001 0800 06 04 0001 020000000001 100.64.1.2 000000000000 100.64.0.1",
	  NOL4(OTHER, PASSED) },
	{ "ICMP", 0, ETH ET4 IP4(ICMP) SUB4 ICMPH, NOL4(OTHER, PASSED) },
	{ "ICMPv6", 0, ETH ET6 IP6(ICMP6) SUB6 ICMP6H, NOL4(OTHER, PASSED) },
	{ "unknown ethertype", 0, ETH "88b5 0102030405060708", NOL4(OTHER, PASSED) },

	/* IPv4 header */
	{ "v4 IHL 6 (options skipped)", 0,
	  ETH ET4 IP4X("46", "002c", "4000", TCP) SUB4 "01010100 " TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v4 IHL 15 (40 bytes of options)", 0,
	  ETH ET4 IP4X("4f", "0050", "0000", TCP) SUB4
	  "01010101 01010101 01010101 01010101 01010101 01010101 01010101 01010101 01010101 00000000 "
	  TCPH(P587, SYN), L4(PASSED, 3, T, 587, 1, 587, 587) },
	{ "v4 IHL 4", 0, ETH ET4 IP4X("44", "0028", "4000", TCP) SUB4 TCPH(P25, SYN),
	  NOL4(MALFORMED, DROPPED) },
	{ "v4 IHL 0", 0, ETH ET4 IP4X("40", "0028", "4000", TCP) SUB4 TCPH(P25, SYN),
	  NOL4(MALFORMED, DROPPED) },
	{ "v4 IHL past the frame", 0, ETH ET4 IP4X("4f", "0028", "4000", TCP) SUB4 "0102",
	  NOL4(MALFORMED, DROPPED) },
	{ "v4 version 6 under 0x0800", 0, ETH ET4 IP4X("65", "0028", "4000", TCP) SUB4 TCPH(P25, SYN),
	  NOL4(MALFORMED, DROPPED) },
	{ "v4 total length below the header", 0,
	  ETH ET4 IP4X("45", "0013", "4000", TCP) SUB4 TCPH(P25, SYN), NOL4(MALFORMED, DROPPED) },
	{ "v4 total length above the frame is not checked", 0,
	  ETH ET4 IP4X("45", "05dc", "4000", TCP) SUB4 TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v4 19 bytes of header", 0, ETH ET4 "4500 0028 1c46 4000 4006 0000 100.64.1.2 c00002",
	  NOL4(MALFORMED, DROPPED) },
	{ "v4 TCP with 19 bytes", 0, ETH ET4 IP4(TCP) SUB4 "9c40 0019 00000001 00000000 5002 ffff 0000 00",
	  NOL4(MALFORMED, DROPPED) },
	{ "v4 TCP doff 4", 0, ETH ET4 IP4(TCP) SUB4 TCPDOFF("40", P25), NOL4(MALFORMED, DROPPED) },
	{ "v4 TCP doff 15, options not present", 0, ETH ET4 IP4(TCP) SUB4 TCPDOFF("f0", P25),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v4 UDP with 7 bytes", 0, ETH ET4 IP4(UDP) SUB4 "9c40 0035 0008 00", NOL4(MALFORMED, DROPPED) },
	{ "v4 UDP with 4 bytes still malformed", 0, ETH ET4 IP4(UDP) SUB4 "9c40 0035",
	  NOL4(MALFORMED, DROPPED) },
	{ "v4 no L4 bytes, other protocol", 0, ETH ET4 IP4("2f") SUB4, NOL4(OTHER, PASSED) },
	{ "v4 Ethernet padding after the datagram is fine", 0,
	  ETH ET4 IP4X("45", "0028", "4000", TCP) SUB4 TCPH(P25, SYN) "000000000000",
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },

	/* fragments */
	{ "v4 first fragment, whole header", 0, ETH ET4 IP4X("45", "0028", "2000", TCP) SUB4 TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v4 tiny first fragment (RFC 1858)", 0, ETH ET4 IP4X("45", "001c", "2000", TCP) SUB4
	  "9c40 0019 00000001", NOL4(MALFORMED, DROPPED) },
	{ "v4 non-first fragment", 0, ETH ET4 IP4X("45", "0028", "0001", TCP) SUB4 TCPH(P25, SYN),
	  NOL4(FRAGMENT, PASSED) },
	{ "v4 last fragment (MF clear, offset set)", 0,
	  ETH ET4 IP4X("45", "0028", "1fff", UDP) SUB4 UDPH(P53), NOL4(FRAGMENT, PASSED) },
	{ "v4 non-first fragment of ICMP", 0, ETH ET4 IP4X("45", "0028", "2010", ICMP) SUB4 ICMPH,
	  NOL4(FRAGMENT, PASSED) },
	{ "v4 total length too short for the TCP header (padding follows)", 0,
	  ETH ET4 IP4X("45", "001e", "0000", TCP) SUB4 TCPH(P25, SYN), NOL4(MALFORMED, DROPPED) },
	{ "v4 total length too short for the UDP header", 0,
	  ETH ET4 IP4X("45", "0018", "0000", UDP) SUB4 "9c40 0035 0008 0000", NOL4(MALFORMED, DROPPED) },
	{ "v4 non-first fragment with no payload", 0, ETH ET4 IP4X("45", "0014", "0100", TCP) SUB4,
	  NOL4(FRAGMENT, PASSED) },
	{ "v4 fragment with bad IHL is malformed first", 0,
	  ETH ET4 IP4X("44", "0028", "0001", TCP) SUB4 TCPH(P25, SYN), NOL4(MALFORMED, DROPPED) },

	/* IPv6 extension headers */
	{ "v6 hop-by-hop and destination options", 0,
	  ETH ET6 IP6P("0024", "00") SUB6 EXT8("3c") EXT8(TCP) TCPH(P25, SYN), L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v6 routing header of 24 bytes", 0,
	  ETH ET6 IP6P("002c", "2b") SUB6 TCP " 02 0000 00000000 0000000000000000 0000000000000000 " TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v6 AH", 0, ETH ET6 IP6P("002c", "33") SUB6 EXTAH(TCP) TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v6 first fragment", 0, ETH ET6 IP6P("001c", "2c") SUB6 FRAG(TCP, "0001") TCPH(P25, SYN),
	  L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v6 tiny first fragment", 0, ETH ET6 IP6("2c") SUB6 FRAG(TCP, "0001") "9c40 0019 00000001",
	  NOL4(MALFORMED, DROPPED) },
	{ "v6 non-first fragment", 0, ETH ET6 IP6("2c") SUB6 FRAG(TCP, "0008") TCPH(P25, SYN),
	  NOL4(FRAGMENT, PASSED) },
	{ "v6 non-first fragment, reserved bits ignored", 0,
	  ETH ET6 IP6("2c") SUB6 FRAG(TCP, "fff8") TCPH(P25, SYN), NOL4(FRAGMENT, PASSED) },
	{ "v6 fragment offset 0 with reserved bits", 0,
	  ETH ET6 IP6("2c") SUB6 FRAG(UDP, "0007") UDPH(P53), L4(PASSED, -1, U, 53, 1, 53, 53) },
	{ "v6 non-first fragment after 7 headers", 0,
	  ETH ET6 IP6("00") SUB6 EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c")
	  EXT8("2c") FRAG(TCP, "0010") TCPH(P25, SYN), NOL4(FRAGMENT, PASSED) },
	{ "v6 8 extension headers are walked", 0,
	  ETH ET6 IP6P("0054", "00") SUB6 EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c")
	  EXT8("2b") EXT8(TCP) TCPH(P25, SYN), L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v6 payload length too short for the TCP header (padding follows)", 0,
	  ETH ET6 IP6P("000a", "06") SUB6 TCPH(P25, SYN), NOL4(MALFORMED, DROPPED) },
	{ "v6 payload length 0 (jumbogram) sets no limit", 0,
	  ETH ET6 IP6P("0000", "06") SUB6 TCPH(P25, SYN), L4(REJECTED, 2, T, 25, 1, 25, 25) },
	{ "v6 extension headers longer than the payload length", 0,
	  ETH ET6 IP6P("0010", "00") SUB6 EXT8("3c") EXT8(TCP) TCPH(P25, SYN), NOL4(MALFORMED, DROPPED) },
	{ "v6 9 extension headers are malformed", 0,
	  ETH ET6 IP6P("005c", "00") SUB6 EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c")
	  EXT8("3c") EXT8("3c") EXT8(TCP) TCPH(P25, SYN), NOL4(MALFORMED, DROPPED) },
	{ "v6 9th is a fragment header: still malformed", 0,
	  ETH ET6 IP6("00") SUB6 EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c")
	  EXT8("3c") EXT8("2c") FRAG(TCP, "0010") TCPH(P25, SYN), NOL4(MALFORMED, DROPPED) },
	{ "v6 8 extension headers then ICMPv6", 0,
	  ETH ET6 IP6("00") SUB6 EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c") EXT8("3c")
	  EXT8("3c") EXT8(ICMP6) ICMP6H, NOL4(OTHER, PASSED) },
	{ "v6 extension header cut short", 0, ETH ET6 IP6("00") SUB6 "06 00 0000", NOL4(MALFORMED, DROPPED) },
	{ "v6 extension header claims more than is there", 0,
	  ETH ET6 IP6("00") SUB6 "06 02 000000000000 " TCPH(P25, SYN), NOL4(MALFORMED, DROPPED) },
	{ "v6 long header then no next header", 0, ETH ET6 IP6("3c") SUB6 "3b 20 000000000000",
	  NOL4(OTHER, PASSED) },
	{ "v6 ESP", 0, ETH ET6 IP6("32") SUB6 "00000001 00000001", NOL4(OTHER, PASSED) },
	{ "v6 no next header", 0, ETH ET6 IP6("3b") SUB6, NOL4(OTHER, PASSED) },
	{ "v6 39 bytes", 0, ETH ET6 "60000000 0014 06 40 2001:db8:1000::5 20010db80099000000000000000000",
	  NOL4(MALFORMED, DROPPED) },
	{ "v6 version 4 under 0x86dd", 0, ETH ET6 "40000000 0014 06 40 " SUB6 TCPH(P25, SYN),
	  NOL4(MALFORMED, DROPPED) },
	{ "v6 TCP doff 4", 0, ETH ET6 IP6(TCP) SUB6 TCPDOFF("40", P25), NOL4(MALFORMED, DROPPED) },
	{ "v6 UDP with 7 bytes", 0, ETH ET6 IP6(UDP) SUB6 "9c40 0035 0008 00", NOL4(MALFORMED, DROPPED) },

	/* set malformed pass */
	{ "malformed pass: IHL 4", 1, ETH ET4 IP4X("44", "0028", "4000", TCP) SUB4 TCPH(P25, SYN),
	  NOL4(MALFORMED, PASSED) },
	{ "malformed pass: tiny fragment", 1, ETH ET4 IP4X("45", "001c", "2000", TCP) SUB4 "9c40 0019 00000001",
	  NOL4(MALFORMED, PASSED) },
	{ "malformed pass: rules still apply", 1, ETH ET4 IP4(TCP) SUB4 TCPH(P25, SYN),
	  L4(DROPPED, 0, T, 25, 1, 25, 25) },

	/* port items */
	{ "equal widths: the lower range wins", 2, ETH ET4 IP4(TCP) SUB4 TCPH(P25, SYN),
	  L4(DROPPED, 0, T, 25, 1, 20, 30) },
	{ "only the second range holds 31", 2, ETH ET4 IP4(TCP) SUB4 TCPH("001f", SYN),
	  L4(PASSED, 1, T, 31, 1, 25, 35) },
	{ "the whole range is the only item for 443", 2, ETH ET4 IP4(TCP) SUB4 TCPH(P443, SYN),
	  L4(PASSED, 3, T, 443, 1, 0, 65535) },
	{ "UDP sees only UDP items", 2, ETH ET4 IP4(UDP) SUB4 UDPH(P25), L4(PASSED, 2, U, 25, 1, 25, 25) },
	{ "UDP with no item", 2, ETH ET4 IP4(UDP) SUB4 UDPH(P22), L4(PASSED, -1, U, 22, 1, -1, -1) },
};

/* ---- helpers ------------------------------------------------------------ */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Turn a frame string into bytes; fails the test on a bad token. */
static size_t frame_bytes(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		char tok[64];
		size_t k = 0, i;

		while (*s == ' ' || *s == '\n')
			s++;
		if (!*s)
			break;
		while (*s && *s != ' ' && *s != '\n' && k + 1 < sizeof(tok))
			tok[k++] = *s++;
		tok[k] = '\0';
		if (strchr(tok, '.') || strchr(tok, ':')) {
			uint8_t a[16];
			int v6 = strchr(tok, ':') != NULL;

			assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, tok, a), 1);
			assert_true(n + (v6 ? 16 : 4) <= cap);
			memcpy(out + n, a, v6 ? 16 : 4);
			n += v6 ? 16 : 4;
			continue;
		}
		assert_int_equal(k % 2, 0);
		for (i = 0; i < k; i += 2) {
			int hi = hexval(tok[i]), lo = hexval(tok[i + 1]);

			assert_true(hi >= 0 && lo >= 0);
			assert_true(n < cap);
			out[n++] = (uint8_t)(hi << 4 | lo);
		}
	}
	return n;
}

static int setup(void **state)
{
	size_t i;

	for (i = 0; i < NPOLICY; i++) {
		struct pc_diag d = { 0 };
		int err = pc_policy_parse_string("test", policies[i], &parsed[i], &d);

		pc_diag_flush(stderr, &d);
		if (err) {
			fprintf(stderr, "policy %zu does not parse\n", i);
			return -1;
		}
	}
	return 0;
}

static int teardown(void **state)
{
	size_t i;

	for (i = 0; i < NPOLICY; i++)
		pc_policy_free(&parsed[i]);
	return 0;
}

static void run_case(void **state)
{
	const struct rc_case *c = *state;
	uint8_t frame[2048];
	size_t len = frame_bytes(c->frame, frame, sizeof(frame));
	struct pc_ref_result r = pc_ref_classify(&parsed[c->policy], frame, len);

	assert_int_equal(r.cls, c->cls);
	assert_int_equal(r.verdict, c->verdict);
	assert_int_equal(r.rule, c->rule);
	assert_int_equal(r.dport, c->dport);
	assert_int_equal(r.item_lo, c->item_lo);
	assert_int_equal(r.item_hi, c->item_hi);
	if (c->cls == PC_REF_L4) {
		assert_int_equal(r.proto, c->proto);
		assert_int_equal(r.connection, c->connection);
	} else {
		assert_int_equal(r.proto, -1);
	}
}

/* The policies look as the cases assume: a guard against the parser
 * numbering rules or ports differently from what is written above. */
static void test_policy_shape(void **state)
{
	assert_int_equal(parsed[0].nrules, 9);
	assert_int_equal(parsed[0].rules[3].ports.n, 3);
	assert_int_equal(parsed[0].rules[6].src.kind, PC_ADDR_TABLE);
	assert_true(parsed[0].rules[6].src.neg);
	assert_true(parsed[0].rules[7].dst.neg);
	assert_int_equal(parsed[1].malformed, PC_ACT_PASS);
	assert_int_equal(parsed[0].malformed, PC_ACT_BLOCK);
}

/* An empty policy passes everything, malformed frames included only
 * when asked; a zero-length frame is "other". */
static void test_empty_policy(void **state)
{
	struct pc_policy p;
	uint8_t f[64];
	size_t len;
	struct pc_ref_result r;

	memset(&p, 0, sizeof(p));
	p.malformed = PC_ACT_BLOCK;
	len = frame_bytes(ETH ET4 IP4(TCP) SUB4 TCPH(P25, SYN), f, sizeof(f));
	r = pc_ref_classify(&p, f, len);
	assert_int_equal(r.cls, PC_REF_L4);
	assert_int_equal(r.verdict, PC_V_PASSED);
	assert_int_equal(r.rule, -1);
	assert_int_equal(r.item_lo, -1);
	r = pc_ref_classify(&p, f, 0);
	assert_int_equal(r.cls, PC_REF_OTHER);
	assert_int_equal(r.verdict, PC_V_PASSED);
}

int main(void)
{
	enum { NCASES = sizeof(cases) / sizeof(cases[0]) };
	struct CMUnitTest tests[NCASES + 2];
	size_t i;

	for (i = 0; i < NCASES; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	memset(&tests[NCASES], 0, sizeof(tests[0]) * 2);
	tests[NCASES].name = "policy shape";
	tests[NCASES].test_func = test_policy_shape;
	tests[NCASES + 1].name = "empty policy";
	tests[NCASES + 1].test_func = test_empty_policy;
	return _cmocka_run_group_tests("refclass", tests, NCASES + 2, setup, teardown);
}
