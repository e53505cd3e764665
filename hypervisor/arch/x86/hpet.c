/* SPDX-License-Identifier: MIT */
/* The HPET main counter as a time reference. */
#include <mica/console.h>
#include <asm/acpi.h>
#include <asm/muldiv.h>
#include <asm/paging.h>
#include <asm/time.h>

#define HPET_CAPS 0x000
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define HPET_CONFIG_ENABLE 1
#define FS_PER_NS 1000000ULL

static volatile uint64_t *hpet;
static uint64_t period_fs;

bool hpet_available(void)
{
	return hpet != NULL;
}

uint64_t hpet_init(void)
{
	uint64_t caps;

	if (!acpi_info.hpet_base)
		return 0;
	hpet = ioremap(acpi_info.hpet_base, 1024);
	if (!hpet)
		return 0;
	caps = hpet[HPET_CAPS / 8];
	period_fs = caps >> 32;
	/* The specification caps the period at 100 ns. */
	if (!period_fs || period_fs > 100000000ULL) {
		pr_warn("hpet: bad period %lu fs; not used\n", period_fs);
		hpet = NULL;
		return 0;
	}
	hpet[HPET_CONFIG / 8] |= HPET_CONFIG_ENABLE;
	return period_fs;
}

uint64_t hpet_read_ns(void)
{
	if (!hpet)
		return 0;
	return muldiv64(hpet[HPET_COUNTER / 8], period_fs, FS_PER_NS);
}
