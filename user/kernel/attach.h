/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching the loaded programs to interfaces and detaching them. Every
 * attachment is recorded in the pc_attach map, with the network namespace
 * its interface lives in, so that detach and status need nothing outside
 * the pin directory and never mistake one namespace's interface for
 * another's. */
#ifndef PC_ATTACH_H
#define PC_ATTACH_H

#include "loader.h"

/* cls_bpf filter identity on clsact ingress/egress. */
#define PC_TC_HANDLE 0x2525
#define PC_TC_PRIO   25

/* The hooks by name, as --hook takes them, indexed by enum pc_hook. */
extern const char *const pc_hook_names[PC_NHOOK];
const char *pc_hook_name(enum pc_hook h);

/* How XDP is attached (attach --xdp-mode): libxdp's dispatcher, shared
 * with other XDP programs, or portcullis's own bpf_link, alone on the
 * interface; auto takes the dispatcher when libxdp can load it. */
enum pc_xdp_mode {
	PC_XDP_MODE_AUTO = 0,
	PC_XDP_MODE_DISPATCHER,
	PC_XDP_MODE_LINK,
	PC_NXDP_MODE,
};
extern const char *const pc_xdp_mode_names[PC_NXDP_MODE];

/* How an attachment is made, as status says it: "dispatcher" or "link"
 * for XDP, "filter" for tc. */
const char *pc_attach_mode_name(const struct pc_attach_key *k, const struct pc_attach_val *v);

/* Attach to one interface of the current namespace. Already attached
 * there on that hook: returns 0 with *already set. Returns -errno, with a
 * message printed, on failure. */
int pc_attach_one(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
		  enum pc_hook hook, enum pc_xdp_mode xdp_mode, bool *already);

/* Detach one hook of an interface of the current namespace. */
int pc_detach_hook(const struct pc_loaded *l, const char *pin_dir, __u32 ifindex,
		   enum pc_hook hook);

/* Detach every hook of an interface of the current namespace, found by
 * name, and the records of interfaces by that name that are gone (or whose
 * namespace is). Returns how many attachments were removed (dry_run: would
 * be), or -errno. */
int pc_detach_iface(const struct pc_loaded *l, const char *pin_dir, const char *ifname,
		    bool dry_run);

/* Detach everything, in every namespace, then remove every pin and the
 * pin directory. Fails, removing no pin, if a tc attachment sits in a
 * namespace that cannot be entered from here. */
int pc_detach_all(const struct pc_loaded *l, const char *pin_dir);

/* Is this attachment still in place? 1 yes, 0 no, -1 cannot tell (its
 * namespace cannot be entered from here). */
int pc_attachment_live(const struct pc_loaded *l, const struct pc_attach_key *k,
		       const struct pc_attach_val *v);

/* The recorded attachments, at most max; returns how many. */
int pc_attachments(const struct pc_loaded *l, struct pc_attach_key *keys,
		   struct pc_attach_val *vals, int max);

#endif /* PC_ATTACH_H */
