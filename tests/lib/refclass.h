/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference classifier: what a policy should do to one frame, worked
 * out the plain way (parse the frame, walk the rules top to bottom) with no
 * code shared with the kernel program or the compiler. Tests check the
 * kernel programs against it.
 */
#ifndef PC_REFCLASS_H
#define PC_REFCLASS_H

#include <stddef.h>
#include "policy.h"

enum pc_ref_class {
	PC_REF_L4 = 0,    /* TCP or UDP with ports: subject to rules */
	PC_REF_OTHER,     /* not TCP/UDP over IPv4/IPv6: passes untouched */
	PC_REF_FRAGMENT,  /* a non-first fragment: passes */
	PC_REF_MALFORMED, /* verdict from the policy's "set malformed" */
};

struct pc_ref_result {
	enum pc_ref_class cls;
	enum pc_verdict verdict; /* PC_V_PASSED, PC_V_DROPPED or PC_V_REJECTED */
	int rule;                /* 0-based index of the deciding rule, or -1 */
	int proto;               /* PC_PROTO_* when cls == PC_REF_L4, else -1 */
	int dport;               /* when cls == PC_REF_L4, else -1 */
	int connection;          /* 1 for a TCP SYN without ACK or any UDP packet */
	int answered;            /* rejected, and answered (reset or ICMP) from XDP and tc */
	int limited;             /* dropped by a limit rule: an attempt too many */
	/* The port item whose counter this packet lands in: the narrowest
	 * (fewest ports) port or range, of this proto, named by any rule that
	 * lists this proto; ties go to the lowest lo. item_lo < 0: none. */
	int item_lo, item_hi;
};

/* Limit rules keep state here: how many connection attempts each (rule,
 * source) has had. The reference knows no clock: it models rates too
 * slow to refill during a test (rate N/hour), each bucket letting its
 * burst through and then nothing. */
struct pc_ref_result pc_ref_classify(const struct pc_policy *p, const void *frame, size_t len);
/* Forget every bucket, as a fresh pc_limit map. */
void pc_ref_limit_reset(void);

#endif /* PC_REFCLASS_H */
