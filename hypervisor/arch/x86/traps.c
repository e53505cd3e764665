/* SPDX-License-Identifier: MIT */
/*
 * Trap dispatch and the crash report.  No guest runs yet, so every exception
 * is a hypervisor bug: report it with the registers and a backtrace, stop
 * every CPU, and end the machine.
 */
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/shutdown.h>
#include <mica/symbols.h>
#include <asm/apic.h>
#include <mica/sched.h>
#include <asm/cpu.h>
#include <asm/debugreg.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <asm/pv.h>
#include <asm/pv_segments.h>

static irq_handler_t irq_handlers[256];
static volatile int crashing_cpu = -1;

static const char *const exception_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor segment overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved (15)",
	"#MF x87 floating point",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD floating point",
	"#VE virtualization",
	"#CP control protection",
};

void trap_set_irq_handler(unsigned int vector, irq_handler_t handler)
{
	irq_handlers[vector] = handler;
}

static void print_symbol(const char *prefix, uintptr_t addr)
{
	uintptr_t off;
	const char *name = symbols_lookup(addr, &off);

	if (name)
		printk_level(LOG_ERR, "%s%016lx <%s+0x%lx>\n", prefix, addr,
			     name, off);
	else
		printk_level(LOG_ERR, "%s%016lx\n", prefix, addr);
}

void show_backtrace(uintptr_t rip, uintptr_t rbp)
{
	uintptr_t block = (uintptr_t)this_cpu() & ~(uintptr_t)(STACK_SIZE - 1);
	uintptr_t last = 0;
	unsigned int repeats = 0;

	pr_err("Backtrace:\n");
	print_symbol("  ", rip);
	for (unsigned int depth = 0; depth < 1024 && rbp; depth++) {
		const uintptr_t *frame = (const uintptr_t *)rbp;

		/* Only follow frames inside this CPU's stack block. */
		if (rbp < block || rbp + 16 > block + STACK_SIZE || (rbp & 7))
			break;
		if (!frame[1])
			break;
		/* Deep recursion prints as one line with a count. */
		if (frame[1] == last) {
			repeats++;
		} else {
			if (repeats)
				pr_err("  ... the line above %u more times\n",
				       repeats);
			repeats = 0;
			print_symbol("  ", frame[1]);
			last = frame[1];
		}
		if (frame[0] <= rbp)
			break; /* frames must move up the stack */
		rbp = frame[0];
	}
	if (repeats)
		pr_err("  ... the line above %u more times\n", repeats);
}

