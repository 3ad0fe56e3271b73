/* SPDX-License-Identifier: GPL-2.0 */
/* The offenders (pc_offenders, bpf/offenders.h) read back: the sources
 * whose connection attempts a block, reject or limit rule stopped, for
 * `portcullis top` and `portcullis metrics`. */
#ifndef PC_OFFENDERS_H
#define PC_OFFENDERS_H

#include <stddef.h>
#include "policy_maps.h"

/* One entry a source, summed over the CPUs: its attempts by offence and
 * its window's (window_attempts counts the attempts of windows that are
 * still open when read: at most PC_OFFENDER_WINDOW_NS old), its first
 * attempt on any CPU and the fields of its last. */
struct pc_offender_list {
	struct pc_offender *v;
	size_t n, cap;
	__u32 capacity;    /* sources the map holds: on each CPU, times the CPUs */
	__u32 per_cpu;     /* sources it holds on each CPU */
	__u64 now_ns;      /* CLOCK_MONOTONIC when read, the map's clock */
	__u64 realtime_ns; /* CLOCK_REALTIME at the same moment */
};

/* Every source of the map, in no order. 0, or -errno. */
int pc_offenders_read(const struct pc_maps *m, struct pc_offender_list *out);
void pc_offenders_free(struct pc_offender_list *l);

/* The source's stopped attempts, all offences together. */
__u64 pc_offender_attempts(const struct pc_offender *o);

/* One of the list's times (first_ns, last_ns) as CLOCK_REALTIME. */
__u64 pc_offender_realtime_ns(const struct pc_offender_list *l, __u64 mono_ns);

/* Sort by attempts, most first; ties by the last attempt, latest first. */
void pc_offenders_sort(struct pc_offender_list *l);

/* What the exporter shows of the offenders: no source, only how many. */
struct pc_offender_summary {
	__u64 tracked;    /* sources in the map */
	__u64 capacity;   /* sources it holds, all CPUs together */
	__u64 recent_max; /* the most attempts of one source in its window */
};

/* The summary of what is loaded under m. 0, or -errno. */
int pc_offenders_summarize(const struct pc_maps *m, struct pc_offender_summary *s);

/* "100.64.1.2/32" or "2001:db8:1:2::/64". */
void pc_offender_source_format(char *buf, size_t size, const struct pc_offender *o);

#endif /* PC_OFFENDERS_H */
