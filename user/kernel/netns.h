/* SPDX-License-Identifier: GPL-2.0 */
/* Network namespaces: which one this process is in, and entering another
 * one by the cookie and inode that an attachment recorded. */
#ifndef PC_NETNS_H
#define PC_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The cookie of the current network namespace: an id the kernel never
 * gives to another namespace, as it does inode numbers. 0: unknown. */
__u64 pc_current_netns(void);

/* The inode number of the current network namespace (0: unknown). */
__u64 pc_current_netns_ino(void);

/* The name under /run/netns of the namespace with this inode, if any:
 * 0, or -ENOENT. */
int pc_netns_name(__u64 ino, char *buf, size_t size);

/* Enter the namespace with this cookie, as netlink and ifindexes demand:
 * found by its inode under /run/netns (ip netns) or among the processes,
 * and confirmed by its cookie. *back is what pc_netns_leave() needs (-1
 * when this process is in that namespace already). -ENOENT: the namespace
 * is nowhere to be found, which means it is gone, and its interfaces with
 * it. */
int pc_netns_enter(__u64 cookie, __u64 ino, int *back);
void pc_netns_leave(int back);

/* Has the namespace with this cookie and inode gone? */
bool pc_netns_gone(__u64 cookie, __u64 ino);

#endif /* PC_NETNS_H */
