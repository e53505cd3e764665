/* SPDX-License-Identifier: MIT */
/*
 * Guest descriptor tables (public/arch-x86/pv.h "Descriptor tables", mmu.h
 * SET_LDT and the seg_desc page type): a GDT and an LDT of our own frames
 * are installed and their selectors loaded and used; descriptors that
 * could give ring 0 or are system descriptors are refused; descriptor
 * pages are never writable and writable pages never descriptor pages.
 */
#include "cpu.h"
#include "hypercall.h"
#include "test.h"
#include "public/arch-x86/layout.h"
#include "public/errno.h"
#include "public/mmu.h"

const char test_title[] = "guest GDT and LDT: set_gdt, update_descriptor";

#define DATA3 0x00cff3000000ffffULL /* flat data, DPL 3 */
#define CODE64_3 0x00affb000000ffffULL /* 64-bit code, DPL 3 */
#define CODE64_0 0x00af9b000000ffffULL /* 64-bit code, DPL 0 */
#define DATA0 0x00cf93000000ffffULL /* data, DPL 0 */
#define CODE_CONFORMING 0x00affe000000ffffULL /* conforming, DPL 3 */
#define CODE_LD 0x00effb000000ffffULL /* L and D both set */
#define CALL_GATE 0x0000ec0000000000ULL /* 64-bit call gate, DPL 3 */
#define TSS_DESC 0x0000e90000000067ULL /* available TSS, DPL 3 */

static uint64_t gdt_a[512] __attribute__((aligned(4096)));
static uint64_t gdt_b[512] __attribute__((aligned(4096)));
static uint64_t ldt[512] __attribute__((aligned(4096)));
static uint64_t plain[512] __attribute__((aligned(4096)));

static long set_gdt(const uint64_t *frames, uint64_t entries)
{
	return HYPERCALL5(MICA_HC_set_gdt, frames, entries, 0, 0, 0);
}

static long update_desc(uint64_t maddr, uint64_t d)
{
	return HYPERCALL5(MICA_HC_update_descriptor, maddr, d, 0, 0, 0);
}

static long set_ldt(uint64_t va, uint64_t entries)
{
	struct mica_mmuext_op op = { MICA_MMUEXT_SET_LDT, 0, va, entries };

	return HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF, 0);
}

static uint16_t load_es(uint16_t sel)
{
	uint16_t back = 0xffff;

	__asm__ __volatile__("mov %1, %%es; mov %%es, %0"
			     : "=r"(back)
			     : "r"(sel));
	return back;
}

/* Far return to our own 64-bit code selector and back to the flat one. */
static uint64_t run_on_cs(uint16_t cs)
{
	uint64_t seen = 0;

	/* clang-format off */
	__asm__ __volatile__(
		"	lea 1f(%%rip), %%rax\n"
		"	push %q1\n"
		"	push %%rax\n"
		"	lretq\n"
		"1:	mov %%cs, %0\n"
		"	lea 2f(%%rip), %%rax\n"
		"	push $0xe023\n"
		"	push %%rax\n"
		"	lretq\n"
		"2:\n"
		: "=&r"(seen)
		: "r"((uint64_t)cs)
		: "rax", "memory");
	/* clang-format on */
	return seen;
}

