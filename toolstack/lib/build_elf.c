// SPDX-License-Identifier: MIT
/* Reading a PV kernel's ELF headers and Mica notes (public/elfnote.h). */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include <mica/build.h>
#include <mica/error.h>

#include "public/elfnote.h"
#include "public/mica.h"

#define PAGE_MASK ((uint64_t)MICA_PAGE_SIZE - 1)

/* [off, off + len) lies inside @size bytes. */
static bool in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

struct notes {
	bool entry, hypercall_page, virt_base, paddr_offset, arch, arch_ok;
	bool init_p2m;
	uint64_t paddr_offset_value;
};

static uint64_t note_value(const uint8_t *desc, uint32_t descsz)
{
	uint64_t v = 0;

	memcpy(&v, desc, descsz >= 8 ? 8 : descsz >= 4 ? 4 : 0);
	return v;
}

static int read_notes(const uint8_t *p, uint64_t len,
		      struct mica_elf_info *info, struct notes *n,
		      struct mica_error *err)
{
	uint64_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off, next;
		const uint8_t *desc;

		memcpy(&nh, p + off, sizeof(nh));
		name_off = off + sizeof(nh);
		desc_off = name_off + (((uint64_t)nh.n_namesz + 3) & ~3ULL);
		next = desc_off + (((uint64_t)nh.n_descsz + 3) & ~3ULL);
		if (next > len)
			return mica_error_set(
				err, EINVAL,
				"ELF note at offset %llu overruns "
				"its segment",
				(unsigned long long)off);
		off = next;
		if (nh.n_namesz != sizeof(MICA_ELFNOTE_NAME) ||
		    memcmp(p + name_off, MICA_ELFNOTE_NAME, nh.n_namesz))
			continue;
		desc = p + desc_off;
		switch (nh.n_type) {
		case MICA_ELFNOTE_ENTRY:
			info->entry = note_value(desc, nh.n_descsz);
			n->entry = nh.n_descsz >= 4;
			break;
		case MICA_ELFNOTE_HYPERCALL_PAGE:
			info->hypercall_page = note_value(desc, nh.n_descsz);
			n->hypercall_page = nh.n_descsz >= 4;
			break;
		case MICA_ELFNOTE_VIRT_BASE:
			info->virt_base = note_value(desc, nh.n_descsz);
			n->virt_base = nh.n_descsz >= 4;
			break;
		case MICA_ELFNOTE_PADDR_OFFSET:
			n->paddr_offset_value = note_value(desc, nh.n_descsz);
			n->paddr_offset = nh.n_descsz >= 4;
			break;
		case MICA_ELFNOTE_ABI_VERSION:
			info->abi_version =
				(uint32_t)note_value(desc, nh.n_descsz);
			break;
		case MICA_ELFNOTE_FEATURES_REQUIRED:
			info->features_required =
				(uint32_t)note_value(desc, nh.n_descsz);
			break;
		case MICA_ELFNOTE_INIT_P2M:
			n->init_p2m = note_value(desc, nh.n_descsz) != 0;
			break;
		case MICA_ELFNOTE_MOD_START_PFN:
			info->mod_start_pfn = note_value(desc, nh.n_descsz) !=
					      0;
			break;
		case MICA_ELFNOTE_GUEST_OS:
			memcpy(info->guest_os, desc,
			       nh.n_descsz < sizeof(info->guest_os) - 1 ?
				       nh.n_descsz :
				       sizeof(info->guest_os) - 1);
			break;
		case MICA_ELFNOTE_ARCH:
			n->arch = true;
			n->arch_ok = nh.n_descsz >= 7 &&
				     !memcmp(desc, "x86_64", 7);
			break;
		default:
			break; /* unknown notes are ignored (append-only) */
		}
	}
	return 0;
}

#define REFUSE(...) mica_error_set(err, EINVAL, __VA_ARGS__)

int mica_elf_parse(const void *image, size_t len, struct mica_elf_info *info,
		   struct mica_error *err)
{
	const uint8_t *img = image;
	struct notes n = { 0 };
	Elf64_Ehdr eh;
	uint64_t lowest = UINT64_MAX;
	unsigned int i;
	int ret;

