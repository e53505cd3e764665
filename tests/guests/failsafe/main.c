/* SPDX-License-Identifier: MIT */
/*
 * The failsafe callback (arch-x86/pv.h "Descriptor tables", callback
 * MICA_CALLBACK_failsafe): a guest loads es from its own GDT, then makes
 * that descriptor not present, and sleeps (SCHEDOP_block on a timer), so
 * the selector must be reloaded when the vcpu is switched back in.  dom0,
 * with a failsafe callback, is entered there with the four selectors it had
 * (ds, es, fs, gs, the bad es among them) and es null; it then does the
 * same with ds.  The domU (role=victim) has no failsafe callback: it is
 * crashed, which dom0 sees in the hypervisor log and domain info, and dom0
 * carries on unaffected.
 */
#include "cpu.h"
#include "events.h"
#include "hypercall.h"
#include "lib.h"
#include "test.h"
#include "public/arch-x86/pv.h"
#include "public/console.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/sched.h"

const char test_title[] = "failsafe callback for unloadable data selectors";

#define DATA3 0x00cff3000000ffffULL /* flat data, DPL 3 */
#define NOT_PRESENT (DATA3 & ~(1ULL << 47))
#define SEL_ES 0x0b /* GDT entry 1 */
#define SEL_DS 0x13 /* GDT entry 2 */
#define MS 1000000ULL
#define TIMEOUT_TSC 60000000000ULL

static uint64_t gdt[512] __attribute__((aligned(4096)));
static uint32_t timer_port;

/* Written by the failsafe entry below. */
extern volatile uint64_t failsafe_sel[4], failsafe_hits;
volatile uint64_t failsafe_sel[4], failsafe_hits;
extern char failsafe_entry[];

/* clang-format off */
/* The frame: ds, es, fs, gs (lowest first), then rcx, r11 and an iret
 * frame.  Record the selectors, drop them, return with MICA_HC_iret. */
__asm__(".text\n"
	"failsafe_entry:\n"
	"	push %rax\n"
	"	mov 8(%rsp), %rax\n	mov %rax, failsafe_sel(%rip)\n"
	"	mov 16(%rsp), %rax\n	mov %rax, failsafe_sel+8(%rip)\n"
	"	mov 24(%rsp), %rax\n	mov %rax, failsafe_sel+16(%rip)\n"
	"	mov 32(%rsp), %rax\n	mov %rax, failsafe_sel+24(%rip)\n"
	"	lock incq failsafe_hits(%rip)\n"
	"	pop %rax\n"
	"	add $32, %rsp\n"
	"	pop %rcx\n"
	"	pop %r11\n"
	"	push $0\n"
	"	jmp hypercall_page + 14 * 32\n");
/* clang-format on */

static long update_desc(unsigned int index, uint64_t d)
{
	return HYPERCALL5(MICA_HC_update_descriptor,
			  (cpu_virt_to_mfn(gdt) << 12) + index * 8, d, 0, 0, 0);
}

static uint16_t read_es(void)
{
	uint16_t v;

	__asm__ __volatile__("mov %%es, %0" : "=r"(v));
	return v;
}

static uint16_t read_ds(void)
{
	uint16_t v;

	__asm__ __volatile__("mov %%ds, %0" : "=r"(v));
	return v;
}

/* A GDT of our own with two flat data descriptors. */
static int gdt_setup(void)
{
	uint64_t mfn = cpu_virt_to_mfn(gdt);

	gdt[1] = DATA3;
	gdt[2] = DATA3;
	if (cpu_remap(gdt, 0) ||
	    HYPERCALL5(MICA_HC_set_gdt, &mfn, 16, 0, 0, 0)) {
		test_error("cannot install a GDT");
		return -1;
	}
	return 0;
}

/*
 * Leave the CPU and come back: block until a 2 ms timer event.  On a busy
 * host the timer may fire before the block, which then returns at once
 * without a switch: callers that need the switch repeat until they see it.
 */
static void sleep_briefly(void)
{
	struct mica_vcpu_singleshot_timer t = { system_time() + 2 * MS, 0, 0 };

	events_mask();
	vcpu_op(MICA_VCPUOP_set_singleshot_timer, 0, &t);
	hypercall_sched_op(MICA_SCHEDOP_block, NULL);
}

static void events_and_timer(void)
{
	events_setup();
	if (evtchn_bind_virq(MICA_VIRQ_TIMER, 0, &timer_port))
		test_error("cannot bind the timer VIRQ");
	port_unmask(timer_port);
}

static void victim(void)
{
	if (gdt_setup())
		return;
	events_and_timer();
	__asm__ __volatile__("mov %%ax, %%es" ::"a"(SEL_ES));
	test_expect_rc(update_desc(1, NOT_PRESENT), 0,
		       "make the loaded es descriptor not present");
	/* Reported now: what follows is judged by dom0. */
	test_pass();
	test_print_result_now();
	printk("victim: sleeping with an unloadable es and no failsafe "
	       "callback\n");
	for (unsigned int i = 0; i < 100; i++)
		sleep_briefly();
	printk("victim: still running after 100 sleeps\n");
	test_fail("victim: not crashed (late verdict, printed only here)");
	for (;;)
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
}

