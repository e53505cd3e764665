/* SPDX-License-Identifier: MIT */
/*
 * Debug registers (public/arch-x86/pv.h MICA_HC_set_debugreg /
 * get_debugreg, #DB): values read back, bad values are refused, a data
 * and an instruction breakpoint fire #DB in the guest with the cause in
 * DR6, and mov to/from DRn from the guest kernel is the same interface.
 * Single-stepping: an iret that sets TF traps after the first instruction
 * it returns to, also when its frame would let Mica exit with SYSRET
 * (rcx = rip, r11 = rflags), which would trap before it.
 */
#include "cpu.h"
#include "hypercall.h"
#include "test.h"
#include "public/arch-x86/layout.h"
#include "public/errno.h"

const char test_title[] = "debug registers and #DB";

static long set_dr(uint32_t reg, uint64_t v)
{
	return HYPERCALL5(MICA_HC_set_debugreg, reg, v, 0, 0, 0);
}

static long get_dr(uint64_t reg)
{
	return HYPERCALL5(MICA_HC_get_debugreg, reg, 0, 0, 0, 0);
}

static volatile uint32_t watched;

static void __attribute__((noinline)) breakpoint_target(void)
{
	__asm__ __volatile__("nop");
}

/* The instruction breakpoint is a fault: disarm it before returning. */
static void disarm_on_db(struct cpu_trap_frame *f)
{
	if (f->vector == 1)
		set_dr(7, 0x400);
}

/* clang-format off */
/*
 * step_after_iret(): MICA_HC_iret to step_target in kernel mode with TF
 * set, rcx = rip and r11 = rflags (what a SYSRET would return with);
 * the nop there runs, then #DB (the hook clears TF) and `ret`.
 */
__asm__(".text\n"
	"step_after_iret:\n"
	"	mov %rsp, %rax\n"
	"	push $0xe018\n"		/* ss, RPL 0: kernel mode */
	"	push %rax\n"			/* rsp */
	"	push $0x302\n"			/* rflags: TF, IF */
	"	push $0xe020\n"		/* cs, RPL 0 */
	"	lea step_target(%rip), %rcx\n"
	"	push %rcx\n"			/* rip */
	"	push $0\n"			/* MICA_IRET_* flags */
	"	mov $0x302, %r11\n"
	"	jmp hypercall_page + 14 * 32\n"
	"step_target:\n"
	"	nop\n"
	"step_after:\n"
	"	ret\n");
/* clang-format on */
void step_after_iret(void);
extern char step_target[], step_after[];

static void clear_tf_on_db(struct cpu_trap_frame *f)
{
	if (f->vector == 1)
		f->rflags &= ~0x100ULL;
}

static void check_single_step(void)
{
	uint64_t n;

	printk("single step after an iret with the SYSRET-shaped frame\n");
	cpu_trap_skip = 0;
	test_expect_rc(set_dr(7, 0x400), 0, "DR7 off");
	cpu_trap_hook = clear_tf_on_db;
	n = cpu_last_trap.count;
	step_after_iret();
	cpu_trap_hook = 0;
	if (cpu_traps_since(n) != 1 || cpu_last_trap.vector != 1 ||
	    cpu_last_trap.rip != (uint64_t)step_after)
		test_fail("TF from iret: %lu traps, vector %lu at %#lx "
			  "(expected one #DB at %#lx, after the nop at %#lx)",
			  cpu_traps_since(n), cpu_last_trap.vector,
			  cpu_last_trap.rip, (uint64_t)step_after,
			  (uint64_t)step_target);
	if (!(get_dr(6) & (1 << 14)))
		test_fail("DR6.BS not set after the single step: %#lx",
			  get_dr(6));
	test_expect_rc(set_dr(6, 0), 0, "clear DR6");
}

