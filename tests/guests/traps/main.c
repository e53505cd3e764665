/* SPDX-License-Identifier: MIT */
/*
 * The PV CPU interface (public/arch-x86/pv.h): a trap table receives
 * exceptions and software interrupts (prefixed ones too, and after MOV SS)
 * through bounce frames, handlers
 * return with MICA_HC_iret, and the callback, stack and segment-base calls
 * accept what they should and refuse the rest.  rflags.NT survives an
 * iret and hypercalls (a guest's user space may keep it set).
 */
#include "hypercall.h"
#include "test.h"
#include "public/arch-x86/layout.h"
#include "public/errno.h"
#include "public/arch-x86/pv.h"

const char test_title[] = "trap table, bounce frames, iret, callbacks";

/* What the last handler saw. */
struct trap_record {
	uint64_t vector, error_code, rip, cs, rflags, rsp, ss;
	uint64_t count;
};
static volatile struct trap_record last;

/*
 * Entry stubs.  The bounce frame is rcx, r11, [error code], rip, cs,
 * rflags, rsp, ss (lowest first).  Each stub restores rcx/r11, makes the
 * frame uniform (error code slot, vector), calls trap_handler(frame) which
 * may move rip, then returns with MICA_HC_iret.
 */
/* clang-format off */
#define STUB(name, vec, push_error)					\
	"	.globl " #name "\n"					\
	#name ":\n"							\
	"	pop %rcx\n"						\
	"	pop %r11\n"						\
	push_error							\
	"	push $" #vec "\n"					\
	"	jmp trap_common\n"
#define NO_ERROR "	push $0\n"

__asm__(".text\n"
	STUB(entry_de, 0, NO_ERROR)
	STUB(entry_bp, 3, NO_ERROR)
	STUB(entry_ud, 6, NO_ERROR)
	STUB(entry_gp, 13, "")
	STUB(entry_pf, 14, "")
	STUB(entry_int80, 128, NO_ERROR)
	STUB(entry_int81, 129, NO_ERROR)
	"trap_common:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	push %rsi\n	push %rdi\n	push %r8\n"
	"	push %r9\n	push %r10\n	push %r11\n"
	"	mov %rsp, %rdi\n"
	"	call trap_handler\n"
	"	pop %r11\n	pop %r10\n	pop %r9\n"
	"	pop %r8\n	pop %rdi\n	pop %rsi\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	add $16, %rsp\n"		/* vector, error code */
	"	push $0\n"			/* MICA_IRET_* flags */
	"	jmp hypercall_page + 14 * 32\n");	/* MICA_HC_iret */
/* clang-format on */

void entry_de(void), entry_bp(void), entry_ud(void), entry_gp(void);
void entry_pf(void), entry_int80(void), entry_int81(void);

struct trap_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error_code, rip, cs, rflags, rsp, ss;
};

/* Instruction lengths to skip for the faults we cause on purpose. */
static volatile uint64_t skip_bytes;

void trap_handler(struct trap_frame *f);
void trap_handler(struct trap_frame *f)
{
	last.vector = f->vector;
	last.error_code = f->error_code;
	last.rip = f->rip;
	last.cs = f->cs;
	last.rflags = f->rflags;
	last.rsp = f->rsp;
	last.ss = f->ss;
	last.count++;
	f->rip += skip_bytes; /* faults: step over the instruction */
}

static long set_trap_table(const struct mica_trap_info *t)
{
	return HYPERCALL5(MICA_HC_set_trap_table, t, 0, 0, 0, 0);
}

#define KCS MICA_FLAT_KERNEL_CS
static const struct mica_trap_info table[] = {
	{ 0, 0, KCS, 0, (uint64_t)entry_de },
	{ 3, 3, KCS, 0, (uint64_t)entry_bp },
	{ 6, 0, KCS, 0, (uint64_t)entry_ud },
	{ 13, 0, KCS, 0, (uint64_t)entry_gp },
	{ 14, MICA_TRAP_MASK_EVENTS, KCS, 0, (uint64_t)entry_pf },
	{ 0x80, 3, KCS, 0, (uint64_t)entry_int80 },
	{ 0x81, 0, KCS, 0, (uint64_t)entry_int81 },
	{ 0, 0, 0, 0, 0 },
};

