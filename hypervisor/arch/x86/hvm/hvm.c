/* SPDX-License-Identifier: MIT */
/*
 * The HVM layer: back-end choice, HVM domains and vcpus, the run loop and
 * the exit handlers every back end shares (asm/hvm.h, docs/hvm.md).
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/perfc.h>
#include <mica/sched.h>
#include <mica/shutdown.h>
#include <mica/softirq.h>
#include <asm/cpu.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>
#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/smp.h>
#include <public/hvm/hvm.h>
#include <public/sched.h>
#include <public/vcpu.h>

#define RFLAGS_IF 0x200
#define MSR_K8_INT_PENDING_MSG 0xc0010055

const struct hvm_backend *hvm_backend;

void hvm_init(void)
{
	if (svm_supported())
		hvm_backend = &svm_backend;
	else if (vmx_supported())
		hvm_backend = &vmx_backend;
	if (hvm_backend)
		pr_info("HVM: %s with nested paging\n", hvm_backend->name);
	else
		pr_info("HVM: no usable SVM or VMX with nested paging; PV "
			"only\n");
}

void hvm_cpu_init(void)
{
	int rc;

	if (!hvm_backend)
		return;
	rc = hvm_backend->cpu_init();
	if (rc)
		panic("HVM: CPU%u cannot enable %s (%d)\n", this_cpu()->cpu_id,
		      hvm_backend->name, rc);
}

bool hvm_available(void)
{
	return hvm_backend != NULL;
}

int hvm_domain_create(struct domain *d)
{
	struct hvm_domain *hd;
	int rc;

	if (!hvm_backend)
		return -ENODEV;
	hd = xzalloc(sizeof(*hd));
	if (!hd)
		return -ENOMEM;
	spin_lock_init(&hd->io_lock);
	spin_lock_init(&hd->ioreq.lock);
	d->arch.hvm = hd;
	rc = p2m_init(d);
	if (!rc)
		rc = hvm_platform_create(d);
	if (rc) {
		p2m_destroy(d);
		d->arch.hvm = NULL;
		xfree(hd);
	}
	return rc;
}

void hvm_domain_destroy(struct domain *d)
{
	/* The platform first: its PIT timer delivers to the vcpus' APICs. */
	hvm_platform_destroy(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			hvm_vcpu_destroy(d->vcpus[i]);
	p2m_destroy(d);
	xfree(d->arch.hvm);
	d->arch.hvm = NULL;
}

int hvm_vcpu_create(struct vcpu *v)
{
	int rc;

	v->arch.hvm = xzalloc(sizeof(*v->arch.hvm));
	if (!v->arch.hvm)
		return -ENOMEM;
	rc = vlapic_create(v);
	if (!rc) {
		rc = hvm_backend->vcpu_create(v);
		if (rc)
			vlapic_destroy(v);
	}
	if (!rc) /* the CPU's reset state until a builder, SIPI or domctl */
		hvm_backend->vcpu_reset_real_mode(v, 0xf000, 0xfff0);
	if (rc) {
		xfree(v->arch.hvm);
		v->arch.hvm = NULL;
	}
	return rc;
}

void hvm_vcpu_destroy(struct vcpu *v)
{
	if (!v->arch.hvm)
		return;
	hvm_backend->vcpu_destroy(v);
	vlapic_destroy(v);
	xfree(v->arch.hvm);
	v->arch.hvm = NULL;
}

/*
 * The vcpu run loop.  It runs on the CPU's primary stack below the (unused)
 * PV frame, with interrupts off around each entry.  Softirqs come first:
 * one may switch to another vcpu (the stack is reset then, so nothing here
 * survives a switch), or stop this one (its domain crashed in an exit
 * handler).  Physical interrupts that arrive while the guest runs make it
 * exit; they are taken as soon as the back end re-enables them.
 */
void hvm_return_to_guest(void)
{
	struct vcpu *v = current_vcpu();

	for (;;) {
		local_irq_disable();
		if (softirq_pending()) {
			local_irq_enable();
			softirq_run();
			continue;
		}
		/* A request to a device model finishes first (it may block
		 * the vcpu: a schedule is then pending). */
		if (!hvm_ioreq_pre_run(v))
			continue;
		/* INIT and SIPI are applied by the vcpu to itself; an INIT
		 * takes it down (a schedule is then pending). */
		vlapic_vcpu_pre_run(v);
		/* An event upcall the mask held back (hvm/evtchn.c). */
		hvm_evtchn_pre_run(v);
		if (v->state != VCPU_RUNNABLE || softirq_pending())
			continue;
		hvm_backend->vcpu_run(v);
	}
}

