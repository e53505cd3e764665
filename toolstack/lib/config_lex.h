/* SPDX-License-Identifier: MIT */
#ifndef MICA_LIB_CONFIG_LEX_H
#define MICA_LIB_CONFIG_LEX_H

/*
 * The configuration file tokenizer (docs/config.md).  It never fails on its
 * own: a malformed token comes back as CONFIG_TOKEN_ERROR with a reason,
 * which the parser turns into a message with the token's position.
 */

#include <stddef.h>
#include <stdint.h>

enum config_token_type {
	CONFIG_TOKEN_END, /* end of input */
	CONFIG_TOKEN_NEWLINE, /* end of a line (comments are skipped) */
	CONFIG_TOKEN_KEY, /* [A-Za-z_][A-Za-z0-9_]* */
	CONFIG_TOKEN_EQUALS,
	CONFIG_TOKEN_STRING, /* "..." with escapes resolved */
	CONFIG_TOKEN_INTEGER, /* decimal or 0x hex, optional size suffix */
	CONFIG_TOKEN_LBRACKET,
	CONFIG_TOKEN_RBRACKET,
	CONFIG_TOKEN_COMMA,
	CONFIG_TOKEN_ERROR, /* see token.error */
};

/* Longest string value and key accepted. */
#define CONFIG_STRING_MAX 4096

struct config_token {
	enum config_token_type type;
	unsigned int line, column; /* 1-based, of the token's first byte */
	char text[CONFIG_STRING_MAX + 1]; /* key, string value or raw token */
	size_t len; /* of text */
	uint64_t integer; /* value with the suffix applied */
	uint64_t multiplier; /* suffix: 1, or 1024^n for K, M, G, T */
	const char *error; /* CONFIG_TOKEN_ERROR: what is wrong */
};

struct config_lexer {
	const char *text;
	size_t len, pos;
	unsigned int line, column;
};

void config_lexer_init(struct config_lexer *lex, const char *text, size_t len);

/* Reads the next token into @tok. */
void config_lexer_next(struct config_lexer *lex, struct config_token *tok);

/* A short description of @tok for "found ..." ("a string", "'='"). */
const char *config_token_describe(const struct config_token *tok);

#endif
