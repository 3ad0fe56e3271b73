// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the kernel programs, pinning them, and opening the pins again.
 * Maps are reached through the skeleton (skel->maps.x) and pinned under
 * their own names; the other pin names are in include/portcullis.h.
 * Opening the pins opens the skeleton without loading it: no program is
 * verified, so that stats and status stay quick.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "portcullis.skel.h"
#include "loader.h"

static void maps_from_skeleton(struct pc_maps *m, const struct portcullis *skel)
{
	m->ctl = bpf_map__fd(skel->maps.pc_ctl);
	m->policy = bpf_map__fd(skel->maps.pc_policy);
	m->rules = bpf_map__fd(skel->maps.pc_rules);
	m->sets = bpf_map__fd(skel->maps.pc_sets);
	m->list_prefixes = bpf_map__fd(skel->maps.pc_list_prefixes);
	m->ports = bpf_map__fd(skel->maps.pc_ports);
	m->port_items = bpf_map__fd(skel->maps.pc_port_items);
	m->roots = bpf_map__fd(skel->maps.pc_roots);
	m->index_banks = bpf_map__fd(skel->maps.pc_index_banks);
	m->members = bpf_map__fd(skel->maps.pc_members);
	m->port_counters = bpf_map__fd(skel->maps.pc_port_cnt);
	m->port_index = bpf_map__fd(skel->maps.pc_port_index);
	m->rule_counters = bpf_map__fd(skel->maps.pc_rule_cnt);
	m->totals = bpf_map__fd(skel->maps.pc_totals);
	m->attach = bpf_map__fd(skel->maps.pc_attach);
	m->reply_limit = bpf_map__fd(skel->maps.pc_reply_limit);
	m->live = bpf_map__fd(skel->maps.pc_live);
	m->limit = bpf_map__fd(skel->maps.pc_limit);
	m->offenders = bpf_map__fd(skel->maps.pc_offenders);
	m->events = bpf_map__fd(skel->maps.pc_events);
	m->event_limit = bpf_map__fd(skel->maps.pc_event_limit);
}

static void reset(struct pc_loaded *l)
{
	*l = (struct pc_loaded)PC_LOADED_INIT;
}

static struct portcullis *open_skeleton(int *err)
{
	struct portcullis *skel = portcullis__open();

	*err = skel ? 0 : (errno ? -errno : -EINVAL);
	return skel;
}

static int pin_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* flags: 0, or BPF_F_RDONLY for a descriptor that only reads. */
static int open_pin(const char *dir, const char *name, int *fd, __u32 flags)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = flags);
	char path[4096];
	int err = pin_path(path, sizeof(path), dir, name);

	if (err)
		return err;
	*fd = bpf_obj_get_opts(path, &opts);
	return *fd < 0 ? -errno : 0;
}

/* Call fn on every map of skel with the path of its pin; stop at an error. */
static int each_map_pin(struct portcullis *skel, const char *pin_dir,
			int (*fn)(struct bpf_map *map, const char *path))
{
	struct bpf_map *map;
	char path[4096];
	int err;

	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		err = pin_path(path, sizeof(path), pin_dir, bpf_map__name(map));
		if (!err)
			err = fn(map, path);
		if (err)
			return err;
	}
	return 0;
}

/* A pin left by another build whose map has another layout (pc_totals
 * before it counted by reason, say) must not be read with this build's
 * structs: it counts as an incomplete set of pins. The maps of sources
 * are sized at the first load (struct pc_map_sizes): any size. */
static bool sized_at_load(const struct bpf_map *map)
{
	return bpf_map__type(map) == BPF_MAP_TYPE_LRU_HASH ||
	       !strcmp(bpf_map__name(map), "pc_offenders");
}

static bool same_layout(const struct bpf_map *map, int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == bpf_map__type(map) &&
	       info.key_size == bpf_map__key_size(map) &&
	       info.value_size == bpf_map__value_size(map) &&
	       (info.max_entries == bpf_map__max_entries(map) || sized_at_load(map));
}

static int reuse_pin_flags(struct bpf_map *map, const char *path, __u32 flags)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = flags);
	int fd = bpf_obj_get_opts(path, &opts), err;

	if (fd < 0)
		return -errno;
	/* bpf_map__reuse_fd takes a duplicate of fd */
	err = same_layout(map, fd) ? bpf_map__reuse_fd(map, fd) : -ESTALE;
	close(fd);
	return err;
}

static int reuse_pin(struct bpf_map *map, const char *path)
{
	return reuse_pin_flags(map, path, 0);
}

