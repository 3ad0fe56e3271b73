/* SPDX-License-Identifier: GPL-2.0 */
/* libbpf's own messages, shown by the verbosity of util/log.h. */
#ifndef PC_LIBBPF_LOG_H
#define PC_LIBBPF_LOG_H

/* Route libbpf's messages through the levels of log.h: its warnings at
 * -v, its debug output at -vv. */
void pc_setup_libbpf_logging(void);

#endif /* PC_LIBBPF_LOG_H */
