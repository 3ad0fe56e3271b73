// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the option parser (user/util/options.c): every kind of
 * option, options after operands, "-" and "--", and the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

struct config {
	bool flag;
	int count;
	const char *string;
	double number;
	long integer;
	long size;
	int choice;
};

static const char *const choices[] = { "one", "two", "three" };

static const struct pc_option options[] = {
	PC_OPT_FLAG(struct config, flag, "flag", 'f', "a flag"),
	PC_OPT_COUNT(struct config, count, "more", 'm', "more"),
	PC_OPT_STRING(struct config, string, "name", "NAME", "a name"),
	PC_OPT_NUMBER(struct config, number, "secs", "SECS", 0.5, 10, "seconds"),
	PC_OPT_INTEGER(struct config, integer, "count", "N", 1, 1e18, "how many"),
	PC_OPT_INTEGER(struct config, size, "size", "N", 1, 1 << 24, "how big"),
	PC_OPT_ENUM(struct config, choice, "choice", "CHOICE", choices, 3, "which"),
	{ 0 },
};

struct result {
	struct config cfg;
	struct pc_parsed parsed;
	char *operands[16];
	char *err; /* what the parser wrote on stderr */
	int rc;
};

/* Parse the NULL-terminated words as a command line (argv[0] "prog"). */
static void parse(struct result *r, bool stop, ...)
{
	char *argv[16] = { "prog" };
	struct pc_option_set set = { options, &r->cfg };
	size_t len = 0;
	FILE *saved = stderr;
	va_list ap;
	int argc = 1;

	memset(r, 0, sizeof(*r));
	va_start(ap, stop);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	r->parsed.operands = r->operands;
	stderr = open_memstream(&r->err, &len);
	r->rc = pc_options_parse("prog", &set, 1, argc, argv, 1, stop, &r->parsed);
	fclose(stderr);
	stderr = saved;
}

static void test_every_kind(void **state)
{
	struct result r;

	parse(&r, false, "-f", "-mm", "--more", "--name", "x", "--secs=2.5", "--count", "7",
	      "--choice", "three", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.cfg.flag);
	assert_int_equal(r.cfg.count, 3);
	assert_string_equal(r.cfg.string, "x");
	assert_true(r.cfg.number == 2.5);
	assert_int_equal(r.cfg.integer, 7);
	assert_int_equal(r.cfg.choice, 2);
	assert_int_equal(r.parsed.noperands, 0);
	free(r.err);
}

static void test_operands_anywhere(void **state)
{
	struct result r;

	parse(&r, false, "a", "-f", "-", "b", "--", "-m", "--flag", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.cfg.flag);
	assert_int_equal(r.cfg.count, 0);
	assert_int_equal(r.parsed.noperands, 5);
	assert_string_equal(r.operands[0], "a");
	assert_string_equal(r.operands[1], "-");
	assert_string_equal(r.operands[2], "b");
	assert_string_equal(r.operands[3], "-m");
	assert_string_equal(r.operands[4], "--flag");
	free(r.err);
}

static void test_stop_at_operand(void **state)
{
	struct result r;

	parse(&r, true, "-m", "cmd", "-f", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.parsed.next, 2);
	assert_int_equal(r.cfg.count, 1);
	assert_false(r.cfg.flag);
	free(r.err);
}

static void test_help(void **state)
{
	struct result r;

	parse(&r, false, "x", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.parsed.help);
	free(r.err);
	parse(&r, false, "-fh", NULL);
	assert_true(r.parsed.help);
	assert_true(r.cfg.flag);
	free(r.err);
}

/* Each bad command line fails with exactly this message. */
static void test_errors(void **state)
{
	static const struct {
		const char *args[3];
		const char *msg;
	} cases[] = {
		{ { "--bogus" }, "prog: unknown option '--bogus'\n" },
		{ { "-x" }, "prog: unknown option '-x'\n" },
		{ { "--name" }, "prog: --name needs a value: NAME\n" },
		{ { "--choice" }, "prog: --choice needs a value: one|two|three\n" },
		{ { "--flag=1" }, "prog: --flag takes no value\n" },
		{ { "--secs", "0.1" }, "prog: --secs wants a number from 0.5 to 10, not '0.1'\n" },
		{ { "--secs", "soon" }, "prog: --secs wants a number from 0.5 to 10, not 'soon'\n" },
		{ { "--count", "1.5" }, "prog: --count wants a whole number of at least 1, not '1.5'\n" },
		{ { "--count", "" }, "prog: --count wants a whole number of at least 1, not ''\n" },
		/* the bound in full, as attach --limit-sources has it, not 1.67772e+07 */
		{ { "--size", "0" }, "prog: --size wants a whole number from 1 to 16777216, not '0'\n" },
		{ { "--choice", "four" },
		  "prog: --choice wants one of one, two, three; 'four' is none of them\n" },
	};
	struct result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(&r, false, cases[i].args[0], cases[i].args[1], NULL);
		assert_int_equal(r.rc, -1);
		assert_string_equal(r.err, cases[i].msg);
		free(r.err);
	}
}

static void test_help_text(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	pc_options_synopsis(f, options);
	fputc('\n', f);
	pc_options_help(f, options, "this help");
	fclose(f);
	assert_string_equal(text,
			    " [-f] [-m] [--name NAME] [--secs SECS] [--count N] [--size N] [--choice one|two|three]\n"
			    "  -f, --flag       a flag\n"
			    "  -m, --more       more\n"
			    "  --name NAME      a name\n"
			    "  --secs SECS      seconds\n"
			    "  --count N        how many\n"
			    "  --size N         how big\n"
			    "  --choice CHOICE  which\n"
			    "  -h, --help       this help\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_operands_anywhere),
		cmocka_unit_test(test_stop_at_operand),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
