/* SPDX-License-Identifier: MIT */
/* TLB shootdown; see asm/flushtlb.h. */
#include <mica/domain.h>
#include <mica/lib.h>
#include <asm/apic.h>
#include <asm/atomic.h>
#include <asm/cpu.h>
#include <asm/flushtlb.h>
#include <asm/smp.h>
#include <asm/traps.h>

void tlb_flush_local(void)
{
	write_cr3(read_cr3()); /* guest entries are never global */
}

void tlb_flush_service(void)
{
	struct cpu_info *ci = this_cpu();
	uint64_t from = __atomic_load_n(&ci->tlb_flush_from, __ATOMIC_ACQUIRE);

	if (!from)
		return;
	/* The flush starts after the requests were seen, so after the
	 * page-table changes they are for. */
	tlb_flush_local();
	__atomic_fetch_and(&ci->tlb_flush_from, ~from, __ATOMIC_RELEASE);
}

void tlb_flush_cpus(uint64_t cpus)
{
	unsigned int me = smp_processor_id();
	uint64_t bit = 1ULL << me, remote;

	if (cpus & bit)
		tlb_flush_local();
	remote = cpus & ~bit & arch_online_cpus();
	if (!remote)
		return;
	smp_mb(); /* the page-table writes before the requests */
	for (unsigned int c = 0; c < NR_CPUS; c++) {
		if (!((remote >> c) & 1))
			continue;
		__atomic_fetch_or(&cpu_infos[c]->tlb_flush_from, bit,
				  __ATOMIC_SEQ_CST);
		lapic_send_ipi(cpu_infos[c]->apic_id, VECTOR_TLB_FLUSH);
	}
	for (unsigned int c = 0; c < NR_CPUS; c++) {
		if (!((remote >> c) & 1))
			continue;
		while (__atomic_load_n(&cpu_infos[c]->tlb_flush_from,
				       __ATOMIC_ACQUIRE) &
		       bit)
			cpu_relax(); /* answers it: it may be waiting for us */
	}
}

uint64_t tlb_dirty_cpus(const struct domain *d, uint64_t vcpus)
{
	uint64_t cpus = 0;

	smp_mb(); /* the page-table writes before reading where vcpus run */
	for (unsigned int i = 0; i < d->max_vcpus && i < 64; i++) {
		const struct vcpu *v = d->vcpus[i];
		int cpu;

		if (!v || !((vcpus >> i) & 1))
			continue;
		cpu = READ_ONCE(v->arch.dirty_cpu);
		if (cpu >= 0)
			cpus |= 1ULL << cpu;
	}
	return cpus;
}

uint64_t tlb_switch_begin(int *next_dirty_cpu)
{
	if (next_dirty_cpu) {
		WRITE_ONCE(*next_dirty_cpu, (int)smp_processor_id());
		smp_mb(); /* visible before any entry of it is cached */
	}
	return __atomic_load_n(&this_cpu()->tlb_flush_from, __ATOMIC_ACQUIRE);
}

void tlb_switch_end(int *prev_dirty_cpu, uint64_t seen)
{
	/* The CR3 write flushed everything the requests in 'seen' asked. */
	if (seen)
		__atomic_fetch_and(&this_cpu()->tlb_flush_from, ~seen,
				   __ATOMIC_RELEASE);
	if (prev_dirty_cpu)
		WRITE_ONCE(*prev_dirty_cpu, -1);
}

static void tlb_flush_interrupt(struct cpu_regs *regs)
{
	(void)regs;
	tlb_flush_service();
}

void tlb_flush_init(void)
{
	trap_set_irq_handler(VECTOR_TLB_FLUSH, tlb_flush_interrupt);
}
