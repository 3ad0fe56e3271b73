// SPDX-License-Identifier: GPL-2.0
/* The offenders read back: see offenders.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "growable_array.h"
#include "offenders.h"

/* The map's sets, from the kernel: attach --offender-sources set it. */
static int map_sets(int fd, __u32 *sets)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*sets = info.max_entries;
	return 0;
}

/* Every used entry of every CPU, the windows already closed left out. */
static int read_entries(const struct pc_maps *m, __u32 sets, int ncpu,
			struct pc_offender_list *out)
{
	struct pc_offender_set *buf = calloc(ncpu, sizeof(*buf));
	__u32 i;
	int cpu, w, err = 0;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < sets && !err; i++) {
		if (bpf_map_lookup_elem(m->offenders, &i, buf)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < ncpu && !err; cpu++) {
			for (w = 0; w < PC_OFFENDER_WAYS && !err; w++) {
				struct pc_offender o = buf[cpu].way[w];

				if (!o.family)
					continue;
				/* Signed: a window begun during the walk is newer
				 * than now_ns. */
				if ((__s64)(out->now_ns - o.window_ns) >= (__s64)PC_OFFENDER_WINDOW_NS)
					o.window_attempts = 0;
				if (pc_array_push(out, o))
					err = -ENOMEM;
			}
		}
	}
	free(buf);
	return err;
}

static int by_source(const void *a, const void *b)
{
	const struct pc_offender *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* One entry a source: the entries of each source added into its first. */
static void merge_sources(struct pc_offender_list *l)
{
	size_t i, n = 0;
	int k;

	/* No entries, no array: qsort must not see NULL, even for 0. */
	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(*l->v), by_source);
	for (i = 0; i < l->n; i++) {
		struct pc_offender *to = &l->v[n ? n - 1 : 0], *o = &l->v[i];

		if (!n || by_source(to, o)) {
			l->v[n++] = *o;
			continue;
		}
		for (k = 0; k < PC_NOFFENCE; k++)
			to->attempts[k] += o->attempts[k];
		to->window_attempts += o->window_attempts;
		if (o->first_ns < to->first_ns)
			to->first_ns = o->first_ns;
		if (o->last_ns > to->last_ns) {
			to->last_ns = o->last_ns;
			to->last_port = o->last_port;
			to->last_proto = o->last_proto;
			to->last_rule = o->last_rule;
		}
	}
	l->n = n;
}

int pc_offenders_read(const struct pc_maps *m, struct pc_offender_list *out)
{
	int ncpu = libbpf_num_possible_cpus(), err;
	__u32 sets = 0;

	out->n = 0;
	if (ncpu < 0)
		return ncpu;
	err = map_sets(m->offenders, &sets);
	if (err)
		return err;
	out->per_cpu = sets * PC_OFFENDER_WAYS;
	out->capacity = out->per_cpu * ncpu;
	out->now_ns = pc_clock_ns(CLOCK_MONOTONIC);
	out->realtime_ns = pc_clock_ns(CLOCK_REALTIME);
	err = read_entries(m, sets, ncpu, out);
	if (!err)
		merge_sources(out);
	return err;
}

int pc_offenders_summarize(const struct pc_maps *m, struct pc_offender_summary *s)
{
	struct pc_offender_list l = { 0 };
	int err = pc_offenders_read(m, &l);
	size_t i;

	*s = (struct pc_offender_summary){ .tracked = l.n, .capacity = l.capacity };
	for (i = 0; i < l.n; i++)
		if (l.v[i].window_attempts > s->recent_max)
			s->recent_max = l.v[i].window_attempts;
	pc_offenders_free(&l);
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

static int by_attempts(const void *a, const void *b)
{
	const struct pc_offender *x = a, *y = b;
	__u64 nx = pc_offender_attempts(x), ny = pc_offender_attempts(y);

	if (nx != ny)
		return nx > ny ? -1 : 1;
	if (x->last_ns != y->last_ns)
		return x->last_ns > y->last_ns ? -1 : 1;
	return by_source(x, y);
}

void pc_offenders_sort(struct pc_offender_list *l)
{
	if (l->n) /* qsort(NULL, 0) is undefined */
		qsort(l->v, l->n, sizeof(*l->v), by_attempts);
}

void pc_offender_source_format(char *buf, size_t size, const struct pc_offender *o)
{
	unsigned char a[16] = { 0 };
	char text[INET6_ADDRSTRLEN];
	int v6 = o->family == PC_FAMILY_V6;

	memcpy(a, o->addr, v6 ? 8 : 4);
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, text, sizeof(text));
	snprintf(buf, size, "%s/%d", text, v6 ? 64 : 32);
}
