/* SPDX-License-Identifier: MIT */
/*
 * Guest user mode on its own page tables (public/arch-x86/layout.h,
 * pv.h, mmu.h NEW_USER_BASEPTR): the guest kernel builds a user L4 that
 * maps only a code, a data and a stack page at 4 MiB, runs a user process
 * there, and checks that
 *   - `syscall` from user mode reaches the kernel's syscall callback on the
 *     kernel page tables and stack, with its arguments, and MICA_HC_iret
 *     (with and without MICA_IRET_FROM_SYSCALL) brings the result back with
 *     every other register intact, over many round trips;
 *   - a user `syscall` with a hypercall number is a system call, never a
 *     hypercall, and a bogus (non-canonical) user rsp does not hurt;
 *   - user page faults reach the kernel with U set in the error code and
 *     cr2, and a fault the kernel fixes (maps the page) is resumed;
 *   - the kernel image and the hypervisor are not reachable from user mode;
 *   - fs is shared and gs swaps between the user and the kernel base;
 *   - int3 at DPL 3 is delivered from user mode with a user cs;
 *   - timer events (VIRQ_TIMER upcalls) interrupt user mode and return
 *     to it;
 *   - compat (32-bit) user mode: `syscall` reaches the syscall32 callback
 *     and `sysenter` the sysenter callback, each with the frame after the
 *     instruction (rcx as the instruction left it); without a sysenter
 *     callback, and from 64-bit user mode, `sysenter` is the CPU's fault.
 * It also prints the user syscall round trip for `make bench`.
 */
#include "bench.h"
#include "boot.h"
#include "cpu.h"
#include "events.h"
#include "hypercall.h"
#include "layout.h"
#include "test.h"
#include "public/arch-x86/layout.h"
#include "public/arch-x86/pv.h"
#include "public/errno.h"
#include "public/mmu.h"
#include "public/sched.h"
#include "public/shared_info.h"

const char test_title[] = "guest user mode on separate page tables";

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_U 0x4ULL
#define PF_P 0x1ULL
#define PF_W 0x2ULL
#define PF_U 0x4ULL

/* The user address space (one L1 at L4/L3 index 0, L2 index 2). */
#define USER_CODE 0x400000ULL
#define USER_DATA 0x401000ULL
#define USER_STACK 0x402000ULL
#define USER_LAZY 0x403000ULL /* mapped on the first fault */
#define USER_STACK_TOP (USER_STACK + 4096)

/* System calls of this little kernel. */
#define SYS_NULL 0
#define SYS_ADD 1 /* a1 + a2 * a3 */
#define SYS_REPORT 40 /* records a1, a2 and the kernel gs word */
#define SYS_FLAGS 41 /* records the kernel's and the frame's rflags */
#define SYS_EXIT 60
#define SYS_NONE_RESULT (-38) /* -ENOSYS for anything else */

#define RFLAGS_DF 0x400ULL
#define RFLAGS_DF_AC 0x40400ULL
#define BENCH_ITERATIONS 20000
#define MARK_FAULT 0xfa17fa17ULL

/* Pages the user L1 maps; the kernel sees the same frames here. */
static uint8_t user_data[4096] __attribute__((aligned(4096)));
static uint8_t user_stack[4096] __attribute__((aligned(4096)));
static uint8_t user_lazy[4096] __attribute__((aligned(4096)));
static uint64_t kernel_secret[512] __attribute__((aligned(4096)));
static uint64_t kernel_gs_word[512] __attribute__((aligned(4096)));

/* Set by the handlers, read by the test. */
static volatile uint64_t syscalls_seen, last_nr, report_a1, report_a2,
	report_kernel_gs;
static volatile uint64_t syscall_frame_cs, syscall_frame_ss;
static volatile uint64_t flags_kernel, flags_frame;
static volatile uint64_t faults, last_cr2, last_error, last_fault_cs;
static uint64_t user_l1_mfn;
static bool map_lazy_on_fault;

/*
 * The user program: one page of position-independent code, mapped at
 * USER_CODE.  Every routine ends with SYS_EXIT(value), which returns
 * value from run_user().
 */
