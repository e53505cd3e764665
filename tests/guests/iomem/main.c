/* SPDX-License-Identifier: MIT */
/*
 * Device permissions (public/domctl.h ioport/iomem/irq_permission, mmu.h
 * T4a): dom0 and a hostile domU (iomem/domains).
 *   dom0 maps an MMIO frame (the VGA window at 0xa0000, a hole in the
 *   memory map) with mmu_update and MICA_DOMID_IO, but not Mica's local
 *   APIC or HPET; refused permissions: empty, overflowing and too large
 *   ranges, RAM (wholly or partly), Mica's devices, IRQs beyond 255 or
 *   Mica's, bad allow values and padding, a missing domain, a 33rd
 *   separate range; queries answer what is held.
 *   The domU cannot map the frame before dom0 gives it frames 0xa0-0xaf
 *   (it reports that first; dom0 waits for the line), then can map the
 *   first and last of them but not the next one, Mica's APIC or RAM that
 *   is not its own; with port 0x80 given it writes there at IOPL 1; every
 *   permission domctl it tries on itself is refused; once dom0 revokes the
 *   frames, new mappings are refused again.
 */
#include "logwait.h"
#include "test.h"
#include "vcpu.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/mmu.h"
#include "public/physdev.h"
#include "public/sched.h"

const char test_title[] = "I/O memory, IRQ and port permissions";

#define VGA_MFN 0xa0ULL
#define GRANTED 16
#define LAPIC_MFN 0xfee00ULL
#define HPET_MFN 0xfed00ULL
#define RAM_MFN 0x100ULL /* 1 MiB: RAM, never a domU's */
#define WAIT_NS 30000000000ULL

static long domctl_perm(uint32_t cmd, uint16_t domid, uint64_t first,
			uint64_t nr, uint8_t allow)
{
	struct mica_domctl op = { 0 };

	op.cmd = cmd;
	op.interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op.domid = domid;
	op.u.permission.first = first;
	op.u.permission.nr = nr;
	op.u.permission.allow = allow;
	return hypercall_domctl(&op);
}

static long iomem(uint16_t domid, uint64_t first, uint64_t nr, uint8_t allow)
{
	return domctl_perm(MICA_DOMCTL_iomem_permission, domid, first, nr,
			   allow);
}

static uint64_t spare_va(void)
{
	return boot_mapping_end() - 2 * 4096;
}

/* Maps mfn at the spare page (writable) with mmu_update. */
static long map_mfn(uint64_t mfn, uint16_t foreign)
{
	struct mica_mmu_update u = { guest_l1e_maddr(spare_va()),
				     (mfn << 12) | PTE_P | PTE_W };

	return HYPERCALL5(MICA_HC_mmu_update, &u, 1, 0, foreign, 0);
}

/* Puts the spare page's own frame back. */
static void unmap(uint64_t own_mfn)
{
	if (map_mfn(own_mfn, MICA_DOMID_SELF))
		test_error("cannot restore the spare page");
	static const struct mica_mmuext_op flush = {
		MICA_MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 0
	};

	HYPERCALL5(MICA_HC_mmuext_op, &flush, 1, 0, MICA_DOMID_SELF, 0);
}

