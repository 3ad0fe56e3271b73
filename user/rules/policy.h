/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parsed form of a rules file (the AST). Built by parser.c, printed by
 * printer.c, checked by lint.c, compiled by compiler.c, read back from the
 * kernel by user/kernel/policy_maps.c and evaluated directly by
 * tests/lib/refclass.c.
 */
#ifndef PC_POLICY_H
#define PC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "keywords.h"
#include "portcullis.h"

#define PC_PROTOS_TCP (1u << PC_PROTO_TCP)
#define PC_PROTOS_UDP (1u << PC_PROTO_UDP)

/* A place in a source file, for diagnostics. file is owned by the policy
 * (struct pc_policy.files) or is a string literal. */
struct pc_loc {
	const char *file;
	int line; /* 1-based */
	int col;  /* 1-based, in bytes */
};

/* An address or prefix. addr is in network order; IPv4 uses addr[0..3]. */
struct pc_prefix {
	__u8 family; /* PC_FAMILY_V4 or PC_FAMILY_V6 */
	__u8 len;    /* 0..32 or 0..128 */
	__u8 addr[16];
};

struct pc_prefix_list {
	struct pc_prefix *v;
	size_t n, cap;
};

struct pc_port_range {
	__u16 lo, hi; /* a single port has lo == hi */
};

struct pc_port_list {
	struct pc_port_range *v;
	size_t n, cap; /* n == 0: every port */
};

enum pc_addr_kind {
	PC_ADDR_ANY = 0,
	PC_ADDR_TABLE, /* <name>: table index */
	PC_ADDR_LIST,  /* one address or prefix, or a { list } */
};

struct pc_addr_spec {
	enum pc_addr_kind kind;
	bool neg;                   /* written with ! */
	int table;                  /* PC_ADDR_TABLE: index into policy tables */
	struct pc_prefix_list list; /* PC_ADDR_LIST */
	struct pc_loc loc;
};

struct pc_table {
	char name[PC_NAME_MAX + 1];
	struct pc_prefix_list prefixes;
	struct pc_loc loc;
	bool used; /* referenced by a rule; set by the parser */
};

struct pc_rule_ast {
	enum pc_action action;
	struct pc_loc loc; /* the action keyword */
	unsigned protos;   /* PC_PROTOS_*; both when not written */
	struct pc_addr_spec src, dst;
	struct pc_port_list ports;
	bool log;
	struct pc_loc log_loc;
	__u32 rate;           /* 0: no rate */
	__u16 rate_unit;      /* seconds: 1, 60 or 3600 */
	__u32 burst;          /* 0: not written */
	struct pc_loc rate_loc;
};

#define PC_PROTOS_ALL (PC_PROTOS_TCP | PC_PROTOS_UDP)
#define PC_FAMILIES_V4 0x1
#define PC_FAMILIES_V6 0x2
#define PC_FAMILIES_ALL (PC_FAMILIES_V4 | PC_FAMILIES_V6)

/*
 * A policy, as the parser makes it or pc_maps_read_policy reads it back.
 *
 * Invariant: every prefix list (a table's prefixes, an inline list) is
 * sorted by pc_prefix_cmp, and every port list by lo then hi, without
 * repeats (pc_prefix_list_sort_unique, pc_port_list_sort_unique). Whatever
 * builds or edits a policy keeps it so: the printer prints the lists as
 * they are, and the compiler and the lint compare them member by member,
 * so that equal policies print, compare and digest alike.
 *
 * The _cap fields are for pc_array_reserve (growable_array.h).
 */
/* The options of the set statement. */
enum pc_set_option {
	PC_SET_MALFORMED,
	PC_SET_REPLY_LIMIT,
	PC_NSET_OPTION,
};

struct pc_policy {
	struct pc_table *tables;
	size_t ntables, tables_cap;
	struct pc_rule_ast *rules;
	size_t nrules, rules_cap;
	enum pc_action malformed; /* PC_ACT_BLOCK (default) or PC_ACT_PASS */
	/* set reply-limit N/unit [burst B]; reply_rate 0: not written, the
	 * default (PC_REPLY_*). reply_burst 0: not written. */
	__u32 reply_rate;
	__u16 reply_unit; /* seconds: 1, 60 or 3600 */
	__u32 reply_burst;
	/* Where each set option was written (line 0: nowhere), and where
	 * before that, when it was written twice: the last one wins, which
	 * lint warns of. Indexed by enum pc_set_option. */
	struct pc_loc set_loc[PC_NSET_OPTION], set_prev[PC_NSET_OPTION];
	char **files;             /* file names that pc_loc.file points into */
	size_t nfiles, files_cap;
};