/* clang-format off */
#define USER_EXIT "	mov $60, %eax\n	syscall\n	ud2\n"
__asm__(".section .text.user_page, \"ax\"\n"
	".balign 4096\n"
	"user_page:\n"
	/* u_add_loop(): 1000 SYS_ADD calls, checking the result and that
	 * rdi, rsi, rdx, r8-r10, rbx, rbp, r12-r15 survive; exits with the
	 * number of mismatches. */
	"u_add_loop:\n"
	"	xor %r12d, %r12d\n"
	"	mov $1000, %r13d\n"
	"	mov $0x5a5a5a5a5a5a, %r14\n"
	"	mov $0x0123456789ab, %r8\n"
	"	mov $0x0a0b0c0d, %r9\n"
	"	mov $0x77, %r10d\n"
	"1:	mov $1, %eax\n"
	"	mov %r13, %rdi\n"
	"	mov $0x1000, %esi\n"
	"	mov $3, %edx\n"
	"	syscall\n"
	"	lea 0x3000(%r13), %r15\n"
	"	cmp %r15, %rax\n	je 2f\n	inc %r12\n"
	"2:	cmp %r13, %rdi\n	je 3f\n	inc %r12\n"
	"3:	cmp $0x1000, %rsi\n	je 4f\n	inc %r12\n"
	"4:	cmp $3, %rdx\n	je 5f\n	inc %r12\n"
	"5:	mov $0x5a5a5a5a5a5a, %r15\n"
	"	cmp %r15, %r14\n	je 6f\n	inc %r12\n"
	"6:	mov $0x0123456789ab, %r15\n"
	"	cmp %r15, %r8\n	je 7f\n	inc %r12\n"
	"7:	cmp $0x0a0b0c0d, %r9\n	je 8f\n	inc %r12\n"
	"8:	cmp $0x77, %r10\n	je 9f\n	inc %r12\n"
	"9:	dec %r13\n	jnz 1b\n"
	"	mov %r12, %rdi\n"
	USER_EXIT
	/* u_null_loop(n): n SYS_NULL calls (the benchmark). */
	"u_null_loop:\n"
	"	mov %rdi, %rbx\n"
	"1:	xor %eax, %eax\n"
	"	syscall\n"
	"	dec %rbx\n	jnz 1b\n"
	"	xor %edi, %edi\n"
	USER_EXIT
	/* u_read(addr): exits with *addr, or what the fault handler left
	 * in rax (the load is 3 bytes: 48 8b 07). */
	"u_read:\n"
	"	mov (%rdi), %rax\n"
	"	mov %rax, %rdi\n"
	USER_EXIT
	/* u_write(addr, value): *addr = value (3 bytes: 48 89 37). */
	"u_write:\n"
	"	xor %eax, %eax\n"
	"	mov %rsi, (%rdi)\n"
	"	mov %rax, %rdi\n"
	USER_EXIT
	/* u_segments(): SYS_REPORT(%gs:0, %fs:0), then exit with %gs:0 read
	 * again after the round trip. */
	"u_segments:\n"
	"	mov %gs:0, %rdi\n"
	"	mov %fs:0, %rsi\n"
	"	mov $40, %eax\n"
	"	syscall\n"
	"	mov %gs:0, %rdi\n"
	USER_EXIT
	/* u_hypercalls(): `syscall` with hypercall numbers: sched_op
	 * shutdown (poweroff) and iret to kernel mode with a forged frame.
	 * Both must be plain system calls; exits with the sum of results. */
	"u_hypercalls:\n"
	"	sub $16, %rsp\n"
	"	movl $0, (%rsp)\n"		/* mica_sched_shutdown: poweroff */
	"	mov $2, %edi\n"			/* MICA_SCHEDOP_shutdown */
	"	mov %rsp, %rsi\n"
	"	mov $2, %eax\n"			/* MICA_HC_sched_op */
	"	syscall\n"
	"	mov %rax, %rbx\n"
	"	push $0xe01b\n	push %rsp\n	push $0x2\n"
	"	push $0xe020\n"			/* kernel-mode cs */
	"	lea u_hypercalls(%rip), %rcx\n	push %rcx\n"
	"	push $0\n	push $0\n	push $0\n	push $0\n"
	"	mov $14, %eax\n"		/* MICA_HC_iret */
	"	syscall\n"
	"	add %rax, %rbx\n"
	"	mov %rbx, %rdi\n"
	USER_EXIT
	/* u_bad_rsp(): a system call with a non-canonical rsp. */
	"u_bad_rsp:\n"
	"	mov %rsp, %rbx\n"
	"	mov $0x8000000000000000, %rsp\n"
	"	mov $1, %eax\n	mov $5, %edi\n	mov $1, %esi\n	mov $2, %edx\n"
	"	syscall\n"
	"	mov %rbx, %rsp\n"
	"	mov %rax, %rdi\n"
	USER_EXIT
	/* u_spin(addr, n): spins until *addr >= n (at most 2^32 rounds);
	 * exits with *addr. */
	"u_spin:\n"
	"	mov $0x100000000, %rcx\n"
	"1:	cmp %rsi, (%rdi)\n	jae 2f\n"
	"	pause\n	dec %rcx\n	jnz 1b\n"
	"2:	mov (%rdi), %rdi\n"
	USER_EXIT
	/* u_int3(): a breakpoint (trap entry DPL 3). */
	"u_int3:\n"
	"	int3\n"
	"	mov $7, %edi\n"
	USER_EXIT
	/* u_flags(): SYS_FLAGS with DF and AC set; exits with the rflags
	 * after it (both must be back), having cleared them again. */
	"u_flags:\n"
	"	pushf\n	orq $0x40400, (%rsp)\n	popf\n"
	"	mov $41, %eax\n"
	"	syscall\n"
	"	pushf\n	pop %rdi\n"
	"	pushf\n	andq $~0x40400, (%rsp)\n	popf\n"
	USER_EXIT
	/* u_sysenter64(): `sysenter` in 64-bit mode is no system call; the
	 * trap hook steps over its fault, and it exits with 0xfa11. */
	"u_sysenter64:\n"
	"	sysenter\n"
	"	mov $0xfa11, %edi\n"
	USER_EXIT
	/* Compat mode (run_user32): 32-bit code.  Each routine ends in one
	 * of the compat callbacks, which exit with ebx. */
	".code32\n"
	/* u32_sysenter(): `sysenter` with ebx 0x5e11 and ecx 0xc0c0; if it
	 * faults (no callback) and the trap hook steps over it, a `syscall`
	 * with ebx 0xfa11. */
	"u32_sysenter:\n"
	"	mov $0x5e11, %ebx\n"
	"	mov $0xc0c0, %ecx\n"
	"	mov %esp, %ebp\n"
	"	std\n"
	"	sysenter\n"
	"u32_after_sysenter:\n"
	"	mov $0xfa11, %ebx\n"
	"	syscall\n"
	"	ud2\n"
	/* u32_syscall(): `syscall` with ebx 0x5c11. */
	"u32_syscall:\n"
	"	mov $0x5c11, %ebx\n"
	"	std\n"
	"	syscall\n"
	"u32_after_syscall:\n"
	"	ud2\n"
	".code64\n"
	".balign 4096\n"
	"user_page_end:\n"
	".previous\n");

