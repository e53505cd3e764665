/* SPDX-License-Identifier: MIT */
/*
 * page_fault: first touch of fresh anonymous pages (a demand-zero fault
 * each), mapped in chunks and unmapped again outside the timed loop's
 * per-page cost as far as possible: the munmap is amortised over CHUNK
 * faults.
 */
#include <sys/mman.h>

#include "bench.h"

#define CHUNK 256
#define PAGE 4096

static void op(unsigned long n)
{
	while (n) {
		unsigned long pages = n < CHUNK ? n : CHUNK;
		volatile char *p = mmap(NULL, pages * PAGE,
					PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			bench_die("mmap");
		for (unsigned long i = 0; i < pages; i++)
			p[i * PAGE] = 1;
		munmap((void *)p, pages * PAGE);
		n -= pages;
	}
}

int main(void)
{
	bench_report("page_fault", bench_measure(op), "ns");
	return 0;
}
