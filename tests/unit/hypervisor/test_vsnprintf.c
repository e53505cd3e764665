// SPDX-License-Identifier: MIT
/*
 * Unit tests of the hypervisor's vsnprintf, checked against the host C
 * library's.  The build renames the hypervisor's functions to hv_snprintf
 * and hv_vsnprintf; this file undoes the renaming just long enough to reach
 * the host's own vsnprintf.
 */
#undef snprintf
#undef vsnprintf
#include <stdarg.h>
#include <stdio.h>

static int host_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

#define snprintf hv_snprintf
#define vsnprintf hv_vsnprintf

#include <limits.h>
#include <string.h>

#include <mica/lib.h>

#include "harness.h"

#define BUF_SIZE 512
#define CANARY 0xcc

static unsigned long nr_compared;

/*
 * Formats with both implementations into buffers of 'size' bytes and
 * compares the return values, the bytes written, and that nothing past
 * 'size' was touched.
 */
static void check_same_at(const char *file, int line, size_t size,
			  const char *fmt, ...)
{
	char hv[BUF_SIZE], host[BUF_SIZE];
	va_list ap, ap2;
	int hv_len, host_len;

	memset(hv, CANARY, sizeof(hv));
	memset(host, CANARY, sizeof(host));
	va_start(ap, fmt);
	va_copy(ap2, ap);
	hv_len = hv_vsnprintf(size ? hv : NULL, size, fmt, ap);
	host_len = host_vsnprintf(size ? host : NULL, size, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	nr_compared++;
	if (hv_len != host_len || memcmp(hv, host, sizeof(hv)))
		test_fail(file, line,
			  "\"%s\" (size %zu): returned %d, wrote \"%.*s\"; "
			  "host returned %d, wrote \"%.*s\"",
			  fmt, size, hv_len,
			  (int)MIN(size, (size_t)MAX(hv_len, 0)), hv, host_len,
			  (int)MIN(size, (size_t)MAX(host_len, 0)), host);
}

#define CHECK_SAME(fmt, ...) \
	check_same_at(__FILE__, __LINE__, BUF_SIZE, fmt, __VA_ARGS__)

/* Checks the hypervisor's output against a fixed string. */
#define CHECK_FORMAT(expected, fmt, ...)                                       \
	do {                                                                   \
		const char *fmt_ = fmt; /* not checked by -Wformat */          \
		char out_[BUF_SIZE];                                           \
		int len_ = hv_snprintf(out_, sizeof(out_), fmt_, __VA_ARGS__); \
		CHECK_STR(out_, expected);                                     \
		CHECK_INT(len_, (int)strlen(expected));                        \
	} while (0)

/*
 * Every combination of flags, width (none, 1, 8, '*' positive and negative)
 * and precision (none, .0, .3, .12, '*' positive and negative) for one
 * conversion and length modifier, over a set of values.
 */
static const char *const flag_sets[] = {
	"",   "-",   "0",   "+",   " ",	  "#",	   "-0", "-+",
	"- ", "0+",  "0 ",  "+ ",  "-0+", "0#",	   "-#", "+#",
	" #", "-0#", "0+#", "-+ ", "0+ ", "-0+ #",
};
static const char *const widths[] = { "", "1", "8", "*" };
static const char *const precisions[] = { "", ".", ".0", ".3", ".12", ".*" };
static const int star_values[] = { 5, -7, 0 };

enum arg_kind { ARG_INT, ARG_LONG, ARG_LLONG, ARG_SIZE };

static void check_value(const char *fmt, bool width_star, bool prec_star,
			int star, enum arg_kind kind, long long v)
{
	/* '*' arguments come first, as ints. */
	int w = star, p = -star;

	switch (kind) {
	case ARG_INT:
		if (width_star && prec_star)
			CHECK_SAME(fmt, w, p, (int)v);
		else if (width_star || prec_star)
			CHECK_SAME(fmt, width_star ? w : p, (int)v);
		else
			CHECK_SAME(fmt, (int)v);
		break;
	case ARG_LONG:
		if (width_star && prec_star)
			CHECK_SAME(fmt, w, p, (long)v);
		else if (width_star || prec_star)
			CHECK_SAME(fmt, width_star ? w : p, (long)v);
		else
			CHECK_SAME(fmt, (long)v);
		break;
	case ARG_LLONG:
		if (width_star && prec_star)
			CHECK_SAME(fmt, w, p, v);
		else if (width_star || prec_star)
			CHECK_SAME(fmt, width_star ? w : p, v);
		else
			CHECK_SAME(fmt, v);
		break;
	case ARG_SIZE:
		if (width_star && prec_star)
			CHECK_SAME(fmt, w, p, (size_t)v);
		else if (width_star || prec_star)
			CHECK_SAME(fmt, width_star ? w : p, (size_t)v);
		else
			CHECK_SAME(fmt, (size_t)v);
		break;
	}
}

static void check_conversion(const char *length, enum arg_kind kind,
			     const char *convs, const long long *values,
			     size_t nr_values)
{
	for (const char *c = convs; *c; c++)
		for (size_t f = 0; f < ARRAY_SIZE(flag_sets); f++)
			for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
				for (size_t p = 0; p < ARRAY_SIZE(precisions);
				     p++) {
					bool ws = widths[w][0] == '*';
					bool ps = strchr(precisions[p], '*') !=
						  NULL;
					char fmt[40];

					/* '#' is defined only for o, x, X. */
					if (strchr(flag_sets[f], '#') &&
					    !strchr("oxX", *c))
						continue;
					sprintf(fmt, "[%%%s%s%s%s%c]",
						flag_sets[f], widths[w],
						precisions[p], length, *c);
					for (size_t s = 0;
					     s < ARRAY_SIZE(star_values); s++) {
						if (!ws && !ps && s)
							break;
						for (size_t v = 0;
						     v < nr_values; v++)
							check_value(
								fmt, ws, ps,
								star_values[s],
								kind,
								values[v]);
					}
				}
}

static const long long int_values[] = {
	0, 1, -1, 7, 8, 42, -42, 255, 4096, -65536, INT_MAX, INT_MIN,
};
static const long long long_values[] = {
	0, 1, -1, 8, 0x123456789abcLL, -0x123456789abcLL, LLONG_MAX, LLONG_MIN,
};
/* Truncated to short or char by the 'h' and 'hh' modifiers. */
static const long long narrow_values[] = {
	0, 1, -1, 127, 128, -128, 200, 255, 256, 32767, 32768, 65535, 70000,
};

static void int_conversions(void)
{
	check_conversion("", ARG_INT, "diuxXo", int_values,
			 ARRAY_SIZE(int_values));
	CHECK(nr_compared > 50000); /* the tables did not shrink to nothing */
}

static void long_conversions(void)
{
	check_conversion("l", ARG_LONG, "diuxXo", long_values,
			 ARRAY_SIZE(long_values));
	check_conversion("ll", ARG_LLONG, "diuxXo", long_values,
			 ARRAY_SIZE(long_values));
	check_conversion("z", ARG_SIZE, "uxX", long_values,
			 ARRAY_SIZE(long_values));
}

static void narrow_conversions(void)
{
	check_conversion("h", ARG_INT, "diuxXo", narrow_values,
			 ARRAY_SIZE(narrow_values));
	check_conversion("hh", ARG_INT, "diuxXo", narrow_values,
			 ARRAY_SIZE(narrow_values));
}

static void chars_and_strings(void)
{
	static const char *const strings[] = { "", "a", "hello", "hello, world",
					       "0123456789abcdef" };
	static const char *const formats[] = {
		"%s",	 "%10s",   "%-10s", "%.0s", "%.3s", "%.20s",
		"%2.3s", "%-8.2s", "%*s",   "%-*s", "%.*s", "%*.*s",
	};

	for (size_t s = 0; s < ARRAY_SIZE(strings); s++) {
		CHECK_SAME("%s", strings[s]);
		for (size_t f = 0; f < 8; f++)
			CHECK_SAME(formats[f], strings[s]);
		CHECK_SAME(formats[8], 12, strings[s]);
		CHECK_SAME(formats[8], -12, strings[s]);
		CHECK_SAME(formats[9], 3, strings[s]);
		CHECK_SAME(formats[10], 4, strings[s]);
		CHECK_SAME(formats[10], -1, strings[s]);
		CHECK_SAME(formats[11], 9, 2, strings[s]);
	}
	CHECK_SAME("%s|%10s|%-10s|", (char *)NULL, (char *)NULL, (char *)NULL);

	for (int c = 1; c < 256; c++)
		CHECK_SAME("%c", c);
	CHECK_SAME("[%5c][%-5c][%1c][%*c][%*c]", 'x', 'y', 'z', 3, 'a', -3,
		   'b');
	/* A NUL character is output and counted. */
	CHECK_SAME("a%cb", 0);
	CHECK_SAME("100%% %%%c", 'q');
	CHECK_SAME("%s=%d, %s=0x%08lx%c", "count", 12, "mask", 0xf00dUL, '!');
}

static void truncation_and_return_value(void)
{
	for (size_t size = 0; size < 24; size++) {
		check_same_at(__FILE__, __LINE__, size, "", 0);
		check_same_at(__FILE__, __LINE__, size, "x", 0);
		check_same_at(__FILE__, __LINE__, size, "hello %s!", "world");
		check_same_at(__FILE__, __LINE__, size, "%5d|%-6x|%s", -42, 255,
			      "tail");
		check_same_at(__FILE__, __LINE__, size, "%020llu",
			      18446744073709551615ULL);
	}
	/* Size 0 with no buffer at all: only the length. */
	CHECK_INT(hv_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	/* Size 1: just the terminating NUL. */
	{
		char one[2] = { 'x', 'y' };

		CHECK_INT(hv_snprintf(one, 1, "%s", "long text"), 9);
		CHECK_EQ(one[0], '\0');
		CHECK_EQ(one[1], 'y');
	}
}

static void pointers(void)
{
	/* Mica's own format: "0x" and 16 hex digits, NULL included. */
	CHECK_FORMAT("0x0000000000001234", "%p", (void *)0x1234);
	CHECK_FORMAT("0xffff830000000000", "%p", (void *)0xffff830000000000ULL);
	CHECK_FORMAT("0x0000000000000000", "%p", NULL);
	CHECK_FORMAT("[0x00000000deadbeef]", "[%p]", (void *)0xdeadbeef);
}

static void unknown_and_incomplete_specifiers(void)
{
	/* An unknown conversion is shown as written, a lone '%' dropped:
	 * never reading past the end of the format. */
	CHECK_FORMAT("a%qb", "a%qb%s", "");
	CHECK_FORMAT("abc", "abc%s%", "");
	CHECK_FORMAT("x", "x%s%-", "");
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(int_conversions),
		TEST_CASE(long_conversions),
		TEST_CASE(narrow_conversions),
		TEST_CASE(chars_and_strings),
		TEST_CASE(truncation_and_return_value),
		TEST_CASE(pointers),
		TEST_CASE(unknown_and_incomplete_specifiers),
	};

	return run_tests("vsnprintf", cases, ARRAY_SIZE(cases));
}
