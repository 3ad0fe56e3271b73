// SPDX-License-Identifier: GPL-2.0
/*
 * The one-line XDP programs of the real-path benchmark, built by
 * real_path.sh (never by make test) once per verdict with
 * -DFLOOD_VERDICT=XDP_TX, XDP_PASS or XDP_DROP:
 *   - XDP_TX is the generator: run with BPF_PROG_TEST_RUN in live-frames
 *     mode, each run sends its frame out of the sender's veth;
 *   - XDP_PASS goes on the receiver so that the frames reach the stack
 *     (a veth drops xdp_frames when its peer runs no XDP program);
 *   - XDP_DROP on the receiver is the limit: the least a filter can do.
 * With -DFLOOD_SPREAD_BITS=N as well, the generator gives each frame the
 * next of 2^N IPv4 sources, counting up in the low N bits of the source
 * address, so that the flood comes from a whole /(32 - N) of subscribers
 * (the IP checksum follows; the TCP checksum, which no receiver here
 * checks before it drops, does not).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>

#ifndef FLOOD_VERDICT
#error "build with -DFLOOD_VERDICT=XDP_TX, XDP_PASS or XDP_DROP"
#endif

#ifdef FLOOD_SPREAD_BITS
#if FLOOD_SPREAD_BITS < 1 || FLOOD_SPREAD_BITS > 24
#error "FLOOD_SPREAD_BITS: 1 to 24 low bits of the source"
#endif
static __u32 next_source; /* one generator, on one CPU */

static void spread_source(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__u32 mask = (1U << FLOOD_SPREAD_BITS) - 1, old, new, sum;

	if ((void *)(ip + 1) > end)
		return;
	old = bpf_ntohl(ip->saddr);
	new = (old & ~mask) | (next_source++ & mask);
	ip->saddr = bpf_htonl(new);
	/* RFC 1624: HC' = ~(~HC + ~m + m'), over the two 16-bit halves. */
	sum = (__u16)~bpf_ntohs(ip->check) + (__u16)~(old >> 16) + (__u16)~old + (new >> 16) +
	      (new & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = bpf_htons(~sum);
}
#endif

__attribute__((section("xdp"), used))
int flood_verdict(struct xdp_md *ctx)
{
#ifdef FLOOD_SPREAD_BITS
	spread_source(ctx);
#endif
	return FLOOD_VERDICT;
}

char LICENSE[] __attribute__((section("license"), used)) = "GPL";
