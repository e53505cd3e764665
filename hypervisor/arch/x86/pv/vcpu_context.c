/* SPDX-License-Identifier: MIT */
/*
 * Setting and reading a PV vcpu's whole state (mica/vcpu_context.h,
 * public/arch-x86/context.h).  Every field is checked as the hypercall
 * that sets it alone would check it.
 *
 * Not carried yet, and so refused unless empty on set: FPU state and the
 * virtual CR0.TS, the guest GDT and LDT, debug registers, I/O privilege
 * (their hypercalls are still to come).
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/vcpu_context.h>
#include <asm/layout.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <public/arch-x86/context.h>

#define KNOWN_FLAGS                                                  \
	(MICA_VGCF_IN_KERNEL | MICA_VGCF_ONLINE | MICA_VGCF_FPU_TS | \
	 MICA_VGCF_FPU_VALID)
/* rflags bits that must be 0: reserved ones, and VM (no virtual-8086). */
#define RFLAGS_RESERVED 0xfffffffffffe8028ULL
#define RFLAGS_IF 0x200ULL
#define RFLAGS_IOPL 0x3000ULL

static bool is_canonical(uint64_t va)
{
	return ((int64_t)va >> 47) == 0 || ((int64_t)va >> 47) == -1;
}

/* A guest entry point or stack: canonical, outside Mica's range. */
static bool guest_address_ok(uint64_t a)
{
	return a && guest_range_ok(a, 1);
}

/* sel is one of Mica's flat guest selectors with RPL 0 or 3. */
static bool selector_is(uint64_t sel, uint16_t flat)
{
	return (sel & ~3ULL) == (uint64_t)(flat & ~3) &&
	       ((sel & 3) == 0 || (sel & 3) == 3);
}

