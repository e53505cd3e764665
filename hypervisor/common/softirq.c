/* SPDX-License-Identifier: MIT */
/* Softirqs; see mica/softirq.h. */
#include <mica/softirq.h>
#include <asm/cpu.h>
#include <asm/smp.h>

static softirq_handler_t handlers[NR_SOFTIRQS];

void softirq_register(enum softirq nr, softirq_handler_t handler)
{
	handlers[nr] = handler;
}

void softirq_raise(enum softirq nr)
{
	__atomic_fetch_or(&this_cpu()->softirq_pending, 1u << nr,
			  __ATOMIC_SEQ_CST);
}

void softirq_raise_on(unsigned int cpu, enum softirq nr)
{
	struct cpu_info *ci = cpu_infos[cpu];

	__atomic_fetch_or(&ci->softirq_pending, 1u << nr, __ATOMIC_SEQ_CST);
	if (ci != this_cpu())
		arch_cpu_kick(cpu);
}

void softirq_run(void)
{
	struct cpu_info *ci = this_cpu();
	uint32_t pending;

	while ((pending = __atomic_exchange_n(&ci->softirq_pending, 0,
					      __ATOMIC_SEQ_CST)) != 0) {
		for (unsigned int nr = 0; nr < NR_SOFTIRQS; nr++)
			if ((pending & (1u << nr)) && handlers[nr])
				handlers[nr]();
	}
}
