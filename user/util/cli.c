// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* One diagnostic line, with where it points, for sorting. */
struct diag_line {
	char *text;
	int file; /* order in which its file first appeared */
	long line, col;
	size_t seq;
};

static int diag_line_cmp(const void *a, const void *b)
{
	const struct diag_line *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : 1;
}

/* Print diagnostics in file, line and column order: the parser resolves
 * table references at the end and the compiler speaks after the parser. */
static void print_sorted(char *text)
{
	struct diag_line *v = NULL;
	char *files[16], *save = NULL, *s;
	size_t n = 0, cap = 0, i;
	int nfiles = 0, f;

	for (s = strtok_r(text, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		struct diag_line dl = { .text = s, .file = 16, .line = -1, .col = -1, .seq = n };
		char *colon = strchr(s, ':');

		if (colon && sscanf(colon, ":%ld:%ld:", &dl.line, &dl.col) == 2) {
			for (f = 0; f < nfiles; f++)
				if (!strncmp(files[f], s, colon - s) && !files[f][colon - s])
					break;
			if (f == nfiles && nfiles < 16)
				files[nfiles++] = strndup(s, colon - s);
			dl.file = f;
		}
		if (n == cap) {
			void *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		v[n++] = dl;
	}
	qsort(v, n, sizeof(*v), diag_line_cmp);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s\n", v[i].text);
	for (f = 0; f < nfiles; f++)
		free(files[f]);
	free(v);
}

int pc_compile_file(const char *path, struct pc_policy *p, struct pc_compiled *c)
{
	struct pc_diag d = { 0 };
	char *text = NULL;
	size_t len = 0;
	int err;

	d.out = open_memstream(&text, &len);
	if (!d.out)
		d.out = stderr;

	if (path)
		err = pc_policy_parse_file(path, p, &d);
	else
		err = pc_policy_parse_string("<default>", pc_default_policy, p, &d);
	/* The parser leaves out what it could not read; compiling the rest
	 * still reports what it would refuse, so that one pass shows all. */
	if (pc_compile(p, c, &d, 0))
		err = -1;
	if (d.out != stderr) {
		fclose(d.out);
		print_sorted(text);
		free(text);
	}
	if (err) {
		fprintf(stderr, "%s: %d error%s; nothing was changed\n", path ? path : "<default>",
			d.errors, d.errors == 1 ? "" : "s");
		pc_compiled_free(c);
		pc_policy_free(p);
		return PC_EXIT_USAGE;
	}
	return PC_EXIT_OK;
}
