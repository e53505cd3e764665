/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data.  Each CPU's struct cpu_info sits at the top of its stack
 * block (asm/layout.h), so this_cpu() is a mask of the stack pointer: no
 * segment base is needed, which leaves FS/GS entirely to guests.
 */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <mica/types.h>
#include <asm/layout.h>
#include <asm/regs.h>
#include <public/sysctl.h>

#define NR_CPUS 64

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t ist[8]; /* ist[0] is reserved */
	uint16_t reserved1[5];
	uint16_t iomap_base;
} __attribute__((packed, aligned(16)));

struct cpu_info {
	unsigned int cpu_id;
	uint32_t apic_id;
	bool online;
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss;
	uint64_t lapic_timer_hz; /* LAPIC timer input after divide */
	uint64_t irq_count; /* interrupts taken, for statistics */
	uint64_t timer_irqs;
	volatile uint64_t selftest_token; /* written by the SMP self-test */
	uintptr_t stack_block; /* virtual base of the stack block */
	uint32_t softirq_pending; /* bit per enum softirq, atomic */
	uint64_t guest_rsp; /* syscall entry scratch (pv/entry.S) */
	/* Guest CPU state loaded on this CPU (pv/fpu.c, pv/debugreg.c,
	 * pv/descriptors.c). */
	struct vcpu *fpu_owner; /* whose FPU state the registers hold */
	bool cr0_ts; /* CR0.TS is set (a vcpu's virtual TS) */
	bool debugregs_live; /* DR7 holds a vcpu's enabled breakpoints */
	bool ldt_loaded;
	uint64_t *desc_pte; /* L1 entries mapping the descriptor window */
	uint64_t *desc_reserved; /* Mica's GDT entries, in the window */
	/* TLB shootdown (asm/flushtlb.h): bit per CPU waiting for this one
	 * to flush; atomic. */
	uint64_t tlb_flush_from;
	struct vcpu *current; /* asm/current.h; NULL: idle */
	/* The user L4 a switch to guest user mode left for the exit to load
	 * (pv_switch_mode, pv_exit_prepare); 0: none. */
	uint64_t exit_cr3;
	/* Hot-path event counters (mica/perfc.h), in cache lines of their
	 * own: only this CPU writes them. */
	uint64_t perfc[MICA_PERFC_MAX] __attribute__((aligned(64)));
};

static inline struct cpu_info *this_cpu(void)
{
	uintptr_t sp;

	__asm__("mov %%rsp, %0" : "=r"(sp));
	return (struct cpu_info *)((sp | (STACK_SIZE - 1)) + 1 -
				   sizeof(struct cpu_info));
}

/*
 * The guest register frame: the top of the primary stack, just below
 * cpu_info.  Entries from a guest (syscall, exceptions, interrupts) build it
 * there; returning to a guest restores it.
 */
static inline struct cpu_regs *guest_frame(void)
{
	return (struct cpu_regs *)this_cpu() - 1;
}

static inline unsigned int smp_processor_id(void)
{
	return this_cpu()->cpu_id;
}

extern struct cpu_info *cpu_infos[NR_CPUS];
extern unsigned int nr_cpus_present; /* found in the MADT */
extern unsigned int nr_cpus_online;
extern uint32_t cpu_apic_ids[NR_CPUS]; /* index: cpu_id */

/*
 * Allocates and maps a stack block for 'cpu' and returns its cpu_info, or
 * NULL on exhaustion.
 */
struct cpu_info *cpu_info_alloc(unsigned int cpu);

/* Loads this CPU's GDT, TSS and IDT; call on the CPU itself. */
void cpu_tables_load(struct cpu_info *ci);

/* Brings up every present CPU (up to maxcpus=); returns the online count. */
unsigned int smp_boot_cpus(void);

/* Runs fn(arg) on every online CPU other than this one and waits. */
void smp_call_others(void (*fn)(void *), void *arg);
/* The same on the online CPUs in 'cpus' (bit n: CPU n), this one excepted. */
void smp_call_mask(uint64_t cpus, void (*fn)(void *), void *arg);

/* The CPUs that are online, bit per CPU id. */
uint64_t arch_online_cpus(void);

/* Interrupts 'cpu' so that it looks at its pending softirqs. */
void arch_cpu_kick(unsigned int cpu);

/* Sends an NMI to every other CPU (the crash path uses it to stop them). */
void smp_send_nmi_others(void);

#endif
