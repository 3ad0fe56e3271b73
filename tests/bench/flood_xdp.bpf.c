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
 */
#include <linux/bpf.h>

#ifndef FLOOD_VERDICT
#error "build with -DFLOOD_VERDICT=XDP_TX, XDP_PASS or XDP_DROP"
#endif

__attribute__((section("xdp"), used))
int flood_verdict(struct xdp_md *ctx)
{
	return FLOOD_VERDICT;
}

char LICENSE[] __attribute__((section("license"), used)) = "GPL";
