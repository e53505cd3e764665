/* SPDX-License-Identifier: MIT */
/*
 * The legacy 8259A pair of an HVM domain (public/hvm/hvm.h P9): master at
 * 0x20/0x21, slave at 0xa0/0xa1 cascaded on IRQ 2, edge/level control at
 * 0x4d0/0x4d1.  ICW1-ICW4, the mask (OCW1), specific and non-specific EOI
 * (OCW2), IRR/ISR reads (OCW3), automatic EOI, fully nested priority
 * (IRQ 0 highest).  Its output reaches vcpu 0 through LINT0 (ExtINT).
 * Everything here runs under the domain's io_lock.
 */
#include <mica/domain.h>
#include <mica/sched.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>

void vpic_reset(struct hvm_platform *p)
{
	for (unsigned int i = 0; i < 2; i++) {
		struct vpic_chip *c = &p->pic[i];
		uint8_t lines = c->lines, elcr = c->elcr;

		*c = (struct vpic_chip){ 0 };
		c->imr = 0xff; /* no firmware: everything masked */
		c->vector_base = i ? 0x70 : 0x08; /* the PC's defaults */
		c->lines = lines;
		c->elcr = elcr;
	}
}

/* The highest-priority request the chip would raise (-1: none): the
 * lowest unmasked IRR bit not blocked by an equal or higher ISR bit. */
static int chip_pending(const struct vpic_chip *c)
{
	uint8_t req = c->irr & ~c->imr;

	for (int irq = 0; irq < 8; irq++) {
		if (c->isr & (1u << irq))
			return -1;
		if (req & (1u << irq))
			return irq;
	}
	return -1;
}

/* The slave's output drives master IRQ 2 as a level. */
static void update_cascade(struct hvm_platform *p)
{
	struct vpic_chip *m = &p->pic[0];

	if (chip_pending(&p->pic[1]) >= 0)
		m->irr |= 1u << 2;
	else
		m->irr &= ~(1u << 2);
}

static void set_line(struct vpic_chip *c, unsigned int irq, bool level)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (level && !(c->lines & bit))
		c->irr |= bit; /* a rising edge, or a level going high */
	else if (!level && (c->elcr & bit))
		c->irr &= ~bit; /* a level request goes away with its line */
	c->lines = level ? c->lines | bit : c->lines & ~bit;
}

void hvm_isa_irq(struct domain *d, unsigned int irq, bool level)
{
	struct hvm_platform *p = d->arch.hvm->platform;

	if (irq >= 16)
		return;
	set_line(&p->pic[irq >> 3], irq & 7, level);
	update_cascade(p);
	vioapic_set_pin(p, irq == 0 ? 2 : irq, level);
	if (vpic_pending(p) >= 0 && d->vcpus[0] &&
	    d->vcpus[0] != current_vcpu())
		vcpu_kick(d->vcpus[0]);
}

int vpic_pending(struct hvm_platform *p)
{
	int irq = chip_pending(&p->pic[0]);

	if (irq < 0)
		return -1;
	if (irq == 2) {
		int s = chip_pending(&p->pic[1]);

		return s < 0 ? -1 : p->pic[1].vector_base + s;
	}
	return p->pic[0].vector_base + irq;
}

/* INTA on one chip: the request moves to the ISR (unless auto-EOI). */
static int chip_ack(struct vpic_chip *c)
{
	int irq = chip_pending(c);

	if (irq < 0)
		return -1;
	if (!(c->elcr & (1u << irq)))
		c->irr &= ~(1u << irq);
	if (!c->auto_eoi)
		c->isr |= 1u << irq;
	return irq;
}

unsigned int vpic_ack(struct hvm_platform *p)
{
	int irq = chip_ack(&p->pic[0]);
	unsigned int vec;

	if (irq < 0) /* withdrawn in the meantime: spurious IRQ 7 */
		return p->pic[0].vector_base + 7;
	if (irq != 2) {
		vec = p->pic[0].vector_base + irq;
	} else {
		int s = chip_ack(&p->pic[1]);

		vec = p->pic[1].vector_base + (s < 0 ? 7 : s);
	}
	update_cascade(p);
	return vec;
}

static void write_command(struct vpic_chip *c, uint8_t val)
{
	if (val & 0x10) { /* ICW1 */
		uint8_t lines = c->lines, elcr = c->elcr, base = c->vector_base;

		*c = (struct vpic_chip){ 0 };
		c->lines = lines;
		c->elcr = elcr;
		c->vector_base = base;
		c->icw4_needed = val & 1;
		c->icw_step = 2;
		return;
	}
	if (val & 0x08) { /* OCW3 */
		if (val & 0x02)
			c->read_isr = val & 0x01;
		if (val & 0x40)
			c->special_mask = val & 0x20;
		return;
	}
	switch (val >> 5) { /* OCW2 */
	case 1: /* non-specific EOI */
	case 5: /* ... with rotation (priorities stay fixed here) */
		for (unsigned int irq = 0; irq < 8; irq++)
			if (c->isr & (1u << irq)) {
				c->isr &= ~(1u << irq);
				break;
			}
		break;
	case 3: /* specific EOI */
	case 7:
		c->isr &= ~(1u << (val & 7));
		break;
	default:
		break; /* priority rotation commands: fixed priority */
	}
}

static void write_data(struct vpic_chip *c, uint8_t val)
{
	switch (c->icw_step) {
	case 2:
		c->vector_base = val & 0xf8;
		c->icw_step = 3;
		break;
	case 3:
		c->icw_step = c->icw4_needed ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = val & 0x02;
		c->icw_step = 0;
		break;
	default:
		c->imr = val;
		break;
	}
}

bool vpic_io(struct hvm_platform *p, uint16_t port, bool in, uint32_t *val)
{
	struct vpic_chip *c;

	switch (port) {
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
		c = &p->pic[port >> 7];
		if (in)
			*val = (port & 1)  ? c->imr :
			       c->read_isr ? c->isr :
					     c->irr;
		else if (port & 1)
			write_data(c, (uint8_t)*val);
		else
			write_command(c, (uint8_t)*val);
		break;
	case 0x4d0:
	case 0x4d1:
		c = &p->pic[port & 1];
		if (in)
			*val = c->elcr;
		else /* IRQs 0, 1, 2, 8 and 13 are always edge-triggered */
			c->elcr = (uint8_t)*val & (port & 1 ? 0xde : 0xf8);
		break;
	default:
		return false;
	}
	update_cascade(p);
	return true;
}
