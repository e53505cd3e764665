/* SPDX-License-Identifier: MIT */
/*
 * Privileged-instruction emulation (public/arch-x86/pv.h "Privileged
 * instructions", arch-x86/cpuid.h, physdev.h): the filtered CPUID view and
 * Mica's leaves, port I/O by permission and virtual IOPL / I/O bitmap,
 * the MSRs a guest kernel may use and those it may not, CR moves and
 * cli/sti; and that guest user mode gets #GP for all the kernel-only ones
 * (hlt included; the kernel's hlt blocks, which the block guest tests).
 */
#include "cpu.h"
#include "hypercall.h"
#include "test.h"
#include "public/arch-x86/cpuid.h"
#include "public/arch-x86/pv.h"
#include "public/errno.h"
#include "public/physdev.h"

const char test_title[] = "privileged instructions: cpuid, port I/O, MSRs";

#define GP 13

static long set_iopl(uint32_t iopl, uint32_t pad)
{
	struct mica_physdev_set_iopl a = { iopl, pad };

	return HYPERCALL5(MICA_HC_physdev_op, MICA_PHYSDEVOP_set_iopl, &a, 0, 0,
			  0);
}

static long set_iobitmap(const void *bitmap, uint32_t nr_ports, uint32_t pad)
{
	struct mica_physdev_set_iobitmap a = { (uint64_t)bitmap, nr_ports,
					       pad };

	return HYPERCALL5(MICA_HC_physdev_op, MICA_PHYSDEVOP_set_iobitmap, &a,
			  0, 0, 0);
}

/* Runs an instruction that should (fault == 1) or should not fault with
 * #GP; faults are stepped over (len bytes). */
#define EXPECT(fault, len, what, asm_stmt)                                    \
	do {                                                                  \
		uint64_t n_ = cpu_last_trap.count;                            \
		cpu_trap_skip = (len);                                        \
		asm_stmt;                                                     \
		cpu_trap_skip = 0;                                            \
		if ((fault) &&                                                \
		    (cpu_traps_since(n_) != 1 || cpu_last_trap.vector != GP)) \
			test_fail("%s: expected #GP (%lu traps, last %lu)",   \
				  what, cpu_traps_since(n_),                  \
				  cpu_last_trap.vector);                      \
		if (!(fault) && cpu_traps_since(n_) != 0)                     \
			test_fail("%s: unexpected trap %lu error %#lx", what, \
				  cpu_last_trap.vector,                       \
				  cpu_last_trap.error_code);                  \
	} while (0)

static void check_cpuid(void)
{
	uint32_t r[4], plain[4];

	printk("cpuid\n");
	cpu_cpuid_forced(MICA_CPUID_LEAF_BASE, 0, r);
	if (r[0] < MICA_CPUID_LEAF_BASE + 1 ||
	    r[1] != MICA_CPUID_SIGNATURE_EBX ||
	    r[2] != MICA_CPUID_SIGNATURE_ECX ||
	    r[3] != MICA_CPUID_SIGNATURE_EDX)
		test_fail("leaf 0x40000000: %x %x %x %x", r[0], r[1], r[2],
			  r[3]);
	cpu_cpuid_forced(MICA_CPUID_LEAF_BASE + 1, 0, r);
	if (r[0] != MICA_ABI_VERSION)
		test_fail("leaf 0x40000001 eax %#x, expected the ABI version",
			  r[0]);
	cpu_cpuid_forced(1, 0, r);
	if (!(r[2] & (1u << 31)))
		test_fail("leaf 1: hypervisor bit clear (ecx %#x)", r[2]);
	if (r[2] & ((1u << 5) | (1u << 6) | (1u << 3)))
		test_fail("leaf 1: VMX/SMX/MONITOR shown (ecx %#x)", r[2]);
	cpu_cpuid_forced(0x80000000, 0, r);
	if (r[0] >= 0x80000001) {
		cpu_cpuid_forced(0x80000001, 0, r);
		if (r[2] & (1u << 2))
			test_fail("leaf 0x80000001: SVM shown (ecx %#x)", r[2]);
	}
	cpu_cpuid_forced(0x8000000a, 0, r);
	if (r[0] | r[1] | r[2] | r[3])
		test_fail("leaf 0x8000000a (SVM) not hidden");
	cpu_cpuid_forced(0x40000002, 0, r);
	if (r[0] | r[1] | r[2] | r[3])
		test_fail("leaf 0x40000002 should read as 0");

	/* A plain cpuid is filtered when the CPU has CPUID faulting. */
	cpu_cpuid(MICA_CPUID_LEAF_BASE, 0, plain);
	if (plain[1] == MICA_CPUID_SIGNATURE_EBX) {
		printk("CPUID faulting is on: plain cpuid is filtered\n");
		cpu_cpuid(1, 0, plain);
		cpu_cpuid_forced(1, 0, r);
		if (plain[2] != r[2] || plain[3] != r[3])
			test_fail("plain and forced leaf 1 differ");
	} else {
		printk("no CPUID faulting on this CPU: plain cpuid is raw\n");
	}
}

