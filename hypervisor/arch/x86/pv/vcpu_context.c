/* SPDX-License-Identifier: MIT */
/*
 * Setting and reading a PV vcpu's whole state (mica/vcpu_context.h,
 * public/arch-x86/context.h).  Every field is checked as the hypercall
 * that sets it alone would check it, sharing that hypercall's code: GDT
 * and LDT (pv/descriptors.c), debug registers (pv/debugreg.c), the FPU
 * image (asm/fpu.h), I/O privilege (asm/ioport.h).
 *
 * A set takes every new reference (L4s, then GDT and LDT frames) before it
 * drops any old one, so a refused context changes nothing and a frame the
 * old and new state share never loses its type in between.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/vcpu_context.h>
#include <asm/hvm.h>
#include <asm/debugreg.h>
#include <asm/fpu.h>
#include <asm/ioport.h>
#include <asm/layout.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/pv_desc.h>
#include <asm/pv_trap.h>
#include <public/arch-x86/context.h>
#include <public/mmu.h>

#define KNOWN_FLAGS                                                  \
	(MICA_VGCF_IN_KERNEL | MICA_VGCF_ONLINE | MICA_VGCF_FPU_TS | \
	 MICA_VGCF_FPU_VALID | MICA_VGCF_PIN_BASE)
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

/*
 * A data selector a context may hold: null, Mica's flat data selector (RPL
 * 0 or 3), or any RPL of an entry of the context's own GDT or LDT.  Whether
 * that entry loads is found out when the vcpu runs (pv.h: the failsafe
 * callback).
 */
static bool data_selector_ok(const struct mica_vcpu_guest_context *c,
			     uint64_t sel)
{
	uint64_t index = sel >> 3;

	if (sel < 4 || selector_is(sel, GUEST_DS))
		return true;
	if (sel > 0xffff)
		return false;
	if (sel & 4)
		return index < c->ldt_entries;
	return index < c->gdt_entries;
}

