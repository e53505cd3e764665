/* SPDX-License-Identifier: MIT */
/*
 * Hostile CPU state (public/arch-x86/pv.h): each domU (hostile_cpu/domains)
 * makes one attempt that the ABI says crashes the domain: MICA_HC_iret to
 * ring 1 or 2, with Mica's own cs or ss, to a non-canonical rip, with
 * unknown flags, from an unreadable frame, to user mode without user page
 * tables; a system call from user mode with no kernel stack; an exception
 * whose bounce frame lands on a read-only stack; a fault with no handler.
 * A domU prints its result line before the attempt (and a second,
 * failing one if it survives).  dom0 iret-s with every rflags bit it
 * should not have (IOPL, NT, VM, reserved) and finds them cleared, then
 * waits until Mica has reported each domU crashed for the expected reason,
 * and checks that it still works itself.
 */
#include "boot.h"
#include "cpu.h"
#include "hypercall.h"
#include "logwait.h"
#include "test.h"
#include "public/arch-x86/layout.h"
#include "public/arch-x86/pv.h"
#include "public/mmu.h"
#include "public/sched.h"
#include "public/version.h"

const char test_title[] = "hostile CPU state: iret, syscall and bounce abuse";

/* clang-format off */
/*
 * hostile_iret(frame): copies the 6-word frame (flags, rip, cs, rflags,
 * rsp, ss) onto the stack and jumps to MICA_HC_iret.
 */
__asm__(".text\n"
	"hostile_iret:\n"
	"	push 40(%rdi)\n	push 32(%rdi)\n	push 24(%rdi)\n"
	"	push 16(%rdi)\n	push 8(%rdi)\n	push 0(%rdi)\n"
	"	jmp hypercall_page + 14 * 32\n"
	/* iret_unreadable(rsp): the iret stub pushes rax, rcx, r11 at rsp
	 * and the frame it then reads runs past it. */
	"iret_at:\n"
	"	mov %rdi, %rsp\n"
	"	jmp hypercall_page + 14 * 32\n"
	/* int3 with the stack at rdi. */
	"int3_at:\n"
	"	mov %rdi, %rsp\n"
	"	int3\n"
	"	ret\n"
	/* Where dom0's sanitised iret lands: back to the C caller, whose
	 * rsp is in rbx (the iret frame restores rsp to it). */
	"iret_landing:\n"
	"	ret\n"
	/* User code: a system call. */
	"user_syscall:\n"
	"	syscall\n"
	"	ud2\n");
/* clang-format on */
void hostile_iret(const uint64_t frame[6]);
void iret_at(uint64_t rsp);
void int3_at(uint64_t rsp);
extern char user_syscall[], iret_landing[];

#define KERNEL_CS (MICA_FLAT_KERNEL_CS & ~3)
#define KERNEL_SS (MICA_FLAT_KERNEL_SS & ~3)
#define USER_CS MICA_FLAT_USER_CS
#define USER_SS MICA_FLAT_USER_SS
#define HV_CS 0xe028 /* Mica's own selectors (docs/design.md) */
#define HV_SS 0xe030

static uint64_t here_rsp(void)
{
	uint64_t rsp;

	__asm__ __volatile__("mov %%rsp, %0" : "=r"(rsp));
	return rsp;
}

/* The attempts; each crashes the domain (Mica's reason, as it starts). */
struct attempt {
	const char *name;
	const char *reason;
};

static const struct attempt attempts[] = {
	{ "iret_rpl1", "iret with cs e021" },
	{ "iret_rpl2", "iret with cs e022" },
	{ "iret_hv_cs", "iret with cs e028" },
	{ "iret_hv_ss", "iret with cs e023 ss e030" },
	{ "iret_noncanonical", "return to non-canonical rip" },
	{ "iret_flags", "iret with unknown flags 80" },
	{ "iret_unreadable", "iret frame at" },
	{ "iret_no_user_l4", "iret to user mode with no user L4" },
	{ "no_kernel_stack", "entry from user mode at" },
	{ "bounce_readonly", "cannot write an exception frame" },
	{ "no_handler", "exception 6 (error" },
};
#define NR_ATTEMPTS (sizeof(attempts) / sizeof(attempts[0]))

