/* SPDX-License-Identifier: MIT */
/*
 * mmap_munmap: map 64 KiB of anonymous memory, touch one page of it (so
 * that the unmap has a page table entry and a TLB entry to tear down), and
 * unmap it.
 */
#include <sys/mman.h>

#include "bench.h"

#define SIZE (64 * 1024)

static void op(unsigned long n)
{
	while (n--) {
		volatile char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			bench_die("mmap");
		p[0] = 1;
		if (munmap((void *)p, SIZE))
			bench_die("munmap");
	}
}

int main(void)
{
	bench_report("mmap_munmap", bench_measure(op), "us");
	return 0;
}
