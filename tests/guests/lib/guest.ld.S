/* SPDX-License-Identifier: MIT */
/*
 * Linker script of every test guest (run through cpp by the Makefile).
 *
 * Three loadable segments, each starting on its own page so that a builder
 * that honours p_flags could map them W^X:
 *   text    R-X  the hypercall page first, then the code
 *   rodata  R--  read-only data and the "Mica" ELF notes (also PT_NOTE)
 *   data    RW-  data, bss and the boot stack (the last two not in the file)
 */
#include "layout.h"

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)

PHDRS
{
	text PT_LOAD FLAGS(5);
	rodata PT_LOAD FLAGS(4);
	data PT_LOAD FLAGS(6);
	note PT_NOTE FLAGS(4);
}

SECTIONS
{
	. = GUEST_VIRT_BASE;
	__image_start = .;

	.text : AT(ADDR(.text) - GUEST_VIRT_BASE) {
		*(.text.hypercall_page)
		*(.text.head)
		*(.text .text.*)
	} :text

	. = ALIGN(4096);
	.rodata : AT(ADDR(.rodata) - GUEST_VIRT_BASE) {
		*(.rodata .rodata.*)
	} :rodata
	.note.Mica : AT(ADDR(.note.Mica) - GUEST_VIRT_BASE) {
		*(.note.Mica)
	} :rodata :note

	. = ALIGN(4096);
	.data : AT(ADDR(.data) - GUEST_VIRT_BASE) {
		*(.data .data.*)
	} :data
	.bss : AT(ADDR(.bss) - GUEST_VIRT_BASE) {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(8);
		__bss_end = .;
	} :data
	/* Not zeroed by head.S: it is in use while the bss is cleared. */
	.boot_stack (NOLOAD) : AT(ADDR(.boot_stack) - GUEST_VIRT_BASE) {
		*(.boot_stack)
	} :data

	. = ALIGN(4096);
	__image_end = .;

	/DISCARD/ : {
		*(.comment)
		*(.note.GNU-stack)
		*(.note.gnu.*)
		*(.eh_frame)
	}
}

ASSERT(hypercall_page == GUEST_VIRT_BASE, "hypercall page must start the image")
ASSERT(SIZEOF(.boot_stack) == GUEST_STACK_SIZE, "boot stack size")