static void check_gdt(void)
{
	uint64_t a = cpu_virt_to_mfn(gdt_a), b = cpu_virt_to_mfn(gdt_b);
	uint64_t bad_frames[2];
	uint64_t n;

	printk("set_gdt\n");
	gdt_a[1] = DATA3; /* selector 0x0b */
	gdt_a[2] = CODE64_3; /* 0x13 */
	/* Still mapped writable: refused (T1). */
	test_expect_rc(set_gdt(&a, 512), -MICA_EBUSY, "writable frame as GDT");
	test_expect_rc(cpu_remap(gdt_a, 0), 0, "remap GDT page read-only");
	test_expect_rc(set_gdt(&a, 0), -MICA_EINVAL, "0 entries");
	test_expect_rc(set_gdt(&a, MICA_GDT_FIRST_RESERVED_ENTRY + 1),
		       -MICA_EINVAL, "7169 entries");
	test_expect_rc(set_gdt((void *)0x10, 512), -MICA_EFAULT,
		       "unreadable frame list");
	bad_frames[0] = 0xfffffffffULL;
	test_expect_rc(set_gdt(bad_frames, 512), -MICA_EINVAL,
		       "frame beyond memory");
	bad_frames[0] = 0; /* not ours */
	test_expect_rc(set_gdt(bad_frames, 512), -MICA_EPERM,
		       "frame 0 (not the caller's)");
	bad_frames[0] = a;
	bad_frames[1] = cpu_virt_to_mfn(plain); /* writable */
	test_expect_rc(set_gdt(bad_frames, 1024), -MICA_EBUSY,
		       "second frame writable");
	test_expect_rc(set_gdt(&a, 512), 0, "set_gdt");

	if (load_es(0x0b) != 0x0b)
		test_fail("es did not load the guest GDT selector 0x0b");
	if ((run_on_cs(0x13) & ~3) != 0x10)
		test_fail("far return to the guest code selector 0x13 failed");
	load_es(MICA_FLAT_RING3_DS);

	test_expect_rc(cpu_remap(gdt_a, 1), -MICA_EBUSY,
		       "mapping a GDT frame writable");

	printk("update_descriptor\n");
	test_expect_rc(update_desc((a << 12) + 3 * 8, DATA3), 0,
		       "update entry 3");
	if (gdt_a[3] != DATA3)
		test_fail("entry 3 reads %#lx", gdt_a[3]);
	if (load_es(0x1b) != 0x1b)
		test_fail("es did not load the updated selector 0x1b");
	load_es(MICA_FLAT_RING3_DS);
	test_expect_rc(update_desc((a << 12) + 4 * 8, CODE64_0), -MICA_EINVAL,
		       "ring-0 code descriptor");
	test_expect_rc(update_desc((a << 12) + 4 * 8, DATA0), -MICA_EINVAL,
		       "DPL 0 data descriptor");
	test_expect_rc(update_desc((a << 12) + 4 * 8, CALL_GATE), -MICA_EINVAL,
		       "call gate");
	test_expect_rc(update_desc((a << 12) + 4 * 8, TSS_DESC), -MICA_EINVAL,
		       "TSS descriptor");
	test_expect_rc(update_desc((a << 12) + 4 * 8, CODE_CONFORMING),
		       -MICA_EINVAL, "conforming code");
	test_expect_rc(update_desc((a << 12) + 4 * 8, CODE_LD), -MICA_EINVAL,
		       "64-bit code with D set");
	test_expect_rc(update_desc((a << 12) + 4 * 8, CODE64_0 & ~(1ULL << 47)),
		       0, "a not-present entry is free");
	test_expect_rc(update_desc((a << 12) + 4, DATA3), -MICA_EINVAL,
		       "misaligned");
	test_expect_rc(update_desc(0, DATA3), -MICA_EPERM, "frame 0");
	test_expect_rc(update_desc(cpu_virt_to_mfn((void *)start_info->pt_base)
					   << 12,
				   DATA3),
		       -MICA_EBUSY, "a page table");
	test_expect_rc(update_desc(cpu_virt_to_mfn(plain) << 12, DATA3), 0,
		       "an ordinary frame");
	if (plain[0] != DATA3)
		test_fail("ordinary frame not written");

	/* Making the loaded descriptor not-present: loading then faults. */
	test_expect_rc(update_desc((a << 12) + 3 * 8, DATA3 & ~(1ULL << 47)), 0,
		       "entry 3 not present");
	n = cpu_last_trap.count;
	cpu_trap_skip = 2; /* mov %ax, %es is 8e c0 */
	__asm__ __volatile__("mov %%ax, %%es" ::"a"(0x1b));
	cpu_trap_skip = 0;
	if (cpu_traps_since(n) != 1 || cpu_last_trap.vector != 11)
		test_fail("loading a not-present descriptor: %lu traps, "
			  "vector %lu",
			  cpu_traps_since(n), cpu_last_trap.vector);

	printk("hostile GDT pages\n");
	gdt_b[5] = CODE64_0;
	test_expect_rc(cpu_remap(gdt_b, 0), 0, "remap page B read-only");
	test_expect_rc(set_gdt(&b, 512), -MICA_EINVAL,
		       "page with a ring-0 code descriptor");
	test_expect_rc(cpu_remap(gdt_b, 1), 0, "page B writable again");
	gdt_b[5] = CALL_GATE;
	test_expect_rc(cpu_remap(gdt_b, 0), 0, "remap page B read-only");
	test_expect_rc(set_gdt(&b, 512), -MICA_EINVAL, "page with a call gate");
	test_expect_rc(cpu_remap(gdt_b, 1), 0, "page B writable again");
	gdt_b[5] = 0;
	gdt_b[1] = DATA3;
	test_expect_rc(cpu_remap(gdt_b, 0), 0, "remap page B read-only");
	test_expect_rc(set_gdt(&b, 16), 0, "switch to GDT B");
	/* A is released: it can be writable again. */
	test_expect_rc(cpu_remap(gdt_a, 1), 0, "old GDT frame writable again");
	if (load_es(0x0b) != 0x0b)
		test_fail("es did not load from GDT B");
	load_es(MICA_FLAT_RING3_DS);
}