/*
 * run_user(entry, a1, a2): iret to user mode at entry with rdi = a1,
 * rsi = a2 on the user stack; returns the SYS_EXIT value.
 * usr_syscall_entry: the syscall callback.  SYS_EXIT goes back to
 * run_user's caller; anything else runs usr_syscall(nr, a1, a2, a3) and
 * returns to user mode with MICA_IRET_FROM_SYSCALL (bit 0 of the iret
 * flags) or without it (usr_iret_flags).
 */
__asm__(".text\n"
	"run_user:\n"
	"	push %rbp\n	push %rbx\n	push %r12\n"
	"	push %r13\n	push %r14\n	push %r15\n"
	"	mov %rsp, usr_saved_rsp(%rip)\n"
	"	push $0xe01b\n"			/* ss, RPL 3: user */
	"	push $0x403000\n"		/* USER_STACK_TOP */
	"	push $0x202\n"			/* rflags: IF */
	"	pushq usr_cs(%rip)\n"		/* cs, RPL 3: user */
	"	push %rdi\n"			/* rip */
	"	push $0\n"			/* MICA_IRET_* flags */
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	jmp hypercall_page + 14 * 32\n"
	"usr_syscall_entry:\n"
	"	pop %rcx\n	pop %r11\n"
	"	cmp $60, %rax\n	je usr_exit\n"
	"	push %rdi\n	push %rsi\n	push %rdx\n	push %r8\n"
	"	push %r9\n	push %r10\n	push %rcx\n	push %r11\n"
	"	sub $8, %rsp\n"
	"	lea 72(%rsp), %r8\n"		/* the frame: rip, cs, ... */
	"	mov %rdx, %rcx\n	mov %rsi, %rdx\n"
	"	mov %rdi, %rsi\n	mov %rax, %rdi\n"
	"	call usr_syscall\n"
	"	add $8, %rsp\n"
	"	pop %r11\n	pop %rcx\n	pop %r10\n	pop %r9\n"
	"	pop %r8\n	pop %rdx\n	pop %rsi\n	pop %rdi\n"
	"	pushq usr_iret_flags(%rip)\n"
	"	jmp hypercall_page + 14 * 32\n"
	/* The compat callbacks: record which, the frame and rcx, and exit
	 * with the user's ebx. */
	"usr_syscall32_entry:\n"
	"	pop %rcx\n	pop %r11\n"
	"	movq $1, usr_compat_via(%rip)\n"
	"	jmp 1f\n"
	"usr_sysenter_entry:\n"
	"	pop %rcx\n	pop %r11\n"
	"	movq $2, usr_compat_via(%rip)\n"
	"1:	mov %rcx, usr_compat_rcx(%rip)\n"
	"	pushf\n	popq usr_compat_kflags(%rip)\n"
	"	cld\n"
	"	lea usr_compat_frame(%rip), %rdi\n"
	"	mov %rsp, %rsi\n"
	"	mov $5, %ecx\n"
	"	rep movsq\n"			/* rip, cs, rflags, rsp, ss */
	"	mov %ebx, %edi\n"
	"	jmp usr_exit\n"
	"usr_exit:\n"
	"	mov usr_saved_rsp(%rip), %rsp\n"
	"	mov %rdi, %rax\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n"
	"	pop %r12\n	pop %rbx\n	pop %rbp\n"
	"	ret\n");
