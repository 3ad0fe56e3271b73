/* SPDX-License-Identifier: GPL-2.0 */
/* The pinned map of live table entries, pc_live (rules/live.h). */
#ifndef PC_LIVE_MAP_H
#define PC_LIVE_MAP_H

#include "live.h"
#include "policy_maps.h"

/* CLOCK_BOOTTIME in whole seconds, as the kernel program compares
 * until with (bpf_ktime_get_boot_ns()), rounded down. */
__u32 pc_boottime_s(void);

/* When v lapses, in CLOCK_REALTIME nanoseconds, for people; 0: never. */
__u64 pc_live_expires_ns(const struct pc_live_val *v);

/* Every entry of the generation in force, sorted. 0 or -errno. */
int pc_live_read(const struct pc_maps *m, struct pc_live_list *out);

/* Write the entries of l that c keeps (not lapsed at now, of a table it
 * has) as those of the slot not in force, in place of what that slot
 * had, before c is put in force there: the switch then puts them in
 * force with it, and the lapsed and dropped ones are swept. Under the
 * lock. 0 or -errno; on failure nothing in force changed. */
int pc_live_stage(const struct pc_maps *m, const struct pc_live_list *l,
		  const struct pc_compiled *c, __u32 now);

#endif /* PC_LIVE_MAP_H */
