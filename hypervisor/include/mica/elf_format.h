/* SPDX-License-Identifier: MIT */
/*
 * The parts of the ELF64 file format that Mica reads (the System V ABI's
 * file header and program header), shared by the parser (common/elf.c)
 * and the unit tests that build images for it.
 */
#ifndef MICA_ELF_FORMAT_H
#define MICA_ELF_FORMAT_H

#include <mica/types.h>

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PT_NOTE 4
#define ET_EXEC 2
#define EM_X86_64 62

#endif
