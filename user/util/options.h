/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line options as data, after xdp-tools' lib/util/params.h: each
 * command declares a table of its options, each bound to a member of its
 * config struct. One parser, on top of getopt_long(3), reads them, and
 * --help and the usage line are printed from the same table.
 *
 *	struct apply_config { bool check; };
 *	static const struct pc_option apply_options[] = {
 *		PC_OPT_FLAG(struct apply_config, check, "check", 0, "validate only"),
 *		{ 0 },
 *	};
 *
 * Options and operands may come in any order ("apply f -q"); "--" ends the
 * options, and "-" alone is an operand. Long options take their value as
 * "--name VALUE" or "--name=VALUE"; short flags may be bundled ("-vv").
 */
#ifndef PC_OPTIONS_H
#define PC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum pc_option_kind {
	PC_OPT_KIND_FLAG,    /* bool: set */
	PC_OPT_KIND_COUNT,   /* int: one more each time it is given (-vv) */
	PC_OPT_KIND_STRING,  /* const char *: the value as given */
	PC_OPT_KIND_NUMBER,  /* double, from min to max */
	PC_OPT_KIND_INTEGER, /* long, from min to max */
	PC_OPT_KIND_ENUM,    /* int: the index of the value among names */
};

struct pc_option {
	const char *name; /* long name, without "--"; NULL ends a table */
	char short_name;  /* 0: none */
	enum pc_option_kind kind;
	size_t offset;           /* of the config member it sets */
	const char *metavar;     /* the value in usage texts: FILE, SECS */
	const char *help;        /* lines, '\n' between them */
	double min, max;         /* NUMBER, INTEGER: the range */
	const char *const *names; /* ENUM: the values, by index */
	int nnames;
};

/* offsetof(type, member), refused at compile time unless the member has
 * the C type that the option kind writes. */
#define PC_OPT_MEMBER(type, member, ctype)                                                     \
	(offsetof(type, member) +                                                              \
	 0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((type *)0)->member), ctype) ? \
				  1 :                                                          \
				  -1]))

#define PC_OPT_FLAG(type, member, lname, sname, helptext)                                    \
	{ .name = lname, .short_name = sname, .kind = PC_OPT_KIND_FLAG,                      \
	  .offset = PC_OPT_MEMBER(type, member, bool), .help = helptext }
#define PC_OPT_COUNT(type, member, lname, sname, helptext)                                   \
	{ .name = lname, .short_name = sname, .kind = PC_OPT_KIND_COUNT,                     \
	  .offset = PC_OPT_MEMBER(type, member, int), .help = helptext }
#define PC_OPT_STRING(type, member, lname, meta, helptext)                                   \
	{ .name = lname, .kind = PC_OPT_KIND_STRING,                                         \
	  .offset = PC_OPT_MEMBER(type, member, const char *), .metavar = meta, .help = helptext }
#define PC_OPT_NUMBER(type, member, lname, meta, lo, hi, helptext)                           \
	{ .name = lname, .kind = PC_OPT_KIND_NUMBER, .offset = PC_OPT_MEMBER(type, member, double), \
	  .metavar = meta, .min = lo, .max = hi, .help = helptext }
#define PC_OPT_INTEGER(type, member, lname, meta, lo, hi, helptext)                          \
	{ .name = lname, .kind = PC_OPT_KIND_INTEGER, .offset = PC_OPT_MEMBER(type, member, long), \
	  .metavar = meta, .min = lo, .max = hi, .help = helptext }
#define PC_OPT_ENUM(type, member, lname, meta, values, nvalues, helptext)                    \
	{ .name = lname, .kind = PC_OPT_KIND_ENUM, .offset = PC_OPT_MEMBER(type, member, int),  \
	  .metavar = meta, .names = values, .nnames = nvalues, .help = helptext }

/* A table of options and the config struct it fills. */
struct pc_option_set {
	const struct pc_option *options;
	void *config;
};

/* What pc_options_parse() found besides the options. */
struct pc_parsed {
	char **operands; /* the caller's array, at least argc long */
	int noperands;
	int next;        /* with stop_at_operand: the index of the first operand */
	bool help;       /* -h or --help was given */
};

/* Parse argv[from..argc) against the tables of sets. With stop_at_operand
 * the first operand ends the parse (for a command name). who names the
 * parser in messages ("portcullis", "portcullis apply"). Returns 0, or -1
 * after saying on stderr why the command line is wrong. */
int pc_options_parse(const char *who, const struct pc_option_set *sets, size_t nsets, int argc,
		     char **argv, int from, bool stop_at_operand, struct pc_parsed *out);

/* The bracketed synopsis of a table: "[--json] [--watch SECS]". */
void pc_options_synopsis(FILE *out, const struct pc_option *options);

/* One line an option, the help text beside it, then -h, --help with the
 * text help_help: the "Options:" of --help. */
void pc_options_help(FILE *out, const struct pc_option *options, const char *help_help);

#endif /* PC_OPTIONS_H */
