/* SPDX-License-Identifier: MIT */
/*
 * The runtime of the HVM test guests (tests/hvm/README.md): the verdict
 * API of the PV guests (test.h) over a console on the emulated UART,
 * hypercalls through the page installed with MICA_MSR_HYPERCALL_PAGE, and
 * probes that run one instruction and report the exception it raised.
 */
#ifndef HVM_GUEST_H
#define HVM_GUEST_H

#include "test.h"

#include "public/hvm/hvm.h"

/* The start info (set before test_main runs; its magic checked). */
extern const struct mica_hvm_start_info *hvm_start_info;

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

/* Probes: the vector the instruction raised, or -1 if none. */
extern volatile uint64_t fault_resume, fault_vector, fault_error;

#define PROBE(insn, ...)                                                      \
	({                                                                    \
		fault_vector = (uint64_t)-1;                                  \
		asm volatile("leaq 1f(%%rip), %%r11\n\t"                      \
			     "movq %%r11, fault_resume(%%rip)\n\t" insn       \
			     "\n1:\tmovq $0, fault_resume(%%rip)" __VA_ARGS__ \
			     : "r11", "memory");                              \
		(int)fault_vector;                                            \
	})

int probe_rdmsr(uint32_t msr, uint64_t *val);
int probe_wrmsr(uint32_t msr, uint64_t val);

#endif
