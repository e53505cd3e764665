// SPDX-License-Identifier: MIT
/* Unit tests of the buddy allocator and frame ownership table. */
#include <stdlib.h>
#include <string.h>

#include <mica/errno.h>
#include <mica/page_alloc.h>
#include <asm/page.h>

#include "harness.h"

#define DOMAIN_ID 7 /* an ordinary (non-special) owner */

static struct page_info *table;
static uint64_t table_frames;

/* A fresh allocator over a zeroed frame table of 'frames' entries. */
static void setup(uint64_t frames)
{
	table = calloc(frames, sizeof(*table));
	CHECK(table != NULL);
	table_frames = frames;
	page_alloc_init(table, frames);
}

static void check_owner_range(mfn_t start, mfn_t end, uint16_t owner)
{
	for (mfn_t mfn = start; mfn < end; mfn++)
		if (table[mfn].owner != owner)
			test_fail(__FILE__, __LINE__,
				  "frame %llu owned by 0x%x, expected 0x%x",
				  (unsigned long long)mfn, table[mfn].owner,
				  owner);
}

static uint64_t count_owned(uint16_t owner)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < table_frames; i++)
		n += table[i].owner == owner;
	return n;
}

/* The allocator's counters agree with the owners recorded per frame. */
static void check_counters(void)
{
	CHECK_EQ(page_alloc_free_frames(), count_owned(OWNER_FREE));
	for (uint16_t o = OWNER_FIRST_SPECIAL;
	     o < OWNER_FIRST_SPECIAL + NR_SPECIAL_OWNERS; o++)
		CHECK_EQ(page_alloc_owned_frames(o), count_owned(o));
}

/* Everything observable about the allocator, to show a call changed nothing. */
struct snapshot {
	struct page_info *frames;
	uint64_t free, total, owned[NR_SPECIAL_OWNERS];
	int largest;
};

static void snapshot_take(struct snapshot *s)
{
	s->frames = malloc(table_frames * sizeof(*table));
	CHECK(s->frames != NULL);
	memcpy(s->frames, table, table_frames * sizeof(*table));
	s->free = page_alloc_free_frames();
	s->total = page_alloc_total_frames();
	for (unsigned int i = 0; i < NR_SPECIAL_OWNERS; i++)
		s->owned[i] = page_alloc_owned_frames(OWNER_FIRST_SPECIAL + i);
	s->largest = page_alloc_largest_free_order();
}

static void snapshot_check_unchanged(struct snapshot *s)
{
	CHECK(memcmp(s->frames, table, table_frames * sizeof(*table)) == 0);
	CHECK_EQ(page_alloc_free_frames(), s->free);
	CHECK_EQ(page_alloc_total_frames(), s->total);
	for (unsigned int i = 0; i < NR_SPECIAL_OWNERS; i++)
		CHECK_EQ(page_alloc_owned_frames(OWNER_FIRST_SPECIAL + i),
			 s->owned[i]);
	CHECK_INT(page_alloc_largest_free_order(), s->largest);
	free(s->frames);
}

/*
 * Takes every free frame one at a time and records which ones came out in
 * 'taken' (table_frames entries), then gives them all back.
 */
static uint64_t drain_order0(bool *taken)
{
	mfn_t *mfns = malloc(table_frames * sizeof(*mfns));
	struct page_info *pg;
	uint64_t n = 0;

	CHECK(mfns != NULL);
	memset(taken, 0, table_frames * sizeof(*taken));
	while ((pg = alloc_pages(0, OWNER_HYPERVISOR)) != NULL) {
		mfn_t mfn = page_to_mfn(pg);

		CHECK(mfn < table_frames);
		CHECK(!taken[mfn]);
		taken[mfn] = true;
		mfns[n++] = mfn;
	}
	CHECK_EQ(page_alloc_free_frames(), 0);
	for (uint64_t i = 0; i < n; i++)
		CHECK_INT(free_pages(mfn_to_page(mfns[i]), 0), 0);
	free(mfns);
	return n;
}

