/* SPDX-License-Identifier: MIT */
/* The ACPI tables the hypervisor reads: MADT (CPUs) and HPET. */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <mica/types.h>

struct acpi_info {
	paddr_t rsdp;
	unsigned int nr_cpus; /* enabled processors in the MADT */
	uint32_t apic_ids[64];
	paddr_t lapic_base;
	paddr_t hpet_base; /* 0 if no HPET table */
	unsigned int nr_ioapics;
};

extern struct acpi_info acpi_info;

/*
 * Finds the RSDP (from the loader, else the BIOS areas) and reads the MADT
 * and HPET tables.  Returns 0, or -ENODEV without usable ACPI (then one CPU
 * and no HPET are assumed).
 */
int acpi_init(void);

#endif
