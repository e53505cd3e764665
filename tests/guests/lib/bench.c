/* SPDX-License-Identifier: MIT */
/* Hot-path event counts for the bench guests (lib/bench.h). */
#include "bench.h"
#include "hypercall.h"
#include "test.h"
#include "public/sysctl.h"

static const char *const counter_names[] = {
	[MICA_PERFC_hypercalls] = "hypercalls",
	[MICA_PERFC_iret] = "irets",
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
};

void bench_counters_read(struct bench_counters *c)
{
	struct mica_sysctl op = { .cmd = MICA_SYSCTL_perfc,
				  .interface_version =
					  MICA_SYSCTL_INTERFACE_VERSION };

	op.u.perfc.cpu = MICA_PERFC_ALL_CPUS;
	c->error = hypercall_sysctl(&op);
	for (unsigned int i = 0; i < MICA_PERFC_MAX; i++)
		c->count[i] = op.u.perfc.count[i];
}

uint64_t perfc_total(unsigned int counter)
{
	struct bench_counters c;

	bench_counters_read(&c);
	if (c.error)
		test_error("sysctl perfc failed (%ld)", c.error);
	return c.count[counter];
}

void bench_counters_report(const char *what,
			   const struct bench_counters *before,
			   const struct bench_counters *after,
			   uint64_t iterations)
{
	if (before->error || after->error)
		return;
	for (unsigned int i = 0;
	     i < sizeof(counter_names) / sizeof(counter_names[0]); i++) {
		uint64_t d = after->count[i] - before->count[i];
		/* Hundredths, rounded: the reads themselves are one
		 * hypercall and one exit, lost in the rounding. */
		uint64_t h = (d * 100 + iterations / 2) / iterations;

		if (h)
			printk("bench: %s_per_%s %lu.%02lu count\n",
			       counter_names[i], what, h / 100, h % 100);
	}
}
