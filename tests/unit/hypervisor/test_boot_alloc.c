// SPDX-License-Identifier: MIT
/*
 * Unit tests of the boot allocator.  Its region list is private, so the tests
 * observe it the way the hypervisor does: through boot_alloc_free_bytes(),
 * the addresses boot_alloc_pages() returns, and the frames that
 * boot_alloc_finish() hands to the buddy allocator.
 */
#include <stdlib.h>

#include <mica/boot_alloc.h>
#include <mica/page_alloc.h>
#include <asm/layout.h>

#include "harness.h"

#define PG(n) ((paddr_t)(n)*PAGE_SIZE)
#define TOP_PAGE 0xfffffffffffff000ULL /* the last page of the address space */
#define TABLE_FRAMES 256 /* frames the tests' RAM lives in */

struct range {
	mfn_t start, end; /* frames, [start, end) */
};

static uint64_t ranges_frames(const struct range *r, size_t nr)
{
	uint64_t n = 0;

	for (size_t i = 0; i < nr; i++)
		n += r[i].end - r[i].start;
	return n;
}

static bool in_ranges(const struct range *r, size_t nr, mfn_t mfn)
{
	for (size_t i = 0; i < nr; i++)
		if (mfn >= r[i].start && mfn < r[i].end)
			return true;
	return false;
}

/*
 * Checks the allocator holds exactly the frames in 'expect': their byte
 * count, then (finishing the allocator) that page_alloc receives exactly
 * those frames and no others.
 */
static void check_finish_gives(const struct range *expect, size_t nr)
{
	static struct page_info table[TABLE_FRAMES];
	uint64_t frames = ranges_frames(expect, nr);

	CHECK_EQ(boot_alloc_free_bytes(), frames * PAGE_SIZE);
	page_alloc_init(table, TABLE_FRAMES);
	boot_alloc_finish();
	CHECK_EQ(boot_alloc_free_bytes(), 0);
	CHECK_EQ(page_alloc_free_frames(), frames);
	CHECK_EQ(page_alloc_total_frames(), frames);
	CHECK_EQ(page_alloc_owned_frames(OWNER_NONE), TABLE_FRAMES - frames);
	for (mfn_t mfn = 0; mfn < TABLE_FRAMES; mfn++) {
		uint16_t owner = in_ranges(expect, nr, mfn) ? OWNER_FREE :
							      OWNER_NONE;

		if (table[mfn].owner != owner)
			test_fail(__FILE__, __LINE__,
				  "frame %llu owned by 0x%x, expected 0x%x",
				  (unsigned long long)mfn, table[mfn].owner,
				  owner);
	}
}

