/* SPDX-License-Identifier: MIT */
/* Parsing PV kernel images; see mica/elf.h. */
#include <mica/elf.h>
#include <mica/elf_format.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <public/elfnote.h>
#include <public/mica.h>

#define FAIL(err, ...)                                \
	do {                                          \
		snprintf(why, why_size, __VA_ARGS__); \
		return err;                           \
	} while (0)

/* [off, off + len) lies inside a buffer of 'size' bytes. */
static bool in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

struct note_values {
	bool has_entry, has_hypercall_page, has_virt_base, has_paddr_offset;
	bool arch_ok, has_arch;
	uint64_t paddr_offset;
};

static uint64_t note_u64(const uint8_t *desc, uint32_t descsz)
{
	uint64_t v = 0;

	memcpy(&v, desc, descsz >= 8 ? 8 : (descsz >= 4 ? 4 : 0));
	return v;
}

static int parse_notes(const uint8_t *p, uint64_t len, struct elf_info *info,
		       struct note_values *nv, char *why, size_t why_size)
{
	uint64_t off = 0;

	while (off + 12 <= len) {
		uint32_t namesz, descsz, type;
		uint64_t name_off, desc_off, next;
		const uint8_t *desc;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		name_off = off + 12;
		desc_off = name_off + ALIGN_UP((uint64_t)namesz, 4);
		next = desc_off + ALIGN_UP((uint64_t)descsz, 4);
		if (next > len || next < off)
			FAIL(-EINVAL,
			     "ELF note at offset %lu overruns its segment",
			     off);
		off = next;
		if (namesz != sizeof(MICA_ELFNOTE_NAME) ||
		    memcmp(p + name_off, MICA_ELFNOTE_NAME, namesz))
			continue;
		desc = p + desc_off;
		switch (type) {
		case MICA_ELFNOTE_ENTRY:
			info->entry = note_u64(desc, descsz);
			nv->has_entry = descsz >= 4;
			break;
		case MICA_ELFNOTE_HYPERCALL_PAGE:
			info->hypercall_page = note_u64(desc, descsz);
			nv->has_hypercall_page = descsz >= 4;
			break;
		case MICA_ELFNOTE_VIRT_BASE:
			info->virt_base = note_u64(desc, descsz);
			nv->has_virt_base = descsz >= 4;
			break;
		case MICA_ELFNOTE_PADDR_OFFSET:
			nv->paddr_offset = note_u64(desc, descsz);
			nv->has_paddr_offset = descsz >= 4;
			break;
		case MICA_ELFNOTE_ABI_VERSION:
			info->abi_version = (uint32_t)note_u64(desc, descsz);
			break;
		case MICA_ELFNOTE_FEATURES_REQUIRED:
			info->features_required =
				(uint32_t)note_u64(desc, descsz);
			break;
		case MICA_ELFNOTE_INIT_P2M:
			info->init_p2m = note_u64(desc, descsz);
			break;
		case MICA_ELFNOTE_MOD_START_PFN:
			info->mod_start_pfn = note_u64(desc, descsz) != 0;
			break;
		case MICA_ELFNOTE_GUEST_OS:
			memcpy(info->guest_os, desc,
			       MIN((size_t)descsz, sizeof(info->guest_os) - 1));
			break;
		case MICA_ELFNOTE_ARCH:
			nv->has_arch = true;
			nv->arch_ok = descsz >= 7 && !memcmp(desc, "x86_64", 7);
			break;
		default:
			break; /* unknown notes are ignored (append-only) */
		}
	}
	return 0;
}

/* The ELF header checks both parsers share: 0 or -EINVAL with why. */
static int check_header(const uint8_t *img, size_t size, struct elf_info *info,
			struct elf64_ehdr *out, char *why, size_t why_size)
{
	struct elf64_ehdr eh;

	memset(info, 0, sizeof(*info));
	if (size < sizeof(eh))
		FAIL(-EINVAL, "image of %lu bytes is too small for ELF",
		     (unsigned long)size);
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.ident, "\177ELF", 4))
		FAIL(-EINVAL, "not an ELF image");
	if (eh.ident[4] != 2 || eh.ident[5] != 1)
		FAIL(-EINVAL, "not a 64-bit little-endian ELF image");
	if (eh.type != ET_EXEC || eh.machine != EM_X86_64)
		FAIL(-EINVAL, "not an x86-64 executable (type %u, machine %u)",
		     eh.type, eh.machine);
	if (eh.phentsize != sizeof(struct elf64_phdr) || !eh.phnum ||
	    !in_bounds(eh.phoff, (uint64_t)eh.phnum * eh.phentsize, size))
		FAIL(-EINVAL, "program headers lie outside the image");
	*out = eh;
	return 0;
}

