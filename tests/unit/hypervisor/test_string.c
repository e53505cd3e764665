// SPDX-License-Identifier: MIT
/*
 * Unit tests of the hypervisor's string and memory primitives, checked
 * against the host C library's.  The build renames the hypervisor's
 * functions (memcpy becomes hv_memcpy, and so on: see the Makefile); this
 * file reaches the host's own through small wrappers defined before the
 * renaming takes effect.
 */
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strstr
#undef strcspn
#include <string.h>

static int host_memcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

static void *host_memchr(const void *s, int c, size_t n)
{
	return memchr(s, c, n);
}

static int host_strcmp(const char *a, const char *b)
{
	return strcmp(a, b);
}

static int host_strncmp(const char *a, const char *b, size_t n)
{
	return strncmp(a, b, n);
}

static char *host_strchr(const char *s, int c)
{
	return strchr(s, c);
}

static char *host_strstr(const char *h, const char *n)
{
	return strstr(h, n);
}

static size_t host_strcspn(const char *s, const char *reject)
{
	return strcspn(s, reject);
}

#define memcpy hv_memcpy
#define memmove hv_memmove
#define memset hv_memset
#define memcmp hv_memcmp
#define memchr hv_memchr
#define strlen hv_strlen
#define strnlen hv_strnlen
#define strcmp hv_strcmp
#define strncmp hv_strncmp
#define strchr hv_strchr
#define strstr hv_strstr
#define strcspn hv_strcspn

#include <mica/lib.h>

#include "harness.h"

/* Not in lib.h (yet): declared here as common/lib/string.c defines them. */
char *strstr(const char *haystack, const char *needle);
size_t strcspn(const char *s, const char *reject);

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void copies_and_moves(void)
{
	unsigned char src[64], dst[80], want[80];

	for (unsigned int i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 13 + 1);
	for (size_t n = 0; n <= sizeof(src); n++) {
		hv_memset(dst, 0xee, sizeof(dst));
		CHECK(memcpy(dst + 3, src, n) == dst + 3);
		for (size_t i = 0; i < sizeof(dst); i++)
			want[i] = i >= 3 && i < 3 + n ? src[i - 3] : 0xee;
		CHECK(host_memcmp(dst, want, sizeof(dst)) == 0);
	}
	/* Overlapping moves in both directions, every shift. */
	for (int shift = -8; shift <= 8; shift++) {
		unsigned char buf[48];

		for (unsigned int i = 0; i < sizeof(buf); i++)
			buf[i] = want[i] = (unsigned char)i;
		CHECK(memmove(buf + 16 + shift, buf + 16, 20) ==
		      buf + 16 + shift);
		for (unsigned int i = 0; i < 20; i++)
			want[16 + shift + i] = (unsigned char)(16 + i);
		CHECK(host_memcmp(buf, want, sizeof(buf)) == 0);
	}
	for (unsigned int i = 0; i < sizeof(dst); i++)
		dst[i] = 0xee;
	CHECK(memset(dst, 0x1ab, 5) == dst); /* only the low byte counts */
	for (unsigned int i = 0; i < 5; i++)
		CHECK_EQ(dst[i], 0xab);
	CHECK_EQ(dst[5], 0xee);
}

static void compares(void)
{
	static const char *const words[] = {
		"", "a", "ab", "abc", "abd", "b", "ab\x80", "ab\x7f", "\xff",
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(words); j++) {
			const char *a = words[i], *b = words[j];

			CHECK_INT(sign(strcmp(a, b)), sign(host_strcmp(a, b)));
			for (size_t n = 0; n < 5; n++)
				CHECK_INT(sign(strncmp(a, b, n)),
					  sign(host_strncmp(a, b, n)));
			CHECK_INT(sign(memcmp(a, b, 1)),
				  sign(host_memcmp(a, b, 1)));
		}
	}
}

static void searches(void)
{
	static const char text[] = "hypervisor: mica, mica!";
	static const char *const needles[] = {
		"",  "h",     "mica", "mica!",
		"!", "micaa", "x",    "hypervisor: mica, mica!!",
	};

	CHECK_EQ(strlen(""), 0);
	CHECK_EQ(strlen(text), sizeof(text) - 1);
	CHECK_EQ(strnlen(text, 5), 5);
	CHECK_EQ(strnlen(text, 100), sizeof(text) - 1);
	CHECK_EQ(strnlen(text, 0), 0);
	for (int c = 0; c < 256; c++) {
		CHECK(strchr(text, c) == host_strchr(text, c));
		CHECK(memchr(text, c, sizeof(text)) ==
		      host_memchr(text, c, sizeof(text)));
		CHECK(memchr(text, c, 4) == host_memchr(text, c, 4));
	}
	CHECK(strchr(text, '\0') == text + sizeof(text) - 1);
	CHECK(strchr(text, 'm' + 256) == host_strchr(text, 'm'));

	for (size_t i = 0; i < ARRAY_SIZE(needles); i++) {
		CHECK(strstr(text, needles[i]) ==
		      host_strstr(text, needles[i]));
		CHECK_EQ(strcspn(text, needles[i]),
			 host_strcspn(text, needles[i]));
	}
	CHECK(strstr("", "") == host_strstr("", ""));
	CHECK(strstr("", "a") == NULL);
}

static void strlcpy_truncates(void)
{
	char buf[8];

	hv_memset(buf, 'x', sizeof(buf));
	CHECK_EQ(strlcpy(buf, "short", sizeof(buf)), 5);
	CHECK_STR(buf, "short");
	CHECK_EQ(strlcpy(buf, "much too long", sizeof(buf)), 13);
	CHECK_STR(buf, "much to");
	CHECK_EQ(strlcpy(buf, "", sizeof(buf)), 0);
	CHECK_STR(buf, "");
	buf[0] = 'q';
	CHECK_EQ(strlcpy(buf, "abc", 0), 3); /* writes nothing */
	CHECK_EQ(buf[0], 'q');
	CHECK_EQ(strlcpy(buf, "abc", 1), 3);
	CHECK_STR(buf, "");
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(copies_and_moves),
		TEST_CASE(compares),
		TEST_CASE(searches),
		TEST_CASE(strlcpy_truncates),
	};

	return run_tests("string", cases, ARRAY_SIZE(cases));
}
