/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How a fuzz target says its oracle failed: it prints why and aborts, and
 * libFuzzer keeps the input as a crash (crash-<sha1>) with the stack.
 */
#ifndef PC_FUZZ_CHECK_H
#define PC_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_FAIL(...)                                                       \
	do {                                                                 \
		fprintf(stderr, "fuzz oracle: %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                                \
		fputc('\n', stderr);                                         \
		abort();                                                     \
	} while (0)

#define FUZZ_CHECK(cond, ...)               \
	do {                                \
		if (!(cond))                \
			FUZZ_FAIL(__VA_ARGS__); \
	} while (0)

#endif /* PC_FUZZ_CHECK_H */
