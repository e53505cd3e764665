/* SPDX-License-Identifier: MIT */
/*
 * The exit-handling steps SVM and VMX share (arch/x86/hvm/exit.c): the
 * EFER and PAT rules, RDMSR/WRMSR on edx:eax, port I/O results on rax,
 * the interrupt-injection decision, taking a pending NMI, nested-fault
 * dispatch and the context's registers, against
 * fake platform functions that record their calls.
 */
#include <string.h>

#include "harness.h"

#include <mica/domain.h>
#include <mica/errno.h>
#include <asm/hvm.h>
#include <asm/msr-index.h>
#include <public/hvm/hvm.h>

/* Fakes of what exit.c calls. */
static uint32_t io_result;
static unsigned int io_calls, io_size;
static bool io_in;
static int next_cookie = -1;
static unsigned int acks, crashes, unmapped;
static uint64_t mapped_gfn = 5;

void hvm_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
		   uint32_t *val)
{
	(void)v;
	(void)port;
	io_calls++;
	io_size = size;
	io_in = in;
	if (in)
		*val = io_result;
}

int hvm_intr_next(struct vcpu *v)
{
	(void)v;
	return next_cookie;
}

unsigned int hvm_intr_ack(struct vcpu *v, int cookie)
{
	(void)v;
	acks++;
	return (unsigned int)cookie & 0xff;
}

uint64_t p2m_lookup(struct domain *d, uint64_t gfn)
{
	(void)d;
	return gfn == mapped_gfn ? 0x1234 : 0;
}

void hvm_handle_unmapped_access(struct vcpu *v, uint64_t gpa, bool write,
				bool fetch)
{
	(void)v;
	(void)gpa;
	(void)write;
	(void)fetch;
	unmapped++;
}

/* The common MSRs: 0x10 reads msr_value, writes store it unless it is
 * odd; any other MSR is refused. */
static uint64_t msr_value;
static unsigned int msr_calls;

int hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	msr_calls++;
	if (msr != 0x10)
		return -1;
	*val = msr_value;
	return 0;
}

int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)v;
	msr_calls++;
	if (msr != 0x10 || (val & 1))
		return -1;
	msr_value = val;
	return 0;
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	(void)d;
	(void)fmt;
	crashes++;
}

static struct domain dom;
static struct hvm_vcpu hv;
static struct vcpu vc = { .domain = &dom };

static void reset(void)
{
	memset(&hv, 0, sizeof(hv));
	vc.arch.hvm = &hv;
	io_calls = acks = crashes = unmapped = msr_calls = 0;
	next_cookie = -1;
}

static void pat(void)
{
	CHECK(hvm_pat_valid(0x0007040600070406ULL));
	CHECK(hvm_pat_valid(0));
	CHECK(!hvm_pat_valid(0x0007040600070402ULL)); /* type 2 */
	CHECK(!hvm_pat_valid(0x0300000000000000ULL)); /* type 3, top byte */
	CHECK(!hvm_pat_valid(0x0000000000000008ULL)); /* above 7 */
}

static void efer(void)
{
	uint64_t out = 0xdead;

	/* SCE/NXE/LME with paging off. */
	CHECK_INT(hvm_efer_write(0, EFER_SCE | EFER_NXE | EFER_LME, false,
				 &out),
		  0);
	CHECK_EQ(out, EFER_SCE | EFER_NXE | EFER_LME);
	/* LMA is the CPU's: a written LMA is dropped, the old one kept. */
	CHECK_INT(hvm_efer_write(EFER_LME | EFER_LMA, EFER_LME | EFER_SCE, true,
				 &out),
		  0);
	CHECK_EQ(out, EFER_LME | EFER_LMA | EFER_SCE);
	CHECK_INT(hvm_efer_write(0, EFER_LMA, false, &out), 0);
	CHECK_EQ(out, 0);
	/* LME may not change with paging on, either way. */
	out = 0xdead;
	CHECK_INT(hvm_efer_write(EFER_LME | EFER_LMA, 0, true, &out), -1);
	CHECK_INT(hvm_efer_write(0, EFER_LME, true, &out), -1);
	CHECK_EQ(out, 0xdead);
	/* SVME and reserved bits. */
	CHECK_INT(hvm_efer_write(0, 1ULL << 12, false, &out), -1);
	CHECK_INT(hvm_efer_write(0, 1ULL << 20, false, &out), -1);
	CHECK_INT(hvm_efer_write(0, 1ULL << 63, false, &out), -1);
	CHECK_EQ(out, 0xdead);
}

