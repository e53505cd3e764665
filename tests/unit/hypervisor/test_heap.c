// SPDX-License-Identifier: MIT
/* Unit tests of the hypervisor heap (xmalloc and friends) over page_alloc. */
#include <stdlib.h>
#include <string.h>

#include <mica/heap.h>
#include <mica/page_alloc.h>
#include <asm/page.h>

#include "harness.h"

/* A fresh page allocator whose 'frames' frames are all free heap memory. */
static void setup(uint64_t frames)
{
	struct page_info *table = calloc(frames, sizeof(*table));

	CHECK(table != NULL);
	test_memory_init(frames);
	page_alloc_init(table, frames);
	page_alloc_add_free(0, frames);
	CHECK_EQ(heap_bytes_in_use(), 0);
}

static bool in_test_memory(const void *p, size_t size)
{
	const unsigned char *c = p;

	return c >= test_memory && size <= test_memory_size &&
	       (uint64_t)(c - test_memory) <= test_memory_size - size;
}

static void size_classes(void)
{
	static const struct {
		size_t size, bytes; /* asked, then accounted */
	} classes[] = {
		{ 0, 16 },	  { 1, 16 },	  { 16, 16 },
		{ 17, 32 },	  { 32, 32 },	  { 33, 64 },
		{ 100, 128 },	  { 1000, 1024 }, { 1024, 1024 },
		{ 1025, 2048 },	  { 2048, 2048 }, { 2049, 4096 },
		{ 4096, 4096 },	  { 4097, 8192 }, { 12289, 16384 },
		{ 65536, 65536 },
	};

	setup(256);
	for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
		void *p = xmalloc(classes[i].size);

		CHECK(p != NULL);
		CHECK(in_test_memory(p, classes[i].bytes));
		CHECK_EQ(heap_bytes_in_use(), classes[i].bytes);
		xfree(p);
		CHECK_EQ(heap_bytes_in_use(), 0);
	}
}

static void alignment(void)
{
	static void *held[600];
	size_t n = 0;

	setup(2048);
	for (size_t size = 1; size <= 9000; size += size < 64 ? 1 : 37) {
		void *p = xmalloc(size);

		CHECK(p != NULL);
		CHECK_EQ((uintptr_t)p % 16, 0);
		if (size >= PAGE_SIZE)
			CHECK_EQ((uintptr_t)p % PAGE_SIZE, 0);
		CHECK(n < ARRAY_SIZE(held));
		held[n++] = p; /* kept, so every class hands out several */
	}
	while (n)
		xfree(held[--n]);
	CHECK_EQ(heap_bytes_in_use(), 0);
}

/*
 * Many live objects of mixed sizes, each filled with its own pattern:
 * no two overlap, and no allocation or free disturbs another's bytes.
 */
#define LIVE_MAX 1500

struct object {
	unsigned char *p;
	size_t size;
	unsigned char pattern;
};

static void check_patterns(const struct object *objs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t b = 0; b < objs[i].size; b++)
			if (objs[i].p[b] != objs[i].pattern)
				test_fail(__FILE__, __LINE__,
					  "object %zu (%zu bytes at %p): byte "
					  "%zu is 0x%02x, expected 0x%02x",
					  i, objs[i].size, (void *)objs[i].p, b,
					  objs[i].p[b], objs[i].pattern);
}

