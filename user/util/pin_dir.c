// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "log.h"
#include "pin_dir.h"

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

/* Marks, as directories inside the pin directory, of what portcullis
 * made itself, so that detach --all takes away that and nothing else: the
 * bpffs mounted on it, and the directory itself. */
#define MOUNTED_MARK "portcullis_mounted"
#define CREATED_MARK "portcullis_created"

static const char *mark_path(char *buf, size_t size, const char *dir, const char *mark)
{
	snprintf(buf, size, "%s/%s", dir, mark);
	return buf;
}

static void mark(const char *dir, const char *mark, const char *what)
{
	char path[4096];
	int err = mkdir_p(mark_path(path, sizeof(path), dir, mark), 0700);

	if (err)
		pr_warn("mark %s as %s: %s\n", dir, what, strerror(-err));
}

static bool marked(const char *dir, const char *mark)
{
	char path[4096];

	return !access(mark_path(path, sizeof(path), dir, mark), F_OK);
}

/* Take a mark away: 0, or -errno when it was not there. */
static int unmark(const char *dir, const char *mark)
{
	char path[4096];

	return rmdir(mark_path(path, sizeof(path), dir, mark)) ? -errno : 0;
}

/* Is this process in a mount namespace of its own, not its parent's, as
 * under `ip netns exec`? A bpffs mounted there goes away when the command
 * ends, and the pins and programs in it with them. False when it cannot
 * tell (no parent to compare with, or its namespace cannot be read). */
static bool own_mount_ns(void)
{
	char parent[64];
	struct stat self, up;

	if (getppid() <= 1)
		return false;
	snprintf(parent, sizeof(parent), "/proc/%d/ns/mnt", (int)getppid());
	if (stat("/proc/self/ns/mnt", &self) || stat(parent, &up))
		return false;
	return self.st_ino != up.st_ino || self.st_dev != up.st_dev;
}

static int mount_bpffs(const char *path)
{
	if (own_mount_ns()) {
		pr_warn("%s has no bpffs in this mount namespace, which this command has to itself "
			"(ip netns exec makes one): a bpffs mounted there would go away with the "
			"command, and the pins and programs with it; run portcullis with "
			"nsenter --net=/run/netns/NAME instead, which keeps the system's mounts\n",
			path);
		return -EXDEV;
	}
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
	char parent[4096];
	bool created;
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
	created = access(dir, F_OK) != 0;
	err = mkdir_p(dir, 0700);
	if (err)
		return err;
	if (fs_type(dir) != BPF_FS_MAGIC) {
		err = mount_bpffs(dir);
		if (err)
			return err;
		mark(dir, MOUNTED_MARK, "portcullis's own mount");
	}
	/* Inside the mount, if any: unmounting it takes the mark too. */
	if (created)
		mark(dir, CREATED_MARK, "made by portcullis");
	return chmod(dir, 0700) ? -errno : 0;
}

/* Entries of a directory other than "." and "..", the kernel's
 * maps.debug and progs.debug of a bpffs root, and our own marks.
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
		    strcmp(e->d_name, MOUNTED_MARK) && strcmp(e->d_name, CREATED_MARK))
			n++;
	closedir(d);
	return n;
}

int pc_pin_dir_remove(const char *dir)
{
	char parent[4096];
	struct stat d, p;
	bool mounted, created;
	int n;

	snprintf(parent, sizeof(parent), "%s/..", dir);
	if (stat(dir, &d) || stat(parent, &p))
		return errno == ENOENT ? 0 : -errno;
	mounted = d.st_dev != p.st_dev;
	n = count_entries(dir);
	if (n) {
		if (n > 0)
			pr_info("%s holds other pins or directories (another pin directory?): left in place\n", dir);
		return 0;
	}
	/* Only a bpffs that portcullis mounted itself is unmounted, and only a
	 * directory that it made is removed; someone else's mount is left
	 * whole, marks and all. */
	if (mounted && !marked(dir, MOUNTED_MARK))
		return 0;
	created = marked(dir, CREATED_MARK);
	/* The marks live inside the mount, if any, and go with it. */
	if (!mounted && created)
		unmark(dir, CREATED_MARK);
	if (mounted) {
		if (umount2(dir, MNT_DETACH)) {
			pr_warn("unmount %s: %s\n", dir, strerror(errno));
			return -errno;
		}
	}
	if (!created) {
		pr_debug("%s was there before portcullis: left in place\n", dir);
		return 0;
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