static void expect_trap(const char *what, uint64_t count_before,
			uint64_t vector, uint64_t error_code)
{
	if (last.count != count_before + 1) {
		test_fail("%s: %lu traps, expected 1", what,
			  last.count - count_before);
		return;
	}
	if (last.vector != vector || last.error_code != error_code)
		test_fail("%s: vector %lu error %#lx, expected %lu / %#lx",
			  what, last.vector, last.error_code, vector,
			  error_code);
	if ((last.cs & 3) != 0)
		test_fail("%s: saved cs %#lx should show kernel mode (RPL 0)",
			  what, last.cs);
}

static void check_exceptions(void)
{
	uint64_t n;
	volatile uint64_t zero = 0, r;

	printk("exceptions and software interrupts\n");
	n = last.count;
	skip_bytes = 2;
	__asm__ __volatile__("ud2");
	expect_trap("ud2", n, 6, 0);

	n = last.count;
	skip_bytes = 0;
	__asm__ __volatile__("int3");
	expect_trap("int3", n, 3, 0);

	n = last.count;
	__asm__ __volatile__("int $0x80");
	expect_trap("int $0x80 (DPL 3)", n, 0x80, 0);

	n = last.count;
	__asm__ __volatile__("int $0x81");
	expect_trap("int $0x81 (DPL 0, from kernel mode)", n, 0x81, 0);

	/* Prefixes before a software interrupt, which the CPU ignores, and
	 * one in the MOV SS shadow (Linux's mov_ss_trap): still the
	 * software interrupt, returning after all of its bytes. */
	n = last.count;
	__asm__ __volatile__(".byte 0x2e, 0x2e; int3; 1: lea 1b(%%rip), %0"
			     : "=r"(r));
	expect_trap("cs cs int3", n, 3, 0);
	if (last.rip != r)
		test_fail("cs cs int3: returned to %lx, not %lx", last.rip, r);
	n = last.count;
	__asm__ __volatile__(".fill 14, 1, 0x2e; int3; 1: lea 1b(%%rip), %0"
			     : "=r"(r));
	expect_trap("14 x cs, int3 (15 bytes)", n, 3, 0);
	if (last.rip != r)
		test_fail("14 x cs int3: returned to %lx, not %lx", last.rip,
			  r);
	n = last.count;
	__asm__ __volatile__("mov %%ss, %%eax; mov %%eax, %%ss; int3" ::
				     : "rax");
	expect_trap("mov ss; int3", n, 3, 0);
	n = last.count;
	__asm__ __volatile__("mov %%ss, %%eax; mov %%eax, %%ss\n"
			     ".byte 0x2e, 0x2e; int3" ::
				     : "rax");
	expect_trap("mov ss; cs cs int3", n, 3, 0);
	n = last.count;
	__asm__ __volatile__(".byte 0x3e, 0x48; int $0x80; 1: lea 1b(%%rip), %0"
			     : "=r"(r));
	expect_trap("ds rex.w int $0x80", n, 0x80, 0);
	if (last.rip != r)
		test_fail("ds rex.w int $0x80: returned to %lx, not %lx",
			  last.rip, r);
	/* Prefixed, still without a handler: the #GP of that vector. */
	n = last.count;
	skip_bytes = 3;
	__asm__ __volatile__(".byte 0x2e; int $0x82");
	expect_trap("cs int $0x82 (no handler)", n, 13, (0x82 << 3) | 2);
	skip_bytes = 0;

	/* No handler for 0x82: #GP with the IDT bit, as on hardware. */
	n = last.count;
	skip_bytes = 2;
	__asm__ __volatile__("int $0x82");
	expect_trap("int $0x82 (no handler)", n, 13, (0x82 << 3) | 2);

	/* A page fault on an unmapped address: write, not present. */
	n = last.count;
	skip_bytes = 3; /* movb $1, (%rax) is c6 00 01 */
	__asm__ __volatile__("movb $1, (%%rax)" ::"a"(0x1000UL) : "memory");
	expect_trap("write to unmapped 0x1000", n, 14, 2);

	/* Divide by zero: div %rcx is 48 f7 f1. */
	n = last.count;
	skip_bytes = 3;
	__asm__ __volatile__("div %%rcx"
			     : "=a"(r)
			     : "a"(1UL), "d"(0UL), "c"(zero)
			     : "memory");
	expect_trap("divide by zero", n, 0, 0);
	skip_bytes = 0;
}

