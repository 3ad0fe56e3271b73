/* SPDX-License-Identifier: GPL-2.0 */
/* What every command shares: options, messages, privileges, the pin
 * directory and its lock, and loading a rules file. */
#ifndef PC_CLI_H
#define PC_CLI_H

#include <stdbool.h>
#include <time.h>
#include "clock.h"
#include "compiler.h"
#include "loader.h"

/* Exit statuses, as the SPEC defines them. */
#define PC_EXIT_OK     0
#define PC_EXIT_FAIL   1 /* the operation failed */
#define PC_EXIT_USAGE  2 /* usage error or invalid rules */

#define PC_VERSION "0.1.0"

struct pc_cli {
	const char *pin_dir;
};

extern int pc_verbosity; /* -1 quiet, 0 normal, 1 -v, 2 -vv */

void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Route libbpf's messages through the levels above. */
void pc_setup_libbpf_logging(void);

/* 0, or a message saying root or CAP_BPF plus CAP_NET_ADMIN is needed. */
int pc_require_privileges(void);

/* Make the pin directory (mode 0700), mounting bpffs if it is missing,
 * and lock it: LOCK_EX for commands that change state, LOCK_SH for those
 * that only read. Returns the lock's descriptor or -errno. */
int pc_pin_dir_lock(const char *dir, int how, bool create);
void pc_pin_dir_unlock(int fd);

/* Remove the pin directory once it holds nothing, and the bpffs that
 * portcullis mounted on it. A directory that holds other pins stays. */
int pc_pin_dir_remove(const char *dir);

/* Say why the pins under dir could not be opened (err from pc_open_pinned
 * or pc_load_pinned). */
void pc_warn_pins(const char *dir, int err);

/* Lock the pin directory and open what is pinned there. Prints "nothing
 * loaded" and returns PC_EXIT_FAIL when nothing is. */
int pc_open_locked(const struct pc_cli *cli, struct pc_loaded *l, int how, int *lock_fd);

/* Usage helper: the "Usage:" text of a command, on stdout for --help and
 * on stderr (returning PC_EXIT_USAGE) for a usage error. */
int pc_usage(const char *text, bool error);

const char *pc_hook_name(enum pc_hook h);

/* The ending for n of something: pc_plural(n, "", "s") for "rule%s",
 * pc_plural(n, "y", "ies") for "entr%s". */
const char *pc_plural(size_t n, const char *one, const char *many);
int pc_hook_parse(const char *s); /* -1 if unknown */

#endif /* PC_CLI_H */
