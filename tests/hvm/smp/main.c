/* SPDX-License-Identifier: MIT */
/*
 * SMP HVM guests (hvm.h P8): vcpus 1 and 2 start only by INIT-SIPI-SIPI
 * through the emulated local APIC; fixed IPIs between vcpus in physical
 * and logical (flat) destination mode and with the all-but-self shorthand
 * arrive once each and are acknowledged; a SIPI to a running vcpu does
 * nothing; INIT stops a vcpu and a SIPI restarts it.
 */
#include "hvm.h"

const char test_title[] = "SMP: INIT-SIPI-SIPI start-up, IPIs between vcpus";

#define VEC_PING 0x50
#define VEC_PONG 0x51
#define NR_APS 2
#define ROUNDS 200

static uint8_t ap_stacks[NR_APS][8192] __attribute__((aligned(16)));
static volatile unsigned int started[NR_APS + 1];
static volatile unsigned int pings[NR_APS + 1];
static volatile unsigned int pongs[NR_APS + 1];

static unsigned int my_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

static void send_ipi(unsigned int dest, uint32_t icr)
{
	lapic_write(LAPIC_ICR2, dest << 24);
	lapic_write(LAPIC_ICR, icr);
	if (lapic_read(LAPIC_ICR) & (1u << 12))
		test_fail("ICR delivery status stays pending");
}

static void ping_irq(unsigned int vec)
{
	unsigned int me = my_id();

	(void)vec;
	pings[me]++;
	lapic_eoi();
	send_ipi(0, VEC_PONG); /* reply to vcpu 0 */
}

static void pong_irq(unsigned int vec)
{
	(void)vec;
	lapic_eoi();
}

static void ap_main(unsigned int id)
{
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_DFR, 0xffffffffu); /* flat */
	lapic_write(LAPIC_LDR, (1u << id) << 24);
	started[id]++;
	for (;;)
		sti_hlt();
}

static bool wait_for(volatile unsigned int *p, unsigned int want)
{
	for (unsigned long i = 0; i < 200000000UL; i++) {
		if (*p >= want)
			return true;
		asm volatile("pause");
	}
	return false;
}

static void start_ap(unsigned int id, unsigned int want)
{
	ap_stack_top = (uint64_t)&ap_stacks[id - 1][sizeof(ap_stacks[0])];
	send_ipi(id, 0x4500); /* INIT, level assert */
	send_ipi(id, 0x0600 | 0x08); /* SIPI: start at 0x8000 */
	send_ipi(id, 0x0600 | 0x08); /* the second SIPI does nothing */
	if (!wait_for(&started[id], want))
		test_fail("vcpu %u did not start (started %u)", id,
			  started[id]);
}

/* Sends ROUNDS pings with 'icr' to 'dest'; each vcpu expect[] names
 * must get every one (and answer it), the others none. */
static void ping_round(const char *what, unsigned int dest, uint32_t icr,
		       const unsigned int *expect)
{
	unsigned int before[NR_APS + 1];

	for (unsigned int i = 1; i <= NR_APS; i++)
		before[i] = pings[i];
	for (unsigned int r = 0; r < ROUNDS; r++) {
		send_ipi(dest, icr);
		/* one ping per targeted vcpu per round before the next */
		for (unsigned int i = 1; i <= NR_APS; i++)
			if (expect[i] &&
			    !wait_for(&pings[i], before[i] + r + 1)) {
				test_fail("%s: vcpu %u got %u of %u pings",
					  what, i, pings[i] - before[i], r + 1);
				return;
			}
	}
	for (unsigned int i = 1; i <= NR_APS; i++)
		if (pings[i] - before[i] != (expect[i] ? ROUNDS : 0))
			test_fail("%s: vcpu %u got %u pings, expected %u", what,
				  i, pings[i] - before[i],
				  expect[i] ? ROUNDS : 0);
}

void test_main(void)
{
	static const unsigned int only1[] = { 0, 1, 0 }, only2[] = { 0, 0, 1 },
				  both[] = { 0, 1, 1 };

	if (hvm_start_info->nr_vcpus != NR_APS + 1) {
		test_fail("%u vcpus, expected %u", hvm_start_info->nr_vcpus,
			  NR_APS + 1);
		return;
	}
	irq_handlers[VEC_PING] = ping_irq;
	irq_handlers[VEC_PONG] = pong_irq;
	ap_main_fn = ap_main;
	lapic_write(LAPIC_SVR, 0x1ff);
	/* Nothing starts the APs but the SIPI. */
	for (volatile unsigned long i = 0; i < 1000000; i++)
		;
	if (started[1] || started[2])
		test_fail("an AP ran before its SIPI");
	start_ap(1, 1);
	start_ap(2, 1);
	if (started[1] != 1 || started[2] != 1)
		test_fail("start counts %u %u after one start each", started[1],
			  started[2]);
	sti();
	ping_round("physical to 1", 1, VEC_PING, only1);
	ping_round("physical to 2", 2, VEC_PING, only2);
	ping_round("logical 0x6", 0x6, VEC_PING | (1u << 11), both);
	ping_round("logical 0x4", 0x4, VEC_PING | (1u << 11), only2);
	ping_round("all but self", 0, VEC_PING | (3u << 18), both);
	cli();
	/* INIT takes vcpu 1 down; a SIPI starts it from the top again. */
	send_ipi(1, 0x4500);
	for (volatile unsigned long i = 0; i < 5000000; i++)
		;
	start_ap(1, 2);
	if (started[1] != 2)
		test_fail("vcpu 1 restarted %u times", started[1] - 1);
	/* INIT and SIPI back to back: the SIPI waits for the INIT. */
	start_ap(2, 2);
	if (started[2] != 2)
		test_fail("vcpu 2 restarted %u times", started[2] - 1);
	if (irq_unexpected)
		test_fail("%lu unexpected interrupts", irq_unexpected);
	printk("APs started, %u and %u pings answered\n", pings[1], pings[2]);
	test_pass();
}
