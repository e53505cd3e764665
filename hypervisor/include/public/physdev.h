/* SPDX-License-Identifier: MIT */
/*
 * physdev.h - MICA_HC_physdev_op: a PV domain's access to physical devices.
 * In ABI 1.0: I/O port privilege.  (Physical IRQ routing to event channels,
 * MSI and PCI device operations for dom0 and driver domains will be added
 * here as new sub-ops.)
 *
 *     long mica_physdev_op(uint32_t cmd, uint64_t arg_gaddr);
 *
 * Port I/O from a PV guest: `in`/`out` execute natively when the TSS I/O
 * bitmap the hypervisor builds allows it, else they trap to the hypervisor,
 * which applies the rules below and either emulates the access or delivers
 * #GP to the guest.  An access is allowed only if
 *   1. the domain was given the port by dom0 (domctl.h
 *      MICA_DOMCTL_ioport_permission), and
 *   2. the vcpu's virtual privilege allows it: the guest kernel counts as
 *      privilege level 1, guest user mode as 3; access is allowed when the
 *      virtual IOPL is >= that level, or, failing that, when the port's bit
 *      in the vcpu's I/O bitmap is clear.
 * Domains start with IOPL 0 and no bitmap (no access).  dom0 starts with
 * IOPL 1 and permission for every port except those the hypervisor uses
 * (its serial line, the PIT, the PIC/APIC ports).
 */
#ifndef MICA_PUBLIC_PHYSDEV_H
#define MICA_PUBLIC_PHYSDEV_H

#include "mica.h"

/*
 * MICA_PHYSDEVOP_set_iopl: set this vcpu's virtual IOPL (0..3).
 *   IN iopl.  Returns 0.  The value also appears as rflags.IOPL in frames
 *   the hypervisor pushes (arch-x86/pv.h).
 * Errors: -MICA_EFAULT, -MICA_EINVAL (iopl > 3, pad != 0).
 */
#define MICA_PHYSDEVOP_set_iopl 0

struct mica_physdev_set_iopl {
	uint32_t iopl; /* IN */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_physdev_set_iopl) == 8,
		   "mica_physdev_set_iopl");

/*
 * MICA_PHYSDEVOP_set_iobitmap: set this vcpu's I/O bitmap (as the TSS
 * bitmap: bit set = access denied) for ports 0..nr_ports-1; ports beyond
 * are denied.
 *   IN bitmap_gaddr  kernel virtual address of ceil(nr_ports / 8) bytes,
 *                    which must stay mapped: the hypervisor reads it when
 *                    an access needs it (it does not copy it).
 *   IN nr_ports      0..65536; 0 removes the bitmap.
 *   Returns 0.
 * Errors: -MICA_EFAULT, -MICA_EINVAL (nr_ports > 65536, pad != 0).
 */
#define MICA_PHYSDEVOP_set_iobitmap 1

struct mica_physdev_set_iobitmap {
	uint64_t bitmap_gaddr; /* IN */
	uint32_t nr_ports; /* IN */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_physdev_set_iobitmap) == 16,
		   "mica_physdev_set_iobitmap");

#endif /* MICA_PUBLIC_PHYSDEV_H */