static void check_trap_table_errors(void)
{
	struct mica_trap_info bad[2];
	static struct mica_trap_info many[258];

	printk("set_trap_table argument checks\n");
	test_expect_rc(set_trap_table((void *)0x10), -MICA_EFAULT,
		       "table at 0x10");
	test_expect_rc(set_trap_table((void *)MICA_HYPERVISOR_VIRT_START),
		       -MICA_EFAULT, "table in the hypervisor range");
	bad[1] = (struct mica_trap_info){ 0 };
	bad[0] = (struct mica_trap_info){ 6, 0, 0xe008, 0, (uint64_t)entry_ud };
	test_expect_rc(set_trap_table(bad), -MICA_EINVAL, "ring-0 cs");
	bad[0] = (struct mica_trap_info){ 6, 1, KCS, 0, (uint64_t)entry_ud };
	test_expect_rc(set_trap_table(bad), -MICA_EINVAL, "DPL 1");
	bad[0] = (struct mica_trap_info){ 6, 0x80, KCS, 0, (uint64_t)entry_ud };
	test_expect_rc(set_trap_table(bad), -MICA_EINVAL, "unknown flag");
	bad[0] = (struct mica_trap_info){ 6, 0, KCS, 1, (uint64_t)entry_ud };
	test_expect_rc(set_trap_table(bad), -MICA_EINVAL, "pad0 != 0");
	bad[0] = (struct mica_trap_info){ 6, 0, KCS, 0,
					  MICA_HYPERVISOR_VIRT_START + 0x1000 };
	test_expect_rc(set_trap_table(bad), -MICA_EINVAL,
		       "handler in the hypervisor range");
	bad[0] = (struct mica_trap_info){ 6, 0, KCS, 0, 0x0000900000000000 };
	test_expect_rc(set_trap_table(bad), -MICA_EINVAL,
		       "non-canonical handler");
	for (unsigned int i = 0; i < 257; i++)
		many[i] = (struct mica_trap_info){ (uint8_t)i, 0, KCS, 0,
						   (uint64_t)entry_ud };
	test_expect_rc(set_trap_table(many), -MICA_E2BIG, "257 entries");
	/* The table above rewrote every vector: put ours back. */
	test_expect_rc(set_trap_table(NULL), 0, "clearing the table");
	test_expect_rc(set_trap_table(table), 0, "reinstalling the table");
}

static void check_callbacks_and_stack(void)
{
	struct mica_callback_register reg = { 0 };
	struct mica_callback_unregister unreg = { 0 };

	printk("callback_op and stack_switch\n");
	reg.type = MICA_CALLBACK_syscall;
	reg.address = (uint64_t)entry_ud;
	test_expect_rc(HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register,
				  &reg, 0, 0, 0),
		       0, "register the syscall callback");
	reg.type = 99;
	test_expect_rc(HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register,
				  &reg, 0, 0, 0),
		       -MICA_ENOSYS, "register an unknown callback type");
	reg.type = MICA_CALLBACK_event;
	reg.flags = 0x8000;
	test_expect_rc(HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register,
				  &reg, 0, 0, 0),
		       -MICA_EINVAL, "unknown callback flag");
	reg.flags = 0;
	reg.address = MICA_M2P_VIRT_START;
	test_expect_rc(HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register,
				  &reg, 0, 0, 0),
		       -MICA_EINVAL, "callback in the hypervisor range");
	unreg.type = MICA_CALLBACK_event;
	test_expect_rc(HYPERCALL5(MICA_HC_callback_op,
				  MICA_CALLBACKOP_unregister, &unreg, 0, 0, 0),
		       -MICA_EINVAL, "unregister the event callback");
	unreg.type = MICA_CALLBACK_syscall;
	test_expect_rc(HYPERCALL5(MICA_HC_callback_op,
				  MICA_CALLBACKOP_unregister, &unreg, 0, 0, 0),
		       0, "unregister the syscall callback");
	test_expect_rc(HYPERCALL5(MICA_HC_callback_op, 7, &reg, 0, 0, 0),
		       -MICA_ENOSYS, "unknown callback_op");

	test_expect_rc(HYPERCALL5(MICA_HC_stack_switch, MICA_FLAT_KERNEL_SS,
				  0xffffffff80300000, 0, 0, 0),
		       0, "stack_switch to a guest stack");
	test_expect_rc(HYPERCALL5(MICA_HC_stack_switch, 0xe008,
				  0xffffffff80300000, 0, 0, 0),
		       -MICA_EINVAL, "stack_switch with a ring-0 ss");
	test_expect_rc(HYPERCALL5(MICA_HC_stack_switch, MICA_FLAT_KERNEL_SS,
				  MICA_HYPERVISOR_VIRT_START + 0x8000, 0, 0, 0),
		       -MICA_EINVAL, "stack_switch into the hypervisor");
}

