/* SPDX-License-Identifier: GPL-2.0 */
/* The offenders map (pc_offenders, bpf/offenders.h) read back: the
 * sources whose connection attempts a block, reject or limit rule
 * stopped, for `portcullis top` and `portcullis metrics`. */
#ifndef PC_OFFENDERS_H
#define PC_OFFENDERS_H

#include <stdbool.h>
#include <stddef.h>
#include "policy_maps.h"

struct pc_offender_entry {
	struct pc_offender_key key;
	struct pc_offender val;
};

struct pc_offender_list {
	struct pc_offender_entry *v;
	size_t n, cap;
	__u32 capacity;   /* the map's size: sources it can hold */
	__u64 now_ns;     /* CLOCK_MONOTONIC when read, the map's clock */
	__u64 realtime_ns; /* CLOCK_REALTIME at the same moment */
};

/* Every entry of the map, in no order. 0, or -errno. */
int pc_offenders_read(const struct pc_maps *m, struct pc_offender_list *out);
void pc_offenders_free(struct pc_offender_list *l);

/* The entry's stopped attempts, all offences together. */
__u64 pc_offender_attempts(const struct pc_offender *o);

/* One of the entry's times as CLOCK_REALTIME nanoseconds. */
__u64 pc_offender_realtime_ns(const struct pc_offender_list *l, __u64 mono_ns);

/* The attempts of the entry's current window (PC_OFFENDER_WINDOW_NS);
 * 0 once the window has passed. */
__u32 pc_offender_window_attempts(const struct pc_offender_list *l, const struct pc_offender *o);

/* Sort by attempts, most first; ties by the last attempt, latest first. */
void pc_offenders_sort(struct pc_offender_list *l);

/* "100.64.1.2/32" or "2001:db8:1:2::/64". */
void pc_offender_source_format(char *buf, size_t size, const struct pc_offender_key *k);

#endif /* PC_OFFENDERS_H */
