/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_iret to user mode on the guest's own selectors (public/arch-x86/
 * pv.h, MICA_HC_iret notes 1 and 5):
 *   - code and stack selectors of its GDT and LDT that load are returned
 *     to: 64-bit and 32-bit code, with and without MICA_IRET_FROM_SYSCALL
 *     (a SYSRET-shaped frame with a guest ss must not leave by SYSRET);
 *     32-bit code stays 32-bit across an exit of Mica's (an emulated
 *     CPUID); an int3 in 32- and 16-bit code with a segment base is found
 *     at base + eip;
 *   - ones a native IRET refuses (null, data as code, code or read-only
 *     data as stack, not present, beyond the table, Mica's ring-0 and
 *     flat selectors in the wrong role, a non-canonical rip) give the
 *     guest kernel the #GP/#NP/#SS a native IRET raises, with its error
 *     code, from user mode at the return target;
 *   - so do faults of Mica's exit IRETQ itself: a rip beyond a 32-bit
 *     segment's limit (on hardware; TCG faults at the fetch), and a code
 *     descriptor vcpu 1 makes not present after the iret checked it,
 *     while vcpu 0 runs on it (that was a hypervisor panic).
 */
#include "boot.h"
#include "cpu.h"
#include "hypercall.h"
#include "layout.h"
#include "lib.h"
#include "test.h"
#include "vcpu.h"
#include "public/arch-x86/layout.h"
#include "public/errno.h"
#include "public/mmu.h"

const char test_title[] = "iret to user mode on the guest's own selectors";

#define CODE64 0x00affb000000ffffULL /* 64-bit code, DPL 3 */
#define CODE32 0x00cffb000000ffffULL /* 32-bit code, 4 GiB */
#define CODE32_TINY 0x0040fb0000000000ULL /* 32-bit code, limit 0 */
#define DATA 0x00cff3000000ffffULL /* writable data, DPL 3 */
#define DATA_RO 0x00cff1000000ffffULL /* read-only data */
#define CODE16 0x0000fb000000ffffULL /* 16-bit code, 64 KiB */
#define DESC_P (1ULL << 47)
/* A descriptor with base LOW_CODE (bits 16..39 and 56..63). */
#define BASED(d) ((d) | (LOW_CODE & 0xffffff) << 16 | (LOW_CODE >> 24) << 56)

/* LDT selectors (TI, RPL 3) and GDT ones (RPL 3). */
#define L(i) ((uint16_t)((i) << 3 | 7))
#define G(i) ((uint16_t)((i) << 3 | 3))
#define LDT_CODE64 1
#define LDT_CODE32 2
#define LDT_DATA 3
#define LDT_DATA_RO 4
#define LDT_CODE64_NP 5
#define LDT_DATA_NP 6
#define LDT_CODE32_TINY 7
#define LDT_RACE 8 /* made not present by vcpu 1 */
#define LDT_CODE32_BASED 9 /* based at LOW_CODE */
#define LDT_CODE16_BASED 10
#define LDT_ENTRIES 16
#define GDT_CODE64 1
#define GDT_DATA 2
#define GDT_CODE32 3

#define HV_CS 0xe028 /* Mica's ring-0 code and data (docs/design.md) */
#define HV_SS 0xe030

/* A low page for 32-bit code and its stack (compat mode addresses). */
#define LOW_CODE 0x400000ULL
#define LOW_STACK_TOP 0x402000ULL

#define MARK_TRAP 0x7a7a7a7aULL
#define MARK_NO_FAULT 0x0f0f0f0fULL

static uint64_t gdt[512] __attribute__((aligned(4096)));
static uint64_t ldt[512] __attribute__((aligned(4096)));
static uint8_t low_stack[4096] __attribute__((aligned(4096)));
static uint64_t ldt_mfn;

