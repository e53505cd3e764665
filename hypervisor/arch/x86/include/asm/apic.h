/* SPDX-License-Identifier: MIT */
/* The local APIC (xAPIC, memory mapped). */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <mica/types.h>

/* Maps the boot CPU's APIC registers; once. */
void lapic_map(void);
/* Enables this CPU's APIC (spurious vector, TPR 0, LVTs masked). */
void lapic_init_cpu(void);
uint32_t lapic_id(void);
void lapic_eoi(void);

void lapic_send_ipi(uint32_t apic_id, unsigned int vector);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, unsigned int page);
void lapic_send_nmi_allbutself(void);

/*
 * The timer, divide-by-1.  lapic_timer_oneshot arms it to fire
 * VECTOR_LAPIC_TIMER after 'ticks' input clocks (0 stops it);
 * lapic_timer_current reads the count down.
 */
void lapic_timer_oneshot(uint32_t ticks);
uint32_t lapic_timer_current(void);
/* Starts a free count-down from 0xffffffff with the interrupt masked. */
void lapic_timer_start_free(void);

#endif
