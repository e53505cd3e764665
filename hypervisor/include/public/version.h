/* SPDX-License-Identifier: MIT */
/*
 * version.h - MICA_HC_version: ABI version, feature bits and platform
 * parameters.
 *
 *     long mica_version(uint32_t cmd, uint64_t arg_gaddr);
 *
 * Every domain may call every sub-op here; none has side effects.  This is
 * the call a guest makes first, and the one a newer guest uses to find out
 * what an older hypervisor offers.
 */
#ifndef MICA_PUBLIC_VERSION_H
#define MICA_PUBLIC_VERSION_H

#include "mica.h"

/*
 * MICA_VERSION_GET: the hypervisor's ABI version.
 *   arg_gaddr: ignored (pass 0).
 *   Returns MICA_ABI_VERSION of the running hypervisor:
 *   (major << 16) | minor.  Never fails.
 */
#define MICA_VERSION_GET 0

/*
 * MICA_VERSION_GET_FEATURES: one 32-bit word of the feature bitmap.
 *   IN  index  which word (0 .. MICA_FEATURES_NR_WORDS-1).
 *   OUT bits   the features present, for this caller, in that word.
 * Notes:
 *   1. Feature bits describe what the calling domain may use, which depends
 *      on both the hypervisor and the domain's type (PV or HVM).
 *   2. A word beyond the hypervisor's knowledge reads as 0 (not an error),
 *      so a new guest can ask an old hypervisor for any word.
 * Errors: -MICA_EFAULT (arg unreadable/unwritable), -MICA_EINVAL (pad != 0).
 */
#define MICA_VERSION_GET_FEATURES 1

struct mica_feature_info {
	uint32_t index; /* IN */
	uint32_t bits; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_feature_info) == 8, "mica_feature_info");

#define MICA_FEATURES_NR_WORDS 1

/* Word 0 (append-only). */
/* PV direct paging: mmu.h operations are available (PV guests). */
#define MICA_FEAT_PV_MMU (1u << 0)
/* The hypervisor translates gfns for this guest (HVM guests). */
#define MICA_FEAT_AUTO_TRANSLATED (1u << 1)
/* vcpu_info may be moved out of shared_info (MICA_VCPUOP_register_info). */
#define MICA_FEAT_VCPU_INFO_PLACEMENT (1u << 2)
/* Per-vcpu runstate area (MICA_VCPUOP_register_runstate). */
#define MICA_FEAT_RUNSTATE (1u << 3)
/* FIFO event channels (event_channel.h) are available. */
#define MICA_FEAT_EVTCHN_FIFO (1u << 4)
/* Grant entries with MICA_GTF_SUB_PAGE (copy-only sub-page grants). */
#define MICA_FEAT_GRANT_SUB_PAGE (1u << 5)
/* Caller is privileged: domctl/sysctl are permitted. */
#define MICA_FEAT_PRIVILEGED (1u << 6)
/* 2 MiB superpage mappings in PV page tables (not yet offered). */
#define MICA_FEAT_PV_SUPERPAGES (1u << 7)

/*
 * MICA_VERSION_GET_PARAMETERS: where the hypervisor lives in the guest's
 * address space, and the size of tables the guest must plan for.
 *   OUT hypervisor_virt_start, hypervisor_virt_end
 *                the range every PV address space reserves for the
 *                hypervisor (arch-x86/layout.h); 0, 0 for HVM guests.
 *   OUT m2p_virt_start, m2p_virt_end
 *                the read-only machine-to-physical table (PV only).
 *   OUT max_evtchn_port  highest port this domain may bind.
 *   OUT max_grant_frames grant table frames this domain may set up.
 *   OUT max_vcpus        vcpus this domain was created with.
 * Errors: -MICA_EFAULT.
 */
#define MICA_VERSION_GET_PARAMETERS 2

struct mica_platform_parameters {
	uint64_t hypervisor_virt_start; /* OUT */
	uint64_t hypervisor_virt_end; /* OUT, exclusive */
	uint64_t m2p_virt_start; /* OUT */
	uint64_t m2p_virt_end; /* OUT, exclusive */
	uint32_t max_evtchn_port; /* OUT */
	uint32_t max_grant_frames; /* OUT */
	uint32_t max_vcpus; /* OUT */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_platform_parameters) == 48,
		   "mica_platform_parameters");

/*
 * MICA_VERSION_GET_BUILD: a human-readable description of the running
 * hypervisor, for logs only (never parse it).
 *   OUT text  NUL-terminated, e.g. "Mica 1.0 (gcc 12.2, 2025-01-01)".
 * Errors: -MICA_EFAULT.
 */
#define MICA_VERSION_GET_BUILD 3

struct mica_build_info {
	char text[128]; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_build_info) == 128, "mica_build_info");

#endif /* MICA_PUBLIC_VERSION_H */
