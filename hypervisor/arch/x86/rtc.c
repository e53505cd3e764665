/* SPDX-License-Identifier: MIT */
/* The CMOS real-time clock, read once for the guests' wall clock. */
#include <mica/time.h>
#include <asm/cpu.h>
#include <asm/time.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static unsigned int from_bcd(uint8_t v, bool binary)
{
	return binary ? v : (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian). */
static uint64_t days_since_epoch(unsigned int y, unsigned int m, unsigned int d)
{
	/* Count March-based years so that February is last. */
	uint64_t era_y = m <= 2 ? y - 1 : y;
	uint64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;

	return era_y * 365 + era_y / 4 - era_y / 100 + era_y / 400 + doy -
	       719468;
}

uint64_t wallclock_boot_seconds(void)
{
	unsigned int sec, min, hour, day, mon, year;
	uint8_t status_b;
	bool binary;

	/* Wait out an update in progress, bounded. */
	for (unsigned int i = 0; i < 100000 && (cmos_read(0x0a) & 0x80); i++)
		cpu_relax();
	status_b = cmos_read(0x0b);
	binary = status_b & 0x04;
	sec = from_bcd(cmos_read(0x00), binary);
	min = from_bcd(cmos_read(0x02), binary);
	hour = cmos_read(0x04);
	day = from_bcd(cmos_read(0x07), binary);
	mon = from_bcd(cmos_read(0x08), binary);
	year = from_bcd(cmos_read(0x09), binary) + 2000;
	if (!(status_b & 0x02) && (hour & 0x80)) /* 12-hour clock, PM */
		hour = (from_bcd(hour & 0x7f, binary) % 12) + 12;
	else
		hour = from_bcd(hour & 0x7f, binary);
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return 0; /* no usable clock */
	return days_since_epoch(year, mon, day) * 86400 + hour * 3600 +
	       min * 60 + sec - system_time_ns() / 1000000000ULL;
}
