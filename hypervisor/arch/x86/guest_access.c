/* SPDX-License-Identifier: MIT */
/* Guest memory access for hypercalls; see mica/guest_access.h. */
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/sched.h>
#include <asm/hvm.h>
#include <public/arch-x86/layout.h>

size_t raw_copy_guest(void *dst, const void *src, size_t len);

#define CANONICAL_LOW_END 0x0000800000000000ULL
#define CANONICAL_HIGH_START 0xffff800000000000ULL

__hot_path bool guest_range_ok(uint64_t gaddr, size_t len)
{
	uint64_t end = gaddr + len;

	if (end < gaddr)
		return false; /* wraps */
	if (gaddr < CANONICAL_LOW_END)
		return end <= CANONICAL_LOW_END;
	if (gaddr < CANONICAL_HIGH_START)
		return false; /* not canonical */
	/* High half: everything but Mica's reserved range. */
	return gaddr >= MICA_HYPERVISOR_VIRT_END ||
	       end <= MICA_HYPERVISOR_VIRT_START;
}

/* HVM callers name guest-physical addresses (public/hvm/hvm.h note 3). */
__hot_path int copy_from_guest(void *dst, uint64_t gaddr, size_t len)
{
	struct vcpu *v = current_vcpu();

	if (is_hvm_vcpu(v))
		return hvm_copy_from_gpa(v->domain, dst, gaddr, len);
	if (!guest_range_ok(gaddr, len))
		return -EFAULT;
	return raw_copy_guest(dst, (const void *)gaddr, len) ? -EFAULT : 0;
}

__hot_path int copy_to_guest(uint64_t gaddr, const void *src, size_t len)
{
	struct vcpu *v = current_vcpu();

	if (is_hvm_vcpu(v))
		return hvm_copy_to_gpa(v->domain, gaddr, src, len);
	if (!guest_range_ok(gaddr, len))
		return -EFAULT;
	return raw_copy_guest((void *)gaddr, src, len) ? -EFAULT : 0;
}