static void init_starts_with_no_ram(void)
{
	setup(256);
	CHECK_EQ(page_alloc_table_frames(), 256);
	CHECK_EQ(page_alloc_total_frames(), 0);
	CHECK_EQ(page_alloc_free_frames(), 0);
	CHECK_EQ(page_alloc_owned_frames(OWNER_NONE), 256);
	CHECK_EQ(page_alloc_owned_frames(OWNER_FREE), 0);
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), 0);
	CHECK_INT(page_alloc_largest_free_order(), -1);
	check_owner_range(0, 256, OWNER_NONE);
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		CHECK(alloc_pages(o, OWNER_HYPERVISOR) == NULL);
	check_counters();
}

static void add_free_odd_range(void)
{
	bool taken[1024];

	setup(1024);
	page_alloc_add_free(3, 1000);
	CHECK_EQ(page_alloc_total_frames(), 997);
	CHECK_EQ(page_alloc_free_frames(), 997);
	CHECK_EQ(page_alloc_owned_frames(OWNER_NONE), 27);
	check_owner_range(0, 3, OWNER_NONE);
	check_owner_range(3, 1000, OWNER_FREE);
	check_owner_range(1000, 1024, OWNER_NONE);
	check_counters();
	/* The best aligned blocks inside [3, 1000) are [256, 512), [512, 768). */
	CHECK_INT(page_alloc_largest_free_order(), 8);

	CHECK_EQ(drain_order0(taken), 997);
	for (unsigned int i = 0; i < 1024; i++)
		if (taken[i] != (i >= 3 && i < 1000))
			test_fail(__FILE__, __LINE__, "frame %u %s", i,
				  taken[i] ? "handed out but not RAM" :
					     "RAM but never handed out");

	/* Given back one by one, they coalesce into the same blocks. */
	CHECK_INT(page_alloc_largest_free_order(), 8);
	CHECK(page_to_mfn(alloc_pages(8, DOMAIN_ID)) % 256 == 0);
	CHECK(alloc_pages(8, DOMAIN_ID) != NULL);
	CHECK(alloc_pages(8, DOMAIN_ID) == NULL);
	check_counters();
}

static void add_free_clamps_and_ignores_empty(void)
{
	setup(1024);
	page_alloc_add_free(1000, 5000); /* clamped to the table */
	CHECK_EQ(page_alloc_free_frames(), 24);
	page_alloc_add_free(10, 10);
	page_alloc_add_free(20, 10);
	page_alloc_add_free(2000, 3000);
	CHECK_EQ(page_alloc_free_frames(), 24);
	CHECK_EQ(page_alloc_total_frames(), 24);
	check_owner_range(0, 1000, OWNER_NONE);
	check_owner_range(1000, 1024, OWNER_FREE);
	check_counters();
}

static void add_free_adjacent_ranges_coalesce(void)
{
	setup(1024);
	page_alloc_add_free(512, 1024);
	page_alloc_add_free(0, 512);
	CHECK_INT(page_alloc_largest_free_order(), 10);

	/* Single frames, added from the top down, build one block too. */
	setup(256);
	for (mfn_t mfn = 256; mfn-- > 0;)
		page_alloc_add_free(mfn, mfn + 1);
	CHECK_INT(page_alloc_largest_free_order(), 8);
	CHECK(alloc_pages(8, OWNER_HYPERVISOR) == mfn_to_page(0));
	CHECK_EQ(page_alloc_free_frames(), 0);
}

static void alloc_every_order(void)
{
	struct page_info *blocks[MAX_ORDER + 1];
	uint64_t frames = 1ULL << MAX_ORDER, expect_free = frames;

	setup(frames);
	page_alloc_add_free(0, frames);
	CHECK_INT(page_alloc_largest_free_order(), MAX_ORDER);

	CHECK(alloc_pages(MAX_ORDER + 1, OWNER_HYPERVISOR) == NULL);
	CHECK(alloc_pages(0, OWNER_FREE) == NULL);
	CHECK_EQ(page_alloc_free_frames(), frames);

	blocks[MAX_ORDER] = alloc_pages(MAX_ORDER, OWNER_HYPERVISOR);
	CHECK(blocks[MAX_ORDER] == mfn_to_page(0));
	CHECK_EQ(page_alloc_free_frames(), 0);
	check_owner_range(0, frames, OWNER_HYPERVISOR);
	CHECK_INT(free_pages(blocks[MAX_ORDER], MAX_ORDER), 0);
	CHECK_EQ(page_alloc_free_frames(), frames);

	for (unsigned int o = 0; o < MAX_ORDER; o++) {
		mfn_t mfn;

		blocks[o] = alloc_pages(o, OWNER_BOOT);
		CHECK(blocks[o] != NULL);
		mfn = page_to_mfn(blocks[o]);
		CHECK_EQ(mfn & ((1ULL << o) - 1), 0);
		check_owner_range(mfn, mfn + (1ULL << o), OWNER_BOOT);
		expect_free -= 1ULL << o;
		CHECK_EQ(page_alloc_free_frames(), expect_free);
	}
	/* 2^0 + ... + 2^19 frames taken: exactly one frame is left. */
	CHECK_EQ(page_alloc_free_frames(), 1);
	CHECK_EQ(page_alloc_owned_frames(OWNER_BOOT), frames - 1);
	CHECK(alloc_pages(1, OWNER_BOOT) == NULL);
	for (unsigned int o = MAX_ORDER; o-- > 0;)
		CHECK_INT(free_pages(blocks[o], o), 0);
	CHECK_INT(page_alloc_largest_free_order(), MAX_ORDER);
	check_counters();
}

