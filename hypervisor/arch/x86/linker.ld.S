/* SPDX-License-Identifier: MIT */
/*
 * Link map of the hypervisor image: one loadable segment, physically
 * contiguous from HV_LOAD_PHYS, so both multiboot loaders can load the file
 * as a flat image.  Text, read-only data and writable data each start on a
 * page boundary so that boot code can map them W^X.
 */
#include <asm/layout.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(start32_phys)

PHDRS
{
	image PT_LOAD FLAGS(7);
}

SECTIONS
{
	. = HV_IMAGE_BASE + HV_LOAD_PHYS;
	__image_start = .;

	.text : AT(ADDR(.text) - HV_IMAGE_BASE) {
		__text_start = .;
		*(.text.head)
		. = ALIGN(64);
		*(.text.hot)
		*(.text .text.*)
		. = ALIGN(PAGE_SIZE);
		__trampoline_start = .;
		*(.trampoline)
		__trampoline_end = .;
		. = ALIGN(PAGE_SIZE);
		__text_end = .;
	} :image

	.rodata : AT(ADDR(.rodata) - HV_IMAGE_BASE) {
		__rodata_start = .;
		*(.rodata .rodata.*)
		. = ALIGN(8);
		__start_mica_params = .;
		KEEP(*(mica_params))
		__stop_mica_params = .;
		__start_mica_consoles = .;
		KEEP(*(mica_consoles))
		__stop_mica_consoles = .;
		__start_extable = .;
		KEEP(*(.extable))
		__stop_extable = .;
		__selftests_start = .;
		KEEP(*(.selftests))
		__selftests_end = .;
		. = ALIGN(8);
		*(.symtab.mica)
		. = ALIGN(PAGE_SIZE);
		__rodata_end = .;
	} :image

	.data : AT(ADDR(.data) - HV_IMAGE_BASE) {
		__data_start = .;
		*(.data.page_aligned)
		*(.data .data.*)
		. = ALIGN(PAGE_SIZE);
		__data_end = .;
	} :image

	.bss : AT(ADDR(.bss) - HV_IMAGE_BASE) {
		__bss_start = .;
		*(.bss.page_aligned)
		*(.bss .bss.* COMMON)
		. = ALIGN(PAGE_SIZE);
		__bss_end = .;
	} :image

	__image_end = .;
	start32_phys = start32 - HV_IMAGE_BASE;

	/DISCARD/ : {
		*(.comment) *(.note.*) *(.eh_frame) *(.interp) *(.dynsym)
		*(.dynstr) *(.dynamic) *(.gnu.hash) *(.hash)
	}
}
