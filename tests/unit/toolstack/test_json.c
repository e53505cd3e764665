// SPDX-License-Identifier: MIT
/* The JSON module: parsing, limits, building, formatting. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/error.h>
#include <mica/json.h>

#include "harness.h"

static struct mica_json *parse(const char *text, struct mica_error *err)
{
	struct mica_json *value = NULL;

	if (mica_json_parse(text, strlen(text), &value, err))
		return NULL;
	return value;
}

/* Parses @text expecting failure; returns the errno and the message. */
static int parse_error(const char *text, struct mica_error *err)
{
	struct mica_json *value = NULL;
	int ret = mica_json_parse(text, strlen(text), &value, err);

	mica_json_free(value);
	return ret;
}

static void test_parse_types(void)
{
	struct mica_error err;
	struct mica_json *v;
	size_t len;

	v = parse("{\"s\":\"h\\u00e9\",\"n\":-42,\"t\":true,\"f\":false,"
		  "\"z\":null,\"a\":[1,[2]],\"o\":{}}",
		  &err);
	CHECK_MSG(v, "%s", err.message);
	CHECK_INT(mica_json_type(v), MICA_JSON_OBJECT);
	CHECK_INT(mica_json_length(v), 7);
	CHECK_STR(mica_json_string(mica_json_object_get(v, "s"), &len),
		  "h\xc3\xa9");
	CHECK_INT(len, 3);
	CHECK_INT(mica_json_integer(mica_json_object_get(v, "n")), -42);
	CHECK(mica_json_bool(mica_json_object_get(v, "t")));
	CHECK(!mica_json_bool(mica_json_object_get(v, "f")));
	CHECK_INT(mica_json_type(mica_json_object_get(v, "z")), MICA_JSON_NULL);
	CHECK_INT(mica_json_length(mica_json_object_get(v, "a")), 2);
	CHECK_INT(mica_json_integer(mica_json_array_at(
			  mica_json_array_at(mica_json_object_get(v, "a"), 1),
			  0)),
		  2);
	CHECK_STR(mica_json_object_key_at(v, 6), "o");
	CHECK(!mica_json_object_get(v, "missing"));
	mica_json_free(v);
}

static void test_parse_integer_limits(void)
{
	struct mica_error err;
	struct mica_json *v;

	v = parse("[9223372036854775807,-9223372036854775808]", &err);
	CHECK_MSG(v, "%s", err.message);
	CHECK(mica_json_integer(mica_json_array_at(v, 0)) == INT64_MAX);
	CHECK(mica_json_integer(mica_json_array_at(v, 1)) == INT64_MIN);
	mica_json_free(v);
	CHECK_INT(parse_error("[9223372036854775808]", &err), -EINVAL);
	CHECK(strstr(err.message, "out of range"));
	CHECK_INT(parse_error("[1.5]", &err), -EINVAL);
	CHECK(strstr(err.message, "only integers"));
	CHECK_INT(parse_error("[1e3]", &err), -EINVAL);
}

static void test_parse_rejects(void)
{
	static const char *const bad[] = {
		"",	      "   ",	    "{",	 "{\"a\":1,}",
		"[1 2]",      "{\"a\" 1}",  "nul",	 "{} {}",
		"{}x",	      "'single'",   "[\"\\x\"]", "{\"a\":1,\"a\":2}",
		"[\"\xff\"]", "[\"\xc3\"]", "/* c */1",
	};
	struct mica_error err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(parse_error(bad[i], &err) == -EINVAL,
			  "'%s' was accepted", bad[i]);
	CHECK_INT(parse_error("{\"a\":1,\"a\":2}", &err), -EINVAL);
	CHECK(strstr(err.message, "duplicate key 'a'"));
}

static void test_parse_depth_limit(void)
{
	char text[2 * MICA_JSON_MAX_DEPTH + 8];
	struct mica_error err;
	struct mica_json *v;
	int i;

	for (i = 0; i < MICA_JSON_MAX_DEPTH; i++)
		text[i] = '[';
	for (i = 0; i < MICA_JSON_MAX_DEPTH; i++)
		text[MICA_JSON_MAX_DEPTH + i] = ']';
	text[2 * MICA_JSON_MAX_DEPTH] = '\0';
	v = parse(text, &err);
	CHECK_MSG(v, "depth %d refused: %s", MICA_JSON_MAX_DEPTH, err.message);
	mica_json_free(v);
	memmove(text + 1, text, strlen(text) + 1);
	text[0] = '[';
	strcat(text, "]");
	CHECK_INT(parse_error(text, &err), -EINVAL);
	CHECK(strstr(err.message, "too deep"));
}

static void test_strings_with_nul(void)
{
	struct mica_error err;
	struct mica_json *v;
	const char *s;
	char *text;
	size_t len;

	v = parse("{\"v\":\"a\\u0000b\"}", &err);
	CHECK_MSG(v, "%s", err.message);
	CHECK_INT(mica_json_get_string(v, "v", &s, NULL), -EINVAL);
	CHECK_INT(mica_json_get_string(v, "v", &s, &len), 0);
	CHECK_INT(len, 3);
	CHECK(!memcmp(s, "a\0b", 3));
	CHECK_INT(mica_json_format(v, 0, &text, NULL, &err), 0);
	CHECK_STR(text, "{\"v\":\"a\\u0000b\"}");
	free(text);
	mica_json_free(v);
	CHECK_INT(parse_error("{\"a\\u0000\":1}", &err), -EINVAL);
}

