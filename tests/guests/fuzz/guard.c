/* SPDX-License-Identifier: MIT */
/*
 * The guards: the few calls that would kill or disable the fuzzer itself
 * are neutralised (pointed at a victim page, at a free frame, or at the
 * live value) or skipped.  Every rule here is listed, with its reason, in
 * the fuzz row of tests/guests/README.md.  The guards read the buffers
 * before the call; they only trust buffers in scratch, which is why the
 * calls they must look into get their buffers there (or unusable ones).
 */
#include "fuzz.h"
#include "fuzzer.h"
#include "test.h"

#include "public/arch-x86/layout.h"
#include "public/console.h"
#include "public/event_channel.h"
#include "public/grant_table.h"
#include "public/mmu.h"
#include "public/sched.h"
#include "public/vcpu.h"

#define BITMAP_BITS (1u << 20) /* frames the own-frame maps span */
static uint8_t own_map[BITMAP_BITS / 8], protected_map[BITMAP_BITS / 8];

static bool map_test(const uint8_t *map, uint64_t mfn)
{
	uint64_t i = mfn - env.min_own_mfn;

	return mfn >= env.min_own_mfn && i < BITMAP_BITS &&
	       (map[i / 8] & (1u << (i % 8)));
}

static void map_set(uint8_t *map, uint64_t mfn)
{
	uint64_t i = mfn - env.min_own_mfn;

	map[i / 8] |= (uint8_t)(1u << (i % 8));
}

bool guard_init(void)
{
	env.min_own_mfn = ~0ULL;
	env.max_own_mfn = 0;
	for (uint64_t pfn = 0; pfn < env.nr_pages; pfn++) {
		if (p2m[pfn] < env.min_own_mfn)
			env.min_own_mfn = p2m[pfn];
		if (p2m[pfn] > env.max_own_mfn)
			env.max_own_mfn = p2m[pfn];
	}
	if (env.max_own_mfn - env.min_own_mfn >= BITMAP_BITS)
		return false;
	for (uint64_t pfn = 0; pfn < env.nr_pages; pfn++) {
		uint64_t va = env.image_start + pfn * 4096;

		map_set(own_map, p2m[pfn]);
		if (pfn < env.mapped_pages &&
		    (va < env.victim_va ||
		     va >= env.victim_va + VICTIM_PAGES * 4096))
			map_set(protected_map, p2m[pfn]);
	}
	return true;
}

bool is_protected_mfn(uint64_t mfn)
{
	return map_test(protected_map, mfn);
}

/* Ours at start, or ours now by the M2P (frames populated since). */
bool is_own_mfn(uint64_t mfn)
{
	const volatile uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;

	if (map_test(own_map, mfn))
		return true;
	return mfn <= env.max_mfn && m2p[mfn] != MICA_INVALID_FRAME;
}

bool in_scratch(uint64_t va, uint64_t len)
{
	return va >= env.scratch && va <= env.scratch_end &&
	       len <= env.scratch_end - va;
}

static uint64_t victim_mfn(void)
{
	return env.victim_mfn[below(VICTIM_PAGES)];
}

/* A frame beyond the mapping (never used by the fuzzer), else a victim. */
static uint64_t free_mfn(void)
{
	if (env.mapped_pages >= env.nr_pages)
		return victim_mfn();
	return p2m[env.mapped_pages + below(env.nr_pages - env.mapped_pages)];
}

/* Index into env.pt_mfn of a live page-table frame, or -1. */
static int live_pt(uint64_t mfn)
{
	for (uint64_t i = 0; i < env.nr_pt; i++)
		if (env.pt_mfn[i] == mfn)
			return (int)i;
	return -1;
}

/* A virtual address the fuzzer uses (its image, stack, scratch, shared
 * info, p2m...): anything in the mapping but the victim pages. */
static bool is_own_va(uint64_t va)
{
	return va >= env.image_start && va < env.mapping_end &&
	       (va < env.victim_va ||
		va >= env.victim_va + VICTIM_PAGES * 4096);
}

