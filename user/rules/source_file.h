/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a rules or table file whole, in one place: only a regular file
 * (or standard input, for a rules file), and no more than PC_SOURCE_MAX
 * bytes, so that /dev/zero or a FIFO fails at once instead of growing or
 * blocking.
 */
#ifndef PC_SOURCE_FILE_H
#define PC_SOURCE_FILE_H

#include <stddef.h>

/* Large enough for a table file of a few million lines (an IPv6 prefix
 * a line is at most 44 bytes). */
#define PC_SOURCE_MAX_MIB 256
#define PC_SOURCE_MAX ((size_t)PC_SOURCE_MAX_MIB << 20)

struct pc_source {
	char *text; /* NUL-terminated; owned */
	size_t len;
};

/* Read path, which must be a regular file. Returns 0, or -1 with why it
 * could not be read in why (a sentence fragment such as "No such file or
 * directory"). */
int pc_source_read(const char *path, struct pc_source *out, char *why, size_t whysize);
/* The same for standard input, which may be a pipe or a terminal. */
int pc_source_read_stdin(struct pc_source *out, char *why, size_t whysize);
/* Read any fd to its end, but no more than max bytes (a whole number of
 * MiB): standard input reads with PC_SOURCE_MAX, the tests with less. */
int pc_source_read_fd(int fd, size_t max, struct pc_source *out, char *why, size_t whysize);
void pc_source_free(struct pc_source *s);

#endif /* PC_SOURCE_FILE_H */
