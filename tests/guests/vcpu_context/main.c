/* SPDX-License-Identifier: MIT */
/*
 * MICA_VCPUOP_initialise with hostile contexts (arch-x86/context.h): bad
 * page-table bases (not ours, writable, not an L4 that validates), bad
 * selectors, non-canonical addresses, bad trap and callback entries,
 * non-zero padding, and bad GDT, LDT, debug-register, FPU and I/O state
 * are all refused and leave no reference behind (the frames they named
 * can be mapped writable again); then the EEXIST, EBUSY, ENXIO and ENOENT
 * cases, and a full context (its own GDT and LDT with selectors loaded
 * from them, a data breakpoint, FPU/SSE state, an I/O bitmap) really
 * starts the vcpu with all of it, as its first instructions check.
 */
#include "boot.h"
#include "cpu.h"
#include "fpu.h"
#include "hypercall.h"
#include "test.h"
#include "vcpu.h"
#include "public/errno.h"
#include "public/mmu.h"

const char test_title[] = "vcpu contexts: initialise validation, full state";

#define DATA3 0x00cff3000000ffffULL /* flat data, DPL 3 */
#define DATA0 0x00cf93000000ffffULL /* flat data, DPL 0 */
#define GDT_DATA_SEL 0x0b /* GDT entry 1, RPL 3 */
#define LDT_DATA_SEL 0x0f /* LDT entry 1, RPL 3 */
/* DR7: L0, a write breakpoint (R/W0 = 01) on 8 bytes (LEN0 = 10). */
#define DR7_WATCH (1ULL | 1ULL << 16 | 2ULL << 18)
#define DR7_GD (1ULL << 13)
#define HV_ADDRESS 0xffff800000001000ULL
#define FULL_FCW 0x027f /* 53-bit precision: not the FNINIT 0x037f */
#define FULL_MXCSR 0xbf80u /* FZ, round down, all masked */
#define IO_ALLOWED 0x80
#define IO_DENIED 0x81

static uint64_t gdt_page[512] __attribute__((aligned(4096)));
static uint64_t ldt_page[512] __attribute__((aligned(4096)));
static uint64_t bad_page[512] __attribute__((aligned(4096)));
static uint64_t plain_page[512] __attribute__((aligned(4096)));
static uint8_t io_bitmap[IO_DENIED / 8 + 1];
static volatile uint64_t watched;
static uint8_t xmm_want[16][16];

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
	EXPECT_BAD((ctx.flags |= MICA_VGCF_FPU_VALID,
		    ctx.fpu[FXSAVE_MXCSR + 2] = 1),
		   -MICA_EINVAL, "MXCSR with reserved bit 16");
	EXPECT_BAD((ctx.flags |= MICA_VGCF_FPU_VALID,
		    ctx.fpu[FXSAVE_MXCSR + 3] = 0x80),
		   -MICA_EINVAL, "MXCSR with reserved bit 31");
	EXPECT_BAD(ctx.debugreg[7] = 0x400 | DR7_GD, -MICA_EINVAL, "DR7.GD");
	EXPECT_BAD((ctx.debugreg[0] = HV_ADDRESS, ctx.debugreg[7] = DR7_WATCH),
		   -MICA_EINVAL, "DR7 enabling a breakpoint in the hypervisor");
	EXPECT_BAD(ctx.debugreg[1] = 0x0000800000000000ULL, -MICA_EINVAL,
		   "non-canonical DR1");
	EXPECT_BAD(ctx.debugreg[7] = 1 | 2ULL << 16, -MICA_EINVAL,
		   "DR7 I/O breakpoint");
	EXPECT_BAD(ctx.debugreg[7] = 1ULL << 32, -MICA_EINVAL, "DR7 bit 32");
	EXPECT_BAD(ctx.debugreg[6] = 1ULL << 32, -MICA_EINVAL, "DR6 bit 32");
	EXPECT_BAD(ctx.debugreg[4] = 1, -MICA_EINVAL, "DR4");
	EXPECT_BAD(ctx.iopl = 4, -MICA_EINVAL, "iopl 4");
	EXPECT_BAD(ctx.iobitmap_nr_ports = 65537, -MICA_EINVAL,
		   "I/O bitmap of 65537 ports");
	EXPECT_BAD(ctx.iobitmap_gaddr = (uint64_t)io_bitmap, -MICA_EINVAL,
		   "I/O bitmap address without ports");
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 1, (void *)16),
		       -MICA_EFAULT, "unreadable context");
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 1,
			       (void *)0xffff800000000000ULL),
		       -MICA_EFAULT, "context in the hypervisor");
}

