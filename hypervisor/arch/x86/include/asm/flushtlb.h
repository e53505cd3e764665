/* SPDX-License-Identifier: MIT */
/*
 * TLB shootdown.
 *
 * Mica writes CR3 on every vcpu switch (and guest entries are never
 * global), so a vcpu's translations can be cached only on the CPU it is
 * loaded on: arch_vcpu.dirty_cpu, set before its CR3 is loaded and cleared
 * after the CPU has switched away.  A flush therefore targets exactly the
 * CPUs where the named vcpus are loaded.
 *
 * Protocol: the requester sets its own bit in each target's
 * cpu_info.tlb_flush_from and sends VECTOR_TLB_FLUSH; a target flushes and
 * clears the bits it saw (a CR3 switch clears them too), and the requester
 * waits until its bit is clear in every target.  Requests need no lock and
 * the waiting requester answers requests aimed at itself, so two CPUs that
 * shoot each other down with interrupts off (hypercalls run so) both finish.
 * A CPU that spins for a lock whose holder may be waiting for a flush must
 * answer too: every wait loop's cpu_relax() does (asm/cpu.h).
 */
#ifndef ASM_FLUSHTLB_H
#define ASM_FLUSHTLB_H

#include <mica/types.h>

struct domain;

/* Flushes the guest (non-global) TLB entries of every CPU in 'cpus' (this
 * one included if set) and returns when they are done.  Any IRQ state. */
void tlb_flush_cpus(uint64_t cpus);

/* Answers the flush requests aimed at this CPU (IPI handler, spin loops). */
void tlb_flush_service(void);

/* Flushes this CPU's guest TLB entries. */
void tlb_flush_local(void);

/*
 * CPUs whose TLBs may hold translations of the vcpus of d selected by
 * 'vcpus' (bit per vcpu id; ~0 for all).  Call after the page-table change
 * the flush is for.
 */
uint64_t tlb_dirty_cpus(const struct domain *d, uint64_t vcpus);

/*
 * Around the CR3 write of a context switch: begin marks this CPU in the
 * next vcpu's dirty_cpu (NULL: idle) and returns the flush requests the
 * CR3 write will answer; end answers them and clears the previous vcpu's
 * dirty_cpu (NULL: idle).
 */
uint64_t tlb_switch_begin(int *next_dirty_cpu);
void tlb_switch_end(int *prev_dirty_cpu, uint64_t seen);

/* Installs the shootdown IPI handler (boot CPU). */
void tlb_flush_init(void);

#endif
