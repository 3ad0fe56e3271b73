/* SPDX-License-Identifier: GPL-2.0 */
/* Presenting what status gathered: a table for people, JSON for programs. */
#ifndef PC_STATUS_OUTPUT_H
#define PC_STATUS_OUTPUT_H

#include <stdio.h>
#include "portcullis.h"

struct pc_status_attachment {
	struct pc_attach_key key;
	struct pc_attach_val val;
	int live;              /* 1 yes, 0 no (GONE), -1 cannot tell */
	char netns_name[256];  /* under /run/netns; "": none */
};

struct pc_status {
	const char *pin_dir;
	__u32 xdp_prog_id, tc_prog_id;
	struct pc_policy_hdr hdr; /* the generation in force */
	__u32 tables;
	__u64 netns;              /* the cookie of the namespace status runs in */
	struct pc_status_attachment att[PC_MAX_ATTACH];
	int natt;
};

void pc_status_print_table(FILE *out, const struct pc_status *s);
void pc_status_print_json(FILE *out, const struct pc_status *s);

#endif /* PC_STATUS_OUTPUT_H */