/* clang-format on */

extern char user_page[], user_page_end[], usr_syscall_entry[];
extern char u_add_loop[], u_null_loop[], u_read[], u_write[], u_segments[];
extern char u_hypercalls[], u_bad_rsp[], u_int3[], u_spin[], u_flags[];
extern char u_sysenter64[], u32_sysenter[], u32_after_sysenter[];
extern char u32_syscall[], u32_after_syscall[];
extern char usr_syscall32_entry[], usr_sysenter_entry[];
uint64_t run_user(uint64_t entry, uint64_t a1, uint64_t a2);
long usr_syscall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
		 const uint64_t *frame);
extern uint64_t usr_saved_rsp, usr_iret_flags, usr_cs;
uint64_t usr_saved_rsp, usr_iret_flags, usr_cs = MICA_FLAT_USER_CS;
/* Set by the compat callbacks: 1 syscall32, 2 sysenter; rcx; the kernel's
 * rflags; the frame. */
extern volatile uint64_t usr_compat_via, usr_compat_rcx, usr_compat_kflags,
	usr_compat_frame[5];
volatile uint64_t usr_compat_via, usr_compat_rcx, usr_compat_kflags,
	usr_compat_frame[5];
/* The trap hook steps over a `sysenter` fault (2 bytes) when set. */
static bool skip_sysenter_fault;

/* The user address of a routine in the user page. */
#define U(sym) (USER_CODE + (uint64_t)((sym)-user_page))

long usr_syscall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
		 const uint64_t *frame)
{
	uint64_t gs_word;

	syscalls_seen++;
	last_nr = nr;
	syscall_frame_cs = frame[1];
	syscall_frame_ss = frame[4];
	switch (nr) {
	case SYS_NULL:
		return 0;
	case SYS_ADD:
		return (long)(a1 + a2 * a3);
	case SYS_FLAGS:
		__asm__ __volatile__("pushf; pop %0" : "=r"(flags_kernel));
		flags_frame = frame[2];
		return 0;
	case SYS_REPORT:
		__asm__ __volatile__("mov %%gs:0, %0" : "=r"(gs_word));
		report_a1 = a1;
		report_a2 = a2;
		report_kernel_gs = gs_word;
		return 0;
	default:
		return SYS_NONE_RESULT;
	}
}

static long mmuext(uint32_t cmd, uint64_t arg1)
{
	struct mica_mmuext_op op = { cmd, 0, arg1, 0 };

	return HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF, 0);
}

static long mmu_update(uint64_t ptr, uint64_t val)
{
	struct mica_mmu_update r = { ptr, val };

	return HYPERCALL5(MICA_HC_mmu_update, &r, 1, 0, MICA_DOMID_SELF, 0);
}

/* The trap hook: records traps; fixes or steps over user page faults. */
static void trap_hook(struct cpu_trap_frame *f)
{
	faults++;
	last_fault_cs = f->cs;
	if (skip_sysenter_fault && (f->vector == 13 || f->vector == 6)) {
		f->rip += 2; /* #GP(0), or #UD on AMD: over the sysenter */
		return;
	}
	if (f->vector != 14)
		return;
	last_cr2 = vcpu_info->arch.cr2;
	last_error = f->error_code;
	if (map_lazy_on_fault && (last_cr2 & ~0xfffULL) == USER_LAZY &&
	    (f->cs & 3) == 3) {
		/* Demand paging: map the page, resume the access. */
		if (mmu_update(
			    (user_l1_mfn << 12) + ((USER_LAZY >> 12) & 511) * 8,
			    (cpu_virt_to_mfn(user_lazy) << 12) | PTE_P | PTE_W))
			test_fail("cannot map the lazy page");
		return;
	}
	f->rip += 3; /* the 3-byte load or store in u_read/u_write */
	f->rax = MARK_FAULT;
}

/* Builds the user L4 -> L3 -> L2 -> L1 in four free frames. */
static uint64_t build_user_tables(void)
{
	uint64_t pfn = (boot_mapping_end() - GUEST_VIRT_BASE) >> 12;
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	uint64_t l4 = p2m[pfn], l3 = p2m[pfn + 1], l2 = p2m[pfn + 2];
	uint64_t l1 = p2m[pfn + 3];
	long rc = 0;

	user_l1_mfn = l1;
	rc |= mmuext(MICA_MMUEXT_PIN_L1_TABLE, l1);
	rc |= mmu_update(l1 << 12, (cpu_virt_to_mfn(user_page) << 12) | PTE_P);
	rc |= mmu_update((l1 << 12) + 8,
			 (cpu_virt_to_mfn(user_data) << 12) | PTE_P | PTE_W);
	rc |= mmu_update((l1 << 12) + 16,
			 (cpu_virt_to_mfn(user_stack) << 12) | PTE_P | PTE_W);
	rc |= mmuext(MICA_MMUEXT_PIN_L2_TABLE, l2);
	rc |= mmu_update((l2 << 12) + 2 * 8, (l1 << 12) | PTE_P | PTE_W);
	rc |= mmuext(MICA_MMUEXT_PIN_L3_TABLE, l3);
	rc |= mmu_update(l3 << 12, (l2 << 12) | PTE_P | PTE_W);
	rc |= mmuext(MICA_MMUEXT_PIN_L4_TABLE, l4);
	rc |= mmu_update(l4 << 12, (l3 << 12) | PTE_P | PTE_W);
	if (rc) {
		test_error("cannot build the user page tables");
		return 0;
	}
	return l4;
}

