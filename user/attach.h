/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching the loaded programs to interfaces and detaching them. Every
 * attachment is recorded in the pc_attach map, so that detach and status
 * need nothing outside the pin directory. */
#ifndef PC_ATTACH_H
#define PC_ATTACH_H

#include "loader.h"

/* cls_bpf filter identity on clsact ingress/egress. */
#define PC_TC_HANDLE 0x2525
#define PC_TC_PRIO   25

/* Attach to one interface. Already attached there on that hook: returns
 * 0 with *already set. Returns -errno with a message printed on failure. */
int pc_attach_one(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
		  enum pc_hook hook, bool *already);

/* Detach every hook of one interface (by index). Returns the number of
 * attachments removed, or -errno. */
int pc_detach_ifindex(const struct pc_loaded *l, const char *pin_dir, __u32 ifindex);

/* Detach everything, then remove every pin and the pin directory. */
int pc_detach_all(const struct pc_loaded *l, const char *pin_dir);

/* Is this attachment still in place in the kernel? */
bool pc_attachment_live(const struct pc_loaded *l, const struct pc_attach_key *k);

/* The recorded attachments, at most max; returns how many. */
int pc_attachments(const struct pc_loaded *l, struct pc_attach_key *keys,
		   struct pc_attach_val *vals, int max);

#endif /* PC_ATTACH_H */
