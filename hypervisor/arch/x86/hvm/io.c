/* SPDX-License-Identifier: MIT */
/*
 * The HVM layer's emulation glue: guest page walks, the instruction
 * emulator (emulate.c) run against guest RAM, the MMIO devices (local
 * APIC, I/O APIC) and the ports, and the choice of the next interrupt for
 * the back end.
 */
#include <mica/domain.h>
#include <mica/lib.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>
#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/processor-flags.h>
#include <asm/x86_emulate.h>

#define CR4_PSE 0x10
#define EMUL_MAX_REPS 128 /* iterations of a rep per exit */

/* ------------------------------------------------------------------
 * Guest page walk (linear -> guest-physical), for emulated accesses
 * ---------------------------------------------------------------- */

static int walk(struct vcpu *v, uint64_t la, bool write, uint64_t *gpa)
{
	struct hvm_vcpu *h = v->arch.hvm;
	bool lma = h->efer & EFER_LMA, pae = h->cr4 & X86_CR4_PAE;
	bool user = h->cpl == 3;
	unsigned int levels, bits, esize;
	uint64_t table, amask;

	if (!(h->cr0 & X86_CR0_PG)) {
		*gpa = lma ? la : la & 0xffffffffULL;
		return 0;
	}
	if (lma) {
		levels = 4, bits = 9, esize = 8;
		table = h->cr3 & PTE_ADDR_MASK;
		amask = PTE_ADDR_MASK;
	} else if (pae) {
		uint64_t pdpte;

		if (hvm_copy_from_gpa(v->domain, &pdpte,
				      (h->cr3 & 0xffffffe0ULL) +
					      ((la >> 30) & 3) * 8,
				      8) ||
		    !(pdpte & PTE_P))
			return -1;
		levels = 2, bits = 9, esize = 8;
		table = pdpte & PTE_ADDR_MASK;
		amask = PTE_ADDR_MASK;
	} else {
		levels = 2, bits = 10, esize = 4;
		table = h->cr3 & 0xfffff000ULL;
		amask = 0xfffff000ULL;
	}
	for (unsigned int l = levels; l >= 1; l--) {
		unsigned int shift = 12 + bits * (l - 1);
		uint64_t e = 0;

		if (hvm_copy_from_gpa(v->domain, &e,
				      table + ((la >> shift) &
					       ((1ULL << bits) - 1)) *
						      esize,
				      esize) ||
		    !(e & PTE_P))
			return -1;
		if ((user && !(e & PTE_U)) ||
		    (write && !(e & PTE_W) && (user || (h->cr0 & X86_CR0_WP))))
			return -1;
		if (l > 1 && (e & PTE_PS) &&
		    (l == 2 ? (esize == 8 || (h->cr4 & CR4_PSE)) : lma)) {
			uint64_t pm = (1ULL << shift) - 1;

			*gpa = (e & amask & ~pm) | (la & pm);
			return 0;
		}
		table = e & amask;
	}
	*gpa = table | (la & (PAGE_SIZE - 1));
	return 0;
}

/* ------------------------------------------------------------------
 * MMIO devices
 * ---------------------------------------------------------------- */

static bool is_lapic(struct vcpu *v, uint64_t gpa)
{
	return (gpa & PAGE_MASK) == HVM_LAPIC_BASE &&
	       vlapic_xapic_mmio_enabled(v);
}

static bool is_ioapic(uint64_t gpa)
{
	return (gpa & PAGE_MASK) == HVM_IOAPIC_BASE;
}

/* 0, -1 (no device) or X86EMUL_RETRY (a device model must answer). */
static int mmio(struct vcpu *v, uint64_t gpa, unsigned int size, bool write,
		uint64_t *val)
{
	if (is_lapic(v, gpa))
		vlapic_mmio(v, gpa - HVM_LAPIC_BASE, size, write, val);
	else if (is_ioapic(gpa))
		vioapic_mmio(v->domain, gpa - HVM_IOAPIC_BASE, size, write,
			     val);
	else if (!hvm_ioreq_access(v, MICA_IOREQ_TYPE_MMIO, gpa, size, write,
				   val))
		return -1;
	else if (hvm_ioreq_waiting(v))
		return X86EMUL_RETRY;
	return 0;
}

