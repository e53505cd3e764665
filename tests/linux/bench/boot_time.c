/* SPDX-License-Identifier: MIT */
/*
 * boot_time: run first by init, reports how long the kernel took from the
 * start of its clock (early in start_kernel) to user space, by the
 * kernel's own CLOCK_BOOTTIME.
 */
#include "bench.h"

int main(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts))
		bench_die("clock_gettime");
	bench_report("boot_to_init",
		     (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec, "ms");
	return 0;
}