static void alloc_blocks_naturally_aligned(void)
{
	uint64_t taken = 0;
	struct page_info *pg;

	setup(4096);
	page_alloc_add_free(1, 700);
	page_alloc_add_free(705, 2049);
	page_alloc_add_free(2050, 4000);
	test_random_seed(1);
	for (unsigned int tries = 0; tries < 20000; tries++) {
		unsigned int order = (unsigned int)test_random_below(9);
		mfn_t mfn;

		pg = alloc_pages(order, OWNER_HYPERVISOR);
		if (!pg)
			continue;
		mfn = page_to_mfn(pg);
		CHECK_EQ(mfn % (1ULL << order), 0);
		/* Inside one RAM range, never across a hole. */
		CHECK((mfn >= 1 && mfn + (1ULL << order) <= 700) ||
		      (mfn >= 705 && mfn + (1ULL << order) <= 2049) ||
		      (mfn >= 2050 && mfn + (1ULL << order) <= 4000));
		check_owner_range(mfn, mfn + (1ULL << order), OWNER_HYPERVISOR);
		taken += 1ULL << order;
	}
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), taken);
	check_counters();
}

static void exhaustion_returns_null(void)
{
	struct page_info **pages;
	uint64_t n = 0, total;

	setup(2048);
	page_alloc_add_free(5, 1500);
	page_alloc_add_free(1600, 2048);
	total = page_alloc_free_frames();
	pages = malloc((total + 1) * sizeof(*pages)); /* and the NULL */
	CHECK(pages != NULL);
	while ((pages[n] = alloc_pages(0, DOMAIN_ID)) != NULL) {
		n++;
		CHECK(n <= total);
	}
	CHECK_EQ(n, total);
	CHECK_EQ(page_alloc_free_frames(), 0);
	CHECK_INT(page_alloc_largest_free_order(), -1);
	for (unsigned int o = 0; o <= MAX_ORDER + 1; o++)
		CHECK(alloc_pages(o, OWNER_HYPERVISOR) == NULL);
	check_counters();

	/* Give back in a scrambled order: everything coalesces again. */
	test_random_seed(2);
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = test_random_below(i);
		struct page_info *tmp = pages[i - 1];

		pages[i - 1] = pages[j];
		pages[j] = tmp;
	}
	for (uint64_t i = 0; i < n; i++)
		CHECK_INT(free_pages(pages[i], 0), 0);
	CHECK_EQ(page_alloc_free_frames(), total);
	/* The largest aligned block inside the RAM is [512, 1024). */
	CHECK_INT(page_alloc_largest_free_order(), 9);
	check_counters();
	free(pages);
}

static void free_coalesces_to_largest_order(void)
{
	struct page_info *blocks[1024];
	unsigned int orders[1024], n = 0;

	setup(1024);
	page_alloc_add_free(0, 1024);
	test_random_seed(3);
	/* Mixed orders until nothing is left, then free in random order. */
	for (;;) {
		unsigned int order = (unsigned int)test_random_below(5);

		blocks[n] = alloc_pages(order, OWNER_HYPERVISOR);
		if (!blocks[n]) {
			if (page_alloc_free_frames() == 0)
				break;
			continue;
		}
		orders[n++] = order;
	}
	CHECK_INT(page_alloc_largest_free_order(), -1);
	while (n) {
		unsigned int i = (unsigned int)test_random_below(n);

		CHECK_INT(free_pages(blocks[i], orders[i]), 0);
		blocks[i] = blocks[n - 1];
		orders[i] = orders[--n];
	}
	CHECK_EQ(page_alloc_free_frames(), 1024);
	CHECK_INT(page_alloc_largest_free_order(), 10);
	CHECK(alloc_pages(10, OWNER_HYPERVISOR) == mfn_to_page(0));
	check_counters();
}

