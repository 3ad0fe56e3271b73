/* SPDX-License-Identifier: GPL-2.0 */
/* The commands, one file each (user/cmd_NAME.c), dispatched by main.c.
 * Each takes argv[0] == its own name and returns the exit status. */
#ifndef PC_COMMANDS_H
#define PC_COMMANDS_H

#include "cli.h"

int do_attach(const struct pc_cli *cli, int argc, char **argv);
int do_detach(const struct pc_cli *cli, int argc, char **argv);
int do_apply(const struct pc_cli *cli, int argc, char **argv);
int do_rules(const struct pc_cli *cli, int argc, char **argv);
int do_stats(const struct pc_cli *cli, int argc, char **argv);
int do_status(const struct pc_cli *cli, int argc, char **argv);

#endif /* PC_COMMANDS_H */
