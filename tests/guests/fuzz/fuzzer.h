/* SPDX-License-Identifier: MIT */
/*
 * The fuzzer's internals: the environment it learns at start (its frames,
 * page tables, scratch and victim areas), the value generator (gen.c) and
 * the guards that keep it from destroying itself (guard.c).
 *
 * Virtual layout, below the end of the builder's mapping E:
 *   [E - 16 pages, E)          scratch: every argument buffer and struct
 *                              the fuzzer builds; whatever the hypervisor
 *                              writes past it hits unmapped memory
 *   E - 17 pages               the shared-info page
 *   [E - 25 pages, E - 17 p)   victims: pages whose virtual slots and
 *                              frames the random stream may remap, clear,
 *                              retype or hand to the hypervisor
 * Frames beyond the mapping (populated, unmapped) are free for the stream
 * to pin as page tables, give back, and so on.  "Protected" frames are the
 * rest of the mapping: image, stack, p2m, page tables, start info.
 */
#ifndef FUZZER_H
#define FUZZER_H

#include <stdbool.h>
#include <stdint.h>

#define SCRATCH_PAGES 16
#define SCRATCH_SIZE (SCRATCH_PAGES * 4096)
#define VICTIM_PAGES 8
#define MAX_PAGES 16384 /* the largest domain the fuzzer accepts */
#define MAX_PT_FRAMES 64

struct fuzz_env {
	uint64_t scratch, scratch_end; /* va */
	uint64_t shared_info_va;
	uint64_t victim_va;
	uint64_t victim_mfn[VICTIM_PAGES];
	uint64_t image_start, mapping_end; /* va */
	uint64_t nr_pages, mapped_pages; /* pfns < mapped_pages are mapped */
	uint64_t l4_mfn, pt_mfn[MAX_PT_FRAMES], nr_pt;
	uint64_t pt_va; /* va of the first page-table frame */
	uint64_t start_info_va, p2m_va; /* the originals */
	uint64_t start_info_mfn, shared_info_mfn, store_mfn, console_mfn;
	uint64_t max_mfn; /* the M2P's bound */
	uint64_t min_own_mfn, max_own_mfn;
	uint16_t domid; /* unknown to the guest: MICA_DOMID_SELF */
	bool privileged;
};

extern struct fuzz_env env;
/* The p2m list, copied (the original is a target like any other page). */
extern uint64_t p2m[MAX_PAGES];

/* gen.c: splitmix64 from the seed. */
void rng_seed(uint64_t seed);
uint64_t rnd(void);
static inline uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}
static inline bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* Fills args[0..4] for hypercall nr (building its buffers in scratch).
 * depth > 0 inside a multicall. */
void gen_args(unsigned int nr, uint64_t args[6], int depth);
/* A hypercall number: mostly the defined ones, sometimes any slot. */
unsigned int gen_hypercall_nr(void);

/* guard.c; guard_init builds the frame maps from the p2m copy (false if
 * they cannot hold it). */
bool guard_init(void);
bool is_protected_mfn(uint64_t mfn);
bool is_own_mfn(uint64_t mfn);
bool in_scratch(uint64_t va, uint64_t len);
/* Neutralises what would destroy the fuzzer (see README); false if the
 * call must be skipped.  *restore is set when the call may have changed
 * the trap table, callbacks or kernel stack. */
bool guard_call(unsigned int nr, uint64_t args[6], int depth, bool *restore);

#endif
