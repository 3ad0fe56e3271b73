// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the rules language end to end, with a round trip as
 * the oracle. The input is written to a rules file and read as the
 * commands read one. A file that parses without errors is compiled, printed,
 * parsed again and compiled again; the printed text must parse without
 * errors, print the same a second time (policy.h: canonical form), and
 * compile to the same maps with the same digest. Any difference aborts,
 * so libFuzzer keeps the input as a crash.
 *
 * The file is written, and table files named by the input are read, in a
 * directory of our own on tmpfs (a file written to disk on every run would
 * slow the fuzzer down fourfold). It holds one table file, business.txt,
 * as examples/isp.rules names it; absolute paths still reach the file
 * system, read only.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler.h"
#include "fuzz_check.h"
#include "lint.h"
#include "policy.h"
#include "policy_text.h"

static void same_compiled(const struct pc_compiled *a, const struct pc_compiled *b)
{
	FUZZ_CHECK(a->policy_digest == b->policy_digest, "digests differ");
	FUZZ_CHECK(!memcmp(&a->hdr, &b->hdr, sizeof(a->hdr)), "headers differ");
	FUZZ_CHECK(!memcmp(a->rules, b->rules, a->hdr.nrules * sizeof(a->rules[0])),
		   "rules differ");
	FUZZ_CHECK(!memcmp(a->sets, b->sets, a->hdr.nsets * sizeof(a->sets[0])), "sets differ");
	FUZZ_CHECK(!memcmp(a->items, b->items, a->hdr.nitems * sizeof(a->items[0])),
		   "port items differ");
	FUZZ_CHECK(!memcmp(a->lists, b->lists, a->hdr.nlist * sizeof(a->lists[0])),
		   "list prefixes differ");
	FUZZ_CHECK(a->nprefixes == b->nprefixes, "%zu prefix entries, %zu", a->nprefixes,
		   b->nprefixes);
	/* No entries may come with no array: memcmp must not see NULL. */
	FUZZ_CHECK(!a->nprefixes ||
			   !memcmp(a->prefixes, b->prefixes, a->nprefixes * sizeof(a->prefixes[0])),
		   "prefix entries differ");
	FUZZ_CHECK(!memcmp(a->ports, b->ports, PC_PORTS_SLOT * sizeof(a->ports[0])),
		   "port maps differ");
}

static FILE *devnull;

/* Parse the rules file path, or else text, and compile the policy
 * (flags: PC_COMPILE_*). Returns the parse errors; *rc is pc_compile's
 * result when there were none. */
static int build(const char *path, const char *text, struct pc_policy *p, struct pc_compiled *c,
		 unsigned flags, int *rc)
{
	struct pc_diag d = { 0 };
	int errors;

	if (path)
		pc_policy_parse_file(path, p, &d);
	else
		pc_policy_parse_string("printed.rules", text, p, &d);
	errors = d.errors;
	if (!errors) {
		pc_policy_lint(p, &d);
		*rc = pc_compile(p, c, &d, flags);
	}
	/* Every message formatted and sorted, as the commands print them. */
	pc_diag_print(devnull, &d);
	pc_diag_free(&d);
	return errors;
}

static struct pc_compiled c1, c2;
static char dir[] = "/dev/shm/pc-fuzz-rules.XXXXXX";

static void remove_dir(void)
{
	unlink("business.txt");
	unlink("fuzz.rules");
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *f;

	devnull = fopen("/dev/null", "w");
	FUZZ_CHECK(devnull, "cannot open /dev/null");
	FUZZ_CHECK(mkdtemp(dir) && chdir(dir) == 0, "no directory of its own");
	atexit(remove_dir);
	f = fopen("business.txt", "w");
	FUZZ_CHECK(f, "cannot write business.txt");
	fputs("# a table file\n100.64.200.10   # a host\n2001:db8:1fff::/48\n\n192.0.2.0/24\n", f);
	FUZZ_CHECK(fclose(f) == 0, "cannot write business.txt");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_policy p1, p2;
	char *printed, *again;
	FILE *f;
	/* log too, which the kernel side does not take yet. */
	unsigned flags = PC_COMPILE_ALLOW_UNSUPPORTED;
	int rc1 = -1, rc2 = -1;

	/* A file, as an operator's rules are read: NUL bytes and all. */
	f = fopen("fuzz.rules", "w");
	FUZZ_CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0,
		   "cannot write fuzz.rules");
	if (build("fuzz.rules", NULL, &p1, &c1, flags, &rc1)) {
		pc_compiled_free(&c1);
		pc_policy_free(&p1);
		return 0;
	}
	printed = fuzz_policy_text(&p1);
	if (build(NULL, printed, &p2, &c2, flags, &rc2))
		FUZZ_FAIL("the printed policy does not parse:\n%s", printed);
	again = fuzz_policy_text(&p2);
	if (strcmp(printed, again))
		FUZZ_FAIL("printed twice, the policy differs:\n%s\n---\n%s", printed, again);
	if (rc1 != rc2)
		FUZZ_FAIL("compiles %d, printed %d:\n%s", rc1, rc2, printed);
	if (!rc1)
		same_compiled(&c1, &c2);

	pc_compiled_free(&c1);
	pc_compiled_free(&c2);
	pc_policy_free(&p1);
	pc_policy_free(&p2);
	free(printed);
	free(again);
	return 0;
}
