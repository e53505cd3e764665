/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_memory_op (public/memory.h) as dom0: ballooning down and up,
 * populate, exchange, the reservation queries, the memory maps and the M2P
 * facts, with the error paths: frames still mapped, typed or not ours are
 * not released; bad orders, flags, progress fields and lists are refused;
 * counts are checked against the limits; the M2P follows every change.
 */
#include "test.h"

#include "public/arch-x86/layout.h"
#include "public/errno.h"
#include "public/memory.h"
#include "public/mmu.h"

const char test_title[] = "memory_op: reservations, exchange, maps, M2P";

static const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;
static uint64_t list[8];

static uint64_t p2m(uint64_t pfn)
{
	return ((const uint64_t *)start_info->mfn_list)[pfn];
}

static long reserve(uint32_t cmd, uint64_t n, uint32_t order, uint32_t flags)
{
	struct mica_memory_reservation r = {
		.extent_list_gaddr = (uint64_t)list,
		.nr_extents = n,
		.extent_order = order,
		.flags = flags,
	};
	long rc = hypercall_memory_op(cmd, &r);

	if (rc >= 0 && r.nr_done != (uint64_t)rc)
		test_fail("cmd %u returned %ld but nr_done is %lu", cmd, rc,
			  r.nr_done);
	return rc;
}

static uint64_t query(uint32_t cmd)
{
	struct mica_memory_domain m = { .domid = MICA_DOMID_SELF };

	if (hypercall_memory_op(cmd, &m))
		test_fail("reservation query %u failed", cmd);
	return m.nr_pages;
}

static void set_m2p(uint64_t mfn, uint64_t pfn)
{
	struct mica_mmu_update u = { (mfn << 12) | MICA_MMU_MACHPHYS_UPDATE,
				     pfn };

	if (HYPERCALL5(MICA_HC_mmu_update, &u, 1, 0, MICA_DOMID_SELF, 0))
		test_fail("machphys update of %#lx failed", mfn);
}

static void balloon(void)
{
	uint64_t n = start_info->nr_pages, cur = query(5), max = query(4);
	uint64_t last = p2m(n - 1), fresh;

	printk("reservation: %lu current, %lu maximum\n", cur, max);
	if (cur != n + 1 || max < cur)
		test_fail("current %lu (expected nr_pages + shared info %lu), "
			  "maximum %lu",
			  cur, n + 1, max);

	/* Releasable: an unmapped, untyped frame (pfn n-1 is beyond the
	 * boot mapping). */
	list[0] = last;
	test_expect_rc(reserve(MICA_MEMOP_decrease_reservation, 1, 0, 0), 1,
		       "give back the last pfn's frame");
	if (query(5) != cur - 1)
		test_fail("current reservation %lu after giving one back",
			  query(5));
	if (m2p[last] != MICA_INVALID_FRAME)
		test_fail("M2P of a released frame is %#lx", m2p[last]);
	test_expect_rc(reserve(MICA_MEMOP_decrease_reservation, 1, 0, 0), 0,
		       "give back the same frame again");

	/* Not releasable: mapped, typed, hypervisor-shared, misaligned. */
	list[0] = p2m(((uint64_t)start_info - 0xffffffff80000000ULL) >> 12);
	test_expect_rc(reserve(MICA_MEMOP_decrease_reservation, 1, 0, 0), 0,
		       "give back the mapped start-info frame");
	list[0] = p2m((start_info->pt_base - 0xffffffff80000000ULL) >> 12);
	test_expect_rc(reserve(MICA_MEMOP_decrease_reservation, 1, 0, 0), 0,
		       "give back the pinned L4");
	list[0] = start_info->shared_info_mfn;
	test_expect_rc(reserve(MICA_MEMOP_decrease_reservation, 1, 0, 0), 0,
		       "give back the shared-info frame");
	list[0] = p2m(n - 3) | 1;
	test_expect_rc(reserve(MICA_MEMOP_decrease_reservation, 1, 1, 0), 0,
		       "misaligned order-1 extent");
	list[0] = ~0ULL >> 12;
	test_expect_rc(reserve(MICA_MEMOP_decrease_reservation, 1, 0, 0), 0,
		       "a frame beyond RAM");
	if (query(5) != cur - 1)
		test_fail("a refused release changed the reservation");

	/* Back up to the limit, and no further. */
	test_expect_rc(reserve(MICA_MEMOP_increase_reservation, 1, 0, 32), 1,
		       "take one frame below 4 GiB");
	fresh = list[0];
	if (m2p[fresh] != MICA_INVALID_FRAME || fresh >= (1ULL << 20))
		test_fail("new frame %#lx: M2P %#lx", fresh, m2p[fresh]);
	set_m2p(fresh, n - 1);
	((uint64_t *)start_info->mfn_list)[n - 1] = fresh;
	test_expect_rc(reserve(MICA_MEMOP_increase_reservation, 1, 0, 0), 0,
		       "one more than the maximum");
	if (query(5) != cur)
		test_fail("current %lu, expected %lu", query(5), cur);

	/* Populate: two holes filled at chosen pfns. */
	list[0] = p2m(n - 2);
	list[1] = p2m(n - 1);
	test_expect_rc(reserve(MICA_MEMOP_decrease_reservation, 2, 0, 0), 2,
		       "make two holes");
	list[0] = n - 2;
	list[1] = n - 1;
	test_expect_rc(reserve(MICA_MEMOP_populate_physmap, 2, 0, 0), 2,
		       "populate two pfns");
	for (int i = 0; i < 2; i++) {
		if (m2p[list[i]] != n - 2 + i)
			test_fail("populated pfn %lu: M2P[%#lx] = %#lx",
				  n - 2 + i, list[i], m2p[list[i]]);
		((uint64_t *)start_info->mfn_list)[n - 2 + i] = list[i];
	}
}