static void check_ports(void)
{
	static uint8_t bitmap[0x100 / 8];
	uint32_t id = 0;

	printk("port I/O\n");
	/* dom0 starts with IOPL 1 and every port Mica does not use. */
	EXPECT(0, 2, "out to 0x80 at IOPL 1",
	       __asm__ __volatile__("outb %%al, $0x80" ::"a"(0)));
	/* PCI configuration of 00:00.0 through 0xcf8/0xcfc (dword I/O). */
	EXPECT(0, 1, "outl 0xcf8",
	       __asm__ __volatile__("outl %%eax, %%dx" ::"a"(0x80000000u),
				    "d"(0xcf8)));
	EXPECT(0, 1, "inl 0xcfc",
	       __asm__ __volatile__("inl %%dx, %%eax"
				    : "=a"(id)
				    : "d"(0xcfc)));
	if (id == 0 || id == 0xffffffffu)
		test_fail("PCI 00:00.0 id read as %#x", id);
	else
		printk("PCI 00:00.0 is %04x:%04x\n", id & 0xffff, id >> 16);
	/* Mica's own ports are never a guest's. */
	EXPECT(1, 1, "in from COM1 (Mica's console)",
	       __asm__ __volatile__("inb %%dx, %%al" ::"d"(0x3fd)
				    : "rax"));
	EXPECT(1, 2, "out to the PIT",
	       __asm__ __volatile__("outb %%al, $0x43" ::"a"(0)));
	EXPECT(1, 2, "word out overlapping 0xf3/0xf4 (debug exit)",
	       __asm__ __volatile__("outw %%ax, %%dx" ::"a"(0), "d"(0xf3)));

	test_expect_rc(set_iopl(0, 0), 0, "set_iopl(0)");
	EXPECT(1, 2, "out to 0x80 at IOPL 0",
	       __asm__ __volatile__("outb %%al, $0x80" ::"a"(0)));
	/* The bitmap: 0x80 allowed, 0x81 denied. */
	for (unsigned int i = 0; i < sizeof(bitmap); i++)
		bitmap[i] = 0xff;
	bitmap[0x80 / 8] = 0xfe;
	test_expect_rc(set_iobitmap(bitmap, 0x100, 0), 0, "set_iobitmap");
	EXPECT(0, 2, "out to 0x80 allowed by the bitmap",
	       __asm__ __volatile__("outb %%al, $0x80" ::"a"(0)));
	EXPECT(1, 2, "out to 0x81 denied by the bitmap",
	       __asm__ __volatile__("outb %%al, $0x81" ::"a"(0)));
	EXPECT(1, 3, "word out to 0x80 (0x81 denied)",
	       __asm__ __volatile__("outw %%ax, $0x80" ::"a"(0)));
	test_expect_rc(set_iobitmap(0, 0, 0), 0, "removing the bitmap");
	EXPECT(1, 2, "out to 0x80 with no bitmap at IOPL 0",
	       __asm__ __volatile__("outb %%al, $0x80" ::"a"(0)));

	test_expect_rc(set_iopl(4, 0), -MICA_EINVAL, "set_iopl(4)");
	test_expect_rc(set_iopl(1, 1), -MICA_EINVAL, "set_iopl pad");
	test_expect_rc(set_iobitmap(bitmap, 65537, 0), -MICA_EINVAL,
		       "set_iobitmap 65537 ports");
	test_expect_rc(set_iobitmap(bitmap, 8, 1), -MICA_EINVAL,
		       "set_iobitmap pad");
	test_expect_rc(HYPERCALL5(MICA_HC_physdev_op, 99, 0, 0, 0, 0),
		       -MICA_ENOSYS, "unknown physdev_op");
	test_expect_rc(set_iopl(1, 0), 0, "set_iopl(1)");
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo = 0, hi = 0;

	__asm__ __volatile__("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static void check_msrs(void)
{
	uint64_t v;

	printk("MSRs\n");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base, MICA_SEGBASE_fs,
				  0x1234000, 0, 0, 0),
		       0, "set fs base");
	cpu_trap_skip = 2;
	v = rdmsr(0xc0000100);
	if (v != 0x1234000)
		test_fail("rdmsr FS_BASE: %#lx", v);
	__asm__ __volatile__("wrmsr" ::"c"(0xc0000100), "a"(0x5678000), "d"(0));
	if (rdmsr(0xc0000100) != 0x5678000)
		test_fail("wrmsr FS_BASE did not take");
	v = rdmsr(0xc0000080);
	if ((v & 0x500) != 0x500)
		test_fail("EFER %#lx lacks LME/LMA", v);
	cpu_trap_skip = 0;
	EXPECT(0, 2, "rdmsr TSC", rdmsr(0x10));
	EXPECT(0, 2, "wrmsr EFER unchanged",
	       __asm__ __volatile__("wrmsr" ::"c"(0xc0000080), "a"((uint32_t)v),
				    "d"((uint32_t)(v >> 32))));
	EXPECT(1, 2, "rdmsr APIC_BASE", rdmsr(0x1b));
	EXPECT(1, 2, "rdmsr SYSENTER_EIP", rdmsr(0x176));
	EXPECT(1, 2, "wrmsr EFER without NXE",
	       __asm__ __volatile__("wrmsr" ::"c"(0xc0000080),
				    "a"((uint32_t)v & ~0x800u), "d"(0)));
	EXPECT(1, 2, "wrmsr LSTAR",
	       __asm__ __volatile__("wrmsr" ::"c"(0xc0000082), "a"(0), "d"(0)));
	EXPECT(1, 2, "wrmsr TSC",
	       __asm__ __volatile__("wrmsr" ::"c"(0x10), "a"(0), "d"(0)));
	EXPECT(1, 2, "wrmsr FS_BASE non-canonical",
	       __asm__ __volatile__("wrmsr" ::"c"(0xc0000100), "a"(0),
				    "d"(0x80000000u)));
}

