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

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v),
		     "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

/* Interrupts: vectors 32-255 call irq_handlers[vector] (it sends its
 * own EOI); others count in irq_unexpected. */
typedef void (*irq_handler_t)(unsigned int vector);
extern irq_handler_t irq_handlers[256];
extern volatile uint64_t irq_unexpected;

static inline void sti(void)
{
	asm volatile("sti" ::: "memory");
}

static inline void cli(void)
{
	asm volatile("cli" ::: "memory");
}

/* sti; hlt: waits for an interrupt (the sti shadow covers the hlt). */
static inline void sti_hlt(void)
{
	asm volatile("sti; hlt" ::: "memory");
}

/* The local APIC page (hvm.h P7), identity-mapped. */
#define LAPIC_BASE 0xfee00000UL
#define LAPIC_ID 0x20
#define LAPIC_VERSION 0x30
#define LAPIC_TPR 0x80
#define LAPIC_PPR 0xa0
#define LAPIC_EOI 0xb0
#define LAPIC_LDR 0xd0
#define LAPIC_DFR 0xe0
#define LAPIC_SVR 0xf0
#define LAPIC_ISR 0x100
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_ICR 0x300
#define LAPIC_ICR2 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TMICT 0x380
#define LAPIC_TMCCT 0x390
#define LAPIC_TDCR 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)

static inline uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

static inline void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Whether vector is set in one of the 256-bit ISR/TMR/IRR arrays. */
static inline bool lapic_bit(uint32_t base, unsigned int vec)
{
	return lapic_read(base + (vec / 32) * 0x10) & (1u << (vec % 32));
}

/* Application processors: started at _start (SIPI vector 0x08) on the
 * stack at ap_stack_top, they call ap_main_fn(their APIC ID). */
extern uint64_t ap_stack_top;
extern void (*volatile ap_main_fn)(unsigned int cpu);

#endif
