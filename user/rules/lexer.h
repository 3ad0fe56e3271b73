/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lexer of the rules language (and of table files). It never reports
 * anything itself: a bad character or an unterminated string comes back
 * as a token of its own, and the parser decides whether to complain.
 */
#ifndef PC_RULES_LEX_H
#define PC_RULES_LEX_H

#include <stdbool.h>
#include <stddef.h>

enum pc_tok_kind {
	PC_TOK_EOF = 0,
	PC_TOK_NEWLINE,
	PC_TOK_WORD,   /* maximal run of [A-Za-z0-9_.:/-] */
	PC_TOK_STRING, /* "...": text and len exclude the quotes */
	PC_TOK_LBRACE,
	PC_TOK_RBRACE,
	PC_TOK_LT,
	PC_TOK_GT,
	PC_TOK_BANG,
	PC_TOK_COMMA,
	PC_TOK_BADCHAR,   /* one byte that starts no token */
	PC_TOK_BADSTRING, /* a string with no closing quote on its line */
};

struct pc_token {
	enum pc_tok_kind kind;
	const char *text; /* into the source; not NUL-terminated */
	size_t len;
	int line, col; /* 1-based; col counts bytes */
	bool bol;      /* first token on its line */
};

struct pc_lexer {
	const char *p, *end;
	const char *line_start;
	int line;
	bool bol;
};

void pc_lex_init(struct pc_lexer *lx, const char *src, size_t len);
void pc_lex_next(struct pc_lexer *lx, struct pc_token *t);
bool pc_lex_word_char(int c);

/* A short description for messages: 'foo', '{', end of line, ...
 * Long words are cut and end in "...". */
void pc_tok_describe(char *buf, size_t size, const struct pc_token *t);

#endif /* PC_RULES_LEX_H */
