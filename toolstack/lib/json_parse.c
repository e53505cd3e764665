// SPDX-License-Identifier: MIT
/*
 * JSON text to struct mica_json, on top of yajl's event parser.  Each event
 * either adds a scalar to the container on top of a stack or opens a new
 * container; limits (depth, integers only, unique keys) are enforced in the
 * callbacks so that hostile input is refused before it is fully built.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include <mica/error.h>

#include "json_value.h"

struct json_parser {
	struct mica_json *root;
	struct mica_json *stack[MICA_JSON_MAX_DEPTH];
	unsigned int depth;
	char *key; /* pending object key, owned */
	struct mica_error *err;
};

/* Callbacks return 1 to continue and 0 to stop, with the cause in p->err. */
static int parser_fail(struct json_parser *p, int code, const char *why)
{
	mica_error_set(p->err, code, "json: %s", why);
	return 0;
}

/* Attaches a finished value to the current container, taking ownership. */
static int parser_add(struct json_parser *p, struct mica_json *value)
{
	struct mica_json *top;
	char *key;
	int ret;

	if (!value)
		return parser_fail(p, ENOMEM, "out of memory");
	if (p->depth == 0) {
		p->root = value;
		return 1;
	}
	top = p->stack[p->depth - 1];
	if (top->type == MICA_JSON_ARRAY) {
		ret = mica_json_array_append(top, value);
	} else {
		key = p->key;
		p->key = NULL;
		ret = mica_json_object_add(top, key, value);
		if (ret == -EEXIST)
			mica_error_set(p->err, EINVAL,
				       "json: duplicate key '%.64s'", key);
		free(key);
		if (ret == -EEXIST)
			return 0;
	}
	if (ret)
		return parser_fail(p, ENOMEM, "out of memory");
	return 1;
}

static int parser_open(struct json_parser *p, struct mica_json *container)
{
	if (p->depth == MICA_JSON_MAX_DEPTH) {
		mica_json_free(container);
		return parser_fail(p, EINVAL, "nesting too deep");
	}
	if (!parser_add(p, container))
		return 0;
	p->stack[p->depth++] = container;
	return 1;
}

static int on_null(void *ctx)
{
	return parser_add(ctx, mica_json_new_null());
}

static int on_boolean(void *ctx, int b)
{
	return parser_add(ctx, mica_json_new_bool(b));
}

/*
 * yajl hands over the number's text.  Only an optional minus sign and digits
 * are accepted, and the value must fit in int64_t.
 */
static int on_number(void *ctx, const char *text, size_t len)
{
	char digits[24];
	char *end;
	long long n;
	size_t i;

	for (i = 0; i < len; i++)
		if (!(text[i] >= '0' && text[i] <= '9') &&
		    !(i == 0 && text[i] == '-'))
			return parser_fail(ctx, EINVAL,
					   "only integers are supported");
	if (len >= sizeof(digits))
		return parser_fail(ctx, EINVAL, "integer out of range");
	memcpy(digits, text, len);
	digits[len] = '\0';
	errno = 0;
	n = strtoll(digits, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return parser_fail(ctx, EINVAL, "integer out of range");
	return parser_add(ctx, mica_json_new_integer(n));
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	return parser_add(ctx, mica_json_new_string((const char *)s, len));
}

static int on_start_map(void *ctx)
{
	return parser_open(ctx, mica_json_new_object());
}

static int on_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct json_parser *p = ctx;

	if (memchr(s, '\0', len))
		return parser_fail(p, EINVAL, "NUL byte in an object key");
	p->key = strndup((const char *)s, len);
	if (!p->key)
		return parser_fail(p, ENOMEM, "out of memory");
	return 1;
}

static int on_end_container(void *ctx)
{
	struct json_parser *p = ctx;

	p->depth--;
	return 1;
}

static int on_start_array(void *ctx)
{
	return parser_open(ctx, mica_json_new_array());
}

static const yajl_callbacks parser_callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end_container,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_container,
};

/* Copies yajl's description of a syntax error into @err. */
static int parser_syntax_error(yajl_handle yajl, const void *text, size_t len,
			       struct mica_error *err)
{
	unsigned char *why;

	why = yajl_get_error(yajl, 0, text, len);
	if (!why)
		return mica_error_set(err, ENOMEM, "json: out of memory");
	/* yajl ends its message with a newline; drop it. */
	why[strcspn((char *)why, "\n")] = '\0';
	mica_error_set(err, EINVAL, "json: %s", (char *)why);
	yajl_free_error(yajl, why);
	return -EINVAL;
}

int mica_json_parse(const void *text, size_t len, struct mica_json **out,
		    struct mica_error *err)
{
	struct json_parser parser = { .err = err };
	yajl_status status;
	yajl_handle yajl;
	int ret;

	mica_error_clear(err);
	yajl = yajl_alloc(&parser_callbacks, NULL, &parser);
	if (!yajl)
		return mica_error_set(err, ENOMEM, "json: out of memory");
	status = yajl_parse(yajl, text, len);
	if (status == yajl_status_ok)
		status = yajl_complete_parse(yajl);
	if (status == yajl_status_client_canceled) {
		ret = err ? -err->code : -EINVAL;
		goto err_free_tree;
	}
	if (status != yajl_status_ok) {
		ret = parser_syntax_error(yajl, text, len, err);
		goto err_free_tree;
	}
	if (!parser.root) {
		ret = mica_error_set(err, EINVAL, "json: empty document");
		goto err_free_tree;
	}
	yajl_free(yajl);
	*out = parser.root;
	return 0;

err_free_tree:
	free(parser.key);
	mica_json_free(parser.root);
	yajl_free(yajl);
	return ret;
}
