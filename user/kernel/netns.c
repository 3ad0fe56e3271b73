// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "netns.h"

__u64 pc_current_netns(void)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
}

__u64 pc_current_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

int pc_netns_name(__u64 ino, char *buf, size_t size)
{
	DIR *d = opendir("/run/netns");
	char path[512];
	struct dirent *e;
	struct stat st;
	int found = -ENOENT;

	while (d && found && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		if (e->d_name[0] != '.' && !stat(path, &st) && st.st_ino == ino) {
			snprintf(buf, size, "%s", e->d_name);
			found = 0;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* Enter the namespace at path if it is the one with this cookie. */
static int try_netns(const char *path, __u64 cookie)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	if (!err && pc_current_netns() != cookie)
		err = -ESRCH;
	return err;
}

/* Look for the namespace among the entries of dir (each one's namespace
 * file is path_fmt with the entry's name), and enter it. back: the
 * namespace to return to when a candidate proves to be another one. */
static int enter_from(const char *dir, const char *path_fmt, __u64 cookie, __u64 ino, int back)
{
	DIR *d = opendir(dir);
	char path[512];
	struct dirent *e;
	struct stat st;
	int found = -ENOENT;

	while (d && found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), path_fmt, e->d_name);
		if (stat(path, &st) || st.st_ino != ino)
			continue;
		found = try_netns(path, cookie);
		if (found == -ESRCH) {
			/* A newer namespace with the inode of a dead one. */
			if (setns(back, CLONE_NEWNET))
				break;
			found = -ENOENT;
		}
	}
	if (d)
		closedir(d);
	return found;
}

int pc_netns_enter(__u64 cookie, __u64 ino, int *back)
{
	int found;

	*back = -1;
	if (cookie == pc_current_netns())
		return 0;
	*back = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0)
		return -errno;
	found = enter_from("/run/netns", "/run/netns/%s", cookie, ino, *back);
	if (found)
		found = enter_from("/proc", "/proc/%s/ns/net", cookie, ino, *back);
	if (found) {
		close(*back);
		*back = -1;
	}
	return found;
}

void pc_netns_leave(int back)
{
	if (back < 0)
		return;
	if (setns(back, CLONE_NEWNET))
		pr_warn("return to the original network namespace: %s\n", strerror(errno));
	close(back);
}

bool pc_netns_gone(__u64 cookie, __u64 ino)
{
	int back, err = pc_netns_enter(cookie, ino, &back);

	if (!err)
		pc_netns_leave(back);
	return err == -ENOENT;
}
