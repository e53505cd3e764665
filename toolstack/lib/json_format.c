// SPDX-License-Identifier: MIT
/* struct mica_json to JSON text, on top of yajl's generator. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include <mica/error.h>

#include "json_value.h"

static yajl_gen_status format_value(yajl_gen gen, const struct mica_json *value)
{
	const unsigned char *s;
	yajl_gen_status status;
	size_t i;

	switch (value->type) {
	case MICA_JSON_NULL:
		return yajl_gen_null(gen);
	case MICA_JSON_BOOL:
		return yajl_gen_bool(gen, value->boolean);
	case MICA_JSON_INTEGER:
		return yajl_gen_integer(gen, value->integer);
	case MICA_JSON_STRING:
		s = (const unsigned char *)value->string.bytes;
		return yajl_gen_string(gen, s, value->string.len);
	case MICA_JSON_ARRAY:
		status = yajl_gen_array_open(gen);
		for (i = 0;
		     status == yajl_gen_status_ok && i < value->array.count;
		     i++)
			status = format_value(gen, value->array.items[i]);
		return status == yajl_gen_status_ok ?
			       yajl_gen_array_close(gen) :
			       status;
	case MICA_JSON_OBJECT:
		status = yajl_gen_map_open(gen);
		for (i = 0;
		     status == yajl_gen_status_ok && i < value->object.count;
		     i++) {
			s = (const unsigned char *)value->object.members[i].key;
			status = yajl_gen_string(gen, s, strlen((char *)s));
			if (status == yajl_gen_status_ok)
				status = format_value(
					gen, value->object.members[i].value);
		}
		return status == yajl_gen_status_ok ? yajl_gen_map_close(gen) :
						      status;
	}
	return yajl_gen_invalid_string;
}

int mica_json_format(const struct mica_json *value, unsigned int flags,
		     char **out, size_t *len, struct mica_error *err)
{
	const unsigned char *text;
	yajl_gen_status status;
	size_t text_len;
	yajl_gen gen;
	char *copy;
	int ret;

	gen = yajl_gen_alloc(NULL);
	if (!gen)
		return mica_error_set(err, ENOMEM, "json: out of memory");
	yajl_gen_config(gen, yajl_gen_validate_utf8, 1);
	if (flags & MICA_JSON_PRETTY) {
		yajl_gen_config(gen, yajl_gen_beautify, 1);
		yajl_gen_config(gen, yajl_gen_indent_string, "    ");
	}
	status = format_value(gen, value);
	if (status == yajl_gen_invalid_string) {
		ret = mica_error_set(err, EINVAL, "json: string is not UTF-8");
		goto err_free_gen;
	}
	if (status != yajl_gen_status_ok) {
		ret = mica_error_set(err, ENOMEM, "json: generator failed");
		goto err_free_gen;
	}
	yajl_gen_get_buf(gen, &text, &text_len);
	copy = malloc(text_len + 1);
	if (!copy) {
		ret = mica_error_set(err, ENOMEM, "json: out of memory");
		goto err_free_gen;
	}
	memcpy(copy, text, text_len);
	copy[text_len] = '\0';
	*out = copy;
	if (len)
		*len = text_len;
	yajl_gen_free(gen);
	return 0;

err_free_gen:
	yajl_gen_free(gen);
	return ret;
}
