/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XDP through libxdp's multi-program dispatcher, so that portcullis shares
 * an interface with xdp-filter, a DDoS prefilter or an AF_XDP capture. The
 * component program is portcullis's XDP program, loaded by libxdp as an
 * extension (freplace) of the dispatcher, on the maps pinned under the pin
 * directory: counters and policy are the same as through portcullis's own
 * bpf_link. libxdp pins the dispatcher and its components under its own
 * bpffs directory (/sys/fs/bpf/xdp, or $LIBXDP_BPFFS).
 */
#ifndef PC_DISPATCHER_H
#define PC_DISPATCHER_H

#include <stdbool.h>
#include <linux/types.h>

/* The XDP program's name (bpf/portcullis.bpf.c), as libxdp lists it. */
#define PC_XDP_PROG_NAME "pc_xdp"

/* Attach a component to the dispatcher of ifindex (of the current
 * namespace), native XDP or generic, making the dispatcher if there is
 * none. *prog_id: the component program's id, which stays the same while
 * other programs come and go. -errno, with libxdp's messages at -v:
 * -EBUSY means another program that is no dispatcher holds the interface. */
int pc_dispatcher_attach(const char *pin_dir, __u32 ifindex, bool generic, __u32 *prog_id);

/* Is program prog_id a component of the dispatcher on ifindex in that
 * mode? 1 yes, 0 no. */
int pc_dispatcher_has(__u32 ifindex, bool generic, __u32 prog_id);

/* Take program prog_id out of the dispatcher on ifindex, leaving the other
 * components running (the dispatcher goes with the last). 0 when it is
 * not there either. */
int pc_dispatcher_detach(__u32 ifindex, bool generic, __u32 prog_id);

/* The interface of a component went away, or its namespace did: remove
 * the pins libxdp left for its dispatcher, which would keep prog_id in
 * the kernel. Only the directory that holds prog_id, and only when its
 * dispatcher runs nowhere. */
void pc_dispatcher_forget(__u32 prog_id);

/* The id of a component by that name in the dispatcher on ifindex in
 * that mode, or 0. */
__u32 pc_dispatcher_find(__u32 ifindex, bool generic, const char *name);

/* An XDP program in that mode on ifindex that is not libxdp's
 * dispatcher: its id, or 0. */
__u32 pc_xdp_foreign_prog(__u32 ifindex, bool generic);

#endif /* PC_DISPATCHER_H */
