// SPDX-License-Identifier: GPL-2.0
/* The offenders map read back: see offenders.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "growable_array.h"
#include "offenders.h"

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The map's size, from the kernel: attach --offender-sources set it. */
static int map_capacity(int fd, __u32 *capacity)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*capacity = info.max_entries;
	return 0;
}

/* All entries in batches (5.6): unlike a walk with get_next_key, it
 * does not start again from the first key when the data plane evicts
 * the one it stands on. */
int pc_offenders_read(const struct pc_maps *m, struct pc_offender_list *out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct pc_offender_key *keys = NULL;
	struct pc_offender *vals = NULL;
	__u32 batch, count, i;
	bool first = true;
	int err;

	out->n = 0;
	err = map_capacity(m->offenders, &out->capacity);
	if (err)
		return err;
	out->now_ns = clock_ns(CLOCK_MONOTONIC);
	out->realtime_ns = clock_ns(CLOCK_REALTIME);
	keys = calloc(out->capacity, sizeof(*keys));
	vals = calloc(out->capacity, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto done;
	}
	for (;;) {
		count = out->capacity;
		err = bpf_map_lookup_batch(m->offenders, first ? NULL : &batch, &batch, keys, vals,
					   &count, &opts);
		err = err ? -errno : 0;
		if (err && err != -ENOENT)
			break;
		for (i = 0; i < count; i++) {
			struct pc_offender_entry e = { keys[i], vals[i] };

			if (pc_array_push(out, e)) {
				err = -ENOMEM;
				goto done;
			}
		}
		if (err == -ENOENT) { /* that was the last batch */
			err = 0;
			break;
		}
		first = false;
	}
done:
	free(keys);
	free(vals);
	return err;
}

void pc_offenders_free(struct pc_offender_list *l)
{
	free(l->v);
	*l = (struct pc_offender_list){ 0 };
}

__u64 pc_offender_attempts(const struct pc_offender *o)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < PC_NOFFENCE; i++)
		n += o->attempts[i];
	return n;
}

__u64 pc_offender_realtime_ns(const struct pc_offender_list *l, __u64 mono_ns)
{
	return l->realtime_ns - (l->now_ns - mono_ns);
}

__u32 pc_offender_window_attempts(const struct pc_offender_list *l, const struct pc_offender *o)
{
	return l->now_ns - o->window_ns < PC_OFFENDER_WINDOW_NS ? o->window_attempts : 0;
}

static int by_attempts(const void *a, const void *b)
{
	const struct pc_offender *x = &((const struct pc_offender_entry *)a)->val;
	const struct pc_offender *y = &((const struct pc_offender_entry *)b)->val;
	__u64 nx = pc_offender_attempts(x), ny = pc_offender_attempts(y);

	if (nx != ny)
		return nx > ny ? -1 : 1;
	if (x->last_ns != y->last_ns)
		return x->last_ns > y->last_ns ? -1 : 1;
	return 0;
}

void pc_offenders_sort(struct pc_offender_list *l)
{
	qsort(l->v, l->n, sizeof(*l->v), by_attempts);
}

void pc_offender_source_format(char *buf, size_t size, const struct pc_offender_key *k)
{
	unsigned char a[16] = { 0 };
	char text[INET6_ADDRSTRLEN];
	int v6 = k->family == PC_FAMILY_V6;

	memcpy(a, k->addr, v6 ? 8 : 4);
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, text, sizeof(text));
	snprintf(buf, size, "%s/%d", text, v6 ? 64 : 32);
}
