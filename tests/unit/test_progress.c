// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the progress line (user/util/progress.c): the text of the
 * line and its counts, and that nothing is written when stderr is not a
 * terminal. Drawing on a terminal is tested end to end, under a
 * pseudo-terminal, by tests/e2e/test_progress.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

static void test_count(void **state)
{
	static const struct {
		size_t n;
		const char *want;
	} cases[] = {
		{ 0, "0" },
		{ 7, "7" },
		{ 999, "999" },
		{ 1000, "1,000" },
		{ 65536, "65,536" },
		{ 100000, "100,000" },
		{ 1000000, "1,000,000" },
		{ 2097152, "2,097,152" },
		{ 18446744073709551615ULL, "18,446,744,073,709,551,615" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pc_format_count(buf, sizeof(buf), cases[i].n);
		assert_string_equal(buf, cases[i].want);
	}
	/* A buffer too small gets what fits, still terminated. */
	pc_format_count(buf, 4, 1234567);
	assert_string_equal(buf, "1,2");
	pc_format_count(buf, 1, 5);
	assert_string_equal(buf, "");
}

static void test_line(void **state)
{
	static const struct {
		const char *label, *unit;
		size_t done, total;
		double secs;
		const char *want;
	} cases[] = {
		{ "switching", NULL, 0, 0, 0.04, "switching... 0.0 s" },
		{ "switching", NULL, 0, 0, 12.34, "switching... 12.3 s" },
		/* A total before anything is done: how much there is. */
		{ "loading into the kernel", "prefixes", 0, 1000000, 1.4,
		  "loading into the kernel... 1,000,000 prefixes, 1.4 s" },
		/* Done and total: how far, floored, so that 100% means done. */
		{ "loading into the kernel", "prefixes", 400000, 1000000, 1.44,
		  "loading into the kernel... 400,000 of 1,000,000 prefixes (40%), 1.4 s" },
		{ "loading", "prefixes", 999999, 1000000, 2, "loading... 999,999 of 1,000,000 prefixes (99%), 2.0 s" },
		{ "loading", "prefixes", 1000000, 1000000, 2, "loading... 1,000,000 of 1,000,000 prefixes (100%), 2.0 s" },
		{ "loading", "prefixes", 1200000, 1000000, 2, "loading... 1,200,000 of 1,000,000 prefixes (100%), 2.0 s" },
		/* No total: a running count. */
		{ "reading isp.rules", "prefixes", 123456, 0, 0.9,
		  "reading isp.rules... 123,456 prefixes, 0.9 s" },
		/* Counts without a unit. */
		{ "step", NULL, 5, 10, 1, "step... 5 of 10 (50%), 1.0 s" },
		{ "step", NULL, 5, 0, 1, "step... 5, 1.0 s" },
	};
	char buf[256];
	size_t i;
	int n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = pc_progress_format(buf, sizeof(buf), cases[i].label, cases[i].unit,
				       cases[i].done, cases[i].total, cases[i].secs);
		assert_string_equal(buf, cases[i].want);
		assert_int_equal(n, strlen(cases[i].want));
	}
	/* Cut short, the length says how long it would be. */
	n = pc_progress_format(buf, 10, "switching", NULL, 0, 0, 1);
	assert_string_equal(buf, "switching");
	assert_int_equal(n, strlen("switching... 1.0 s"));
}

/* stderr a pipe: a whole operation, messages and all, writes nothing. */
static void test_not_a_terminal(void **state)
{
	int fds[2], saved = dup(STDERR_FILENO);
	char buf[64];

	assert_true(saved >= 0);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
	setenv("PORTCULLIS_PROGRESS_AFTER_MS", "0", 1);
	pc_progress_begin("reading", "prefixes", 0);
	pc_progress_add(3);
	pc_progress_begin("loading", "prefixes", 3);
	pc_progress_update(2);
	pc_progress_hold();
	pc_progress_release();
	pc_progress_end();
	pc_progress_end();
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fds[1]);
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 0);
	close(fds[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_not_a_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
