// SPDX-License-Identifier: GPL-2.0
/* The pinned map of live table entries: see live_map.h. */
#include <errno.h>
#include <time.h>
#include <bpf/bpf.h>
#include "clock.h"
#include "growable_array.h"
#include "live_map.h"

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__u32 pc_boottime_s(void)
{
	return clock_ns(CLOCK_BOOTTIME) / 1000000000ULL;
}

__u64 pc_live_expires_ns(const struct pc_live_val *v)
{
	if (!v->until)
		return 0;
	return pc_realtime_ns() +
	       (__s64)((__u64)v->until * 1000000000ULL - clock_ns(CLOCK_BOOTTIME));
}

int pc_live_read(const struct pc_maps *m, struct pc_live_list *out)
{
	struct pc_live_key k, *prev = NULL;
	struct pc_live_entry e;

	out->n = 0;
	while (!bpf_map_get_next_key(m->live, prev, &k)) {
		e.key = k;
		if (!bpf_map_lookup_elem(m->live, &k, &e.val) && pc_array_push(out, e))
			return -ENOMEM;
		prev = &k;
	}
	if (errno != ENOENT)
		return -errno;
	pc_live_sort(out);
	return 0;
}

int pc_live_write(const struct pc_maps *m, const struct pc_live_entry *e)
{
	return bpf_map_update_elem(m->live, &e->key, &e->val, BPF_ANY) ? -errno : 0;
}

int pc_live_delete(const struct pc_maps *m, const struct pc_live_key *k)
{
	return bpf_map_delete_elem(m->live, k) && errno != ENOENT ? -errno : 0;
}

void pc_live_sweep(const struct pc_maps *m, const struct pc_live_list *l,
		   const struct pc_compiled *c, __u32 now)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!pc_live_kept(c, &l->v[i], now))
			pc_live_delete(m, &l->v[i].key);
}
