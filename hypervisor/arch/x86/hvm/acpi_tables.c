/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables of an HVM domain (public/hvm/hvm.h P12), written by the
 * builder into guest RAM at HVM_ACPI_TABLES, where a PC's firmware leaves
 * them (the RSDP is found by scanning 0xe0000-0xfffff): RSDP 2.0, RSDT,
 * XSDT, FADT (PM1a and PM timer ports, SCI on IRQ 9, reset through port
 * 0xcf9), a DSDT holding only \_S5, and the MADT (one local APIC per
 * vcpu, the I/O APIC, IRQ 0 -> GSI 2 and the SCI level-triggered, LINT1
 * as NMI).
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>

#define RSDP_OFF 0x000
#define RSDT_OFF 0x040
#define XSDT_OFF 0x080
#define FADT_OFF 0x100
#define DSDT_OFF 0x280
#define MADT_OFF 0x300 /* to the end: 8 bytes per vcpu */

#define FADT_LEN 276

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "acpi header");

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void header(uint8_t *p, const char *sig, uint32_t len, uint8_t rev)
{
	struct acpi_header h = {
		.length = len,
		.revision = rev,
		.oem_revision = 1,
		.creator_revision = 1,
	};

	memcpy(h.sig, sig, 4);
	memcpy(h.oem_id, "MICA  ", 6);
	memcpy(h.oem_table_id, "MICAHVM ", 8);
	memcpy(h.creator_id, "MICA", 4);
	memcpy(p, &h, sizeof(h));
}

static void seal(uint8_t *p)
{
	uint32_t len;

	memcpy(&len, p + 4, 4);
	p[9] = 0;
	p[9] = checksum(p, len);
}

/* A generic address structure: system I/O space. */
static void gas_io(uint8_t *p, uint8_t bits, uint16_t port, uint8_t access)
{
	p[0] = 1;
	p[1] = bits;
	p[2] = 0;
	p[3] = access;
	put64(p + 4, port);
}

static void fadt(uint8_t *p, uint32_t dsdt)
{
	header(p, "FACP", FADT_LEN, 6);
	put32(p + 40, dsdt);
	put16(p + 46, HVM_SCI_IRQ);
	/* SMI_CMD 0: already in ACPI mode (SCI_EN reads 1). */
	put32(p + 56, HVM_PM_BASE);
	put32(p + 64, HVM_PM1A_CNT);
	put32(p + 76, HVM_PM_TMR);
	p[88] = 4; /* PM1_EVT_LEN */
	p[89] = 2; /* PM1_CNT_LEN */
	p[91] = 4; /* PM_TMR_LEN */
	put16(p + 96, 101); /* no C2 */
	put16(p + 98, 1001); /* no C3 */
	p[108] = 0x32; /* CMOS century */
	put16(p + 109, 0x0001 | 0x0004); /* legacy devices, no VGA */
	/* WBINVD, PROC_C1, PWR/SLP buttons absent, RESET_REG_SUP. */
	put32(p + 112,
	      (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 10));
	gas_io(p + 116, 8, 0xcf9, 1);
	p[128] = 0x06; /* reset value */
	p[131] = 1; /* FADT minor version */
	put64(p + 140, dsdt);
	gas_io(p + 148, 32, HVM_PM_BASE, 2);
	gas_io(p + 172, 16, HVM_PM1A_CNT, 2);
	gas_io(p + 208, 32, HVM_PM_TMR, 3);
	seal(p);
}

/* DefinitionBlock with Name (\_S5, Package () { 5, 5, 0, 0 }). */
static uint32_t dsdt(uint8_t *p)
{
	static const uint8_t aml[] = {
		0x08, '_',
		'S',  '5',
		'_',  0x12,
		0x08, 0x04,
		0x0a, HVM_SLP_TYP_S5,
		0x0a, HVM_SLP_TYP_S5,
		0x00, 0x00,
	};
	uint32_t len = sizeof(struct acpi_header) + sizeof(aml);

	header(p, "DSDT", len, 2);
	memcpy(p + sizeof(struct acpi_header), aml, sizeof(aml));
	seal(p);
	return len;
}

static uint32_t madt(uint8_t *p, unsigned int nr_vcpus)
{
	uint32_t off = 44;

	put32(p + 36, (uint32_t)HVM_LAPIC_BASE);
	put32(p + 40, 1); /* PCAT_COMPAT: the 8259s are there */
	for (unsigned int i = 0; i < nr_vcpus; i++, off += 8) {
		p[off] = 0; /* processor local APIC */
		p[off + 1] = 8;
		p[off + 2] = (uint8_t)i; /* ACPI processor UID */
		p[off + 3] = (uint8_t)i; /* APIC ID */
		put32(p + off + 4, 1); /* enabled */
	}
	p[off] = 1; /* I/O APIC */
	p[off + 1] = 12;
	p[off + 2] = 0; /* ID */
	put32(p + off + 4, (uint32_t)HVM_IOAPIC_BASE);
	put32(p + off + 8, 0); /* GSI base */
	off += 12;
	p[off] = 2; /* interrupt source override: IRQ 0 -> GSI 2 */
	p[off + 1] = 10;
	p[off + 3] = 0;
	put32(p + off + 4, 2);
	put16(p + off + 8, 0);
	off += 10;
	p[off] = 2; /* the SCI: level-triggered, active high */
	p[off + 1] = 10;
	p[off + 3] = HVM_SCI_IRQ;
	put32(p + off + 4, HVM_SCI_IRQ);
	put16(p + off + 8, 0x000d);
	off += 10;
	p[off] = 4; /* local APIC NMI: every processor, LINT1 */
	p[off + 1] = 6;
	p[off + 2] = 0xff;
	put16(p + off + 3, 0);
	p[off + 5] = 1;
	off += 6;
	header(p, "APIC", off, 4);
	seal(p);
	return off;
}

int hvm_acpi_write_tables(struct domain *d, unsigned int nr_vcpus)
{
	static uint8_t buf[HVM_ACPI_TABLES_SIZE]; /* boot builder only */
	const uint32_t base = (uint32_t)HVM_ACPI_TABLES;
	uint8_t *rsdp = buf + RSDP_OFF;

	if (MADT_OFF + 44 + 8 * nr_vcpus + 12 + 10 + 10 + 6 > sizeof(buf))
		return -EINVAL;
	memset(buf, 0, sizeof(buf));
	fadt(buf + FADT_OFF, base + DSDT_OFF);
	dsdt(buf + DSDT_OFF);
	madt(buf + MADT_OFF, nr_vcpus);

	header(buf + RSDT_OFF, "RSDT", 36 + 2 * 4, 1);
	put32(buf + RSDT_OFF + 36, base + FADT_OFF);
	put32(buf + RSDT_OFF + 40, base + MADT_OFF);
	seal(buf + RSDT_OFF);
	header(buf + XSDT_OFF, "XSDT", 36 + 2 * 8, 1);
	put64(buf + XSDT_OFF + 36, base + FADT_OFF);
	put64(buf + XSDT_OFF + 44, base + MADT_OFF);
	seal(buf + XSDT_OFF);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "MICA  ", 6);
	rsdp[15] = 2; /* revision: ACPI 2.0+ */
	put32(rsdp + 16, base + RSDT_OFF);
	put32(rsdp + 20, 36);
	put64(rsdp + 24, base + XSDT_OFF);
	rsdp[8] = checksum(rsdp, 20);
	rsdp[32] = checksum(rsdp, 36);
	return hvm_copy_to_gpa(d, base, buf, sizeof(buf));
}
