// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the table-file reader (`table <t> file "path"`). The
 * input is the file: it is written to a memfd, which the rules name as
 * /proc/self/fd/N, so that it goes through pc_source_read and the table
 * line parser as any file would, and nothing is left on disk. A table
 * that reads without errors must come out sorted, without repeats and
 * without host bits (policy.h), and print and parse back to itself.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "policy.h"
#include "policy_text.h"

static int fd = -1;
static char rules[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd = memfd_create("pc-fuzz-table", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "memfd_create failed");
	snprintf(rules, sizeof(rules), "table <t> file \"/proc/self/fd/%d\"\npass from <t>\n", fd);
	return 0;
}

/* The invariant of policy.h, and no host bits (the parser refuses them). */
static void check_list(const struct pc_prefix_list *l)
{
	size_t i, b;

	for (i = 0; i < l->n; i++) {
		const struct pc_prefix *p = &l->v[i];
		unsigned bits = p->family == PC_FAMILY_V4 ? 32 : 128;

		FUZZ_CHECK(p->family == PC_FAMILY_V4 || p->family == PC_FAMILY_V6, "family %u",
			   p->family);
		FUZZ_CHECK(p->len <= bits, "prefix length %u", p->len);
		for (b = p->len; b < bits; b++)
			FUZZ_CHECK(!(p->addr[b / 8] & (0x80 >> (b % 8))), "host bit %zu set", b);
		FUZZ_CHECK(!i || pc_prefix_cmp(&l->v[i - 1], p) < 0, "entry %zu out of order", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_diag d = { 0 };
	struct pc_policy p1, p2;
	char *printed, *again;
	const struct pc_prefix_list *l1, *l2;

	FUZZ_CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size,
		   "cannot write the table file");
	pc_policy_parse_string("fuzz.rules", rules, &p1, &d);
	if (d.errors) {
		pc_diag_free(&d);
		pc_policy_free(&p1);
		return 0;
	}
	pc_diag_free(&d);
	FUZZ_CHECK(p1.ntables == 1 && p1.nrules == 1, "%zu tables, %zu rules", p1.ntables,
		   p1.nrules);
	l1 = &p1.tables[0].prefixes;
	check_list(l1);

	printed = fuzz_policy_text(&p1);
	pc_policy_parse_string("printed.rules", printed, &p2, &d);
	if (d.errors) {
		pc_diag_print(stderr, &d);
		FUZZ_FAIL("the printed table does not parse:\n%s", printed);
	}
	pc_diag_free(&d);
	l2 = &p2.tables[0].prefixes;
	FUZZ_CHECK(l1->n == l2->n && (!l1->n || !memcmp(l1->v, l2->v, l1->n * sizeof(l1->v[0]))),
		   "the printed table holds other prefixes:\n%s", printed);
	again = fuzz_policy_text(&p2);
	FUZZ_CHECK(!strcmp(printed, again), "printed twice, the table differs");

	free(printed);
	free(again);
	pc_policy_free(&p1);
	pc_policy_free(&p2);
	return 0;
}