static void check_ldt(void)
{
	uint64_t n;

	printk("SET_LDT\n");
	ldt[1] = DATA3; /* selector 0x0f: index 1, TI, RPL 3 */
	test_expect_rc(set_ldt((uint64_t)ldt, 512), -MICA_EBUSY,
		       "writable LDT page");
	test_expect_rc(cpu_remap(ldt, 0), 0, "remap LDT page read-only");
	test_expect_rc(set_ldt((uint64_t)ldt + 8, 512), -MICA_EINVAL,
		       "misaligned LDT");
	test_expect_rc(set_ldt((uint64_t)ldt, 8193), -MICA_EINVAL,
		       "8193 entries");
	test_expect_rc(set_ldt(0x1000, 512), -MICA_EFAULT, "unmapped LDT");
	test_expect_rc(set_ldt(MICA_HYPERVISOR_VIRT_START, 512), -MICA_EINVAL,
		       "LDT in the hypervisor range");
	test_expect_rc(set_ldt((uint64_t)ldt, 512), 0, "SET_LDT");
	if (load_es(0x0f) != 0x0f)
		test_fail("es did not load the LDT selector 0x0f");
	load_es(MICA_FLAT_RING3_DS);
	test_expect_rc(cpu_remap(ldt, 1), -MICA_EBUSY,
		       "mapping an LDT frame writable");
	test_expect_rc(update_desc((cpu_virt_to_mfn(ldt) << 12) + 16,
				   CALL_GATE),
		       -MICA_EINVAL, "call gate in the LDT");
	test_expect_rc(set_ldt(0, 0), 0, "no LDT");
	n = cpu_last_trap.count;
	cpu_trap_skip = 2;
	__asm__ __volatile__("mov %%ax, %%es" ::"a"(0x0f));
	cpu_trap_skip = 0;
	if (cpu_traps_since(n) != 1 || cpu_last_trap.vector != 13)
		test_fail("LDT selector without an LDT: %lu traps, vector %lu",
			  cpu_traps_since(n), cpu_last_trap.vector);
	test_expect_rc(cpu_remap(ldt, 1), 0, "old LDT frame writable again");
}

void test_main(void)
{
	long rc = cpu_traps_install();

	if (rc) {
		test_error("installing the trap table: %ld", rc);
		return;
	}
	check_gdt();
	check_ldt();
	test_pass();
}
