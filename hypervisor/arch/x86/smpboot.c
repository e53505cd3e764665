/* SPDX-License-Identifier: MIT */
/*
 * SMP: per-CPU stack blocks, bringing up the application processors with
 * INIT-SIPI-SIPI, and cross-CPU function calls.
 */
#include <mica/boot.h>
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <mica/shutdown.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/atomic.h>
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/flushtlb.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/hvm.h>
#include <asm/pv.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <asm/traps.h>

struct cpu_info *cpu_infos[NR_CPUS];
unsigned int nr_cpus_present = 1;
unsigned int nr_cpus_online = 1;
uint32_t cpu_apic_ids[NR_CPUS];

static unsigned int max_cpus = NR_CPUS;
param_uint("maxcpus", max_cpus);

extern const char __trampoline_start[], __trampoline_end[];
extern const char pv_stub_page_start[], pv_stub_page_end[];
extern uint64_t ap_boot_cr3, ap_boot_stack;
static paddr_t trampoline_pa;

/* Cross-CPU calls: one at a time, serialised by call_lock. */
static spinlock_t call_lock = SPINLOCK_INIT;
static void (*call_fn)(void *);
static void *call_arg;
static uint64_t call_targets; /* CPUs that have yet to run call_fn */

struct cpu_info *cpu_info_alloc(unsigned int cpu)
{
	static const unsigned int mapped[] = { STACK_PAGE_DB, STACK_PAGE_NMI,
					       STACK_PAGE_DF, STACK_PAGE_MC };
	uintptr_t block = HV_STACKS_BASE + (uintptr_t)cpu * STACK_SIZE;
	struct page_info *pg = alloc_pages(STACK_ORDER, OWNER_HYPERVISOR);
	paddr_t pa;
	struct cpu_info *ci;

	if (!pg)
		return NULL;
	pa = page_to_mfn(pg) << PAGE_SHIFT;
	/* Page 0: this CPU's copy of the syscall entry stubs. */
	memcpy(maddr_to_virt(pa), pv_stub_page_start,
	       (size_t)(pv_stub_page_end - pv_stub_page_start));
	if (map_pages(block, pa, PAGE_SIZE, PAGE_HV_RX))
		return NULL;
	/* Guard pages stay unmapped: an overflow faults instead of corrupting. */
	for (unsigned int i = 0; i < ARRAY_SIZE(mapped); i++)
		if (map_pages(block + mapped[i] * PAGE_SIZE,
			      pa + mapped[i] * PAGE_SIZE, PAGE_SIZE,
			      PAGE_HV_RW))
			return NULL;
	if (map_pages(block + STACK_PAGE_PRIMARY * PAGE_SIZE,
		      pa + STACK_PAGE_PRIMARY * PAGE_SIZE,
		      (STACK_PAGES - STACK_PAGE_PRIMARY) * PAGE_SIZE,
		      PAGE_HV_RW))
		return NULL;
	ci = (struct cpu_info *)(block + STACK_SIZE - sizeof(*ci));
	memset(ci, 0, sizeof(*ci));
	ci->cpu_id = cpu;
	ci->stack_block = block;
	cpu_infos[cpu] = ci;
	return ci;
}

/* Runs the pending cross-CPU call if this CPU is one of its targets. */
static void call_function_poll(void)
{
	uint64_t me = 1ULL << smp_processor_id();

	if (!(__atomic_load_n(&call_targets, __ATOMIC_ACQUIRE) & me))
		return;
	call_fn(call_arg);
	__atomic_fetch_and(&call_targets, ~me, __ATOMIC_SEQ_CST);
}

static void call_function_interrupt(struct cpu_regs *regs)
{
	(void)regs;
	call_function_poll();
}

void smp_call_mask(uint64_t cpus, void (*fn)(void *), void *arg)
{
	unsigned int me = smp_processor_id();

	cpus &= ~(1ULL << me);
	if (nr_cpus_online < 64)
		cpus &= (1ULL << nr_cpus_online) - 1;
	if (!cpus)
		return;
	/*
	 * Callers may run with interrupts off: while waiting for the lock,
	 * serve the call that its holder may be waiting for from us.
	 */
	while (!spin_trylock(&call_lock)) {
		call_function_poll();
		cpu_relax();
	}
	call_fn = fn;
	call_arg = arg;
	__atomic_store_n(&call_targets, cpus, __ATOMIC_SEQ_CST);
	for (unsigned int cpu = 0; cpu < nr_cpus_online; cpu++)
		if (cpus & (1ULL << cpu))
			lapic_send_ipi(cpu_infos[cpu]->apic_id,
				       VECTOR_CALL_FUNCTION);
	while (__atomic_load_n(&call_targets, __ATOMIC_ACQUIRE))
		cpu_relax();
	spin_unlock(&call_lock);
}