static void check_base_pointer_errors(uint64_t user_l4)
{
	struct mica_mmuext_op op = { MICA_MMUEXT_NEW_USER_BASEPTR, 0, user_l4,
				     1 };

	printk("NEW_USER_BASEPTR refusals\n");
	test_expect_rc(mmuext(MICA_MMUEXT_NEW_USER_BASEPTR,
			      cpu_virt_to_mfn(user_data)),
		       -MICA_EBUSY, "user base: a writable-mapped frame");
	test_expect_rc(mmuext(MICA_MMUEXT_NEW_USER_BASEPTR, user_l1_mfn),
		       -MICA_EBUSY, "user base: an L1 table");
	test_expect_rc(mmuext(MICA_MMUEXT_NEW_USER_BASEPTR, 0x200), -MICA_EPERM,
		       "user base: a hypervisor frame");
	test_expect_rc(mmuext(MICA_MMUEXT_NEW_USER_BASEPTR, 1ULL << 40),
		       -MICA_EINVAL, "user base: no such frame");
	test_expect_rc(HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF,
				  0),
		       -MICA_EINVAL, "user base: arg2 != 0");
}

static void check_syscalls(void)
{
	uint64_t r;

	printk("system calls from user mode\n");
	usr_iret_flags = MICA_IRET_FROM_SYSCALL;
	r = run_user(U(u_add_loop), 0, 0);
	if (r)
		test_fail("%lu register mismatches over 1000 SYS_ADD calls", r);
	if (syscalls_seen < 1000)
		test_fail("kernel saw %lu system calls", syscalls_seen);
	if ((syscall_frame_cs & 3) != 3 || (syscall_frame_ss & 3) != 3)
		test_fail("syscall frame cs %#lx ss %#lx: not user mode",
			  syscall_frame_cs, syscall_frame_ss);
	usr_iret_flags = 0; /* the plain iret path too */
	r = run_user(U(u_add_loop), 0, 0);
	if (r)
		test_fail("%lu mismatches with plain iret", r);
	usr_iret_flags = MICA_IRET_FROM_SYSCALL;

	r = run_user(U(u_hypercalls), 0, 0);
	if (r != 2 * (uint64_t)SYS_NONE_RESULT)
		test_fail("hypercall numbers from user mode gave %ld, "
			  "expected two kernel -ENOSYS",
			  (long)r);
	if (last_nr != MICA_HC_iret)
		test_fail("last user syscall seen as %lu", last_nr);

	r = run_user(U(u_bad_rsp), 0, 0);
	if (r != 7)
		test_fail("syscall with a non-canonical rsp returned %lu", r);

	/* DF and AC stay the user's (frame, and after the return), but the
	 * kernel runs without them (SYSCALL with the usual flag mask; AC
	 * would check the ring-3 kernel's alignment). */
	r = run_user(U(u_flags), 0, 0);
	if ((flags_kernel & RFLAGS_DF_AC) ||
	    (flags_frame & RFLAGS_DF_AC) != RFLAGS_DF_AC ||
	    (r & RFLAGS_DF_AC) != RFLAGS_DF_AC)
		test_fail("syscall with DF and AC: kernel rflags %#lx, frame "
			  "%#lx, user after %#lx",
			  flags_kernel, flags_frame, r);
}

