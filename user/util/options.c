// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

static bool takes_value(const struct pc_option *o)
{
	return o->kind != PC_OPT_KIND_FLAG && o->kind != PC_OPT_KIND_COUNT;
}

/* What an option's value may be: its metavar, or for an enum its values
 * ("xdp|xdp-generic|..."). */
static void print_metavar(FILE *out, const struct pc_option *o)
{
	int i;

	if (o->kind != PC_OPT_KIND_ENUM) {
		fputs(o->metavar ? o->metavar : "VALUE", out);
		return;
	}
	for (i = 0; i < o->nnames; i++)
		fprintf(out, "%s%s", i ? "|" : "", o->names[i]);
}

/* %.15g: every bound below 1e15 in full (16777216, not 1.67772e+07). */
static void print_range(FILE *out, const struct pc_option *o)
{
	if (o->max >= 1e15)
		fprintf(out, "of at least %.15g", o->min);
	else
		fprintf(out, "from %.15g to %.15g", o->min, o->max);
}

static int parse_number(const char *who, const struct pc_option *o, const char *value,
			double *out)
{
	char *end;

	errno = 0;
	*out = o->kind == PC_OPT_KIND_INTEGER ? (double)strtol(value, &end, 10) :
						strtod(value, &end);
	if (*value && !*end && !errno && *out >= o->min && *out <= o->max)
		return 0;
	fprintf(stderr, "%s: --%s wants %s ", who, o->name,
		o->kind == PC_OPT_KIND_INTEGER ? "a whole number" : "a number");
	print_range(stderr, o);
	fprintf(stderr, ", not '%s'\n", value);
	return -1;
}

static int parse_enum(const char *who, const struct pc_option *o, const char *value)
{
	int i;

	for (i = 0; i < o->nnames; i++)
		if (!strcmp(value, o->names[i]))
			return i;
	fprintf(stderr, "%s: --%s wants one of ", who, o->name);
	for (i = 0; i < o->nnames; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", o->names[i]);
	fprintf(stderr, "; '%s' is none of them\n", value);
	return -1;
}

/* Store what the option says in its config member. */
static int set_value(const char *who, const struct pc_option *o, void *config, const char *value)
{
	char *member = (char *)config + o->offset;
	double number;
	int index;

	switch (o->kind) {
	case PC_OPT_KIND_FLAG:
		*(bool *)member = true;
		return 0;
	case PC_OPT_KIND_COUNT:
		++*(int *)member;
		return 0;
	case PC_OPT_KIND_STRING:
		*(const char **)member = value;
		return 0;
	case PC_OPT_KIND_ENUM:
		index = parse_enum(who, o, value);
		if (index < 0)
			return -1;
		*(int *)member = index;
		return 0;
	case PC_OPT_KIND_NUMBER:
	case PC_OPT_KIND_INTEGER:
		if (parse_number(who, o, value, &number))
			return -1;
		if (o->kind == PC_OPT_KIND_INTEGER)
			*(long *)member = (long)number;
		else
			*(double *)member = number;
		return 0;
	}
	return -1;
}

/* The options of every set, flattened for getopt_long(3): long option i
 * (and its short name, if any) is options[i] of configs[i]. */
#define MAX_OPTIONS 64
struct flat_options {
	struct option longopts[MAX_OPTIONS + 2]; /* + --help + the end */
	char shortopts[2 * MAX_OPTIONS + 4];
	const struct pc_option *options[MAX_OPTIONS];
	void *configs[MAX_OPTIONS];
	int n;
};

/* getopt_long's value for long option i: above every short name. */
#define LONG_VAL(i) (256 + (i))

static int flatten(const struct pc_option_set *sets, size_t nsets, bool stop_at_operand,
		   struct flat_options *f)
{
	const struct pc_option *o;
	size_t s, len;

	/* ':' first: a missing value is told apart from an unknown option;
	 * '+': stop at the first operand (the command name). */
	strcpy(f->shortopts, stop_at_operand ? "+:h" : ":h");
	len = strlen(f->shortopts);
	f->n = 0;
	for (s = 0; s < nsets; s++) {
		for (o = sets[s].options; o->name; o++) {
			if (f->n == MAX_OPTIONS)
				return -1;
			f->longopts[f->n] = (struct option){ o->name, takes_value(o) ? required_argument :
										no_argument,
							     NULL, LONG_VAL(f->n) };
			if (o->short_name) {
				f->shortopts[len++] = o->short_name;
				if (takes_value(o))
					f->shortopts[len++] = ':';
			}
			f->options[f->n] = o;
			f->configs[f->n++] = sets[s].config;
		}
	}
	f->shortopts[len] = '\0';
	f->longopts[f->n] = (struct option){ "help", no_argument, NULL, 'h' };
	f->longopts[f->n + 1] = (struct option){ 0 };
	return 0;
}

/* The index of the option that getopt_long returned as val, or -1. */
static int option_index(const struct flat_options *f, int val)
{
	int i;

	if (val >= LONG_VAL(0))
		return val - LONG_VAL(0) < f->n ? val - LONG_VAL(0) : -1;
	for (i = 0; i < f->n; i++)
		if (val && f->options[i]->short_name == val)
			return i;
	return -1;
}

/* Say what getopt_long found wrong: c is '?' or ':', arg the word at fault. */
static void report(const char *who, const struct flat_options *f, int c, const char *arg)
{
	int i = option_index(f, optopt);
	const struct pc_option *o = i < 0 ? NULL : f->options[i];

	if (c == ':' && o && optopt >= LONG_VAL(0)) {
		fprintf(stderr, "%s: --%s needs a value: ", who, o->name);
		print_metavar(stderr, o);
		fputc('\n', stderr);
	} else if (c == ':') {
		fprintf(stderr, "%s: -%c needs a value\n", who, optopt);
	} else if (o && optopt >= LONG_VAL(0)) {
		fprintf(stderr, "%s: --%s takes no value\n", who, o->name);
	} else if (optopt) {
		fprintf(stderr, "%s: unknown option '-%c'\n", who, optopt);
	} else {
		fprintf(stderr, "%s: unknown option '%.*s'\n", who, (int)strcspn(arg, "="), arg);
	}
}

int pc_options_parse(const char *who, const struct pc_option_set *sets, size_t nsets, int argc,
		     char **argv, int from, bool stop_at_operand, struct pc_parsed *out)
{
	/* getopt_long(3) permutes: options may follow operands, "--" ends
	 * them. It sees argv[from - 1] as the program name; optind 0 starts
	 * it afresh. */
	char **args = argv + from - 1;
	int nargs = argc - from + 1, c, i;
	struct flat_options f;

	out->noperands = 0;
	out->next = argc;
	out->help = false;
	if (flatten(sets, nsets, stop_at_operand, &f)) {
		fprintf(stderr, "%s: too many options\n", who);
		return -1;
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(nargs, args, f.shortopts, f.longopts, NULL)) != -1) {
		if (c == 'h') {
			out->help = true;
			continue;
		}
		if (c == '?' || c == ':') {
			report(who, &f, c, args[optind - 1]);
			return -1;
		}
		i = option_index(&f, c);
		if (i < 0 || set_value(who, f.options[i], f.configs[i], optarg))
			return -1;
	}
	if (stop_at_operand) {
		out->next = optind + from - 1;
		return 0;
	}
	for (i = optind; i < nargs; i++)
		out->operands[out->noperands++] = args[i];
	return 0;
}

