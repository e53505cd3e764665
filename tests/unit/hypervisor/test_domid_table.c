// SPDX-License-Identifier: MIT
/*
 * Unit tests of the tables and bitmaps indexed by domain id
 * (common/domid_table.c): lowest-free allocation, explicit ids, walks in
 * id order, the two-level table across its pages and at the range's ends.
 */
#include <stdlib.h>

#include <mica/errno.h>
#include <mica/domid_table.h>
#include <mica/heap.h>

#include "harness.h"

/* domid_table.c allocates from the hypervisor heap: the host's stands in. */
static unsigned int allocations;

void *xzalloc(size_t size)
{
	allocations++;
	return calloc(1, size);
}

void xfree(void *p)
{
	free(p);
}

static struct domid_bitmap bitmap;
static struct domid_table table;

static void test_alloc_lowest_free(void)
{
	for (unsigned int i = 0; i < 130; i++)
		CHECK_EQ(domid_bitmap_alloc(&bitmap), i);
	domid_bitmap_release(&bitmap, 5);
	domid_bitmap_release(&bitmap, 64);
	CHECK_EQ(domid_bitmap_alloc(&bitmap), 5);
	CHECK_EQ(domid_bitmap_alloc(&bitmap), 64);
	CHECK_EQ(domid_bitmap_alloc(&bitmap), 130);
}

static void test_alloc_full(void)
{
	for (unsigned int i = 0; i < MAX_DOMAINS; i++)
		CHECK_EQ(domid_bitmap_alloc(&bitmap), i);
	/* The last word is partly beyond the range: never handed out. */
	CHECK_EQ(domid_bitmap_alloc(&bitmap), MAX_DOMAINS);
	domid_bitmap_release(&bitmap, MAX_DOMAINS - 1);
	CHECK_EQ(domid_bitmap_alloc(&bitmap), MAX_DOMAINS - 1);
}

static void test_take(void)
{
	CHECK(domid_bitmap_take(&bitmap, 7));
	CHECK(!domid_bitmap_take(&bitmap, 7));
	CHECK(!domid_bitmap_take(&bitmap, MAX_DOMAINS));
	CHECK(!domid_bitmap_take(&bitmap, 0xffff));
	CHECK(domid_bitmap_take(&bitmap, MAX_DOMAINS - 1));
	CHECK_EQ(domid_bitmap_alloc(&bitmap), 0);
	domid_bitmap_release(&bitmap, MAX_DOMAINS + 5); /* ignored */
}

static void test_next(void)
{
	static const unsigned int ids[] = { 0,	 3,    63,   64,
					    200, 4095, 4096, MAX_DOMAINS - 1 };
	unsigned int id, n = 0;

	CHECK_EQ(domid_bitmap_next(&bitmap, 0), MAX_DOMAINS);
	for (unsigned int i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		CHECK(domid_bitmap_take(&bitmap, ids[i]));
	for (id = domid_bitmap_next(&bitmap, 0); id < MAX_DOMAINS;
	     id = domid_bitmap_next(&bitmap, id + 1))
		CHECK_EQ(id, ids[n++]);
	CHECK_EQ(n, sizeof(ids) / sizeof(ids[0]));
	CHECK_EQ(domid_bitmap_next(&bitmap, 65), 200);
	CHECK_EQ(domid_bitmap_next(&bitmap, MAX_DOMAINS), MAX_DOMAINS);
	CHECK_EQ(domid_bitmap_next(&bitmap, 0xffff), MAX_DOMAINS);
}

static void test_table(void)
{
	struct domain *a = (struct domain *)0x1000,
		      *b = (struct domain *)0x2000;

	CHECK(!domid_table_get(&table, 0));
	CHECK(!domid_table_get(&table, MAX_DOMAINS - 1));
	/* Clearing an entry of a page that does not exist allocates nothing. */
	CHECK_EQ(domid_table_set(&table, 3000, NULL), 0);
	CHECK_EQ(allocations, 0);
	CHECK_EQ(domid_table_set(&table, 1, a), 0);
	CHECK_EQ(domid_table_set(&table, DOMID_TABLE_PER_PAGE - 1, b), 0);
	CHECK_EQ(allocations, 1); /* one page for both */
	CHECK_EQ(domid_table_set(&table, MAX_DOMAINS - 1, b), 0);
	CHECK_EQ(allocations, 2);
	CHECK(domid_table_get(&table, 1) == a);
	CHECK(domid_table_get(&table, DOMID_TABLE_PER_PAGE - 1) == b);
	CHECK(!domid_table_get(&table, DOMID_TABLE_PER_PAGE));
	CHECK(domid_table_get(&table, MAX_DOMAINS - 1) == b);
	CHECK(!domid_table_get(&table, MAX_DOMAINS));
	CHECK(!domid_table_get(&table, 0xffff));
	CHECK_EQ(domid_table_set(&table, MAX_DOMAINS, a), -EINVAL);
	CHECK_EQ(domid_table_set(&table, 1, NULL), 0);
	CHECK(!domid_table_get(&table, 1));
	CHECK_EQ(allocations, 2);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_alloc_lowest_free),
		TEST_CASE(test_alloc_full),
		TEST_CASE(test_take),
		TEST_CASE(test_next),
		TEST_CASE(test_table),
	};

	return run_tests("domid_table", cases,
			 sizeof(cases) / sizeof(cases[0]));
}