static void check_faults(void)
{
	uint64_t before, r;

	printk("user page faults\n");
	user_data[0] = 0x42;
	r = run_user(U(u_read), USER_DATA, 0);
	if (r != 0x42)
		test_fail("user read of its data page gave %#lx", r);

	struct {
		const char *what;
		uint64_t addr;
		bool write;
		uint64_t error; /* expected P and W bits */
	} cases[] = {
		{ "the kernel image", (uint64_t)kernel_secret, false, 0 },
		{ "the kernel image (write)", (uint64_t)kernel_secret, true,
		  PF_W },
		{ "the hypervisor's direct map", 0xffff830000000000ULL, false,
		  PF_P },
		{ "the hypervisor's stacks", 0xffff810000000000ULL, false,
		  PF_P },
		{ "the M2P (write)", MICA_M2P_VIRT_START, true, PF_P | PF_W },
		{ "its code page (write)", USER_CODE, true, PF_P | PF_W },
		{ "an unmapped user page", USER_LAZY + 0x1000, false, 0 },
	};
	kernel_secret[0] = 0x5ec12e7;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		before = faults;
		r = run_user(cases[i].write ? U(u_write) : U(u_read),
			     cases[i].addr, 0x666);
		if (r != MARK_FAULT || faults != before + 1)
			test_fail("user access to %s: returned %#lx, %lu "
				  "faults",
				  cases[i].what, r, faults - before);
		else if (last_cr2 != cases[i].addr ||
			 (last_error & (PF_P | PF_W | PF_U)) !=
				 (cases[i].error | PF_U) ||
			 (last_fault_cs & 3) != 3)
			test_fail("user access to %s: cr2 %#lx error %#lx "
				  "cs %#lx",
				  cases[i].what, last_cr2, last_error,
				  last_fault_cs);
	}
	if (kernel_secret[0] != 0x5ec12e7)
		test_fail("user mode changed kernel memory");

	/* The M2P is readable from user mode (layout.h note 2). */
	r = run_user(U(u_read),
		     MICA_M2P_VIRT_START + cpu_virt_to_mfn(user_data) * 8, 0);
	if (r != ((uint64_t)user_data - GUEST_VIRT_BASE) >> 12)
		test_fail("user read of the M2P gave %#lx", r);

	/* Demand paging: the kernel maps the page and the access resumes. */
	map_lazy_on_fault = true;
	*(uint64_t *)(user_lazy + 8) = 0x1a2b;
	before = faults;
	r = run_user(U(u_read), USER_LAZY + 8, 0);
	map_lazy_on_fault = false;
	if (r != 0x1a2b || faults != before + 1 || last_cr2 != USER_LAZY + 8)
		test_fail("demand-paged read gave %#lx after %lu faults", r,
			  faults - before);
	r = run_user(U(u_write), USER_LAZY + 16, 0x3c4d);
	if (r || user_lazy[16] != 0x4d)
		test_fail("write to the demand-mapped page: %#lx", r);
}

static void check_segments(void)
{
	uint64_t r;

	printk("fs and gs bases per mode\n");
	*(uint64_t *)(user_data + 0x100) = 0x05e5;
	*(uint64_t *)(user_data + 0x200) = 0x0f5;
	kernel_gs_word[0] = 0x6e71;
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  MICA_SEGBASE_gs_user, USER_DATA + 0x100, 0, 0,
				  0),
		       0, "set the user gs base");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  MICA_SEGBASE_gs_kernel, kernel_gs_word, 0, 0,
				  0),
		       0, "set the kernel gs base");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base, MICA_SEGBASE_fs,
				  USER_DATA + 0x200, 0, 0, 0),
		       0, "set the fs base");
	r = run_user(U(u_segments), 0, 0);
	if (report_a1 != 0x05e5 || r != 0x05e5)
		test_fail("user %%gs:0 read %#lx, then %#lx", report_a1, r);
	if (report_a2 != 0x0f5)
		test_fail("user %%fs:0 read %#lx", report_a2);
	if (report_kernel_gs != 0x6e71)
		test_fail("kernel %%gs:0 in the syscall read %#lx",
			  report_kernel_gs);
	uint64_t k;
	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(k));
	if (k != 0x6e71)
		test_fail("kernel %%gs:0 after user mode read %#lx", k);
}

static void check_int3(void)
{
	uint64_t before = faults;
	uint64_t r = run_user(U(u_int3), 0, 0);

	printk("int3 from user mode\n");
	if (r != 7 || faults != before + 1 || cpu_last_trap.vector != 3 ||
	    (last_fault_cs & 3) != 3)
		test_fail("int3 from user mode: %lu, %lu traps, vector %lu", r,
			  faults - before, cpu_last_trap.vector);
}

/* run_user in compat mode. */
static uint64_t run_user32(uint64_t entry)
{
	uint64_t r;

	usr_cs = MICA_FLAT_USER_CS32;
	usr_compat_via = 0;
	r = run_user(entry, 0, 0);
	usr_cs = MICA_FLAT_USER_CS;
	return r;
}

/* Checks the compat callback frame: entered by 'via' after the
 * instruction that ends at 'next', on the user stack, in compat mode. */
static void check_compat_frame(const char *what, uint64_t via, uint64_t next)
{
	const volatile uint64_t *f = usr_compat_frame;

	if (usr_compat_via != via)
		test_fail("%s: entered callback %lu, not %lu", what,
			  usr_compat_via, via);
	/* The user set DF: in the frame, not in the kernel. */
	if ((usr_compat_kflags & RFLAGS_DF) || !(f[2] & RFLAGS_DF))
		test_fail("%s: kernel rflags %#lx, frame rflags %#lx", what,
			  usr_compat_kflags, f[2]);
	if (f[0] != next || f[1] != MICA_FLAT_USER_CS32 ||
	    f[3] != USER_STACK_TOP || f[4] != MICA_FLAT_USER_DS ||
	    !(f[2] & 0x200))
		test_fail("%s: frame rip %#lx cs %#lx rflags %#lx rsp %#lx "
			  "ss %#lx",
			  what, f[0], f[1], f[2], f[3], f[4]);
}

