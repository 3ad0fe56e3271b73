// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "growable_array.h"
#include "source_file.h"

struct bytes {
	char *v;
	size_t n, cap;
};

static int too_big(size_t max, char *why, size_t whysize)
{
	snprintf(why, whysize, "larger than %zu MiB, the limit for a rules or table file",
		 max >> 20);
	return -1;
}

/* Read fd to its end, but never more than max bytes. */
static int read_capped(int fd, size_t hint, size_t max, struct pc_source *out, char *why,
		       size_t whysize)
{
	struct bytes b = { 0 };
	ssize_t got;

	for (;;) {
		/* Room for one byte past the cap, to tell "at" from "over". */
		size_t want = b.n + (hint > b.n ? hint - b.n : 65536) + 1;

		if (want > max + 2)
			want = max + 2;
		if (pc_array_reserve((void **)&b.v, &b.cap, want, 1)) {
			free(b.v);
			snprintf(why, whysize, "%s", strerror(ENOMEM));
			return -1;
		}
		got = read(fd, b.v + b.n, b.cap - b.n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(why, whysize, "%s", strerror(errno));
			free(b.v);
			return -1;
		}
		if (got == 0)
			break;
		b.n += (size_t)got;
		if (b.n > max) {
			free(b.v);
			return too_big(max, why, whysize);
		}
	}
	b.v[b.n] = '\0';
	out->text = b.v;
	out->len = b.n;
	return 0;
}

int pc_source_read(const char *path, struct pc_source *out, char *why, size_t whysize)
{
	struct stat st;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whysize, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(why, whysize, "%s", strerror(errno));
		rc = -1;
	} else if (S_ISDIR(st.st_mode)) {
		snprintf(why, whysize, "%s", strerror(EISDIR));
		rc = -1;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysize, "not a regular file");
		rc = -1;
	} else if ((unsigned long long)st.st_size > PC_SOURCE_MAX) {
		rc = too_big(PC_SOURCE_MAX, why, whysize);
	} else {
		rc = read_capped(fd, (size_t)st.st_size, PC_SOURCE_MAX, out, why, whysize);
	}
	close(fd);
	return rc;
}

int pc_source_read_fd(int fd, size_t max, struct pc_source *out, char *why, size_t whysize)
{
	memset(out, 0, sizeof(*out));
	return read_capped(fd, 0, max, out, why, whysize);
}

int pc_source_read_stdin(struct pc_source *out, char *why, size_t whysize)
{
	return pc_source_read_fd(STDIN_FILENO, PC_SOURCE_MAX, out, why, whysize);
}

void pc_source_free(struct pc_source *s)
{
	free(s->text);
	s->text = NULL;
	s->len = 0;
}
