/* SPDX-License-Identifier: GPL-2.0 */
/* The commands, one file each (user/commands/cmd_NAME.c), dispatched by
 * main.c, which parses their options. Each returns the exit status. */
#ifndef PC_COMMANDS_H
#define PC_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "clock.h"
#include "loader.h"
#include "log.h"
#include "options.h"
#include "pin_dir.h"
#include "privileges.h"

/* PC_VERSION comes from the VERSION file, by the Makefile. */

/* Exit statuses, as the SPEC defines them. */
#define PC_EXIT_OK     0
#define PC_EXIT_FAIL   1 /* the operation failed */
#define PC_EXIT_USAGE  2 /* usage error or invalid rules */

/* What every command gets from the global options. */
struct pc_cli {
	const char *pin_dir; /* absolute */
};

/* A command: its options as a table bound to its config struct, which
 * main.c fills (zeroed first) before calling run with the operands. */
struct pc_command {
	const char *name;
	const char *summary;  /* one line, for 'portcullis --help' */
	const char *operands; /* for the usage line: "FILE|-", "IFACE..." */
	int min_operands;
	int max_operands;     /* -1: any number */
	const char *description; /* the --help text between usage and options */
	const struct pc_option *options;
	size_t config_size;
	int (*run)(const struct pc_cli *cli, const void *config, int noperands, char **operands);
};

extern const struct pc_command pc_cmd_attach, pc_cmd_detach, pc_cmd_apply, pc_cmd_rules,
	pc_cmd_stats, pc_cmd_status;
extern const struct pc_command pc_cmd_table;
extern const struct pc_command pc_cmd_metrics;
extern const struct pc_command pc_cmd_top;
extern const struct pc_command pc_cmd_log;

/* A usage error that the command itself finds (options that do not go
 * together): says why, then how to get help. Returns PC_EXIT_USAGE. */
int pc_usage_error(const struct pc_command *cmd, const char *why);

/* Say why the pins under dir could not be opened (err from pc_open_pinned
 * or pc_load_pinned). */
void pc_warn_pins(const char *dir, int err);

/* Lock the pin directory and open what is pinned there. Prints "nothing
 * loaded" and returns PC_EXIT_FAIL when nothing is. */
int pc_open_locked(const struct pc_cli *cli, struct pc_loaded *l, int how, int *lock_fd);
/* Which load of portcullis is pinned under pin_dir: the inode of the pin
 * that is pinned last, which a detach removes and a new load makes
 * afresh. 0: none. */
ino_t pc_load_id(const char *pin_dir);

/* Open the pins without waiting for the lock: reading needs none (the
 * slot in force is consistent), and an apply holds it while it switches.
 * Only when the pins cannot be opened so (nothing loaded, or an attach or
 * a detach at work) is the lock taken, to wait for them and say why
 * (stats, top, log). Close with pc_loaded_close(). */
int pc_open_for_reading(const struct pc_cli *cli, struct pc_loaded *l);
/* Close what pc_open_locked() opened, and unlock. */
void pc_close_locked(struct pc_loaded *l, int lock_fd);

/* One snapshot of every counter, and each rule's text in texts[nrules],
 * all of one policy generation (cmd_stats.c; stats and metrics read the
 * counters through it). 0 or -errno. */
int pc_stats_gather(const struct pc_loaded *l, struct pc_stats *s, char (*texts)[512]);

#endif /* PC_COMMANDS_H */
