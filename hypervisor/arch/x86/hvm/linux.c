/* SPDX-License-Identifier: MIT */
/*
 * Booting an unmodified Linux kernel in an HVM domain through the Linux
 * boot protocol's 32-bit entry (docs/hvm.md "Linux"): the bzImage's
 * protected-mode part at 1 MiB, the zero page (setup header, e820 map
 * with the PC's holes, command line, initramfs, the RSDP's address) and a
 * GDT with the boot protocol's selectors below 1 MiB, and vcpu 0 in flat
 * 32-bit protected mode at code32_start with esi = the zero page.
 */
#include <mica/boot.h>
#include <mica/boot_domains.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>
#include <asm/page.h>
#include <public/hvm/hvm.h>

/* The zero page (struct boot_params) offsets used here. */
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR 0x1f1
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
/* Setup header fields, as offsets in the image and the zero page. */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE 0x238
#define HDR_INIT_SIZE 0x260

#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80

/* Guest-physical layout below 1 MiB. */
#define GDT_GPA 0x6000
#define ZERO_PAGE_GPA 0x7000
#define CMDLINE_GPA 0x20000
#define KERNEL_GPA 0x100000
#define LOW_RAM_END 0x9fc00

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

bool hvm_is_bzimage(const uint8_t *image, size_t size)
{
	return size > 0x300 && !memcmp(image + HDR_MAGIC, "HdrS", 4) &&
	       image[HDR_BOOT_FLAG] == 0x55 && image[HDR_BOOT_FLAG + 1] == 0xaa;
}

static unsigned int e820_add(uint8_t *zp, unsigned int n, uint64_t addr,
			     uint64_t size, uint32_t type)
{
	uint8_t *e = zp + BP_E820_TABLE + n * 20;

	wr64(e, addr);
	wr64(e + 8, size);
	wr32(e + 16, type);
	return n + 1;
}

static void seg(struct mica_hvm_segment *s, uint16_t sel, uint16_t attr,
		uint32_t limit)
{
	*s = (struct mica_hvm_segment){ sel, attr, limit, 0 };
}

