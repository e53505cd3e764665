/* SPDX-License-Identifier: MIT */
/*
 * hvm_main(): reached from head.S in long mode.  Checks the start info,
 * installs the IDT and the hypercall page, runs test_main(), prints the
 * result line on the serial console and shuts down.
 */
#include "hvm.h"

#include "public/sched.h"

#define COM1 MICA_HVM_COM1_PORT
#define LSR_THRE 0x20

const struct mica_hvm_start_info *hvm_start_info;
volatile uint64_t fault_resume, fault_error;
volatile uint64_t fault_vector = (uint64_t)-1;

extern const char exception_stubs[], irq_stubs[];
irq_handler_t irq_handlers[256];
volatile uint64_t irq_unexpected;
uint64_t ap_stack_top;
void (*volatile ap_main_fn)(unsigned int cpu);

struct idt_gate {
	uint16_t offset0, sel;
	uint8_t ist, type;
	uint16_t offset1;
	uint32_t offset2, zero;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));

static void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" ::"m"(desc));
}

static void idt_install(void)
{
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t a = v < 32 ? (uint64_t)exception_stubs + v * 16 :
				      (uint64_t)irq_stubs + (v - 32) * 16;

		idt[v] = (struct idt_gate){
			.offset0 = (uint16_t)a,
			.sel = 0x18,
			.type = 0x8e, /* present, interrupt gate */
			.offset1 = (uint16_t)(a >> 16),
			.offset2 = (uint32_t)(a >> 32),
		};
	}
	idt_load();
}

void hvm_irq(uint64_t vec);
void hvm_irq(uint64_t vec)
{
	irq_handler_t h = irq_handlers[vec & 0xff];

	if (h)
		h((unsigned int)vec);
	else
		irq_unexpected++;
}

/* An application processor, in long mode on the shared page tables. */
void __noreturn hvm_ap_main(void);
void hvm_ap_main(void)
{
	idt_load();
	ap_main_fn(lapic_read(LAPIC_ID) >> 24);
	for (;;)
		asm volatile("cli; hlt");
}

/* printk on the emulated 16550 (hvm.h P1), polling its line status. */
static void serial_put(void *ctx, char c)
{
	(void)ctx;
	while (!(inb(COM1 + 5) & LSR_THRE))
		;
	outb(COM1, (uint8_t)c);
}

void vprintk(const char *fmt, va_list ap)
{
	format(serial_put, NULL, fmt, ap);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

int probe_rdmsr(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	int vec = PROBE("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr));

	*val = ((uint64_t)hi << 32) | lo;
	return vec;
}

int probe_wrmsr(uint32_t msr, uint64_t val)
{
	return PROBE("wrmsr", ::"c"(msr), "a"((uint32_t)val),
		     "d"((uint32_t)(val >> 32)));
}

void guest_shutdown(uint32_t reason)
{
	struct mica_sched_shutdown arg = { .reason = reason };
	long rc = hypercall_sched_op(MICA_SCHEDOP_shutdown, &arg);

	printk("shutdown(%u) returned %ld; halting\n", reason, rc);
	for (;;)
		asm volatile("cli; hlt");
}

void __noreturn hvm_exception(uint64_t vec, uint64_t error, uint64_t rip);
void hvm_exception(uint64_t vec, uint64_t error, uint64_t rip)
{
	test_error("unexpected exception %lu (error %lx) at %lx", vec, error,
		   rip);
	guest_shutdown(test_print_result());
}

void __noreturn hvm_main(uint32_t magic, uint32_t si_gpa);
void hvm_main(uint32_t magic, uint32_t si_gpa)
{
	const struct mica_hvm_start_info *si = (const void *)(uint64_t)si_gpa;

	idt_install();
	printk("Mica HVM test guest: %s\n", test_title);
	if (probe_wrmsr(MICA_MSR_HYPERCALL_PAGE, (uint64_t)hypercall_page) >=
	    0) {
		test_error("cannot install the hypercall page");
		/* No way to shut down: halting with interrupts off ends the
		 * domain too (hvm.h P5). */
		test_print_result_now();
		for (;;)
			asm volatile("cli; hlt");
	}
	if (magic != MICA_HVM_START_MAGIC)
		test_error("eax at entry %x, expected %x", magic,
			   MICA_HVM_START_MAGIC);
	else if (memcmp(si->magic, MICA_HVM_START_INFO_MAGIC,
			sizeof(MICA_HVM_START_INFO_MAGIC)))
		test_error("start info magic '%.16s'", si->magic);
	else {
		hvm_start_info = si;
		test_main();
	}
	guest_shutdown(test_print_result());
}
