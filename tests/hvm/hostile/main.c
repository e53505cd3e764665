/* SPDX-License-Identifier: MIT */
/*
 * A hostile HVM guest that survives: everything here must come back as a
 * clean exception or error, never touch the machine, never crash Mica.
 * The SVM and VMX instructions (#UD, hvm.h P6) on either vendor's CPU,
 * CR4.VMXE on Intel (#GP), MSRs Mica does not give out and
 * bad hypercall pages (#GP), EFER bits it may not set, hypercalls with
 * buffers outside its RAM (-EFAULT), hypercalls HVM guests do not get
 * (-ENOSYS), and debug-register-free exits such as INVD.
 */
#include "hvm.h"

#include "public/console.h"
#include "public/errno.h"
#include "public/sched.h"

const char test_title[] = "hostile guest: #UD, #GP and errors, no damage";

#define MSR_EFER 0xc0000080
#define VECTOR_UD 6
#define VECTOR_GP 13

static void expect_vector(int got, int want, const char *what)
{
	if (got != want)
		test_fail("%s: vector %d, expected %d", what, got, want);
}

static void check_svm_instructions(void)
{
	expect_vector(PROBE("vmrun", ::"a"(0UL)), VECTOR_UD, "vmrun");
	expect_vector(PROBE("vmload", ::"a"(0UL)), VECTOR_UD, "vmload");
	expect_vector(PROBE("vmsave", ::"a"(0UL)), VECTOR_UD, "vmsave");
	expect_vector(PROBE("stgi", ::), VECTOR_UD, "stgi");
	expect_vector(PROBE("clgi", ::), VECTOR_UD, "clgi");
	expect_vector(PROBE("skinit", ::"a"(0UL)), VECTOR_UD, "skinit");
	expect_vector(PROBE("invlpga", ::"a"(0UL), "c"(0)), VECTOR_UD,
		      "invlpga");
	expect_vector(PROBE("invd", ::), -1, "invd");
}

/* The Intel MSRs Linux reads without a fault handler: fixed values,
 * nothing a guest can change. */
static void check_intel_msrs(void)
{
	const uint64_t misc_enable = 0x1801; /* fast strings, no BTS/PEBS */
	uint64_t v;

	if (probe_rdmsr(0x1a0, &v) >= 0 || v != misc_enable)
		test_fail("MISC_ENABLE reads %lx, expected %lx", v,
			  misc_enable);
	expect_vector(probe_wrmsr(0x1a0, misc_enable), -1,
		      "MISC_ENABLE unchanged");
	expect_vector(probe_wrmsr(0x1a0, misc_enable | (1ULL << 34)), VECTOR_GP,
		      "MISC_ENABLE.XD_DISABLE");
	expect_vector(probe_wrmsr(0x1a0, 0), VECTOR_GP, "MISC_ENABLE 0");
	if (probe_rdmsr(0x1a0, &v) >= 0 || v != misc_enable)
		test_fail("MISC_ENABLE reads %lx after refused writes", v);
	expect_vector(probe_wrmsr(0x3b, 0), -1, "TSC_ADJUST 0");
	expect_vector(probe_wrmsr(0x3b, 1ULL << 40), VECTOR_GP,
		      "TSC_ADJUST forward");
	if (probe_rdmsr(0x3b, &v) >= 0 || v)
		test_fail("TSC_ADJUST reads %lx", v);
	expect_vector(probe_wrmsr(0x8b, 0), -1, "BIOS_SIGN_ID 0");
	if (probe_rdmsr(0x8b, &v) >= 0 || v)
		test_fail("BIOS_SIGN_ID reads %lx", v);
	/* DR7 with bits 63:32 set: #GP from the CPU itself, once the
	 * debug registers are the guest's. */
	expect_vector(PROBE("mov %%rax, %%db7", ::"a"(1UL << 40)), VECTOR_GP,
		      "DR7 bit 40");
}

