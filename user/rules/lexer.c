// SPDX-License-Identifier: GPL-2.0
/*
 * Lexer for the rules language. Words are interpreted by the parser in
 * context, so "1024:65535", "2001:db8::/32" and "30/minute" are all one
 * WORD here.
 */
#include <stdio.h>
#include <string.h>

#include "lexer.h"

bool pc_lex_word_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

void pc_lex_init(struct pc_lexer *lx, const char *src, size_t len)
{
	lx->p = src;
	lx->end = src + len;
	lx->line_start = src;
	lx->line = 1;
	lx->bol = true;
}

/* Blanks and comments; \r too, so that CRLF files read the same. */
static void skip_blanks(struct pc_lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			lx->p++;
		} else if (c == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else {
			break;
		}
	}
}

/* The kind of a token of one byte; a byte that starts none is BADCHAR. */
static enum pc_tok_kind punct_kind(char c)
{
	switch (c) {
	case '{':
		return PC_TOK_LBRACE;
	case '}':
		return PC_TOK_RBRACE;
	case '<':
		return PC_TOK_LT;
	case '>':
		return PC_TOK_GT;
	case '!':
		return PC_TOK_BANG;
	case ',':
		return PC_TOK_COMMA;
	default:
		return PC_TOK_BADCHAR;
	}
}

static void lex_newline(struct pc_lexer *lx, struct pc_token *t)
{
	t->kind = PC_TOK_NEWLINE;
	t->len = 1;
	lx->p++;
	lx->line++;
	lx->line_start = lx->p;
	lx->bol = true;
}

/* A string ends at its closing quote on the same line; without one it is
 * BADSTRING, up to the end of the line. */
static void lex_string(struct pc_lexer *lx, struct pc_token *t)
{
	const char *s = lx->p, *q = s + 1;

	while (q < lx->end && *q != '"' && *q != '\n')
		q++;
	if (q < lx->end && *q == '"') {
		t->kind = PC_TOK_STRING;
		t->text = s + 1;
		t->len = (size_t)(q - s - 1);
		lx->p = q + 1;
	} else {
		t->kind = PC_TOK_BADSTRING;
		t->len = (size_t)(q - s);
		lx->p = q;
	}
}

static void lex_word(struct pc_lexer *lx, struct pc_token *t)
{
	const char *q = lx->p;

	while (q < lx->end && pc_lex_word_char((unsigned char)*q))
		q++;
	t->kind = PC_TOK_WORD;
	t->len = (size_t)(q - lx->p);
	lx->p = q;
}

void pc_lex_next(struct pc_lexer *lx, struct pc_token *t)
{
	const char *s;

	skip_blanks(lx);
	s = lx->p;
	t->text = s;
	t->len = 0;
	t->line = lx->line;
	t->col = (int)(s - lx->line_start) + 1;
	t->bol = lx->bol;
	lx->bol = false;

	if (s == lx->end) {
		t->kind = PC_TOK_EOF;
	} else if (*s == '\n') {
		lex_newline(lx, t);
	} else if (*s == '"') {
		lex_string(lx, t);
	} else if (pc_lex_word_char((unsigned char)*s)) {
		lex_word(lx, t);
	} else {
		t->kind = punct_kind(*s);
		t->len = 1;
		lx->p++;
	}
}

#define DESCRIBE_MAX 64

void pc_tok_describe(char *buf, size_t size, const struct pc_token *t)
{
	int n = t->len > DESCRIBE_MAX ? DESCRIBE_MAX : (int)t->len;
	const char *more = t->len > DESCRIBE_MAX ? "..." : "";

	switch (t->kind) {
	case PC_TOK_EOF:
		snprintf(buf, size, "end of file");
		break;
	case PC_TOK_NEWLINE:
		snprintf(buf, size, "end of line");
		break;
	case PC_TOK_STRING:
		snprintf(buf, size, "'\"%.*s%s\"'", n, t->text, more);
		break;
	case PC_TOK_BADSTRING:
		snprintf(buf, size, "'%.*s%s'", n, t->text, more);
		break;
	case PC_TOK_BADCHAR: {
		unsigned char c = (unsigned char)t->text[0];

		if (c >= 0x20 && c < 0x7f)
			snprintf(buf, size, "'%c'", c);
		else
			snprintf(buf, size, "'\\x%02x'", c);
		break;
	}
	default:
		snprintf(buf, size, "'%.*s%s'", n, t->text, more);
		break;
	}
}
