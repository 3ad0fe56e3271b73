// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "libbpf_log.h"
#include "log.h"
#include "progress.h"

int pc_library_print(bool debug, const char *fmt, va_list ap)
{
	int n;

	if (pc_verbosity < (debug ? 2 : 1))
		return 0;
	pc_progress_hold();
	n = vfprintf(stderr, fmt, ap);
	pc_progress_release();
	return n;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return pc_library_print(level == LIBBPF_DEBUG, fmt, ap);
}

void pc_setup_libbpf_logging(void)
{
	libbpf_set_print(libbpf_print);
}
