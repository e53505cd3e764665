/* SPDX-License-Identifier: MIT */
#ifndef MICA_JSON_H
#define MICA_JSON_H

/*
 * JSON values for the toolstack.  The parser and the formatter live behind
 * this header so that no JSON library header reaches toolstack code.
 *
 * A struct mica_json is a tree: objects and arrays own their members.
 * Strings carry an explicit length (they may hold "\u0000") and are also
 * NUL-terminated for convenience.  Numbers are limited to 64-bit signed
 * integers: the store protocol needs nothing else, and refusing fractions
 * and exponents keeps every number exact.  Object members keep their order;
 * duplicate keys are refused by the parser and by mica_json_object_add().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mica_error;

enum mica_json_type {
	MICA_JSON_NULL,
	MICA_JSON_BOOL,
	MICA_JSON_INTEGER,
	MICA_JSON_STRING,
	MICA_JSON_ARRAY,
	MICA_JSON_OBJECT,
};

/* Deepest nesting of arrays and objects the parser accepts. */
#define MICA_JSON_MAX_DEPTH 32

struct mica_json;

/*
 * Parses exactly one JSON value from @text (@len bytes, no terminator
 * needed).  Strings must be valid UTF-8.  Returns 0 and the new tree in
 * *@out, or -EINVAL (syntax, depth, non-integer or out-of-range number,
 * duplicate key) or -ENOMEM, with the cause in @err.
 */
int mica_json_parse(const void *text, size_t len, struct mica_json **out,
		    struct mica_error *err);

/* Frees @value and everything it owns.  NULL is accepted. */
void mica_json_free(struct mica_json *value);

#define MICA_JSON_PRETTY 0x1u /* indent by four spaces, one member a line */

/*
 * Formats @value as JSON text into a new NUL-terminated buffer in *@out
 * (length in *@len, which may be NULL); the caller frees it with free().
 * Returns 0, -ENOMEM, or -EINVAL for a string that is not valid UTF-8.
 */
int mica_json_format(const struct mica_json *value, unsigned int flags,
		     char **out, size_t *len, struct mica_error *err);

/* Constructors: a new value, or NULL when memory runs out. */
struct mica_json *mica_json_new_null(void);
struct mica_json *mica_json_new_bool(bool b);
struct mica_json *mica_json_new_integer(int64_t n);
struct mica_json *mica_json_new_string(const char *s, size_t len);
struct mica_json *mica_json_new_cstring(const char *s);
struct mica_json *mica_json_new_array(void);
struct mica_json *mica_json_new_object(void);

/*
 * Appends @member to @array, or adds @key: @member to @object, taking
 * ownership of @member in every case (it is freed on failure).  A NULL
 * @member means an earlier constructor failed and gives -ENOMEM, so calls
 * nest: mica_json_object_add(o, "n", mica_json_new_integer(1)).
 * mica_json_object_add() returns -EEXIST for a key already present.
 */
int mica_json_array_append(struct mica_json *array, struct mica_json *member);
int mica_json_object_add(struct mica_json *object, const char *key,
			 struct mica_json *member);

/*
 * Sorts the members of @array with qsort(); @compare receives pointers to
 * two "struct mica_json *".
 */
void mica_json_array_sort(struct mica_json *array,
			  int (*compare)(const void *a, const void *b));

/* Inspection.  Accessors of the wrong type return 0/NULL/false. */
enum mica_json_type mica_json_type(const struct mica_json *value);
bool mica_json_bool(const struct mica_json *value);
int64_t mica_json_integer(const struct mica_json *value);
const char *mica_json_string(const struct mica_json *value, size_t *len);
/* Number of members of an array or object; 0 for other types. */
size_t mica_json_length(const struct mica_json *value);
struct mica_json *mica_json_array_at(const struct mica_json *array, size_t i);
const char *mica_json_object_key_at(const struct mica_json *object, size_t i);
struct mica_json *mica_json_object_value_at(const struct mica_json *object,
					    size_t i);
/* The member of @object named @key, or NULL. */
struct mica_json *mica_json_object_get(const struct mica_json *object,
				       const char *key);

/*
 * Typed member lookups for decoding messages: 0 and the value, -ENOENT when
 * @key is absent, -EINVAL when it has another type or (for the integer form)
 * lies outside [@min, @max].  The string form refuses embedded NUL bytes
 * unless @len is non-NULL.
 */
int mica_json_get_integer(const struct mica_json *object, const char *key,
			  int64_t min, int64_t max, int64_t *out);
int mica_json_get_string(const struct mica_json *object, const char *key,
			 const char **out, size_t *len);
int mica_json_get_bool(const struct mica_json *object, const char *key,
		       bool *out);

/*
 * The first member name of @object missing from the NULL-terminated list
 * @known, or NULL when every member is known.
 */
const char *mica_json_unknown_member(const struct mica_json *object,
				     const char *const *known);

#endif
