/* SPDX-License-Identifier: GPL-2.0 */
/* Wall-clock time as the maps keep it, and as people and programs read it. */
#ifndef PC_CLOCK_H
#define PC_CLOCK_H

#include <stddef.h>
#include <time.h>
#include <linux/types.h>

/* Clock id in nanoseconds. */
__u64 pc_clock_ns(clockid_t id);

/* CLOCK_REALTIME in nanoseconds, as kept in the maps. */
__u64 pc_realtime_ns(void);

/* CLOCK_MONOTONIC in seconds, for intervals. */
double pc_monotonic_s(void);

/* RFC 3339 UTC, e.g. 2026-11-27T22:40:01Z. */
void pc_format_time(char *buf, size_t size, __u64 realtime_ns);

/* The same to the millisecond, e.g. 2026-11-27T22:40:01.250Z. */
void pc_format_time_ms(char *buf, size_t size, __u64 realtime_ns);

/* A CLOCK_BOOTTIME time (bpf_ktime_get_boot_ns(): the kernel programs
 * have no wall clock) as CLOCK_REALTIME, by the clocks' offset now. */
__u64 pc_boot_to_realtime_ns(__u64 boot_ns);

#endif /* PC_CLOCK_H */
