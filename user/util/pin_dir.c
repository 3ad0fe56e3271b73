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
