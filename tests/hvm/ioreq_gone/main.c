/* SPDX-License-Identifier: MIT */
/*
 * Device models (public/hvm/ioreq.h): the model's domain dies under a
 * waiting vcpu.  Vcpu 1 reads a port of dom0's device model (ioreq_dm),
 * which never answers; vcpu 0 then tells the model to leave, and dom0
 * shuts down.  Its teardown takes the server with it: vcpu 1's read
 * completes as if no device were there (all ones), the port reads all
 * ones from then on, and the domain goes on.
 */
#include "hvm.h"

#include "../../guests/ioreq_dm/ioreq_dev.h"

const char test_title[] = "device models: the model's domain dies under a "
			  "waiting vcpu";

static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static volatile unsigned int ap_started, ap_sent, ap_back;
static volatile uint32_t ap_value;

static bool wait_for(volatile unsigned int *p, unsigned int want)
{
	for (unsigned long i = 0; i < 400000000UL; i++) {
		if (*p >= want)
			return true;
		asm volatile("pause");
	}
	return false;
}

static bool device_ready(void)
{
	for (unsigned long i = 0; i < 2000000UL; i++) {
		if (inl(DEV_PORT_ID) == DEV_MAGIC)
			return true;
		for (unsigned int j = 0; j < 2000; j++)
			asm volatile("pause");
	}
	return false;
}

static void ap_main(unsigned int id)
{
	(void)id;
	ap_started = 1;
	outl(DEV_PORT_CMD, DEV_CMD_BLACKHOLE);
	ap_sent = 1;
	ap_value = inl(DEV_PORT_ID);
	ap_back = 1;
	for (;;)
		asm volatile("pause");
}

void test_main(void)
{
	if (hvm_start_info->nr_vcpus < 2) {
		test_error("needs 2 vcpus");
		return;
	}
	if (!device_ready()) {
		test_fail("the device model never served the ID port");
		return;
	}
	ap_main_fn = ap_main;
	ap_stack_top = (uint64_t)&ap_stack[sizeof(ap_stack)];
	lapic_write(LAPIC_ICR2, 1u << 24);
	lapic_write(LAPIC_ICR, 0x4500); /* INIT */
	lapic_write(LAPIC_ICR2, 1u << 24);
	lapic_write(LAPIC_ICR, 0x0608); /* SIPI: 0x8000 */
	if (!wait_for(&ap_sent, 1)) {
		test_fail("vcpu 1 did not send its request");
		return;
	}
	for (unsigned long i = 0; i < 20000000UL; i++)
		asm volatile("pause");
	if (ap_back) {
		test_fail("vcpu 1 got an answer the model never gave");
		return;
	}
	outl(DEV_PORT_CMD, DEV_CMD_LEAVE);
	if (!wait_for(&ap_back, 1)) {
		test_fail("vcpu 1 still waits after the model's domain died");
		return;
	}
	if (ap_value != 0xffffffffu)
		test_fail(
			"vcpu 1's read of a dead model: %x, expected all ones",
			ap_value);
	if (inl(DEV_PORT_ID) != 0xffffffffu)
		test_fail("the model's port still answers");
	else
		test_pass();
}
