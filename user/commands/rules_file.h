/* SPDX-License-Identifier: GPL-2.0 */
/* Reading a rules file for a command: parse, compile and report. */
#ifndef PC_RULES_FILE_H
#define PC_RULES_FILE_H

#include "compiler.h"
#include "policy.h"

/* Parse a rules file ("-": standard input; NULL: the built-in default),
 * reporting to d; as pc_policy_parse_file. */
int pc_parse_rules_file(const char *path, struct pc_policy *p, struct pc_diag *d);

/* Parse and compile a rules file ("-": standard input; NULL: the built-in
 * default). Every diagnostic goes to stderr, sorted, warnings only when
 * there is no error. Returns PC_EXIT_OK, or PC_EXIT_USAGE with p and c
 * freed. */
int pc_compile_file(const char *path, struct pc_policy *p, struct pc_compiled *c);

/* The slow part of putting c, compiled from file, in force, done before
 * the lock: its generation's index and table members loaded into maps of
 * their own (generation.h), with a progress line; says why it failed.
 * 0, or -errno. */
struct pc_generation;
int pc_load_generation(const char *file, const struct pc_compiled *c, struct pc_generation *g);

/* Give c, about to be put in force in the maps m, the live entries of the
 * tables it keeps (live.h), as pc_live holds them at now; live gets them
 * all, for pc_live_sweep() once c is in force. 0, or -errno after saying
 * why. */
struct pc_live_list;
struct pc_maps;
int pc_carry_live(const struct pc_maps *m, struct pc_compiled *c, struct pc_live_list *live,
		  __u32 now);

/* How messages name that file: "<stdin>" for "-", "<default>" for NULL. */
const char *pc_rules_file_name(const char *path);

#endif /* PC_RULES_FILE_H */