/* --------------------------------------------------------------------
 * Guest-physical memory (hypercall buffers: public/hvm/hvm.h note 3)
 * ------------------------------------------------------------------ */

static int copy_gpa(struct domain *d, void *buf, uint64_t gpa, size_t len,
		    bool to_guest)
{
	uint8_t *b = buf;

	if (gpa + len < gpa)
		return -EFAULT;
	while (len) {
		uint64_t off = gpa & (PAGE_SIZE - 1);
		size_t n = MIN(len, (size_t)(PAGE_SIZE - off));
		uint64_t mfn = p2m_lookup(d, gpa >> PAGE_SHIFT);
		uint8_t *p;

		if (!mfn || (gpa >> PAGE_SHIFT) >= d->arch.hvm->nr_ram_pages)
			return -EFAULT;
		p = (uint8_t *)mfn_to_virt(mfn) + off;
		if (to_guest)
			memcpy(p, b, n);
		else
			memcpy(b, p, n);
		b += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int hvm_copy_from_gpa(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
	return copy_gpa(d, dst, gpa, len, false);
}

int hvm_copy_to_gpa(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
	return copy_gpa(d, (void *)src, gpa, len, true);
}

/* --------------------------------------------------------------------
 * Exit handlers shared by the back ends
 * ------------------------------------------------------------------ */

/* CPUID.1: what HVM guests do not get (yet) on top of the PV filter:
 * XSAVE/OSXSAVE/AVX (XCR0 is not switched for HVM yet); and what they
 * get from the emulated platform: the local APIC, x2APIC, TSC deadline. */
#define HVM_C1_ECX_HIDE \
	((1u << 26) | (1u << 27) | (1u << 28) | (1u << 12) | (1u << 29))
#define HVM_C1_ECX_SHOW ((1u << 21) | (1u << 24))
#define HVM_C1_EDX_SHOW (1u << 9)

void hvm_handle_cpuid(struct vcpu *v)
{
	struct hvm_gprs *r = &v->arch.hvm->regs;
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx, out[4];

	guest_cpuid(v, leaf, sub, out);
	switch (leaf) {
	case 1:
		out[1] = (out[1] & 0x00ffffffu) | (v->id << 24); /* APIC ID */
		out[2] = (out[2] & ~HVM_C1_ECX_HIDE) | HVM_C1_ECX_SHOW;
		out[3] |= HVM_C1_EDX_SHOW;
		break;
	case 0xb:
		out[3] = v->id; /* x2APIC ID */
		break;
	case 7:
		if (sub == 0)
			out[1] &= ~(1u << 5); /* AVX2 */
		break;
	case 0xd:
		out[0] = out[1] = out[2] = out[3] = 0;
		break;
	case MICA_CPUID_LEAF_BASE:
		out[0] = MICA_CPUID_LEAF_HVM;
		break;
	case MICA_CPUID_LEAF_HVM:
		out[0] = MICA_MSR_HYPERCALL_PAGE;
		out[1] = MICA_HVM_FEATURE_HAP;
		out[2] = out[3] = 0;
		break;
	default:
		break;
	}
	r->rax = out[0];
	r->rbx = out[1];
	r->rcx = out[2];
	r->rdx = out[3];
}

void hvm_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
		   uint32_t *val)
{
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

	struct hvm_domain *hd = v->domain->arch.hvm;
	unsigned long flags;
	bool claimed;

	if (in)
		*val = mask; /* P2: nothing decodes the port */
	if (size == 1 && hvm_uart_io(v, port, in, val))
		return;
	flags = spin_lock_irqsave(&hd->io_lock);
	claimed = (size == 1 && vpic_io(hd->platform, port, in, val)) ||
		  vpt_io(v, port, size, in, val);
	spin_unlock_irqrestore(&hd->io_lock, flags);
	if (in && !claimed)
		*val = mask;
	if (!claimed) { /* a device model's (hvm/ioreq.c)? */
		uint64_t data = *val;

		if (hvm_ioreq_access(v, MICA_IOREQ_TYPE_PIO, port, size, !in,
				     &data) &&
		    in)
			*val = (uint32_t)data;
	}
	if (in)
		*val &= mask;
}

static void hypercall_page_fill(uint8_t *page)
{
	const uint8_t *insn = hvm_backend->hypercall_insn;

	memset(page, 0xcc, PAGE_SIZE);
	for (unsigned int n = 0; n < MICA_HYPERCALL_PAGE_SLOTS; n++) {
		uint8_t *slot = page + n * MICA_HYPERCALL_SLOT_SIZE;

		slot[0] = 0xb8; /* mov $n, %eax */
		slot[1] = (uint8_t)n;
		slot[2] = slot[3] = slot[4] = 0;
		memcpy(&slot[5], insn, 3); /* vmmcall / vmcall */
		slot[8] = 0xc3; /* ret */
	}
}

int hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int rc;

	if (vlapic_msr(v, msr, false, val, &rc))
		return rc;
	switch (msr) {
	case MICA_MSR_HYPERCALL_PAGE:
		*val = v->domain->arch.hvm->hypercall_page_gpa;
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc();
		return 0;
	case MSR_K8_INT_PENDING_MSG:
		*val = 0; /* P3: no interrupt-pending message, no C1E */
		return 0;
	default:
		return -1;
	}
}

