/* SPDX-License-Identifier: MIT */
/*
 * A vcpu's complete guest state as the ABI exchanges it
 * (public/arch-x86/context.h): MICA_VCPUOP_initialise and
 * MICA_DOMCTL_get/set_vcpu_context.
 */
#ifndef MICA_VCPU_CONTEXT_H
#define MICA_VCPU_CONTEXT_H

struct vcpu;
struct mica_vcpu_guest_context;

/*
 * Validates ctx completely (context.h note 2) and makes it v's state.  The
 * kernel (and user, if not 0) L4 is validated and takes a type reference
 * held for the vcpu, and so does each GDT and LDT frame (seg_desc); the
 * references of v's older state are dropped only then.  v must not be
 * running (down or paused); the caller serialises calls for one vcpu.  0,
 * or -EINVAL (bad field, non-zero padding, an L4 that is not the domain's
 * or does not validate, a descriptor frame that does not validate),
 * -EBUSY (an L4 or descriptor frame has another type, mmu.h T1), -EPERM
 * (a descriptor frame not the domain's), -EFAULT (the LDT is not mapped
 * by the new kernel tables), -ENOMEM; v is unchanged on failure.
 */
int arch_set_vcpu_context(struct vcpu *v,
			  const struct mica_vcpu_guest_context *ctx);

/* Fills ctx with v's state; v must not be running. */
void arch_get_vcpu_context(const struct vcpu *v,
			   struct mica_vcpu_guest_context *ctx);

#endif
