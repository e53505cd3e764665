/* SPDX-License-Identifier: MIT */
/* Reading the per-CPU hot-path counters (mica/perfc.h). */
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/perfc.h>
#include <asm/smp.h>

static const char *const perfc_names[PERFC_NR] = {
	[MICA_PERFC_hypercalls] = "hypercalls",
	[MICA_PERFC_iret] = "iret",
	[MICA_PERFC_syscall_bounces] = "syscall_bounces",
	[MICA_PERFC_exception_bounces] = "exception_bounces",
	[MICA_PERFC_upcalls] = "upcalls",
	[MICA_PERFC_exits_sysret] = "exits_sysret",
	[MICA_PERFC_exits_iret] = "exits_iret",
	[MICA_PERFC_mode_switches] = "mode_switches",
	[MICA_PERFC_cr3_writes] = "cr3_writes",
	[MICA_PERFC_tlb_flushes_local] = "tlb_flushes_local",
	[MICA_PERFC_tlb_flush_ipis] = "tlb_flush_ipis",
	[MICA_PERFC_context_switches] = "context_switches",
	[MICA_PERFC_emulations] = "emulations",
	[MICA_PERFC_continuations] = "continuations",
	[MICA_PERFC_credit_vcpus] = "credit_vcpus",
};

uint64_t *arch_perfc_of_cpu(uint32_t cpu)
{
	if (cpu >= NR_CPUS || !((arch_online_cpus() >> cpu) & 1) ||
	    !cpu_infos[cpu])
		return NULL;
	return cpu_infos[cpu]->perfc;
}

long perfc_read(uint32_t cpu, uint64_t *count)
{
	const uint64_t *c;

	if (cpu != MICA_PERFC_ALL_CPUS) {
		c = arch_perfc_of_cpu(cpu);
		if (!c)
			return -EINVAL;
		for (unsigned int i = 0; i < PERFC_NR; i++)
			count[i] = READ_ONCE(c[i]);
		return 0;
	}
	memset(count, 0, PERFC_NR * sizeof(*count));
	for (cpu = 0; cpu < NR_CPUS; cpu++) {
		c = arch_perfc_of_cpu(cpu);
		for (unsigned int i = 0; c && i < PERFC_NR; i++)
			count[i] += READ_ONCE(c[i]);
	}
	return 0;
}

void perfc_print(void)
{
	for (uint32_t cpu = 0; cpu < NR_CPUS; cpu++) {
		const uint64_t *c = arch_perfc_of_cpu(cpu);

		for (unsigned int i = 0; c && i < PERFC_NR; i++)
			if (c[i])
				pr_info("perfc: CPU%u %s %lu\n", cpu,
					perfc_names[i], c[i]);
	}
}