/* What the last trap from user mode looked like. */
static volatile struct {
	uint64_t vector, error, rip, cs, ss, rax, rsi, rdi, count;
} seen;
volatile uint64_t user_running, desc_gone; /* also read by u_race */

/* clang-format off */
/*
 * iret_user(rip, cs, rsp, ss, flags): MICA_HC_iret to user mode with that
 * frame; returns the rax of the user's `syscall` (cpu_user_syscall comes
 * back here through cpu_saved_kernel_rsp).
 */
__asm__(".text\n"
	"iret_user:\n"
	"	push %rbp\n	push %rbx\n	push %r12\n"
	"	push %r13\n	push %r14\n	push %r15\n"
	"	mov %rsp, cpu_saved_kernel_rsp(%rip)\n"
	"	push %rcx\n"			/* ss */
	"	push %rdx\n"			/* rsp */
	"	push $0x202\n"			/* rflags: IF */
	"	push %rsi\n"			/* cs */
	"	push %rdi\n"			/* rip */
	"	push %r8\n"			/* MICA_IRET_* flags */
	"	mov $0x1234, %eax\n"
	"	jmp hypercall_page + 14 * 32\n"
	/* 64-bit user code: rax = ss << 16 | cs, back by syscall. */
	"u_report:\n"
	"	mov %cs, %eax\n"
	"	mov %ss, %edx\n"
	"	shl $16, %edx\n"
	"	or %edx, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* Where the trap hook sends user mode: back by syscall. */
	"u_back:\n"
	"	mov $0x7a7a7a7a, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* u_race(): tells vcpu 1 it runs, waits until the descriptor of
	 * its cs is gone, then has Mica emulate a CPUID (forced prefix):
	 * the exit IRETQ reloads cs.  rax = MARK_NO_FAULT if it did not
	 * fault, 0 if vcpu 1 never answered. */
	"u_race:\n"
	"	movq $1, user_running(%rip)\n"
	"	mov $0x40000000, %ecx\n"
	"1:	cmpq $0, desc_gone(%rip)\n"
	"	jne 2f\n"
	"	pause\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	xor %eax, %eax\n"
	"	syscall\n"
	"2:	xor %eax, %eax\n"
	"	xor %ecx, %ecx\n"
	"	ud2; .ascii \"mica\"; cpuid\n"
	".globl u_race_after\n"
	"u_race_after:\n"
	"	mov $0x0f0f0f0f, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* 32-bit user code, copied to LOW_CODE: esi = cs, edi = ss; a
	 * CPUID Mica emulates (its exit must return to 32-bit code); eax = 1
	 * if still in 32-bit code (0x40 is inc %eax there, a REX prefix in
	 * 64-bit code), then #UD for the trap hook. */
	".balign 16\n"
	"u32_code:\n"
	".code32\n"
	"	mov %cs, %esi\n"
	"	mov %ss, %edi\n"
	"	xor %eax, %eax\n"
	"	xor %ecx, %ecx\n"
	"	ud2; .ascii \"mica\"; cpuid\n"
	"	xor %eax, %eax\n"
	"	.byte 0x40\n"
	"	nop\n"
	"u32_ud2:\n"
	"	ud2\n"
	/* A prefixed int3, for code segments based at LOW_CODE. */
	"u32_int3:\n"
	"	.byte 0x2e\n"
	"	int3\n"
	"	ud2\n"
	".code64\n"
	"u32_code_end:\n");
/* clang-format on */
uint64_t iret_user(uint64_t rip, uint64_t cs, uint64_t rsp, uint64_t ss,
		   uint64_t flags);
extern char u_report[], u_back[], u_race[], u_race_after[], u32_code[],
	u32_ud2[], u32_int3[], u32_code_end[];
extern uint8_t user_stack[16384];

#define USER_STACK_TOP ((uint64_t)user_stack + sizeof(user_stack))