static void msr_insn(void)
{
	struct hvm_msr_regs m = { .efer = EFER_LME,
				  .pat = 0x0007040600070406ULL };

	reset();
	/* RDMSR of EFER and PAT from m, on edx:eax; no common call. */
	hv.regs.rcx = 0xffffffff00000000ULL | MSR_EFER; /* high half ignored */
	hv.regs.rax = hv.regs.rdx = ~0ULL;
	CHECK_INT(hvm_msr_insn(&vc, false, &m), 0);
	CHECK_EQ(hv.regs.rax, EFER_LME);
	CHECK_EQ(hv.regs.rdx, 0);
	hv.regs.rcx = MSR_PAT;
	CHECK_INT(hvm_msr_insn(&vc, false, &m), 0);
	CHECK_EQ(hv.regs.rax, 0x00070406ULL);
	CHECK_EQ(hv.regs.rdx, 0x00070406ULL);
	CHECK_INT(msr_calls, 0);
	/* WRMSR: edx:eax (upper halves ignored) into m, checked. */
	hv.regs.rcx = MSR_EFER;
	hv.regs.rdx = 0xdead00000000ULL;
	hv.regs.rax = 0xffffffff00000000ULL | EFER_LME | EFER_SCE;
	CHECK_INT(hvm_msr_insn(&vc, true, &m), 0);
	CHECK_EQ(m.efer, EFER_LME | EFER_SCE);
	m.paging = true; /* LME may not change now: #GP, m untouched */
	hv.regs.rax = EFER_SCE;
	hv.regs.rdx = 0;
	CHECK_INT(hvm_msr_insn(&vc, true, &m), -1);
	CHECK_EQ(m.efer, EFER_LME | EFER_SCE);
	hv.regs.rcx = MSR_PAT;
	hv.regs.rdx = 0x00070406;
	hv.regs.rax = 0x00070402; /* type 2: reserved */
	CHECK_INT(hvm_msr_insn(&vc, true, &m), -1);
	CHECK_EQ(m.pat, 0x0007040600070406ULL);
	hv.regs.rax = 0x00070006;
	CHECK_INT(hvm_msr_insn(&vc, true, &m), 0);
	CHECK_EQ(m.pat, 0x0007040600070006ULL);
	/* Others go to the common code, its refusal is a #GP, and a
	 * refused read leaves edx:eax alone. */
	hv.regs.rcx = 0x10;
	hv.regs.rdx = 1;
	hv.regs.rax = 2;
	CHECK_INT(hvm_msr_insn(&vc, true, &m), 0);
	CHECK_EQ(msr_value, (1ULL << 32) | 2);
	hv.regs.rax = 3;
	CHECK_INT(hvm_msr_insn(&vc, true, &m), -1);
	CHECK_EQ(msr_value, (1ULL << 32) | 2);
	hv.regs.rax = hv.regs.rdx = 0;
	CHECK_INT(hvm_msr_insn(&vc, false, &m), 0);
	CHECK_EQ(hv.regs.rax, 2);
	CHECK_EQ(hv.regs.rdx, 1);
	hv.regs.rcx = 0x11;
	CHECK_INT(hvm_msr_insn(&vc, false, &m), -1);
	CHECK_EQ(hv.regs.rax, 2);
	CHECK_INT(msr_calls, 4);
}

static void nmi_take(void)
{
	reset();
	CHECK(!hvm_nmi_pending(&vc));
	CHECK(!hvm_nmi_take(&vc));
	hv.nmi_pending = true; /* two senders: one NMI */
	hv.nmi_pending = true;
	CHECK(hvm_nmi_pending(&vc));
	CHECK(hvm_nmi_take(&vc));
	CHECK(!hvm_nmi_pending(&vc));
	CHECK(!hvm_nmi_take(&vc));
}

static void io_on_rax(void)
{
	reset();
	hv.regs.rax = 0x1122334455667788ULL;
	io_result = 0xaabbccdd;
	hvm_io_insn(&vc, 0x3f8, 1, true);
	CHECK_EQ(hv.regs.rax, 0x11223344556677ddULL);
	hvm_io_insn(&vc, 0x3f8, 2, true);
	CHECK_EQ(hv.regs.rax, 0x112233445566ccddULL);
	/* A 32-bit result clears bits 63:32, as a 32-bit mov does. */
	hvm_io_insn(&vc, 0x3f8, 4, true);
	CHECK_EQ(hv.regs.rax, 0xaabbccddULL);
	CHECK_EQ(io_size, 4);
	/* out leaves rax alone. */
	hv.regs.rax = 0x55;
	hvm_io_insn(&vc, 0x80, 1, false);
	CHECK_EQ(hv.regs.rax, 0x55);
	CHECK(!io_in);
	CHECK_EQ(io_calls, 4);
}

