/* SPDX-License-Identifier: MIT */
/*
 * What the boot loader told us, in a loader-independent form.  The arch code
 * fills it from multiboot v1 or multiboot2 information.
 */
#ifndef MICA_BOOT_H
#define MICA_BOOT_H

#include <mica/types.h>

#define BOOT_MAX_MEMMAP 128
/* Modules beyond this are dropped (and reported): dom0, its initrd and
 * up to 126 domUs without initrds (docs/boot.md). */
#define BOOT_MAX_MODULES 128

enum memmap_type {
	MEMMAP_RAM = 1,
	MEMMAP_RESERVED = 2,
	MEMMAP_ACPI = 3,
	MEMMAP_NVS = 4,
	MEMMAP_BAD = 5,
};

struct memmap_entry {
	paddr_t start;
	uint64_t size;
	uint32_t type;
};

struct boot_module {
	paddr_t start;
	paddr_t end; /* exclusive */
	char cmdline[256];
};

struct boot_info {
	const char *loader; /* "multiboot" or "multiboot2" */
	char loader_name[64];
	char cmdline[1024];
	unsigned int nr_memmap;
	struct memmap_entry memmap[BOOT_MAX_MEMMAP];
	unsigned int nr_modules;
	unsigned int nr_modules_dropped; /* beyond BOOT_MAX_MODULES */
	struct boot_module modules[BOOT_MAX_MODULES];
	paddr_t acpi_rsdp; /* 0 if the loader gave none */
	paddr_t info_start, info_end; /* the loader's data, to keep */
};

extern struct boot_info boot_info;

/*
 * Sorts the memory map, merges overlapping and adjacent entries of the same
 * type and lets the more restrictive type win where entries of different
 * types overlap.  Pure; used on the loader's map before anything trusts it.
 */
void memmap_sanitize(struct memmap_entry *map, unsigned int *nr);

const char *memmap_type_name(uint32_t type);

#endif