/* Under VMX these exit unconditionally: Mica must refuse them. */
static void check_vmx_instructions(void)
{
	static uint64_t region[2] __attribute__((aligned(16)));
	uint64_t cr0, cr4;
	uint32_t r[4];

	expect_vector(PROBE("vmxon (%%rax)", ::"a"(region)), VECTOR_UD,
		      "vmxon");
	expect_vector(PROBE("vmxoff", ::), VECTOR_UD, "vmxoff");
	expect_vector(PROBE("vmclear (%%rax)", ::"a"(region)), VECTOR_UD,
		      "vmclear");
	expect_vector(PROBE("vmptrld (%%rax)", ::"a"(region)), VECTOR_UD,
		      "vmptrld");
	expect_vector(PROBE("vmptrst (%%rax)", ::"a"(region)), VECTOR_UD,
		      "vmptrst");
	expect_vector(PROBE("vmread %%rax, %%rcx", ::"a"(0x6c16UL)), VECTOR_UD,
		      "vmread HOST_RIP");
	expect_vector(PROBE("vmwrite %%rcx, %%rax", ::"a"(0x6c16UL), "c"(0UL)),
		      VECTOR_UD, "vmwrite HOST_RIP");
	expect_vector(PROBE("vmlaunch", ::), VECTOR_UD, "vmlaunch");
	expect_vector(PROBE("vmresume", ::), VECTOR_UD, "vmresume");
	expect_vector(PROBE("invept (%%rax), %%rcx", ::"a"(region), "c"(2UL)),
		      VECTOR_UD, "invept");
	expect_vector(PROBE("invvpid (%%rax), %%rcx", ::"a"(region), "c"(2UL)),
		      VECTOR_UD, "invvpid");
	expect_vector(PROBE("getsec", ::"a"(0UL)), VECTOR_UD, "getsec");
	/* CR4.VMXE: VMX keeps it set underneath, Mica refuses it (on AMD
	 * it is the CPU's reserved bit; QEMU's TCG does not check it). */
	cpuid(0, 0, r);
	if (r[1] != 0x756e6547) /* "Genu" ineIntel */
		return;
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	expect_vector(PROBE("mov %%rax, %%cr4", ::"a"(cr4 | (1UL << 13))),
		      VECTOR_GP, "CR4.VMXE");
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	if (cr4 & (1UL << 13))
		test_fail("CR4 reads %lx after the refused VMXE write", cr4);
	/* Paging off in 64-bit code: #GP, as on the bare CPU (Mica owns
	 * CR0.PG under VMX, so it must check this itself). */
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	expect_vector(PROBE("mov %%rax, %%cr0", ::"a"(cr0 & ~(1UL << 31))),
		      VECTOR_GP, "CR0.PG off in 64-bit mode");
	check_intel_msrs();
}