static void trap_hook(struct cpu_trap_frame *f)
{
	seen.vector = f->vector;
	seen.error = f->error_code;
	seen.rip = f->rip;
	seen.cs = f->cs;
	seen.ss = f->ss;
	seen.rax = f->rax;
	seen.rsi = f->rsi;
	seen.rdi = f->rdi;
	seen.count++;
	if ((f->cs & 3) != 3)
		return; /* a kernel-mode trap: the test's own bug */
	f->rip = (uint64_t)u_back;
	f->cs = MICA_FLAT_USER_CS;
	f->ss = MICA_FLAT_USER_SS;
	f->rsp = USER_STACK_TOP;
}

static long update_desc(uint64_t mfn, unsigned int i, uint64_t d)
{
	return HYPERCALL5(MICA_HC_update_descriptor, (mfn << 12) + i * 8, d, 0,
			  0, 0);
}

/* Maps a code page (a copy of u32_code) and a stack page at 4 MiB in our
 * own L4, which user mode shares: compat mode needs low addresses. */
static bool map_low_pages(void)
{
	static uint8_t code[4096] __attribute__((aligned(4096)));
	uint64_t pfn = (boot_mapping_end() - GUEST_VIRT_BASE) >> 12;
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	uint64_t l3 = p2m[pfn], l2 = p2m[pfn + 1], l1 = p2m[pfn + 2];
	uint64_t l4 = guest_l4_mfn();
	long rc = 0;

	memcpy(code, u32_code, (size_t)(u32_code_end - u32_code));
	rc |= guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, l1, 0);
	rc |= guest_mmu_update1(l1 << 12,
				(cpu_virt_to_mfn(code) << 12) | PTE_P);
	rc |= guest_mmu_update1((l1 << 12) + 8,
				(cpu_virt_to_mfn(low_stack) << 12) | PTE_P |
					PTE_W);
	rc |= guest_mmuext1(MICA_MMUEXT_PIN_L2_TABLE, l2, 0);
	rc |= guest_mmu_update1((l2 << 12) + 2 * 8, (l1 << 12) | PTE_P | PTE_W);
	rc |= guest_mmuext1(MICA_MMUEXT_PIN_L3_TABLE, l3, 0);
	rc |= guest_mmu_update1(l3 << 12, (l2 << 12) | PTE_P | PTE_W);
	rc |= guest_mmu_update1(l4 << 12, (l3 << 12) | PTE_P | PTE_W);
	if (rc) {
		test_error("cannot map the low pages");
		return false;
	}
	return true;
}

static bool set_up_tables(void)
{
	uint64_t gdt_mfn = cpu_virt_to_mfn(gdt);

	ldt_mfn = cpu_virt_to_mfn(ldt);
	ldt[LDT_CODE64] = CODE64;
	ldt[LDT_CODE32] = CODE32;
	ldt[LDT_DATA] = DATA;
	ldt[LDT_DATA_RO] = DATA_RO;
	ldt[LDT_CODE64_NP] = CODE64 & ~DESC_P;
	ldt[LDT_DATA_NP] = DATA & ~DESC_P;
	ldt[LDT_CODE32_TINY] = CODE32_TINY;
	ldt[LDT_RACE] = CODE64;
	ldt[LDT_CODE32_BASED] = BASED(CODE32);
	ldt[LDT_CODE16_BASED] = BASED(CODE16);
	gdt[GDT_CODE64] = CODE64;
	gdt[GDT_DATA] = DATA;
	gdt[GDT_CODE32] = CODE32;
	if (cpu_remap(gdt, 0) || cpu_remap(ldt, 0) ||
	    HYPERCALL5(MICA_HC_set_gdt, &gdt_mfn, 512, 0, 0, 0) ||
	    guest_mmuext1(MICA_MMUEXT_SET_LDT, (uint64_t)ldt, LDT_ENTRIES)) {
		test_error("cannot install the GDT and LDT");
		return false;
	}
	return true;
}

