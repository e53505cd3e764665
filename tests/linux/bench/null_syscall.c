/* SPDX-License-Identifier: MIT */
/* null_syscall: the cost of entering and leaving the kernel (getppid). */
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

static void op(unsigned long n)
{
	while (n--)
		syscall(SYS_getppid);
}

int main(void)
{
	bench_report("null_syscall", bench_measure(op), "ns");
	return 0;
}