/* A GDT of one frame with 16 entries, and an LDT of 2 entries. */
static void set_tables(uint64_t gdt_va, uint64_t ldt_va)
{
	ctx.gdt_frames[0] = cpu_virt_to_mfn((void *)gdt_va);
	ctx.gdt_entries = 16;
	ctx.ldt_base = ldt_va;
	ctx.ldt_entries = 2;
}

#define GDT (uint64_t) gdt_page
#define LDT (uint64_t) ldt_page
#define BAD (uint64_t) bad_page
#define PLAIN (uint64_t) plain_page

static void check_bad_tables(void)
{
	printk("bad GDT and LDT state\n");
	gdt_page[1] = DATA3;
	ldt_page[1] = DATA3;
	bad_page[5] = DATA0;
	EXPECT_BAD(set_tables(GDT, LDT), -MICA_EBUSY,
		   "GDT frame mapped writable");
	if (cpu_remap(gdt_page, 0) || cpu_remap(bad_page, 0)) {
		test_error("cannot remap the table pages read-only");
		return;
	}
	EXPECT_BAD(set_tables(GDT, PLAIN), -MICA_EBUSY,
		   "LDT frame mapped writable (after the GDT was taken)");
	if (cpu_remap(ldt_page, 0)) {
		test_error("cannot remap the LDT page read-only");
		return;
	}
	EXPECT_BAD(set_tables(BAD, LDT), -MICA_EINVAL,
		   "ring-0 descriptor in the GDT frame");
	EXPECT_BAD(set_tables(GDT, BAD), -MICA_EINVAL,
		   "ring-0 descriptor in the LDT frame");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.gdt_frames[0] = 0), -MICA_EPERM,
		   "GDT frame 0 (not ours)");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.gdt_frames[0] = 1ULL << 40),
		   -MICA_EINVAL, "GDT frame beyond RAM");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.gdt_entries = 0), -MICA_EINVAL,
		   "GDT frame with 0 entries");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.gdt_entries = 7169), -MICA_EINVAL,
		   "7169 GDT entries");
	EXPECT_BAD((set_tables(GDT, LDT),
		    ctx.gdt_frames[1] = ctx.gdt_frames[0]),
		   -MICA_EINVAL, "a GDT frame beyond the entries");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.ldt_entries = 8193), -MICA_EINVAL,
		   "8193 LDT entries");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.ldt_base += 8), -MICA_EINVAL,
		   "misaligned LDT");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.ldt_entries = 0), -MICA_EINVAL,
		   "LDT base with 0 entries");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.ldt_base = 0x10000), -MICA_EFAULT,
		   "LDT not mapped");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.ldt_base = HV_ADDRESS - 0x1000),
		   -MICA_EINVAL, "LDT in the hypervisor");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.user_regs.es = 0x83),
		   -MICA_EINVAL, "es beyond the GDT");
	EXPECT_BAD(ctx.user_regs.fs = LDT_DATA_SEL, -MICA_EINVAL,
		   "fs in an LDT that is not there");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.user_regs.ds = 0x17),
		   -MICA_EINVAL, "ds beyond the LDT");
	EXPECT_BAD((set_tables(GDT, LDT), ctx.flags |= MICA_VGCF_FPU_VALID,
		    ctx.fpu[FXSAVE_MXCSR + 2] = 1),
		   -MICA_EINVAL, "good tables, bad MXCSR");

	/* Nothing refused kept a type: every frame can be writable again. */
	test_expect_rc(cpu_remap(bad_page, 1), 0, "bad page writable again");
	test_expect_rc(cpu_remap(gdt_page, 1), 0, "GDT page writable again");
	test_expect_rc(cpu_remap(ldt_page, 1), 0, "LDT page writable again");
	test_expect_rc(cpu_remap(plain_page, 1), 0, "plain page writable");
	if (cpu_remap(gdt_page, 0) || cpu_remap(ldt_page, 0))
		test_error("cannot remap the table pages read-only");
}

