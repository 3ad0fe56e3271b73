// SPDX-License-Identifier: GPL-2.0
/*
 * XDP goes through libxdp's dispatcher (dispatcher.c), so that other XDP
 * programs keep running beside portcullis, or else through a pinned
 * bpf_link (5.9), which outlives the command and cannot silently replace
 * another program, but takes the interface alone. tc goes through
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
#include "clock.h"
#include "dispatcher.h"
#include "log.h"
#include "netns.h"
#include "pin_dir.h"

const char *const pc_hook_names[PC_NHOOK] = {
	[PC_HOOK_XDP] = "xdp",
	[PC_HOOK_XDP_GENERIC] = "xdp-generic",
	[PC_HOOK_TC_EGRESS] = "tc-egress",
	[PC_HOOK_TC_INGRESS] = "tc-ingress",
};

const char *pc_hook_name(enum pc_hook h)
{
	return h < PC_NHOOK ? pc_hook_names[h] : "unknown";
}

const char *const pc_xdp_mode_names[PC_NXDP_MODE] = {
	[PC_XDP_MODE_AUTO] = "auto",
	[PC_XDP_MODE_DISPATCHER] = "dispatcher",
	[PC_XDP_MODE_LINK] = "link",
};

static bool is_xdp(enum pc_hook h)
{
	return h == PC_HOOK_XDP || h == PC_HOOK_XDP_GENERIC;
}

/* Hooks that see the packets arriving on an interface: two of them on
 * one interface would count every packet twice. */
static bool is_arriving(enum pc_hook h)
{
	return h != PC_HOOK_TC_EGRESS;
}

const char *pc_attach_mode_name(const struct pc_attach_key *k, const struct pc_attach_val *v)
{
	if (!is_xdp(k->hook))
		return "filter";
	return v->flags & PC_ATTACH_DISPATCHER ? "dispatcher" : "link";
}

static void link_pin_path(char *buf, size_t size, const char *pin_dir,
			  const struct pc_attach_key *k)
{
	pc_link_pin_path(buf, size, pin_dir, k->netns, k->ifindex);
}

static void tc_hook_init(struct bpf_tc_hook *h, __u32 ifindex, enum pc_hook hook)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = hook == PC_HOOK_TC_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

