// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdio.h>

#include "fuzz_check.h"
#include "policy_text.h"

char *fuzz_policy_text(const struct pc_policy *p)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	FUZZ_CHECK(f, "open_memstream failed");
	pc_policy_print(f, p);
	FUZZ_CHECK(fclose(f) == 0, "printing failed");
	return s;
}