static void check_compat(void)
{
	struct mica_callback_register s32 = { MICA_CALLBACK_syscall32, 0, 0,
					      (uint64_t)usr_syscall32_entry };
	struct mica_callback_register sen = { MICA_CALLBACK_sysenter, 0, 0,
					      (uint64_t)usr_sysenter_entry };
	struct mica_callback_unregister unreg = { MICA_CALLBACK_sysenter, {} };
	uint64_t before, r;

	printk("compat user mode: syscall and sysenter\n");
	if (HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register, &s32, 0,
		       0, 0)) {
		test_error("cannot register the syscall32 callback");
		return;
	}
	/* syscall: rcx holds the return rip, as the instruction left it. */
	r = run_user32(U(u32_syscall));
	if (r != 0x5c11)
		test_fail("compat syscall: ebx %#lx", r);
	check_compat_frame("compat syscall", 1, U(u32_after_syscall));
	if (usr_compat_rcx != U(u32_after_syscall))
		test_fail("compat syscall: rcx %#lx", usr_compat_rcx);

	/* No sysenter callback: the CPU's fault, in compat mode. */
	skip_sysenter_fault = true;
	before = faults;
	r = run_user32(U(u32_sysenter));
	if (r != 0xfa11 || faults != before + 1 ||
	    (cpu_last_trap.vector != 13 && cpu_last_trap.vector != 6) ||
	    last_fault_cs != MICA_FLAT_USER_CS32)
		test_fail("sysenter without a callback: ebx %#lx, %lu "
			  "faults, vector %lu, cs %#lx",
			  r, faults - before, cpu_last_trap.vector,
			  last_fault_cs);

	if (HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register, &sen, 0,
		       0, 0)) {
		test_error("cannot register the sysenter callback");
		return;
	}
	/* sysenter: the callback, after the instruction, rcx untouched. */
	before = faults;
	r = run_user32(U(u32_sysenter));
	if (r != 0x5e11 || faults != before)
		test_fail("compat sysenter: ebx %#lx, %lu faults", r,
			  faults - before);
	check_compat_frame("compat sysenter", 2, U(u32_after_sysenter));
	if (usr_compat_rcx != 0xc0c0)
		test_fail("compat sysenter: rcx %#lx", usr_compat_rcx);

	/* From 64-bit user mode it is no system call, callback or not. */
	before = faults;
	r = run_user(U(u_sysenter64), 0, 0);
	if (r != 0xfa11 || faults != before + 1)
		test_fail("64-bit sysenter: %#lx, %lu faults", r,
			  faults - before);
	skip_sysenter_fault = false;

	test_expect_rc(HYPERCALL5(MICA_HC_callback_op,
				  MICA_CALLBACKOP_unregister, &unreg, 0, 0, 0),
		       0, "unregister the sysenter callback");
}

/* Timer events (VIRQ_TIMER, 1 ms periodic) while user mode spins: the
 * upcall leaves user mode and comes back. */
static uint32_t timer_port;

static void on_event(uint32_t port)
{
	if (port == timer_port)
		(*(volatile uint64_t *)(user_data + 0x300))++;
}

static void check_events_in_user_mode(void)
{
	struct mica_vcpu_periodic_timer t = { 1000000 };
	uint64_t upcalls = upcalls_taken, r;

	printk("timer events while in user mode\n");
	event_handler = on_event;
	if (evtchn_bind_virq(MICA_VIRQ_TIMER, 0, &timer_port)) {
		test_error("cannot bind VIRQ_TIMER");
		return;
	}
	port_unmask(timer_port);
	test_expect_rc(vcpu_op(MICA_VCPUOP_set_periodic_timer, 0, &t), 0,
		       "a 1 ms periodic timer");
	r = run_user(U(u_spin), USER_DATA + 0x300, 5);
	test_expect_rc(vcpu_op(MICA_VCPUOP_stop_periodic_timer, 0, NULL), 0,
		       "stop the timer");
	if (r < 5 || upcalls_taken - upcalls < 5)
		test_fail("user mode saw %lu timer events, %lu upcalls", r,
			  upcalls_taken - upcalls);
	/* The user L4 and gs are back after all those upcalls. */
	r = run_user(U(u_read), USER_DATA + 0x300, 0);
	if (r < 5)
		test_fail("user read after the events gave %lu", r);
}

/* Cycles per user syscall round trip: the best of user-mode runs of
 * BENCH_BATCH syscalls each (lib/bench.h); entry is u_null_loop's address. */
