// SPDX-License-Identifier: GPL-2.0
/*
 * XDP goes through a pinned bpf_link (5.9), so that it outlives the
 * command and cannot silently replace another program. tc goes through
 * libbpf's bpf_tc_* calls: a clsact qdisc and a direct-action cls_bpf
 * filter (libbpf 1.1 has no tcx API).
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "cli.h"

static bool is_xdp(enum pc_hook h)
{
	return h == PC_HOOK_XDP || h == PC_HOOK_XDP_GENERIC;
}

static void link_pin_path(char *buf, size_t size, const char *pin_dir, __u32 ifindex)
{
	snprintf(buf, size, "%s/link_xdp_%u", pin_dir, ifindex);
}

static void tc_hook_init(struct bpf_tc_hook *h, __u32 ifindex, enum pc_hook hook)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = hook == PC_HOOK_TC_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

bool pc_attachment_live(const struct pc_loaded *l, const struct pc_attach_key *k)
{
	if (is_xdp(k->hook)) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if (bpf_xdp_query(k->ifindex, 0, &q))
			return false;
		return (k->hook == PC_HOOK_XDP ? q.drv_prog_id : q.skb_prog_id) ==
		       pc_prog_id(l->xdp_fd);
	} else {
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = PC_TC_HANDLE, .priority = PC_TC_PRIO);
		struct bpf_tc_hook h;

		tc_hook_init(&h, k->ifindex, k->hook);
		return !bpf_tc_query(&h, &o) && o.prog_id == pc_prog_id(l->tc_fd);
	}
}

static int record(const struct pc_loaded *l, __u32 ifindex, enum pc_hook hook, const char *ifname,
		  __u32 flags, int prog_fd)
{
	struct pc_attach_key k = { .ifindex = ifindex, .hook = hook };
	struct pc_attach_val v = {
		.prog_id = pc_prog_id(prog_fd),
		.flags = flags,
		.attached_ns = pc_realtime_ns(),
	};

	snprintf(v.ifname, sizeof(v.ifname), "%s", ifname);
	return bpf_map_update_elem(l->maps.attach, &k, &v, BPF_ANY) ? -errno : 0;
}

static int attach_xdp(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
		      __u32 ifindex, enum pc_hook hook)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .flags = hook == PC_HOOK_XDP ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	char path[4096];
	int fd, err;

	fd = bpf_link_create(l->xdp_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			pr_warn("%s already has an XDP program that portcullis did not attach; detach it first\n",
				ifname);
		else if (err == -EOPNOTSUPP && hook == PC_HOOK_XDP)
			pr_warn("%s: the driver has no native XDP; use --hook xdp-generic\n", ifname);
		else
			pr_warn("attach XDP to %s: %s\n", ifname, strerror(-err));
		return err;
	}
	link_pin_path(path, sizeof(path), pin_dir, ifindex);
	unlink(path); /* a defunct link left by an interface that went away */
	err = bpf_obj_pin(fd, path) ? -errno : 0;
	if (!err)
		err = record(l, ifindex, hook, ifname, 0, l->xdp_fd);
	if (err) {
		pr_warn("attach XDP to %s: %s\n", ifname, strerror(-err));
		bpf_link_detach(fd);
		unlink(path);
	}
	close(fd);
	return err;
}

static int attach_tc(const struct pc_loaded *l, const char *ifname, __u32 ifindex,
		     enum pc_hook hook)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PC_TC_HANDLE, .priority = PC_TC_PRIO,
		    .prog_fd = l->tc_fd, .flags = BPF_TC_F_REPLACE);
	struct bpf_tc_hook h;
	bool created;
	int err;

	tc_hook_init(&h, ifindex, hook);
	err = bpf_tc_hook_create(&h);
	if (err && err != -EEXIST) {
		pr_warn("create clsact qdisc on %s: %s\n", ifname, strerror(-err));
		return err;
	}
	created = !err;
	err = bpf_tc_attach(&h, &opts);
	if (!err) {
		err = record(l, ifindex, hook, ifname, created ? PC_ATTACH_QDISC_CREATED : 0, l->tc_fd);
		if (err) {
			LIBBPF_OPTS(bpf_tc_opts, o, .handle = PC_TC_HANDLE, .priority = PC_TC_PRIO);

			bpf_tc_detach(&h, &o);
		}
	}
	if (err) {
		pr_warn("attach tc filter to %s: %s\n", ifname, strerror(-err));
		if (created) {
			h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&h);
		}
	}
	return err;
}

int pc_attach_one(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
		  enum pc_hook hook, bool *already)
{
	__u32 ifindex = if_nametoindex(ifname);
	struct pc_attach_key k = { .ifindex = ifindex };
	struct pc_attach_val v;
	int h;

