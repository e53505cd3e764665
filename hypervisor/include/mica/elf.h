/* SPDX-License-Identifier: MIT */
/*
 * Reading a PV guest kernel: an ELF64 x86-64 executable with Mica notes
 * (public/elfnote.h).  elf_parse() checks every offset and size against the
 * image before anything trusts it; the domain builders use the result.
 */
#ifndef MICA_ELF_H
#define MICA_ELF_H

#include <mica/types.h>

#define ELF_MAX_SEGMENTS 16

struct elf_segment {
	uint64_t offset; /* in the image */
	uint64_t filesz, memsz;
	uint64_t vaddr;
	uint64_t pfn; /* first pfn it is loaded at */
};

struct elf_info {
	unsigned int nr_segments;
	struct elf_segment segments[ELF_MAX_SEGMENTS];
	uint64_t virt_base;
	uint64_t virt_end; /* end of the highest segment, page aligned */
	uint64_t entry;
	uint64_t hypercall_page;
	uint32_t abi_version;
	uint32_t features_required;
	uint64_t init_p2m; /* 0: none */
	bool mod_start_pfn;
	char guest_os[32];
};

/*
 * Parses 'image' of 'size' bytes.  Returns 0, or a negative errno with a
 * human-readable reason in 'why' (e.g. "segment 2 extends past the end of
 * the image"): -EINVAL for a malformed or unsuitable image, -E2BIG for too
 * many segments.
 */
int elf_parse(const void *image, size_t size, struct elf_info *info, char *why,
	      size_t why_size);

/*
 * The same checks for an image loaded by physical address (HVM guests):
 * every PT_LOAD segment, with vaddr = its p_paddr, and the entry point.
 * No notes are needed or read; the builder checks the addresses against
 * the guest's memory.
 */
int elf_parse_physical(const void *image, size_t size, struct elf_info *info,
		       char *why, size_t why_size);

#endif