int hvm_linux_build(struct domain *d, const struct boot_domain *bd,
		    uint64_t ram_end, char *why, size_t why_len)
{
	static uint8_t zp[PAGE_SIZE];
	static struct mica_hvm_vcpu_context ctx;
	const struct boot_module *kmod = &boot_info.modules[bd->kernel];
	const uint8_t *image = maddr_to_virt(kmod->start);
	size_t size = kmod->end - kmod->start, setup, hdr_end;
	uint16_t version =
		(uint16_t)(image[HDR_VERSION] | (image[HDR_VERSION + 1] << 8));
	uint64_t initrd_gpa = 0, initrd_size = 0, top = ram_end;
	static const uint64_t gdt[4] = { 0, 0, 0x00cf9a000000ffffULL,
					 0x00cf92000000ffffULL };
	unsigned int n = 0;
	int rc;

	if (!hvm_backend->set_context) {
		snprintf(why, why_len,
			 "the %s back end cannot set a vcpu's "
			 "state yet",
			 hvm_backend->name);
		return -EOPNOTSUPP;
	}
	setup = ((size_t)(image[HDR_SETUP_SECTS] ? image[HDR_SETUP_SECTS] : 4) +
		 1) *
		512;
	hdr_end = HDR_JUMP + 2 + image[HDR_JUMP + 1];
	if (version < 0x20c || setup >= size || hdr_end > setup ||
	    hdr_end > PAGE_SIZE) {
		snprintf(why, why_len,
			 "bzImage protocol %x (2.12 or later needed) or "
			 "setup size %lx",
			 version, setup);
		return -EINVAL;
	}
	if (KERNEL_GPA + rd32(image + HDR_INIT_SIZE) + (size - setup) >
	    ram_end) {
		snprintf(why, why_len,
			 "the kernel needs %u bytes from 1 MiB; RAM ends at "
			 "%lx",
			 rd32(image + HDR_INIT_SIZE), ram_end);
		return -EINVAL;
	}
	if (bd->initrd >= 0) {
		const struct boot_module *m = &boot_info.modules[bd->initrd];
		uint64_t max = rd32(image + HDR_INITRD_ADDR_MAX);

		initrd_size = m->end - m->start;
		top = MIN(ram_end, max + 1) & ~(uint64_t)(PAGE_SIZE - 1);
		if (initrd_size > top - KERNEL_GPA) {
			snprintf(why, why_len, "initrd of %lu bytes too big",
				 initrd_size);
			return -EINVAL;
		}
		initrd_gpa = (top - initrd_size) & ~(uint64_t)(PAGE_SIZE - 1);
		rc = hvm_copy_to_gpa(d, initrd_gpa, maddr_to_virt(m->start),
				     initrd_size);
		if (rc)
			return rc;
	}
	rc = hvm_copy_to_gpa(d, KERNEL_GPA, image + setup, size - setup);
	if (!rc)
		rc = hvm_copy_to_gpa(d, CMDLINE_GPA, bd->cmdline,
				     strlen(bd->cmdline) + 1);
	if (!rc)
		rc = hvm_copy_to_gpa(d, GDT_GPA, gdt, sizeof(gdt));
	if (rc)
		return rc;

	memset(zp, 0, sizeof(zp));
	memcpy(zp + BP_HDR, image + BP_HDR, hdr_end - BP_HDR);
	zp[HDR_TYPE_OF_LOADER] = 0xff;
	zp[HDR_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
	zp[HDR_HEAP_END_PTR] = 0x00;
	zp[HDR_HEAP_END_PTR + 1] = 0xfe; /* 0xfe00 */
	wr32(zp + HDR_CODE32_START, KERNEL_GPA);
	wr32(zp + HDR_CMD_LINE_PTR, CMDLINE_GPA);
	wr32(zp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_gpa);
	wr32(zp + HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
	wr64(zp + BP_ACPI_RSDP, HVM_ACPI_TABLES);
	n = e820_add(zp, n, 0, LOW_RAM_END, 1);
	n = e820_add(zp, n, LOW_RAM_END, 0xa0000 - LOW_RAM_END, 2);
	n = e820_add(zp, n, HVM_ACPI_TABLES, HVM_ACPI_TABLES_SIZE, 3);
	n = e820_add(zp, n, HVM_ACPI_TABLES + HVM_ACPI_TABLES_SIZE,
		     0x100000 - HVM_ACPI_TABLES - HVM_ACPI_TABLES_SIZE, 2);
	n = e820_add(zp, n, 0x100000, ram_end - 0x100000, 1);
	n = e820_add(zp, n, ram_end, PAGE_SIZE, 2); /* the start info */
	n = e820_add(zp, n, HVM_IOAPIC_BASE, PAGE_SIZE, 2);
	n = e820_add(zp, n, HVM_LAPIC_BASE, PAGE_SIZE, 2);
	zp[BP_E820_ENTRIES] = (uint8_t)n;
	rc = hvm_copy_to_gpa(d, ZERO_PAGE_GPA, zp, sizeof(zp));
	if (rc)
		return rc;

	/* Linux boot protocol, 32-bit entry: flat 4 GiB segments __BOOT_CS
	 * (0x10) and __BOOT_DS (0x18), paging and interrupts off. */
	memset(&ctx, 0, sizeof(ctx));
	seg(&ctx.cs, 0x10, 0xc9b, 0xffffffffu);
	seg(&ctx.ds, 0x18, 0xc93, 0xffffffffu);
	ctx.es = ctx.ss = ctx.fs = ctx.gs = ctx.ds;
	seg(&ctx.gdtr, 0, 0, sizeof(gdt) - 1);
	ctx.gdtr.base = GDT_GPA;
	seg(&ctx.idtr, 0, 0, 0);
	seg(&ctx.tr, 0, 0x8b, 0xffff);
	seg(&ctx.ldtr, 0, 0x82, 0xffff);
	ctx.rip = KERNEL_GPA;
	ctx.rsi = ZERO_PAGE_GPA;
	ctx.rflags = 0x2;
	ctx.cr0 = 0x11; /* PE, ET */
	ctx.dr6 = 0xffff0ff0;
	ctx.dr7 = 0x400;
	ctx.pat = 0x0007040600070406ULL;
	return hvm_backend->set_context(d->vcpus[0], &ctx);
}
