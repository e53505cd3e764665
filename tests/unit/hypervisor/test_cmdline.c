// SPDX-License-Identifier: MIT
/*
 * Unit tests of command-line parsing.  The parameters are declared with the
 * same param_*() macros the hypervisor uses; the linker collects them into
 * the "mica_params" section, which the host linker also brackets with
 * __start_mica_params and __stop_mica_params.
 */
#include <string.h>

#include <mica/cmdline.h>
#include <mica/errno.h>

#include "harness.h"

static bool verbose;
static bool quiet = true;
static unsigned int max_cpus = 64;
static uint64_t heap_size = 1234;
static char console[8] = "none";
static char custom_seen[64];
static int custom_calls;

static int parse_mode(const char *value)
{
	custom_calls++;
	strcpy(custom_seen, value);
	if (!strcmp(value, "bad"))
		return -EINVAL;
	if (!strcmp(value, "busy"))
		return -EBUSY;
	return 0;
}

param_bool("verbose", verbose);
param_bool("quiet", quiet);
param_uint("maxcpus", max_cpus);
param_size("heap", heap_size);
param_string("console", console);
param_custom("mode", parse_mode);

extern const struct param __start_mica_params[], __stop_mica_params[];

/* What the report callback saw, in order. */
#define MAX_REPORTS 16

static struct {
	char word[512];
	int err;
} reports[MAX_REPORTS];
static unsigned int nr_reports;

static void record_report(const char *word, size_t len, int err)
{
	CHECK(nr_reports < MAX_REPORTS);
	CHECK(len < sizeof(reports[0].word));
	memcpy(reports[nr_reports].word, word, len);
	reports[nr_reports].word[len] = '\0';
	reports[nr_reports].err = err;
	nr_reports++;
}

static int parse(const char *cmdline)
{
	nr_reports = 0;
	return cmdline_parse_table(cmdline, __start_mica_params,
				   __stop_mica_params, record_report);
}

/* Parses one word that must be rejected with 'error', and reported. */
#define CHECK_REJECTED(text, error)               \
	do {                                      \
		CHECK_INT(parse(text), 1);        \
		CHECK_EQ(nr_reports, 1);          \
		CHECK_STR(reports[0].word, text); \
		CHECK_INT(reports[0].err, error); \
	} while (0)

static void table_holds_declared_params(void)
{
	CHECK_EQ(__stop_mica_params - __start_mica_params, 6);
}

static void bools(void)
{
	static const char *const truths[] = { "1", "yes", "on", "true" };
	static const char *const lies[] = { "0", "no", "off", "false" };
	char word[32];

	CHECK_INT(parse("verbose"), 0);
	CHECK(verbose);
	CHECK_INT(parse("no-verbose"), 0);
	CHECK(!verbose);
	CHECK_INT(parse("no-quiet verbose"), 0);
	CHECK(!quiet && verbose);
	for (size_t i = 0; i < ARRAY_SIZE(truths); i++) {
		verbose = false;
		strcat(strcpy(word, "verbose="), truths[i]);
		CHECK_INT(parse(word), 0);
		CHECK(verbose);
		strcat(strcpy(word, "verbose="), lies[i]);
		CHECK_INT(parse(word), 0);
		CHECK(!verbose);
	}
	CHECK_EQ(nr_reports, 0);

	verbose = true;
	CHECK_REJECTED("verbose=maybe", -EINVAL);
	CHECK_REJECTED("verbose=", -EINVAL);
	CHECK_REJECTED("verbose=yes!", -EINVAL);
	CHECK_REJECTED("verbose=YES", -EINVAL);
	CHECK(verbose);
	/* "no-" only applies to a bare boolean. */
	CHECK_REJECTED("no-verbose=1", -ENOENT);
	CHECK_REJECTED("no-maxcpus", -ENOENT);
	CHECK_REJECTED("no-", -ENOENT);
	CHECK(verbose);
}

static void uints(void)
{
	static const struct {
		const char *word;
		unsigned int value;
	} good[] = {
		{ "maxcpus=42", 42 },
		{ "maxcpus=0", 0 },
		{ "maxcpus=0x2A", 42 },
		{ "maxcpus=0Xff", 255 },
		{ "maxcpus=007", 7 },
		{ "maxcpus=4294967295", 4294967295u },
		{ "maxcpus=0xffffffff", 0xffffffffu },
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		max_cpus = 1;
		CHECK_INT(parse(good[i].word), 0);
		CHECK_EQ(max_cpus, good[i].value);
	}
	max_cpus = 5;
	CHECK_REJECTED("maxcpus=4294967296", -ERANGE);
	CHECK_REJECTED("maxcpus=0x100000000", -ERANGE);
	CHECK_REJECTED("maxcpus=99999999999999999999999", -ERANGE);
	CHECK_REJECTED("maxcpus=12abc", -EINVAL);
	CHECK_REJECTED("maxcpus=0x", -EINVAL);
	CHECK_REJECTED("maxcpus=-1", -EINVAL);
	CHECK_REJECTED("maxcpus=", -EINVAL);
	CHECK_REJECTED("maxcpus", -EINVAL);
	CHECK_REJECTED("maxcpus=4K", -EINVAL);
	CHECK_EQ(max_cpus, 5);
}

