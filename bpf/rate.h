/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one rate algorithm of the data plane: a generic cell rate algorithm
 * (GCRA, the ATM Forum's; a token bucket seen as a single time). A bucket
 * is one __u64, the theoretical arrival time (TAT) of the next event:
 * an event at now conforms when TAT - now <= (burst - 1) * interval, and
 * then moves TAT to max(TAT, now) + interval. A fresh bucket (TAT <= now)
 * lets burst events through at once, then one each interval.
 *
 * The rate holds across CPUs: TAT moves by compare-and-swap, retried a
 * bounded number of times, since an LRU hash cannot hold a bpf_spin_lock.
 * Two CPUs that race for one bucket cannot both take the same slot of it.
 * Used by limit rules (classify.h) and by the answers to rejected packets
 * (pc_reply_allowed(), reply.h).
 */
#ifndef PC_BPF_RATE_H
#define PC_BPF_RATE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* CAS attempts on one bucket before the event is refused: each failure
 * means another CPU took a slot of this same bucket meanwhile. */
#define PC_RATE_TRIES 8

/* Does an event at now conform to the bucket at tat? If so, it is taken.
 * __sync_val_compare_and_swap is BPF_ATOMIC BPF_CMPXCHG (-mcpu=v3,
 * Linux 5.12). */
static __always_inline int pc_rate_take(__u64 *tat, __u64 now, __u64 interval, __u32 burst)
{
	__u64 tolerance = (__u64)(burst ? burst - 1 : 0) * interval, old, due;
	int i;

	for (i = 0; i < PC_RATE_TRIES; i++) {
		old = *(volatile __u64 *)tat;
		due = old > now ? old : now;
		if (due - now > tolerance)
			return 0;
		if (__sync_val_compare_and_swap(tat, old, due + interval) == old)
			return 1;
	}
	return 0;
}

/* One event for the bucket of key in map (an LRU hash of __u64): made
 * full when the key is new. Two CPUs that both find no bucket insert it
 * once (BPF_NOEXIST: the second insert fails and leaves the first), then
 * both take from it. A bucket that cannot be made lets the event through:
 * a limit must not become a blackhole when its map is under pressure. */
static __always_inline int pc_rate_allow(void *map, const void *key, __u64 interval, __u32 burst)
{
	__u64 now = bpf_ktime_get_ns(), *tat;

	tat = bpf_map_lookup_elem(map, key);
	if (!tat) {
		bpf_map_update_elem(map, key, &now, BPF_NOEXIST);
		tat = bpf_map_lookup_elem(map, key);
		if (!tat)
			return 1;
	}
	return pc_rate_take(tat, now, interval, burst);
}

#endif /* PC_BPF_RATE_H */
