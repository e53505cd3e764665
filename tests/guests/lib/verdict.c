/* SPDX-License-Identifier: MIT */
/*
 * Verdicts and the result line (test.h), shared by the PV test guests and
 * the HVM ones (tests/hvm/).
 */
#include "test.h"

#include "public/errno.h"
#include "public/sched.h"

/* Ordered: a verdict only ever moves to a later one. */
enum test_status {
	TEST_RUNNING,
	TEST_SUCCESS,
	TEST_SKIP,
	TEST_ERROR,
	TEST_FAILURE,
};

static const char *const status_names[] = {
	[TEST_RUNNING] = "RUNNING", [TEST_SUCCESS] = "SUCCESS",
	[TEST_SKIP] = "SKIP",	    [TEST_ERROR] = "ERROR",
	[TEST_FAILURE] = "FAILURE",
};

#define REASON_SIZE 200

static enum test_status status = TEST_RUNNING;
static char reason[REASON_SIZE]; /* first reason of the current status */
static unsigned int nr_reasons; /* reasons given for the current status */

static void test_report(enum test_status s, const char *fmt, va_list ap)
{
	char msg[REASON_SIZE];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printk("%s: %s\n", status_names[s], msg);
	if (s > status) {
		status = s;
		memcpy(reason, msg, sizeof(reason));
		nr_reasons = 0;
	}
	if (s == status)
		nr_reasons++;
}

void test_pass(void)
{
	if (status == TEST_RUNNING)
		status = TEST_SUCCESS;
}

#define DEFINE_VERDICT(name, s)          \
	void name(const char *fmt, ...)  \
	{                                \
		va_list ap;              \
                                         \
		va_start(ap, fmt);       \
		test_report(s, fmt, ap); \
		va_end(ap);              \
	}

DEFINE_VERDICT(test_skip, TEST_SKIP)
DEFINE_VERDICT(test_fail, TEST_FAILURE)
DEFINE_VERDICT(test_error, TEST_ERROR)

static const struct {
	int value;
	const char *name;
} errno_names[] = {
	{ MICA_EPERM, "EPERM" },
	{ MICA_ENOENT, "ENOENT" },
	{ MICA_ESRCH, "ESRCH" },
	{ MICA_EINTR, "EINTR" },
	{ MICA_EIO, "EIO" },
	{ MICA_ENXIO, "ENXIO" },
	{ MICA_E2BIG, "E2BIG" },
	{ MICA_EBADF, "EBADF" },
	{ MICA_EAGAIN, "EAGAIN" },
	{ MICA_ENOMEM, "ENOMEM" },
	{ MICA_EACCES, "EACCES" },
	{ MICA_EFAULT, "EFAULT" },
	{ MICA_EBUSY, "EBUSY" },
	{ MICA_EEXIST, "EEXIST" },
	{ MICA_EXDEV, "EXDEV" },
	{ MICA_ENODEV, "ENODEV" },
	{ MICA_EINVAL, "EINVAL" },
	{ MICA_EMFILE, "EMFILE" },
	{ MICA_ENOSPC, "ENOSPC" },
	{ MICA_ERANGE, "ERANGE" },
	{ MICA_ENOSYS, "ENOSYS" },
	{ MICA_ENODATA, "ENODATA" },
	{ MICA_ETIME, "ETIME" },
	{ MICA_EPROTO, "EPROTO" },
	{ MICA_EOVERFLOW, "EOVERFLOW" },
	{ MICA_EOPNOTSUPP, "EOPNOTSUPP" },
	{ MICA_EALREADY, "EALREADY" },
};

const char *errno_name(long rc, char buf[24])
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++) {
		if (rc == -errno_names[i].value) {
			snprintf(buf, 24, "-MICA_%s", errno_names[i].name);
			return buf;
		}
	}
	snprintf(buf, 24, "%ld", rc);
	return buf;
}

bool test_expect_rc(long got, long want, const char *what_fmt, ...)
{
	char what[REASON_SIZE / 2], got_name[24], want_name[24];
	va_list ap;

	if (got == want)
		return true;
	va_start(ap, what_fmt);
	vsnprintf(what, sizeof(what), what_fmt, ap);
	va_end(ap);
	test_fail("%s: returned %s, expected %s", what,
		  errno_name(got, got_name), errno_name(want, want_name));
	return false;
}

static bool result_printed;

static void print_result(void)
{
	if (status == TEST_RUNNING)
		test_error("no verdict before the result line");
	if (status == TEST_SUCCESS)
		printk("Test result: SUCCESS\n");
	else if (nr_reasons > 1)
		printk("Test result: %s: %s (and %u more)\n",
		       status_names[status], reason, nr_reasons - 1);
	else
		printk("Test result: %s: %s\n", status_names[status], reason);
}

void test_print_result_now(void)
{
	if (!result_printed)
		print_result();
	result_printed = true;
}

uint32_t test_print_result(void)
{
	test_print_result_now();
	return status == TEST_SUCCESS || status == TEST_SKIP ?
		       MICA_SHUTDOWN_poweroff :
		       MICA_SHUTDOWN_crash;
}