/* The name that diagnostics give standard input (a rules file "-"). */
#define PC_STDIN_NAME "<stdin>"

/* Diagnostics, collected: where, what kind, and the message. */
enum pc_diag_kind {
	PC_DIAG_ERROR,
	PC_DIAG_WARNING,
};

struct pc_diag_entry {
	struct pc_loc loc; /* loc.file NULL: about no file in particular */
	enum pc_diag_kind kind;
	char *text;
};

struct pc_diag_list {
	struct pc_diag_entry *v;
	size_t n, cap;
};

/* Where diagnostics go: collected in list, to be printed once, sorted,
 * with pc_diag_print and freed with pc_diag_free. They are also counted.
 * The file names that entries point to must outlive the diag: they are
 * owned by the policy (struct pc_policy.files). */
struct pc_diag {
	bool errors_only; /* print no warnings at all (portcullis -q) */
	int errors;
	int warnings;
	struct pc_diag_list list;
	size_t lost; /* diagnostics that could not be kept: out of memory */
};

void pc_diag_error(struct pc_diag *d, const struct pc_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pc_diag_warning(struct pc_diag *d, const struct pc_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print the collected diagnostics as "FILE:LINE:COL: error: MSG", sorted
 * by file (in the order files first appear), line and column, the order
 * found breaking ties. Once there is any error, warnings are left out:
 * they would bury it. */
void pc_diag_print(FILE *out, const struct pc_diag *d);
/* Free the collected diagnostics; the counts stay. */
void pc_diag_free(struct pc_diag *d);
/* Print, then free. */
void pc_diag_flush(FILE *out, struct pc_diag *d);

/* The built-in policy, used when none is given. */
extern const char pc_default_policy[];

/* Parse a rules file ("-": standard input). Table files are read relative
 * to the rules file's directory (standard input: the current directory).
 * Lists and tables come out normalised: sorted, without repeats, so that
 * equal policies compile to equal digests. Every error is reported to d. Returns 0, or -1 if d->errors
 * grew; *out is then still valid and must be freed. */
int pc_policy_parse_file(const char *path, struct pc_policy *out, struct pc_diag *d);
/* Parse text; name is used in diagnostics; table files are relative to the
 * current directory. */
int pc_policy_parse_string(const char *name, const char *text, struct pc_policy *out,
			   struct pc_diag *d);
void pc_policy_free(struct pc_policy *p);

/* Print in canonical form: parsing the output gives the same policy, and
 * printing that again gives the same text. The lists are printed in their
 * order, which the invariant above makes canonical. */
void pc_policy_print(FILE *out, const struct pc_policy *p);
/* The same, with what note prints after each table's text: comment
 * lines, which the parser skips (`rules` marks live entries so). */
typedef void pc_table_note_fn(FILE *out, const struct pc_table *t, void *arg);
void pc_policy_print_notes(FILE *out, const struct pc_policy *p, pc_table_note_fn *note,
			   void *arg);
/* One rule on one line, without a newline, as in pc_policy_print. */
void pc_rule_format(char *buf, size_t size, const struct pc_policy *p, const struct pc_rule_ast *r);

/* Helpers shared by the parser, the compiler and the readback. */
int pc_prefix_list_add(struct pc_prefix_list *l, const struct pc_prefix *p);
void pc_prefix_list_free(struct pc_prefix_list *l);
/* Does prefix p contain the address addr of the given family? */
bool pc_prefix_contains(const struct pc_prefix *p, __u8 family, const __u8 *addr);
/* Total order: family, then address, then length. */
int pc_prefix_cmp(const struct pc_prefix *a, const struct pc_prefix *b);
/* Sort a list by pc_prefix_cmp and drop repeats, in place. */
void pc_prefix_list_sort_unique(struct pc_prefix_list *l);
/* Format as "198.51.100.0/24", or a bare address for a full-length prefix. */
void pc_prefix_format(char *buf, size_t size, const struct pc_prefix *p);
/* Sort a port list by lo, then hi, and drop repeats, in place. */
void pc_port_list_sort_unique(struct pc_port_list *l);

/* The address families (PC_FAMILIES_*) that the prefixes of an address
 * spec belong to, negated or not; 0 for "any" or an empty set. */
unsigned pc_addr_families(const struct pc_policy *p, const struct pc_addr_spec *a);
/* The families a rule applies to, as in pf: a side whose addresses are all
 * of one family restricts the rule to it. 0: the two sides are of
 * different families only, and the rule can never match. */
unsigned pc_rule_families(const struct pc_policy *p, const struct pc_rule_ast *r);

#endif /* PC_POLICY_H */
