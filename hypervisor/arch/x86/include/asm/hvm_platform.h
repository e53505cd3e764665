/* SPDX-License-Identifier: MIT */
/*
 * The PC platform emulated for HVM guests (public/hvm/hvm.h P1-P12,
 * docs/hvm.md): local APIC per vcpu (vlapic.c), I/O APIC (vioapic.c),
 * the 8259 pair (vpic.c), PIT, RTC/CMOS and the ACPI PM block (vpt.c),
 * and the ACPI tables the builder writes (acpi_tables.c).
 *
 * Interrupt lines: a device raises an ISA IRQ with hvm_isa_irq(); it goes
 * to the PIC (reaching vcpu 0 through LINT0 in ExtINT mode) and to the
 * I/O APIC pin the MADT names for it (IRQ 0 -> pin 2, else pin = IRQ).
 * The I/O APIC and IPIs deliver through vlapic_deliver().
 */
#ifndef ASM_HVM_PLATFORM_H
#define ASM_HVM_PLATFORM_H

#include <mica/timer.h>
#include <mica/types.h>

struct domain;
struct vcpu;

#define HVM_LAPIC_BASE 0xfee00000ULL
#define HVM_IOAPIC_BASE 0xfec00000ULL
#define HVM_IOAPIC_PINS 24
#define HVM_ACPI_TABLES 0xe0000ULL /* RSDP and the tables, 8 KiB */
#define HVM_ACPI_TABLES_SIZE 0x2000
#define HVM_PM_BASE 0xb000 /* PM1a_EVT (4), PM1a_CNT (2), PM_TMR (4) */
#define HVM_PM1A_CNT (HVM_PM_BASE + 4)
#define HVM_PM_TMR (HVM_PM_BASE + 8)
#define HVM_SLP_TYP_S5 5 /* the DSDT's \_S5 */
#define HVM_SCI_IRQ 9

/* APIC delivery modes (ICR and I/O APIC redirection entries). */
#define APIC_DM_FIXED 0
#define APIC_DM_LOWEST 1
#define APIC_DM_SMI 2
#define APIC_DM_NMI 4
#define APIC_DM_INIT 5
#define APIC_DM_STARTUP 6
#define APIC_DM_EXTINT 7

struct vpic_chip {
	uint8_t irr, isr, imr, elcr;
	uint8_t vector_base; /* ICW2 */
	uint8_t icw_step; /* 0: ready; 2..4: expecting ICW2..ICW4 */
	bool icw4_needed, read_isr, auto_eoi, special_mask;
	uint8_t lines; /* input levels */
};

struct vpit_channel {
	uint16_t reload; /* 0 means 65536 */
	uint8_t mode, rw; /* rw: 1 lo, 2 hi, 3 lo then hi */
	bool write_hi, read_hi; /* next byte of a 16-bit access */
	bool latched;
	uint16_t latch;
	uint8_t write_lo;
	bool running;
	uint64_t start_ns; /* counting from reload since then */
};

struct hvm_platform {
	struct domain *d;
	/* 8259 pair: [0] master at 0x20, [1] slave at 0xa0 on IRQ 2. */
	struct vpic_chip pic[2];
	/* I/O APIC. */
	uint32_t ioapic_sel;
	uint64_t ioapic_redir[HVM_IOAPIC_PINS];
	uint32_t ioapic_levels; /* pin input levels */
	/* PIT: channels 0 and 2 (1 is not wired); port 0x61 gate. */
	struct vpit_channel pit[3];
	uint8_t port61;
	struct timer pit_timer; /* channel 0 interrupts */
	uint64_t pit_next_ns;
	/* RTC/CMOS. */
	uint8_t cmos_index;
	uint8_t cmos[128];
	/* ACPI PM1a. */
	uint16_t pm1_sts, pm1_en, pm1_cnt;
};

/* Domain creation / destruction (hvm.c calls them). */
int hvm_platform_create(struct domain *d);
void hvm_platform_destroy(struct domain *d);

/* Port I/O of the platform devices; true if the port is theirs. */
bool vpic_io(struct hvm_platform *p, uint16_t port, bool in, uint32_t *val);
bool vpt_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
	    uint32_t *val);

/* ISA interrupt lines (level: 1 raised, 0 lowered; edge devices pulse). */
void hvm_isa_irq(struct domain *d, unsigned int irq, bool level);
/* The PIC's pending vector for vcpu 0 (-1: none) and its acknowledge. */
int vpic_pending(struct hvm_platform *p);
unsigned int vpic_ack(struct hvm_platform *p);
void vpic_reset(struct hvm_platform *p);

/* I/O APIC (locked by the caller: io_lock). */
void vioapic_set_pin(struct hvm_platform *p, unsigned int pin, bool level);
/* A local APIC EOI of a level-triggered vector. */
void vioapic_eoi(struct domain *d, unsigned int vector);
/* MMIO: 4-byte accesses at offset 0 (select) and 0x10 (window). */
void vioapic_mmio(struct domain *d, uint64_t offset, unsigned int size,
		  bool write, uint64_t *val);

/* Local APIC. */
int vlapic_create(struct vcpu *v);
void vlapic_destroy(struct vcpu *v);
/* Sends 'vector' in 'mode' to the APICs 'dest' selects (physical, or
 * logical with logical_dest).  level: level-triggered (TMR). */
void vlapic_deliver(struct domain *d, struct vcpu *self, uint32_t dest,
		    bool logical_dest, unsigned int shorthand,
		    unsigned int mode, unsigned int vector, bool level);
void vlapic_mmio(struct vcpu *v, uint64_t offset, unsigned int size, bool write,
		 uint64_t *val);
bool vlapic_xapic_mmio_enabled(struct vcpu *v);
/* x2APIC MSRs 0x800-0x8ff and IA32_APIC_BASE, TSC_DEADLINE: 0 or -1
 * (#GP); false if the MSR is not the APIC's. */
bool vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val,
		int *rc);
/* Sets vector (>= 16) in v's IRR as a fixed edge interrupt and kicks v
 * (dropped while the APIC is software-disabled, as an IPI would be). */
void vlapic_set_irq(struct vcpu *v, unsigned int vector);
/* The highest deliverable vector (-1: none), and its acceptance. */
int vlapic_pending(struct vcpu *v);
void vlapic_accept(struct vcpu *v, unsigned int vector);
/* LINT0 passes the PIC's output (ExtINT, unmasked, or APIC disabled). */
bool vlapic_accepts_pic(struct vcpu *v);
/* The vcpu's own INIT/SIPI work, done on its CPU before it runs. */
void vlapic_vcpu_pre_run(struct vcpu *v);

/* ACPI tables in guest RAM at HVM_ACPI_TABLES (build.c). */
int hvm_acpi_write_tables(struct domain *d, unsigned int nr_vcpus);

#endif
