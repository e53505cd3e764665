// SPDX-License-Identifier: MIT
/* The configuration file tokenizer; see config_lex.h and docs/config.md. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config_lex.h"

void config_lexer_init(struct config_lexer *lex, const char *text, size_t len)
{
	lex->text = text;
	lex->len = len;
	lex->pos = 0;
	lex->line = 1;
	lex->column = 1;
}

static int peek(const struct config_lexer *lex, size_t ahead)
{
	if (lex->pos + ahead >= lex->len)
		return -1;
	return (unsigned char)lex->text[lex->pos + ahead];
}

static void advance(struct config_lexer *lex)
{
	if (lex->text[lex->pos] == '\n') {
		lex->line++;
		lex->column = 1;
	} else {
		lex->column++;
	}
	lex->pos++;
}

static bool is_key_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_key_char(int c)
{
	return is_key_start(c) || is_digit(c);
}

static void fail(struct config_token *tok, const char *why)
{
	tok->type = CONFIG_TOKEN_ERROR;
	tok->error = why;
	tok->text[0] = '\0';
	tok->len = 0;
}

/*
 * Length of the UTF-8 sequence starting with @c and checked against the
 * following bytes, or 0 if it is not valid (overlong forms, surrogates and
 * values past U+10FFFF included).
 */