static void sizes(void)
{
	static const struct {
		const char *word;
		uint64_t bytes;
	} good[] = {
		{ "heap=100", 100 },
		{ "heap=16k", 16 << 10 },
		{ "heap=16K", 16 << 10 },
		{ "heap=512M", 512ULL << 20 },
		{ "heap=4G", 4ULL << 30 },
		{ "heap=2T", 2ULL << 40 },
		{ "heap=8B", 8 },
		{ "heap=0x10M", 16ULL << 20 },
		{ "heap=16777215T", 16777215ULL << 40 },
		{ "heap=18446744073709551615", UINT64_MAX },
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		heap_size = 1;
		CHECK_INT(parse(good[i].word), 0);
		CHECK_EQ(heap_size, good[i].bytes);
	}
	heap_size = 77;
	CHECK_REJECTED("heap=16777216T", -ERANGE);
	CHECK_REJECTED("heap=17179869184G", -ERANGE);
	CHECK_REJECTED("heap=18446744073709551616", -ERANGE);
	CHECK_REJECTED("heap=12Q", -EINVAL);
	CHECK_REJECTED("heap=1MB", -EINVAL);
	CHECK_REJECTED("heap=M", -EINVAL);
	CHECK_REJECTED("heap=", -EINVAL);
	CHECK_EQ(heap_size, 77);
}

static void strings(void)
{
	char word[400];

	CHECK_INT(parse("console=com1"), 0);
	CHECK_STR(console, "com1");
	CHECK_INT(parse("console=1234567"), 0); /* 7 + NUL fills 8 bytes */
	CHECK_STR(console, "1234567");
	CHECK_INT(parse("console="), 0);
	CHECK_STR(console, "");
	CHECK_INT(parse("console=a=b"), 0); /* only the first '=' splits */
	CHECK_STR(console, "a=b");
	CHECK_INT(parse("console=vga"), 0);
	CHECK_REJECTED("console=12345678", -E2BIG);
	CHECK_STR(console, "vga");
	/* Longer than the parser's own buffer. */
	memset(word, 'x', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	memcpy(word, "console=", 8);
	CHECK_INT(parse(word), 1);
	CHECK_INT(reports[0].err, -E2BIG);
	CHECK_STR(console, "vga");
	CHECK_REJECTED("console", -EINVAL);
}

static void custom_handler(void)
{
	CHECK_INT(parse("mode=fast"), 0);
	CHECK_EQ(custom_calls, 1);
	CHECK_STR(custom_seen, "fast");
	CHECK_INT(parse("mode=k=v,x=y"), 0);
	CHECK_STR(custom_seen, "k=v,x=y");
	CHECK_INT(parse("mode="), 0);
	CHECK_STR(custom_seen, "");
	CHECK_REJECTED("mode=bad", -EINVAL);
	CHECK_REJECTED("mode=busy", -EBUSY);
	CHECK_EQ(custom_calls, 5);
	/* No value: refused before the handler is called. */
	CHECK_REJECTED("mode", -EINVAL);
	CHECK_EQ(custom_calls, 5);
}

static void unknown_names_reported(void)
{
	CHECK_INT(parse("bogus verbose maxcpus=3 nothere=1 verb verbosee"), 4);
	CHECK(verbose);
	CHECK_EQ(max_cpus, 3);
	CHECK_EQ(nr_reports, 4);
	CHECK_STR(reports[0].word, "bogus");
	CHECK_STR(reports[1].word, "nothere=1");
	CHECK_STR(reports[2].word, "verb");
	CHECK_STR(reports[3].word, "verbosee");
	for (unsigned int i = 0; i < 4; i++)
		CHECK_INT(reports[i].err, -ENOENT);
	/* Names are case-sensitive. */
	CHECK_REJECTED("VERBOSE", -ENOENT);
	CHECK_REJECTED("=1", -ENOENT);
}

static void bad_words_do_not_stop_parsing(void)
{
	CHECK_INT(parse("maxcpus=x heap=1G junk console=ttyS0 maxcpus=9"), 2);
	CHECK_EQ(heap_size, 1ULL << 30);
	CHECK_STR(console, "ttyS0");
	CHECK_EQ(max_cpus, 9); /* the last word wins */
	CHECK_INT(reports[0].err, -EINVAL);
	CHECK_STR(reports[1].word, "junk");
	/* A NULL report callback is allowed. */
	CHECK_INT(cmdline_parse_table("junk more", __start_mica_params,
				      __stop_mica_params, NULL),
		  2);
}

static void whitespace(void)
{
	CHECK_INT(parse("  \tverbose\t\tmaxcpus=12   heap=1K\t"), 0);
	CHECK(verbose);
	CHECK_EQ(max_cpus, 12);
	CHECK_EQ(heap_size, 1024);
	CHECK_INT(parse(""), 0);
	CHECK_INT(parse("   \t  "), 0);
	CHECK_INT(parse(NULL), 0);
	CHECK_EQ(nr_reports, 0);
	/* Only spaces and tabs separate words. */
	CHECK_INT(parse("maxcpus=1\nverbose"), 1);
	CHECK_STR(reports[0].word, "maxcpus=1\nverbose");
	CHECK_INT(reports[0].err, -EINVAL);
}

static void empty_table(void)
{
	CHECK_INT(cmdline_parse_table("verbose a=b", __start_mica_params,
				      __start_mica_params, record_report),
		  2);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(table_holds_declared_params),
		TEST_CASE(bools),
		TEST_CASE(uints),
		TEST_CASE(sizes),
		TEST_CASE(strings),
		TEST_CASE(custom_handler),
		TEST_CASE(unknown_names_reported),
		TEST_CASE(bad_words_do_not_stop_parsing),
		TEST_CASE(whitespace),
		TEST_CASE(empty_table),
	};

	return run_tests("cmdline", cases, ARRAY_SIZE(cases));
}
