/* SPDX-License-Identifier: MIT */
/* Local APIC: enable, IPIs, timer. */
#include <mica/console.h>
#include <mica/shutdown.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <asm/paging.h>
#include <asm/traps.h>

#define APIC_ID 0x020
#define APIC_TPR 0x080
#define APIC_EOI 0x0b0
#define APIC_SVR 0x0f0
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE 0x100
#define LVT_MASKED 0x10000
#define ICR_PENDING 0x1000
#define ICR_LEVEL_ASSERT 0x4000
#define ICR_DM_NMI 0x400
#define ICR_DM_INIT 0x500
#define ICR_DM_STARTUP 0x600
#define ICR_ALL_BUT_SELF 0xc0000

static volatile uint32_t *lapic;

static uint32_t apic_read(unsigned int reg)
{
	return lapic[reg / 4];
}

static void apic_write(unsigned int reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

/* The legacy 8259 PICs' mask registers (master, slave). */
#define PIC_MASTER_IMR 0x21
#define PIC_SLAVE_IMR 0xa1

void lapic_map(void)
{
	paddr_t base = rdmsr(MSR_APIC_BASE) & 0xfffff000ULL;

	/* Interrupts come only through the local APIC.  The firmware may
	 * leave the PICs unmasked with IRQ 0 on vector 8, and Bochs hands
	 * the PIC's output to the CPU even with LINT0 masked: mask them. */
	outb(PIC_MASTER_IMR, 0xff);
	outb(PIC_SLAVE_IMR, 0xff);

	lapic = ioremap(base, 4096);
	if (!lapic)
		panic("apic: cannot map the local APIC at %lx\n", base);
}

void lapic_init_cpu(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_LAPIC_TIMER);
	apic_write(APIC_LVT_LINT0, LVT_MASKED);
	apic_write(APIC_LVT_LINT1, LVT_MASKED);
	apic_write(APIC_LVT_ERROR, LVT_MASKED);
	apic_write(APIC_TIMER_DIVIDE, 0xb); /* divide by 1 */
	apic_write(APIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
}

uint32_t lapic_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

void lapic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static void icr_send(uint32_t apic_id, uint32_t low)
{
	unsigned long flags = local_irq_save();

	for (unsigned int i = 0;
	     i < 1000000 && (apic_read(APIC_ICR_LOW) & ICR_PENDING); i++)
		cpu_relax();
	apic_write(APIC_ICR_HIGH, apic_id << 24);
	apic_write(APIC_ICR_LOW, low);
	local_irq_restore(flags);
}

void lapic_send_ipi(uint32_t apic_id, unsigned int vector)
{
	icr_send(apic_id, vector);
}

void lapic_send_init(uint32_t apic_id)
{
	icr_send(apic_id, ICR_DM_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_sipi(uint32_t apic_id, unsigned int page)
{
	icr_send(apic_id, ICR_DM_STARTUP | (page & 0xff));
}

void lapic_send_nmi_allbutself(void)
{
	icr_send(0, ICR_DM_NMI | ICR_LEVEL_ASSERT | ICR_ALL_BUT_SELF);
}

void lapic_timer_oneshot(uint32_t ticks)
{
	apic_write(APIC_LVT_TIMER, VECTOR_LAPIC_TIMER);
	apic_write(APIC_TIMER_INITIAL, ticks);
}

uint32_t lapic_timer_current(void)
{
	return apic_read(APIC_TIMER_CURRENT);
}

void lapic_timer_start_free(void)
{
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_LAPIC_TIMER);
	apic_write(APIC_TIMER_INITIAL, 0xffffffffu);
}
