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

/* Every entry, sorted. 0 or -errno. */
int pc_live_read(const struct pc_maps *m, struct pc_live_list *out);

/* Write e, or delete the entry of key k (none there: no error). */
int pc_live_write(const struct pc_maps *m, const struct pc_live_entry *e);
int pc_live_delete(const struct pc_maps *m, const struct pc_live_key *k);

/* Delete the entries that c does not keep (lapsed at now, or of a table
 * it has not): the sweep after a generation is put in force. */
void pc_live_sweep(const struct pc_maps *m, const struct pc_live_list *l,
		   const struct pc_compiled *c, __u32 now);

#endif /* PC_LIVE_MAP_H */