int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct hvm_domain *hd = v->domain->arch.hvm;
	uint64_t mfn;
	int rc;

	if (vlapic_msr(v, msr, true, &val, &rc))
		return rc;
	switch (msr) {
	case MICA_MSR_HYPERCALL_PAGE:
		/* Note 1 of hvm.h: an aligned page of the guest's RAM. */
		if ((val & (PAGE_SIZE - 1)) ||
		    (val >> PAGE_SHIFT) >= hd->nr_ram_pages)
			return -1;
		mfn = p2m_lookup(v->domain, val >> PAGE_SHIFT);
		if (!mfn)
			return -1;
		hypercall_page_fill(mfn_to_virt(mfn));
		hd->hypercall_page_gpa = val;
		return 0;
	default:
		return -1;
	}
}

/* public/vcpu.h MICA_VCPUOP_set_upcall_vector rule 6: the vcpu_op
 * sub-ops that do not assume a PV vcpu. */
static bool vcpu_op_allowed(uint64_t cmd)
{
	switch (cmd) {
	case MICA_VCPUOP_is_up:
	case MICA_VCPUOP_get_runstate:
	case MICA_VCPUOP_register_info:
	case MICA_VCPUOP_set_periodic_timer:
	case MICA_VCPUOP_stop_periodic_timer:
	case MICA_VCPUOP_set_singleshot_timer:
	case MICA_VCPUOP_stop_singleshot_timer:
	case MICA_VCPUOP_set_upcall_vector:
		return true;
	default:
		return false;
	}
}

/* public/hvm/hvm.h note 4: what an HVM guest may call so far. */
static bool hypercall_allowed(uint64_t nr, uint64_t cmd)
{
	switch (nr) {
	case MICA_HC_version:
	case MICA_HC_console_io:
	case MICA_HC_sched_op:
	case MICA_HC_event_channel_op:
		return true;
	case MICA_HC_vcpu_op:
		return vcpu_op_allowed(cmd);
	default:
		return false;
	}
}

void hvm_handle_hypercall(struct vcpu *v)
{
	struct hvm_gprs *r = &v->arch.hvm->regs;
	uint64_t mask = v->arch.hvm->mode64 ? ~0ULL : 0xffffffffULL;
	uint64_t nr = r->rax & mask;

	perfc_incr(hypercalls);
	if (v->arch.hvm->cpl != 0)
		r->rax = (uint64_t)-EPERM;
	else if (!hypercall_allowed(nr, r->rdi & mask))
		r->rax = (uint64_t)-ENOSYS;
	else
		r->rax = (uint64_t)hypercall_dispatch(
			nr, r->rdi & mask, r->rsi & mask, r->rdx & mask,
			r->r10 & mask, r->r8 & mask);
}

/* hvm.h P5.  With interrupts off nothing can wake the vcpu: it goes down,
 * and with it the domain when no other vcpu is up. */
void hvm_handle_hlt(struct vcpu *v)
{
	struct domain *d = v->domain;
	bool any_up = false;

	if (v->arch.hvm->interrupts_enabled) {
		hvm_evtchn_pre_run(v); /* a held upcall is due now */
		vcpu_block();
		if (hvm_intr_next(v) >= 0 || v->arch.hvm->init_pending)
			vcpu_unblock(v);
		return;
	}
	/* P5: only a startup IPI from another vcpu brings it back. */
	__atomic_store_n(&v->arch.hvm->wait_sipi, true, __ATOMIC_RELEASE);
	vcpu_stop(v);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i] && d->vcpus[i]->state != VCPU_DOWN)
			any_up = true;
	if (!any_up) {
		pr_info("domain %u (%s): vcpu %u halted with interrupts off, "
			"no vcpu left\n",
			d->id, d->name, v->id);
		domain_shutdown(d, MICA_SHUTDOWN_poweroff);
	}
}