static void test_typed_getters(void)
{
	struct mica_error err;
	struct mica_json *v = parse("{\"n\":5,\"s\":\"x\",\"b\":true}", &err);
	static const char *const known[] = { "n", "s", NULL };
	const char *s;
	int64_t n;
	bool b;

	CHECK(v);
	CHECK_INT(mica_json_get_integer(v, "n", 0, 10, &n), 0);
	CHECK_INT(n, 5);
	CHECK_INT(mica_json_get_integer(v, "n", 6, 10, &n), -EINVAL);
	CHECK_INT(mica_json_get_integer(v, "s", 0, 10, &n), -EINVAL);
	CHECK_INT(mica_json_get_integer(v, "q", 0, 10, &n), -ENOENT);
	CHECK_INT(mica_json_get_string(v, "n", &s, NULL), -EINVAL);
	CHECK_INT(mica_json_get_bool(v, "b", &b), 0);
	CHECK(b);
	CHECK_STR(mica_json_unknown_member(v, known), "b");
	mica_json_free(v);
}

static void test_build_and_format(void)
{
	struct mica_json *o = mica_json_new_object();
	struct mica_json *a = mica_json_new_array();
	struct mica_error err;
	char *text;
	size_t len;

	CHECK(o && a);
	CHECK_INT(mica_json_array_append(a, mica_json_new_integer(1)), 0);
	CHECK_INT(mica_json_array_append(a, mica_json_new_cstring("two")), 0);
	CHECK_INT(mica_json_array_append(a, mica_json_new_null()), 0);
	CHECK_INT(mica_json_object_add(o, "list", a), 0);
	CHECK_INT(mica_json_object_add(o, "ok", mica_json_new_bool(true)), 0);
	CHECK_INT(mica_json_object_add(o, "ok", mica_json_new_bool(false)),
		  -EEXIST);
	CHECK_INT(mica_json_object_add(o, "null", NULL), -ENOMEM);
	CHECK_INT(mica_json_array_append(o, mica_json_new_null()), -EINVAL);
	CHECK_INT(mica_json_format(o, 0, &text, &len, &err), 0);
	CHECK_STR(text, "{\"list\":[1,\"two\",null],\"ok\":true}");
	CHECK_INT(len, strlen(text));
	free(text);
	mica_json_free(o);
}

static void test_format_rejects_bad_utf8(void)
{
	struct mica_json *s = mica_json_new_string("\xff\xfe", 2);
	struct mica_error err;
	char *text = NULL;

	CHECK(s);
	CHECK_INT(mica_json_format(s, 0, &text, NULL, &err), -EINVAL);
	CHECK(!text);
	mica_json_free(s);
}

static int compare_members(const void *a, const void *b)
{
	return (int)mica_json_integer(*(struct mica_json *const *)a) -
	       (int)mica_json_integer(*(struct mica_json *const *)b);
}

static void test_array_sort(void)
{
	struct mica_error err;
	struct mica_json *v = parse("[3,1,2]", &err);
	char *text;

	CHECK(v);
	mica_json_array_sort(v, compare_members);
	CHECK_INT(mica_json_format(v, 0, &text, NULL, &err), 0);
	CHECK_STR(text, "[1,2,3]");
	free(text);
	mica_json_free(v);
}

/* Pretty output is what humans and the future CLI see: pin it. */
static void test_pretty_golden(void)
{
	const char *input = "{\"domain\":{\"name\":\"web1\",\"id\":5,"
			    "\"uuid\":\"5e0c4b1e-7d3a-4c1e-9a51-0b6e2f1c9d00\","
			    "\"vcpus\":[0,1],\"paused\":false,\"note\":null,"
			    "\"empty\":{},\"tags\":[]}}";
	struct mica_error err;
	struct mica_json *v = parse(input, &err);
	char *text, *again;

	CHECK_MSG(v, "%s", err.message);
	CHECK_INT(mica_json_format(v, MICA_JSON_PRETTY, &text, NULL, &err), 0);
	mica_json_free(v);
	CHECK(test_matches_golden("json-pretty.json", text));
	/* Pretty output parses back to the same compact form. */
	v = parse(text, &err);
	free(text);
	CHECK(v);
	CHECK_INT(mica_json_format(v, 0, &again, NULL, &err), 0);
	mica_json_free(v);
	CHECK_STR(again, input);
	free(again);
}

int main(void)
{
	RUN(test_parse_types);
	RUN(test_parse_integer_limits);
	RUN(test_parse_rejects);
	RUN(test_parse_depth_limit);
	RUN(test_strings_with_nul);
	RUN(test_typed_getters);
	RUN(test_build_and_format);
	RUN(test_format_rejects_bad_utf8);
	RUN(test_array_sort);
	RUN(test_pretty_golden);
	return test_exit_code();
}