static void bad_reservations(void)
{
	struct mica_memory_reservation r = {
		.extent_list_gaddr = (uint64_t)list, .nr_extents = 1
	};

	test_expect_rc(reserve(MICA_MEMOP_increase_reservation, 1, 19, 0),
		       -MICA_EINVAL, "order 19 (over the privileged limit)");
	test_expect_rc(reserve(MICA_MEMOP_increase_reservation, 1, 0, 19),
		       -MICA_EINVAL, "address bits 19");
	test_expect_rc(reserve(MICA_MEMOP_increase_reservation, 1, 0, 0x100),
		       -MICA_EINVAL, "unknown flag");
	test_expect_rc(reserve(MICA_MEMOP_increase_reservation, 1ULL << 62, 0,
			       0),
		       -MICA_EINVAL, "a list that wraps the address space");
	r.nr_done = 2;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_populate_physmap, &r),
		       -MICA_EINVAL, "nr_done beyond nr_extents");
	r.nr_done = 1;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_populate_physmap, &r), 1,
		       "nr_done == nr_extents: nothing left to do");
	r.nr_done = 0;
	r.extent_list_gaddr = 0x1000; /* unmapped */
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_decrease_reservation, &r),
		       -MICA_EFAULT, "an unmapped extent list");
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_increase_reservation,
					   (void *)0x1000),
		       -MICA_EFAULT, "an unmapped argument");
	list[0] = start_info->nr_pages | 1;
	test_expect_rc(reserve(MICA_MEMOP_populate_physmap, 1, 1, 0), 0,
		       "populate at a misaligned pfn");
}

static void exchange(void)
{
	uint64_t n = start_info->nr_pages, cur = query(5);
	uint64_t in[2] = { p2m(n - 2), p2m(n - 1) }, out[1] = { n - 2 };
	struct mica_memory_exchange x = {
		.in = { (uint64_t)in, 2, 0, 0, 0 },
		.out = { (uint64_t)out, 1, 1, 0, 0 },
	};

	test_expect_rc(hypercall_memory_op(MICA_MEMOP_exchange, &x), 0,
		       "exchange two frames for one order-1 extent");
	if (x.nr_exchanged != 2 || (out[0] & 1) || m2p[out[0]] != n - 2 ||
	    m2p[out[0] + 1] != n - 1 || m2p[in[0]] != MICA_INVALID_FRAME ||
	    m2p[in[1]] != MICA_INVALID_FRAME)
		test_fail("exchange: %lu exchanged, out %#lx (M2P %#lx %#lx)",
			  x.nr_exchanged, out[0], m2p[out[0]], m2p[out[0] + 1]);
	if (query(5) != cur)
		test_fail("exchange changed the reservation");
	((uint64_t *)start_info->mfn_list)[n - 2] = out[0];
	((uint64_t *)start_info->mfn_list)[n - 1] = out[0] + 1;

	/* Busy input: the start-info frame is mapped; nothing changes. */
	in[0] = p2m(((uint64_t)start_info - 0xffffffff80000000ULL) >> 12);
	out[0] = n - 1;
	x = (struct mica_memory_exchange){
		.in = { (uint64_t)in, 1, 0, 0, 0 },
		.out = { (uint64_t)out, 1, 0, 0, 0 },
	};
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_exchange, &x),
		       -MICA_EBUSY, "exchange a mapped frame");
	if (x.nr_exchanged || m2p[in[0]] == MICA_INVALID_FRAME)
		test_fail("failed exchange: %lu done, M2P %#lx", x.nr_exchanged,
			  m2p[in[0]]);
	if (query(5) != cur)
		test_fail("failed exchange changed the reservation");
	x.out.nr_extents = 2;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_exchange, &x),
		       -MICA_EINVAL, "exchange 1 frame for 2");
	x.out.nr_extents = 1;
	x.in.nr_done = 1;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_exchange, &x),
		       -MICA_EINVAL, "exchange with in.nr_done set");
}

