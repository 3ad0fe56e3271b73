/* SPDX-License-Identifier: GPL-2.0 */
/* Messages on stderr, by level: warnings always, what was done unless
 * -q, details with -v. */
#ifndef PC_LOG_H
#define PC_LOG_H

#include <stddef.h>

extern int pc_verbosity; /* -1 quiet, 0 normal, 1 -v, 2 -vv */

/* Errors and warnings: shown even with -q, prefixed "portcullis: ". */
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What a command did: hidden by -q. */
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Details: shown with -v. */
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The ending for n of something: pc_plural(n, "", "s") for "rule%s",
 * pc_plural(n, "y", "ies") for "entr%s". */
const char *pc_plural(size_t n, const char *one, const char *many);

#endif /* PC_LOG_H */