static void double_free_rejected(void)
{
	struct snapshot s;
	struct page_info *pg;

	setup(64);
	page_alloc_add_free(0, 64);
	pg = alloc_pages(2, DOMAIN_ID);
	CHECK(pg != NULL);
	CHECK(alloc_pages(0, DOMAIN_ID) != NULL); /* keep the buddy busy */
	CHECK_INT(free_pages(pg, 2), 0);
	snapshot_take(&s);
	CHECK_INT(free_pages(pg, 2), -EINVAL);
	CHECK_INT(free_pages(pg, 0), -EINVAL);
	CHECK_INT(free_pages(pg + 3, 0), -EINVAL);
	snapshot_check_unchanged(&s);
	check_counters();
}

static void misaligned_free_rejected(void)
{
	struct snapshot s;
	struct page_info *pg;

	setup(64);
	page_alloc_add_free(0, 64);
	pg = alloc_pages(3, OWNER_HYPERVISOR);
	CHECK(pg != NULL);
	snapshot_take(&s);
	CHECK_INT(free_pages(pg + 1, 3), -EINVAL);
	CHECK_INT(free_pages(pg + 2, 2), -EINVAL);
	CHECK_INT(free_pages(pg + 4, 3), -EINVAL);
	CHECK_INT(free_pages(pg, MAX_ORDER + 1), -EINVAL);
	snapshot_check_unchanged(&s);
	CHECK_INT(free_pages(pg, 3), 0);
	CHECK_EQ(page_alloc_free_frames(), 64);
}

static void free_outside_table_rejected(void)
{
	struct snapshot s;

	setup(1000);
	page_alloc_add_free(0, 1000);
	CHECK(alloc_pages(9, OWNER_HYPERVISOR) != NULL);
	CHECK(alloc_pages(8, OWNER_HYPERVISOR) != NULL);
	snapshot_take(&s);
	CHECK_INT(free_pages(mfn_to_page(1000), 0), -EINVAL);
	/* Aligned, but the block would run past the last frame. */
	CHECK_INT(free_pages(mfn_to_page(512), 9), -EINVAL);
	CHECK_INT(free_pages(mfn_to_page(0), 10), -EINVAL);
	snapshot_check_unchanged(&s);
}

static void free_non_ram_rejected(void)
{
	struct snapshot s;
	struct page_info *pg;

	setup(64);
	page_alloc_add_free(16, 32);
	snapshot_take(&s);
	CHECK_INT(free_pages(mfn_to_page(0), 0), -EINVAL);
	CHECK_INT(free_pages(mfn_to_page(32), 4), -EINVAL);
	snapshot_check_unchanged(&s);

	/* A block that is partly free is refused as a whole. */
	pg = alloc_pages(0, OWNER_HYPERVISOR);
	CHECK(pg != NULL);
	snapshot_take(&s);
	CHECK_INT(free_pages(mfn_to_page(page_to_mfn(pg) & ~1ULL), 1), -EINVAL);
	/* And a block straddling RAM and non-RAM. */
	CHECK_INT(free_pages(mfn_to_page(0), 5), -EINVAL);
	snapshot_check_unchanged(&s);
	CHECK_INT(free_pages(pg, 0), 0);
	CHECK_EQ(page_alloc_free_frames(), 16);
}