static void intr_assist(void)
{
	bool window = true;

	reset();
	/* Nothing pending: no injection, no window. */
	CHECK_INT(hvm_intr_assist(&vc, false, &window), -1);
	CHECK(!window);
	/* Pending and takeable: acknowledged and injected. */
	next_cookie = 0x31;
	CHECK_INT(hvm_intr_assist(&vc, false, &window), 0x31);
	CHECK(!window);
	CHECK_EQ(acks, 1);
	/* Pending but blocked: a window, and not acknowledged. */
	CHECK_INT(hvm_intr_assist(&vc, true, &window), -1);
	CHECK(window);
	CHECK_EQ(acks, 1);
	/* The PIC's cookie carries its vector in the low byte. */
	next_cookie = 0x100 | 0x08;
	CHECK_INT(hvm_intr_assist(&vc, false, &window), 0x08);
}

static void nested_fault(void)
{
	reset();
	/* No frame there: a device or the unmapped-access crash. */
	hvm_handle_nested_fault(&vc, 0xfee00030, true, false, false, 6);
	CHECK_EQ(unmapped, 1);
	CHECK_EQ(crashes, 0);
	/* A mapped frame faulting (permissions): the domain crashes. */
	hvm_handle_nested_fault(&vc, (mapped_gfn << 12) | 0x10, true, false,
				false, 7);
	CHECK_EQ(unmapped, 1);
	CHECK_EQ(crashes, 1);
	/* The same device page reached by an event's delivery (stack push,
	 * IDT read): not the instruction's access, so no emulation of it
	 * (which would loop with the re-injected event), a crash. */
	hvm_handle_nested_fault(&vc, 0xfee00030, true, false, true, 8);
	CHECK_EQ(unmapped, 1);
	CHECK_EQ(crashes, 2);
}

static void gpr_encoding(void)
{
	reset();
	CHECK(hvm_gpr(&hv.regs, 0) == &hv.regs.rax);
	CHECK(hvm_gpr(&hv.regs, 3) == &hv.regs.rbx);
	CHECK(hvm_gpr(&hv.regs, 4) == &hv.regs.rsp);
	CHECK(hvm_gpr(&hv.regs, 7) == &hv.regs.rdi);
	CHECK(hvm_gpr(&hv.regs, 15) == &hv.regs.r15);
}

static void context_gprs(void)
{
	struct mica_hvm_vcpu_context c, out;

	reset();
	memset(&c, 0, sizeof(c));
	c.rax = 1, c.rbx = 2, c.rsp = 3, c.r15 = 4, c.rip = 5, c.rflags = 0x202;
	c.pat = 0x0007040600070406ULL;
	c.efer = EFER_LME | EFER_LMA | EFER_SCE;
	CHECK_INT(hvm_context_gprs_in(&hv.regs, &c), 0);
	CHECK_EQ(hv.regs.rbx, 2);
	CHECK_EQ(hv.regs.r15, 4);
	memset(&out, 0, sizeof(out));
	hvm_context_gprs_out(&hv.regs, &out);
	CHECK_EQ(out.rax, 1);
	CHECK_EQ(out.rsp, 3);
	CHECK_EQ(out.rip, 5);
	CHECK_EQ(out.rflags, 0x202);
	/* Bad EFER or PAT: refused, registers untouched. */
	c.rbx = 99;
	c.efer = 1ULL << 12;
	CHECK_INT(hvm_context_gprs_in(&hv.regs, &c), -EINVAL);
	c.efer = 0;
	c.pat = 0x02;
	CHECK_INT(hvm_context_gprs_in(&hv.regs, &c), -EINVAL);
	c.pat = 0x0007040600070406ULL;
	/* Reserved high halves of DR6 (mov to DR6 would #GP in Mica under
	 * VMX), DR7, CR0 and CR4: refused. */
	c.dr6 = 0xffff0ff0 | (1ULL << 32);
	CHECK_INT(hvm_context_gprs_in(&hv.regs, &c), -EINVAL);
	c.dr6 = 0xffff0ff0;
	c.dr7 = 0x400 | (1ULL << 63);
	CHECK_INT(hvm_context_gprs_in(&hv.regs, &c), -EINVAL);
	c.dr7 = 0x400;
	c.cr0 = 0x11 | (1ULL << 40);
	CHECK_INT(hvm_context_gprs_in(&hv.regs, &c), -EINVAL);
	c.cr0 = 0x11;
	c.cr4 = 1ULL << 32;
	CHECK_INT(hvm_context_gprs_in(&hv.regs, &c), -EINVAL);
	CHECK_EQ(hv.regs.rbx, 2);
	c.cr4 = 0x20;
	CHECK_INT(hvm_context_gprs_in(&hv.regs, &c), 0);
	CHECK_EQ(hv.regs.rbx, 99);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(pat),		 TEST_CASE(efer),
		TEST_CASE(io_on_rax),	 TEST_CASE(intr_assist),
		TEST_CASE(nested_fault), TEST_CASE(gpr_encoding),
		TEST_CASE(context_gprs), TEST_CASE(msr_insn),
		TEST_CASE(nmi_take),
	};

	return run_tests("hvm_exit", cases, ARRAY_SIZE(cases));
}
