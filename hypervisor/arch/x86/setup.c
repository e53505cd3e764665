/* SPDX-License-Identifier: MIT */
/*
 * Boot of the hypervisor on the boot CPU, from head.S to the idle loop:
 * loader data, command line, memory, page tables, per-CPU state, time,
 * the other CPUs, then self-tests (if asked) and idle.
 */
#include <mica/boot.h>
#include <mica/boot_domains.h>
#include <mica/boot_alloc.h>
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <mica/timer.h>
#include <mica/selftest.h>
#include <mica/shutdown.h>
#include <mica/time.h>
#include <mica/version.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/boot.h>
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/page.h>
#include <asm/m2p.h>
#include <asm/paging.h>
#include <asm/hvm.h>
#include <asm/pv.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <asm/traps.h>

#define MIB (1024 * 1024)
#define LOW_MEMORY_END 0x100000 /* firmware, trampoline: never allocated */
#define EARLY_LIMIT (4ULL << 30)

extern const char __image_start[], __bss_end[];
extern uintptr_t boot_stack_block;

BUILD_BUG_ON(sizeof(struct cpu_info) > BOOT_CPU_INFO_RESERVE);

extern const struct param __start_mica_params[], __stop_mica_params[];

static void report_bad_param(const char *word, size_t len, int err)
{
	pr_warn("cmdline: '%.*s' ignored: %s\n", (int)len, word,
		err == -ENOENT ? "unknown parameter" :
		err == -E2BIG  ? "value too long" :
		err == -ERANGE ? "value out of range" :
				 "invalid value");
}

void cmdline_parse(const char *cmdline)
{
	cmdline_parse_table(cmdline, __start_mica_params, __stop_mica_params,
			    report_bad_param);
}

static void print_memmap(void)
{
	pr_info("Memory map (%s):\n", boot_info.loader);
	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct memmap_entry *e = &boot_info.memmap[i];

		pr_info("  %016lx - %016lx %s\n", e->start, e->start + e->size,
			memmap_type_name(e->type));
	}
	for (unsigned int i = 0; i < boot_info.nr_modules; i++)
		pr_info("Module %u: %016lx - %016lx '%s'\n", i,
			boot_info.modules[i].start, boot_info.modules[i].end,
			boot_info.modules[i].cmdline);
}

/* Gives all RAM to the boot allocator, minus what is already in use. */
static void memory_init_boot(void)
{
	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct memmap_entry *e = &boot_info.memmap[i];

		if (e->type == MEMMAP_RAM)
			boot_alloc_add(e->start, e->start + e->size);
	}
	boot_alloc_reserve(0, LOW_MEMORY_END);
	boot_alloc_reserve(virt_to_maddr(__image_start),
			   virt_to_maddr(__bss_end));
	boot_alloc_reserve(boot_info.info_start, boot_info.info_end);
	for (unsigned int i = 0; i < boot_info.nr_modules; i++)
		boot_alloc_reserve(boot_info.modules[i].start,
				   boot_info.modules[i].end);
}

/* Builds the frame table and hands free memory to the buddy allocator. */
static void memory_init_frames(void)
{
	uint64_t max_pfn = 0, table_pages;
	paddr_t table;

	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct memmap_entry *e = &boot_info.memmap[i];

		if (e->type == MEMMAP_RAM)
			max_pfn = MAX(max_pfn,
				      (e->start + e->size) >> PAGE_SHIFT);
	}
	table_pages = ALIGN_UP(max_pfn * sizeof(struct page_info),
			       (uint64_t)PAGE_SIZE) >>
		      PAGE_SHIFT;
	table = boot_alloc_pages(table_pages, 1, ~0ULL);
	if (!table)
		panic("memory: no room for a %lu-page frame table\n",
		      table_pages);
	memset(maddr_to_virt(table), 0, table_pages * PAGE_SIZE);
	page_alloc_init(maddr_to_virt(table), max_pfn);

	/* RAM in use so far is the hypervisor's; modules wait for dom0. */
	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct memmap_entry *e = &boot_info.memmap[i];

		if (e->type == MEMMAP_RAM)
			page_alloc_set_owner(e->start >> PAGE_SHIFT,
					     (e->start + e->size) >> PAGE_SHIFT,
					     OWNER_HYPERVISOR);
	}
	for (unsigned int i = 0; i < boot_info.nr_modules; i++)
		page_alloc_set_owner(boot_info.modules[i].start >> PAGE_SHIFT,
				     ALIGN_UP(boot_info.modules[i].end,
					      (paddr_t)PAGE_SIZE) >>
					     PAGE_SHIFT,
				     OWNER_BOOT);
	boot_alloc_finish();
	paging_use_page_alloc();
	pr_info("Memory: %lu MiB RAM, %lu MiB free, %lu KiB used by Mica\n",
		(page_alloc_free_frames() +
		 page_alloc_owned_frames(OWNER_HYPERVISOR) +
		 page_alloc_owned_frames(OWNER_BOOT)) *
			PAGE_SIZE / MIB,
		page_alloc_free_frames() * PAGE_SIZE / MIB,
		page_alloc_owned_frames(OWNER_HYPERVISOR) * PAGE_SIZE / 1024);
}