static bool is_ram(struct domain *d, uint64_t gpa)
{
	return (gpa >> PAGE_SHIFT) < d->arch.hvm->nr_ram_pages &&
	       p2m_lookup(d, gpa >> PAGE_SHIFT);
}

/* An emulated access at a linear address: guest RAM (may cross a page)
 * or one device register (may not). */
static int access(struct vcpu *v, uint64_t la, unsigned int size, bool write,
		  uint64_t *val)
{
	uint8_t *buf = (uint8_t *)val;
	unsigned int done = 0;

	while (done < size) {
		unsigned int n = MIN(
			size - done,
			(unsigned int)(PAGE_SIZE - ((la + done) & ~PAGE_MASK)));
		uint64_t gpa;
		int rc;

		if (walk(v, la + done, write, &gpa))
			return -1;
		if (is_ram(v->domain, gpa)) {
			rc = write ? hvm_copy_to_gpa(v->domain, gpa, buf + done,
						     n) :
				     hvm_copy_from_gpa(v->domain, buf + done,
						       gpa, n);
			if (rc)
				return -1;
		} else if (done || n != size) {
			return -1;
		} else if ((rc = mmio(v, gpa, size, write, val))) {
			return rc;
		}
		done += n;
	}
	return 0;
}

static int emul_read(void *ctx, uint64_t la, unsigned int size, uint64_t *val)
{
	*val = 0;
	return access(ctx, la, size, false, val);
}

static int emul_write(void *ctx, uint64_t la, unsigned int size, uint64_t val)
{
	return access(ctx, la, size, true, &val);
}

static int emul_in(void *ctx, uint16_t port, unsigned int size, uint32_t *val)
{
	hvm_handle_io(ctx, port, size, true, val);
	return hvm_ioreq_waiting(ctx) ? X86EMUL_RETRY : 0;
}

static int emul_out(void *ctx, uint16_t port, unsigned int size, uint32_t val)
{
	hvm_handle_io(ctx, port, size, false, &val);
	return hvm_ioreq_waiting(ctx) ? X86EMUL_RETRY : 0;
}

static const struct x86_emulate_ops emul_ops = {
	.read = emul_read,
	.write = emul_write,
	.io_in = emul_in,
	.io_out = emul_out,
};

/* hvm_gprs <-> the x86 register encoding: hvm_gpr (exit.c). */
#define NR_GPRS 16

/* Fetches up to 15 bytes at cs:rip from guest RAM; the count. */
static unsigned int fetch_insn(struct vcpu *v, uint64_t la, uint8_t *buf)
{
	unsigned int got = 0;

	while (got < 15) {
		unsigned int n = MIN(
			15 - got,
			(unsigned int)(PAGE_SIZE - ((la + got) & ~PAGE_MASK)));
		uint64_t gpa;

		if (walk(v, la + got, false, &gpa) || !is_ram(v->domain, gpa) ||
		    hvm_copy_from_gpa(v->domain, buf + got, gpa, n))
			break;
		got += n;
	}
	return got;
}

