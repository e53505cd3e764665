/* SPDX-License-Identifier: MIT */
/* Thin wrappers around x86 instructions used by the hypervisor. */
#ifndef ASM_CPU_H
#define ASM_CPU_H

#include <mica/types.h>

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a,
			       uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((uint32_t)v),
			     "d"((uint32_t)(v >> 32)));
}

/*
 * rdmsr/wrmsr that may fault (an MSR the CPU lacks): 0, or -EIO after the
 * #GP was caught through the exception table (traps.c).
 */
static inline int rdmsr_safe(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;
	int err;

	/* clang-format off */
	__asm__ __volatile__(
		"1:	rdmsr\n"
		"	xorl %[err], %[err]\n"
		"2:\n"
		"	.pushsection .text.fixup, \"ax\"\n"
		"3:	movl $-5, %[err]\n"
		"	jmp 2b\n"
		"	.popsection\n"
		"	.pushsection .extable, \"a\"\n"
		"	.balign 8\n"
		"	.quad 1b, 3b\n"
		"	.popsection\n"
		: [err] "=r"(err), "+a"(lo), "+d"(hi)
		: "c"(msr));
	/* clang-format on */
	*v = ((uint64_t)hi << 32) | lo;
	return err;
}

static inline int wrmsr_safe(uint32_t msr, uint64_t v)
{
	int err;

	/* clang-format off */
	__asm__ __volatile__(
		"1:	wrmsr\n"
		"	xorl %[err], %[err]\n"
		"2:\n"
		"	.pushsection .text.fixup, \"ax\"\n"
		"3:	movl $-5, %[err]\n"
		"	jmp 2b\n"
		"	.popsection\n"
		"	.pushsection .extable, \"a\"\n"
		"	.balign 8\n"
		"	.quad 1b, 3b\n"
		"	.popsection\n"
		: [err] "=r"(err)
		: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
	/* clang-format on */
	return err;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR_ACCESSORS(n)                                               \
	static inline uint64_t read_cr##n(void)                              \
	{                                                                    \
		uint64_t v;                                                  \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));        \
		return v;                                                    \
	}                                                                    \
	static inline void write_cr##n(uint64_t v)                           \
	{                                                                    \
		__asm__ __volatile__("mov %0, %%cr" #n ::"r"(v) : "memory"); \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port));
}

void tlb_flush_service(void); /* asm/flushtlb.h */

/*
 * The pause of every wait loop.  It also answers the TLB shootdowns aimed
 * at this CPU: a CPU that waits with interrupts off (for a lock, a vcpu
 * to leave its CPU, a timer function) may be waited for by the very CPU
 * it waits on, which holds that lock while shooting this one down
 * (asm/flushtlb.h).  Answering costs one load when nothing is asked.
 */
static inline void cpu_relax(void)
{
	tlb_flush_service();
	__asm__ __volatile__("pause" ::: "memory");
}

static inline void local_irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static inline void local_irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline unsigned long local_irq_save(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushf; pop %0; cli" : "=r"(flags)::"memory");
	return flags;
}

static inline void local_irq_restore(unsigned long flags)
{
	__asm__ __volatile__("push %0; popf" ::"r"(flags) : "memory", "cc");
}

static inline bool local_irq_enabled(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushf; pop %0" : "=r"(flags));
	return flags & 0x200;
}

/* Waits for an interrupt with interrupts enabled atomically (sti; hlt). */
static inline void safe_halt(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

static inline void invlpg(const void *va)
{
	__asm__ __volatile__("invlpg (%0)" ::"r"(va) : "memory");
}

#endif