static void dump_registers(const struct cpu_regs *r)
{
	pr_err("RIP: %04lx:%016lx RFLAGS: %016lx\n", r->cs, r->rip, r->rflags);
	print_symbol("RIP is ", r->rip);
	pr_err("RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx, r->rcx);
	pr_err("RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
	pr_err("RBP: %016lx RSP: %016lx R8:  %016lx\n", r->rbp, r->rsp, r->r8);
	pr_err("R9:  %016lx R10: %016lx R11: %016lx\n", r->r9, r->r10, r->r11);
	pr_err("R12: %016lx R13: %016lx R14: %016lx\n", r->r12, r->r13, r->r14);
	pr_err("R15: %016lx SS: %04lx\n", r->r15, r->ss);
	pr_err("CR0: %016lx CR2: %016lx\n", read_cr0(), read_cr2());
	pr_err("CR3: %016lx CR4: %016lx\n", read_cr3(), read_cr4());
}

/*
 * Stops this CPU for good if another CPU is crashing: returns only if no
 * crash is in progress.
 */
static void crash_check_nmi(void)
{
	if (crashing_cpu >= 0 && crashing_cpu != (int)smp_processor_id())
		cpu_halt_forever();
}

void fatal_trap(const struct cpu_regs *regs, const char *why)
{
	int me = (int)smp_processor_id();
	int expect = -1;

	local_irq_disable();
	/*
	 * One CPU reports; any other that faults meanwhile just stops.  A
	 * fault while reporting ends the machine at once.
	 */
	if (!__atomic_compare_exchange_n(&crashing_cpu, &expect, me, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		if (expect == me)
			machine_exit(EXIT_PANIC);
		cpu_halt_forever();
	}
	console_force_unlock();
	pr_err("\n****************************************\n");
	pr_err("FATAL on CPU%d: %s\n", me, why);
	if (regs) {
		dump_registers(regs);
		show_backtrace(regs->rip, regs->rbp);
	} else {
		show_backtrace((uintptr_t)__builtin_return_address(0),
			       (uintptr_t)__builtin_frame_address(0));
	}
	smp_send_nmi_others();
	pr_err("All CPUs stopped. Machine halted.\n");
	pr_err("****************************************\n");
	machine_exit(EXIT_PANIC);
}

/* Faulting instructions that have a recovery path (usercopy.S). */
struct extable_entry {
	uint64_t insn, fixup;
};
extern const struct extable_entry __start_extable[], __stop_extable[];

static bool fixup_exception(struct cpu_regs *regs)
{
	for (const struct extable_entry *e = __start_extable;
	     e < __stop_extable; e++) {
		if (e->insn == regs->rip) {
			regs->rip = e->fixup;
			return true;
		}
	}
	return false;
}

/* A #DB from guest code, moved off its IST stack by do_trap. */
static void __noreturn guest_db_on_primary_stack(void)
{
	pv_guest_exception(guest_frame());
	pv_return_to_guest();
}

__hot_path void do_trap(struct cpu_regs *regs)
{
	unsigned int vec = (unsigned int)regs->vector;
	char why[96];

	/*
	 * From guest mode on an IST stack (#DB, NMI, #DF, #MC): the guest's
	 * registers belong in the guest frame, which the exit restores
	 * (pv_return_to_guest); the primary stack is idle while guest code
	 * runs.  A #DB goes on there: delivering it writes guest memory,
	 * which may hit a guest breakpoint, whose #DB would reuse this IST
	 * stack.
	 */
	if ((regs->cs & 3) && regs != guest_frame()) {
		*guest_frame() = *regs;
		if (vec == 1)
			arch_reset_stack_and_jump(guest_db_on_primary_stack);
		regs = guest_frame();
	}

	if (vec == 2) {
		crash_check_nmi();
		pr_warn("CPU%u: unexpected NMI\n", smp_processor_id());
		return;
	}
	if (vec >= 32) {
		this_cpu()->irq_count++;
		if (irq_handlers[vec])
			irq_handlers[vec](regs);
		else if (vec != VECTOR_SPURIOUS)
			pr_warn("CPU%u: unhandled interrupt vector %u\n",
				smp_processor_id(), vec);
		if (vec != VECTOR_SPURIOUS)
			lapic_eoi();
		return;
	}
	if (regs->cs & 3) {
		pv_guest_exception(regs);
		return;
	}
	/* The exit IRETQ to a guest: the guest's fault (pv.h iret note 5). */
	if ((vec == 11 || vec == 12 || vec == 13) &&
	    regs->rip == (uintptr_t)pv_exit_iretq)
		pv_exit_iret_fault(regs);
	if ((vec == 11 || vec == 13 || vec == 14) && fixup_exception(regs))
		return;
	/* A guest's data breakpoint hit by Mica's own access to guest
	 * memory: the guest sees it in DR6, and Mica carries on. */
	if (vec == 1 && current_vcpu() && this_cpu()->debugregs_live) {
		debugreg_note_db(current_vcpu());
		return;
	}
	if (vec == 14)
		snprintf(why, sizeof(why),
			 "%s at %016lx (error code %04lx: %s %s %s)",
			 exception_names[vec], read_cr2(), regs->error_code,
			 (regs->error_code & 1) ? "protection" : "not-present",
			 (regs->error_code & 2) ? "write" : "read",
			 (regs->error_code & 16) ? "ifetch" : "");
	else
		snprintf(why, sizeof(why), "%s (vector %u, error code %04lx)",
			 exception_names[vec] ? exception_names[vec] :
						"reserved",
			 vec, regs->error_code);
	fatal_trap(regs, why);
}
