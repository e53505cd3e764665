/* SPDX-License-Identifier: MIT */
/*
 * Reading multiboot v1 and multiboot2 boot information into struct
 * boot_info.  Runs on the early page tables, which map the first 4 GiB
 * through the direct map: loaders place their data below 4 GiB.
 */
#include <mica/boot.h>
#include <mica/console.h>
#include <mica/lib.h>
#include <asm/boot.h>
#include <asm/page.h>

#define MB1_BOOTLOADER_MAGIC 0x2badb002
#define MB2_BOOTLOADER_MAGIC 0x36d76289

struct boot_info boot_info;

/* Multiboot v1 information structure (only the fields we read). */
struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
} __packed;

#define MB1_INFO_MEM (1 << 0)
#define MB1_INFO_CMDLINE (1 << 2)
#define MB1_INFO_MODS (1 << 3)
#define MB1_INFO_MMAP (1 << 6)
#define MB1_INFO_LOADER (1 << 9)

struct mb1_module {
	uint32_t start, end, cmdline, pad;
} __packed;

struct mb1_mmap {
	uint32_t size; /* of the rest of the entry */
	uint64_t addr, len;
	uint32_t type;
} __packed;

static void copy_string(char *dst, size_t size, paddr_t pa)
{
	if (pa)
		strlcpy(dst, maddr_to_virt(pa), size);
	else
		dst[0] = '\0';
}

static void add_memmap(uint64_t addr, uint64_t len, uint32_t type)
{
	struct boot_info *bi = &boot_info;

	if (bi->nr_memmap >= BOOT_MAX_MEMMAP)
		return;
	if (type < MEMMAP_RAM || type > MEMMAP_BAD)
		type = MEMMAP_RESERVED;
	bi->memmap[bi->nr_memmap].start = addr;
	bi->memmap[bi->nr_memmap].size = len;
	bi->memmap[bi->nr_memmap].type = type;
	bi->nr_memmap++;
}

static void add_module(paddr_t start, paddr_t end, paddr_t cmdline)
{
	struct boot_info *bi = &boot_info;
	struct boot_module *m;

	if (end < start)
		return;
	if (bi->nr_modules >= BOOT_MAX_MODULES) {
		bi->nr_modules_dropped++;
		return;
	}
	m = &bi->modules[bi->nr_modules++];
	m->start = start;
	m->end = end;
	copy_string(m->cmdline, sizeof(m->cmdline), cmdline);
}

static int parse_mb1(paddr_t info_pa)
{
	const struct mb1_info *mbi = maddr_to_virt(info_pa);

	boot_info.loader = "multiboot";
	boot_info.info_start = info_pa;
	boot_info.info_end = info_pa + sizeof(*mbi);
	if (mbi->flags & MB1_INFO_CMDLINE) {
		/* Multiboot v1 loaders put the image's path first: skip it. */
		const char *c = maddr_to_virt(mbi->cmdline);

		while (*c && *c != ' ')
			c++;
		while (*c == ' ')
			c++;
		strlcpy(boot_info.cmdline, c, sizeof(boot_info.cmdline));
	}
	if (mbi->flags & MB1_INFO_LOADER)
		copy_string(boot_info.loader_name,
			    sizeof(boot_info.loader_name),
			    mbi->boot_loader_name);
	if (mbi->flags & MB1_INFO_MODS) {
		const struct mb1_module *mod = maddr_to_virt(mbi->mods_addr);

		for (uint32_t i = 0; i < mbi->mods_count; i++)
			add_module(mod[i].start, mod[i].end, mod[i].cmdline);
	}
	if (mbi->flags & MB1_INFO_MMAP) {
		uint32_t off = 0;

		while (off + sizeof(struct mb1_mmap) <= mbi->mmap_length) {
			const struct mb1_mmap *e =
				maddr_to_virt(mbi->mmap_addr + off);

			add_memmap(e->addr, e->len, e->type);
			off += e->size + sizeof(e->size);
		}
	} else if (mbi->flags & MB1_INFO_MEM) {
		add_memmap(0, (uint64_t)mbi->mem_lower << 10, MEMMAP_RAM);
		add_memmap(0x100000, (uint64_t)mbi->mem_upper << 10,
			   MEMMAP_RAM);
	}
	return 0;
}

/* Multiboot2: a fixed header followed by 8-byte aligned tags. */
struct mb2_tag {
	uint32_t type, size;
} __packed;

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

static int parse_mb2(paddr_t info_pa)
{
	const uint32_t *hdr = maddr_to_virt(info_pa);
	uint32_t total = hdr[0];
	uint32_t off = 8;

	boot_info.loader = "multiboot2";
	boot_info.info_start = info_pa;
	boot_info.info_end = info_pa + total;
	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *tag = maddr_to_virt(info_pa + off);
		const uint8_t *body = (const uint8_t *)(tag + 1);

		if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag))
			break;
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			strlcpy(boot_info.cmdline, (const char *)body,
				sizeof(boot_info.cmdline));
			break;
		case MB2_TAG_LOADER:
			strlcpy(boot_info.loader_name, (const char *)body,
				sizeof(boot_info.loader_name));
			break;
		case MB2_TAG_MODULE: {
			const uint32_t *m = (const uint32_t *)body;

			add_module(m[0], m[1], virt_to_maddr(&m[2]));
			break;
		}
		case MB2_TAG_MMAP: {
			uint32_t esize = ((const uint32_t *)body)[0];
			uint32_t eoff = 8;

			if (esize < 24)
				break;
			for (; eoff + esize <= tag->size - sizeof(*tag);
			     eoff += esize) {
				const uint8_t *e = body + eoff;

				add_memmap(*(const uint64_t *)e,
					   *(const uint64_t *)(e + 8),
					   *(const uint32_t *)(e + 16));
			}
			break;
		}
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* A copy of the RSDP lives in the tag itself. */
			if (!boot_info.acpi_rsdp ||
			    tag->type == MB2_TAG_ACPI_NEW)
				boot_info.acpi_rsdp = virt_to_maddr(body);
			break;
		}
		off += ALIGN_UP(tag->size, 8);
	}
	return 0;
}

int multiboot_parse(uint32_t magic, uint32_t info_pa)
{
	int rc;

	if (magic == MB1_BOOTLOADER_MAGIC)
		rc = parse_mb1(info_pa);
	else if (magic == MB2_BOOTLOADER_MAGIC)
		rc = parse_mb2(info_pa);
	else
		return -1;
	if (!boot_info.loader_name[0])
		strlcpy(boot_info.loader_name, "unknown",
			sizeof(boot_info.loader_name));
	memmap_sanitize(boot_info.memmap, &boot_info.nr_memmap);
	return rc;
}