/* A return that must run user code on cs/ss (64-bit). */
static void expect_runs(uint16_t cs, uint16_t ss, uint64_t flags)
{
	uint64_t before = seen.count;
	uint64_t r =
		iret_user((uint64_t)u_report, cs, USER_STACK_TOP, ss, flags);

	if (seen.count != before)
		test_fail("cs %x ss %x flags %lx: trap %lu (error %lx) at %lx",
			  cs, ss, flags, seen.vector, seen.error, seen.rip);
	else if (r != ((uint64_t)ss << 16 | cs))
		test_fail("cs %x ss %x flags %lx: user mode saw %lx", cs, ss,
			  flags, r);
}

/* A return to 32-bit code on cs/ss: it reports them, stays in 32-bit code
 * across an exit of Mica's, and ends in #UD. */
static void expect_runs32(uint16_t cs, uint16_t ss)
{
	uint64_t before = seen.count;
	uint64_t r = iret_user(LOW_CODE, cs, LOW_STACK_TOP, ss, 0);
	uint64_t ud2_at = LOW_CODE + (uint64_t)(u32_ud2 - u32_code);

	if (r != MARK_TRAP || seen.count != before + 1 || seen.vector != 6 ||
	    seen.cs != cs || seen.ss != ss || seen.rip != ud2_at ||
	    (seen.rsi & 0xffff) != cs || (seen.rdi & 0xffff) != ss ||
	    seen.rax != 1)
		test_fail("32-bit cs %x ss %x: rax %lx, trap %lu at %lx cs "
			  "%lx ss %lx, saw %lx/%lx, 32-bit after the exit: %lu",
			  cs, ss, r, seen.vector, seen.rip, seen.cs, seen.ss,
			  seen.rsi & 0xffff, seen.rdi & 0xffff, seen.rax);
}

/*
 * A return a native IRET refuses: exception vec with error code 'error'
 * (any if error < 0) from user mode at rip on cs/ss.
 */
static void expect_fault(uint64_t rip, uint16_t cs, uint16_t ss,
			 unsigned int vec, long error, const char *what)
{
	uint64_t before = seen.count;
	uint64_t r = iret_user(rip, cs, USER_STACK_TOP, ss, 0);

	if (r != MARK_TRAP || seen.count != before + 1) {
		test_fail("%s (cs %x ss %x): no trap (rax %lx)", what, cs, ss,
			  r);
		return;
	}
	if (seen.vector != vec || (error >= 0 && seen.error != (uint64_t)error))
		test_fail("%s: vector %lu error %lx, want %u error %lx", what,
			  seen.vector, seen.error, vec, error);
	if (seen.rip != rip || seen.cs != cs || seen.ss != ss)
		test_fail("%s: frame rip %lx cs %lx ss %lx, want %lx %x %x",
			  what, seen.rip, seen.cs, seen.ss, rip, cs, ss);
}

/* A return the CPU may refuse in the exit IRETQ or at the first fetch:
 * one fault from user mode on cs. */
static void expect_user_fault(uint64_t rip, uint16_t cs, const char *what)
{
	uint64_t before = seen.count;
	uint64_t r = iret_user(rip, cs, LOW_STACK_TOP, L(LDT_DATA), 0);

	if (r != MARK_TRAP || seen.count != before + 1 || seen.cs != cs)
		test_fail("%s: rax %lx, %lu traps, cs %lx", what, r,
			  seen.count - before, seen.cs);
	else
		printk("%s: vector %lu error %lx at %lx\n", what, seen.vector,
		       seen.error, seen.rip);
}

/* int3 (DPL 3) in code with a segment base: Mica finds the instruction
 * at base + eip, and the trap returns after it. */
