/* SPDX-License-Identifier: MIT */
/*
 * The smallest guest: if its result line reaches the log, the builder loaded
 * and entered it, the hypercall page works, MICA_CONSOLEIO_write prints, and
 * MICA_SCHEDOP_shutdown ends the domain.  As dom0 it also reads the
 * hypervisor log back (MICA_CONSOLEIO_read) and finds its own line there,
 * and reads the (empty) serial input (MICA_CONSOLEIO_read_input).
 */
#include "hypercall.h"
#include "test.h"
#include "public/console.h"
#include "public/errno.h"

const char test_title[] = "boot, console output, log read-back, shutdown";

static char log_text[65536];

static bool contains(const char *hay, uint32_t len, const char *needle)
{
	uint32_t n = 0;

	while (needle[n])
		n++;
	for (uint32_t i = 0; i + n <= len; i++) {
		uint32_t j = 0;

		while (j < n && hay[i + j] == needle[j])
			j++;
		if (j == n)
			return true;
	}
	return false;
}

static void check_log_read_back(void)
{
	struct mica_console_read r = { 0 };
	uint64_t first_cursor;

	r.buffer_gaddr = (uint64_t)log_text;
	r.size = sizeof(log_text);
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read, sizeof(r), &r),
		       0, "read the hypervisor log");
	if (!contains(log_text, r.length, "(d0) Hello from a Mica PV guest"))
		test_fail("own console line not in %u bytes of log", r.length);
	if (!contains(log_text, r.length, "Mica 0."))
		test_fail("hypervisor banner not in the log");
	first_cursor = r.cursor;

	/* Nothing new since: an empty read at the same cursor. */
	r.size = sizeof(log_text);
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read, sizeof(r), &r),
		       0, "read again");
	if (r.length != 0 || r.cursor != first_cursor || r.lost)
		test_fail("second read: %u bytes, cursor %lu (was %lu), lost "
			  "%lu",
			  r.length, r.cursor, first_cursor, r.lost);
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read, 8, &r),
		       -MICA_EINVAL, "read with a short struct");
	r.buffer_gaddr = 0x10;
	r.cursor = 0;
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read, sizeof(r), &r),
		       -MICA_EFAULT, "read into an unmapped buffer");
}

/* The serial input (nothing is typed in a test run: the line is a file). */
static void check_read_input(void)
{
	char buf[64];

	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read_input, 0, buf),
		       0, "read no input bytes");
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read_input,
					    sizeof(buf), buf),
		       0, "read input when nothing was typed");
	/* A buffer Mica would never write to fails even with no input (an
	 * unmapped one only when there are bytes to copy). */
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read_input,
					    sizeof(buf),
					    (void *)0x8000000000000000ULL),
		       -MICA_EFAULT, "read input into a non-canonical buffer");
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read_input,
					    sizeof(buf),
					    (void *)0xffff800000000000ULL),
		       -MICA_EFAULT, "read input into the hypervisor range");
}

void test_main(void)
{
	printk("Hello from a Mica PV guest: %.32s, %lu pages\n",
	       start_info->magic, start_info->nr_pages);
	check_log_read_back();
	check_read_input();
	test_pass();
}