static uint64_t victim_va(uint64_t va)
{
	return env.victim_va + 4096 * below(VICTIM_PAGES) + (va & 4095);
}

/* Page-table writes only into entries of the live tables that are empty
 * (which adds mappings but takes none of ours away). */
static void guard_pte_maddr(uint64_t *ptr)
{
	int i = live_pt(*ptr >> 12);

	if (i >= 0) {
		const volatile uint64_t *pt =
			(const uint64_t *)(env.pt_va + 4096 * (uint64_t)i);

		if (pt[(*ptr & 4095) / 8])
			*ptr = (free_mfn() << 12) | (*ptr & 4095);
	}
}

static void guard_mmu_update(uint64_t list, uint64_t count)
{
	for (uint64_t i = 0; i < count && in_scratch(list + i * 16, 16); i++) {
		uint64_t *ptr = (uint64_t *)(list + i * 16);

		if ((*ptr & MICA_MMU_REQUEST_MASK) != MICA_MMU_MACHPHYS_UPDATE)
			guard_pte_maddr(ptr);
	}
}

static void guard_mmuext(uint64_t list, uint64_t count)
{
	for (uint64_t i = 0; i < count && in_scratch(list + i * 24, 24); i++) {
		struct mica_mmuext_op *op =
			(struct mica_mmuext_op *)(list + i * 24);

		switch (op->cmd) {
		case MICA_MMUEXT_UNPIN_TABLE:
			if (live_pt(op->arg1) >= 0)
				op->arg1 = free_mfn();
			break;
		case MICA_MMUEXT_NEW_BASEPTR:
			if (op->arg1 != env.l4_mfn && is_own_mfn(op->arg1))
				op->arg1 = env.l4_mfn;
			break;
		case MICA_MMUEXT_COPY_PAGE:
		case MICA_MMUEXT_CLEAR_PAGE:
			if (is_protected_mfn(op->arg1))
				op->arg1 = victim_mfn();
			break;
		default:
			break;
		}
	}
}

static void guard_grant(uint32_t cmd, uint64_t list, uint64_t count)
{
	static const uint8_t sizes[] = { 40, 24, 24, 16, 40, 24 };

	if (cmd >= sizeof(sizes))
		return;
	for (uint64_t i = 0;
	     i < count && in_scratch(list + i * sizes[cmd], sizes[cmd]); i++) {
		void *e = (void *)(list + i * sizes[cmd]);

		switch (cmd) {
		case MICA_GNTTABOP_map_grant_ref: {
			struct mica_gnttab_map_grant_ref *m = e;

			if (m->flags & MICA_GNTMAP_contains_pte)
				guard_pte_maddr(&m->host_addr);
			else if (is_own_va(m->host_addr))
				m->host_addr = victim_va(m->host_addr);
			break;
		}
		case MICA_GNTTABOP_unmap_grant_ref: {
			struct mica_gnttab_unmap_grant_ref *u = e;

			if (is_own_va(u->host_addr))
				u->host_addr = victim_va(u->host_addr);
			guard_pte_maddr(&u->host_addr);
			break;
		}
		case MICA_GNTTABOP_copy: {
			struct mica_gnttab_copy *c = e;

			if (!(c->flags & MICA_GNTCOPY_dest_gref) &&
			    is_protected_mfn(c->dest.ref_or_gfn))
				c->dest.ref_or_gfn = victim_mfn();
			break;
		}
		case MICA_GNTTABOP_transfer: {
			struct mica_gnttab_transfer *t = e;

			if (is_protected_mfn(t->gfn))
				t->gfn = victim_mfn();
			break;
		}
		default:
			break;
		}
	}
}

