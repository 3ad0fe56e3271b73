// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the kernel programs, pinning them, and opening the pins again.
 * The pin directory holds one pin per map (by map name), prog_xdp, prog_tc
 * (pinned last: its presence means "loaded") and link_xdp_IFINDEX.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "portcullis.skel.h"
#include "loader.h"

#define PROG_XDP "prog_xdp"
#define PROG_TC  "prog_tc"

/* Map names and where their descriptors go in struct pc_maps. */
static const struct {
	const char *name;
	size_t off;
} map_table[] = {
	{ "pc_ctl", offsetof(struct pc_maps, ctl) },
	{ "pc_policy", offsetof(struct pc_maps, policy) },
	{ "pc_rules", offsetof(struct pc_maps, rules) },
	{ "pc_sets", offsetof(struct pc_maps, sets) },
	{ "pc_list_prefixes", offsetof(struct pc_maps, list_prefixes) },
	{ "pc_ports", offsetof(struct pc_maps, ports) },
	{ "pc_port_items", offsetof(struct pc_maps, port_items) },
	{ "pc_prefixes", offsetof(struct pc_maps, prefixes) },
	{ "pc_port_cnt", offsetof(struct pc_maps, port_counters) },
	{ "pc_port_index", offsetof(struct pc_maps, port_index) },
	{ "pc_rule_cnt", offsetof(struct pc_maps, rule_counters) },
	{ "pc_totals", offsetof(struct pc_maps, totals) },
	{ "pc_attach", offsetof(struct pc_maps, attach) },
};
#define NMAPS (sizeof(map_table) / sizeof(map_table[0]))

static int *map_slot(struct pc_maps *m, size_t i)
{
	return (int *)((char *)m + map_table[i].off);
}

static void reset(struct pc_loaded *l)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < NMAPS; i++)
		*map_slot(&l->maps, i) = -1;
	l->xdp_fd = l->tc_fd = -1;
}

static int from_skeleton(struct pc_loaded *l, struct portcullis *skel)
{
	size_t i;

	l->skel = skel;
	for (i = 0; i < NMAPS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, map_table[i].name);

		if (!map)
			return -ENOENT;
		*map_slot(&l->maps, i) = bpf_map__fd(map);
	}
	l->xdp_fd = bpf_program__fd(skel->progs.pc_xdp);
	l->tc_fd = bpf_program__fd(skel->progs.pc_tc);
	return 0;
}

int pc_load_unpinned(struct pc_loaded *l)
{
	struct portcullis *skel;
	int err;

	reset(l);
	skel = portcullis__open_and_load();
	if (!skel)
		return -errno ? -errno : -EINVAL;
	err = from_skeleton(l, skel);
	if (err)
		pc_loaded_close(l);
	return err;
}

static int pin_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int open_pin(const char *dir, const char *name, int *fd)
{
	char path[4096];
	int err = pin_path(path, sizeof(path), dir, name);

	if (err)
		return err;
	*fd = bpf_obj_get(path);
	return *fd < 0 ? -errno : 0;
}

int pc_open_pinned(struct pc_loaded *l, const char *pin_dir)
{
	size_t i;
	int err;

	reset(l);
	/* prog_tc is pinned last: without it nothing counts as loaded. */
	err = open_pin(pin_dir, PROG_TC, &l->tc_fd);
	if (err)
		return err;
	err = open_pin(pin_dir, PROG_XDP, &l->xdp_fd);
	for (i = 0; !err && i < NMAPS; i++)
		err = open_pin(pin_dir, map_table[i].name, map_slot(&l->maps, i));
	if (err) {
		pc_loaded_close(l);
		return err == -ENOENT ? -ESTALE : err;
	}
	return 0;
}

int pc_open_attach_map(const char *pin_dir)
{
	int fd;

	return open_pin(pin_dir, "pc_attach", &fd) ? -1 : fd;
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
	const char *progs[] = { PROG_TC, PROG_XDP };
	char path[4096];
	size_t i;
	int err = 0;

	/* prog_tc first: from then on the rest counts as not loaded. */
	for (i = 0; i < 2 + NMAPS; i++) {
		const char *name = i < 2 ? progs[i] : map_table[i - 2].name;

		if (pin_path(path, sizeof(path), pin_dir, name) == 0 && unlink(path) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

int pc_load_pinned(struct pc_loaded *l, const char *pin_dir, bool *created)
{
	struct portcullis *skel;
	char path[4096];
	size_t i;
	int err;

	*created = false;
	err = pc_open_pinned(l, pin_dir);
	if (err != -ENOENT)
		return err;
	/* Not loaded, or a load that was cut short: start clean. */
	pc_unpin_objects(pin_dir);
	reset(l);
	skel = portcullis__open_and_load();
	if (!skel)
		return -errno ? -errno : -EINVAL;
	err = from_skeleton(l, skel);
	for (i = 0; !err && i < NMAPS; i++) {
		err = pin_path(path, sizeof(path), pin_dir, map_table[i].name);
		if (!err)
			err = bpf_obj_pin(*map_slot(&l->maps, i), path) ? -errno : 0;
	}
	if (!err)
		err = pin_path(path, sizeof(path), pin_dir, PROG_XDP);
	if (!err)
		err = bpf_program__pin(skel->progs.pc_xdp, path);
	if (!err)
		err = pin_path(path, sizeof(path), pin_dir, PROG_TC);
	if (!err)
		err = bpf_program__pin(skel->progs.pc_tc, path);
	if (err) {
		pc_unpin_objects(pin_dir);
		pc_loaded_close(l);
		return err;
	}
	*created = true;
	return 0;
}

void pc_loaded_close(struct pc_loaded *l)
{
	size_t i;

	if (l->skel) {
		portcullis__destroy(l->skel);
	} else {
		for (i = 0; i < NMAPS; i++)
			if (*map_slot(&l->maps, i) >= 0)
				close(*map_slot(&l->maps, i));
		if (l->xdp_fd >= 0)
			close(l->xdp_fd);
		if (l->tc_fd >= 0)
			close(l->tc_fd);
	}
	reset(l);
}
