// SPDX-License-Identifier: GPL-2.0
/*
 * libxdp does the dispatcher's work: it loads the component as an
 * extension of the dispatcher's slot, builds a new dispatcher with every
 * component when one comes or goes, and swaps it in atomically. What is
 * portcullis's here: the run priority and chain-call actions, loading the
 * component on the pinned maps, and telling its component from the others
 * by program id.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "dispatcher.h"
#include "libbpf_log.h"
#include "loader.h"
#include "log.h"

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return pc_library_print(level == LIBXDP_DEBUG, fmt, ap);
}

static void quiet_libxdp(void)
{
	static bool done;

	if (!done)
		libxdp_set_print(libxdp_print);
	done = true;
}

static enum xdp_attach_mode mode_of(bool generic)
{
	return generic ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

/* Run priority and chain-call actions (include/portcullis.h). */
static int set_run_config(struct xdp_program *p)
{
	int err = xdp_program__set_run_prio(p, PC_XDP_RUN_PRIO);

	if (!err)
		err = xdp_program__set_chain_call_enabled(p, XDP_PASS, true);
	if (!err)
		err = xdp_program__set_chain_call_enabled(p, XDP_DROP, false);
	if (!err)
		err = xdp_program__set_chain_call_enabled(p, XDP_TX, false);
	return err;
}

int pc_dispatcher_attach(const char *pin_dir, __u32 ifindex, bool generic, __u32 *prog_id)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts);
	struct pc_xdp_component c;
	struct xdp_program *p;
	int err;

	quiet_libxdp();
	*prog_id = 0;
	/* Told to attach without a dispatcher, libxdp would put the program
	 * on the interface alone, which is the link's job. */
	if (getenv("LIBXDP_SKIP_DISPATCHER"))
		return -EOPNOTSUPP;
	err = pc_xdp_component_open(&c, pin_dir);
	if (err)
		return err;
	opts.obj = c.obj;
	opts.prog_name = c.prog_name;
	p = xdp_program__create(&opts);
	err = libxdp_get_error(p);
	if (!err)
		err = set_run_config(p);
	if (!err)
		err = xdp_program__attach(p, ifindex, mode_of(generic), 0);
	if (!err) {
		*prog_id = xdp_program__id(p);
		/* libxdp may have put it there alone, as an old kernel makes it. */
		if (!pc_dispatcher_has(ifindex, generic, *prog_id)) {
			xdp_program__detach(p, ifindex, mode_of(generic), 0);
			err = -EOPNOTSUPP;
		}
	}
	if (!libxdp_get_error(p))
		xdp_program__close(p); /* libxdp's pins keep it attached */
	pc_xdp_component_close(&c);
	return err;
}

static struct xdp_multiprog *dispatcher_of(__u32 ifindex, bool generic)
{
	struct xdp_multiprog *mp;

	quiet_libxdp();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return NULL;
	if (xdp_multiprog__is_legacy(mp) || xdp_multiprog__attach_mode(mp) != mode_of(generic)) {
		xdp_multiprog__close(mp);
		return NULL;
	}
	return mp;
}

static struct xdp_program *component(const struct xdp_multiprog *mp, __u32 prog_id)
{
	struct xdp_program *p = NULL;

	while ((p = xdp_multiprog__next_prog(p, mp)))
		if (xdp_program__id(p) == prog_id)
			return p;
	return NULL;
}

int pc_dispatcher_has(__u32 ifindex, bool generic, __u32 prog_id)
{
	struct xdp_multiprog *mp = dispatcher_of(ifindex, generic);
	int has;

	if (!mp)
		return 0;
	has = prog_id && component(mp, prog_id) != NULL;
	xdp_multiprog__close(mp);
	return has;
}

int pc_dispatcher_detach(__u32 ifindex, bool generic, __u32 prog_id)
{
	struct xdp_multiprog *mp = dispatcher_of(ifindex, generic);
	struct xdp_program *p;
	int err = 0;

	if (!mp)
		return 0;
	p = component(mp, prog_id);
	if (p)
		err = xdp_program__detach(p, ifindex, mode_of(generic), 0);
	xdp_multiprog__close(mp);
	return err;
}

__u32 pc_dispatcher_find(__u32 ifindex, bool generic, const char *name)
{
	struct xdp_multiprog *mp = dispatcher_of(ifindex, generic);
	struct xdp_program *p = NULL;
	__u32 id = 0;

	if (!mp)
		return 0;
	while (!id && (p = xdp_multiprog__next_prog(p, mp)))
		if (!strcmp(xdp_program__name(p), name))
			id = xdp_program__id(p);
	xdp_multiprog__close(mp);
	return id;
}

__u32 pc_xdp_foreign_prog(__u32 ifindex, bool generic)
{
	struct xdp_multiprog *mp;
	struct xdp_program *main_prog;
	__u32 id = 0;

	quiet_libxdp();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return 0;
	main_prog = xdp_multiprog__main_prog(mp);
	if (xdp_multiprog__is_legacy(mp) && main_prog &&
	    xdp_multiprog__attach_mode(mp) == mode_of(generic))
		id = xdp_program__id(main_prog);
	xdp_multiprog__close(mp);
	return id;
}

/* libxdp's directory: $LIBXDP_BPFFS/xdp, by default /sys/fs/bpf/xdp. */
static void libxdp_dir(char *buf, size_t size)
{
	const char *bpffs = getenv(XDP_BPFFS_ENVVAR);

	snprintf(buf, size, "%s/xdp", bpffs && *bpffs ? bpffs : "/sys/fs/bpf");
}

/* dir/name in buf: false when it does not fit. */
static bool join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n >= 0 && (size_t)n < size;
}

static bool holds_prog(const char *dir, __u32 prog_id)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	bool found = false;
	int fd;

	while (d && !found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 5, "-prog"))
			continue;
		if (!join(path, sizeof(path), dir, e->d_name))
			continue;
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			found = pc_prog_id(fd) == prog_id;
			close(fd);
		}
	}
	if (d)
		closedir(d);
	return found;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (join(path, sizeof(path), dir, e->d_name))
			unlink(path);
	}
	if (d)
		closedir(d);
	if (rmdir(dir))
		pr_debug("remove %s: %s\n", dir, strerror(errno));
	else
		pr_debug("removed libxdp's pins of a gone interface, %s\n", dir);
}

/* A dispatcher on an interface that is there is attached to it by
 * netlink: one with no interface is in no query, and its id is that of no
 * program on any interface. Each load of the component serves one
 * interface, so prog_id's dispatcher served the interface that went. */
void pc_dispatcher_forget(__u32 prog_id)
{
	char top[4096], dir[4096];
	struct dirent *e;
	int lock;
	DIR *d;

	if (!prog_id)
		return;
	libxdp_dir(top, sizeof(top));
	d = opendir(top);
	if (!d)
		return;
	/* libxdp's own lock on its directory, as it takes it. */
	lock = dirfd(d);
	flock(lock, LOCK_EX);
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "dispatch-", 9))
			continue;
		if (join(dir, sizeof(dir), top, e->d_name) && holds_prog(dir, prog_id)) {
			remove_dir(dir);
			break;
		}
	}
	flock(lock, LOCK_UN);
	closedir(d);
}
