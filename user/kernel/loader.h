/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading the kernel programs and finding them again through their pins.
 */
#ifndef PC_LOADER_H
#define PC_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include "policy_maps.h"

struct portcullis; /* the skeleton, build/portcullis.skel.h */
struct bpf_object;

/* The maps come through the skeleton in both cases: loaded, or opened
 * (not loaded) with each map's descriptor taken from its pin. */
struct pc_loaded {
	struct portcullis *skel;
	bool progs_in_skel; /* loaded here: the skeleton owns xdp_fd and tc_fd */
	struct pc_maps maps;
	int xdp_fd; /* the XDP program */
	int tc_fd;  /* the tc (cls_bpf) program, for ingress and egress */
};

/* Nothing opened: every descriptor -1, so that pc_loaded_close() on it
 * closes nothing. The one definition of an empty struct pc_loaded. */
#define PC_LOADED_INIT \
	{ .skel = NULL, .progs_in_skel = false, .maps = PC_MAPS_NONE, .xdp_fd = -1, .tc_fd = -1 }

/* Load the programs and maps into the kernel without pinning anything
 * (used by the BPF_PROG_TEST_RUN tests). Returns 0 or -errno. */
int pc_load_unpinned(struct pc_loaded *l);

/* Open what is pinned under pin_dir. -ENOENT: nothing loaded;
 * -ESTALE: an incomplete set of pins (a damaged or older load). */
int pc_open_pinned(struct pc_loaded *l, const char *pin_dir);

/* The same with every descriptor read-only (BPF_F_RDONLY): enough to read
 * the policy and the counters, and all that a user who may only read the
 * pins gets (Linux 6.5 and later; before, unprivileged_bpf_disabled
 * stops every bpf() call without CAP_BPF). */
int pc_open_pinned_readonly(struct pc_loaded *l, const char *pin_dir);

/* Is portcullis still loaded under pin_dir? Cheap: one access(). */
bool pc_pins_loaded(const char *pin_dir);

/* The pin of the XDP link of ifindex in the network namespace netns
 * (its cookie): PC_PIN_LINK_XDP_FMT. 0, or -ENAMETOOLONG. */
int pc_link_pin_path(char *buf, size_t size, const char *pin_dir, __u64 netns, __u32 ifindex);

/* Load and pin under pin_dir, or open the pins when already loaded. */
int pc_load_pinned(struct pc_loaded *l, const char *pin_dir, bool *created);

/* How many sources the maps of sources hold (attach --limit-sources,
 * --reply-sources, --offender-sources, --event-sources); 0 takes the
 * default, PC_*_SOURCES. An entry of the LRU maps costs about 100 bytes
 * of kernel memory, an offender 72 bytes on each CPU. */
struct pc_map_sizes {
	__u32 limit_sources; /* pc_limit: (limit rule, source) buckets */
	__u32 reply_sources; /* pc_reply_limit: sources answered by reject */
	__u32 offender_sources; /* pc_offenders: sources of stopped attempts
				 * that each CPU keeps */
	__u32 event_sources; /* pc_event_limit: sources of logged attempts */
};

/* The same, with the maps of sources sized as sizes says when they are
 * loaded here; maps loaded already keep their size (pc_loaded_sizes()). */
int pc_load_pinned_sized(struct pc_loaded *l, const char *pin_dir,
			 const struct pc_map_sizes *sizes, bool *created);

/* The sources a CPU's offenders hold when n are asked: n rounded up to a
 * power of two (and to PC_OFFENDER_WAYS). */
__u32 pc_offender_sources_rounded(__u32 n);

/* The sizes of the maps of sources of a load. */
void pc_loaded_sizes(const struct pc_loaded *l, struct pc_map_sizes *sizes);

void pc_loaded_close(struct pc_loaded *l);

/* Remove the pins of the programs and maps (links are the attach code's). */
int pc_unpin_objects(const char *pin_dir);

/* An incomplete load, when pc_open_pinned() gave -ENOENT or -ESTALE:
 * only the pinned pc_attach map, in l->maps.attach (every other
 * descriptor -1), so that what was recorded can still be undone. 0, or
 * -errno (-ENOENT: no such pin; l is then empty). Close with
 * pc_loaded_close(), as any other load. */
int pc_open_attach_only(struct pc_loaded *l, const char *pin_dir);

/* The XDP program once more, opened from the embedded object but not
 * loaded, its maps those pinned under pin_dir (bpf_map__reuse_fd) and the
 * tc program left out of the load: what libxdp loads as a component of
 * its dispatcher, so that every attachment shares one set of maps.
 * prog_name: the XDP program's name in obj. Close with pc_xdp_component_close(). */
struct pc_xdp_component {
	struct portcullis *skel;
	struct bpf_object *obj;
	const char *prog_name;
};
int pc_xdp_component_open(struct pc_xdp_component *c, const char *pin_dir);
void pc_xdp_component_close(struct pc_xdp_component *c);

/* The kernel's id of a program. */
__u32 pc_prog_id(int prog_fd);

#endif /* PC_LOADER_H */
