/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The words of the rules language, in one table (as pfctl's parse.y keeps
 * its keywords[]). The parser looks words up here; the printer and every
 * "expected ..." message take their spelling from here.
 */
#ifndef PC_KEYWORDS_H
#define PC_KEYWORDS_H

#include <stddef.h>
#include "portcullis.h"

/* Every keyword. Within a kind, the order here is the order in which
 * messages list them. */
enum pc_keyword {
	PC_KW_NONE = 0,
	/* statements */
	PC_KW_TABLE,
	PC_KW_SET,
	/* actions, which start rules */
	PC_KW_PASS,
	PC_KW_BLOCK,
	PC_KW_MONITOR,
	PC_KW_REJECT,
	PC_KW_LIMIT,
	/* clauses of a rule, in the order they are written */
	PC_KW_PROTO,
	PC_KW_FROM,
	PC_KW_TO,
	PC_KW_PORT,
	PC_KW_LOG,
	PC_KW_RATE,
	PC_KW_BURST,
	/* other words */
	PC_KW_ANY,
	PC_KW_FILE,
	PC_KW_MALFORMED,
	PC_KW_REPLY_LIMIT,
	/* protocols */
	PC_KW_TCP,
	PC_KW_UDP,
	/* rate units */
	PC_KW_SECOND,
	PC_KW_MINUTE,
	PC_KW_HOUR,
	PC_NKEYWORD,
};

enum pc_keyword_kind {
	PC_KWK_STATEMENT = 0x01,
	PC_KWK_ACTION = 0x02,
	PC_KWK_CLAUSE = 0x04,
	PC_KWK_WORD = 0x08,
	PC_KWK_PROTO = 0x10,
	PC_KWK_UNIT = 0x20,
};

struct pc_keyword_def {
	const char *name;
	enum pc_keyword kw;
	enum pc_keyword_kind kind;
	/* action: enum pc_action; proto: PC_PROTO_*; unit: seconds */
	unsigned value;
};

/* The keyword spelled s[0..len), or NULL. */
const struct pc_keyword_def *pc_keyword_lookup(const char *s, size_t len);
const struct pc_keyword_def *pc_keyword_def(enum pc_keyword kw);
const char *pc_keyword_name(enum pc_keyword kw);

/* The names of every keyword of the given kinds, in enum order, each
 * written through fmt (one %s), joined by sep and the last by last_sep:
 * ("%s", ", ", " or ") gives "second, minute or hour". */
void pc_keyword_join(char *buf, size_t size, unsigned kinds, const char *fmt, const char *sep,
		     const char *last_sep);

/* Names from values; "?" for none. */
const char *pc_action_name(enum pc_action a);
const char *pc_proto_name(int proto);
const char *pc_rate_unit_name(unsigned seconds);

#endif /* PC_KEYWORDS_H */