/* What a CPU register holds for an accepted data selector. */
static uint16_t data_selector_value(uint64_t sel)
{
	return selector_is(sel, GUEST_DS) ? GUEST_DS : (uint16_t)sel;
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
	if (!data_selector_ok(c, r->ds) || !data_selector_ok(c, r->es) ||
	    !data_selector_ok(c, r->fs) || !data_selector_ok(c, r->gs))
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

/*
 * The shape of the descriptor tables (their frames are checked when they
 * are typed): a GDT names exactly the frames its entries need, and an
 * absent GDT or LDT has no frames or base.
 */
static int check_desc_tables(const struct mica_vcpu_guest_context *c)
{
	unsigned int n;

	if (c->gdt_entries > MICA_GDT_FIRST_RESERVED_ENTRY ||
	    c->ldt_entries > MICA_LDT_MAX_ENTRIES ||
	    (!c->ldt_entries && c->ldt_base))
		return -EINVAL;
	n = (unsigned int)((c->gdt_entries + 511) / 512);
	if (!all_zero(c->gdt_frames + n,
		      (MICA_GDT_MAX_GUEST_FRAMES - n) * sizeof(uint64_t)))
		return -EINVAL;
	return 0;
}

/* Debug registers as set_debugreg would take them, into dr[]. */
static int check_debugregs(const struct mica_vcpu_guest_context *c,
			   uint64_t dr[8])
{
	for (unsigned int i = 0; i < 8; i++) {
		dr[i] = c->debugreg[i];
		if (i == 4 || i == 5) {
			if (dr[i])
				return -EINVAL;
		} else if (pv_debugreg_check(i, &dr[i])) {
			return -EINVAL;
		}
	}
	return 0;
}

/* Everything but what needs references (page tables, GDT, LDT frames);
 * the debug registers as they will be stored go to dr[]. */
static int check_context(const struct mica_vcpu_guest_context *c,
			 uint64_t dr[8])
{
	int rc;

	if ((c->flags & ~KNOWN_FLAGS) || c->pad0 || c->pad1 ||
	    !all_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	if ((c->flags & MICA_VGCF_FPU_VALID) && !fpu_legacy_image_ok(c->fpu))
		return -EINVAL;
	if (c->iopl > IOPL_MAX || c->iobitmap_nr_ports > IOBITMAP_MAX_PORTS ||
	    (!c->iobitmap_nr_ports && c->iobitmap_gaddr))
		return -EINVAL;
	rc = check_desc_tables(c);
	if (!rc)
		rc = check_debugregs(c, dr);
	if (!rc)
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
	if (!data_selector_ok(c, c->gs_user_sel) ||
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

/*
 * Takes the references the context needs: its L4s, then its GDT and LDT
 * (the LDT's frames are found through the new kernel tables).  All or
 * nothing; mm_lock held.
 */
static int take_references(struct domain *d,
			   const struct mica_vcpu_guest_context *c,
			   struct pv_gdt *gdt, struct pv_ldt *ldt)
{
	int rc = get_l4(d, c->kernel_pt_base_gfn);

	if (rc)
		return rc;
	if (c->user_pt_base_gfn) {
		rc = get_l4(d, c->user_pt_base_gfn);
		if (rc)
			goto err_put_kernel;
	}
	if (c->gdt_entries) {
		rc = pv_gdt_take(d, gdt, c->gdt_frames, c->gdt_entries);
		if (rc)
			goto err_put_user;
	}
	if (c->ldt_entries) {
		rc = pv_ldt_take(d, ldt, c->kernel_pt_base_gfn << PAGE_SHIFT,
				 c->ldt_base, c->ldt_entries);
		if (rc)
			goto err_put_gdt;
	}
	return 0;

err_put_gdt:
	pv_gdt_put(d, gdt);
err_put_user:
	if (c->user_pt_base_gfn)
		pv_put_page_and_type(c->user_pt_base_gfn, d);
err_put_kernel:
	pv_put_page_and_type(c->kernel_pt_base_gfn, d);
	return rc;
}

/* Drops what v's state held and installs the new tables; mm_lock held. */
static void swap_references(struct vcpu *v, struct pv_gdt *gdt,
			    struct pv_ldt *ldt)
{
	struct domain *d = v->domain;
	struct arch_vcpu *a = &v->arch;

	if (a->cr3_kernel)
		pv_put_page_and_type(a->cr3_kernel >> PAGE_SHIFT, d);
	if (a->cr3_user)
		pv_put_page_and_type(a->cr3_user >> PAGE_SHIFT, d);
	pv_gdt_put(d, &a->gdt);
	pv_ldt_put(d, &a->ldt);
	a->gdt = *gdt;
	a->ldt = *ldt;
}

int arch_set_vcpu_context(struct vcpu *v,
			  const struct mica_vcpu_guest_context *c)
{
	struct domain *d = v->domain;
	struct arch_vcpu *a = &v->arch;
	const struct mica_cpu_user_regs *r = &c->user_regs;
	bool kernel = c->flags & MICA_VGCF_IN_KERNEL;
	struct pv_gdt gdt = { .nr_frames = 0 };
	struct pv_ldt ldt = { .nr_frames = 0 };
	uint64_t dr[8];
	unsigned long flags;
	bool pin;
	int rc = check_context(c, dr);

	if (is_hvm_vcpu(v)) /* domctl.h: get/set_hvm_context instead */
		return -EINVAL;

	if (rc)
		return rc;
	flags = pv_mm_lock(d);
	/* MICA_VGCF_PIN_BASE: the pin's own type reference first (get_l4
	 * checks the frame is an L4 of d), kept only if not pinned yet. */
	pin = false;
	if (c->flags & MICA_VGCF_PIN_BASE) {
		rc = get_l4(d, c->kernel_pt_base_gfn);
		if (!rc && pv_page_pinned(c->kernel_pt_base_gfn))
			pv_put_page_and_type(c->kernel_pt_base_gfn, d);
		else if (!rc)
			pin = true;
		if (pin)
			pv_page_set_pinned(c->kernel_pt_base_gfn, true);
	}
	if (!rc)
		rc = take_references(d, c, &gdt, &ldt);
	if (!rc) {
		swap_references(v, &gdt, &ldt);
	} else if (pin) {
		pv_page_set_pinned(c->kernel_pt_base_gfn, false);
		pv_put_page_and_type(c->kernel_pt_base_gfn, d);
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
	a->ds = data_selector_value(r->ds);
	a->es = data_selector_value(r->es);
	a->fs = data_selector_value(r->fs);
	a->gs = data_selector_value(r->gs);
	a->fs_base = c->fs_base;
	a->gs_base = kernel ? c->gs_base_kernel : c->gs_base_user;
	a->gs_base_other = kernel ? c->gs_base_user : c->gs_base_kernel;
	for (unsigned int i = 0; i < 256; i++)
		a->trap_table[i] = pv_trap_pack(&c->trap_table[i]);
	memcpy(a->callback, c->callback, sizeof(a->callback));
	memcpy(a->callback_flags, c->callback_flags, sizeof(a->callback_flags));
	a->kernel_ss = c->kernel_ss;
	a->kernel_sp = c->kernel_sp;
	memcpy(a->debugreg, dr, sizeof(a->debugreg));
	a->iopl = c->iopl;
	a->iobitmap_gaddr = c->iobitmap_gaddr;
	a->iobitmap_nr_ports = c->iobitmap_nr_ports;
	if (c->flags & MICA_VGCF_FPU_VALID)
		fpu_area_set_legacy(&a->fpu, c->fpu);
	else
		fpu_area_init(&a->fpu);
	a->fpu_cpu = -1; /* no CPU's registers hold the new state */
	a->fpu_ts = c->flags & MICA_VGCF_FPU_TS;
	return 0;
}

void arch_get_vcpu_context(const struct vcpu *v,
			   struct mica_vcpu_guest_context *c)
{
	const struct arch_vcpu *a = &v->arch;
	struct mica_cpu_user_regs *r = &c->user_regs;
	bool kernel = a->kernel_mode;

	if (is_hvm_vcpu(v)) {
		memset(c, 0, sizeof(*c));
		return;
	}

	memset(c, 0, sizeof(*c));
	c->flags = (kernel ? MICA_VGCF_IN_KERNEL : 0) |
		   (READ_ONCE(v->state) != VCPU_DOWN ? MICA_VGCF_ONLINE : 0) |
		   (a->fpu_ts ? MICA_VGCF_FPU_TS : 0) | MICA_VGCF_FPU_VALID;
	fpu_area_get_legacy(&a->fpu, c->fpu);
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
	for (unsigned int i = 0; i < 256; i++)
		pv_trap_unpack(a->trap_table[i], i, &c->trap_table[i]);
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
	memcpy(c->gdt_frames, a->gdt.frames,
	       a->gdt.nr_frames * sizeof(uint64_t));
	c->gdt_entries = a->gdt.entries;
	c->ldt_base = a->ldt.base;
	c->ldt_entries = a->ldt.entries;
	memcpy(c->debugreg, a->debugreg, sizeof(c->debugreg));
	c->debugreg[4] = c->debugreg[5] = 0;
	c->iopl = a->iopl;
	c->iobitmap_nr_ports = a->iobitmap_nr_ports;
	c->iobitmap_gaddr = a->iobitmap_gaddr;
}