static bool data_selector_ok(uint64_t sel)
{
	return sel == 0 || selector_is(sel, GUEST_DS);
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static int check_regs(const struct mica_vcpu_guest_context *c)
{
	const struct mica_cpu_user_regs *r = &c->user_regs;
	unsigned int rpl = c->flags & MICA_VGCF_IN_KERNEL ? 0 : 3;

	if (!selector_is(r->cs, GUEST_CS64) && !selector_is(r->cs, GUEST_CS32))
		return -EINVAL;
	if ((r->cs & 3) != rpl || !selector_is(r->ss, GUEST_DS) ||
	    (r->ss & 3) != rpl)
		return -EINVAL;
	if (!data_selector_ok(r->ds) || !data_selector_ok(r->es) ||
	    !data_selector_ok(r->fs) || !data_selector_ok(r->gs))
		return -EINVAL;
	if (!is_canonical(r->rip) || !is_canonical(r->rsp) ||
	    (r->rflags & RFLAGS_RESERVED))
		return -EINVAL;
	return 0;
}

static int check_trap_table(const struct mica_trap_info *t)
{
	for (unsigned int i = 0; i < 256; i++) {
		const struct mica_trap_info *ti = &t[i];
		unsigned int dpl = ti->flags & MICA_TRAP_DPL_MASK;

		if (ti->vector != i || ti->pad0)
			return -EINVAL;
		if (!ti->address) {
			if (ti->flags || ti->cs)
				return -EINVAL;
			continue;
		}
		if ((ti->flags &
		     ~(MICA_TRAP_DPL_MASK | MICA_TRAP_MASK_EVENTS)) ||
		    dpl == 1 || dpl == 2 ||
		    (ti->cs != GUEST_CS64 && ti->cs != (GUEST_CS64 & ~3)) ||
		    !guest_address_ok(ti->address))
			return -EINVAL;
	}
	return 0;
}

static int check_callbacks(const struct mica_vcpu_guest_context *c)
{
	for (unsigned int i = 0; i < MICA_CALLBACK_SLOTS; i++) {
		uint64_t a = c->callback[i];
		uint16_t f = c->callback_flags[i];

		if (i > MICA_CALLBACK_nmi && (a || f))
			return -EINVAL; /* no such callback */
		if ((f & ~MICA_CALLBACKF_MASK_EVENTS) || (!a && f) ||
		    (a && !guest_address_ok(a)))
			return -EINVAL;
	}
	return 0;
}

/* Everything but the page-table bases, which need references. */
static int check_context(const struct mica_vcpu_guest_context *c)
{
	int rc;

	if ((c->flags & ~KNOWN_FLAGS) || c->pad0 || c->pad1 ||
	    !all_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	/* State whose hypercalls are still to come must be empty. */
	if ((c->flags & (MICA_VGCF_FPU_TS | MICA_VGCF_FPU_VALID)) ||
	    c->ldt_base || c->ldt_entries || c->gdt_entries ||
	    !all_zero(c->gdt_frames, sizeof(c->gdt_frames)) ||
	    !all_zero(c->debugreg, sizeof(c->debugreg)) || c->iopl ||
	    c->iobitmap_nr_ports || c->iobitmap_gaddr)
		return -EINVAL;
	rc = check_regs(c);
	if (!rc)
		rc = check_trap_table(c->trap_table);
	if (!rc)
		rc = check_callbacks(c);
	if (rc)
		return rc;
	if (c->kernel_ss || c->kernel_sp) {
		if (!selector_is(c->kernel_ss, GUEST_DS) ||
		    !guest_address_ok(c->kernel_sp))
			return -EINVAL;
	}
	if (!is_canonical(c->fs_base) || !is_canonical(c->gs_base_kernel) ||
	    !is_canonical(c->gs_base_user))
		return -EINVAL;
	/* One gs selector: the one user mode runs with. */
	if (!data_selector_ok(c->gs_user_sel) ||
	    c->gs_user_sel != c->user_regs.gs)
		return -EINVAL;
	return 0;
}

/* A type reference on an L4 of d, for a base pointer. */
static int get_l4(struct domain *d, uint64_t mfn)
{
	int rc = pv_get_page_and_type(mfn, d, PGT_L4);

	return rc == -EPERM ? -EINVAL : rc; /* not an L4 of the domain */
}

int arch_set_vcpu_context(struct vcpu *v,
			  const struct mica_vcpu_guest_context *c)
{
	struct domain *d = v->domain;
	struct arch_vcpu *a = &v->arch;
	const struct mica_cpu_user_regs *r = &c->user_regs;
	bool kernel = c->flags & MICA_VGCF_IN_KERNEL;
	paddr_t old_kernel = a->cr3_kernel, old_user = a->cr3_user;
	unsigned long flags;
	int rc = check_context(c);

	if (rc)
		return rc;
	flags = pv_mm_lock(d);
	rc = get_l4(d, c->kernel_pt_base_gfn);
	if (!rc && c->user_pt_base_gfn) {
		rc = get_l4(d, c->user_pt_base_gfn);
		if (rc)
			pv_put_page_and_type(c->kernel_pt_base_gfn, d);
	}
	if (!rc) {
		/* The new references are held: the old ones may go (they
		 * may name the same tables). */
		if (old_kernel)
			pv_put_page_and_type(old_kernel >> PAGE_SHIFT, d);
		if (old_user)
			pv_put_page_and_type(old_user >> PAGE_SHIFT, d);
	}
	pv_mm_unlock(d, flags);
	if (rc)
		return rc;

	a->cr3_kernel = c->kernel_pt_base_gfn << PAGE_SHIFT;
	a->cr3_user = c->user_pt_base_gfn << PAGE_SHIFT;
	a->kernel_mode = kernel;
	memset(&a->regs, 0, sizeof(a->regs));
	a->regs.r15 = r->r15;
	a->regs.r14 = r->r14;
	a->regs.r13 = r->r13;
	a->regs.r12 = r->r12;
	a->regs.rbp = r->rbp;
	a->regs.rbx = r->rbx;
	a->regs.r11 = r->r11;
	a->regs.r10 = r->r10;
	a->regs.r9 = r->r9;
	a->regs.r8 = r->r8;
	a->regs.rax = r->rax;
	a->regs.rcx = r->rcx;
	a->regs.rdx = r->rdx;
	a->regs.rsi = r->rsi;
	a->regs.rdi = r->rdi;
	a->regs.rip = r->rip;
	a->regs.cs = r->cs | 3; /* the guest runs in ring 3 either way */
	a->regs.rflags = (r->rflags & ~(RFLAGS_IF | RFLAGS_IOPL)) | 2;
	a->regs.rsp = r->rsp;
	a->regs.ss = GUEST_DS;
	a->ds = r->ds ? GUEST_DS : 0;
	a->es = r->es ? GUEST_DS : 0;
	a->fs = r->fs ? GUEST_DS : 0;
	a->gs = r->gs ? GUEST_DS : 0;
	a->fs_base = c->fs_base;
	a->gs_base = kernel ? c->gs_base_kernel : c->gs_base_user;
	a->gs_base_other = kernel ? c->gs_base_user : c->gs_base_kernel;
	memcpy(a->trap_table, c->trap_table, sizeof(a->trap_table));
	memcpy(a->callback, c->callback, sizeof(a->callback));
	memcpy(a->callback_flags, c->callback_flags, sizeof(a->callback_flags));
	a->kernel_ss = c->kernel_ss;
	a->kernel_sp = c->kernel_sp;
	return 0;
}

void arch_get_vcpu_context(const struct vcpu *v,
			   struct mica_vcpu_guest_context *c)
{
	const struct arch_vcpu *a = &v->arch;
	struct mica_cpu_user_regs *r = &c->user_regs;
	bool kernel = a->kernel_mode;

	memset(c, 0, sizeof(*c));
	c->flags = (kernel ? MICA_VGCF_IN_KERNEL : 0) |
		   (READ_ONCE(v->state) != VCPU_DOWN ? MICA_VGCF_ONLINE : 0);
	r->r15 = a->regs.r15;
	r->r14 = a->regs.r14;
	r->r13 = a->regs.r13;
	r->r12 = a->regs.r12;
	r->rbp = a->regs.rbp;
	r->rbx = a->regs.rbx;
	r->r11 = a->regs.r11;
	r->r10 = a->regs.r10;
	r->r9 = a->regs.r9;
	r->r8 = a->regs.r8;
	r->rax = a->regs.rax;
	r->rcx = a->regs.rcx;
	r->rdx = a->regs.rdx;
	r->rsi = a->regs.rsi;
	r->rdi = a->regs.rdi;
	r->rip = a->regs.rip;
	/* RPL shows the guest's own mode (context.h). */
	r->cs = (a->regs.cs & ~3ULL) | (kernel ? 0 : 3);
	r->rflags = a->regs.rflags;
	r->rsp = a->regs.rsp;
	r->ss = (GUEST_DS & ~3) | (kernel ? 0 : 3);
	r->ds = a->ds;
	r->es = a->es;
	r->fs = a->fs;
	r->gs = a->gs;
	for (unsigned int i = 0; i < 256; i++) {
		c->trap_table[i] = a->trap_table[i];
		c->trap_table[i].vector = (uint8_t)i;
	}
	c->kernel_ss = a->kernel_ss;
	c->kernel_sp = a->kernel_sp;
	c->kernel_pt_base_gfn = a->cr3_kernel >> PAGE_SHIFT;
	c->user_pt_base_gfn = a->cr3_user >> PAGE_SHIFT;
	memcpy(c->callback, a->callback, sizeof(c->callback));
	memcpy(c->callback_flags, a->callback_flags, sizeof(c->callback_flags));
	c->fs_base = a->fs_base;
	c->gs_base_kernel = kernel ? a->gs_base : a->gs_base_other;
	c->gs_base_user = kernel ? a->gs_base_other : a->gs_base;
	c->gs_user_sel = a->gs;
}
