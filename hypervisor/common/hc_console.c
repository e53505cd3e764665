/* SPDX-License-Identifier: MIT */
/* MICA_HC_console_io (public/console.h). */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/sched.h>
#include <public/console.h>

static long console_write(uint64_t count, uint64_t buf)
{
	struct domain *d = current_vcpu()->domain;
	char chunk[256];
	uint64_t done = 0;

	if (count > MICA_CONSOLEIO_MAX_WRITE)
		return -E2BIG;
	/* Validate the whole buffer first: all bytes or none. */
	if (!guest_range_ok(buf, count))
		return -EFAULT;
	while (done < count) {
		size_t n = count - done < sizeof(chunk) ? count - done :
							  sizeof(chunk);

		if (copy_from_guest(chunk, buf + done, n))
			return done ? (long)done : -EFAULT;
		domain_console_write(d, chunk, n);
		done += n;
	}
	return (long)count;
}

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buf, uint64_t a4,
		   uint64_t a5)
{
	(void)a4;
	(void)a5;
	switch (cmd) {
	case MICA_CONSOLEIO_write:
		return console_write(count, buf);
	default:
		return -ENOSYS;
	}
}
