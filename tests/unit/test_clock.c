// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the clock helpers (user/util/clock.c) that the event log
 * needs: RFC 3339 to the millisecond, and a CLOCK_BOOTTIME time (what the
 * kernel programs stamp events with) turned into wall-clock time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "clock.h"

static void test_format_time_ms(void **state)
{
	char buf[40];

	(void)state;
	pc_format_time_ms(buf, sizeof(buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	/* 2026-12-02T13:47:22.347999999Z: milliseconds are cut, not rounded. */
	pc_format_time_ms(buf, sizeof(buf), 1796219242347999999ULL);
	assert_string_equal(buf, "2026-12-02T13:47:22.347Z");
	pc_format_time_ms(buf, sizeof(buf), 1796219242005000000ULL);
	assert_string_equal(buf, "2026-12-02T13:47:22.005Z");
	/* The same second as pc_format_time() gives. */
	pc_format_time(buf, sizeof(buf), 1796219242347999999ULL);
	assert_string_equal(buf, "2026-12-02T13:47:22Z");
}

static __u64 now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Boot time now is the wall clock now, within the reads of the two
 * clocks (a millisecond allowed for them); an hour of boot time earlier
 * is an hour earlier. */
static void test_boot_to_realtime(void **state)
{
	const __u64 ms = 1000000, hour = 3600000000000ULL;
	__u64 before = now_ns(CLOCK_REALTIME), boot = now_ns(CLOCK_BOOTTIME), got, after;

	(void)state;
	got = pc_boot_to_realtime_ns(boot);
	after = now_ns(CLOCK_REALTIME);
	assert_in_range(got, before - ms, after + ms);
	if (boot > hour) {
		got = pc_boot_to_realtime_ns(boot - hour);
		assert_in_range(got, before - hour - ms, after - hour + ms);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_time_ms),
		cmocka_unit_test(test_boot_to_realtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