/* In the attachment's namespace already. */
static bool live_here(const struct pc_loaded *l, const struct pc_attach_key *k,
		      const struct pc_attach_val *v)
{
	if (is_xdp(k->hook) && (v->flags & PC_ATTACH_DISPATCHER)) {
		return pc_dispatcher_has(k->ifindex, k->hook == PC_HOOK_XDP_GENERIC, v->prog_id);
	} else if (is_xdp(k->hook)) {
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

int pc_attachment_live(const struct pc_loaded *l, const struct pc_attach_key *k,
		       const struct pc_attach_val *v)
{
	int back, live;

	if (pc_netns_enter(k->netns, v->netns_ino, &back))
		return -1;
	live = live_here(l, k, v);
	pc_netns_leave(back);
	return live;
}

static int record(const struct pc_loaded *l, const struct pc_attach_key *k, const char *ifname,
		  __u32 flags, __u32 prog_id)
{
	struct pc_attach_val v = {
		.prog_id = prog_id,
		.flags = flags,
		.attached_ns = pc_realtime_ns(),
		.netns_ino = pc_current_netns_ino(),
	};

	snprintf(v.ifname, sizeof(v.ifname), "%s", ifname);
	return bpf_map_update_elem(l->maps.attach, k, &v, BPF_ANY) ? -errno : 0;
}

static int attach_xdp_link(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
			   const struct pc_attach_key *k)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .flags = k->hook == PC_HOOK_XDP ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	char path[4096];
	int fd, err;

	fd = bpf_link_create(l->xdp_fd, k->ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			pr_warn("%s already has an XDP program that portcullis did not attach; detach it first\n",
				ifname);
		else if (err == -EOPNOTSUPP && k->hook == PC_HOOK_XDP)
			pr_warn("%s: the driver has no native XDP; use --hook xdp-generic\n", ifname);
		else
			pr_warn("attach XDP to %s: %s\n", ifname, strerror(-err));
		return err;
	}
	link_pin_path(path, sizeof(path), pin_dir, k);
	unlink(path); /* a defunct link left by an interface that went away */
	err = bpf_obj_pin(fd, path) ? -errno : 0;
	if (!err)
		err = record(l, k, ifname, 0, pc_prog_id(l->xdp_fd));
	if (err) {
		pr_warn("attach XDP to %s: %s\n", ifname, strerror(-err));
		bpf_link_detach(fd);
		unlink(path);
	}
	close(fd);
	return err;
}

/* Through the dispatcher: 0, or -errno with nothing attached. */
static int attach_xdp_dispatcher(const struct pc_loaded *l, const char *pin_dir,
				 const char *ifname, const struct pc_attach_key *k)
{
	bool generic = k->hook == PC_HOOK_XDP_GENERIC;
	__u32 id;
	int err;

	err = pc_dispatcher_attach(pin_dir, k->ifindex, generic, &id);
	if (err)
		return err;
	err = record(l, k, ifname, PC_ATTACH_DISPATCHER, id);
	if (err) {
		pr_warn("attach XDP to %s: %s\n", ifname, strerror(-err));
		pc_dispatcher_detach(k->ifindex, generic, id);
	}
	return err;
}

/* Never beside a program that is no dispatcher, nor beside another
 * portcullis's component (another pin directory: both would count every
 * packet): what an attachment of this one has is found before. */
static int check_xdp_neighbours(const char *pin_dir, const char *ifname,
				const struct pc_attach_key *k)
{
	bool generic = k->hook == PC_HOOK_XDP_GENERIC;
	__u32 id = pc_xdp_foreign_prog(k->ifindex, generic);

	if (id) {
		pr_warn("%s already has an XDP program (id %u) that portcullis did not attach and that is not libxdp's dispatcher; detach it first, or load it with libxdp (xdp-loader) to run both\n",
			ifname, id);
		return -EBUSY;
	}
	id = pc_dispatcher_find(k->ifindex, generic, PC_XDP_PROG_NAME);
	if (id) {
		pr_warn("%s already has portcullis in its XDP dispatcher (program %u) that this portcullis (%s) did not attach; detach it first\n",
			ifname, id, pin_dir);
		return -EEXIST;
	}
	return 0;
}

/* auto: the dispatcher, or the link when libxdp cannot load it (an old
 * kernel, no dispatcher object). Not when the interface is someone
 * else's: the link would take it no more than libxdp did. */
static int attach_xdp(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
		      const struct pc_attach_key *k, enum pc_xdp_mode mode)
{
	/* Found out on an interface before: each try costs libxdp a load. */
	static bool cannot_load;
	const char *why;
	int err;

	if (mode == PC_XDP_MODE_LINK || (mode == PC_XDP_MODE_AUTO && cannot_load))
		return attach_xdp_link(l, pin_dir, ifname, k);
	err = check_xdp_neighbours(pin_dir, ifname, k);
	if (err)
		return err;
	err = attach_xdp_dispatcher(l, pin_dir, ifname, k);
	if (err == -EOPNOTSUPP) {
		why = "this kernel refuses its extension programs, or libxdp was told not to use it";
		cannot_load = true;
	} else {
		why = strerror(-err);
	}
	if (!err || err == -EBUSY || err == -EEXIST || mode == PC_XDP_MODE_DISPATCHER) {
		if (err)
			pr_warn("attach XDP to %s through libxdp's dispatcher: %s (run with -v for libxdp's messages)\n",
				ifname, why);
		return err;
	}
	pr_warn("%s: libxdp's dispatcher cannot load (%s); attaching through portcullis's own XDP link, which takes the interface alone\n",
		ifname, why);
	return attach_xdp_link(l, pin_dir, ifname, k);
}

static int attach_tc(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
		     const struct pc_attach_key *k)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PC_TC_HANDLE, .priority = PC_TC_PRIO,
		    .prog_fd = l->tc_fd);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = PC_TC_HANDLE, .priority = PC_TC_PRIO);
	struct bpf_tc_hook h;
	bool created;
	int err;

	tc_hook_init(&h, k->ifindex, k->hook);
	err = bpf_tc_hook_create(&h);
	if (err && err != -EEXIST) {
		pr_warn("create clsact qdisc on %s: %s\n", ifname, strerror(-err));
		return err;
	}
	created = !err;
	/* Never replace a filter in our place: another portcullis (another
	 * pin directory, or pins lost with a mount namespace) put it there. */
	if (!created && !bpf_tc_query(&h, &q) && q.prog_id != pc_prog_id(l->tc_fd)) {
		pr_warn("%s already has a filter at tc %s priority %d handle 0x%x (program %u) that this portcullis (%s) did not attach; detach it first\n",
			ifname, k->hook == PC_HOOK_TC_EGRESS ? "egress" : "ingress", PC_TC_PRIO,
			PC_TC_HANDLE, q.prog_id, pin_dir);
		return -EBUSY;
	}
	err = bpf_tc_attach(&h, &opts);
	if (err == -EEXIST)
		err = 0; /* ours already, only its record was missing */
	else if (err == -EINVAL && !created)
		pr_warn("%s: is another filter using tc priority %d there?\n", ifname, PC_TC_PRIO);
	if (!err) {
		err = record(l, k, ifname, created ? PC_ATTACH_QDISC_CREATED : 0,
			     pc_prog_id(l->tc_fd));
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

static int clear_gone(const struct pc_loaded *l, const char *pin_dir, const char *ifname);

int pc_attach_one(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
		  enum pc_hook hook, enum pc_xdp_mode xdp_mode, bool *already)
{
	struct pc_attach_key k = { .netns = pc_current_netns(), .ifindex = if_nametoindex(ifname) };
	struct pc_attach_val v;
	int h, err;

	*already = false;
	if (!k.ifindex) {
		pr_warn("no such interface '%s'\n", ifname);
		return -ENODEV;
	}
	err = clear_gone(l, pin_dir, ifname);
	if (err)
		return err;
	for (h = 0; h < PC_NHOOK; h++) {
		k.hook = h;
		if (bpf_map_lookup_elem(l->maps.attach, &k, &v) || !live_here(l, &k, &v))
			continue;
		if (h == (int)hook) {
			*already = true;
			return 0;
		}
		if (is_arriving(h) && is_arriving(hook)) {
			pr_warn("%s already has portcullis on %s, which sees the same arriving packets as %s; detach it first\n",
				ifname, pc_hook_name(h), pc_hook_name(hook));
			return -EEXIST;
		}
	}
	k.hook = hook;
	return is_xdp(hook) ? attach_xdp(l, pin_dir, ifname, &k, xdp_mode) :
			      attach_tc(l, pin_dir, ifname, &k);
}

/* The tc half of detach_one, in the attachment's namespace. The clsact
 * qdisc goes only with the last portcullis filter on the device, and only
 * if portcullis created it. */
static int detach_tc_here(const struct pc_loaded *l, const struct pc_attach_key *k,
			  const struct pc_attach_val *v)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = PC_TC_HANDLE, .priority = PC_TC_PRIO);
	struct pc_attach_key twin = *k;
	struct pc_attach_val tv;
	struct bpf_tc_hook h;
	int err;

	if (!if_indextoname(k->ifindex, (char[IF_NAMESIZE]){ 0 }))
		return 0; /* the interface went, and its filters with it */
	tc_hook_init(&h, k->ifindex, k->hook);
	err = bpf_tc_detach(&h, &o);
	if (err && err != -ENOENT)
		return err;
	if (!(v->flags & PC_ATTACH_QDISC_CREATED))
		return 0;
	twin.hook = k->hook == PC_HOOK_TC_EGRESS ? PC_HOOK_TC_INGRESS : PC_HOOK_TC_EGRESS;
	if (!bpf_map_lookup_elem(l->maps.attach, &twin, &tv)) {
		tv.flags |= PC_ATTACH_QDISC_CREATED;
		return bpf_map_update_elem(l->maps.attach, &twin, &tv, BPF_EXIST) ? -errno : 0;
	}
	h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_destroy(&h);
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

