/* SPDX-License-Identifier: GPL-2.0 */
/* Loading a rules file for a command, and the exit statuses it returns. */
#ifndef PC_CLI_H
#define PC_CLI_H

#include "compiler.h"

/* Exit statuses, as the SPEC defines them. */
#define PC_EXIT_OK     0
#define PC_EXIT_FAIL   1 /* the operation failed */
#define PC_EXIT_USAGE  2 /* usage error or invalid rules */

/* Parse and compile a rules file (NULL: the built-in default). Errors go
 * to stderr; returns PC_EXIT_OK or PC_EXIT_USAGE. */
int pc_compile_file(const char *path, struct pc_policy *p, struct pc_compiled *c);

#endif /* PC_CLI_H */
