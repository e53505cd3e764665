/* SPDX-License-Identifier: MIT */
/*
 * null_syscall: the cost of entering and leaving the kernel (getppid).
 * On Mica's dom0 (where /dev/mica/privcmd exists) it also prints what one
 * system call costs in hypervisor events, from the hot-path counters
 * (sysctl perfc) read around a batch: null_syscall_<counter> per call.
 */
#include <fcntl.h>
#include <string.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mica/privcmd.h>

#include "public/sysctl.h"

#include "bench.h"

#define PERFC_CALLS 100000ul

static void op(unsigned long n)
{
	while (n--)
		syscall(SYS_getppid);
}

static int read_perfc(int fd, struct mica_sysctl *s)
{
	struct mica_privcmd_hypercall c = {
		.op = MICA_HC_sysctl,
		.arg = { (uint64_t)(uintptr_t)s },
	};

	memset(s, 0, sizeof(*s));
	s->cmd = MICA_SYSCTL_perfc;
	s->interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	s->u.perfc.cpu = MICA_PERFC_ALL_CPUS;
	return ioctl(fd, MICA_PRIVCMD_HYPERCALL, &c);
}

/* Hypervisor events per system call, on Mica only. */
static void report_perfc(void)
{
	static const struct {
		const char *name;
		unsigned int index;
	} counters[] = {
		{ "hypercalls", MICA_PERFC_hypercalls },
		{ "irets", MICA_PERFC_iret },
		{ "exits_sysret", MICA_PERFC_exits_sysret },
		{ "exits_iret", MICA_PERFC_exits_iret },
		{ "cr3_writes", MICA_PERFC_cr3_writes },
		{ "upcalls", MICA_PERFC_upcalls },
		{ "exception_bounces", MICA_PERFC_exception_bounces },
	};
	struct mica_sysctl before, after;
	int fd = open(MICA_PRIVCMD_DEVICE, O_RDWR);

	if (fd < 0)
		return; /* not on Mica's dom0 */
	if (read_perfc(fd, &before))
		bench_die("perfc");
	op(PERFC_CALLS);
	if (read_perfc(fd, &after))
		bench_die("perfc");
	close(fd);
	for (unsigned int i = 0; i < sizeof(counters) / sizeof(counters[0]);
	     i++) {
		unsigned int k = counters[i].index;

		printf("bench: null_syscall_%s %.2f count\n", counters[i].name,
		       (double)(after.u.perfc.count[k] -
				before.u.perfc.count[k]) /
			       PERFC_CALLS);
	}
	fflush(stdout);
}

int main(void)
{
	bench_report("null_syscall", bench_measure(op), "ns");
	report_perfc();
	return 0;
}
