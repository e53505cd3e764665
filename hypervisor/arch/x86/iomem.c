/* SPDX-License-Identifier: MIT */
/* I/O memory and IRQ permissions; see asm/iomem.h. */
#include <mica/boot.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <asm/acpi.h>
#include <asm/iomem.h>
#include <public/domctl.h>

/* IRQs Mica keeps: the PIT timer, the PIC cascade, COM1 (its console). */
static bool irq_reserved(uint64_t irq)
{
	return irq == 0 || irq == 2 || irq == 4;
}

/* Frames of devices Mica drives: the local APICs, the I/O APIC(s) at the
 * standard window, the HPET. */
static bool iomem_reserved(uint64_t first, uint64_t last)
{
	const uint64_t pages[] = {
		acpi_info.lapic_base >> PAGE_SHIFT,
		acpi_info.hpet_base >> PAGE_SHIFT, 0xfec00, /* I/O APIC */
	};

	for (unsigned int i = 0; i < sizeof(pages) / sizeof(*pages); i++)
		if (pages[i] && first <= pages[i] && last >= pages[i])
			return true;
	return false;
}

/* Overlaps RAM in the firmware's memory map, or frames Mica gave out. */
static bool iomem_has_ram(uint64_t first, uint64_t last)
{
	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct memmap_entry *e = &boot_info.memmap[i];
		uint64_t s = e->start >> PAGE_SHIFT;
		uint64_t l = (e->start + e->size - 1) >> PAGE_SHIFT;

		if (e->type == MEMMAP_RAM && e->size && first <= l && last >= s)
			return true;
	}
	return false;
}

bool iomem_frame(mfn_t mfn)
{
	return mfn >= page_alloc_table_frames() ||
	       mfn_to_page(mfn)->owner == OWNER_NONE;
}

bool iomem_access_ok(const struct domain *d, mfn_t mfn)
{
	struct domain *dd = (struct domain *)d;
	unsigned long flags;
	bool ok;

	if (mfn > UINT32_MAX || iomem_reserved(mfn, mfn))
		return false;
	if (d->privileged)
		return true;
	flags = spin_lock_irqsave(&dd->arch.io_lock);
	ok = dd->arch.iomem &&
	     rangeset_contains(dd->arch.iomem, (uint32_t)mfn, (uint32_t)mfn);
	spin_unlock_irqrestore(&dd->arch.io_lock, flags);
	return ok;
}

bool irq_access_ok(const struct domain *d, unsigned int irq)
{
	struct domain *dd = (struct domain *)d;
	unsigned long flags;
	bool ok;

	if (irq > IRQ_PERMISSION_MAX || irq_reserved(irq))
		return false;
	if (d->privileged)
		return true;
	flags = spin_lock_irqsave(&dd->arch.io_lock);
	ok = dd->arch.irqs && rangeset_contains(dd->arch.irqs, irq, irq);
	spin_unlock_irqrestore(&dd->arch.io_lock, flags);
	return ok;
}

/* Grant, revoke or query [first, last] in one of d's sets (*s, created
 * at the first grant). */
static long permit(struct domain *d, struct rangeset **s, uint32_t first,
		   uint32_t last, unsigned int allow)
{
	struct rangeset *fresh = NULL;
	unsigned long flags;
	long rc;

	if (allow == 1 && !READ_ONCE(*s)) {
		fresh = xzalloc(sizeof(*fresh));
		if (!fresh)
			return -ENOMEM;
	}
	flags = spin_lock_irqsave(&d->arch.io_lock);
	if (d->arch.io_dead) {
		rc = -ESRCH;
	} else if (!*s) {
		/* Nothing held: revoking and asking are trivial. */
		rc = 0;
		if (allow == 1) {
			*s = fresh;
			fresh = NULL;
			rc = rangeset_add(*s, first, last);
		}
	} else if (allow == MICA_PERMISSION_QUERY) {
		rc = rangeset_contains(*s, first, last);
	} else if (allow) {
		rc = rangeset_add(*s, first, last);
	} else {
		rc = rangeset_remove(*s, first, last);
	}
	spin_unlock_irqrestore(&d->arch.io_lock, flags);
	xfree(fresh);
	return rc;
}

void iomem_domain_teardown(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&d->arch.io_lock);
	struct rangeset *iomem = d->arch.iomem, *irqs = d->arch.irqs;

	d->arch.iomem = d->arch.irqs = NULL;
	d->arch.io_dead = true;
	spin_unlock_irqrestore(&d->arch.io_lock, flags);
	xfree(iomem);
	xfree(irqs);
}

long iomem_permission(struct domain *d, uint64_t first, uint64_t nr,
		      unsigned int allow)
{
	uint64_t last = first + nr - 1;

	if (!nr || last < first || last > UINT32_MAX)
		return -EINVAL;
	if (iomem_has_ram(first, last))
		return -EINVAL;
	if (iomem_reserved(first, last))
		return -EPERM;
	if (d->privileged && allow == MICA_PERMISSION_QUERY)
		return 1;
	return permit(d, &d->arch.iomem, (uint32_t)first, (uint32_t)last,
		      allow);
}

long irq_permission(struct domain *d, uint64_t irq, uint64_t nr,
		    unsigned int allow)
{
	if (nr != 1 || irq > IRQ_PERMISSION_MAX)
		return -EINVAL;
	if (irq_reserved(irq))
		return -EPERM;
	if (d->privileged && allow == MICA_PERMISSION_QUERY)
		return 1;
	return permit(d, &d->arch.irqs, (uint32_t)irq, (uint32_t)irq, allow);
}