static void add_shrinks_unaligned_edges(void)
{
	static const struct range expect[] = { { 2, 16 } };

	boot_alloc_add(0x1234, 0x10fff);
	CHECK_EQ(boot_alloc_free_bytes(), PG(14));
	/* Less than a whole page: nothing. */
	boot_alloc_add(PG(20) + 1, PG(21) - 1);
	boot_alloc_add(PG(30), PG(30));
	boot_alloc_add(PG(40), PG(39));
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void add_out_of_order(void)
{
	static const struct range expect[] = { { 10, 20 },
					       { 50, 59 },
					       { 100, 110 } };

	boot_alloc_add(PG(100), PG(110));
	boot_alloc_add(PG(10), PG(20));
	boot_alloc_add(PG(50), PG(60));
	/* The highest region is used first, from its top. */
	CHECK_EQ(boot_alloc_pages(10, 1, ~0ULL), PG(100));
	CHECK_EQ(boot_alloc_pages(1, 1, ~0ULL), PG(59));
	boot_alloc_add(PG(100), PG(110)); /* sorted in again */
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void reserve_removes_whole_region(void)
{
	static const struct range expect[] = { { 10, 20 }, { 50, 60 } };

	boot_alloc_add(PG(10), PG(20));
	boot_alloc_add(PG(30), PG(40));
	boot_alloc_add(PG(50), PG(60));
	boot_alloc_reserve(PG(30), PG(40));
	boot_alloc_reserve(PG(25), PG(28)); /* in a hole: no effect */
	boot_alloc_reserve(PG(200), PG(300));
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void reserve_trims_edges(void)
{
	static const struct range expect[] = { { 13, 20 }, { 30, 36 } };

	boot_alloc_add(PG(10), PG(20));
	boot_alloc_add(PG(30), PG(40));
	boot_alloc_reserve(PG(5), PG(13));
	boot_alloc_reserve(PG(36), PG(45));
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void reserve_splits_region(void)
{
	static const struct range expect[] = { { 10, 14 }, { 17, 20 } };

	boot_alloc_add(PG(10), PG(20));
	boot_alloc_reserve(PG(14), PG(17));
	CHECK_EQ(boot_alloc_free_bytes(), PG(7));
	/* Both halves are regions of their own now. */
	CHECK_EQ(boot_alloc_pages(5, 1, ~0ULL), 0);
	CHECK_EQ(boot_alloc_pages(3, 1, ~0ULL), PG(17));
	boot_alloc_add(PG(17), PG(20));
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void reserve_spans_regions(void)
{
	static const struct range expect[] = { { 10, 15 }, { 55, 60 } };

	boot_alloc_add(PG(10), PG(20));
	boot_alloc_add(PG(30), PG(40));
	boot_alloc_add(PG(50), PG(60));
	boot_alloc_reserve(PG(15), PG(55));
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void reserve_widens_to_pages(void)
{
	static const struct range expect[] = { { 10, 12 }, { 14, 20 } };

	boot_alloc_add(PG(10), PG(20));
	boot_alloc_reserve(PG(12) + 1, PG(13) + 1);
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void reserve_up_to_top_of_address_space(void)
{
	boot_alloc_add(PG(1), TOP_PAGE);
	boot_alloc_reserve(PG(10), ~0ULL);
	CHECK_EQ(boot_alloc_free_bytes(), PG(9));
	boot_alloc_reserve(0, ~0ULL);
	CHECK_EQ(boot_alloc_free_bytes(), 0);
}

static void add_near_top_of_address_space(void)
{
	/* Rounding the start up must not wrap around to address 0. */
	boot_alloc_add(TOP_PAGE + 1, ~0ULL);
	CHECK_EQ(boot_alloc_free_bytes(), 0);
	boot_alloc_add(TOP_PAGE - PAGE_SIZE, ~0ULL);
	CHECK_EQ(boot_alloc_free_bytes(), PAGE_SIZE);
	CHECK_EQ(boot_alloc_pages(1, 1, ~0ULL), TOP_PAGE - PAGE_SIZE);
}

static void alloc_from_top_of_highest_region(void)
{
	static const struct range expect[] = { { 10, 20 }, { 30, 37 } };

	boot_alloc_add(PG(10), PG(20));
	boot_alloc_add(PG(30), PG(40));
	CHECK_EQ(boot_alloc_pages(1, 1, ~0ULL), PG(39));
	CHECK_EQ(boot_alloc_pages(2, 1, ~0ULL), PG(37));
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void alloc_aligned(void)
{
	static const struct range expect[] = {
		{ 1, 32 }, { 35, 64 }, { 67, 96 }, { 99, 100 }
	};

	boot_alloc_add(PG(1), PG(100));
	CHECK_EQ(boot_alloc_pages(3, 16, ~0ULL), PG(96));
	CHECK_EQ(boot_alloc_pages(3, 32, ~0ULL), PG(64));
	CHECK_EQ(boot_alloc_pages(3, 32, ~0ULL), PG(32));
	/* No 32-page-aligned room is left except at 0, below the region. */
	CHECK_EQ(boot_alloc_pages(3, 32, ~0ULL), 0);
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void alloc_alignment_skips_to_lower_region(void)
{
	static const struct range expect[] = { { 60, 64 },
					       { 68, 70 },
					       { 100, 110 } };

	boot_alloc_add(PG(60), PG(70));
	boot_alloc_add(PG(100), PG(110));
	/* [100, 110) has no 64-page boundary; [60, 70) has 64. */
	CHECK_EQ(boot_alloc_pages(4, 64, ~0ULL), PG(64));
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void alloc_respects_limit(void)
{
	static const struct range expect[] = { { 10, 18 },
					       { 30, 33 },
					       { 35, 40 } };

	boot_alloc_add(PG(10), PG(20));
	boot_alloc_add(PG(30), PG(40));
	CHECK_EQ(boot_alloc_pages(2, 1, PG(35)), PG(33));
	/* The limit is a byte address: the block ends at or below it. */
	CHECK_EQ(boot_alloc_pages(1, 1, PG(19) + 0x800), PG(18));
	CHECK_EQ(boot_alloc_pages(1, 1, PG(20)), PG(19));
	CHECK_EQ(boot_alloc_pages(1, 1, PG(10)), 0);
	CHECK_EQ(boot_alloc_pages(1, 1, PG(10) + 0x800), 0);
	CHECK_EQ(boot_alloc_pages(1, 1, 0), 0);
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void alloc_falls_back_to_lower_region(void)
{
	static const struct range expect[] = { { 10, 16 }, { 30, 33 } };

	boot_alloc_add(PG(10), PG(20));
	boot_alloc_add(PG(30), PG(33));
	CHECK_EQ(boot_alloc_pages(4, 1, ~0ULL), PG(16));
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void alloc_failure_changes_nothing(void)
{
	static const struct range expect[] = { { 1, 16 }, { 20, 30 } };

	boot_alloc_add(PG(1), PG(16));
	boot_alloc_add(PG(20), PG(30));
	CHECK_EQ(boot_alloc_pages(16, 1, ~0ULL), 0); /* too large */
	CHECK_EQ(boot_alloc_pages(0, 1, ~0ULL), 0); /* nothing */
	CHECK_EQ(boot_alloc_pages(1, 3, ~0ULL), 0); /* not a power of two */
	CHECK_EQ(boot_alloc_pages(1, 0, ~0ULL), 0); /* nor is 0 */
	CHECK_EQ(boot_alloc_pages(1, 1, PG(1)), 0); /* below all RAM */
	/* Sizes and alignments whose byte counts overflow 64 bits. */
	CHECK_EQ(boot_alloc_pages(1ULL << 52, 1, ~0ULL), 0);
	CHECK_EQ(boot_alloc_pages((1ULL << 52) + 1, 1, ~0ULL), 0);
	CHECK_EQ(boot_alloc_pages(1, 1ULL << 52, ~0ULL), 0);
	CHECK_EQ(boot_alloc_pages(1, 1ULL << 63, ~0ULL), 0);
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void alloc_never_hands_out_address_zero(void)
{
	static const struct range expect[] = { { 0, 1 } };

	/* 0 means "nothing fits", so page 0 cannot be returned. */
	boot_alloc_add(0, PG(2));
	CHECK_EQ(boot_alloc_pages(1, 1, ~0ULL), PG(1));
	CHECK_EQ(boot_alloc_pages(1, 1, ~0ULL), 0);
	check_finish_gives(expect, ARRAY_SIZE(expect));
}

static void region_table_full_loses_ranges_safely(void)
{
	/* 128 regions of 4 pages, [8i, 8i + 4): the table is full. */
	for (unsigned int i = 0; i < 128; i++)
		boot_alloc_add(PG(8 * i), PG(8 * i + 4));
	CHECK_EQ(boot_alloc_free_bytes(), PG(512));
	boot_alloc_add(PG(2000), PG(2004)); /* no room: dropped */
	CHECK_EQ(boot_alloc_free_bytes(), PG(512));
	/* A split needs a new entry: the upper part is lost, not corrupted. */
	boot_alloc_reserve(PG(1), PG(2));
	CHECK_EQ(boot_alloc_free_bytes(), PG(512 - 3));
	CHECK_EQ(boot_alloc_pages(4, 1, ~0ULL), PG(8 * 127));
}

static void finish_hands_remaining_ranges(void)
{
	static struct page_info table[TABLE_FRAMES];
	static const struct range expect[] = { { 16, 40 },
					       { 48, 100 },
					       { 150, 197 } };
	paddr_t table_addr;
	uint64_t ram = (100 - 16) + (200 - 150), left;

	boot_alloc_add(PG(16), PG(100));
	boot_alloc_add(PG(150), PG(200));
	boot_alloc_reserve(PG(40), PG(48)); /* the image, say */
	table_addr = boot_alloc_pages(3, 1, ~0ULL);
	CHECK_EQ(table_addr, PG(197));
	left = boot_alloc_free_bytes() / PAGE_SIZE;
	CHECK_EQ(left, ranges_frames(expect, ARRAY_SIZE(expect)));

	/* As at boot: all RAM is the hypervisor's until finish frees it. */
	page_alloc_init(table, TABLE_FRAMES);
	page_alloc_set_owner(16, 100, OWNER_HYPERVISOR);
	page_alloc_set_owner(150, 200, OWNER_HYPERVISOR);
	boot_alloc_finish();
	CHECK_EQ(page_alloc_free_frames(), left);
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), ram - left);
	CHECK_EQ(page_alloc_owned_frames(OWNER_NONE), TABLE_FRAMES - ram);
	for (mfn_t mfn = 0; mfn < TABLE_FRAMES; mfn++) {
		uint16_t owner = in_ranges(expect, ARRAY_SIZE(expect), mfn) ?
					 OWNER_FREE :
				 (mfn >= 16 && mfn < 100) ||
						 (mfn >= 150 && mfn < 200) ?
					 OWNER_HYPERVISOR :
					 OWNER_NONE;

		CHECK_EQ(table[mfn].owner, owner);
	}

	/* Retired: nothing more to allocate, and new RAM is ignored. */
	CHECK_EQ(boot_alloc_free_bytes(), 0);
	CHECK_EQ(boot_alloc_pages(1, 1, ~0ULL), 0);
	boot_alloc_add(PG(100), PG(150));
	CHECK_EQ(boot_alloc_free_bytes(), 0);
	CHECK_EQ(boot_alloc_pages(1, 1, ~0ULL), 0);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(add_shrinks_unaligned_edges),
		TEST_CASE(add_out_of_order),
		TEST_CASE(reserve_removes_whole_region),
		TEST_CASE(reserve_trims_edges),
		TEST_CASE(reserve_splits_region),
		TEST_CASE(reserve_spans_regions),
		TEST_CASE(reserve_widens_to_pages),
		TEST_CASE(reserve_up_to_top_of_address_space),
		TEST_CASE(add_near_top_of_address_space),
		TEST_CASE(alloc_from_top_of_highest_region),
		TEST_CASE(alloc_aligned),
		TEST_CASE(alloc_alignment_skips_to_lower_region),
		TEST_CASE(alloc_respects_limit),
		TEST_CASE(alloc_falls_back_to_lower_region),
		TEST_CASE(alloc_failure_changes_nothing),
		TEST_CASE(alloc_never_hands_out_address_zero),
		TEST_CASE(region_table_full_loses_ranges_safely),
		TEST_CASE(finish_hands_remaining_ranges),
	};

	return run_tests("boot_alloc", cases, ARRAY_SIZE(cases));
}