void smp_call_others(void (*fn)(void *), void *arg)
{
	smp_call_mask(~0ULL, fn, arg);
}

uint64_t arch_online_cpus(void)
{
	unsigned int n = READ_ONCE(nr_cpus_online);

	return n >= 64 ? ~0ULL : (1ULL << n) - 1; /* CPUs 0..n-1 */
}

void arch_cpu_kick(unsigned int cpu)
{
	lapic_send_ipi(cpu_infos[cpu]->apic_id, VECTOR_EVENT_CHECK);
}

void smp_send_nmi_others(void)
{
	if (nr_cpus_online > 1)
		lapic_send_nmi_allbutself();
}

/* First C code on an AP, on its own stack (set up by smp_boot_one). */
void __noreturn ap_start(void);
void ap_start(void)
{
	struct cpu_info *ci = this_cpu();

	cpu_tables_load(ci);
	lapic_init_cpu();
	ci->apic_id = lapic_id();
	ci->lapic_timer_hz = time_info.lapic_hz;
	scheduler_init_cpu();
	pv_cpu_init();
	hvm_cpu_init();
	WRITE_ONCE(ci->online, true);
	idle_loop();
}

static bool smp_boot_one(unsigned int cpu, uint32_t apic_id)
{
	struct cpu_info *ci = cpu_info_alloc(cpu);

	if (!ci) {
		pr_err("smp: no memory for CPU%u's stacks\n", cpu);
		return false;
	}
	ci->apic_id = apic_id;
	ap_boot_cr3 = paging_idle_cr3();
	ap_boot_stack = (uintptr_t)ci;
	smp_mb();

	lapic_send_init(apic_id);
	mdelay(10);
	for (unsigned int sipi = 0; sipi < 2 && !READ_ONCE(ci->online);
	     sipi++) {
		lapic_send_sipi(apic_id, (unsigned int)(trampoline_pa >> 12));
		udelay(200);
	}
	for (unsigned int ms = 0; ms < 2000 && !READ_ONCE(ci->online); ms++)
		mdelay(1);
	if (!READ_ONCE(ci->online)) {
		pr_err("smp: CPU%u (APIC %u) did not start\n", cpu, apic_id);
		cpu_infos[cpu] = NULL;
		return false;
	}
	return true;
}

/* Picks a RAM page below 1 MiB for the trampoline, clear of boot data. */
static paddr_t find_trampoline_page(void)
{
	for (paddr_t pa = 0x9e000; pa >= 0x1000; pa -= PAGE_SIZE) {
		bool ram = false, busy = false;

		for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
			const struct memmap_entry *e = &boot_info.memmap[i];

			if (e->type == MEMMAP_RAM && e->start <= pa &&
			    e->start + e->size >= pa + PAGE_SIZE)
				ram = true;
		}
		for (unsigned int i = 0; i < boot_info.nr_modules; i++)
			if (boot_info.modules[i].start < pa + PAGE_SIZE &&
			    boot_info.modules[i].end > pa)
				busy = true;
		if (boot_info.info_start < pa + PAGE_SIZE &&
		    boot_info.info_end > pa)
			busy = true;
		if (ram && !busy)
			return pa;
	}
	return 0;
}

unsigned int smp_boot_cpus(void)
{
	uint32_t bsp = this_cpu()->apic_id;
	unsigned int cpu = 1;

	trap_set_irq_handler(VECTOR_CALL_FUNCTION, call_function_interrupt);
	tlb_flush_init();
	cpu_apic_ids[0] = bsp;
	nr_cpus_present = acpi_info.nr_cpus ? acpi_info.nr_cpus : 1;
	if (nr_cpus_present == 1)
		return 1;
	trampoline_pa = find_trampoline_page();
	if (!trampoline_pa) {
		pr_err("smp: no low page for the AP trampoline; one CPU only\n");
		return 1;
	}
	memcpy(maddr_to_virt(trampoline_pa), __trampoline_start,
	       (size_t)(__trampoline_end - __trampoline_start));

	for (unsigned int i = 0; i < acpi_info.nr_cpus; i++) {
		uint32_t id = acpi_info.apic_ids[i];

		if (id == bsp)
			continue;
		if (cpu >= max_cpus || cpu >= NR_CPUS) {
			pr_info("smp: CPU with APIC id %u not started "
				"(maxcpus=%u)\n",
				id, max_cpus);
			continue;
		}
		if (smp_boot_one(cpu, id)) {
			cpu_apic_ids[cpu] = id;
			cpu++;
			nr_cpus_online = cpu;
		}
	}
	return nr_cpus_online;
}