static uint64_t fs_probe = 0x1234567887654321;
static uint64_t gs_probe = 0x0badc0ffee0ddf00;

static void check_segment_bases(void)
{
	uint64_t v;

	printk("set_segment_base\n");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base, MICA_SEGBASE_fs,
				  &fs_probe, 0, 0, 0),
		       0, "fs base");
	__asm__ __volatile__("mov %%fs:0, %0" : "=r"(v));
	if (v != fs_probe)
		test_fail("fs:0 reads %#lx, expected %#lx", v, fs_probe);
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  MICA_SEGBASE_gs_kernel, &gs_probe, 0, 0, 0),
		       0, "kernel gs base");
	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(v));
	if (v != gs_probe)
		test_fail("gs:0 reads %#lx, expected %#lx", v, gs_probe);
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base, MICA_SEGBASE_fs,
				  0x0000800000000000, 0, 0, 0),
		       -MICA_EINVAL, "non-canonical fs base");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base, 17, 0, 0, 0, 0),
		       -MICA_ENOSYS, "unknown segment");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  MICA_SEGBASE_gs_user_sel, 0xe008, 0, 0, 0),
		       -MICA_EINVAL, "ring-0 user gs selector");
	/* Guest GDT/LDT selectors are taken if they load; these do not
	 * (no guest GDT frame there, no LDT): refused, not a Mica fault. */
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  MICA_SEGBASE_gs_user_sel, 0x0803, 0, 0, 0),
		       -MICA_EINVAL, "user gs selector of an empty GDT entry");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  MICA_SEGBASE_gs_user_sel, 0x0007, 0, 0, 0),
		       -MICA_EINVAL, "user gs selector with no LDT");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  MICA_SEGBASE_gs_user_sel, 0x10000, 0, 0, 0),
		       -MICA_EINVAL, "user gs selector above 16 bits");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  MICA_SEGBASE_gs_user_sel, 0xe01b, 0, 0, 0),
		       0, "flat user gs selector");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  MICA_SEGBASE_gs_user_sel, 0, 0, 0, 0),
		       0, "null user gs selector");
	HYPERCALL5(MICA_HC_set_segment_base, MICA_SEGBASE_fs, 0, 0, 0, 0);
	HYPERCALL5(MICA_HC_set_segment_base, MICA_SEGBASE_gs_kernel, 0, 0, 0,
		   0);
}

/* clang-format off */
/* iret_with_flags(rflags): MICA_HC_iret to the next instruction in kernel
 * mode with rflags; returns the rflags seen there. */
__asm__(".text\n"
	"iret_with_flags:\n"
	"	mov %rsp, %rax\n"
	"	push $0xe018\n"		/* ss, RPL 0 */
	"	push %rax\n"			/* rsp */
	"	push %rdi\n"			/* rflags */
	"	push $0xe020\n"		/* cs, RPL 0 */
	"	lea 1f(%rip), %rcx\n"
	"	push %rcx\n"			/* rip */
	"	push $0\n"			/* MICA_IRET_* flags */
	"	jmp hypercall_page + 14 * 32\n"
	"1:	pushfq\n"
	"	pop %rax\n"
	"	ret\n");
/* clang-format on */
uint64_t iret_with_flags(uint64_t rflags);

#define RFLAGS_NT 0x4000ULL

static void check_nt(void)
{
	uint64_t f = iret_with_flags(0x202 | RFLAGS_NT);

	if (!(f & RFLAGS_NT))
		test_fail("iret with NT: rflags %#lx", f);
	/* A hypercall (SYSCALL clears NT in Mica) returns it too. */
	test_expect_rc(HYPERCALL5(MICA_HC_version, 0, 0, 0, 0, 0) < 0, 0,
		       "version with NT set");
	__asm__ __volatile__("pushfq; pop %0" : "=r"(f));
	if (!(f & RFLAGS_NT))
		test_fail("NT lost across a hypercall: rflags %#lx", f);
	f = iret_with_flags(0x202);
	if (f & RFLAGS_NT)
		test_fail("iret without NT: rflags %#lx", f);
}

void test_main(void)
{
	if (set_trap_table(table))
		test_error("cannot install the trap table");
	check_exceptions();
	check_trap_table_errors();
	check_exceptions(); /* the reinstalled table works the same */
	check_callbacks_and_stack();
	check_segment_bases();
	check_nt();
	test_pass();
}