static void attempt(const char *name)
{
	uint64_t f[6] = { 0, 0, 0, 0x202, here_rsp() - 256, 0 };
	struct mica_callback_register cb = { MICA_CALLBACK_syscall, 0, 0,
					     (uint64_t)user_syscall };
	uint64_t l4 = cpu_virt_to_mfn((void *)start_info->pt_base);
	struct mica_mmuext_op op = { MICA_MMUEXT_NEW_USER_BASEPTR, 0, l4, 0 };
	static const struct mica_trap_info int3_entry[] = {
		{ 3, 3, MICA_FLAT_KERNEL_CS, 0, (uint64_t)iret_landing },
		{ 0, 0, 0, 0, 0 },
	};

	f[1] = (uint64_t)iret_landing;
	/* The verdict is dom0's: this line only says the attempt ran. */
	printk("Test result: SUCCESS\n");
	if (!strcmp(name, "iret_rpl1")) {
		f[2] = 0xe021;
		f[5] = 0xe019;
	} else if (!strcmp(name, "iret_rpl2")) {
		f[2] = 0xe022;
		f[5] = 0xe01a;
	} else if (!strcmp(name, "iret_hv_cs")) {
		f[2] = HV_CS;
		f[5] = KERNEL_SS;
	} else if (!strcmp(name, "iret_hv_ss")) {
		f[2] = USER_CS;
		f[5] = HV_SS;
		HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF, 0);
	} else if (!strcmp(name, "iret_noncanonical")) {
		f[1] = 0x0000800000000000ULL;
		f[2] = KERNEL_CS;
		f[5] = KERNEL_SS;
	} else if (!strcmp(name, "iret_flags")) {
		f[0] = 0x80;
		f[2] = KERNEL_CS;
		f[5] = KERNEL_SS;
	} else if (!strcmp(name, "iret_unreadable")) {
		iret_at(boot_mapping_end() - 8);
	} else if (!strcmp(name, "iret_no_user_l4")) {
		f[2] = USER_CS;
		f[5] = USER_SS;
	} else if (!strcmp(name, "no_kernel_stack")) {
		/* User mode on the kernel tables, but no stack_switch. */
		HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF, 0);
		HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register, &cb,
			   0, 0, 0);
		f[1] = (uint64_t)user_syscall;
		f[2] = USER_CS;
		f[5] = USER_SS;
	} else if (!strcmp(name, "bounce_readonly")) {
		HYPERCALL5(MICA_HC_set_trap_table, int3_entry, 0, 0, 0, 0);
		int3_at(start_info->pt_base + 2048); /* the read-only L4 */
	} else if (!strcmp(name, "no_handler")) {
		__asm__ __volatile__("ud2");
	} else {
		printk("Test result: ERROR: unknown case '%s'\n", name);
		return;
	}
	if (f[2])
		hostile_iret(f);
	printk("Test result: FAILURE: survived %s\n", name);
}

/* dom0: rflags bits a guest may not have come back cleared (NT it may
 * keep: it comes back, and must not leak into Mica, which then runs on). */
static void check_rflags_sanitised(void)
{
	uint64_t bad = 0x3000 /* IOPL 3 */ | 0x4000 /* NT */ |
		       0x20000 /* VM */ | 0x10000 /* RF */ | 0x80000 /* VIF */ |
		       0x100000 /* VIP */ | (1ULL << 40) /* reserved */ |
		       0x8d5 /* arithmetic */ | 0x200;
	uint64_t rflags, rsp;

	printk("iret with IOPL 3, NT, VM and reserved rflags bits\n");
	/* clang-format off */
	__asm__ __volatile__(
		"mov %%rsp, %[rsp]\n"
		"push $%c[ss]\n	push %[rsp]\n	push %[bad]\n"
		"push $%c[cs]\n	lea 1f(%%rip), %%rax\n	push %%rax\n"
		"push $0\n"
		"jmp hypercall_page + 14 * 32\n"
		"1:	pushf\n	pop %[rflags]\n"
		: [rflags] "=r"(rflags), [rsp] "=&r"(rsp)
		: [bad] "r"(bad), [ss] "i"(KERNEL_SS), [cs] "i"(KERNEL_CS)
		: "rax", "rcx", "r11", "memory", "cc");
	/* clang-format on */
	if (rflags & (0x3000 | 0x20000 | (1ULL << 40)))
		test_fail("rflags %#lx after iret: IOPL/VM/reserved kept",
			  rflags);
	if (!(rflags & 0x4000))
		test_fail("rflags %#lx after iret: NT lost", rflags);
	/* NT off again, by an iret of the guest's own flags without it. */
	/* clang-format off */
	__asm__ __volatile__(
		"mov %%rsp, %[rsp]\n"
		"push $%c[ss]\n	push %[rsp]\n	push $0x202\n"
		"push $%c[cs]\n	lea 1f(%%rip), %%rax\n	push %%rax\n"
		"push $0\n"
		"jmp hypercall_page + 14 * 32\n"
		"1:	pushf\n	pop %[rflags]\n"
		: [rflags] "=r"(rflags), [rsp] "=&r"(rsp)
		: [ss] "i"(KERNEL_SS), [cs] "i"(KERNEL_CS)
		: "rax", "rcx", "r11", "memory", "cc");
	/* clang-format on */
	if (rflags & 0x4000)
		test_fail("rflags %#lx after an iret without NT", rflags);
	if (!(rflags & 0x200))
		test_fail("rflags %#lx after iret: real IF clear", rflags);
}

void test_main(void)
{
	const char *patterns[NR_ATTEMPTS];
	bool seen[NR_ATTEMPTS] = { false };
	static char pat[NR_ATTEMPTS][96];
	const char *c = cmdline_value("case");
	char name[32];
	unsigned int n = 0;

	if (!(start_info->flags & MICA_START_INFO_INITDOMAIN)) {
		if (!c) {
			test_error("no case= on the command line");
			return;
		}
		while (c[n] && c[n] != ' ' && n < sizeof(name) - 1) {
			name[n] = c[n];
			n++;
		}
		name[n] = '\0';
		attempt(name);
		return;
	}
	check_rflags_sanitised();
	for (unsigned int i = 0; i < NR_ATTEMPTS; i++) {
		snprintf(pat[i], sizeof(pat[i]), "(%s) crashed: %s",
			 attempts[i].name, attempts[i].reason);
		patterns[i] = pat[i];
	}
	printk("waiting for Mica to crash %u hostile domUs\n",
	       (unsigned int)NR_ATTEMPTS);
	if (log_wait_for(patterns, seen, NR_ATTEMPTS, 20) != NR_ATTEMPTS)
		for (unsigned int i = 0; i < NR_ATTEMPTS; i++)
			if (!seen[i])
				test_fail("no '%s' in the log", patterns[i]);
	/* Still alive and well. */
	if (hypercall_version(MICA_VERSION_GET, NULL) != MICA_ABI_VERSION)
		test_fail("version hypercall broken after the attempts");
	test_pass();
}
