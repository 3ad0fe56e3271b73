/* SPDX-License-Identifier: GPL-2.0 */
/* Whether this process may load programs and attach them. */
#ifndef PC_PRIVILEGES_H
#define PC_PRIVILEGES_H

/* 0, or -EPERM with a message saying that root, or CAP_BPF plus
 * CAP_NET_ADMIN, is needed. */
int pc_require_privileges(void);

#endif /* PC_PRIVILEGES_H */
