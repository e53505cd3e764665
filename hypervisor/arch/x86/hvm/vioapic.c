/* SPDX-License-Identifier: MIT */
/*
 * The I/O APIC of an HVM domain (public/hvm/hvm.h P10): version 0x11 with
 * 24 pins at HVM_IOAPIC_BASE, IOREGSEL at +0 and IOWIN at +0x10 (aligned
 * 32-bit accesses; anything else reads 0 and writes nothing).  Fixed and
 * lowest-priority delivery, physical and logical destinations, edge and
 * level triggering with remote IRR cleared by the local APIC's EOI.
 * Everything here runs under the domain's io_lock.
 */
#include <mica/domain.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>

#define IOAPIC_ID 0
#define IOAPIC_VERSION 1
#define IOAPIC_ARB 2
#define IOAPIC_REDIR 0x10

#define RTE_MASKED (1ULL << 16)
#define RTE_LEVEL (1ULL << 15)
#define RTE_REMOTE_IRR (1ULL << 14)
#define RTE_DELIVERY_STATUS (1ULL << 12)
#define RTE_LOGICAL (1ULL << 11)
#define RTE_WRITABLE 0xff0000000001afffULL /* all but the status bits */

static void deliver(struct hvm_platform *p, unsigned int pin)
{
	uint64_t e = p->ioapic_redir[pin];
	unsigned int mode = (e >> 8) & 7;

	if (e & RTE_LEVEL)
		p->ioapic_redir[pin] |= RTE_REMOTE_IRR;
	vlapic_deliver(p->d, NULL, (uint32_t)(e >> 56), e & RTE_LOGICAL, 0,
		       mode, e & 0xff, e & RTE_LEVEL);
}

/* Delivers what an unmasked, asserted level pin has pending. */
static void service(struct hvm_platform *p, unsigned int pin)
{
	uint64_t e = p->ioapic_redir[pin];

	if (!(e & RTE_MASKED) && (e & RTE_LEVEL) &&
	    (p->ioapic_levels & (1u << pin)) && !(e & RTE_REMOTE_IRR))
		deliver(p, pin);
}

void vioapic_set_pin(struct hvm_platform *p, unsigned int pin, bool level)
{
	uint32_t bit = 1u << pin;
	bool was = p->ioapic_levels & bit;
	uint64_t e;

	if (pin >= HVM_IOAPIC_PINS)
		return;
	p->ioapic_levels = level ? p->ioapic_levels | bit :
				   p->ioapic_levels & ~bit;
	e = p->ioapic_redir[pin];
	if (e & RTE_MASKED)
		return;
	if (e & RTE_LEVEL)
		service(p, pin);
	else if (level && !was)
		deliver(p, pin);
}

void vioapic_eoi(struct domain *d, unsigned int vector)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct hvm_platform *p = hd->platform;
	unsigned long flags = spin_lock_irqsave(&hd->io_lock);

	for (unsigned int pin = 0; pin < HVM_IOAPIC_PINS; pin++) {
		uint64_t *e = &p->ioapic_redir[pin];

		if ((*e & 0xff) != vector || !(*e & RTE_REMOTE_IRR))
			continue;
		*e &= ~RTE_REMOTE_IRR;
		service(p, pin);
	}
	spin_unlock_irqrestore(&hd->io_lock, flags);
}

static uint32_t reg_read(struct hvm_platform *p, uint32_t reg)
{
	unsigned int pin = (reg - IOAPIC_REDIR) / 2;

	switch (reg) {
	case IOAPIC_ID:
	case IOAPIC_ARB:
		return 0;
	case IOAPIC_VERSION:
		return 0x11 | ((HVM_IOAPIC_PINS - 1) << 16);
	default:
		if (reg < IOAPIC_REDIR || pin >= HVM_IOAPIC_PINS)
			return 0;
		return (uint32_t)(p->ioapic_redir[pin] >> (reg & 1 ? 32 : 0));
	}
}

static void reg_write(struct hvm_platform *p, uint32_t reg, uint32_t val)
{
	unsigned int pin = (reg - IOAPIC_REDIR) / 2;
	uint64_t *e, v;

	if (reg < IOAPIC_REDIR || pin >= HVM_IOAPIC_PINS)
		return; /* the ID stays 0; version and arbitration are RO */
	e = &p->ioapic_redir[pin];
	if (reg & 1)
		v = (*e & 0xffffffffULL) | ((uint64_t)val << 32);
	else
		v = (*e & ~0xffffffffULL) | val;
	*e = (v & RTE_WRITABLE) | (*e & RTE_REMOTE_IRR);
	if (!(*e & RTE_LEVEL))
		*e &= ~RTE_REMOTE_IRR;
	service(p, pin); /* unmasking an asserted level pin delivers */
}

void vioapic_mmio(struct domain *d, uint64_t offset, unsigned int size,
		  bool write, uint64_t *val)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct hvm_platform *p = hd->platform;
	unsigned long flags;

	if (size != 4 || (offset != 0 && offset != 0x10)) {
		if (!write)
			*val = 0;
		return;
	}
	flags = spin_lock_irqsave(&hd->io_lock);
	if (offset == 0) {
		if (write)
			p->ioapic_sel = (uint32_t)*val & 0xff;
		else
			*val = p->ioapic_sel;
	} else if (write) {
		reg_write(p, p->ioapic_sel, (uint32_t)*val);
	} else {
		*val = reg_read(p, p->ioapic_sel);
	}
	spin_unlock_irqrestore(&hd->io_lock, flags);
}