static void check_cr_and_flags(void)
{
	uint64_t cr0 = 0, cr3 = 0, n;

	printk("control registers, cli/sti\n");
	cpu_trap_skip = 0;
	n = cpu_last_trap.count;
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
	if (cpu_traps_since(n))
		test_fail("mov from cr0/cr3 trapped");
	if ((cr0 & 0x80000001) != 0x80000001 || (cr0 & 8))
		test_fail("cr0 %#lx: want PG, PE, no TS", cr0);
	if (cr3 >> 12 != cpu_virt_to_mfn((void *)start_info->pt_base))
		test_fail("cr3 %#lx is not our L4", cr3);
	HYPERCALL5(MICA_HC_fpu_taskswitch, 1, 0, 0, 0, 0);
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	if (!(cr0 & 8))
		test_fail("cr0.TS does not show fpu_taskswitch(1)");
	__asm__ __volatile__("clts");
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	if (cr0 & 8)
		test_fail("clts did not clear the virtual TS");
	EXPECT(1, 3, "mov to cr4",
	       __asm__ __volatile__("mov %0, %%cr4" ::"a"(0UL)));
	EXPECT(1, 3, "mov to cr3",
	       __asm__ __volatile__("mov %0, %%cr3" ::"a"(cr3)));
	EXPECT(1, 3, "mov to cr0 clearing PG",
	       __asm__ __volatile__(
		       "mov %0, %%cr0" ::"a"(cr0 & ~0x80000000UL)));
	EXPECT(0, 3, "mov to cr0 changing nothing",
	       __asm__ __volatile__("mov %0, %%cr0" ::"a"(cr0)));

	/* cli/sti act on the virtual IF, which int3's frame shows. */
	__asm__ __volatile__("cli");
	__asm__ __volatile__("int3");
	if (cpu_last_trap.rflags & 0x200)
		test_fail("after cli the virtual IF is still set");
	__asm__ __volatile__("sti");
	__asm__ __volatile__("int3");
	if (!(cpu_last_trap.rflags & 0x200))
		test_fail("after sti the virtual IF is clear");
}

