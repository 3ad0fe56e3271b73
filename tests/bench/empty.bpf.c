// SPDX-License-Identifier: GPL-2.0
/* The floor of the per-packet benchmark: an XDP program that passes every
 * frame and does nothing else. What BPF_PROG_TEST_RUN costs around any
 * program; portcullis's figures are read as multiples of it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_empty(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