/* What vcpu 1 found on its first instructions. */
static volatile struct {
	uint8_t xmm[16][16];
	uint32_t mxcsr;
	uint16_t fcw, es, fs, es_again, fs_again;
	uint64_t dr0, dr7, db_traps, db_vector, io_traps, io_vector, seg_traps;
	int done;
} seen;

static void full_started(unsigned int id)
{
	uint8_t xmm[16][16];
	uint16_t fcw, es, fs;
	uint64_t dr0, dr7, n;

	/* First: nothing has touched the FPU or the segments yet. */
	fpu_xmm_store(xmm);
	seen.mxcsr = fpu_mxcsr();
	__asm__ __volatile__("fnstcw %0" : "=m"(fcw));
	__asm__ __volatile__("mov %%es, %0; mov %%fs, %1" : "=r"(es), "=r"(fs));
	__asm__ __volatile__("mov %%dr0, %0; mov %%dr7, %1"
			     : "=r"(dr0), "=r"(dr7));
	memcpy((void *)seen.xmm, xmm, sizeof(xmm));
	seen.fcw = fcw;
	seen.es = es;
	seen.fs = fs;
	seen.dr0 = dr0;
	seen.dr7 = dr7;
	started(id);

	n = cpu_last_trap.count;
	watched = 1; /* the breakpoint */
	seen.db_traps = cpu_traps_since(n);
	seen.db_vector = cpu_last_trap.vector;

	n = cpu_last_trap.count;
	__asm__ __volatile__("outb %%al, %1" ::"a"(0), "i"(IO_ALLOWED));
	cpu_trap_skip = 2;
	__asm__ __volatile__("outb %%al, %1" ::"a"(0), "i"(IO_DENIED));
	cpu_trap_skip = 0;
	seen.io_traps = cpu_traps_since(n);
	seen.io_vector = cpu_last_trap.vector;

	/* The selectors load again from the context's GDT and LDT. */
	n = cpu_last_trap.count;
	cpu_trap_skip = 2;
	__asm__ __volatile__("mov %%ax, %%es" ::"a"(GDT_DATA_SEL));
	__asm__ __volatile__("mov %%ax, %%fs" ::"a"(LDT_DATA_SEL));
	cpu_trap_skip = 0;
	seen.seg_traps = cpu_traps_since(n);
	__asm__ __volatile__("mov %%es, %0; mov %%fs, %1" : "=r"(es), "=r"(fs));
	seen.es_again = es;
	seen.fs_again = fs;
	__atomic_store_n(&seen.done, 1, __ATOMIC_RELEASE);
}

