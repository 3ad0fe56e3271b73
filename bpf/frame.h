/* SPDX-License-Identifier: GPL-2.0 */
/* A frame as the classifier sees it, whatever the hook. */
#ifndef PC_BPF_FRAME_H
#define PC_BPF_FRAME_H

#include <stdbool.h>
#include <linux/types.h>
#include "portcullis.h"

struct pc_frame {
	void *data; /* the linear part the hook lets us read */
	void *end;
	__u64 len;     /* bytes, as the hook sees the frame (counted as bytes) */
	__u32 packets; /* packets it goes on the wire as (counted as packets) */
};

#endif /* PC_BPF_FRAME_H */
