// SPDX-License-Identifier: GPL-2.0
/* The pinned map of live table entries: see live_map.h. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/bpf.h>
#include "clock.h"
#include "growable_array.h"
#include "live_map.h"

__u32 pc_boottime_s(void)
{
	return pc_clock_ns(CLOCK_BOOTTIME) / 1000000000ULL;
}

__u64 pc_live_expires_ns(const struct pc_live_val *v)
{
	if (!v->until)
		return 0;
	return pc_realtime_ns() +
	       (__s64)((__u64)v->until * 1000000000ULL - pc_clock_ns(CLOCK_BOOTTIME));
}

/* The slot in force, whose entries are the live ones. */
static int slot_in_force(const struct pc_maps *m, __u32 *slot)
{
	struct pc_policy_hdr hdr;

	return pc_maps_active(m, slot, &hdr);
}

int pc_live_read(const struct pc_maps *m, struct pc_live_list *out)
{
	struct pc_live_key k, *prev = NULL;
	struct pc_live_entry e;
	__u32 slot;
	int err = slot_in_force(m, &slot);

	out->n = 0;
	if (err)
		return err;
	while (!bpf_map_get_next_key(m->live, prev, &k)) {
		prev = &k;
		if (k.slot != slot)
			continue;
		e.key = k;
		e.key.slot = 0;
		if (!bpf_map_lookup_elem(m->live, &k, &e.val) && pc_array_push(out, e))
			return -ENOMEM;
	}
	if (errno != ENOENT)
		return -errno;
	pc_live_sort(out);
	return 0;
}

/* Delete every entry of slot. */
static int clear_slot(const struct pc_maps *m, __u32 slot)
{
	struct pc_live_key k, *prev = NULL;
	struct {
		struct pc_live_key *v;
		size_t n, cap;
	} doomed = { 0 };
	int err = 0;
	size_t i;

	while (!err && !bpf_map_get_next_key(m->live, prev, &k)) {
		prev = &k;
		if (k.slot == slot && pc_array_push(&doomed, k))
			err = -ENOMEM;
	}
	for (i = 0; !err && i < doomed.n; i++)
		if (bpf_map_delete_elem(m->live, &doomed.v[i]) && errno != ENOENT)
			err = -errno;
	free(doomed.v);
	return err;
}

int pc_live_stage(const struct pc_maps *m, const struct pc_live_list *l,
		  const struct pc_compiled *c, __u32 now)
{
	struct pc_live_entry e;
	__u32 active;
	size_t i;
	int err = slot_in_force(m, &active);

	if (!err)
		err = clear_slot(m, !active);
	for (i = 0; !err && i < l->n; i++) {
		if (!pc_live_kept(c, &l->v[i], now))
			continue;
		e = l->v[i];
		e.key.slot = !active;
		if (bpf_map_update_elem(m->live, &e.key, &e.val, BPF_ANY))
			err = -errno;
	}
	return err;
}