	*already = false;
	if (!ifindex) {
		pr_warn("no such interface '%s'\n", ifname);
		return -ENODEV;
	}
	for (h = 0; h < PC_NHOOK; h++) {
		k.hook = h;
		if (bpf_map_lookup_elem(l->maps.attach, &k, &v) || !pc_attachment_live(l, &k))
			continue;
		if (h == (int)hook) {
			*already = true;
			return 0;
		}
		if (is_xdp(h) && is_xdp(hook)) {
			pr_warn("%s is already attached with --hook %s; detach it first\n", ifname,
				pc_hook_name(h));
			return -EEXIST;
		}
	}
	if (is_xdp(hook))
		return attach_xdp(l, pin_dir, ifname, ifindex, hook);
	return attach_tc(l, ifname, ifindex, hook);
}

/* Take one attachment away. The clsact qdisc goes only with the last
 * portcullis filter on the device, and only if portcullis created it. */
static int detach_one(const struct pc_loaded *l, const char *pin_dir,
		      const struct pc_attach_key *k, const struct pc_attach_val *v)
{
	bool exists = if_indextoname(k->ifindex, (char[IF_NAMESIZE]){ 0 }) != NULL;
	char path[4096];
	int err = 0;

	if (is_xdp(k->hook)) {
		int fd;

		link_pin_path(path, sizeof(path), pin_dir, k->ifindex);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			if (bpf_link_detach(fd) && errno != ENOLINK && errno != EINVAL)
				err = -errno;
			close(fd);
		}
		if (!err && unlink(path) && errno != ENOENT)
			err = -errno;
	} else if (exists) {
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = PC_TC_HANDLE, .priority = PC_TC_PRIO);
		struct pc_attach_key other = { .ifindex = k->ifindex };
		struct pc_attach_val ov;
		struct bpf_tc_hook h;

		tc_hook_init(&h, k->ifindex, k->hook);
		err = bpf_tc_detach(&h, &o);
		if (err == -ENOENT)
			err = 0;
		other.hook = k->hook == PC_HOOK_TC_EGRESS ? PC_HOOK_TC_INGRESS : PC_HOOK_TC_EGRESS;
		if (!err && (v->flags & PC_ATTACH_QDISC_CREATED)) {
			if (!bpf_map_lookup_elem(l->maps.attach, &other, &ov)) {
				ov.flags |= PC_ATTACH_QDISC_CREATED;
				bpf_map_update_elem(l->maps.attach, &other, &ov, BPF_EXIST);
			} else {
				h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
				err = bpf_tc_hook_destroy(&h);
				if (err == -ENOENT || err == -EINVAL)
					err = 0;
			}
		}
	}
	if (err) {
		pr_warn("detach %s from %s: %s\n", pc_hook_name(k->hook), v->ifname, strerror(-err));
		return err;
	}
	bpf_map_delete_elem(l->maps.attach, k);
	pr_debug("detached %s from %s\n", pc_hook_name(k->hook), v->ifname);
	return 0;
}

int pc_attachments(const struct pc_loaded *l, struct pc_attach_key *keys,
		   struct pc_attach_val *vals, int max)
{
	struct pc_attach_key k, *prev = NULL;
	int n = 0;

	while (n < max && !bpf_map_get_next_key(l->maps.attach, prev, &k)) {
		keys[n] = k;
		prev = &keys[n];
		if (!bpf_map_lookup_elem(l->maps.attach, &k, &vals[n]))
			n++;
	}
	return n;
}

/* Detach the recorded attachments of one interface, or of all (ifindex 0).
 * Returns how many, or -errno. */
static int detach_matching(const struct pc_loaded *l, const char *pin_dir, __u32 ifindex)
{
	struct pc_attach_key keys[PC_MAX_ATTACH];
	struct pc_attach_val vals[PC_MAX_ATTACH];
	int n = pc_attachments(l, keys, vals, PC_MAX_ATTACH), i, done = 0, err;

	for (i = 0; i < n; i++) {
		if (ifindex && keys[i].ifindex != ifindex)
			continue;
		/* Re-read: detaching a tc hook may hand the qdisc to its twin. */
		if (bpf_map_lookup_elem(l->maps.attach, &keys[i], &vals[i]))
			continue;
		err = detach_one(l, pin_dir, &keys[i], &vals[i]);
		if (err)
			return err;
		done++;
	}
	return done;
}

int pc_detach_ifindex(const struct pc_loaded *l, const char *pin_dir, __u32 ifindex)
{
	return ifindex ? detach_matching(l, pin_dir, ifindex) : -ENODEV;
}

/* XDP links whose record is gone (their interface was deleted). */
static void sweep_links(const char *pin_dir)
{
	DIR *d = opendir(pin_dir);
	struct dirent *e;
	char path[4096];
	int fd;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "link_xdp_", 9))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, e->d_name);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			bpf_link_detach(fd);
			close(fd);
		}
		unlink(path);
	}
	if (d)
		closedir(d);
}

int pc_detach_all(const struct pc_loaded *l, const char *pin_dir)
{
	int err = detach_matching(l, pin_dir, 0);

	if (err < 0)
		return err;
	sweep_links(pin_dir);
	err = pc_unpin_objects(pin_dir);
	if (err) {
		pr_warn("remove the pins under %s: %s\n", pin_dir, strerror(-err));
		return err;
	}
	return pc_pin_dir_remove(pin_dir);
}
