// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include "log.h"
#include "progress.h"

int pc_verbosity;

static void vlog(int level, const char *fmt, va_list ap)
{
	if (pc_verbosity < level)
		return;
	/* A message never lands on the end of a progress line. */
	pc_progress_hold();
	if (level <= 0)
		fputs("portcullis: ", stderr);
	vfprintf(stderr, fmt, ap);
	pc_progress_release();
}

#define DEFINE_LOG(name, level)                 \
	void name(const char *fmt, ...)         \
	{                                       \
		va_list ap;                     \
		va_start(ap, fmt);              \
		vlog(level, fmt, ap);           \
		va_end(ap);                     \
	}
DEFINE_LOG(pr_warn, -1)
DEFINE_LOG(pr_info, 0)
DEFINE_LOG(pr_debug, 1)

const char *pc_plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}
