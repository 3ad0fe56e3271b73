// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keywords.h"

/* Sorted by name, for bsearch; test_parser checks that every keyword is
 * found. */
static const struct pc_keyword_def keywords[] = {
	{ "any", PC_KW_ANY, PC_KWK_WORD, 0 },
	{ "block", PC_KW_BLOCK, PC_KWK_ACTION, PC_ACT_BLOCK },
	{ "burst", PC_KW_BURST, PC_KWK_CLAUSE, 0 },
	{ "file", PC_KW_FILE, PC_KWK_WORD, 0 },
	{ "from", PC_KW_FROM, PC_KWK_CLAUSE, 0 },
	{ "hour", PC_KW_HOUR, PC_KWK_UNIT, 3600 },
	{ "limit", PC_KW_LIMIT, PC_KWK_ACTION, PC_ACT_LIMIT },
	{ "log", PC_KW_LOG, PC_KWK_CLAUSE, 0 },
	{ "malformed", PC_KW_MALFORMED, PC_KWK_WORD, 0 },
	{ "minute", PC_KW_MINUTE, PC_KWK_UNIT, 60 },
	{ "monitor", PC_KW_MONITOR, PC_KWK_ACTION, PC_ACT_MONITOR },
	{ "pass", PC_KW_PASS, PC_KWK_ACTION, PC_ACT_PASS },
	{ "port", PC_KW_PORT, PC_KWK_CLAUSE, 0 },
	{ "proto", PC_KW_PROTO, PC_KWK_CLAUSE, 0 },
	{ "rate", PC_KW_RATE, PC_KWK_CLAUSE, 0 },
	{ "reject", PC_KW_REJECT, PC_KWK_ACTION, PC_ACT_REJECT },
	{ "reply-limit", PC_KW_REPLY_LIMIT, PC_KWK_WORD, 0 },
	{ "second", PC_KW_SECOND, PC_KWK_UNIT, 1 },
	{ "set", PC_KW_SET, PC_KWK_STATEMENT, 0 },
	{ "table", PC_KW_TABLE, PC_KWK_STATEMENT, 0 },
	{ "tcp", PC_KW_TCP, PC_KWK_PROTO, PC_PROTO_TCP },
	{ "to", PC_KW_TO, PC_KWK_CLAUSE, 0 },
	{ "udp", PC_KW_UDP, PC_KWK_PROTO, PC_PROTO_UDP },
};

#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

struct word {
	const char *s;
	size_t len;
};

static int word_cmp(const void *key, const void *elem)
{
	const struct word *w = key;
	const char *name = ((const struct pc_keyword_def *)elem)->name;
	size_t n = strlen(name);
	int c = strncmp(w->s, name, w->len < n ? w->len : n);

	if (c)
		return c;
	return w->len < n ? -1 : w->len > n;
}

const struct pc_keyword_def *pc_keyword_lookup(const char *s, size_t len)
{
	struct word w = { s, len };

	return bsearch(&w, keywords, NKEYWORDS, sizeof(keywords[0]), word_cmp);
}

const struct pc_keyword_def *pc_keyword_def(enum pc_keyword kw)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (keywords[i].kw == kw)
			return &keywords[i];
	return NULL;
}

const char *pc_keyword_name(enum pc_keyword kw)
{
	const struct pc_keyword_def *d = pc_keyword_def(kw);

	return d ? d->name : "?";
}

static const struct pc_keyword_def *find_value(enum pc_keyword_kind kind, unsigned value)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (keywords[i].kind == kind && keywords[i].value == value)
			return &keywords[i];
	return NULL;
}

void pc_keyword_join(char *buf, size_t size, unsigned kinds, const char *fmt, const char *sep,
		     const char *last_sep)
{
	const struct pc_keyword_def *v[PC_NKEYWORD];
	size_t n = 0, i, off = 0;
	int kw;

	for (kw = PC_KW_NONE + 1; kw < PC_NKEYWORD; kw++) {
		const struct pc_keyword_def *d = pc_keyword_def(kw);

		if (d && (d->kind & kinds))
			v[n++] = d;
	}
	if (size)
		buf[0] = '\0';
	for (i = 0; i < n && off < size; i++) {
		off += (size_t)snprintf(buf + off, size - off, "%s",
					i == 0 ? "" : i == n - 1 ? last_sep : sep);
		if (off < size)
			off += (size_t)snprintf(buf + off, size - off, fmt, v[i]->name);
	}
}

const char *pc_action_name(enum pc_action a)
{
	const struct pc_keyword_def *d = find_value(PC_KWK_ACTION, a);

	return d ? d->name : "?";
}

const char *pc_proto_name(int proto)
{
	const struct pc_keyword_def *d = proto < 0 ? NULL : find_value(PC_KWK_PROTO, proto);

	return d ? d->name : "?";
}

const char *pc_rate_unit_name(unsigned seconds)
{
	const struct pc_keyword_def *d = find_value(PC_KWK_UNIT, seconds);

	return d ? d->name : "?";
}
