// SPDX-License-Identifier: MIT
/* The UUID type and the error object. */
#include <errno.h>
#include <string.h>

#include <mica/error.h>
#include <mica/uuid.h>

#include "harness.h"

static void test_uuid_generate(void)
{
	char a_text[MICA_UUID_STRLEN + 1], b_text[MICA_UUID_STRLEN + 1];
	struct mica_uuid a, b;

	mica_uuid_generate(&a);
	mica_uuid_generate(&b);
	CHECK(!mica_uuid_is_nil(&a));
	CHECK(!mica_uuid_equal(&a, &b));
	mica_uuid_format(&a, a_text);
	mica_uuid_format(&b, b_text);
	CHECK_INT(strlen(a_text), MICA_UUID_STRLEN);
	/* Version 4, RFC 4122 variant. */
	CHECK(a_text[14] == '4');
	CHECK(strchr("89ab", a_text[19]));
	CHECK(strcmp(a_text, b_text));
}

static void test_uuid_round_trip(void)
{
	const char *text = "5e0c4b1e-7d3a-4c1e-9a51-0b6e2f1c9d00";
	char out[MICA_UUID_STRLEN + 1];
	struct mica_uuid uuid, upper;

	CHECK_INT(mica_uuid_parse(text, &uuid), 0);
	CHECK_INT(uuid.bytes[0], 0x5e);
	CHECK_INT(uuid.bytes[15], 0x00);
	mica_uuid_format(&uuid, out);
	CHECK_STR(out, text);
	CHECK_INT(mica_uuid_parse("5E0C4B1E-7D3A-4C1E-9A51-0B6E2F1C9D00",
				  &upper),
		  0);
	CHECK(mica_uuid_equal(&uuid, &upper));
}

static void test_uuid_parse_rejects(void)
{
	static const char *const bad[] = {
		"",
		"5e0c4b1e-7d3a-4c1e-9a51-0b6e2f1c9d0",
		"5e0c4b1e-7d3a-4c1e-9a51-0b6e2f1c9d000",
		"5e0c4b1e-7d3a-4c1e-9a51-0b6e2f1c9d00 ",
		"5e0c4b1e07d3a-4c1e-9a51-0b6e2f1c9d00",
		"5e0c4b1e-7d3a-4c1e-9a51-0b6e2f1c9dzz",
	};
	struct mica_uuid uuid = { { 1 } };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(mica_uuid_parse(bad[i], &uuid) == -EINVAL,
			  "'%s' was accepted", bad[i]);
	CHECK_INT(uuid.bytes[0], 1);
	memset(&uuid, 0, sizeof(uuid));
	CHECK(mica_uuid_is_nil(&uuid));
}

static void test_error_set_and_prefix(void)
{
	struct mica_error err;

	CHECK_INT(mica_error_set(&err, ENOENT, "node '%s' missing", "/a"),
		  -ENOENT);
	CHECK_INT(err.code, ENOENT);
	CHECK_STR(err.message, "node '/a' missing");
	CHECK_INT(mica_error_prefix(&err, "domain '%s'", "web1"), -ENOENT);
	CHECK_STR(err.message, "domain 'web1': node '/a' missing");
	mica_error_clear(&err);
	CHECK_INT(err.code, 0);
	CHECK_STR(err.message, "");
	/* A NULL error object still yields the code. */
	CHECK_INT(mica_error_set(NULL, EACCES, "x"), -EACCES);
	CHECK_INT(mica_error_prefix(NULL, "x"), 0);
}

static void test_error_truncates(void)
{
	char big[2 * MICA_ERROR_MESSAGE_MAX];
	struct mica_error err;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mica_error_set(&err, EINVAL, "%s", big);
	CHECK_INT(strlen(err.message), MICA_ERROR_MESSAGE_MAX - 1);
	mica_error_prefix(&err, "%s", big);
	CHECK_INT(strlen(err.message), MICA_ERROR_MESSAGE_MAX - 1);
}

static void test_errno_names(void)
{
	static const int codes[] = { ENOENT, EACCES, EPERM,  EEXIST, EINVAL,
				     E2BIG,  EDQUOT, EAGAIN, ESRCH,  ENOSPC };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		CHECK(mica_errno_name(codes[i]));
		CHECK_INT(mica_errno_from_name(mica_errno_name(codes[i])),
			  codes[i]);
	}
	CHECK_STR(mica_errno_name(EDQUOT), "EDQUOT");
	CHECK(!mica_errno_name(0));
	CHECK(!mica_errno_name(EXDEV));
	CHECK_INT(mica_errno_from_name("EBOGUS"), 0);
}

int main(void)
{
	RUN(test_uuid_generate);
	RUN(test_uuid_round_trip);
	RUN(test_uuid_parse_rejects);
	RUN(test_error_set_and_prefix);
	RUN(test_error_truncates);
	RUN(test_errno_names);
	return test_exit_code();
}
