// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <time.h>
#include "clock.h"

__u64 pc_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__u64 pc_realtime_ns(void)
{
	return pc_clock_ns(CLOCK_REALTIME);
}

double pc_monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void pc_format_time(char *buf, size_t size, __u64 realtime_ns)
{
	time_t t = realtime_ns / 1000000000ULL;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void pc_format_time_ms(char *buf, size_t size, __u64 realtime_ns)
{
	time_t t = realtime_ns / 1000000000ULL;
	char secs[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03lluZ", secs, (unsigned long long)(realtime_ns / 1000000 % 1000));
}

__u64 pc_boot_to_realtime_ns(__u64 boot_ns)
{
	struct timespec real, boot;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return boot_ns + ((__s64)real.tv_sec - boot.tv_sec) * 1000000000LL +
	       (real.tv_nsec - boot.tv_nsec);
}
