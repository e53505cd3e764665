/* SPDX-License-Identifier: MIT */
/* The 8254 PIT's channel 2 as a stopwatch, for machines without an HPET. */
#include <asm/cpu.h>
#include <asm/time.h>

#define PIT_HZ 1193182
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PORT_B 0x61

void pit_wait_us(uint32_t us)
{
	uint32_t count = (uint32_t)((uint64_t)us * PIT_HZ / 1000000);
	uint8_t b;

	if (count > 0xffff)
		count = 0xffff;
	/* Gate on, speaker off; mode 0 (interrupt on terminal count). */
	b = inb(PORT_B);
	outb(PORT_B, (uint8_t)((b & ~0x02) | 0x01));
	outb(PIT_MODE, 0xb0);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	/* OUT2 (port B bit 5) rises at terminal count. */
	for (uint64_t i = 0; i < (1ULL << 32) && !(inb(PORT_B) & 0x20); i++)
		cpu_relax();
}
