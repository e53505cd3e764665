/* SPDX-License-Identifier: MIT */
#ifndef MICA_BUILD_H
#define MICA_BUILD_H

/*
 * The PV domain builder, in user space: the toolstack's counterpart of the
 * hypervisor's dom0 builder, following the layout (L1..L9) and initial
 * state that hypervisor/include/public/start_info.h specifies.
 *
 * Three steps, the first two pure so that they are tested on the host
 * against a plain buffer:
 *   mica_elf_parse()     read the kernel's ELF headers and Mica notes;
 *   mica_build_layout()  place L1..L9 in pfns;
 *   mica_build_write()   fill the bootstrap area: kernel, module, p2m
 *                        list, start_info, page tables, hypercall page,
 *                        and compute vcpu 0's context;
 * and mica_build_domain() runs them against a real (or simulated)
 * hypervisor: populate, allocate the store and console event channels
 * (ports of the new domain offered to dom0), foreign-map, write, set the
 * context.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "public/arch-x86/context.h"

struct mica_error;
struct mica_hv;

#define MICA_ELF_MAX_SEGMENTS 16

struct mica_elf_info {
	uint64_t entry, hypercall_page;
	uint64_t virt_base, virt_end; /* page-aligned extent of the image */
	uint32_t abi_version, features_required;
	bool mod_start_pfn; /* MICA_ELFNOTE_MOD_START_PFN */
	char guest_os[32];
	unsigned int nr_segments;
	struct {
		uint64_t offset, filesz, memsz, vaddr;
		uint64_t pfn; /* where the segment's first page goes */
	} segments[MICA_ELF_MAX_SEGMENTS];
};

/*
 * Parses @len bytes of kernel image.  Returns 0, or -EINVAL / -E2BIG /
 * -EOPNOTSUPP with the reason in @err ("not a Mica PV kernel: ...").
 */
int mica_elf_parse(const void *image, size_t len, struct mica_elf_info *info,
		   struct mica_error *err);

/* Where L1..L9 go, in pfns (start_info.h). */
struct mica_build_layout {
	uint64_t nr_pages; /* the domain's memory */
	uint64_t virt_base;
	uint64_t kernel_pages; /* L1 from pfn 0 */
	uint64_t mod_pfn, mod_pages; /* L2, or after `mapped` (pfn mode) */
	uint64_t mod_len;
	uint64_t p2m_pfn, p2m_pages; /* L3 */
	uint64_t start_info_pfn; /* L4 */
	uint64_t store_pfn, console_pfn; /* L5, L6 */
	uint64_t pt_pfn, nr_pt; /* L7 */
	uint64_t stack_pfn; /* L8, MICA_START_STACK_PAGES */
	uint64_t mapped; /* pfns [0, mapped) are mapped at virt_base */
};

/*
 * Lays out a domain of @nr_pages pages for @elf and a module of @mod_len
 * bytes (0: none).  Returns 0, or -ENOMEM ("needs at least N MiB") or
 * -EINVAL (the mapping would reach Mica's reserved range).
 */
int mica_build_layout(const struct mica_elf_info *elf, uint64_t nr_pages,
		      uint64_t mod_len, struct mica_build_layout *layout,
		      struct mica_error *err);

struct mica_build_input {
	const uint8_t *kernel; /* the image mica_elf_parse() accepted */
	size_t kernel_len;
	const uint8_t *module; /* or NULL */
	size_t module_len;
	const char *cmdline; /* < MICA_START_INFO_CMDLINE_SIZE bytes */
	uint64_t shared_info_mfn;
	uint32_t store_evtchn, console_evtchn; /* mica_build_domain() sets */
};

/*
 * Writes the bootstrap area.  @area holds pfns [0, layout->mapped), pfn p
 * at @area + p * 4096, already zero; @p2m holds all nr_pages mfns.  With
 * MOD_START_PFN the module is not in @area: @module_area receives it (else
 * NULL).  Fills @ctx with vcpu 0's initial context.
 */
void mica_build_write(const struct mica_elf_info *elf,
		      const struct mica_build_layout *layout,
		      const struct mica_build_input *in, const uint64_t *p2m,
		      void *area, void *module_area,
		      struct mica_vcpu_guest_context *ctx);

struct mica_build_result {
	struct mica_build_layout layout;
	uint64_t start_info_mfn, store_mfn, console_mfn;
	uint32_t store_evtchn, console_evtchn; /* the domain's ports */
};

/*
 * Builds paused domain @domid (created with at least @nr_pages of
 * allowance) through @hv: populates its memory, loads everything, sets
 * vcpu 0's context and the store/console params (ring frames and
 * ports, MICA_DOMPARAM_*).  The domain stays
 * paused.  On failure the caller destroys the domain.
 */
int mica_build_domain(struct mica_hv *hv, uint16_t domid,
		      const struct mica_build_input *in, uint64_t nr_pages,
		      struct mica_build_result *result, struct mica_error *err);

#endif
