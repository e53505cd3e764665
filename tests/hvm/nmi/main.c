/* SPDX-License-Identifier: MIT */
/*
 * NMIs for HVM guests (hvm.h P8): an NMI IPI by destination reaches the
 * vcpu with IF clear, once; a second NMI sent from the NMI handler waits
 * until its IRET (NMI blocking, across exits), and NMIs sent meanwhile
 * merge into one; an NMI by the Self shorthand is dropped; an NMI to
 * vcpu 1, spinning with IF clear on the other CPU, reaches it.
 */
#include "hvm.h"

const char test_title[] = "NMI IPIs: delivery, blocking until IRET, merging";

static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static volatile unsigned int nmis[2], in_nmi[2], nested, ap_up;
static volatile unsigned int resend, seen_in_handler;

extern const char nmi_entry[];
void nmi_c(void);

/* clang-format off */
asm(".text\n"
    ".globl nmi_entry\n"
    "nmi_entry:\n"
    "	pushq %rax\n pushq %rcx\n pushq %rdx\n pushq %rsi\n pushq %rdi\n"
    "	pushq %r8\n pushq %r9\n pushq %r10\n pushq %r11\n pushq %rbx\n"
    "	movq %rsp, %rbx\n"
    "	andq $~15, %rsp\n"
    "	call nmi_c\n"
    "	movq %rbx, %rsp\n"
    "	popq %rbx\n popq %r11\n popq %r10\n popq %r9\n popq %r8\n"
    "	popq %rdi\n popq %rsi\n popq %rdx\n popq %rcx\n popq %rax\n"
    "	iretq\n");
/* clang-format on */

static void send_nmi(unsigned int apic_id)
{
	lapic_write(LAPIC_ICR2, apic_id << 24);
	lapic_write(LAPIC_ICR, 0x0400); /* NMI, physical, no shorthand */
}

/* Exits: reads of an unclaimed port. */
static void exits(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		(void)inb(0x80);
}

static unsigned int my_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void nmi_c(void)
{
	unsigned int id = my_id();

	if (in_nmi[id])
		nested++;
	in_nmi[id] = 1;
	nmis[id]++;
	if (id == 0 && resend) {
		resend = 0;
		send_nmi(0);
		send_nmi(0);
		send_nmi(0);
		exits(200);
		for (volatile unsigned int i = 0; i < 200000; i++)
			;
		seen_in_handler = nmis[0];
	}
	in_nmi[id] = 0;
}

static void set_nmi_gate(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr;
	uint64_t a = (uint64_t)nmi_entry;
	uint32_t *gate;

	asm volatile("sidt %0" : "=m"(idtr));
	gate = (uint32_t *)(idtr.base + 2 * 16);
	gate[0] = (gate[0] & 0xffff0000u) | (uint16_t)a;
	gate[1] = (gate[1] & 0x0000ffffu) | ((uint32_t)a & 0xffff0000u);
	gate[2] = (uint32_t)(a >> 32);
}

static void ap_main(unsigned int id)
{
	(void)id;
	cli();
	ap_up = 1;
	for (;;)
		asm volatile("pause");
}

/* Waits (with exits) until *p reaches want; false on timeout. */
static bool wait_for(volatile unsigned int *p, unsigned int want)
{
	for (unsigned long i = 0; i < 20000000UL; i++) {
		if (*p >= want)
			return true;
		if (i % 1000 == 0)
			exits(1);
		asm volatile("pause");
	}
	return *p >= want;
}

void test_main(void)
{
	if (hvm_start_info->nr_vcpus != 2) {
		test_fail("%u vcpus, expected 2", hvm_start_info->nr_vcpus);
		return;
	}
	set_nmi_gate();
	lapic_write(LAPIC_SVR, 0x1ff);

	/* 1. To itself by APIC ID, IF clear: taken right after the ICR
	 * write (whose exit injects it), exactly once. */
	cli();
	send_nmi(0);
	asm volatile("nop");
	if (nmis[0] != 1) {
		test_fail("NMI to self: %u deliveries right after, expected 1",
			  nmis[0]);
		return;
	}
	exits(100);
	if (nmis[0] != 1) {
		test_fail("NMI to self: %u deliveries, expected 1", nmis[0]);
		return;
	}

	/* 2. Three more from the handler: none while it runs (200 exits
	 * and a spin), then exactly one after its IRET. */
	resend = 1;
	send_nmi(0);
	if (!wait_for(&nmis[0], 3)) {
		test_fail("after the handler's IRET: %u NMIs, expected 3",
			  nmis[0]);
		return;
	}
	if (seen_in_handler != 2) {
		test_fail("NMI delivered inside the NMI handler (%u seen)",
			  seen_in_handler);
		return;
	}
	exits(300);
	if (nmis[0] != 3 || nested) {
		test_fail("%u NMIs (expected 3: those sent while blocked "
			  "merge), %u nested",
			  nmis[0], nested);
		return;
	}

	/* 3. With IF set too, and by the Self shorthand: dropped. */
	sti();
	lapic_write(LAPIC_ICR, 0x0400 | (1u << 18));
	exits(300);
	if (nmis[0] != 3) {
		test_fail("NMI by the Self shorthand delivered");
		return;
	}
	send_nmi(0);
	if (!wait_for(&nmis[0], 4)) {
		test_fail("NMI with IF set not delivered");
		return;
	}
	cli();

	/* 4. To vcpu 1, spinning with IF clear on the other CPU. */
	ap_main_fn = ap_main;
	ap_stack_top = (uint64_t)&ap_stack[sizeof(ap_stack)];
	lapic_write(LAPIC_ICR2, 1u << 24);
	lapic_write(LAPIC_ICR, 0x4500); /* INIT */
	lapic_write(LAPIC_ICR2, 1u << 24);
	lapic_write(LAPIC_ICR, 0x0600 | 0x08); /* SIPI: start at 0x8000 */
	if (!wait_for(&ap_up, 1)) {
		test_fail("vcpu 1 did not start");
		return;
	}
	for (unsigned int k = 1; k <= 20; k++) {
		send_nmi(1);
		if (!wait_for(&nmis[1], k)) {
			test_fail("NMI %u to vcpu 1 not delivered", k);
			return;
		}
	}
	if (nmis[0] != 4 || nmis[1] != 20) {
		test_fail("NMIs %u/%u, expected 4/20", nmis[0], nmis[1]);
		return;
	}
	printk("NMIs: to self with IF clear and set, blocked until IRET, "
	       "merged, Self shorthand dropped, 20 to a spinning vcpu\n");
	test_pass();
}
