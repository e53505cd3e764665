/* SPDX-License-Identifier: MIT */
/*
 * I/O port permissions: per domain, the ports dom0 granted (a range set);
 * per vcpu, the virtual IOPL and the guest's own I/O bitmap
 * (public/physdev.h).  Guests never get direct port access: the TSS has no
 * I/O bitmap and IOPL is 0, so every in/out traps and pv/emulate.c asks
 * here.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/sched.h>
#include <asm/cpu.h>
#include <asm/ioport.h>
#include <public/physdev.h>

/* Ports Mica drives itself, never a guest's. */
static const struct {
	uint16_t first, last;
} reserved_ports[] = {
	{ 0x20, 0x21 }, /* master PIC */
	{ 0x40, 0x43 }, /* PIT (time calibration) */
	{ 0x61, 0x61 }, /* PIT channel 2 gate */
	{ 0x70, 0x71 }, /* CMOS RTC (wall clock) */
	{ 0xa0, 0xa1 }, /* slave PIC */
	{ 0xe9, 0xe9 }, /* debug console */
	{ 0xf4, 0xf7 }, /* QEMU isa-debug-exit (machine exit) */
	{ 0x3f8, 0x3ff }, /* COM1, the console */
	{ 0x8900, 0x8900 }, /* Bochs shutdown port */
};

bool ioport_reserved(uint32_t port, unsigned int size)
{
	uint32_t last = port + size - 1;

	for (size_t i = 0; i < sizeof(reserved_ports) / sizeof(*reserved_ports);
	     i++)
		if (port <= reserved_ports[i].last &&
		    last >= reserved_ports[i].first)
			return true;
	return false;
}

int ioports_permit(struct domain *d, uint32_t first, uint32_t count, bool allow)
{
	unsigned long flags;
	int rc;

	if (count == 0 || first > 0xffff || count > 0x10000 - first)
		return -EINVAL;
	flags = spin_lock_irqsave(&d->arch.io_lock);
	rc = allow ? rangeset_add(&d->arch.ioports, first, first + count - 1) :
		     rangeset_remove(&d->arch.ioports, first,
				     first + count - 1);
	spin_unlock_irqrestore(&d->arch.io_lock, flags);
	return rc;
}

int ioport_held(struct domain *d, uint32_t first, uint32_t count)
{
	unsigned long flags = spin_lock_irqsave(&d->arch.io_lock);
	bool held =
		rangeset_contains(&d->arch.ioports, first, first + count - 1);

	spin_unlock_irqrestore(&d->arch.io_lock, flags);
	return held;
}

/* The vcpu's bitmap allows every port in the range (bits clear). */
static bool bitmap_allows(struct vcpu *v, uint32_t port, unsigned int size)
{
	uint32_t last = port + size - 1;
	uint8_t bits[2];
	bool user = !v->arch.kernel_mode && v->arch.cr3_user;
	int rc;

	if (last >= v->arch.iobitmap_nr_ports)
		return false;
	/* The bitmap is in kernel memory: read it with the kernel tables. */
	if (user)
		write_cr3(v->arch.cr3_kernel);
	rc = copy_from_guest(bits, v->arch.iobitmap_gaddr + port / 8,
			     last / 8 - port / 8 + 1);
	if (user)
		write_cr3(v->arch.cr3_user);
	if (rc)
		return false;
	for (uint32_t p = port; p <= last; p++)
		if (bits[p / 8 - port / 8] & (1u << (p % 8)))
			return false;
	return true;
}

bool ioport_access_ok(struct vcpu *v, uint32_t port, unsigned int size)
{
	struct domain *d = v->domain;
	unsigned int level = v->arch.kernel_mode ? 1 : 3;
	unsigned long flags;
	bool granted;

	if (port + size - 1 > 0xffff || ioport_reserved(port, size))
		return false;
	flags = spin_lock_irqsave(&d->arch.io_lock);
	granted = rangeset_contains(&d->arch.ioports, port, port + size - 1);
	spin_unlock_irqrestore(&d->arch.io_lock, flags);
	if (!granted)
		return false;
	return v->arch.iopl >= level || bitmap_allows(v, port, size);
}

long do_physdev_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	struct vcpu *v = current_vcpu();
	struct mica_physdev_set_iopl iopl;
	struct mica_physdev_set_iobitmap bm;

	(void)a3;
	(void)a4;
	(void)a5;
	switch (cmd) {
	case MICA_PHYSDEVOP_set_iopl:
		if (copy_from_guest(&iopl, arg, sizeof(iopl)))
			return -EFAULT;
		if (iopl.iopl > IOPL_MAX || iopl.pad0)
			return -EINVAL;
		v->arch.iopl = iopl.iopl;
		return 0;
	case MICA_PHYSDEVOP_set_iobitmap:
		if (copy_from_guest(&bm, arg, sizeof(bm)))
			return -EFAULT;
		if (bm.nr_ports > IOBITMAP_MAX_PORTS || bm.pad0)
			return -EINVAL;
		v->arch.iobitmap_gaddr = bm.nr_ports ? bm.bitmap_gaddr : 0;
		v->arch.iobitmap_nr_ports = bm.nr_ports;
		return 0;
	default:
		return -ENOSYS;
	}
}
