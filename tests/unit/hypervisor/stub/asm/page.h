/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for the hypervisor's direct map: machine address P is byte P
 * of test_memory, a page-aligned buffer the test allocates (see
 * test_memory_init() in harness.h).  A conversion outside that buffer is a
 * bug in the code under test, so it fails the test case at once.
 */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <mica/types.h>
#include <asm/layout.h>

extern unsigned char *test_memory;
extern uint64_t test_memory_size; /* bytes */

__attribute__((noreturn)) void test_bad_address(const char *what,
						uint64_t value);

static inline void *maddr_to_virt(paddr_t pa)
{
	if (pa >= test_memory_size)
		test_bad_address("maddr_to_virt", pa);
	return test_memory + pa;
}

static inline paddr_t virt_to_maddr(const void *va)
{
	const unsigned char *p = va;

	if (p < test_memory || p >= test_memory + test_memory_size)
		test_bad_address("virt_to_maddr", (uintptr_t)va);
	return (paddr_t)(p - test_memory);
}

static inline void *mfn_to_virt(mfn_t mfn)
{
	return maddr_to_virt(mfn << PAGE_SHIFT);
}

static inline mfn_t virt_to_mfn(const void *va)
{
	return virt_to_maddr(va) >> PAGE_SHIFT;
}

#endif