static void check_msrs(void)
{
	uint64_t v, ram = hvm_start_info->nr_pages * MICA_PAGE_SIZE;
	static const uint32_t refused[] = {
		0xc0010117 /* VM_HSAVE_PA */,
		0xc0010114 /* VM_CR */,
		0x3a /* FEATURE_CONTROL */,
		0xc0010015 /* HWCR */,
		0x12345678,
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(refused); i++) {
		if (probe_rdmsr(refused[i], &v) != VECTOR_GP)
			test_fail("rdmsr %x gave %lx, expected #GP", refused[i],
				  v);
		if (probe_wrmsr(refused[i], 0) != VECTOR_GP)
			test_fail("wrmsr %x did not raise #GP", refused[i]);
	}
	/* APIC_BASE: the APIC cannot move, x2APIC needs it enabled. */
	if (probe_wrmsr(0x1b, 0) != VECTOR_GP ||
	    probe_wrmsr(0x1b, 0xfed00000ULL | (1u << 11)) != VECTOR_GP ||
	    probe_wrmsr(0x1b, 0xfee00000ULL | (1u << 10)) != VECTOR_GP)
		test_fail("APIC_BASE accepted a move or x2APIC while off");
	if (probe_rdmsr(0x1b, &v) >= 0 || v != (0xfee00000ULL | 0x900))
		test_fail("APIC_BASE reads %lx after refused writes", v);
	/* EFER: SVME and reserved bits are refused; LME may not change
	 * with paging on. */
	probe_rdmsr(MSR_EFER, &v);
	expect_vector(probe_wrmsr(MSR_EFER, v | (1u << 12)), VECTOR_GP,
		      "EFER.SVME");
	expect_vector(probe_wrmsr(MSR_EFER, v | (1u << 20)), VECTOR_GP,
		      "EFER reserved bit");
	expect_vector(probe_wrmsr(MSR_EFER, v & ~0x100UL), VECTOR_GP,
		      "EFER.LME off with paging on");
	expect_vector(probe_wrmsr(MSR_EFER, v), -1, "EFER unchanged");
	/* PAT with a reserved memory type. */
	expect_vector(probe_wrmsr(0x277, 0x0202020202020202UL), VECTOR_GP,
		      "PAT type 2");
	/* Hypercall pages that are not an aligned page of its RAM. */
	expect_vector(probe_wrmsr(MICA_MSR_HYPERCALL_PAGE, ram), VECTOR_GP,
		      "hypercall page at the end of RAM");
	expect_vector(probe_wrmsr(MICA_MSR_HYPERCALL_PAGE, 0xfee00000UL),
		      VECTOR_GP, "hypercall page on the local APIC");
	expect_vector(probe_wrmsr(MICA_MSR_HYPERCALL_PAGE,
				  (uint64_t)hypercall_page + 8),
		      VECTOR_GP, "misaligned hypercall page");
	expect_vector(probe_wrmsr(MICA_MSR_HYPERCALL_PAGE, ~0UL & ~0xfffUL),
		      VECTOR_GP, "hypercall page at the top of the space");
	probe_rdmsr(MICA_MSR_HYPERCALL_PAGE, &v);
	if (v != (uint64_t)hypercall_page)
		test_fail("refused writes changed the hypercall page MSR "
			  "to %lx",
			  v);
}

static void check_hypercall_buffers(void)
{
	uint64_t ram = hvm_start_info->nr_pages * MICA_PAGE_SIZE;
	struct mica_sched_shutdown *beyond = (void *)ram;

	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_write, 16,
					    (void *)(ram - 8)),
		       -MICA_EFAULT, "console write straddling the RAM end");
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_write, 16,
					    (void *)0xfee00000UL),
		       -MICA_EFAULT, "console write from the local APIC");
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_write, 16,
					    (void *)-8L),
		       -MICA_EFAULT, "console write wrapping the space");
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_shutdown, beyond),
		       -MICA_EFAULT, "shutdown argument beyond RAM");
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_remote_shutdown,
					  (void *)0x1000),
		       -MICA_EPERM, "remote shutdown");
	/* Event channels (tests/hvm/evtchn_upcall): buffers in RAM too. */
	test_expect_rc(hypercall_by_number(MICA_HC_event_channel_op, 5,
					   (uint64_t)(uintptr_t)beyond, 0, 0,
					   0),
		       -MICA_EFAULT, "event channel argument beyond RAM");
	/* The PV paging and CPU interface, privileged calls: not for HVM
	 * (vcpu_op: only the sub-ops of vcpu.h set_upcall_vector rule 6). */
	for (unsigned int nr = 3; nr < 128; nr++) {
		if (nr == MICA_HC_console_io || nr == MICA_HC_sched_op ||
		    nr == MICA_HC_event_channel_op)
			continue;
		test_expect_rc(hypercall_by_number(nr, 0, 0, 0, 0, 0),
			       -MICA_ENOSYS, "hypercall %u", nr);
	}
}

void test_main(void)
{
	check_svm_instructions();
	check_vmx_instructions();
	check_msrs();
	check_hypercall_buffers();
	test_pass();
}