static int reuse_pin_rdonly(struct bpf_map *map, const char *path)
{
	return reuse_pin_flags(map, path, BPF_F_RDONLY);
}

static int pin_map(struct bpf_map *map, const char *path)
{
	return bpf_obj_pin(bpf_map__fd(map), path) ? -errno : 0;
}

static int unpin(struct bpf_map *map, const char *path)
{
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

__u32 pc_offender_sources_rounded(__u32 n)
{
	__u32 sources = PC_OFFENDER_WAYS;

	while (sources < n && sources < (1U << 30))
		sources <<= 1;
	return sources;
}

/* The sizes of the maps of sources, before the load. */
static int set_sizes(struct portcullis *skel, const struct pc_map_sizes *sizes)
{
	int err = 0;

	if (sizes && sizes->limit_sources)
		err = bpf_map__set_max_entries(skel->maps.pc_limit, sizes->limit_sources);
	if (!err && sizes && sizes->reply_sources)
		err = bpf_map__set_max_entries(skel->maps.pc_reply_limit, sizes->reply_sources);
	if (!err && sizes && sizes->offender_sources)
		err = bpf_map__set_max_entries(skel->maps.pc_offenders,
					       pc_offender_sources_rounded(sizes->offender_sources) /
						       PC_OFFENDER_WAYS);
	if (!err && sizes && sizes->event_sources)
		err = bpf_map__set_max_entries(skel->maps.pc_event_limit, sizes->event_sources);
	return err;
}

/* What the programs need to know of the maps' sizes, in pc_ctl, before
 * anything is attached. */
static int init_ctl(const struct portcullis *skel)
{
	struct pc_ctl ctl = { .offender_mask = bpf_map__max_entries(skel->maps.pc_offenders) - 1 };
	__u32 zero = 0;

	return bpf_map_update_elem(bpf_map__fd(skel->maps.pc_ctl), &zero, &ctl, BPF_ANY) ? -errno : 0;
}

static int load_unpinned(struct pc_loaded *l, const struct pc_map_sizes *sizes)
{
	struct portcullis *skel;
	int err;

	reset(l);
	skel = open_skeleton(&err);
	if (!err)
		err = set_sizes(skel, sizes);
	if (!err && portcullis__load(skel))
		err = errno ? -errno : -EINVAL;
	if (!err)
		err = init_ctl(skel);
	if (err) {
		portcullis__destroy(skel);
		return err;
	}
	l->skel = skel;
	l->progs_in_skel = true;
	maps_from_skeleton(&l->maps, skel);
	l->xdp_fd = bpf_program__fd(skel->progs.pc_xdp);
	l->tc_fd = bpf_program__fd(skel->progs.pc_tc);
	return 0;
}

int pc_load_unpinned(struct pc_loaded *l)
{
	return load_unpinned(l, NULL);
}

void pc_loaded_sizes(const struct pc_loaded *l, struct pc_map_sizes *sizes)
{
	sizes->limit_sources = bpf_map__max_entries(l->skel->maps.pc_limit);
	sizes->reply_sources = bpf_map__max_entries(l->skel->maps.pc_reply_limit);
	sizes->offender_sources = bpf_map__max_entries(l->skel->maps.pc_offenders) * PC_OFFENDER_WAYS;
	sizes->event_sources = bpf_map__max_entries(l->skel->maps.pc_event_limit);
}

static int open_pinned(struct pc_loaded *l, const char *pin_dir, __u32 flags)
{
	int err;

	reset(l);
	/* prog_tc is pinned last: without it nothing counts as loaded. */
	err = open_pin(pin_dir, PC_PIN_PROG_TC, &l->tc_fd, flags);
	if (err)
		return err;
	err = open_pin(pin_dir, PC_PIN_PROG_XDP, &l->xdp_fd, flags);
	if (!err)
		l->skel = open_skeleton(&err);
	if (!err)
		err = each_map_pin(l->skel, pin_dir, flags ? reuse_pin_rdonly : reuse_pin);
	if (err) {
		pc_loaded_close(l);
		return err == -ENOENT ? -ESTALE : err;
	}
	maps_from_skeleton(&l->maps, l->skel);
	return 0;
}

int pc_open_pinned(struct pc_loaded *l, const char *pin_dir)
{
	return open_pinned(l, pin_dir, 0);
}

int pc_open_pinned_readonly(struct pc_loaded *l, const char *pin_dir)
{
	return open_pinned(l, pin_dir, BPF_F_RDONLY);
}

bool pc_pins_loaded(const char *pin_dir)
{
	char path[4096];

	return !pin_path(path, sizeof(path), pin_dir, PC_PIN_PROG_TC) && !access(path, F_OK);
}

int pc_link_pin_path(char *buf, size_t size, const char *pin_dir, __u64 netns, __u32 ifindex)
{
	int n = snprintf(buf, size, "%s/" PC_PIN_LINK_XDP_FMT, pin_dir, (unsigned long long)netns,
			 ifindex);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int pc_open_attach_only(struct pc_loaded *l, const char *pin_dir)
{
	char path[4096];
	int err;

	reset(l);
	l->skel = open_skeleton(&err);
	if (!err)
		err = pin_path(path, sizeof(path), pin_dir, bpf_map__name(l->skel->maps.pc_attach));
	if (!err)
		err = reuse_pin(l->skel->maps.pc_attach, path);
	if (err) {
		pc_loaded_close(l);
		return err;
	}
	l->maps.attach = bpf_map__fd(l->skel->maps.pc_attach);
	return 0;
}

int pc_xdp_component_open(struct pc_xdp_component *c, const char *pin_dir)
{
	int err;

	c->obj = NULL;
	c->skel = open_skeleton(&err);
	if (!err)
		err = each_map_pin(c->skel, pin_dir, reuse_pin);
	if (!err)
		err = bpf_program__set_autoload(c->skel->progs.pc_tc, false);
	if (err) {
		portcullis__destroy(c->skel);
		c->skel = NULL;
		return err == -ENOENT ? -ESTALE : err;
	}
	c->obj = c->skel->obj;
	c->prog_name = bpf_program__name(c->skel->progs.pc_xdp);
	return 0;
}

void pc_xdp_component_close(struct pc_xdp_component *c)
{
	portcullis__destroy(c->skel);
	c->skel = NULL;
	c->obj = NULL;
}

__u32 pc_prog_id(int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 : info.id;
}

/* Remove the pins of programs and maps (not links). */
int pc_unpin_objects(const char *pin_dir)
{
	const char *progs[] = { PC_PIN_PROG_TC, PC_PIN_PROG_XDP };
	struct portcullis *skel;
	char path[4096];
	int err = 0, e;
	size_t i;

	/* prog_tc first: from then on the rest counts as not loaded. */
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (!pin_path(path, sizeof(path), pin_dir, progs[i]) && unlink(path) &&
		    errno != ENOENT)
			err = -errno;
	skel = open_skeleton(&e);
	if (skel)
		e = each_map_pin(skel, pin_dir, unpin);
	portcullis__destroy(skel);
	return err ? err : e;
}

static int pin_all(struct pc_loaded *l, const char *pin_dir)
{
	char path[4096];
	int err;

	err = each_map_pin(l->skel, pin_dir, pin_map);
	if (!err)
		err = pin_path(path, sizeof(path), pin_dir, PC_PIN_PROG_XDP);
	if (!err)
		err = bpf_program__pin(l->skel->progs.pc_xdp, path);
	if (!err)
		err = pin_path(path, sizeof(path), pin_dir, PC_PIN_PROG_TC);
	if (!err)
		err = bpf_program__pin(l->skel->progs.pc_tc, path);
	return err;
}

int pc_load_pinned_sized(struct pc_loaded *l, const char *pin_dir,
			 const struct pc_map_sizes *sizes, bool *created)
{
	int err;

	*created = false;
	err = pc_open_pinned(l, pin_dir);
	if (err != -ENOENT)
		return err;
	/* Not loaded, or a load that was cut short: start clean. */
	pc_unpin_objects(pin_dir);
	err = load_unpinned(l, sizes);
	if (!err)
		err = pin_all(l, pin_dir);
	if (err) {
		pc_unpin_objects(pin_dir);
		pc_loaded_close(l);
		return err;
	}
	*created = true;
	return 0;
}

int pc_load_pinned(struct pc_loaded *l, const char *pin_dir, bool *created)
{
	return pc_load_pinned_sized(l, pin_dir, NULL, created);
}

void pc_loaded_close(struct pc_loaded *l)
{
	if (l->skel)
		portcullis__destroy(l->skel); /* its maps, and its programs if loaded */
	if (!l->progs_in_skel) {
		if (l->xdp_fd >= 0)
			close(l->xdp_fd);
		if (l->tc_fd >= 0)
			close(l->tc_fd);
	}
	reset(l);
}