static void expect_int3_based(uint16_t cs)
{
	uint64_t before = seen.count, at = (uint64_t)(u32_int3 - u32_code);
	uint64_t r = iret_user(at, cs, LOW_STACK_TOP, L(LDT_DATA), 0);

	if (r != MARK_TRAP || seen.count != before + 1 || seen.vector != 3 ||
	    seen.rip != at + 2 || seen.cs != cs)
		test_fail("cs int3 on cs %x at %lx: rax %lx, trap %lu at %lx "
			  "cs %lx",
			  cs, at, r, seen.vector, seen.rip, seen.cs);
}

static void race_vcpu(unsigned int id)
{
	(void)id;
	while (!user_running)
		__asm__ __volatile__("pause");
	if (update_desc(ldt_mfn, LDT_RACE, CODE64 & ~DESC_P))
		desc_gone = 2;
	else
		desc_gone = 1;
}

static void check_race(void)
{
	uint64_t before = seen.count, r;

	printk("descriptor removed by vcpu 1 after the iret checked it\n");
	if (!test_expect_rc(vcpu_start(1, race_vcpu), 0, "start vcpu 1"))
		return;
	r = iret_user((uint64_t)u_race, L(LDT_RACE), USER_STACK_TOP,
		      MICA_FLAT_USER_SS, 0);
	if (desc_gone != 1) {
		test_error("vcpu 1 did not remove the descriptor (%lu)",
			   desc_gone);
		return;
	}
	/* After the emulated CPUID, or earlier if an interrupt made Mica
	 * exit to the spin loop once the descriptor was gone. */
	if (r != MARK_TRAP || seen.count != before + 1 || seen.vector != 11 ||
	    seen.error != (L(LDT_RACE) & ~3) || seen.rip < (uint64_t)u_race ||
	    seen.rip > (uint64_t)u_race_after || seen.cs != L(LDT_RACE))
		test_fail("exit on a removed descriptor: rax %lx, trap %lu "
			  "error %lx at %lx cs %lx (want #NP(%x) at %lx)",
			  r, seen.vector, seen.error, seen.rip, seen.cs,
			  L(LDT_RACE) & ~3, (uint64_t)u_race_after);
	else
		printk("#NP(%lx) from user mode at %s\n", seen.error,
		       seen.rip == (uint64_t)u_race_after ?
			       "the emulated CPUID's return" :
			       "the spin loop (an interrupt's exit)");
	/* Present again: it runs. */
	test_expect_rc(update_desc(ldt_mfn, LDT_RACE, CODE64), 0,
		       "restore the descriptor");
	expect_runs(L(LDT_RACE), MICA_FLAT_USER_SS, 0);
}