/* The full context vcpu 1 starts with. */
static void full_context(void)
{
	uint32_t mxcsr = FULL_MXCSR;
	uint16_t fcw = FULL_FCW;

	vcpu_context_init(&ctx, 1, full_started);
	cpu_traps_fill(ctx.trap_table);
	ctx.callback[0] = (uint64_t)full_started;
	ctx.callback_flags[0] = MICA_CALLBACKF_MASK_EVENTS;
	ctx.kernel_ss = 0xe01b;
	ctx.kernel_sp = ctx.user_regs.rsp;
	ctx.user_regs.ds = 0xe01b;
	set_tables(GDT, LDT);
	ctx.user_regs.es = GDT_DATA_SEL;
	ctx.user_regs.fs = LDT_DATA_SEL;
	ctx.debugreg[0] = (uint64_t)&watched;
	ctx.debugreg[7] = DR7_WATCH;
	ctx.flags |= MICA_VGCF_FPU_VALID;
	memcpy(ctx.fpu + FXSAVE_FCW, &fcw, sizeof(fcw));
	memcpy(ctx.fpu + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
	fpu_xmm_pattern(xmm_want, 7);
	memcpy(ctx.fpu + FXSAVE_XMM0, xmm_want, sizeof(xmm_want));
	io_bitmap[IO_DENIED / 8] = 1u << (IO_DENIED % 8);
	ctx.iobitmap_gaddr = (uint64_t)io_bitmap;
	ctx.iobitmap_nr_ports = sizeof(io_bitmap) * 8;
}

static void check_full_start(void)
{
	int r = fpu_xmm_diff((const uint8_t(*)[16])seen.xmm, xmm_want);

	if (r >= 0)
		test_fail("vcpu 1 started with xmm%d %#x..., not the context's",
			  r, seen.xmm[r][0]);
	if (seen.mxcsr != FULL_MXCSR || seen.fcw != FULL_FCW)
		test_fail("vcpu 1 started with MXCSR %#x FCW %#x", seen.mxcsr,
			  seen.fcw);
	if (seen.es != GDT_DATA_SEL || seen.fs != LDT_DATA_SEL)
		test_fail("vcpu 1 started with es %#x fs %#x", seen.es,
			  seen.fs);
	if (seen.dr0 != (uint64_t)&watched ||
	    (seen.dr7 & 0xffff00ff) != DR7_WATCH)
		test_fail("vcpu 1 started with DR0 %#lx DR7 %#lx", seen.dr0,
			  seen.dr7);
	if (seen.db_traps != 1 || seen.db_vector != 1)
		test_fail("breakpoint: %lu traps, vector %lu", seen.db_traps,
			  seen.db_vector);
	if (seen.io_traps != 1 || seen.io_vector != 13)
		test_fail("I/O bitmap: %lu traps, vector %lu (want one #GP)",
			  seen.io_traps, seen.io_vector);
	if (seen.seg_traps || seen.es_again != GDT_DATA_SEL ||
	    seen.fs_again != LDT_DATA_SEL)
		test_fail("reloading es/fs: %lu traps, es %#x fs %#x",
			  seen.seg_traps, seen.es_again, seen.fs_again);
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

	check_bad_tables();
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 1, 0), -MICA_ENXIO,
		       "up after only bad tables");

	printk("a full context\n");
	full_context();
	test_expect_rc(init1(), 0, "initialise vcpu 1");
	test_expect_rc(init1(), -MICA_EEXIST, "initialise vcpu 1 again");
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, 1, 0), 0,
		       "initialised but not up");
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 1, 0), 0, "up(1)");
	for (unsigned int i = 0; i < 100000000 && !seen.done; i++)
		__builtin_ia32_pause();
	if (!seen.done)
		test_fail("vcpu 1 did not start");
	else
		check_full_start();
	if (started_rdi != 1 || started_rsp > ctx.user_regs.rsp ||
	    started_rsp < ctx.user_regs.rsp - 4096)
		test_fail("vcpu 1 started with rdi %lu rsp %#lx (context rsp "
			  "%#lx)",
			  started_rdi, started_rsp, ctx.user_regs.rsp);
	test_expect_rc(vcpu_op(MICA_VCPUOP_down, 1, 0), 0, "down(1)");
	test_expect_rc(init1(), -MICA_EEXIST, "initialise a down vcpu");
	test_pass();
}