void pc_options_synopsis(FILE *out, const struct pc_option *options)
{
	const struct pc_option *o;

	for (o = options; o->name; o++) {
		if (o->short_name)
			fprintf(out, " [-%c", o->short_name);
		else
			fprintf(out, " [--%s", o->name);
		if (takes_value(o)) {
			fputc(' ', out);
			print_metavar(out, o);
		}
		fputc(']', out);
	}
}

/* "-v, --verbose" or "--watch SECS", as the help's left column. */
static int format_label(char *buf, size_t size, const struct pc_option *o)
{
	char short_part[8] = "";

	if (o->short_name)
		snprintf(short_part, sizeof(short_part), "-%c, ", o->short_name);
	return snprintf(buf, size, "%s--%s%s%s", short_part, o->name, takes_value(o) ? " " : "",
			!takes_value(o) ? "" : o->metavar ? o->metavar : "VALUE");
}

static void print_help_text(FILE *out, const char *help, int column)
{
	const char *line = help, *nl;

	while ((nl = strchr(line, '\n'))) {
		fprintf(out, "%.*s\n%*s", (int)(nl - line), line, column, "");
		line = nl + 1;
	}
	fprintf(out, "%s\n", line);
}

void pc_options_help(FILE *out, const struct pc_option *options, const char *help_help)
{
	const struct pc_option *o;
	char label[64];
	int width = 10, n; /* at least "-h, --help" */

	for (o = options; o->name; o++) {
		n = format_label(label, sizeof(label), o);
		if (n > width)
			width = n;
	}
	for (o = options; o->name; o++) {
		format_label(label, sizeof(label), o);
		fprintf(out, "  %-*s  ", width, label);
		print_help_text(out, o->help, width + 4);
	}
	fprintf(out, "  %-*s  ", width, "-h, --help");
	print_help_text(out, help_help, width + 4);
}
