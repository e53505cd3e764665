/* SPDX-License-Identifier: MIT */
/*
 * MICA_VCPUOP_initialise with hostile contexts (arch-x86/context.h): bad
 * page-table bases (not ours, writable, not an L4 that validates), bad
 * selectors, non-canonical addresses, bad trap and callback entries and
 * non-zero padding are all refused and leave no reference behind; then
 * the EEXIST, EBUSY, ENXIO and ENOENT cases, and a good context really
 * starts the vcpu with the registers it names.
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"
#include "vcpu.h"
#include "public/errno.h"
#include "public/mmu.h"

const char test_title[] = "vcpu contexts: initialise validation";

static struct mica_vcpu_guest_context ctx;
static volatile uint64_t started_rdi, started_rsp;

static void started(unsigned int id)
{
	uint64_t rsp;

	__asm__ __volatile__("mov %%rsp, %0" : "=r"(rsp));
	started_rsp = rsp;
	started_rdi = id;
}

static long init1(void)
{
	return vcpu_op(MICA_VCPUOP_initialise, 1, &ctx);
}

static long update_va(uint64_t va, uint64_t pte)
{
	return HYPERCALL5(MICA_HC_update_va_mapping, va, pte, MICA_UVMF_INVLPG,
			  0, 0);
}

#define EXPECT_BAD(field_change, want, what)         \
	do {                                         \
		vcpu_context_init(&ctx, 1, started); \
		field_change;                        \
		test_expect_rc(init1(), want, what); \
	} while (0)

static void check_bad_bases(uint64_t spare_va)
{
	uint64_t spare_mfn = guest_va_to_mfn(spare_va);
	uint64_t spare_pte = (spare_mfn << 12) | PTE_P | PTE_W;
	uint64_t *page = (uint64_t *)spare_va;

	printk("bad page-table bases\n");
	EXPECT_BAD(ctx.kernel_pt_base_gfn = 0x200, -MICA_EINVAL,
		   "a hypervisor frame as L4");
	EXPECT_BAD(ctx.kernel_pt_base_gfn = 1ULL << 40, -MICA_EINVAL,
		   "a frame beyond RAM as L4");
	EXPECT_BAD(ctx.kernel_pt_base_gfn = spare_mfn, -MICA_EBUSY,
		   "a writable-mapped frame as L4");
	EXPECT_BAD(ctx.user_pt_base_gfn = spare_mfn, -MICA_EBUSY,
		   "a writable-mapped frame as user L4");
	/* A frame whose contents cannot be an L4: a hypervisor slot set. */
	page[256] = 0x1234000 | PTE_P;
	test_expect_rc(update_va(spare_va, 0), 0, "unmap the frame");
	EXPECT_BAD(ctx.kernel_pt_base_gfn = spare_mfn, -MICA_EINVAL,
		   "an L4 that does not validate");
	/* No reference may be left behind: it can be mapped writable. */
	test_expect_rc(update_va(spare_va, spare_pte), 0,
		       "map the refused frame writable again");
	page[256] = 0;
	/* The L1 mapping our image is typed L1, not L4. */
	EXPECT_BAD(ctx.kernel_pt_base_gfn = guest_l1e_maddr(spare_va) >> 12,
		   -MICA_EBUSY, "an L1 as L4");
}

