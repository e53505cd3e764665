/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables and the devices they describe (hvm.h P11, P12): the
 * RSDP found in 0xe0000-0xfffff, every table checksummed, the MADT with
 * one enabled local APIC per vcpu, the I/O APIC and the IRQ 0 override,
 * the FADT's PM timer counting at 3.58 MHz against the PIT's channel 2,
 * the RTC's date; then power-off through PM1a_CNT with \_S5's type.
 */
#include "hvm.h"

const char test_title[] = "ACPI tables, PM timer, PIT channel 2, RTC, S5";

struct hdr {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev;
	char creator[4];
	uint32_t creator_rev;
} __attribute__((packed));

static uint8_t sum(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *b++);
	return s;
}

static const struct hdr *table(const char *what, uint64_t addr)
{
	const struct hdr *h = (const void *)addr;

	if (!addr || addr >= hvm_start_info->nr_pages * MICA_PAGE_SIZE) {
		test_fail("%s at %lx: outside RAM", what, addr);
		return NULL;
	}
	if (sum(h, h->length))
		test_fail("%s (%.4s): checksum", what, h->sig);
	return h;
}

static const uint8_t *find_rsdp(void)
{
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
		if (!memcmp((const void *)a, "RSD PTR ", 8))
			return (const void *)a;
	return NULL;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint16_t pm_port;

static void check_madt(const struct hdr *h)
{
	const uint8_t *p = (const uint8_t *)h + 44,
		      *end = (const uint8_t *)h + h->length;
	unsigned int cpus = 0, ioapics = 0, irq0_to_2 = 0;

	if (rd32((const uint8_t *)h + 36) != 0xfee00000u)
		test_fail("MADT local APIC address %x",
			  rd32((const uint8_t *)h + 36));
	for (; p < end && p[1]; p += p[1]) {
		if (p[0] == 0 && (rd32(p + 4) & 1))
			cpus++;
		else if (p[0] == 1 && rd32(p + 4) == 0xfec00000u)
			ioapics++;
		else if (p[0] == 2 && p[3] == 0 && rd32(p + 4) == 2)
			irq0_to_2++;
	}
	if (cpus != hvm_start_info->nr_vcpus || ioapics != 1 || !irq0_to_2)
		test_fail("MADT: %u CPUs (%u vcpus), %u I/O APICs, IRQ0->2 %u",
			  cpus, hvm_start_info->nr_vcpus, ioapics, irq0_to_2);
}

static void check_fadt(const struct hdr *h)
{
	const uint8_t *f = (const void *)h;
	const struct hdr *dsdt = table("DSDT", rd64(f + 140));
	bool s5 = false;

	pm_port = (uint16_t)rd32(f + 76);
	if (pm_port != 0xb008 || f[91] != 4)
		test_fail("FADT PM timer %x length %u", pm_port, f[91]);
	if (rd32(f + 40) != rd64(f + 140))
		test_fail("FADT DSDT and X_DSDT differ");
	for (uint32_t i = 36; dsdt && i + 4 <= dsdt->length; i++)
		if (!memcmp((const uint8_t *)dsdt + i, "_S5_", 4))
			s5 = true;
	if (!s5)
		test_fail("no \\_S5 in the DSDT");
}

static void check_timers(void)
{
	uint64_t t0, pm_cycles, pit_cycles;
	uint32_t p0, p1;
	uint8_t sec, b;

	/* 10 ms of PM timer in TSC cycles. */
	p0 = inl(pm_port) & 0xffffff;
	t0 = rdtsc();
	do
		p1 = inl(pm_port) & 0xffffff;
	while (((p1 - p0) & 0xffffff) < 35795);
	pm_cycles = rdtsc() - t0;
	/* 10 ms of PIT channel 2 (mode 0, 11932 counts), polling OUT2. */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, 11932 & 0xff);
	outb(0x42, 11932 >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20) && rdtsc() - t0 < pm_cycles * 100)
		;
	pit_cycles = rdtsc() - t0;
	printk("10 ms: PM timer %lu cycles, PIT %lu cycles\n", pm_cycles,
	       pit_cycles);
	/* Loose bounds: a loaded host can stop the vcpu for a while. */
	if (pit_cycles * 10 < pm_cycles * 4 || pit_cycles * 10 > pm_cycles * 25)
		test_fail("PIT and PM timer disagree: %lu vs %lu cycles",
			  pit_cycles, pm_cycles);
	/* RTC: BCD, 24-hour, a plausible date. */
	outb(0x70, 0x0b);
	b = inb(0x71);
	outb(0x70, 0x00);
	sec = inb(0x71);
	outb(0x70, 0x32);
	if (inb(0x71) < 0x20 || (b & 0x04) || !(b & 0x02) || (sec & 0x0f) > 9 ||
	    sec > 0x59)
		test_fail("RTC: status B %x, seconds %x", b, sec);
	outb(0x70, 0x0e); /* CMOS RAM keeps what is written */
	outb(0x71, 0xa5);
	outb(0x70, 0x0e);
	if (inb(0x71) != 0xa5)
		test_fail("CMOS byte 0x0e does not keep its value");
}

void test_main(void)
{
	const uint8_t *rsdp = find_rsdp();
	const struct hdr *xsdt, *fadt = NULL, *madt = NULL;

	if (!rsdp) {
		test_fail("no RSDP in 0xe0000-0xfffff");
		return;
	}
	if (sum(rsdp, 20) || rsdp[15] < 2 || sum(rsdp, rd32(rsdp + 20)))
		test_fail("RSDP checksums or revision %u", rsdp[15]);
	table("RSDT", rd32(rsdp + 16));
	xsdt = table("XSDT", rd64(rsdp + 24));
	for (uint32_t off = 36; xsdt && off + 8 <= xsdt->length; off += 8) {
		const struct hdr *h =
			table("XSDT entry", rd64((const uint8_t *)xsdt + off));

		if (h && !memcmp(h->sig, "FACP", 4))
			fadt = h;
		if (h && !memcmp(h->sig, "APIC", 4))
			madt = h;
	}
	if (!fadt || !madt) {
		test_fail("XSDT lacks the FADT or the MADT");
		return;
	}
	check_madt(madt);
	check_fadt(fadt);
	check_timers();
	test_pass();
	test_print_result_now();
	outw(0xb004, (5u << 10) | (1u << 13)); /* SLP_TYP S5, SLP_EN */
	printk("still running after S5\n");
	for (;;)
		asm volatile("pause");
}
