/* SPDX-License-Identifier: GPL-2.0 */
/* libbpf's own messages, shown by the verbosity of util/log.h. */
#ifndef PC_LIBBPF_LOG_H
#define PC_LIBBPF_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* Route libbpf's messages through the levels of log.h: its warnings at
 * -v, its debug output at -vv. */
void pc_setup_libbpf_logging(void);

/* A library's message (libbpf's, libxdp's) at those levels. */
int pc_library_print(bool debug, const char *fmt, va_list ap);

#endif /* PC_LIBBPF_LOG_H */
