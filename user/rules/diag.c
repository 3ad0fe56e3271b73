// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostics. They are found out of order (the parser resolves table
 * references at the end, the compiler speaks after the parser), so they
 * are collected with where they point and printed once, sorted.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "growable_array.h"
#include "policy.h"

static const char *const kind_names[] = {
	[PC_DIAG_ERROR] = "error",
	[PC_DIAG_WARNING] = "warning",
};

static void print_place(FILE *out, const struct pc_loc *loc, enum pc_diag_kind kind)
{
	if (loc->file && loc->line > 0)
		fprintf(out, "%s:%d:%d: %s: ", loc->file, loc->line, loc->col, kind_names[kind]);
	else if (loc->file)
		/* Not about a place inside the file, e.g. it cannot be read. */
		fprintf(out, "%s: %s: ", loc->file, kind_names[kind]);
	else
		fprintf(out, "%s: ", kind_names[kind]);
}

static void print_entry(FILE *out, const struct pc_diag_entry *e)
{
	print_place(out, &e->loc, e->kind);
	fprintf(out, "%s\n", e->text);
}

static char *vformat(const char *fmt, va_list ap)
{
	va_list again;
	char *s;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static void report(struct pc_diag *d, const struct pc_loc *loc, enum pc_diag_kind kind,
		   const char *fmt, va_list ap)
{
	struct pc_diag_entry e = { .kind = kind };

	if (loc)
		e.loc = *loc;
	if (kind == PC_DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	e.text = vformat(fmt, ap);
	if (!e.text || pc_array_push(&d->list, e)) {
		free(e.text);
		d->lost++;
	}
}

void pc_diag_error(struct pc_diag *d, const struct pc_loc *loc, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	report(d, loc, PC_DIAG_ERROR, fmt, ap);
	va_end(ap);
}

void pc_diag_warning(struct pc_diag *d, const struct pc_loc *loc, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	report(d, loc, PC_DIAG_WARNING, fmt, ap);
	va_end(ap);
}

/* An entry with its sort key. */
struct sort_item {
	const struct pc_diag_entry *e;
	size_t file; /* rank of its file: the order of first appearance */
	size_t seq;  /* the order found */
};

static int sort_item_cmp(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->e->loc.line != y->e->loc.line)
		return x->e->loc.line < y->e->loc.line ? -1 : 1;
	if (x->e->loc.col != y->e->loc.col)
		return x->e->loc.col < y->e->loc.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The distinct file names, in the order they first appear. */
struct file_names {
	const char **v;
	size_t n, cap;
};

/* The rank of a file name, adding it if new; diagnostics about no file
 * (or when out of memory) go last. */
static size_t file_rank(struct file_names *files, const char *f)
{
	size_t i;

	if (!f)
		return SIZE_MAX;
	for (i = 0; i < files->n; i++)
		if (!strcmp(files->v[i], f))
			return i;
	return pc_array_push(files, f) ? SIZE_MAX : i;
}

/* Warnings only when there is no error, and not when asked for errors only. */
static bool shown(const struct pc_diag *d, const struct pc_diag_entry *e)
{
	return e->kind == PC_DIAG_ERROR || (!d->errors && !d->errors_only);
}

static void print_all(FILE *out, const struct pc_diag *d, const struct pc_diag_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (shown(d, &v[i]))
			print_entry(out, &v[i]);
}

void pc_diag_print(FILE *out, const struct pc_diag *d)
{
	const struct pc_diag_list *l = &d->list;
	struct sort_item *v = l->n ? calloc(l->n, sizeof(*v)) : NULL;
	struct file_names files = { 0 };
	size_t i;

	if (!v) {
		/* Nothing, or out of memory: unsorted, but every one. */
		print_all(out, d, l->v, l->n);
	} else {
		for (i = 0; i < l->n; i++)
			v[i] = (struct sort_item){ &l->v[i], file_rank(&files, l->v[i].loc.file), i };
		qsort(v, l->n, sizeof(*v), sort_item_cmp);
		for (i = 0; i < l->n; i++)
			if (shown(d, v[i].e))
				print_entry(out, v[i].e);
		free(files.v);
		free(v);
	}
	if (d->lost)
		fprintf(out, "error: out of memory: %zu more diagnostic%s not shown\n", d->lost,
			d->lost == 1 ? "" : "s");
}

void pc_diag_flush(FILE *out, struct pc_diag *d)
{
	pc_diag_print(out, d);
	pc_diag_free(d);
}

void pc_diag_free(struct pc_diag *d)
{
	size_t i;

	for (i = 0; i < d->list.n; i++)
		free(d->list.v[i].text);
	free(d->list.v);
	memset(&d->list, 0, sizeof(d->list));
	d->lost = 0;
}