void test_main(void)
{
	uint64_t noncanonical = 0x0000800000001000ULL;

	if (cpu_traps_install()) {
		test_error("cannot install the trap table");
		return;
	}
	cpu_trap_hook = trap_hook;
	cpu_trap_skip = 0;
	if (!set_up_tables() || !map_low_pages())
		return;

	printk("selectors that load\n");
	expect_runs(MICA_FLAT_USER_CS, MICA_FLAT_USER_SS, 0);
	expect_runs(L(LDT_CODE64), L(LDT_DATA), 0);
	expect_runs(L(LDT_CODE64), L(LDT_DATA), MICA_IRET_FROM_SYSCALL);
	expect_runs(L(LDT_CODE64), MICA_FLAT_USER_SS, 0);
	expect_runs(MICA_FLAT_USER_CS, L(LDT_DATA), 0);
	/* A SYSRET-shaped frame whose ss SYSRET would not load. */
	expect_runs(MICA_FLAT_USER_CS, L(LDT_DATA), MICA_IRET_FROM_SYSCALL);
	expect_runs(G(GDT_CODE64), G(GDT_DATA), 0);
	expect_runs(G(GDT_CODE64), G(GDT_DATA), MICA_IRET_FROM_SYSCALL);
	expect_runs(G(GDT_CODE64), L(LDT_DATA), 0);
	expect_runs32(L(LDT_CODE32), L(LDT_DATA));
	expect_runs32(G(GDT_CODE32), G(GDT_DATA));
	expect_runs32(MICA_FLAT_USER_CS32, L(LDT_DATA));
	expect_runs32(L(LDT_CODE32), MICA_FLAT_USER_SS);
	expect_int3_based(L(LDT_CODE32_BASED));
	expect_int3_based(L(LDT_CODE16_BASED));

	printk("selectors a native IRET refuses\n");
	expect_fault((uint64_t)u_report, 3, MICA_FLAT_USER_SS, 13, 0,
		     "null cs");
	expect_fault((uint64_t)u_report, MICA_FLAT_USER_CS, 3, 13, 0,
		     "null ss");
	expect_fault((uint64_t)u_report, L(LDT_DATA), L(LDT_DATA), 13,
		     L(LDT_DATA) & ~3, "data as cs");
	expect_fault((uint64_t)u_report, MICA_FLAT_USER_DS, MICA_FLAT_USER_SS,
		     13, MICA_FLAT_USER_DS & ~3, "Mica's data selector as cs");
	expect_fault((uint64_t)u_report, L(LDT_CODE64), L(LDT_CODE64), 13,
		     L(LDT_CODE64) & ~3, "code as ss");
	expect_fault((uint64_t)u_report, L(LDT_CODE64), MICA_FLAT_USER_CS, 13,
		     MICA_FLAT_USER_CS & ~3, "Mica's code selector as ss");
	expect_fault((uint64_t)u_report, L(LDT_CODE64), L(LDT_DATA_RO), 13,
		     L(LDT_DATA_RO) & ~3, "read-only data as ss");
	expect_fault((uint64_t)u_report, L(LDT_CODE64_NP), L(LDT_DATA), 11,
		     L(LDT_CODE64_NP) & ~3, "cs not present");
	expect_fault((uint64_t)u_report, L(LDT_CODE64), L(LDT_DATA_NP), 12,
		     L(LDT_DATA_NP) & ~3, "ss not present");
	expect_fault((uint64_t)u_report, L(100), L(LDT_DATA), 13, L(100) & ~3,
		     "cs beyond the LDT");
	expect_fault((uint64_t)u_report, L(LDT_CODE64), L(LDT_ENTRIES), 13,
		     L(LDT_ENTRIES) & ~3, "ss beyond the LDT");
	expect_fault((uint64_t)u_report, G(1000), G(GDT_DATA), 13, G(1000) & ~3,
		     "cs beyond the GDT");
	expect_fault((uint64_t)u_report, HV_CS | 3, MICA_FLAT_USER_SS, 13,
		     HV_CS, "Mica's ring-0 cs");
	expect_fault((uint64_t)u_report, MICA_FLAT_USER_CS, HV_SS | 3, 13,
		     HV_SS, "Mica's ring-0 ss");
	expect_fault(noncanonical, MICA_FLAT_USER_CS, MICA_FLAT_USER_SS, 13, 0,
		     "non-canonical rip");
	expect_fault(noncanonical, L(LDT_CODE64), L(LDT_DATA), 13, 0,
		     "non-canonical rip on LDT code");

	printk("faults of the exit IRETQ\n");
	/* On hardware IRETQ checks rip against the limit of 32-bit code:
	 * #GP(0) in Mica's exit, the guest's.  QEMU's TCG does not, and
	 * the fault comes at the first fetch: either way one fault, from
	 * user mode on that cs. */
	expect_user_fault(0x100000000ULL, MICA_FLAT_USER_CS32,
			  "rip above 4 GiB on Mica's 32-bit cs");
	expect_user_fault(LOW_CODE + 1, L(LDT_CODE32_TINY),
			  "rip beyond the limit of LDT code");
	check_race();

	/* And the ordinary way back still works. */
	expect_runs(MICA_FLAT_USER_CS, MICA_FLAT_USER_SS,
		    MICA_IRET_FROM_SYSCALL);
	test_pass();
}