static size_t utf8_sequence(const struct config_lexer *lex)
{
	int c = peek(lex, 0), c1 = peek(lex, 1);
	size_t n, i;
	int lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (c1 < lo || c1 > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (peek(lex, i) < 0x80 || peek(lex, i) > 0xbf)
			return 0;
	return n;
}

static void lex_string(struct config_lexer *lex, struct config_token *tok)
{
	advance(lex); /* the opening quote */
	tok->type = CONFIG_TOKEN_STRING;
	tok->len = 0;
	for (;;) {
		int c = peek(lex, 0);
		size_t n;

		if (c < 0 || c == '\n')
			return fail(tok, "unterminated string");
		if (c == '"') {
			advance(lex);
			break;
		}
		if (c < 0x20 || c == 0x7f)
			return fail(tok, "control character in a string");
		if (tok->len + 4 > CONFIG_STRING_MAX)
			return fail(tok, "string longer than 4096 bytes");
		if (c == '\\') {
			static const char from[] = "\"\\nt", to[] = "\"\\\n\t";
			const char *e;
			int next = peek(lex, 1);

			e = next > 0 ? strchr(from, next) : NULL;
			if (!e)
				return fail(tok, "unknown escape (use \\\", "
						 "\\\\, \\n or \\t)");
			tok->text[tok->len++] = to[e - from];
			advance(lex);
			advance(lex);
			continue;
		}
		n = utf8_sequence(lex);
		if (!n)
			return fail(tok, "invalid UTF-8 in a string");
		while (n--) {
			tok->text[tok->len++] = lex->text[lex->pos];
			advance(lex);
		}
	}
	tok->text[tok->len] = '\0';
}

static int digit_value(int c, unsigned int base)
{
	int v;

	if (is_digit(c))
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < (int)base ? v : -1;
}

static void lex_integer(struct config_lexer *lex, struct config_token *tok)
{
	unsigned int base = 10, shift = 0;
	uint64_t value = 0;
	size_t start = lex->pos;
	bool any = false;
	int c;

	tok->type = CONFIG_TOKEN_INTEGER;
	if (peek(lex, 0) == '0' &&
	    (peek(lex, 1) == 'x' || peek(lex, 1) == 'X')) {
		base = 16;
		advance(lex);
		advance(lex);
	}
	while ((c = peek(lex, 0)) >= 0 && digit_value(c, base) >= 0) {
		uint64_t d = (uint64_t)digit_value(c, base);

		if (value > (UINT64_MAX - d) / base)
			return fail(tok, "integer too large");
		value = value * base + d;
		any = true;
		advance(lex);
	}
	if (!any)
		return fail(tok, "hexadecimal integer without digits");
	c = peek(lex, 0);
	if (c >= 0 && is_key_start(c)) {
		static const char suffixes[] = "KMGT";
		const char *s = strchr(suffixes, c & ~0x20);

		if (!s)
			return fail(tok, "unknown size suffix (use K, M, G "
					 "or T)");
		shift = 10 * (unsigned int)(s - suffixes + 1);
		advance(lex);
		if (peek(lex, 0) >= 0 && is_key_char(peek(lex, 0)))
			return fail(tok, "unknown size suffix (use K, M, G "
					 "or T)");
		if (value > (UINT64_MAX >> shift))
			return fail(tok, "integer too large");
	}
	tok->integer = value << shift;
	tok->multiplier = 1ull << shift;
	tok->len = lex->pos - start;
	memcpy(tok->text, lex->text + start, tok->len);
	tok->text[tok->len] = '\0';
}

void config_lexer_next(struct config_lexer *lex, struct config_token *tok)
{
	int c;

	tok->type = CONFIG_TOKEN_END;
	tok->text[0] = '\0';
	tok->len = 0;
	tok->integer = 0;
	tok->multiplier = 1;
	tok->error = NULL;
	/* Blanks and comments; a comment runs to the end of its line. */
	for (;;) {
		c = peek(lex, 0);
		if (c == ' ' || c == '\t' || c == '\r') {
			advance(lex);
		} else if (c == '#') {
			while (peek(lex, 0) >= 0 && peek(lex, 0) != '\n')
				advance(lex);
		} else {
			break;
		}
	}
	tok->line = lex->line;
	tok->column = lex->column;
	if (c < 0) {
		tok->type = CONFIG_TOKEN_END;
		return;
	}
	switch (c) {
	case '\n':
		tok->type = CONFIG_TOKEN_NEWLINE;
		advance(lex);
		return;
	case '=':
		tok->type = CONFIG_TOKEN_EQUALS;
		advance(lex);
		return;
	case '[':
		tok->type = CONFIG_TOKEN_LBRACKET;
		advance(lex);
		return;
	case ']':
		tok->type = CONFIG_TOKEN_RBRACKET;
		advance(lex);
		return;
	case ',':
		tok->type = CONFIG_TOKEN_COMMA;
		advance(lex);
		return;
	case '"':
		lex_string(lex, tok);
		return;
	default:
		break;
	}
	if (is_digit(c))
		return lex_integer(lex, tok);
	if (is_key_start(c)) {
		tok->type = CONFIG_TOKEN_KEY;
		while (peek(lex, 0) >= 0 && is_key_char(peek(lex, 0))) {
			if (tok->len == 64)
				return fail(tok, "name longer than 64 "
						 "characters");
			tok->text[tok->len++] = lex->text[lex->pos];
			advance(lex);
		}
		tok->text[tok->len] = '\0';
		return;
	}
	if (c == '\'')
		return fail(tok, "strings are written in double quotes");
	/* Printable ASCII is shown; anything else by its code. */
	fail(tok, "unexpected character");
	if (c > 0x20 && c < 0x7f)
		snprintf(tok->text, sizeof(tok->text), "'%c'", c);
	else
		snprintf(tok->text, sizeof(tok->text), "0x%02x", c);
	advance(lex);
}

const char *config_token_describe(const struct config_token *tok)
{
	switch (tok->type) {
	case CONFIG_TOKEN_END:
		return "end of file";
	case CONFIG_TOKEN_NEWLINE:
		return "end of line";
	case CONFIG_TOKEN_KEY:
		return "a bare word";
	case CONFIG_TOKEN_EQUALS:
		return "'='";
	case CONFIG_TOKEN_STRING:
		return "a string";
	case CONFIG_TOKEN_INTEGER:
		return "an integer";
	case CONFIG_TOKEN_LBRACKET:
		return "a list";
	case CONFIG_TOKEN_RBRACKET:
		return "']'";
	case CONFIG_TOKEN_COMMA:
		return "','";
	case CONFIG_TOKEN_ERROR:
		break;
	}
	return "an invalid token";
}
