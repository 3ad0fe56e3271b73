// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>
#include "cli.h"

int pc_verbosity;

static void vlog(int level, const char *fmt, va_list ap)
{
	if (pc_verbosity < level)
		return;
	if (level <= 0)
		fputs("portcullis: ", stderr);
	vfprintf(stderr, fmt, ap);
}

#define DEFINE_LOG(name, level)                 \
	void name(const char *fmt, ...)         \
	{                                       \
		va_list ap;                     \
		va_start(ap, fmt);              \
		vlog(level, fmt, ap);           \
		va_end(ap);                     \
	}
DEFINE_LOG(pr_warn, -1)
DEFINE_LOG(pr_info, 0)
DEFINE_LOG(pr_debug, 1)

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings at -v, its debug chatter at -vv. */
	if (pc_verbosity < (level == LIBBPF_DEBUG ? 2 : 1))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void pc_setup_libbpf_logging(void)
{
	libbpf_set_print(libbpf_print);
}

/* Effective capability bits, from /proc/self/status. */
static unsigned long long cap_effective(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

int pc_require_privileges(void)
{
	const unsigned long long net_admin = 1ULL << 12, sys_admin = 1ULL << 21, bpf = 1ULL << 39;
	unsigned long long caps = cap_effective();

	/* CAP_BPF exists since 5.8; CAP_SYS_ADMIN stands in for it before. */
	if ((caps & net_admin) && (caps & (bpf | sys_admin)))
		return 0;
	pr_warn("this command needs root, or CAP_BPF plus CAP_NET_ADMIN\n");
	return -EPERM;
}

static long fs_type(const char *path)
{
	struct statfs st;

	return statfs(path, &st) ? 0 : (long)st.f_type;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* A directory in a bpffs that portcullis mounted itself. */
static const char *mount_marker(char *buf, size_t size, const char *dir)
{
	snprintf(buf, size, "%s/portcullis_mounted", dir);
	return buf;
}

static int mount_bpffs(const char *path)
{
	pr_debug("mounting bpffs on %s\n", path);
	if (mount("bpf", path, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

/* Make dir usable for pins: on bpffs, mode 0700. When the kernel's own
 * mount point (/sys/fs/bpf, on sysfs) has nothing mounted, mount bpffs
 * there, as systemd would; elsewhere mount it on dir itself. */
static int prepare_pin_dir(const char *dir)
{
	char parent[4096], marker[4096];
	char *slash;
	int err;

	if (snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else
		strcpy(parent, "/");

	if (access(dir, F_OK) && fs_type(parent) == SYSFS_MAGIC) {
		err = mount_bpffs(parent);
		if (err)
			return err;
	}
	err = mkdir_p(dir, 0700);
	if (err)
		return err;
	if (fs_type(dir) != BPF_FS_MAGIC) {
		err = mount_bpffs(dir);
		if (err)
			return err;
		/* So that detach --all knows this mount is portcullis's own. */
		if (mkdir_p(mount_marker(marker, sizeof(marker), dir), 0700))
			pr_warn("mark %s as portcullis's own mount: %s\n", dir, strerror(errno));
	}
	return chmod(dir, 0700) ? -errno : 0;
}

/* Entries of a directory other than "." and "..", the kernel's
 * maps.debug and progs.debug of a bpffs root, and our own mount marker.
 * -1: error. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "maps.debug") && strcmp(e->d_name, "progs.debug") &&
		    strcmp(e->d_name, "portcullis_mounted"))
			n++;
	closedir(d);
	return n;
}

int pc_pin_dir_remove(const char *dir)
{
	char parent[4096], marker[4096];
	struct stat d, p;
	bool mounted;
	int n;

	snprintf(parent, sizeof(parent), "%s/..", dir);
	if (stat(dir, &d) || stat(parent, &p))
		return errno == ENOENT ? 0 : -errno;
	mounted = d.st_dev != p.st_dev;
	n = count_entries(dir);
	if (n) {
		if (n > 0)
			pr_info("%s still holds pins that are not portcullis's: left in place\n", dir);
		return 0;
	}
	if (mounted) {
		/* Only a bpffs that portcullis mounted itself is unmounted. */
		if (rmdir(mount_marker(marker, sizeof(marker), dir)))
			return 0;
		if (umount2(dir, MNT_DETACH)) {
			pr_warn("unmount %s: %s\n", dir, strerror(errno));
			return -errno;
		}
	}
	if (rmdir(dir) && errno != ENOENT) {
		pr_warn("remove %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

int pc_pin_dir_lock(const char *dir, int how, bool create)
{
	struct stat a, b;
	int tries, fd, err;

	for (tries = 0; tries < 10; tries++) {
		if (create) {
			err = prepare_pin_dir(dir);
			if (err)
				return err;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (flock(fd, how)) {
			err = -errno;
			close(fd);
			return err;
		}
		/* detach --all may have removed the directory meanwhile. */
		if (!fstat(fd, &a) && !stat(dir, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
		if (!create)
			return -ENOENT;
	}
	return -EAGAIN;
}

void pc_pin_dir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

void pc_warn_pins(const char *dir, int err)
{
	if (err == -ENOENT)
		pr_warn("nothing loaded: no portcullis pins under %s (run 'portcullis attach' first)\n",
			dir);
	else if (err == -ESTALE)
		pr_warn("%s holds an incomplete set of pins (a damaged or older load): run 'portcullis detach --all', then attach again\n",
			dir);
	else
		pr_warn("cannot open the pins under %s: %s\n", dir, strerror(-err));
}

int pc_open_locked(const struct pc_cli *cli, struct pc_loaded *l, int how, int *lock_fd)
{
	int err;

	*lock_fd = -1;
	if (pc_require_privileges())
		return PC_EXIT_FAIL;
	*lock_fd = pc_pin_dir_lock(cli->pin_dir, how, false);
	err = *lock_fd < 0 ? *lock_fd : pc_open_pinned(l, cli->pin_dir);
	if (err) {
		pc_warn_pins(cli->pin_dir, err);
		pc_pin_dir_unlock(*lock_fd);
		*lock_fd = -1;
		return PC_EXIT_FAIL;
	}
	return PC_EXIT_OK;
}

int pc_usage(const char *text, bool error)
{
	fputs(text, error ? stderr : stdout);
	return error ? PC_EXIT_USAGE : PC_EXIT_OK;
}

static const char *const hook_names[PC_NHOOK] = {
	[PC_HOOK_XDP] = "xdp",
	[PC_HOOK_XDP_GENERIC] = "xdp-generic",
	[PC_HOOK_TC_EGRESS] = "tc-egress",
	[PC_HOOK_TC_INGRESS] = "tc-ingress",
};

const char *pc_hook_name(enum pc_hook h)
{
	return h < PC_NHOOK ? hook_names[h] : "unknown";
}

int pc_hook_parse(const char *s)
{
	int h;

	for (h = 0; h < PC_NHOOK; h++)
		if (!strcmp(s, hook_names[h]))
			return h;
	return -1;
}

const char *pc_plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}