static void dom0_errors(void)
{
	struct mica_domctl op = { 0 };

	test_expect_rc(iomem(1, VGA_MFN, 0, 1), -MICA_EINVAL, "0 frames");
	test_expect_rc(iomem(1, ~0ULL, 2, 1), -MICA_EINVAL, "wrapping range");
	test_expect_rc(iomem(1, 1ULL << 32, 1, 1), -MICA_EINVAL, "frame 2^32");
	test_expect_rc(iomem(1, RAM_MFN, 1, 1), -MICA_EINVAL, "a RAM frame");
	test_expect_rc(iomem(1, 0x9f, 2, 1), -MICA_EINVAL,
		       "a range starting in RAM");
	test_expect_rc(iomem(1, 0xf0, 0x20, 1), -MICA_EINVAL,
		       "a range running into RAM");
	test_expect_rc(iomem(1, LAPIC_MFN - 1, 3, 1), -MICA_EPERM,
		       "Mica's local APIC");
	test_expect_rc(iomem(1, HPET_MFN, 1, 1), -MICA_EPERM, "Mica's HPET");
	test_expect_rc(iomem(1, VGA_MFN, 1, 3), -MICA_EINVAL, "allow 3");
	test_expect_rc(iomem(99, VGA_MFN, 1, 1), -MICA_ESRCH, "no domain 99");
	op.cmd = MICA_DOMCTL_iomem_permission;
	op.interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op.domid = 1;
	op.u.permission.first = VGA_MFN;
	op.u.permission.nr = 1;
	op.u.permission.allow = 1;
	op.u.permission.pad0[6] = 1;
	test_expect_rc(hypercall_domctl(&op), -MICA_EINVAL, "padding");

	test_expect_rc(domctl_perm(MICA_DOMCTL_irq_permission, 1, 256, 1, 1),
		       -MICA_EINVAL, "IRQ 256");
	test_expect_rc(domctl_perm(MICA_DOMCTL_irq_permission, 1, 10, 2, 1),
		       -MICA_EINVAL, "two IRQs");
	for (unsigned int irq = 0; irq <= 4; irq += 2)
		test_expect_rc(domctl_perm(MICA_DOMCTL_irq_permission, 1, irq,
					   1, 1),
			       -MICA_EPERM, "Mica's IRQ %u", irq);
	test_expect_rc(domctl_perm(MICA_DOMCTL_ioport_permission, 1, 0xffff, 2,
				   1),
		       -MICA_EINVAL, "ports beyond 65535");

	/* 32 separate ranges fit, a 33rd does not; all go again. */
	for (unsigned int i = 0; i < 32; i++)
		test_expect_rc(iomem(1, 0xb0 + 2 * i, 1, 1), 0, "range %u", i);
	test_expect_rc(iomem(1, 0xb0 + 64, 1, 1), -MICA_ENOSPC, "a 33rd range");
	test_expect_rc(iomem(1, 0xb0, 64, 0), 0, "revoke the 32 ranges");
	test_expect_rc(iomem(1, 0xb0, 1, MICA_PERMISSION_QUERY), 0,
		       "query a revoked frame");
}

static void dom0(void)
{
	static const char *const refused[] = { "(d1) iomem: refused" };
	static const char *const mapped[] = { "(d1) iomem: mapped" };
	static const char *const done[] = { "(d1) Test result: SUCCESS" };
	uint64_t own = guest_va_to_mfn(spare_va());
	bool seen = false;

	printk("dom0 maps MMIO frames\n");
	if (test_expect_rc(map_mfn(VGA_MFN, MICA_DOMID_IO), 0,
			   "dom0 maps frame %#llx", VGA_MFN)) {
		(void)*(volatile uint8_t *)spare_va();
		unmap(own);
	}
	test_expect_rc(map_mfn(LAPIC_MFN, MICA_DOMID_IO), -MICA_EPERM,
		       "dom0 maps Mica's local APIC");
	test_expect_rc(map_mfn(HPET_MFN, MICA_DOMID_SELF), -MICA_EPERM,
		       "dom0 maps Mica's HPET");
	test_expect_rc(iomem(0, VGA_MFN, GRANTED, MICA_PERMISSION_QUERY), 1,
		       "dom0 holds the VGA window");
	test_expect_rc(iomem(0, LAPIC_MFN, 1, MICA_PERMISSION_QUERY),
		       -MICA_EPERM, "query Mica's local APIC");

	printk("refused permissions\n");
	dom0_errors();

	printk("permissions for d1\n");
	if (log_wait_for(refused, &seen, 1, 30) != 1) {
		test_fail("d1 never reported its refused mapping");
		return;
	}
	test_expect_rc(iomem(1, VGA_MFN, GRANTED, MICA_PERMISSION_QUERY), 0,
		       "d1 holds nothing yet");
	test_expect_rc(domctl_perm(MICA_DOMCTL_ioport_permission, 1, 0x80, 1,
				   1),
		       0, "give d1 port 0x80");
	test_expect_rc(domctl_perm(MICA_DOMCTL_irq_permission, 1, 10, 1, 1), 0,
		       "give d1 IRQ 10");
	test_expect_rc(domctl_perm(MICA_DOMCTL_irq_permission, 1, 10, 1,
				   MICA_PERMISSION_QUERY),
		       1, "d1 holds IRQ 10");
	test_expect_rc(domctl_perm(MICA_DOMCTL_irq_permission, 1, 10, 1, 0), 0,
		       "revoke IRQ 10");
	test_expect_rc(domctl_perm(MICA_DOMCTL_irq_permission, 1, 10, 1,
				   MICA_PERMISSION_QUERY),
		       0, "IRQ 10 revoked");
	test_expect_rc(iomem(1, VGA_MFN, GRANTED, 1), 0, "give d1 frames");
	test_expect_rc(iomem(1, VGA_MFN, GRANTED, MICA_PERMISSION_QUERY), 1,
		       "d1 holds its frames");
	test_expect_rc(iomem(1, VGA_MFN, GRANTED + 1, MICA_PERMISSION_QUERY), 0,
		       "d1 does not hold one more");

	seen = false;
	if (log_wait_for(mapped, &seen, 1, 30) != 1) {
		test_fail("d1 never mapped its frames");
		return;
	}
	test_expect_rc(iomem(1, VGA_MFN, GRANTED, 0), 0, "revoke d1's frames");
	seen = false;
	if (log_wait_for(done, &seen, 1, 30) != 1)
		test_fail("d1 did not succeed");
}