static void check_values(void)
{
	printk("set/get and validation\n");
	test_expect_rc(set_dr(0, (uint64_t)&watched), 0, "DR0 = &watched");
	if (get_dr(0) != (long)&watched)
		test_fail("DR0 reads %#lx", get_dr(0));
	test_expect_rc(set_dr(3, 0x1000), 0, "DR3 = 0x1000");
	if (get_dr(3) != 0x1000)
		test_fail("DR3 reads %#lx", get_dr(3));
	if (get_dr(7) != 0x400)
		test_fail("initial DR7 %#lx, expected 0x400", get_dr(7));
	if ((get_dr(6) & 0xffff0ff0) != 0xffff0ff0)
		test_fail("initial DR6 %#lx", get_dr(6));

	test_expect_rc(set_dr(4, 0), -MICA_EINVAL, "DR4");
	test_expect_rc(set_dr(5, 0), -MICA_EINVAL, "DR5");
	test_expect_rc(set_dr(8, 0), -MICA_EINVAL, "DR8");
	test_expect_rc(get_dr(4), -MICA_EINVAL, "get DR4");
	test_expect_rc(get_dr(1ULL << 32), -MICA_EINVAL, "get reg 1 << 32");
	test_expect_rc(set_dr(0, MICA_HYPERVISOR_VIRT_START + 0x1000),
		       -MICA_EINVAL, "DR0 in the hypervisor range");
	test_expect_rc(set_dr(1, 0x0000900000000000), -MICA_EINVAL,
		       "DR1 non-canonical");
	test_expect_rc(set_dr(7, 0x400 | (1 << 13)), -MICA_EINVAL, "DR7.GD");
	test_expect_rc(set_dr(7, 0x1 | (2u << 16)), -MICA_EINVAL,
		       "DR7 I/O breakpoint");
	test_expect_rc(set_dr(7, 0x1 | (3u << 18)), -MICA_EINVAL,
		       "DR7 execute breakpoint with LEN 8");
	test_expect_rc(set_dr(7, 1ULL << 32), -MICA_EINVAL, "DR7 bit 32");
	test_expect_rc(set_dr(7, 1ULL << 14), -MICA_EINVAL, "DR7 bit 14");
	test_expect_rc(set_dr(6, 1ULL << 40), -MICA_EINVAL, "DR6 bit 40");
	if (get_dr(7) != 0x400)
		test_fail("a refused DR7 changed it: %#lx", get_dr(7));
}

static void check_breakpoints(void)
{
	uint64_t n, dr7;

	printk("data breakpoint\n");
	cpu_trap_skip = 0;
	test_expect_rc(set_dr(6, 0), 0, "clear DR6");
	test_expect_rc(set_dr(0, (uint64_t)&watched), 0, "DR0");
	/* L0, R/W 01 (write), LEN 11 (4 bytes). */
	test_expect_rc(set_dr(7, 0x1 | (1u << 16) | (3u << 18)), 0,
		       "DR7 write watch");
	n = cpu_last_trap.count;
	(void)watched; /* a read does not fire */
	if (cpu_traps_since(n))
		test_fail("reading the watched word raised a trap");
	watched = 1;
	if (cpu_traps_since(n) != 1 || cpu_last_trap.vector != 1)
		test_fail("write to the watched word: %lu traps, vector %lu",
			  cpu_traps_since(n), cpu_last_trap.vector);
	if (!(get_dr(6) & 1))
		test_fail("DR6.B0 not set after the data breakpoint: %#lx",
			  get_dr(6));
	test_expect_rc(set_dr(6, 0), 0, "clear DR6");
	if (get_dr(6) & 0xf)
		test_fail("DR6 not cleared: %#lx", get_dr(6));
	/* Mica writing the watched word for a hypercall does not fault. */
	test_expect_rc(HYPERCALL5(MICA_HC_version, 1, &watched, 0, 0, 0), 0,
		       "version into the watched word");
	test_expect_rc(set_dr(7, 0x400), 0, "DR7 off");
	n = cpu_last_trap.count;
	watched = 2;
	if (cpu_traps_since(n))
		test_fail("trap with DR7 off");

	printk("instruction breakpoint, through mov to DRn\n");
	dr7 = 0x4; /* L1, R/W 00, LEN 00 */
	__asm__ __volatile__(
		"mov %0, %%db1" ::"r"((uint64_t)breakpoint_target));
	__asm__ __volatile__("mov %0, %%db7" ::"r"(dr7));
	if (get_dr(1) != (long)breakpoint_target || (get_dr(7) & 0xff) != 4)
		test_fail("mov to DR1/DR7 did not set them");
	cpu_trap_hook = disarm_on_db;
	n = cpu_last_trap.count;
	breakpoint_target();
	cpu_trap_hook = 0;
	if (cpu_traps_since(n) != 1 || cpu_last_trap.vector != 1 ||
	    cpu_last_trap.rip != (uint64_t)breakpoint_target)
		test_fail("instruction breakpoint: %lu traps, vector %lu at "
			  "%#lx",
			  cpu_traps_since(n), cpu_last_trap.vector,
			  cpu_last_trap.rip);
	__asm__ __volatile__("mov %%db6, %0" : "=r"(dr7));
	if (!(dr7 & 2))
		test_fail("DR6.B1 not set: %#lx", dr7);
}

void test_main(void)
{
	long rc = cpu_traps_install();

	if (rc) {
		test_error("installing the trap table: %ld", rc);
		return;
	}
	check_values();
	check_breakpoints();
	check_single_step();
	test_pass();
}
