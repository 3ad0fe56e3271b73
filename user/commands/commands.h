/* SPDX-License-Identifier: GPL-2.0 */
/* The commands, one file each (user/commands/cmd_NAME.c), dispatched by
 * main.c. Each takes argv[0] == its own name and returns the exit status. */
#ifndef PC_COMMANDS_H
#define PC_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>
#include "cli.h"
#include "clock.h"
#include "loader.h"
#include "log.h"
#include "pin_dir.h"
#include "privileges.h"

#define PC_VERSION "0.1.0"

struct pc_cli {
	const char *pin_dir;
};

int do_attach(const struct pc_cli *cli, int argc, char **argv);
int do_detach(const struct pc_cli *cli, int argc, char **argv);
int do_apply(const struct pc_cli *cli, int argc, char **argv);
int do_rules(const struct pc_cli *cli, int argc, char **argv);
int do_stats(const struct pc_cli *cli, int argc, char **argv);
int do_status(const struct pc_cli *cli, int argc, char **argv);

/* Say why the pins under dir could not be opened (err from pc_open_pinned
 * or pc_load_pinned). */
void pc_warn_pins(const char *dir, int err);

/* Lock the pin directory and open what is pinned there. Prints "nothing
 * loaded" and returns PC_EXIT_FAIL when nothing is. */
int pc_open_locked(const struct pc_cli *cli, struct pc_loaded *l, int how, int *lock_fd);

int pc_usage(const char *text, bool error);

#endif /* PC_COMMANDS_H */