static void check_failsafe(unsigned int index, uint16_t sel, bool es)
{
	uint64_t hits = failsafe_hits;

	if (es)
		__asm__ __volatile__("mov %%ax, %%es" ::"a"(sel));
	else
		__asm__ __volatile__("mov %%ax, %%ds" ::"a"(sel));
	test_expect_rc(update_desc(index, NOT_PRESENT), 0,
		       "make the loaded descriptor not present");
	for (unsigned int i = 0; i < 100 && failsafe_hits == hits; i++)
		sleep_briefly();
	if (failsafe_hits != hits + 1) {
		test_fail("%s %#x: failsafe callback entered %lu times",
			  es ? "es" : "ds", sel, failsafe_hits - hits);
		return;
	}
	if ((es && (failsafe_sel[1] != sel || read_es() != 0)) ||
	    (!es && (failsafe_sel[0] != sel || read_ds() != 0)))
		test_fail("failsafe frame ds %#lx es %#lx fs %#lx gs %#lx; now "
			  "ds %#x es %#x",
			  failsafe_sel[0], failsafe_sel[1], failsafe_sel[2],
			  failsafe_sel[3], read_ds(), read_es());
	/* The other selectors were left as they were. */
	if (es && failsafe_sel[0] != read_ds())
		test_fail("failsafe frame ds %#lx, ds is %#x", failsafe_sel[0],
			  read_ds());
	test_expect_rc(update_desc(index, DATA3), 0, "restore the descriptor");
}

/* Waits until the log has a line with 'what'; false on timeout. */
static bool log_has(const char *what)
{
	static char buf[16384];
	struct mica_console_read r = { 0 };
	uint64_t start = __builtin_ia32_rdtsc();
	size_t have = 0;

	while (__builtin_ia32_rdtsc() - start < TIMEOUT_TSC) {
		if (have > sizeof(buf) - 1025)
			have = 0; /* a line may be cut: it is printed once */
		r.buffer_gaddr = (uint64_t)buf + have;
		r.size = (uint32_t)(sizeof(buf) - 1 - have);
		if (hypercall_console_io(MICA_CONSOLEIO_read, sizeof(r), &r))
			return false;
		have += r.length;
		buf[have] = '\0';
		if (strstr(buf, what))
			return true;
		if (!r.length)
			hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	}
	return false;
}

static void check_victim(void)
{
	struct mica_domctl op = { 0 };
	long rc;

	printk("waiting for the victim's crash\n");
	if (!log_has("domain 1 (victim) crashed: data selector")) {
		test_fail("the victim was not crashed for its selector");
		return;
	}
	op.cmd = MICA_DOMCTL_get_info;
	op.interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op.domid = 1;
	rc = hypercall_domctl(&op);
	if (rc != -MICA_ESRCH &&
	    (rc || !(op.u.info.flags & MICA_DOMINFO_SHUTDOWN) ||
	     op.u.info.shutdown_reason != MICA_SHUTDOWN_crash))
		test_fail("victim: get_info %ld, flags %#x, reason %u", rc,
			  op.u.info.flags, op.u.info.shutdown_reason);
}

void test_main(void)
{
	struct mica_callback_register cb = { MICA_CALLBACK_failsafe, 0, 0,
					     (uint64_t)failsafe_entry };
	const char *role = cmdline_value("role");

	if (role && !strcmp(role, "victim")) {
		victim();
		return;
	}
	if (cpu_traps_install() || gdt_setup())
		return;
	events_and_timer();
	test_expect_rc(HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register,
				  &cb, 0, 0, 0),
		       0, "register the failsafe callback");
	printk("es from the GDT, made not present while loaded\n");
	check_failsafe(1, SEL_ES, true);
	printk("ds likewise\n");
	check_failsafe(2, SEL_DS, false);
	__asm__ __volatile__("mov %%ax, %%ds" ::"a"(0xe01b));
	printk("a good selector survives the switch\n");
	__asm__ __volatile__("mov %%ax, %%es" ::"a"(SEL_ES));
	for (unsigned int i = 0; i < 5; i++)
		sleep_briefly();
	if (read_es() != SEL_ES || failsafe_hits != 2)
		test_fail("es %#x after a switch with a good descriptor, %lu "
			  "failsafe entries",
			  read_es(), failsafe_hits);
	check_victim();
	/* dom0 is unaffected: its own state still works. */
	sleep_briefly();
	if (read_es() != SEL_ES)
		test_fail("dom0's es %#x after the victim crashed", read_es());
	test_pass();
}