static void owner_accounting(void)
{
	struct page_info *hv, *boot, *dom;
	uint64_t none;

	setup(512);
	page_alloc_add_free(0, 400);
	none = page_alloc_owned_frames(OWNER_NONE);
	CHECK_EQ(none, 112);

	hv = alloc_pages(3, OWNER_HYPERVISOR);
	boot = alloc_pages(1, OWNER_BOOT);
	dom = alloc_pages(2, DOMAIN_ID);
	CHECK(hv && boot && dom);
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), 8);
	CHECK_EQ(page_alloc_owned_frames(OWNER_BOOT), 2);
	CHECK_EQ(page_alloc_owned_frames(OWNER_FREE), 400 - 14);
	CHECK_EQ(page_alloc_free_frames(), 400 - 14);
	CHECK_EQ(page_alloc_owned_frames(OWNER_NONE), none);
	/* Domains account for their own frames: not a special owner. */
	CHECK_EQ(page_alloc_owned_frames(DOMAIN_ID), 0);
	CHECK_EQ(page_alloc_owned_frames(OWNER_FIRST_SPECIAL +
					 NR_SPECIAL_OWNERS),
		 0);
	CHECK_EQ(count_owned(DOMAIN_ID), 4);
	check_counters();

	CHECK_INT(free_pages(dom, 2), 0);
	CHECK_INT(free_pages(boot, 1), 0);
	CHECK_INT(free_pages(hv, 3), 0);
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), 0);
	CHECK_EQ(page_alloc_owned_frames(OWNER_BOOT), 0);
	CHECK_EQ(page_alloc_free_frames(), 400);
	CHECK_EQ(page_alloc_total_frames(), 400);
	check_counters();
}

static void set_owner_moves_accounting(void)
{
	setup(256);
	page_alloc_set_owner(0, 100, OWNER_HYPERVISOR);
	page_alloc_set_owner(50, 150, OWNER_BOOT);
	page_alloc_set_owner(200, 1000, DOMAIN_ID); /* clamped */
	page_alloc_set_owner(10, 10, OWNER_BOOT);
	page_alloc_set_owner(30, 20, OWNER_BOOT);
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), 50);
	CHECK_EQ(page_alloc_owned_frames(OWNER_BOOT), 100);
	CHECK_EQ(page_alloc_owned_frames(OWNER_NONE), 50);
	check_owner_range(0, 50, OWNER_HYPERVISOR);
	check_owner_range(50, 150, OWNER_BOOT);
	check_owner_range(150, 200, OWNER_NONE);
	check_owner_range(200, 256, DOMAIN_ID);
	check_counters();
	CHECK_EQ(page_alloc_free_frames(), 0);

	/* Boot: RAM first belongs to the hypervisor, then what is left of it
	 * is given to the allocator. */
	setup(256);
	page_alloc_set_owner(0, 256, OWNER_HYPERVISOR);
	page_alloc_add_free(64, 256);
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), 64);
	CHECK_EQ(page_alloc_free_frames(), 192);
	CHECK_EQ(page_alloc_owned_frames(OWNER_NONE), 0);
	check_counters();
}

static void page_virt_round_trip(void)
{
	setup(64);
	test_memory_init(64);
	for (mfn_t mfn = 0; mfn < 64; mfn++) {
		struct page_info *pg = mfn_to_page(mfn);

		CHECK(pg == &table[mfn]);
		CHECK_EQ(page_to_mfn(pg), mfn);
		CHECK(page_to_virt(pg) == test_memory + mfn * PAGE_SIZE);
		CHECK(virt_to_page(test_memory + mfn * PAGE_SIZE + 123) == pg);
	}
}

/*
 * Random allocations and frees against a model: one bit per frame for
 * "handed out", plus the live blocks.  No frame is ever handed out twice,
 * and the allocator's counters always agree with the model.
 */
#define STRESS_FRAMES 4096
#define STRESS_STEPS 200000

struct live_block {
	struct page_info *pg;
	unsigned int order;
	uint16_t owner;
};

static bool stress_is_ram(mfn_t mfn)
{
	return (mfn >= 1 && mfn < 700) || (mfn >= 705 && mfn < 2049) ||
	       (mfn >= 2050 && mfn < 4000);
}