static int compare_objects(const void *a, const void *b)
{
	const struct object *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

static void check_no_overlap(struct object *objs, size_t n)
{
	qsort(objs, n, sizeof(*objs), compare_objects);
	for (size_t i = 0; i + 1 < n; i++)
		if (objs[i].p + objs[i].size > objs[i + 1].p)
			test_fail(__FILE__, __LINE__,
				  "%zu bytes at %p overlap %zu bytes at %p",
				  objs[i].size, (void *)objs[i].p,
				  objs[i + 1].size, (void *)objs[i + 1].p);
}

static size_t random_size(void)
{
	switch (test_random_below(8)) {
	case 0:
		return 2049 + test_random_below(30000); /* large */
	case 1:
		return 1 + test_random_below(2048);
	default:
		return 1 + test_random_below(200);
	}
}

static void no_overlap_with_patterns(void)
{
	static struct object objs[LIVE_MAX];
	size_t n = 0;

	setup(4096);
	test_random_seed(5);
	for (unsigned int round = 0; round < 6; round++) {
		/* Fill up to LIVE_MAX objects... */
		while (n < LIVE_MAX) {
			size_t size = random_size();
			unsigned char *p = xmalloc(size);

			CHECK(p != NULL);
			CHECK(in_test_memory(p, size));
			objs[n].p = p;
			objs[n].size = size;
			objs[n].pattern = (unsigned char)(n * 7 + round + 1);
			memset(p, objs[n].pattern, size);
			n++;
		}
		check_patterns(objs, n);
		check_no_overlap(objs, n);
		/* ...then free a random half. */
		for (size_t left = n / 2; left; left--) {
			size_t i = test_random_below(n);

			xfree(objs[i].p);
			objs[i] = objs[--n];
		}
		check_patterns(objs, n);
	}
	while (n)
		xfree(objs[--n].p);
	CHECK_EQ(heap_bytes_in_use(), 0);
}

static void reuse_after_free(void)
{
	static void *held[1000];
	uint64_t frames_before, frames_used;

	setup(256);
	frames_before = page_alloc_free_frames();
	for (size_t i = 0; i < ARRAY_SIZE(held); i++)
		CHECK((held[i] = xmalloc(64)) != NULL);
	frames_used = frames_before - page_alloc_free_frames();
	CHECK_EQ(frames_used, 1000 * 64 / PAGE_SIZE + 1);
	for (size_t i = 0; i < ARRAY_SIZE(held); i++)
		xfree(held[i]);
	CHECK_EQ(heap_bytes_in_use(), 0);
	/* The same objects again: served from the freed ones, no new pages. */
	for (size_t i = 0; i < ARRAY_SIZE(held); i++)
		CHECK((held[i] = xmalloc(50)) != NULL);
	CHECK_EQ(frames_before - page_alloc_free_frames(), frames_used);
	for (size_t i = 0; i < ARRAY_SIZE(held); i++)
		xfree(held[i]);

	/* Large blocks go back to the page allocator. */
	held[0] = xmalloc(20000);
	CHECK(held[0] != NULL);
	CHECK_EQ(frames_before - page_alloc_free_frames(), frames_used + 8);
	xfree(held[0]);
	CHECK_EQ(frames_before - page_alloc_free_frames(), frames_used);
	CHECK_EQ(heap_bytes_in_use(), 0);
}

static void large_allocations(void)
{
	uint64_t free_before, hv_before;
	unsigned char *p;

	setup(512);
	free_before = page_alloc_free_frames();
	hv_before = page_alloc_owned_frames(OWNER_HYPERVISOR);
	p = xmalloc(3 * PAGE_SIZE + 1); /* order 2 */
	CHECK(p != NULL);
	CHECK_EQ((uintptr_t)p % PAGE_SIZE, 0);
	CHECK(in_test_memory(p, 4 * PAGE_SIZE));
	CHECK_EQ(heap_bytes_in_use(), 4 * PAGE_SIZE);
	CHECK_EQ(page_alloc_free_frames(), free_before - 4);
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), hv_before + 4);
	for (mfn_t i = 0; i < 4; i++)
		CHECK_EQ(virt_to_page(p + i * PAGE_SIZE)->owner,
			 OWNER_HYPERVISOR);
	memset(p, 0xa5, 4 * PAGE_SIZE);
	xfree(p);
	CHECK_EQ(page_alloc_free_frames(), free_before);
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), hv_before);
	CHECK_EQ(heap_bytes_in_use(), 0);

	/* The whole of memory in one block. */
	p = xmalloc(512 * PAGE_SIZE);
	CHECK(p == test_memory);
	CHECK_EQ(page_alloc_free_frames(), 0);
	xfree(p);

	/* Larger than any block the allocator can hold, or just too large. */
	CHECK(xmalloc((PAGE_SIZE << MAX_ORDER) + 1) == NULL);
	CHECK(xmalloc(SIZE_MAX) == NULL);
	CHECK(xmalloc(SIZE_MAX / 2) == NULL);
	CHECK(xmalloc(PAGE_SIZE << MAX_ORDER) == NULL);
	CHECK(xmalloc(513 * PAGE_SIZE) == NULL);
	CHECK_EQ(page_alloc_free_frames(), free_before);
	CHECK_EQ(heap_bytes_in_use(), 0);
}