void hvm_emulate_insn(struct vcpu *v)
{
	struct hvm_vcpu *h = v->arch.hvm;
	struct x86_emulate_ctx c = {
		.rip = h->regs.rip,
		.rflags = h->regs.rflags,
		.max_reps = EMUL_MAX_REPS,
		.ops = &emul_ops,
		.ops_ctx = v,
	};
	uint64_t la;
	int rc;

	c.mode = h->mode64 ? 8 : (h->cr0 & X86_CR0_PE) && h->cs_db ? 4 : 2;
	memcpy(c.seg_base, h->seg_base, sizeof(c.seg_base));
	for (unsigned int i = 0; i < NR_GPRS; i++)
		c.gpr[i] = *hvm_gpr(&h->regs, i);
	la = c.mode == 8 ? c.rip :
			   (h->seg_base[HVM_SEG_CS] + c.rip) & 0xffffffffULL;
	c.insn_len = fetch_insn(v, la, c.insn);
	if (!c.insn_len) {
		domain_crash(v->domain,
			     "cannot fetch the instruction to emulate at rip "
			     "%lx",
			     c.rip);
		return;
	}
	hvm_ioreq_emulate_begin(v, &c);
	rc = x86_emulate(&c);
	if (hvm_ioreq_emulate_end(v, &c, rc))
		return; /* a device model must answer first: nothing changed */
	if (rc == X86EMUL_UNHANDLED) {
		domain_crash(v->domain,
			     "cannot emulate the instruction at rip %lx (%02x "
			     "%02x %02x %02x %02x %02x)",
			     c.rip, c.insn[0], c.insn[1], c.insn[2], c.insn[3],
			     c.insn[4], c.insn[5]);
		return;
	}
	for (unsigned int i = 0; i < NR_GPRS; i++)
		*hvm_gpr(&h->regs, i) = c.gpr[i];
	h->regs.rip = c.rip;
	h->regs.rflags = c.rflags;
	if (rc == X86EMUL_FAULT)
		domain_crash(v->domain,
			     "emulated access at linear address %lx (rip %lx) "
			     "reaches neither RAM nor a device",
			     c.fault_la, c.rip);
}

bool hvm_insn_is_hlt(struct vcpu *v)
{
	const struct hvm_vcpu *h = v->arch.hvm;
	uint64_t la = h->mode64 ? h->regs.rip :
				  (h->seg_base[HVM_SEG_CS] + h->regs.rip) &
					  0xffffffffULL;
	uint64_t gpa;
	uint8_t op;

	return !walk(v, la, false, &gpa) && is_ram(v->domain, gpa) &&
	       !hvm_copy_from_gpa(v->domain, &op, gpa, 1) && op == 0xf4;
}

void hvm_handle_unmapped_access(struct vcpu *v, uint64_t gpa, bool write,
				bool fetch)
{
	/* A device there: emulate the instruction that reached it. */
	if (!fetch && (is_lapic(v, gpa) || is_ioapic(gpa) ||
		       hvm_ioreq_claims_mmio(v->domain, gpa))) {
		hvm_emulate_insn(v);
		return;
	}
	domain_crash(v->domain,
		     "nested page fault: %s at gpa %lx (rip %lx), not guest "
		     "memory and no device there",
		     fetch ? "fetch" :
		     write ? "write" :
			     "read",
		     gpa, v->arch.hvm->regs.rip);
}

/* ------------------------------------------------------------------
 * Interrupts for the back end
 * ---------------------------------------------------------------- */

#define COOKIE_PIC 0x100

int hvm_intr_next(struct vcpu *v)
{
	struct hvm_domain *hd = v->domain->arch.hvm;
	unsigned long flags;
	int vec;

	if (!v->arch.hvm->vlapic)
		return -1;
	vec = vlapic_pending(v);
	if (vec >= 0)
		return vec;
	if (v->id != 0 || !hd->platform || !vlapic_accepts_pic(v))
		return -1;
	flags = spin_lock_irqsave(&hd->io_lock);
	vec = vpic_pending(hd->platform);
	spin_unlock_irqrestore(&hd->io_lock, flags);
	return vec < 0 ? -1 : COOKIE_PIC | vec;
}

unsigned int hvm_intr_ack(struct vcpu *v, int cookie)
{
	struct hvm_domain *hd = v->domain->arch.hvm;
	unsigned long flags;
	unsigned int vec;

	if (!(cookie & COOKIE_PIC)) {
		vlapic_accept(v, (unsigned int)cookie & 0xff);
		return (unsigned int)cookie & 0xff;
	}
	flags = spin_lock_irqsave(&hd->io_lock);
	vec = vpic_ack(hd->platform);
	spin_unlock_irqrestore(&hd->io_lock, flags);
	return vec;
}
