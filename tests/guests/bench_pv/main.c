/* SPDX-License-Identifier: MIT */
/*
 * Micro-benchmarks of the PV entry paths and event delivery, printed as "bench: metric value
 * unit" lines for `make bench` (scripts/bench.sh).  As a test it checks that
 * every measured operation works and that the numbers are sane.
 */
#include "bench.h"
#include "events.h"
#include "hypercall.h"
#include "test.h"
#include "public/arch-x86/cpuid.h"
#include "public/arch-x86/layout.h"
#include "public/arch-x86/pv.h"
#include "public/version.h"

const char test_title[] = "PV entry-path micro-benchmarks";

#define ITERATIONS 20000

static volatile uint64_t traps_taken;

/* int $0x80 handler: count, then return with MICA_HC_iret. */
/* clang-format off */
__asm__(".text\n"
	"	.globl bench_int80\n"
	"bench_int80:\n"
	"	pop %rcx\n"
	"	pop %r11\n"
	"	incq traps_taken(%rip)\n"
	"	push $0\n"			/* MICA_IRET_* flags */
	"	jmp hypercall_page + 14 * 32\n");	/* MICA_HC_iret */
/* clang-format on */
void bench_int80(void);

/* cycles: per iteration, the best batch's (lib/bench.h); then Mica's
 * event counts per iteration between the two reads. */
static void report(const char *metric, uint64_t cycles,
		   const struct bench_counters *before,
		   const struct bench_counters *after)
{
	printk("bench: %s %lu cycles\n", metric, cycles);
	bench_counters_report(metric, before, after, ITERATIONS);
}

/* Loopback round trip: a send on one end raises the other end, whose
 * handler sends back; the handler of the first end counts. */
static uint32_t end_a, end_b;
static volatile uint64_t round_trips;

static void bounce_back(uint32_t port)
{
	if (port == end_b)
		evtchn_send(end_b);
	else
		round_trips++;
}

static void bench_event_round_trip(void)
{
	struct bench_counters before, after;
	uint64_t best;

	events_setup();
	event_handler = bounce_back;
	if (evtchn_loopback(&end_a, &end_b)) {
		test_error("cannot make a loopback channel");
		return;
	}
	port_unmask(end_a);
	port_unmask(end_b);
	events_unmask();
	bench_counters_read(&before);
	best = BENCH_BEST(ITERATIONS, evtchn_send(end_a));
	bench_counters_read(&after);
	if (round_trips != ITERATIONS)
		test_fail("%lu of %u event round trips completed", round_trips,
			  ITERATIONS);
	report("event_channel_round_trip", best, &before, &after);
}

void test_main(void)
{
	static const struct mica_trap_info table[] = {
		{ 0x80, 3, MICA_FLAT_KERNEL_CS, 0, (uint64_t)bench_int80 },
		{ 0, 0, 0, 0, 0 },
	};
	struct bench_counters before, after;
	uint64_t best;
	long rc = 0;

	bench_counters_read(&before);
	best = BENCH_BEST(ITERATIONS,
			  rc |= hypercall_version(MICA_VERSION_GET, NULL));
	bench_counters_read(&after);
	if (rc <= 0)
		test_fail("version hypercall returned %ld", rc);
	report("null_hypercall", best, &before, &after);

	if (HYPERCALL5(MICA_HC_set_trap_table, table, 0, 0, 0, 0))
		test_error("cannot install the trap table");
	bench_counters_read(&before);
	best = BENCH_BEST(ITERATIONS,
			  __asm__ __volatile__("int $0x80" ::
						       : "rcx", "r11",
							 "memory"));
	bench_counters_read(&after);
	if (traps_taken != ITERATIONS)
		test_fail("%lu of %u software interrupts arrived", traps_taken,
			  ITERATIONS);
	report("trap_bounce_and_iret", best, &before, &after);

	/* CPUID behind the forced-emulation prefix: #UD, decode, filter. */
	bench_counters_read(&before);
	best = BENCH_BEST(ITERATIONS, {
		uint32_t a = MICA_CPUID_LEAF_BASE, b, c = 0, d;

		__asm__ __volatile__(MICA_CPUID_FORCED_EMUL "cpuid"
				     : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		if (b != MICA_CPUID_SIGNATURE_EBX)
			rc = -1;
	});
	bench_counters_read(&after);
	if (rc < 0)
		test_fail("emulated cpuid did not return Mica's leaf");
	report("emulated_cpuid", best, &before, &after);
	bench_event_round_trip();
	test_pass();
}