static void lapic_timer_interrupt(struct cpu_regs *regs)
{
	(void)regs;
	this_cpu()->timer_irqs++;
	timer_interrupt();
}

/* Only makes the CPU leave hlt or guest mode and look at its softirqs. */
static void event_check_interrupt(struct cpu_regs *regs)
{
	(void)regs;
}

static void __noreturn boot_continue(void)
{
	struct cpu_info *ci = this_cpu();
	unsigned int online;
	int rc;

	cpu_tables_load(ci);
	rc = acpi_init();
	if (rc)
		pr_warn("ACPI: no usable tables (%d); one CPU, PIT time\n", rc);
	lapic_map();
	lapic_init_cpu();
	ci->apic_id = lapic_id();
	trap_set_irq_handler(VECTOR_LAPIC_TIMER, lapic_timer_interrupt);
	trap_set_irq_handler(VECTOR_EVENT_CHECK, event_check_interrupt);
	timers_init();
	scheduler_init();
	scheduler_init_cpu();
	pv_cpu_init();
	hvm_init();
	hvm_cpu_init(); /* after pv_cpu_init: saves its syscall MSRs */

	time_init();
	pr_info("Time: TSC %lu.%03lu MHz, LAPIC timer %lu.%03lu MHz, "
		"calibrated against the %s\n",
		time_info.tsc_hz / 1000000, time_info.tsc_hz / 1000 % 1000,
		time_info.lapic_hz / 1000000, time_info.lapic_hz / 1000 % 1000,
		time_info.reference);
	local_irq_enable();

	online = smp_boot_cpus();
	pr_info("SMP: %u of %u CPUs online\n", online, nr_cpus_present);

	selftest_run();
	boot_domains_build();
	pr_info("Mica: boot complete, %lu MiB free; idle.\n",
		page_alloc_free_frames() * PAGE_SIZE / MIB);
	idle_loop();
}

void boot_start(uint32_t magic, uint32_t info_pa)
{
	struct cpu_info *boot_ci = this_cpu(), *ci;
	int rc;

	/* Exceptions are reported from the first instruction of C on. */
	boot_ci->stack_block = boot_stack_block;
	idt_init();
	cpu_tables_load(boot_ci);

	rc = multiboot_parse(magic, info_pa);
	if (rc)
		panic("boot: unknown boot loader magic %08x; use a multiboot "
		      "or multiboot2 loader\n",
		      magic);
	cmdline_parse(boot_info.cmdline);
	console_init();
	pr_info("Mica %s hypervisor (x86-64), booted by %s (%s)\n",
		MICA_VERSION, boot_info.loader_name, boot_info.loader);
	pr_info("Command line: %s\n", boot_info.cmdline);
	print_memmap();

	memory_init_boot();
	paging_init();
	memory_init_frames();
	m2p_init();

	/* Move to a stack block with guard pages; the boot block is retired. */
	ci = cpu_info_alloc(0);
	if (!ci)
		panic("boot: no memory for the boot CPU's stacks\n");
	__asm__ __volatile__("mov %0, %%rsp; xor %%ebp, %%ebp; call *%1"
			     :
			     : "r"(ci), "r"(boot_continue)
			     : "memory");
	__builtin_unreachable();
}
