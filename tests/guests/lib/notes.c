/* SPDX-License-Identifier: MIT */
/*
 * The "Mica" ELF notes that tell the domain builder how to load and start a
 * test guest (public/elfnote.h).  They live in the read-only segment and are
 * also covered by a PT_NOTE program header (guest.ld.S).
 *
 * An ELF note is a 12-byte header {namesz, descsz, type}, the name and the
 * descriptor, each padded to 4 bytes:
 *
 *   +--------+--------+------+------------+--------------------------+
 *   | namesz | descsz | type | "Mica\0"   | descriptor               |
 *   | 5      | 4/8/n  |      | +3 padding | + padding to 4 bytes     |
 *   +--------+--------+------+------------+--------------------------+
 *
 * The structures are packed with 4-byte alignment so that the notes follow
 * each other with no gap, and a 64-bit descriptor sits at offset 20.
 */
#include <stdint.h>

#include "boot.h"
#include "layout.h"
#include "public/elfnote.h"
#include "public/mica.h"

#define NOTE_NAME_SIZE 8 /* "Mica" + NUL, padded to 4 */
#define NOTE_ALIGN4(n) (((n) + 3) & ~3)
#define NOTE_ATTRS \
	__attribute__((section(".note.Mica"), aligned(4), used, no_reorder))

extern char _start[], hypercall_page[];

struct note_header {
	uint32_t namesz;
	uint32_t descsz;
	uint32_t type;
	char name[NOTE_NAME_SIZE];
} __attribute__((packed, aligned(4)));

#define NOTE_HEADER(type, descsz)                                              \
	{                                                                      \
		sizeof(MICA_ELFNOTE_NAME), (descsz), (type), MICA_ELFNOTE_NAME \
	}

#define NOTE_U64(var, type, value)                              \
	static const struct {                                   \
		struct note_header header;                      \
		uint64_t desc;                                  \
	} __attribute__((packed, aligned(4)))                   \
	var NOTE_ATTRS = { NOTE_HEADER(type, sizeof(uint64_t)), \
			   (uint64_t)(value) }

#define NOTE_U32(var, type, value)                              \
	static const struct {                                   \
		struct note_header header;                      \
		uint32_t desc;                                  \
	} __attribute__((packed, aligned(4)))                   \
	var NOTE_ATTRS = { NOTE_HEADER(type, sizeof(uint32_t)), \
			   (uint32_t)(value) }

#define NOTE_STRING(var, type, text)                  \
	static const struct {                         \
		struct note_header header;            \
		char desc[NOTE_ALIGN4(sizeof(text))]; \
	} __attribute__((packed, aligned(4)))         \
	var NOTE_ATTRS = { NOTE_HEADER(type, sizeof(text)), text }

NOTE_U64(note_entry, MICA_ELFNOTE_ENTRY, _start);
NOTE_U64(note_hypercall_page, MICA_ELFNOTE_HYPERCALL_PAGE, hypercall_page);
NOTE_U64(note_virt_base, MICA_ELFNOTE_VIRT_BASE, GUEST_VIRT_BASE);
NOTE_U64(note_paddr_offset, MICA_ELFNOTE_PADDR_OFFSET, GUEST_VIRT_BASE);
NOTE_U32(note_abi_version, MICA_ELFNOTE_ABI_VERSION, MICA_ABI_VERSION);
NOTE_STRING(note_guest_os, MICA_ELFNOTE_GUEST_OS, "mica-test");
NOTE_STRING(note_guest_version, MICA_ELFNOTE_GUEST_VERSION, "1.0");
NOTE_STRING(note_loader, MICA_ELFNOTE_LOADER, "generic");
NOTE_STRING(note_arch, MICA_ELFNOTE_ARCH, "x86_64");
/* The tests use nothing optional: no feature is required. */
NOTE_U32(note_features_required, MICA_ELFNOTE_FEATURES_REQUIRED, 0);
