/* SPDX-License-Identifier: MIT */
/*
 * Event channels for HVM guests: the upcall as an interrupt of the vcpu's
 * local APIC (public/vcpu.h MICA_VCPUOP_set_upcall_vector), and the guest
 * frames the event code keeps mapped (control blocks, array pages, a moved
 * vcpu_info), which for an HVM domain are gfns of its RAM.  docs/hvm.md
 * "Event channels".
 *
 * Raising (arch_evtchn_upcall, FIFO lock held, any CPU) and the vcpu's
 * own look before each entry (hvm_evtchn_pre_run) meet on two bytes of
 * vcpu_info and upcall_held:
 *   raiser:  pending 0 -> 1; mask 0: IRR.  Mask 1: held = 1, then mask
 *            again: 0 now, take held back and raise (the guest may have
 *            looked at held before we set it).
 *   guest:   mask = 0; fence; pending 1: a hypercall, so an exit.
 *   entry:   held, mask 0: take held back (exchange), and if pending is
 *            still 1, raise.
 * Each side stores before it loads, with full fences between, so one of
 * them sees the other's store; the exchange on held raises at most once.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/event.h>
#include <mica/sched.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>
#include <asm/page.h>
#include <public/shared_info.h>
#include <public/vcpu.h>

/* Takes the held upcall back and raises it if the guest still owes one. */
static void release_held(struct vcpu *v, struct mica_vcpu_info *vi)
{
	struct hvm_vcpu *h = v->arch.hvm;
	unsigned int vec = READ_ONCE(h->upcall_vector);

	if (!__atomic_exchange_n(&h->upcall_held, false, __ATOMIC_SEQ_CST))
		return;
	if (vec &&
	    __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
		vlapic_set_irq(v, vec);
}

static bool masked(const struct mica_vcpu_info *vi)
{
	return __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_SEQ_CST);
}

bool arch_evtchn_upcall(struct vcpu *v, struct mica_vcpu_info *vi,
			bool was_pending)
{
	struct hvm_vcpu *h = v->arch.hvm;
	unsigned int vec;

	if (!h)
		return false; /* PV: the bounce on the way back (pv/) */
	vec = READ_ONCE(h->upcall_vector);
	if (!vec)
		return false; /* no vector: only wakes (HLT, polls) */
	/* Raised (or held) once, at the 0 -> 1 change (rule 2). */
	if (!was_pending && !masked(vi)) {
		vlapic_set_irq(v, vec); /* kicks v, ends a HLT */
	} else if (!was_pending) {
		__atomic_store_n(&h->upcall_held, true, __ATOMIC_SEQ_CST);
		if (!masked(vi))
			release_held(v, vi);
	}
	/* A poll (SCHEDOP_poll, a device-model wait) ends at any event. */
	if (__atomic_load_n(&v->events.polling, __ATOMIC_SEQ_CST))
		evtchn_vcpu_wake(v);
	return true;
}

void hvm_evtchn_pre_run(struct vcpu *v)
{
	struct mica_vcpu_info *vi;

	if (!__atomic_load_n(&v->arch.hvm->upcall_held, __ATOMIC_SEQ_CST))
		return;
	vi = arch_vcpu_info(v);
	if (vi && !masked(vi))
		release_held(v, vi);
}

int arch_evtchn_set_upcall_vector(struct vcpu *v, unsigned int vector)
{
	struct hvm_vcpu *h = v->arch.hvm;
	struct mica_vcpu_info *vi;

	if (!h)
		return -EOPNOTSUPP; /* PV: the event callback (arch-x86/pv.h) */
	if (vector > 0xff || (vector && vector < MICA_UPCALL_VECTOR_MIN))
		return -EINVAL;
	WRITE_ONCE(h->upcall_vector, (uint8_t)vector);
	vi = arch_vcpu_info(v);
	/* Rule 4: an upcall already owed is raised by the vcpu's next entry
	 * (or at once if the mask is clear); kick it there. */
	if (vector && vi &&
	    __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&h->upcall_held, true, __ATOMIC_SEQ_CST);
		vcpu_kick(v);
	}
	return 0;
}

/*
 * A frame of d's RAM for the event code (mica/event.h).  HVM RAM stays
 * d's and mapped at its gfn until d is destroyed (the p2m only grows), and
 * d's ports are all closed before its memory goes, so no reference is
 * needed: put (pv/guest_frames.c) does nothing for HVM.
 */
int hvm_guest_frame_get(struct domain *d, uint64_t gfn, void **va)
{
	uint64_t mfn;

	if (gfn >= d->arch.hvm->nr_ram_pages)
		return -EINVAL;
	mfn = p2m_lookup(d, gfn);
	if (!mfn)
		return -EINVAL;
	*va = mfn_to_virt(mfn);
	return 0;
}