static void random_stress_against_model(void)
{
	static const uint16_t owners[] = { OWNER_HYPERVISOR, OWNER_BOOT, 1, 2 };
	static struct live_block live[STRESS_FRAMES];
	static bool used[STRESS_FRAMES];
	uint64_t ram = 0, used_frames = 0,
		 owned_model[NR_SPECIAL_OWNERS] = { 0 };
	unsigned int nr_live = 0;
	int largest;

	setup(STRESS_FRAMES);
	page_alloc_add_free(1, 700);
	page_alloc_add_free(705, 2049);
	page_alloc_add_free(2050, 4000);
	for (mfn_t mfn = 0; mfn < STRESS_FRAMES; mfn++)
		ram += stress_is_ram(mfn);
	CHECK_EQ(page_alloc_total_frames(), ram);
	largest = page_alloc_largest_free_order();

	test_random_seed(4);
	for (unsigned int step = 0; step < STRESS_STEPS; step++) {
		/* Lean towards allocating, so memory often runs out. */
		if (nr_live == 0 || test_random_below(100) < 55) {
			unsigned int order = (unsigned int)test_random_below(7);
			uint16_t owner = owners[test_random_below(4)];
			struct page_info *pg = alloc_pages(order, owner);
			mfn_t mfn;

			if (!pg) {
				/* Only when no free block is large enough. */
				CHECK(page_alloc_largest_free_order() <
				      (int)order);
				continue;
			}
			mfn = page_to_mfn(pg);
			CHECK_EQ(mfn % (1ULL << order), 0);
			for (mfn_t i = mfn; i < mfn + (1ULL << order); i++) {
				if (i >= STRESS_FRAMES || !stress_is_ram(i) ||
				    used[i])
					test_fail(__FILE__, __LINE__,
						  "step %u: frame %llu handed "
						  "out while %s",
						  step, (unsigned long long)i,
						  used[i] ? "in use" :
							    "not RAM");
				CHECK_EQ(table[i].owner, owner);
				used[i] = true;
			}
			used_frames += 1ULL << order;
			if (owner >= OWNER_FIRST_SPECIAL)
				owned_model[owner - OWNER_FIRST_SPECIAL] +=
					1ULL << order;
			live[nr_live++] =
				(struct live_block){ pg, order, owner };
		} else {
			unsigned int i =
				(unsigned int)test_random_below(nr_live);
			struct live_block b = live[i];
			mfn_t mfn = page_to_mfn(b.pg);

			CHECK_INT(free_pages(b.pg, b.order), 0);
			for (mfn_t f = mfn; f < mfn + (1ULL << b.order); f++)
				used[f] = false;
			used_frames -= 1ULL << b.order;
			if (b.owner >= OWNER_FIRST_SPECIAL)
				owned_model[b.owner - OWNER_FIRST_SPECIAL] -=
					1ULL << b.order;
			live[i] = live[--nr_live];
			/* Now free: a second free must be refused. */
			if (test_random_below(16) == 0)
				CHECK_INT(free_pages(b.pg, b.order), -EINVAL);
		}
		CHECK_EQ(page_alloc_free_frames(), ram - used_frames);
		CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR),
			 owned_model[OWNER_HYPERVISOR - OWNER_FIRST_SPECIAL]);
		CHECK_EQ(page_alloc_owned_frames(OWNER_BOOT),
			 owned_model[OWNER_BOOT - OWNER_FIRST_SPECIAL]);
		if (step % 4096 == 0) {
			check_counters();
			for (mfn_t f = 0; f < STRESS_FRAMES; f++)
				if (stress_is_ram(f) && !used[f])
					CHECK_EQ(table[f].owner, OWNER_FREE);
		}
	}
	while (nr_live) {
		struct live_block b = live[--nr_live];

		CHECK_INT(free_pages(b.pg, b.order), 0);
	}
	CHECK_EQ(page_alloc_free_frames(), ram);
	CHECK_INT(page_alloc_largest_free_order(), largest);
	check_counters();
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(init_starts_with_no_ram),
		TEST_CASE(add_free_odd_range),
		TEST_CASE(add_free_clamps_and_ignores_empty),
		TEST_CASE(add_free_adjacent_ranges_coalesce),
		TEST_CASE(alloc_every_order),
		TEST_CASE(alloc_blocks_naturally_aligned),
		TEST_CASE(exhaustion_returns_null),
		TEST_CASE(free_coalesces_to_largest_order),
		TEST_CASE(double_free_rejected),
		TEST_CASE(misaligned_free_rejected),
		TEST_CASE(free_outside_table_rejected),
		TEST_CASE(free_non_ram_rejected),
		TEST_CASE(owner_accounting),
		TEST_CASE(set_owner_moves_accounting),
		TEST_CASE(page_virt_round_trip),
		TEST_CASE(random_stress_against_model),
	};

	return run_tests("page_alloc", cases, ARRAY_SIZE(cases));
}