/* Retries mapping VGA_MFN until it returns 'want' (about WAIT_NS at
 * most, counted in TSC ticks of at least 1 GHz); the spare page's own
 * frame is put back after a mapping that was not wanted. */
static bool map_until(long want, uint64_t own)
{
	uint64_t end = rdtsc() + WAIT_NS * 4;
	long rc;

	while ((rc = map_mfn(VGA_MFN, MICA_DOMID_IO)) != want) {
		if (!rc)
			unmap(own);
		if (rdtsc() > end)
			return false;
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	}
	return true;
}

static void domu(void)
{
	uint64_t own = guest_va_to_mfn(spare_va());
	struct mica_physdev_set_iopl iopl = { 1, 0 };

	test_expect_rc(map_mfn(VGA_MFN, MICA_DOMID_IO), -MICA_EPERM,
		       "map frame %#llx before permission", VGA_MFN);
	test_expect_rc(map_mfn(VGA_MFN, MICA_DOMID_SELF), -MICA_EPERM,
		       "map it as our own");
	test_expect_rc(iomem(MICA_DOMID_SELF, VGA_MFN, 1, 1), -MICA_EPERM,
		       "a domU gives itself frames");
	test_expect_rc(iomem(1, VGA_MFN, 1, MICA_PERMISSION_QUERY), -MICA_EPERM,
		       "a domU queries");
	test_expect_rc(domctl_perm(MICA_DOMCTL_irq_permission, 1, 10, 1, 1),
		       -MICA_EPERM, "a domU gives itself an IRQ");
	test_expect_rc(domctl_perm(MICA_DOMCTL_ioport_permission, 1, 0x80, 1,
				   1),
		       -MICA_EPERM, "a domU gives itself a port");
	printk("iomem: refused before permission\n");

	if (!map_until(0, own)) {
		test_fail("never allowed to map frame %#llx", VGA_MFN);
		return;
	}
	(void)*(volatile uint8_t *)spare_va();
	unmap(own);
	test_expect_rc(map_mfn(VGA_MFN + GRANTED - 1, MICA_DOMID_SELF), 0,
		       "map the last frame given");
	unmap(own);
	test_expect_rc(map_mfn(VGA_MFN + GRANTED, MICA_DOMID_IO), -MICA_EPERM,
		       "map the frame after them");
	test_expect_rc(map_mfn(LAPIC_MFN, MICA_DOMID_IO), -MICA_EPERM,
		       "map Mica's local APIC");
	test_expect_rc(map_mfn(RAM_MFN, MICA_DOMID_IO), -MICA_EPERM,
		       "map RAM that is not ours through DOMID_IO");
	test_expect_rc(map_mfn(0x100000, MICA_DOMID_IO), -MICA_EPERM,
		       "map a frame beyond RAM (4 GiB)");
	/* Port 0x80 was given before the frames: write it at IOPL 1. */
	test_expect_rc(HYPERCALL5(MICA_HC_physdev_op, MICA_PHYSDEVOP_set_iopl,
				  &iopl, 0, 0, 0),
		       0, "set IOPL 1");
	__asm__ __volatile__("outb %%al, $0x80" : : "a"(0x42));
	printk("iomem: mapped and wrote port 0x80\n");

	if (!map_until(-MICA_EPERM, own))
		test_fail("frame %#llx still mappable after revocation",
			  VGA_MFN);
}

void test_main(void)
{
	if (start_info->flags & MICA_START_INFO_INITDOMAIN)
		dom0();
	else
		domu();
	test_pass();
}