int elf_parse(const void *image, size_t size, struct elf_info *info, char *why,
	      size_t why_size)
{
	const uint8_t *img = image;
	struct elf64_ehdr eh;
	struct note_values nv = { 0 };
	uint64_t lowest = ~0ULL;
	int rc;

	rc = check_header(img, size, info, &eh, why, why_size);
	if (rc)
		return rc;

	/* Notes first: they say how to place the segments. */
	for (unsigned int i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, img + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_NOTE)
			continue;
		if (!in_bounds(ph.offset, ph.filesz, size))
			FAIL(-EINVAL, "note segment %u lies outside the image",
			     i);
		rc = parse_notes(img + ph.offset, ph.filesz, info, &nv, why,
				 why_size);
		if (rc)
			return rc;
	}
	if (!nv.has_entry || !nv.has_hypercall_page)
		FAIL(-EINVAL, "no Mica ENTRY and HYPERCALL_PAGE notes: not a "
			      "Mica PV kernel");
	if (nv.has_arch && !nv.arch_ok)
		FAIL(-EINVAL, "kernel is for another architecture");
	if (info->abi_version &&
	    (info->abi_version >> 16) != MICA_ABI_VERSION_MAJOR)
		FAIL(-EINVAL, "kernel wants ABI %u.%u, this is %u.%u",
		     info->abi_version >> 16, info->abi_version & 0xffff,
		     MICA_ABI_VERSION_MAJOR, MICA_ABI_VERSION_MINOR);
	if (!nv.has_paddr_offset)
		nv.paddr_offset = info->virt_base;

	for (unsigned int i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		struct elf_segment *seg;
		uint64_t pa;

		memcpy(&ph, img + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (info->nr_segments == ELF_MAX_SEGMENTS)
			FAIL(-E2BIG, "more than %u loadable segments",
			     ELF_MAX_SEGMENTS);
		if (ph.filesz > ph.memsz ||
		    !in_bounds(ph.offset, ph.filesz, size))
			FAIL(-EINVAL,
			     "segment %u extends past the end of the "
			     "image",
			     i);
		if (ph.vaddr + ph.memsz < ph.vaddr)
			FAIL(-EINVAL, "segment %u wraps the address space", i);
		pa = ph.paddr + nv.paddr_offset - info->virt_base;
		if (!nv.has_virt_base && ph.vaddr < lowest)
			lowest = ph.vaddr;
		/*
		 * With a virt_base note, placement is physical (elfnote.h):
		 * a segment linked elsewhere (Linux's per-cpu section, at 0)
		 * is loaded by its p_paddr and mapped at virt_base + pa.
		 */
		if (nv.has_virt_base && ph.vaddr != info->virt_base + pa) {
			if (pa >= (1ULL << 30) ||
			    (pa & 0xfff) != (ph.vaddr & 0xfff))
				FAIL(-EINVAL,
				     "segment %u: linked at %lx, its physical "
				     "address %lx is not in the image",
				     i, ph.vaddr, pa);
			ph.vaddr = info->virt_base + pa;
		}
		seg = &info->segments[info->nr_segments++];
		seg->offset = ph.offset;
		seg->filesz = ph.filesz;
		seg->memsz = ph.memsz;
		seg->vaddr = ph.vaddr;
		seg->pfn = pa >> 12;
		if ((pa & 0xfff) != (ph.vaddr & 0xfff))
			FAIL(-EINVAL,
			     "segment %u: physical and virtual "
			     "addresses differ within a page",
			     i);
	}
	if (!info->nr_segments)
		FAIL(-EINVAL, "no loadable segment");
	if (!nv.has_virt_base) {
		info->virt_base = ALIGN_DOWN(lowest, (uint64_t)4096);
		for (unsigned int i = 0; i < info->nr_segments; i++)
			info->segments[i].pfn =
				(info->segments[i].vaddr - info->virt_base) >>
				12;
	}
	for (unsigned int i = 0; i < info->nr_segments; i++) {
		struct elf_segment *seg = &info->segments[i];
		uint64_t end;

		/* Each segment sits where the linear bootstrap map puts it. */
		if (seg->vaddr < info->virt_base ||
		    ((seg->vaddr - info->virt_base) >> 12) != seg->pfn)
			FAIL(-EINVAL,
			     "segment %u at %lx is not at virt_base + "
			     "pfn * 4096",
			     i, seg->vaddr);
		end = ALIGN_UP(seg->vaddr + seg->memsz, (uint64_t)4096);
		if (end > info->virt_end)
			info->virt_end = end;
	}
	if (info->virt_end - info->virt_base > (1ULL << 30))
		FAIL(-E2BIG, "kernel image spans more than 1 GiB");
	if (info->entry < info->virt_base || info->entry >= info->virt_end)
		FAIL(-EINVAL, "entry point %lx outside the image", info->entry);
	if ((info->hypercall_page & 0xfff) ||
	    info->hypercall_page < info->virt_base ||
	    info->hypercall_page >= info->virt_end)
		FAIL(-EINVAL, "hypercall page %lx is not a page of the image",
		     info->hypercall_page);
	return 0;
}

int elf_parse_physical(const void *image, size_t size, struct elf_info *info,
		       char *why, size_t why_size)
{
	const uint8_t *img = image;
	struct elf64_ehdr eh;
	int rc;

	rc = check_header(img, size, info, &eh, why, why_size);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		struct elf_segment *seg;

		memcpy(&ph, img + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (info->nr_segments == ELF_MAX_SEGMENTS)
			FAIL(-E2BIG, "more than %u loadable segments",
			     ELF_MAX_SEGMENTS);
		if (ph.filesz > ph.memsz ||
		    !in_bounds(ph.offset, ph.filesz, size))
			FAIL(-EINVAL,
			     "segment %u extends past the end of the image", i);
		if (ph.paddr + ph.memsz < ph.paddr)
			FAIL(-EINVAL, "segment %u wraps the address space", i);
		seg = &info->segments[info->nr_segments++];
		seg->offset = ph.offset;
		seg->filesz = ph.filesz;
		seg->memsz = ph.memsz;
		seg->vaddr = ph.paddr;
		seg->pfn = ph.paddr >> 12;
	}
	if (!info->nr_segments)
		FAIL(-EINVAL, "no loadable segment");
	info->entry = eh.entry;
	return 0;
}