/* The dispatcher half of detach_one, in the attachment's namespace. Of
 * an interface that went (or came again under the index), only libxdp's
 * pins are left to remove. */
static int detach_dispatcher_here(const struct pc_attach_key *k, const struct pc_attach_val *v)
{
	int err = 0;

	if (if_indextoname(k->ifindex, (char[IF_NAMESIZE]){ 0 }))
		err = pc_dispatcher_detach(k->ifindex, k->hook == PC_HOOK_XDP_GENERIC, v->prog_id);
	if (!err)
		pc_dispatcher_forget(v->prog_id);
	return err;
}

/* Take one attachment away, in whatever namespace it lives. */
static int detach_one(const struct pc_loaded *l, const char *pin_dir,
		      const struct pc_attach_key *k, const struct pc_attach_val *v)
{
	char path[4096];
	int err = 0, back, fd;

	if (is_xdp(k->hook) && (v->flags & PC_ATTACH_DISPATCHER)) {
		err = pc_netns_enter(k->netns, v->netns_ino, &back);
		if (err == -ENOENT) {
			pr_debug("the namespace of %s is gone, and its dispatcher with it\n", v->ifname);
			pc_dispatcher_forget(v->prog_id);
			err = 0;
		} else if (!err) {
			err = detach_dispatcher_here(k, v);
			pc_netns_leave(back);
		}
	} else if (is_xdp(k->hook)) {
		/* The link is reached through its pin, from any namespace. */
		link_pin_path(path, sizeof(path), pin_dir, k);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			if (bpf_link_detach(fd) && errno != ENOLINK && errno != EINVAL)
				err = -errno;
			close(fd);
		}
		if (!err && unlink(path) && errno != ENOENT)
			err = -errno;
	} else {
		err = pc_netns_enter(k->netns, v->netns_ino, &back);
		if (err == -ENOENT) {
			pr_debug("the namespace of %s is gone, and its filters with it\n", v->ifname);
			err = 0;
		} else if (!err) {
			err = detach_tc_here(l, k, v);
			pc_netns_leave(back);
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
	int n = 0, i, j;

	while (n < max && !bpf_map_get_next_key(l->maps.attach, prev, &k)) {
		keys[n] = k;
		prev = &keys[n];
		if (!bpf_map_lookup_elem(l->maps.attach, &k, &vals[n]))
			n++;
	}
	/* By interface name, then hook: the order people read them in. */
	for (i = 1; i < n; i++) {
		struct pc_attach_key kk = keys[i];
		struct pc_attach_val vv = vals[i];

		for (j = i; j > 0; j--) {
			int c = strcmp(vals[j - 1].ifname, vv.ifname);

			if (c < 0 || (c == 0 && keys[j - 1].hook <= kk.hook))
				break;
			keys[j] = keys[j - 1];
			vals[j] = vals[j - 1];
		}
		keys[j] = kk;
		vals[j] = vv;
	}
	return n;
}

/* Which attachments a detach takes: all, or those of one interface of the
 * current namespace (by index, or by recorded name once it is gone). */
struct match {
	__u64 netns;
	__u32 ifindex;
	int hook;           /* -1: every hook */
	const char *name;   /* also: records of a gone interface of this name */
	bool gone_netns;    /* with name: and those of a gone namespace */
};

static bool matches(const struct match *m, const struct pc_attach_key *k,
		    const struct pc_attach_val *v)
{
	char now[IF_NAMESIZE];

	if (!m->netns)
		return true;
	if (m->hook >= 0 && (int)k->hook != m->hook)
		return false;
	/* A record by that name whose whole namespace has gone. */
	if (k->netns != m->netns)
		return m->gone_netns && m->name && !strcmp(v->ifname, m->name) &&
		       pc_netns_gone(k->netns, v->netns_ino);
	if (m->ifindex && k->ifindex == m->ifindex)
		return true;
	/* A record of an interface by that name that has since gone (even if
	 * another by the same name has come since). */
	return m->name && !strcmp(v->ifname, m->name) &&
	       (!if_indextoname(k->ifindex, now) || strcmp(now, m->name));
}

/* Detach what m selects (dry_run: only count it). Returns how many. */
static int detach_matching(const struct pc_loaded *l, const char *pin_dir, const struct match *m,
			   bool dry_run)
{
	struct pc_attach_key keys[PC_MAX_ATTACH];
	struct pc_attach_val vals[PC_MAX_ATTACH];
	int n = pc_attachments(l, keys, vals, PC_MAX_ATTACH), i, done = 0, err;

	for (i = 0; i < n; i++) {
		if (!matches(m, &keys[i], &vals[i]))
			continue;
		/* Re-read: detaching a tc hook may hand the qdisc to its twin. */
		if (bpf_map_lookup_elem(l->maps.attach, &keys[i], &vals[i]))
			continue;
		if (dry_run) {
			done++;
			continue;
		}
		err = detach_one(l, pin_dir, &keys[i], &vals[i]);
		if (err)
			return err;
		done++;
	}
	return done;
}

int pc_detach_hook(const struct pc_loaded *l, const char *pin_dir, __u32 ifindex,
		   enum pc_hook hook)
{
	struct match m = { .netns = pc_current_netns(), .ifindex = ifindex, .hook = hook };

	return detach_matching(l, pin_dir, &m, false);
}

int pc_detach_iface(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
		    bool dry_run)
{
	struct match m = {
		.netns = pc_current_netns(),
		.ifindex = if_nametoindex(ifname),
		.hook = -1,
		.name = ifname,
		.gone_netns = true,
	};

	return detach_matching(l, pin_dir, &m, dry_run);
}

/* The records of interfaces by this name that are gone, in this namespace
 * or with a whole namespace that is gone: an interface (or a namespace)
 * deleted and made again must not leave its old record beside the new one. */
static int clear_gone(const struct pc_loaded *l, const char *pin_dir, const char *ifname)
{
	struct match m = {
		.netns = pc_current_netns(), .hook = -1, .name = ifname, .gone_netns = true,
	};
	int n = detach_matching(l, pin_dir, &m, false);

	if (n > 0)
		pr_debug("cleared %d record%s of a gone %s\n", n, pc_plural(n, "", "s"), ifname);
	return n < 0 ? n : 0;
}

/* XDP links whose record is gone. */
static void sweep_links(const char *pin_dir)
{
	DIR *d = opendir(pin_dir);
	struct dirent *e;
	char path[4096];
	int fd;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, PC_PIN_LINK_XDP_PREFIX, strlen(PC_PIN_LINK_XDP_PREFIX)))
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
	struct match all = { .hook = -1 };
	int err = detach_matching(l, pin_dir, &all, false);

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
