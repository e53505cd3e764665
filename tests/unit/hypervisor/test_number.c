// SPDX-License-Identifier: MIT
/* Unit tests of parse_ulong() and parse_size(). */
#include <stdio.h>
#include <stdlib.h>

#include <mica/errno.h>
#include <mica/lib.h>

#include "harness.h"

struct number_case {
	const char *text;
	int rc;
	uint64_t value; /* when rc == 0 */
	size_t end; /* offset of the first unparsed character */
};

static void check_ulong_case(const struct number_case *c)
{
	unsigned long value = 0xdeadbeef;
	const char *end = NULL;
	int rc = parse_ulong(c->text, &end, &value);

	if (rc != c->rc || (size_t)(end - c->text) != c->end ||
	    (rc == 0 && value != c->value) || (rc && value != 0xdeadbeef))
		test_fail(__FILE__, __LINE__,
			  "parse_ulong(\"%s\"): rc %d, value %lu, end +%td; "
			  "expected rc %d, value %llu, end +%zu",
			  c->text, rc, value, end - c->text, c->rc,
			  (unsigned long long)c->value, c->end);
}

static void parse_ulong_table(void)
{
	static const struct number_case cases[] = {
		{ "0", 0, 0, 1 },
		{ "7", 0, 7, 1 },
		{ "123abc", 0, 123, 3 },
		{ "000123", 0, 123, 6 }, /* not octal */
		{ "0x1f", 0, 31, 4 },
		{ "0X1F", 0, 31, 4 },
		{ "0xABCdef", 0, 0xabcdef, 8 },
		{ "0x1fg", 0, 31, 4 },
		{ "0x", 0, 0, 1 }, /* "0", then an 'x' */
		{ "0xg", 0, 0, 1 },
		{ "12 34", 0, 12, 2 },
		{ "18446744073709551615", 0, UINT64_MAX, 20 },
		{ "0xffffffffffffffff", 0, UINT64_MAX, 18 },
		{ "0x0000000000000000001", 0, 1, 21 },
		{ "18446744073709551616", -ERANGE, 0, 19 },
		{ "99999999999999999999", -ERANGE, 0, 19 },
		{ "0x10000000000000000", -ERANGE, 0, 18 },
		{ "", -EINVAL, 0, 0 },
		{ "abc", -EINVAL, 0, 0 },
		{ "x12", -EINVAL, 0, 0 },
		{ "-1", -EINVAL, 0, 0 },
		{ "+1", -EINVAL, 0, 0 },
		{ " 1", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_ulong_case(&cases[i]);
}

/* Random values, printed in decimal and hex, read back exactly. */
static void parse_ulong_round_trip(void)
{
	test_random_seed(6);
	for (unsigned int i = 0; i < 20000; i++) {
		uint64_t v = test_random() >> test_random_below(64);
		char text[40];
		const char *end;
		unsigned long got;

		sprintf(text, i % 2 ? "%llu" : "0x%llx", (unsigned long long)v);
		CHECK_INT(parse_ulong(text, &end, &got), 0);
		CHECK(*end == '\0');
		CHECK_EQ(got, v);
		CHECK_EQ(got, strtoull(text, NULL, 0));
	}
}

static void check_size_case(const struct number_case *c)
{
	uint64_t bytes = 0xdeadbeef;
	const char *end = NULL;
	int rc = parse_size(c->text, &end, &bytes);

	if (rc != c->rc || (rc == 0 && bytes != c->value) ||
	    (rc == 0 && (size_t)(end - c->text) != c->end) ||
	    (rc && bytes != 0xdeadbeef))
		test_fail(__FILE__, __LINE__,
			  "parse_size(\"%s\"): rc %d, bytes %llu, end +%td; "
			  "expected rc %d, bytes %llu, end +%zu",
			  c->text, rc, (unsigned long long)bytes, end - c->text,
			  c->rc, (unsigned long long)c->value, c->end);
}

static void parse_size_table(void)
{
	static const struct number_case cases[] = {
		{ "0", 0, 0, 1 },
		{ "4096", 0, 4096, 4 },
		{ "1K", 0, 1ULL << 10, 2 },
		{ "1k", 0, 1ULL << 10, 2 },
		{ "3M", 0, 3ULL << 20, 2 },
		{ "3m", 0, 3ULL << 20, 2 },
		{ "5G", 0, 5ULL << 30, 2 },
		{ "5g", 0, 5ULL << 30, 2 },
		{ "7T", 0, 7ULL << 40, 2 },
		{ "7t", 0, 7ULL << 40, 2 },
		{ "9B", 0, 9, 2 },
		{ "9b", 0, 9, 2 },
		{ "0x10K", 0, 16ULL << 10, 5 },
		{ "0x1b", 0, 0x1b, 4 }, /* hex digit, not a suffix */
		{ "2KB", 0, 2ULL << 10, 2 }, /* one suffix only */
		{ "64 M", 0, 64, 2 },
		{ "12Q", 0, 12, 2 },
		{ "16777215T", 0, 16777215ULL << 40, 9 },
		{ "17179869183G", 0, 17179869183ULL << 30, 12 },
		{ "18446744073709551615B", 0, UINT64_MAX, 21 },
		{ "16777216T", -ERANGE, 0, 0 },
		{ "17179869184G", -ERANGE, 0, 0 },
		{ "17592186044416M", -ERANGE, 0, 0 },
		{ "18014398509481984K", -ERANGE, 0, 0 },
		{ "18446744073709551616", -ERANGE, 0, 0 },
		{ "K", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_size_case(&cases[i]);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(parse_ulong_table),
		TEST_CASE(parse_ulong_round_trip),
		TEST_CASE(parse_size_table),
	};

	return run_tests("number", cases, ARRAY_SIZE(cases));
}