	memset(info, 0, sizeof(*info));
	if (len < sizeof(eh))
		return REFUSE("%zu bytes are too few for an ELF image", len);
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return REFUSE("not an ELF image");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return REFUSE("not a 64-bit little-endian ELF image");
	if (eh.e_type != ET_EXEC || eh.e_machine != EM_X86_64)
		return REFUSE("not an x86-64 executable (type %u, machine %u)",
			      eh.e_type, eh.e_machine);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum ||
	    !in_bounds(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr),
		       len))
		return REFUSE("program headers lie outside the image");

	/* Notes first: they say where the segments go. */
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE)
			continue;
		if (!in_bounds(ph.p_offset, ph.p_filesz, len))
			return REFUSE("note segment %u lies outside the image",
				      i);
		ret = read_notes(img + ph.p_offset, ph.p_filesz, info, &n, err);
		if (ret)
			return ret;
	}
	if (!n.entry || !n.hypercall_page)
		return REFUSE("no Mica ENTRY and HYPERCALL_PAGE notes: not a "
			      "Mica PV kernel");
	if (n.arch && !n.arch_ok)
		return REFUSE("kernel is for another architecture");
	if (info->abi_version &&
	    (info->abi_version >> 16) != MICA_ABI_VERSION_MAJOR)
		return REFUSE(
			"kernel wants ABI %u.%u, this toolstack has %u.%u",
			info->abi_version >> 16, info->abi_version & 0xffff,
			MICA_ABI_VERSION_MAJOR, MICA_ABI_VERSION_MINOR);
	if (n.init_p2m)
		return mica_error_set(err, EOPNOTSUPP,
				      "kernel asks for its p2m list at a "
				      "separate address (INIT_P2M note): not "
				      "supported by this builder yet");
	if (!n.paddr_offset)
		n.paddr_offset_value = info->virt_base;

	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint64_t pa;
		unsigned int k = info->nr_segments;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (k == MICA_ELF_MAX_SEGMENTS)
			return mica_error_set(err, E2BIG,
					      "more than %u loadable segments",
					      MICA_ELF_MAX_SEGMENTS);
		if (ph.p_filesz > ph.p_memsz ||
		    !in_bounds(ph.p_offset, ph.p_filesz, len))
			return REFUSE("segment %u extends past the end of the "
				      "image",
				      i);
		if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
			return REFUSE("segment %u wraps the address space", i);
		pa = ph.p_paddr + n.paddr_offset_value - info->virt_base;
		/*
		 * With a virt_base note, placement is physical (elfnote.h):
		 * a segment linked elsewhere (Linux's per-cpu section, at 0)
		 * is loaded by its p_paddr and mapped at virt_base + pa.
		 */
		if (n.virt_base && ph.p_vaddr != info->virt_base + pa) {
			if (pa >= (1ULL << 30) ||
			    (pa & PAGE_MASK) != (ph.p_vaddr & PAGE_MASK))
				return REFUSE(
					"segment %u: linked at %#llx, its "
					"physical address %#llx is not in "
					"the image",
					i, (unsigned long long)ph.p_vaddr,
					(unsigned long long)pa);
			ph.p_vaddr = info->virt_base + pa;
		}
		if ((pa & PAGE_MASK) != (ph.p_vaddr & PAGE_MASK))
			return REFUSE("segment %u: physical and virtual "
				      "addresses differ within a page",
				      i);
		if (ph.p_vaddr < lowest)
			lowest = ph.p_vaddr;
		info->segments[k].offset = ph.p_offset;
		info->segments[k].filesz = ph.p_filesz;
		info->segments[k].memsz = ph.p_memsz;
		info->segments[k].vaddr = ph.p_vaddr;
		info->segments[k].pfn = pa >> MICA_PAGE_SHIFT;
		info->nr_segments++;
	}
	if (!info->nr_segments)
		return REFUSE("no loadable segment");
	if (!n.virt_base) {
		info->virt_base = lowest & ~PAGE_MASK;
		for (i = 0; i < info->nr_segments; i++)
			info->segments[i].pfn =
				(info->segments[i].vaddr - info->virt_base) >>
				MICA_PAGE_SHIFT;
	}
	for (i = 0; i < info->nr_segments; i++) {
		uint64_t vaddr = info->segments[i].vaddr, end;

		if (vaddr < info->virt_base ||
		    (vaddr - info->virt_base) >> MICA_PAGE_SHIFT !=
			    info->segments[i].pfn)
			return REFUSE("segment %u at %#llx is not at virt_base "
				      "+ pfn * 4096",
				      i, (unsigned long long)vaddr);
		end = (vaddr + info->segments[i].memsz + PAGE_MASK) &
		      ~PAGE_MASK;
		if (end < vaddr)
			return REFUSE("segment %u wraps the address space", i);
		if (end > info->virt_end)
			info->virt_end = end;
	}
	if (info->virt_end - info->virt_base > (1ULL << 30))
		return mica_error_set(err, E2BIG,
				      "kernel image spans more than 1 GiB");
	if (info->entry < info->virt_base || info->entry >= info->virt_end)
		return REFUSE("entry point %#llx outside the image",
			      (unsigned long long)info->entry);
	if ((info->hypercall_page & PAGE_MASK) ||
	    info->hypercall_page < info->virt_base ||
	    info->hypercall_page >= info->virt_end)
		return REFUSE("hypercall page %#llx is not a page of the image",
			      (unsigned long long)info->hypercall_page);
	return 0;
}