/* Guest user mode: every kernel-only instruction is a #GP. */
static volatile uint32_t user_sig, user_traps;

static void user_code(void)
{
	uint32_t r[4];
	uint64_t n = cpu_last_trap.count;

	cpu_cpuid_forced(MICA_CPUID_LEAF_BASE, 0, r);
	user_sig = r[1];
	cpu_trap_skip = 2;
	__asm__ __volatile__("rdmsr" ::"c"(0xc0000100) : "rax", "rdx");
	cpu_trap_skip = 1;
	__asm__ __volatile__("cli");
	__asm__ __volatile__("hlt");
	cpu_trap_skip = 3;
	__asm__ __volatile__("mov %%cr0, %%rax" ::: "rax");
	cpu_trap_skip = 2;
	__asm__ __volatile__("outb %%al, $0x80" ::"a"(0)); /* IOPL 1 < 3 */
	cpu_trap_skip = 0;
	user_traps = (uint32_t)cpu_traps_since(n);
	cpu_user_return();
}

static void user_io(void)
{
	uint64_t n = cpu_last_trap.count;

	cpu_trap_skip = 2;
	__asm__ __volatile__("outb %%al, $0x80" ::"a"(0));
	cpu_trap_skip = 0;
	user_traps = (uint32_t)cpu_traps_since(n);
	cpu_user_return();
}

static void check_user_mode(void)
{
	printk("guest user mode\n");
	cpu_run_user(user_code);
	if (user_sig != MICA_CPUID_SIGNATURE_EBX)
		test_fail("forced cpuid in user mode: ebx %#x", user_sig);
	if (user_traps != 5)
		test_fail("user mode: %u of 5 privileged instructions trapped",
			  user_traps);
	if ((cpu_last_trap.cs & 3) != 3 || cpu_last_trap.vector != GP)
		test_fail("user-mode #GP frame: cs %#lx vector %lu",
			  cpu_last_trap.cs, cpu_last_trap.vector);
	test_expect_rc(set_iopl(3, 0), 0, "set_iopl(3)");
	cpu_run_user(user_io);
	if (user_traps != 0)
		test_fail("user-mode out at IOPL 3 trapped");
	test_expect_rc(set_iopl(1, 0), 0, "set_iopl(1)");
}

void test_main(void)
{
	long rc = cpu_traps_install();

	if (rc) {
		test_error("installing the trap table: %ld", rc);
		return;
	}
	check_cpuid();
	check_ports();
	check_msrs();
	check_cr_and_flags();
	check_user_mode();
	test_pass();
}