static void check_bad_fields(void)
{
	printk("bad selectors, addresses, tables, padding\n");
	EXPECT_BAD(ctx.flags = 0, -MICA_EINVAL, "not in kernel mode");
	EXPECT_BAD(ctx.flags |= 1u << 9, -MICA_EINVAL, "unknown flag");
	EXPECT_BAD(ctx.flags |= MICA_VGCF_FPU_VALID, -MICA_EINVAL,
		   "FPU state (not carried yet)");
	EXPECT_BAD(ctx.pad0 = 1, -MICA_EINVAL, "pad0");
	EXPECT_BAD(ctx.pad1 = 1, -MICA_EINVAL, "pad1");
	EXPECT_BAD(ctx.reserved[8] = 1, -MICA_EINVAL, "reserved[8]");
	EXPECT_BAD(ctx.user_regs.cs = 0x10, -MICA_EINVAL, "Mica's own cs");
	EXPECT_BAD(ctx.user_regs.cs = KERNEL_CS | 3, -MICA_EINVAL,
		   "cs RPL 3 in kernel mode");
	EXPECT_BAD(ctx.user_regs.cs = KERNEL_CS | 1, -MICA_EINVAL, "cs RPL 1");
	EXPECT_BAD(ctx.user_regs.cs |= 1ULL << 32, -MICA_EINVAL,
		   "cs with high bits");
	EXPECT_BAD(ctx.user_regs.ss = 0, -MICA_EINVAL, "null ss");
	EXPECT_BAD(ctx.user_regs.ds = 0xe023, -MICA_EINVAL, "code as ds");
	EXPECT_BAD(ctx.user_regs.gs = 0x8, -MICA_EINVAL, "gs 0x8");
	EXPECT_BAD(ctx.user_regs.rip = 0x0000800000000000ULL, -MICA_EINVAL,
		   "non-canonical rip");
	EXPECT_BAD(ctx.user_regs.rsp = 0x8000000000000000ULL, -MICA_EINVAL,
		   "non-canonical rsp");
	EXPECT_BAD(ctx.user_regs.rflags |= 1ULL << 17, -MICA_EINVAL,
		   "rflags.VM");
	EXPECT_BAD(ctx.user_regs.rflags |= 1ULL << 40, -MICA_EINVAL,
		   "reserved rflags bit");
	EXPECT_BAD(ctx.fs_base = 0x0000900000000000ULL, -MICA_EINVAL,
		   "non-canonical fs base");
	EXPECT_BAD(ctx.gs_base_user = 0x0000900000000000ULL, -MICA_EINVAL,
		   "non-canonical user gs base");
	EXPECT_BAD(ctx.gs_user_sel = 0xe01b, -MICA_EINVAL,
		   "gs_user_sel unlike user_regs.gs");
	EXPECT_BAD(ctx.trap_table[14].vector = 13, -MICA_EINVAL,
		   "trap entry for the wrong vector");
	EXPECT_BAD(ctx.trap_table[3].pad0 = 1, -MICA_EINVAL, "trap pad0");
	EXPECT_BAD(ctx.trap_table[3].flags = 1, -MICA_EINVAL,
		   "flags on an empty trap entry");
	EXPECT_BAD((ctx.trap_table[3].address = 0xffff800000001000ULL,
		    ctx.trap_table[3].cs = KERNEL_CS),
		   -MICA_EINVAL, "trap handler in the hypervisor");
	EXPECT_BAD((ctx.trap_table[3].address = (uint64_t)started,
		    ctx.trap_table[3].cs = KERNEL_CS,
		    ctx.trap_table[3].flags = 2),
		   -MICA_EINVAL, "trap DPL 2");
	EXPECT_BAD(ctx.callback[7] = (uint64_t)started, -MICA_EINVAL,
		   "callback slot 7");
	EXPECT_BAD((ctx.callback[0] = (uint64_t)started,
		    ctx.callback_flags[0] = 2),
		   -MICA_EINVAL, "unknown callback flag");
	EXPECT_BAD(ctx.callback[1] = 0x0000800000000000ULL, -MICA_EINVAL,
		   "non-canonical callback");
	EXPECT_BAD((ctx.kernel_ss = 0xe01b, ctx.kernel_sp = 0xffff800000000000),
		   -MICA_EINVAL, "kernel stack in the hypervisor");
	EXPECT_BAD(ctx.kernel_ss = 0x10, -MICA_EINVAL, "kernel ss");
	EXPECT_BAD(ctx.ldt_entries = 1, -MICA_EINVAL, "an LDT");
	EXPECT_BAD(ctx.gdt_frames[0] = 1, -MICA_EINVAL, "a GDT frame");
	EXPECT_BAD(ctx.debugreg[7] = 1, -MICA_EINVAL, "DR7");
	EXPECT_BAD(ctx.iopl = 1, -MICA_EINVAL, "iopl");
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 1, (void *)16),
		       -MICA_EFAULT, "unreadable context");
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 1,
			       (void *)0xffff800000000000ULL),
		       -MICA_EFAULT, "context in the hypervisor");
}

void test_main(void)
{
	uint64_t spare_va = boot_mapping_end() - 4096;

	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, 1, 0), 0, "is_up(1)");
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 1, 0), -MICA_ENXIO,
		       "up before initialise");
	vcpu_context_init(&ctx, 2, started);
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 2, &ctx), -MICA_ENOENT,
		       "initialise vcpu 2 of 2");
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 0xffffffffu, &ctx),
		       -MICA_ENOENT, "initialise vcpu 2^32-1");
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 7, 0), -MICA_ENOENT, "up(7)");
	test_expect_rc(vcpu_op(99, 0, 0), -MICA_ENOSYS, "unknown sub-op");
	vcpu_context_init(&ctx, 0, started);
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 0, &ctx), -MICA_EBUSY,
		       "initialise the running vcpu 0");

	check_bad_bases(spare_va);
	check_bad_fields();
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 1, 0), -MICA_ENXIO,
		       "up after only bad contexts");

	printk("a good context\n");
	vcpu_context_init(&ctx, 1, started);
	ctx.trap_table[3].address = (uint64_t)started;
	ctx.trap_table[3].cs = KERNEL_CS;
	ctx.trap_table[3].flags = 3;
	ctx.callback[0] = (uint64_t)started;
	ctx.callback_flags[0] = MICA_CALLBACKF_MASK_EVENTS;
	ctx.kernel_ss = 0xe01b;
	ctx.kernel_sp = ctx.user_regs.rsp;
	ctx.user_regs.ds = 0xe01b;
	test_expect_rc(init1(), 0, "initialise vcpu 1");
	test_expect_rc(init1(), -MICA_EEXIST, "initialise vcpu 1 again");
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, 1, 0), 0,
		       "initialised but not up");
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 1, 0), 0, "up(1)");
	for (unsigned int i = 0; i < 100000000 && !started_rsp; i++)
		__builtin_ia32_pause();
	if (!started_rsp)
		test_fail("vcpu 1 did not start");
	else if (started_rdi != 1 || started_rsp > ctx.user_regs.rsp ||
		 started_rsp < ctx.user_regs.rsp - 4096)
		test_fail("vcpu 1 started with rdi %lu rsp %#lx (context rsp "
			  "%#lx)",
			  started_rdi, started_rsp, ctx.user_regs.rsp);
	test_expect_rc(vcpu_op(MICA_VCPUOP_down, 1, 0), 0, "down(1)");
	test_expect_rc(init1(), -MICA_EEXIST, "initialise a down vcpu");
	test_pass();
}
