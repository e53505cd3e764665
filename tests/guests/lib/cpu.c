/* SPDX-License-Identifier: MIT */
/* CPU-interface helpers for tests (cpu.h). */
#include "cpu.h"
#include "hypercall.h"
#include "layout.h"
#include "test.h"
#include "public/arch-x86/cpuid.h"
#include "public/arch-x86/layout.h"
#include "public/arch-x86/pv.h"
#include "public/mmu.h"
#include "public/start_info.h"

volatile struct cpu_trap_record cpu_last_trap;
volatile uint64_t cpu_trap_skip;
void (*volatile cpu_trap_hook)(struct cpu_trap_frame *f);

/* The stack for entries from user mode, and user mode's own stack. */
static uint8_t kernel_entry_stack[16384] __attribute__((aligned(16)));
/* Referenced from the assembly below only. */
extern uint8_t user_stack[16384];
uint8_t user_stack[16384] __attribute__((aligned(16)));
extern uint64_t cpu_saved_kernel_rsp;
uint64_t cpu_saved_kernel_rsp;

/*
 * Entry stubs, one per vector, 16 bytes apart is not needed: each pops
 * rcx/r11 (bounce frame), pushes a 0 error code where the CPU has none and
 * the vector, then joins cpu_trap_common, which calls cpu_trap_handler and
 * returns with MICA_HC_iret.
 */
/* clang-format off */
#define STUB(vec, push_error)						\
	"cpu_entry_" #vec ":\n"						\
	"	pop %rcx\n"						\
	"	pop %r11\n"						\
	push_error							\
	"	push $" #vec "\n"					\
	"	jmp cpu_trap_common\n"
#define NOERR "	push $0\n"
__asm__(".text\n"
	STUB(0, NOERR) STUB(1, NOERR) STUB(3, NOERR) STUB(4, NOERR)
	STUB(5, NOERR) STUB(6, NOERR) STUB(7, NOERR) STUB(9, NOERR)
	STUB(10, "") STUB(11, "") STUB(12, "") STUB(13, "") STUB(14, "")
	STUB(15, NOERR) STUB(16, NOERR) STUB(17, "") STUB(19, NOERR)
	"cpu_trap_common:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	push %rsi\n	push %rdi\n	push %r8\n"
	"	push %r9\n	push %r10\n	push %r11\n"
	"	mov %rsp, %rdi\n"
	"	call cpu_trap_handler\n"
	"	pop %r11\n	pop %r10\n	pop %r9\n"
	"	pop %r8\n	pop %rdi\n	pop %rsi\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	add $16, %rsp\n"
	"	push $0\n"
	"	jmp hypercall_page + 14 * 32\n"
	/* cpu_run_user(fn): iret to user mode at fn on user_stack. */
	".globl cpu_run_user\n"
	"cpu_run_user:\n"
	"	push %rbp\n	push %rbx\n	push %r12\n"
	"	push %r13\n	push %r14\n	push %r15\n"
	"	mov %rsp, cpu_saved_kernel_rsp(%rip)\n"
	"	lea user_stack + 16384(%rip), %rax\n"
	"	push $0xe01b\n"		/* ss, RPL 3 */
	"	push %rax\n"			/* rsp */
	"	push $0x202\n"			/* rflags: IF */
	"	push $0xe023\n"			/* cs, RPL 3: user mode */
	"	push %rdi\n"			/* rip */
	"	push $0\n"			/* MICA_IRET_* flags */
	"	jmp hypercall_page + 14 * 32\n"
	/* The syscall callback: back from user mode, to cpu_run_user's
	 * caller, on the kernel stack we left. */
	"cpu_user_syscall:\n"
	"	mov cpu_saved_kernel_rsp(%rip), %rsp\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n"
	"	pop %r12\n	pop %rbx\n	pop %rbp\n"
	"	ret\n");
/* clang-format on */

void cpu_trap_handler(struct cpu_trap_frame *f);
void cpu_trap_handler(struct cpu_trap_frame *f)
{
	cpu_last_trap.vector = f->vector;
	cpu_last_trap.error_code = f->error_code;
	cpu_last_trap.rip = f->rip;
	cpu_last_trap.cs = f->cs;
	cpu_last_trap.rflags = f->rflags;
	cpu_last_trap.count++;
	if (cpu_trap_hook)
		cpu_trap_hook(f);
	f->rip += cpu_trap_skip;
}

#define E(v) extern char cpu_entry_##v[]
E(0);
E(1);
E(3);
E(4);
E(5);
E(6);
E(7);
E(9);
E(10);
E(11);
E(12);
E(13);
E(14);
E(15);
E(16);
E(17);
E(19);
extern char cpu_user_syscall[];

#define T(v, dpl)                                                       \
	{                                                               \
		v, dpl, MICA_FLAT_KERNEL_CS, 0, (uint64_t)cpu_entry_##v \
	}
static const struct mica_trap_info table[] = {
	T(0, 0),  T(1, 0),  T(3, 3),  T(4, 3),	T(5, 0),  T(6, 0),
	T(7, 0),  T(9, 0),  T(10, 0), T(11, 0), T(12, 0), T(13, 0),
	T(14, 0), T(15, 0), T(16, 0), T(17, 0), T(19, 0), { 0, 0, 0, 0, 0 },
};

long cpu_traps_install(void)
{
	struct mica_callback_register cb = { MICA_CALLBACK_syscall, 0, 0,
					     (uint64_t)cpu_user_syscall };
	struct mica_mmuext_op op;
	uint64_t l4 = cpu_virt_to_mfn((void *)start_info->pt_base);
	long rc;

	rc = HYPERCALL5(MICA_HC_set_trap_table, table, 0, 0, 0, 0);
	if (!rc)
		rc = HYPERCALL5(MICA_HC_stack_switch, MICA_FLAT_KERNEL_SS,
				kernel_entry_stack + sizeof(kernel_entry_stack),
				0, 0, 0);
	if (!rc)
		rc = HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register,
				&cb, 0, 0, 0);
	/* User mode runs on the same tables: everything is U anyway. */
	op = (struct mica_mmuext_op){ MICA_MMUEXT_NEW_USER_BASEPTR, 0, l4, 0 };
	if (!rc)
		rc = HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF,
				0);
	return rc;
}

void cpu_traps_fill(struct mica_trap_info *trap_table)
{
	for (const struct mica_trap_info *t = table; t->address; t++)
		trap_table[t->vector] = *t;
}

void cpu_cpuid_forced(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ __volatile__(MICA_CPUID_FORCED_EMUL "cpuid"
			     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}

void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}

uint64_t cpu_virt_to_mfn(const void *va)
{
	uint64_t pfn = ((uint64_t)va - GUEST_VIRT_BASE) >> 12;

	return ((const uint64_t *)start_info->mfn_list)[pfn];
}

long cpu_remap(void *va, int writable)
{
	uint64_t pte = (cpu_virt_to_mfn(va) << 12) | 1 | (writable ? 2 : 0);

	return HYPERCALL5(MICA_HC_update_va_mapping, va, pte, MICA_UVMF_INVLPG,
			  0, 0);
}