static void small_objects_owned_by_hypervisor(void)
{
	unsigned char *p;

	setup(16);
	p = xmalloc(40);
	CHECK(p != NULL);
	CHECK_EQ(page_alloc_owned_frames(OWNER_HYPERVISOR), 1);
	CHECK_EQ(virt_to_page(p)->owner, OWNER_HYPERVISOR);
	CHECK_EQ(page_alloc_free_frames(), 15);
	xfree(p);
	CHECK_EQ(heap_bytes_in_use(), 0);
}

static void exhaustion_returns_null(void)
{
	static void *held[80];
	size_t n = 0;

	setup(32);
	while ((held[n] = xmalloc(PAGE_SIZE)) != NULL)
		CHECK(++n < ARRAY_SIZE(held));
	CHECK_EQ(n, 32);
	CHECK_EQ(page_alloc_free_frames(), 0);
	/* No class has a free object and no page is left to carve. */
	CHECK(xmalloc(16) == NULL);
	CHECK(xzalloc(2048) == NULL);
	CHECK(xmalloc(2 * PAGE_SIZE) == NULL);
	CHECK_EQ(heap_bytes_in_use(), 32 * PAGE_SIZE);
	while (n)
		xfree(held[--n]);
	CHECK_EQ(heap_bytes_in_use(), 0);

	/* Small objects only: two 2 KiB objects per page. */
	while ((held[n] = xmalloc(2048)) != NULL)
		CHECK(++n < ARRAY_SIZE(held));
	CHECK_EQ(n, 64);
	CHECK(xmalloc(1) == NULL);
	while (n)
		xfree(held[--n]);
	CHECK_EQ(heap_bytes_in_use(), 0);
	CHECK((held[0] = xmalloc(2048)) != NULL);
	xfree(held[0]);
}

static void xfree_null_is_harmless(void)
{
	void *p;

	setup(16);
	p = xmalloc(100);
	CHECK(p != NULL);
	xfree(NULL);
	CHECK_EQ(heap_bytes_in_use(), 128);
	CHECK_EQ(page_alloc_free_frames(), 15);
	xfree(p);
	CHECK_EQ(heap_bytes_in_use(), 0);
}

static void xzalloc_zeroes(void)
{
	static const size_t sizes[] = { 1, 24, 100, 2048, 3000, 10000 };

	setup(64);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *p = xmalloc(sizes[i]);

		CHECK(p != NULL);
		memset(p, 0xff, sizes[i]);
		xfree(p);
		/* Most likely the same bytes again; zero either way. */
		p = xzalloc(sizes[i]);
		CHECK(p != NULL);
		for (size_t b = 0; b < sizes[i]; b++)
			CHECK_EQ(p[b], 0);
		xfree(p);
	}
	CHECK_EQ(heap_bytes_in_use(), 0);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(size_classes),
		TEST_CASE(alignment),
		TEST_CASE(no_overlap_with_patterns),
		TEST_CASE(reuse_after_free),
		TEST_CASE(large_allocations),
		TEST_CASE(small_objects_owned_by_hypervisor),
		TEST_CASE(exhaustion_returns_null),
		TEST_CASE(xfree_null_is_harmless),
		TEST_CASE(xzalloc_zeroes),
	};

	return run_tests("heap", cases, ARRAY_SIZE(cases));
}