static void maps(void)
{
	struct mica_e820_entry e[32];
	struct mica_memory_map m = { 0, 0, (uint64_t)e };
	struct mica_machphys_mapping mm;
	struct mica_machphys_mfn_list ml = { 0, 0, (uint64_t)list };
	uint64_t ram = 0;

	test_expect_rc(hypercall_memory_op(MICA_MEMOP_memory_map, &m),
		       -MICA_ENOSPC, "memory map into no room");
	if (!m.nr_entries || m.nr_entries > 32)
		test_fail("memory map needs %u entries", m.nr_entries);
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_memory_map, &m), 0,
		       "memory map");
	for (unsigned int i = 0; i < m.nr_entries; i++) {
		if (i && e[i].addr < e[i - 1].addr + e[i - 1].size)
			test_fail("map entry %u overlaps or is unsorted", i);
		if (e[i].type == MICA_E820_RAM)
			ram += e[i].size;
	}
	if (ram != query(4) * 4096)
		test_fail("dom0 map has %lu KiB RAM, maximum is %lu KiB",
			  ram >> 10, query(4) * 4);
	m.nr_entries = 32;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_machine_memory_map, &m),
		       0, "machine memory map");
	m.pad0 = 1;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_memory_map, &m),
		       -MICA_EINVAL, "memory map with pad0 set");

	test_expect_rc(hypercall_memory_op(MICA_MEMOP_machphys_mapping, &mm), 0,
		       "machphys mapping");
	if (mm.virt_start != MICA_M2P_VIRT_START ||
	    mm.virt_end != MICA_M2P_VIRT_END || mm.max_mfn < p2m(0))
		test_fail("machphys %#lx..%#lx max_mfn %#lx", mm.virt_start,
			  mm.virt_end, mm.max_mfn);
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_machphys_mfn_list, &ml),
		       -MICA_ENOSPC, "M2P frame list into no room");
	if (ml.nr_extents != (mm.max_mfn * 8 + (2 << 20)) / (2 << 20))
		test_fail("M2P needs %u chunks for max_mfn %#lx", ml.nr_extents,
			  mm.max_mfn);
	ml.max_extents = 8;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_machphys_mfn_list, &ml),
		       0, "M2P frame list");
	if (m2p[list[0]] != MICA_INVALID_FRAME)
		test_fail("an M2P frame has a pfn");
}

static void other_ops(void)
{
	struct mica_memory_domain d = { .domid = 999 };
	struct mica_add_to_physmap a = { 0 };

	test_expect_rc(hypercall_memory_op(MICA_MEMOP_current_reservation, &d),
		       -MICA_ESRCH, "reservation of no such domain");
	d.domid = MICA_DOMID_SELF;
	d.pad0[1] = 1;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_maximum_reservation, &d),
		       -MICA_EINVAL, "reservation query with pad0 set");
	d.domid = 0;
	d.pad0[1] = 0;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_current_reservation, &d),
		       0, "reservation of self by id");
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_add_to_physmap, &a),
		       -MICA_EOPNOTSUPP, "add_to_physmap from PV");
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_remove_from_physmap, &a),
		       -MICA_EOPNOTSUPP, "remove_from_physmap from PV");
	test_expect_rc(hypercall_memory_op(99, &a), -MICA_ENOSYS,
		       "unknown memory op");
}

void test_main(void)
{
	balloon();
	bad_reservations();
	exchange();
	maps();
	other_ops();
	test_pass();
}
