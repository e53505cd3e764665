/* SPDX-License-Identifier: MIT */
/*
 * Minimal ACPI table reading.  Every table is checksummed before use and
 * every length is bounded, since firmware tables can be wrong.
 */
#include <mica/boot.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/acpi.h>
#include <asm/page.h>
#include <asm/paging.h>

struct acpi_info acpi_info;

struct rsdp {
	char signature[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __packed;

struct sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[6];
	char oem_table[8];
	uint32_t oem_revision;
	uint32_t creator, creator_revision;
} __packed;

struct madt {
	struct sdt_header h;
	uint32_t lapic_base;
	uint32_t flags;
} __packed;

struct hpet_table {
	struct sdt_header h;
	uint32_t block_id;
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
} __packed;

#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_X2APIC 9
#define MAX_TABLE_LEN (1u << 20)

static bool checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

/* Scans [start, end) on 16-byte boundaries for a valid RSDP. */
static paddr_t scan_rsdp(paddr_t start, paddr_t end)
{
	const char *base = ioremap_cached(start, end - start);

	if (!base)
		return 0;
	for (paddr_t off = 0; off + 20 <= end - start; off += 16)
		if (!memcmp(base + off, "RSD PTR ", 8) &&
		    checksum_ok(base + off, 20))
			return start + off;
	return 0;
}

static paddr_t find_rsdp(void)
{
	const uint16_t *ebda_seg;
	paddr_t pa;

	if (boot_info.acpi_rsdp)
		return boot_info.acpi_rsdp;
	ebda_seg = ioremap_cached(0x40e, 2);
	if (ebda_seg && *ebda_seg) {
		pa = scan_rsdp((paddr_t)*ebda_seg << 4,
			       ((paddr_t)*ebda_seg << 4) + 1024);
		if (pa)
			return pa;
	}
	return scan_rsdp(0xe0000, 0x100000);
}

/* Maps a whole table after checking its header; NULL if it is bad. */
static const struct sdt_header *map_table(paddr_t pa)
{
	const struct sdt_header *h = ioremap_cached(pa, sizeof(*h));

	if (!h || h->length < sizeof(*h) || h->length > MAX_TABLE_LEN)
		return NULL;
	h = ioremap_cached(pa, h->length);
	if (!h || !checksum_ok(h, h->length)) {
		pr_warn("acpi: table at %lx has a bad checksum; ignored\n", pa);
		return NULL;
	}
	return h;
}

static void parse_madt(const struct madt *m)
{
	const uint8_t *p = (const uint8_t *)(m + 1);
	const uint8_t *end = (const uint8_t *)m + m->h.length;

	acpi_info.lapic_base = m->lapic_base;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		uint32_t id = ~0u, flags = 0;

		if (p[0] == MADT_LAPIC && p[1] >= 8) {
			id = p[3];
			flags = *(const uint32_t *)(p + 4);
		} else if (p[0] == MADT_X2APIC && p[1] >= 16) {
			id = *(const uint32_t *)(p + 4);
			flags = *(const uint32_t *)(p + 8);
		} else if (p[0] == MADT_IOAPIC) {
			acpi_info.nr_ioapics++;
		}
		if (id != ~0u && (flags & 1) &&
		    acpi_info.nr_cpus < ARRAY_SIZE(acpi_info.apic_ids))
			acpi_info.apic_ids[acpi_info.nr_cpus++] = id;
		p += p[1];
	}
}

int acpi_init(void)
{
	const struct rsdp *rsdp;
	const struct sdt_header *root;
	bool xsdt;
	unsigned int n, entry_size;

	acpi_info.rsdp = find_rsdp();
	if (!acpi_info.rsdp)
		return -ENODEV;
	rsdp = ioremap_cached(acpi_info.rsdp, sizeof(*rsdp));
	if (!rsdp)
		return -ENODEV;
	xsdt = rsdp->revision >= 2 && rsdp->xsdt &&
	       checksum_ok(rsdp, sizeof(*rsdp));
	root = map_table(xsdt ? rsdp->xsdt : rsdp->rsdt);
	if (!root)
		return -ENODEV;
	entry_size = xsdt ? 8 : 4;
	n = (root->length - sizeof(*root)) / entry_size;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = (const uint8_t *)(root + 1) + i * entry_size;
		paddr_t pa = xsdt ? *(const uint64_t *)e : *(const uint32_t *)e;
		const struct sdt_header *t = map_table(pa);

		if (!t)
			continue;
		if (!memcmp(t->signature, "APIC", 4) &&
		    t->length >= sizeof(struct madt))
			parse_madt((const struct madt *)t);
		else if (!memcmp(t->signature, "HPET", 4) &&
			 t->length >= sizeof(struct hpet_table))
			acpi_info.hpet_base =
				((const struct hpet_table *)t)->address;
	}
	return 0;
}