static uint64_t bench_user_loop(uint64_t entry)
{
	uint64_t best = UINT64_MAX;

	for (unsigned int b = 0; b < BENCH_ITERATIONS / BENCH_BATCH; b++) {
		uint64_t t0 = bench_rdtsc();

		run_user(entry, BENCH_BATCH, 0);
		bench_keep_best(&best, t0);
	}
	return best / BENCH_BATCH;
}

/*
 * Mica's event counts for BENCH_ITERATIONS round trips in one user-mode
 * run, printed per round trip, and checked: each round trip is a syscall
 * bounce and an iret, both leaving by SYSRET, with cr3_writes CR3 writes.
 */
static void count_user_loop(const char *what, uint64_t entry,
			    uint64_t cr3_writes)
{
	struct bench_counters before, after;
	uint64_t n = BENCH_ITERATIONS, cr3, sysrets, irets;

	bench_counters_read(&before);
	run_user(entry, n, 0);
	bench_counters_read(&after);
	if (before.error || after.error) {
		test_fail("cannot read Mica's counters: %ld/%ld", before.error,
			  after.error);
		return;
	}
	bench_counters_report(what, &before, &after, n);
	cr3 = after.count[MICA_PERFC_cr3_writes] -
	      before.count[MICA_PERFC_cr3_writes];
	sysrets = after.count[MICA_PERFC_exits_sysret] -
		  before.count[MICA_PERFC_exits_sysret];
	irets = after.count[MICA_PERFC_exits_iret] -
		before.count[MICA_PERFC_exits_iret];
	/* The run's entry and exit, and a few timer interrupts, on top. */
	if (cr3 < cr3_writes * n || cr3 > cr3_writes * n + n / 100)
		test_fail("%s: %lu CR3 writes for %lu round trips", what, cr3,
			  n);
	if (sysrets < 2 * n || irets > n / 100)
		test_fail("%s: %lu SYSRET and %lu IRET exits for %lu round "
			  "trips",
			  what, sysrets, irets, n);
}

/* The user syscall round trip, on separate and on shared tables. */
static void bench(uint64_t user_l4, uint64_t kernel_l4)
{
	uint64_t best;

	usr_iret_flags = MICA_IRET_FROM_SYSCALL;
	best = bench_user_loop(U(u_null_loop));
	printk("bench: guest_user_syscall %lu cycles\n", best);
	count_user_loop("user_syscall", U(u_null_loop), 2);
	/* For comparison: user mode on the kernel's L4 (no CR3 switch);
	 * the user pages are not mapped there, so use the kernel VA of
	 * the user page (it is position independent). */
	if (mmuext(MICA_MMUEXT_NEW_USER_BASEPTR, kernel_l4))
		test_error("cannot share the kernel L4");
	best = bench_user_loop((uint64_t)u_null_loop);
	printk("bench: guest_user_syscall_one_l4 %lu cycles\n", best);
	count_user_loop("user_syscall_one_l4", (uint64_t)u_null_loop, 0);
	if (mmuext(MICA_MMUEXT_NEW_USER_BASEPTR, user_l4))
		test_error("cannot restore the user L4");
}

void test_main(void)
{
	uint64_t kernel_l4 = cpu_virt_to_mfn((void *)start_info->pt_base);
	struct mica_callback_register cb = { MICA_CALLBACK_syscall, 0, 0,
					     (uint64_t)usr_syscall_entry };
	uint64_t user_l4;

	if (user_page_end - user_page != 4096) {
		test_error("user code is %ld bytes", user_page_end - user_page);
		return;
	}
	if (cpu_traps_install() ||
	    HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register, &cb, 0, 0,
		       0)) {
		test_error("cannot install the trap table and callbacks");
		return;
	}
	/* Shared info (cr2 in vcpu_info) and the event machinery. */
	events_setup();
	cpu_trap_skip = 0;
	cpu_trap_hook = trap_hook;

	user_l4 = build_user_tables();
	if (!user_l4)
		return;
	check_base_pointer_errors(user_l4);
	test_expect_rc(mmuext(MICA_MMUEXT_NEW_USER_BASEPTR, user_l4), 0,
		       "install the user L4");
	/* The base pointer holds the table: unpinning it changes nothing. */
	test_expect_rc(mmuext(MICA_MMUEXT_UNPIN_TABLE, user_l4), 0,
		       "unpin the user L4 in use");
	check_syscalls();
	check_faults();
	check_segments();
	check_int3();
	check_compat();
	check_events_in_user_mode();
	test_expect_rc(mmuext(MICA_MMUEXT_PIN_L4_TABLE, user_l4), 0,
		       "pin the user L4 again");
	bench(user_l4, kernel_l4);
	if (!test_expect_rc(mmuext(MICA_MMUEXT_NEW_USER_BASEPTR, 0), 0,
			    "drop the user L4"))
		return;
	/* The tables are intact and still ours to change. */
	test_expect_rc(mmuext(MICA_MMUEXT_UNPIN_TABLE, user_l4), 0,
		       "unpin the user L4");
	test_pass();
}
