/* SPDX-License-Identifier: MIT */
/* MICA_HC_console_io (public/console.h). */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <public/console.h>

/*
 * Output may go to a slow serial line, so the call is preemptible between
 * chunks (console.h note 3): a continuation carries the bytes already
 * written in bits 32-63 of count (a guest passes count zero-extended), and
 * a restart checks count and the buffer again.
 */
static long console_write(uint64_t count_arg, uint64_t buf)
{
	struct domain *d = current_vcpu()->domain;
	uint64_t count = (uint32_t)count_arg, done = count_arg >> 32;
	uint64_t start = done;
	char chunk[256];

	if (count > MICA_CONSOLEIO_MAX_WRITE)
		return -E2BIG;
	if (done > count)
		return -EINVAL;
	/* Validate the whole buffer first: all bytes or none. */
	if (!guest_range_ok(buf, count))
		return -EFAULT;
	while (done < count) {
		size_t n = count - done < sizeof(chunk) ? count - done :
							  sizeof(chunk);

		if (done != start && hypercall_preempt_check())
			return hypercall_create_continuation(
				MICA_HC_console_io, MICA_CONSOLEIO_write,
				done << 32 | count, buf, 0, 0);
		if (copy_from_guest(chunk, buf + done, n))
			return done ? (long)done : -EFAULT;
		domain_console_write(d, chunk, n);
		done += n;
	}
	return (long)count;
}

static long console_read(uint64_t count, uint64_t buf)
{
	struct mica_console_read r;
	uint64_t pos, start;
	char chunk[256];
	uint32_t done = 0;

	if (!current_vcpu()->domain->privileged)
		return -EPERM;
	if (count != sizeof(r))
		return -EINVAL;
	if (copy_from_guest(&r, buf, sizeof(r)))
		return -EFAULT;
	pos = start = r.cursor;
	console_log_read(&start, NULL, 0); /* moves to the oldest held byte */
	r.lost = r.cursor && start > r.cursor ? start - r.cursor : 0;
	while (done < r.size) {
		size_t n;

		/* A short read is a read (console.h note 3). */
		if (done && done % 4096 == 0 && hypercall_preempt_check())
			break;
		n = console_log_read(&pos, chunk,
				     MIN(sizeof(chunk), r.size - done));
		if (!n)
			break;
		if (copy_to_guest(r.buffer_gaddr + done, chunk, n))
			return -EFAULT;
		done += (uint32_t)n;
	}
	r.length = done;
	r.cursor = pos;
	return copy_to_guest(buf, &r, sizeof(r));
}

/*
 * Serial input for dom0 (console.h MICA_CONSOLEIO_read_input): what has
 * been typed, up to count bytes, without waiting (the guest polls, or
 * waits for MICA_VIRQ_CONSOLE once that is raised for input).
 */
static long console_read_input_hc(uint64_t count, uint64_t buf)
{
	char chunk[256];
	size_t n;

	if (!current_vcpu()->domain->privileged)
		return -EPERM;
	count = (uint32_t)count;
	if (!count)
		return 0;
	if (!guest_range_ok(buf, count))
		return -EFAULT;
	n = console_read_input(chunk, MIN(sizeof(chunk), count));
	if (n && copy_to_guest(buf, chunk, n))
		return -EFAULT;
	return (long)n;
}

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buf, uint64_t a4,
		   uint64_t a5)
{
	(void)a4;
	(void)a5;
	switch (cmd) {
	case MICA_CONSOLEIO_write:
		return console_write(count, buf);
	case MICA_CONSOLEIO_read:
		return console_read(count, buf);
	case MICA_CONSOLEIO_read_input:
		return console_read_input_hc(count, buf);
	default:
		return -ENOSYS;
	}
}
