// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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

static void print_range(FILE *out, const struct pc_option *o)
{
	if (o->max >= 1e15)
		fprintf(out, "of at least %g", o->min);
	else
		fprintf(out, "from %g to %g", o->min, o->max);
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

/* The option of that long name (len characters) or, with len 0, that short
 * name, and the set it belongs to. */
static const struct pc_option *find(const struct pc_option_set *sets, size_t nsets,
				    const char *name, size_t len, char short_name, void **config)
{
	const struct pc_option *o;
	size_t s;

	for (s = 0; s < nsets; s++) {
		for (o = sets[s].options; o->name; o++) {
			if (len ? strlen(o->name) == len && !strncmp(o->name, name, len) :
				  o->short_name == short_name) {
				*config = sets[s].config;
				return o;
			}
		}
	}
	return NULL;
}

/* --name, --name=VALUE or --name VALUE, at argv[*i]. */
static int parse_long(const char *who, const struct pc_option_set *sets, size_t nsets, int argc,
		      char **argv, int *i, struct pc_parsed *out)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '='), *value = NULL;
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct pc_option *o;
	void *config;

	if (len == 4 && !strncmp(name, "help", 4) && !eq) {
		out->help = true;
		return 0;
	}
	o = find(sets, nsets, name, len, 0, &config);
	if (!o) {
		fprintf(stderr, "%s: unknown option '--%.*s'\n", who, (int)len, name);
		return -1;
	}
	if (!takes_value(o)) {
		if (eq) {
			fprintf(stderr, "%s: --%s takes no value\n", who, o->name);
			return -1;
		}
	} else if (eq) {
		value = eq + 1;
	} else if (*i + 1 < argc) {
		value = argv[++*i];
	} else {
		fprintf(stderr, "%s: --%s needs a value: ", who, o->name);
		print_metavar(stderr, o);
		fputc('\n', stderr);
		return -1;
	}
	return set_value(who, o, config, value);
}

/* -x, or bundled flags -xy, at argv[*i]; the last one may take a value. */
static int parse_short(const char *who, const struct pc_option_set *sets, size_t nsets, int argc,
		       char **argv, int *i, struct pc_parsed *out)
{
	const char *p;
	const struct pc_option *o;
	void *config;

	for (p = argv[*i] + 1; *p; p++) {
		if (*p == 'h') {
			out->help = true;
			continue;
		}
		o = find(sets, nsets, NULL, 0, *p, &config);
		if (!o) {
			fprintf(stderr, "%s: unknown option '-%c'\n", who, *p);
			return -1;
		}
		if (!takes_value(o)) {
			set_value(who, o, config, NULL);
			continue;
		}
		if (p[1])
			return set_value(who, o, config, p + 1);
		if (*i + 1 >= argc) {
			fprintf(stderr, "%s: -%c needs a value\n", who, *p);
			return -1;
		}
		return set_value(who, o, config, argv[++*i]);
	}
	return 0;
}

int pc_options_parse(const char *who, const struct pc_option_set *sets, size_t nsets, int argc,
		     char **argv, int from, bool stop_at_operand, struct pc_parsed *out)
{
	bool options_ended = false;
	const char *arg;
	int i, err;

	out->noperands = 0;
	out->next = argc;
	out->help = false;
	for (i = from; i < argc; i++) {
		arg = argv[i];
		if (options_ended || arg[0] != '-' || !arg[1]) {
			if (stop_at_operand) {
				out->next = i;
				return 0;
			}
			out->operands[out->noperands++] = argv[i];
			continue;
		}
		if (!strcmp(arg, "--")) {
			options_ended = true;
			continue;
		}
		if (arg[1] == '-')
			err = parse_long(who, sets, nsets, argc, argv, &i, out);
		else
			err = parse_short(who, sets, nsets, argc, argv, &i, out);
		if (err)
			return -1;
	}
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
