/* SPDX-License-Identifier: MIT */
/* Ending a run: emulator exit ports, then halt. */
#include <mica/shutdown.h>
#include <asm/cpu.h>

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900

void cpu_halt_forever(void)
{
	local_irq_disable();
	for (;;)
		__asm__ __volatile__("hlt");
}

void machine_exit(enum exit_code code)
{
	static const char bochs_shutdown[] = "Shutdown";

	local_irq_disable();
	outl(QEMU_DEBUG_EXIT_PORT, (uint32_t)code);
	for (const char *c = bochs_shutdown; *c; c++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*c);
	cpu_halt_forever();
}