static bool guard_sched(uint64_t *a)
{
	uint32_t cmd = (uint32_t)a[0];

	if (cmd == MICA_SCHEDOP_shutdown)
		return false;
	/*
	 * No wake-up is certain for block: a timer wakes it only through a
	 * bound, unmasked VIRQ_TIMER, and the stream itself closes ports,
	 * resets the channels, moves vcpu_info and scribbles on shared info.
	 * (The block guest covers it.)
	 */
	if (cmd == MICA_SCHEDOP_block)
		return false;
	if (cmd == MICA_SCHEDOP_poll && in_scratch(a[1], 24)) {
		uint64_t *timeout = (uint64_t *)(a[1] + 16), now = fuzz_now();

		if (!*timeout || *timeout > now + 1000000)
			*timeout = now + 1000000;
	}
	return true;
}

static bool guard_vcpu(uint64_t *a)
{
	uint32_t cmd = (uint32_t)a[0];

	if (cmd == MICA_VCPUOP_down && (uint32_t)a[1] == 0)
		return false;
	if (cmd == MICA_VCPUOP_register_runstate && in_scratch(a[2], 8)) {
		uint64_t *gaddr = (uint64_t *)a[2];

		if (is_own_va(*gaddr) && !in_scratch(*gaddr, 48))
			*gaddr = env.scratch + (below(SCRATCH_SIZE - 48) & ~7);
	}
	if (cmd == MICA_VCPUOP_register_info && in_scratch(a[2], 8) &&
	    is_protected_mfn(*(uint64_t *)a[2]))
		*(uint64_t *)a[2] = victim_mfn();
	return true;
}

static void guard_evtchn(uint64_t *a)
{
	uint32_t cmd = (uint32_t)a[0];

	if ((cmd == MICA_EVTCHNOP_init_control ||
	     cmd == MICA_EVTCHNOP_expand_array) &&
	    in_scratch(a[1], 8) && is_protected_mfn(*(uint64_t *)a[1]))
		*(uint64_t *)a[1] = victim_mfn();
}

static void guard_multicall(uint64_t list, uint64_t count, int depth,
			    bool *restore)
{
	for (uint64_t i = 0; i < count && in_scratch(list + i * 64, 64); i++) {
		uint64_t *e = (uint64_t *)(list + i * 64);
		uint32_t nr = (uint32_t)e[0];

		if (nr < MICA_HYPERCALL_PAGE_SLOTS &&
		    (nr == MICA_HC_iret ||
		     !guard_call(nr, &e[2], depth + 1, restore)))
			e[0] = MICA_HYPERCALL_PAGE_SLOTS - 1; /* unknown */
	}
}

bool guard_call(unsigned int nr, uint64_t a[6], int depth, bool *restore)
{
	switch (nr) {
	case MICA_HC_iret:
		return false; /* fuzzer.c probes it with a frame of its own */
	case MICA_HC_sched_op:
		return guard_sched(a);
	case MICA_HC_vcpu_op:
		return guard_vcpu(a);
	case MICA_HC_event_channel_op:
		guard_evtchn(a);
		return true;
	case MICA_HC_mmu_update:
		guard_mmu_update(a[0], a[1]);
		return true;
	case MICA_HC_mmuext_op:
		guard_mmuext(a[0], a[1]);
		return true;
	case MICA_HC_console_io:
		/* Keep the log readable and small: at most 64 bytes a write
		 * (counts over the maximum still go through). */
		if ((uint32_t)a[0] == MICA_CONSOLEIO_write && a[1] > 64 &&
		    a[1] <= MICA_CONSOLEIO_MAX_WRITE)
			a[1] &= 63;
		return true;
	case MICA_HC_update_va_mapping:
		if (is_own_va(a[0]))
			a[0] = victim_va(a[0]);
		return true;
	case MICA_HC_update_descriptor:
		if (is_protected_mfn(a[0] >> 12))
			a[0] = (victim_mfn() << 12) | (a[0] & 4095);
		return true;
	case MICA_HC_grant_table_op:
		guard_grant((uint32_t)a[0], a[1], a[2]);
		return true;
	case MICA_HC_multicall:
		if (depth > 2)
			return false;
		guard_multicall(a[0], a[1], depth, restore);
		return true;
	case MICA_HC_set_trap_table:
	case MICA_HC_callback_op:
	case MICA_HC_stack_switch:
		*restore = true;
		return true;
	default:
		return true;
	}
}
