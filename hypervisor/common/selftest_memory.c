/* SPDX-License-Identifier: MIT */
/* Self-tests of the frame allocator and the heap on the real machine. */
#include <mica/boot.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/selftest.h>
#include <asm/page.h>

/* Allocated blocks are chained through their own first bytes. */
struct chain {
	struct chain *next;
	unsigned int order;
	uint64_t mfn; /* checked on the way back: the block was ours alone */
};

static void free_chain(struct chain *c)
{
	while (c) {
		struct chain *next = c->next;

		free_pages(virt_to_page(c), c->order);
		c = next;
	}
}

/* Takes every free frame, one at a time, then gives them all back. */
static int test_alloc_exhaustion(void)
{
	uint64_t free_before = page_alloc_free_frames(), n = 0;
	int order_before = page_alloc_largest_free_order();
	struct chain *head = NULL, *c;
	struct page_info *pg;

	while ((pg = alloc_pages(0, OWNER_HYPERVISOR)) != NULL) {
		if (pg->owner != OWNER_HYPERVISOR) {
			selftest_fail("frame %lu not owned after alloc",
				      page_to_mfn(pg));
			return -EINVAL;
		}
		c = page_to_virt(pg);
		c->next = head;
		c->order = 0;
		c->mfn = page_to_mfn(pg);
		head = c;
		n++;
	}
	if (n != free_before || page_alloc_free_frames() != 0) {
		selftest_fail("took %lu frames of %lu free", n, free_before);
		free_chain(head);
		return -EINVAL;
	}
	/* Exhausted: every order fails cleanly, the heap too. */
	if (alloc_pages(0, OWNER_HYPERVISOR) ||
	    alloc_pages(5, OWNER_HYPERVISOR) || xmalloc(64 * 1024)) {
		selftest_fail("allocation succeeded with no memory free");
		free_chain(head);
		return -EINVAL;
	}
	for (c = head; c; c = c->next) {
		if (c->mfn != page_to_mfn(virt_to_page(c))) {
			selftest_fail("frame %lu was overwritten", c->mfn);
			free_chain(head);
			return -EINVAL;
		}
	}
	free_chain(head);
	if (page_alloc_free_frames() != free_before ||
	    page_alloc_largest_free_order() != order_before) {
		selftest_fail(
			"after freeing: %lu free (was %lu), largest order "
			"%d (was %d)",
			page_alloc_free_frames(), free_before,
			page_alloc_largest_free_order(), order_before);
		return -EINVAL;
	}
	return 0;
}
SELFTEST(alloc_exhaustion, test_alloc_exhaustion);

/* Mixed orders in a pseudo-random pattern; blocks must be aligned. */
static int test_alloc_mixed_orders(void)
{
	uint64_t free_before = page_alloc_free_frames();
	uint32_t seed = 12345;
	struct chain *head = NULL;
	int rc = 0;

	for (unsigned int i = 0; i < 2000; i++) {
		unsigned int order;
		struct page_info *pg;
		struct chain *c;

		seed = seed * 1103515245 + 12345;
		order = (seed >> 16) % 9;
		pg = alloc_pages(order, OWNER_HYPERVISOR);
		if (!pg)
			break;
		if (page_to_mfn(pg) & ((1ULL << order) - 1)) {
			selftest_fail("order-%u block at unaligned frame %lu",
				      order, page_to_mfn(pg));
			rc = -EINVAL;
		}
		c = page_to_virt(pg);
		c->order = order;
		c->mfn = page_to_mfn(pg);
		/* Free roughly every third block at once: fragmentation. */
		if ((seed >> 8) % 3 == 0) {
			free_pages(pg, order);
			continue;
		}
		c->next = head;
		head = c;
	}
	free_chain(head);
	if (!rc && page_alloc_free_frames() != free_before) {
		selftest_fail("%lu frames free after, %lu before",
			      page_alloc_free_frames(), free_before);
		rc = -EINVAL;
	}
	return rc;
}
SELFTEST(alloc_mixed_orders, test_alloc_mixed_orders);

static int test_alloc_bad_free(void)
{
	struct page_info *pg = alloc_pages(1, OWNER_HYPERVISOR);
	uint64_t free_before;

	if (!pg)
		return -ENOMEM;
	if (free_pages(pg + 1, 1) != -EINVAL) {
		selftest_fail("misaligned free accepted");
		return -EINVAL;
	}
	if (free_pages(pg, 1)) {
		selftest_fail("valid free refused");
		return -EINVAL;
	}
	free_before = page_alloc_free_frames();
	if (free_pages(pg, 1) != -EINVAL ||
	    page_alloc_free_frames() != free_before) {
		selftest_fail("double free accepted");
		return -EINVAL;
	}
	return 0;
}
SELFTEST(alloc_bad_free, test_alloc_bad_free);

static int test_heap_patterns(void)
{
	static const size_t sizes[] = { 1,    16,   17,	  100,	 512,
					2048, 2049, 4096, 10000, 300000 };
	uint64_t in_use = heap_bytes_in_use();
	unsigned char *p[ARRAY_SIZE(sizes) * 8];

	for (unsigned int i = 0; i < ARRAY_SIZE(p); i++) {
		size_t size = sizes[i % ARRAY_SIZE(sizes)];

		p[i] = xmalloc(size);
		if (!p[i]) {
			selftest_fail("xmalloc(%lu) failed", size);
			return -ENOMEM;
		}
		if ((uintptr_t)p[i] & 15) {
			selftest_fail("xmalloc(%lu) misaligned", size);
			return -EINVAL;
		}
		memset(p[i], (int)i, size);
	}
	/* Every object still holds its own pattern: nothing overlaps. */
	for (unsigned int i = 0; i < ARRAY_SIZE(p); i++) {
		size_t size = sizes[i % ARRAY_SIZE(sizes)];

		for (size_t j = 0; j < size; j++) {
			if (p[i][j] != (unsigned char)i) {
				selftest_fail("object %u byte %lu overwritten",
					      i, j);
				return -EINVAL;
			}
		}
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(p); i++)
		xfree(p[i]);
	if (heap_bytes_in_use() != in_use) {
		selftest_fail("heap use %lu after, %lu before",
			      heap_bytes_in_use(), in_use);
		return -EINVAL;
	}
	if (xmalloc(~(size_t)0) != NULL) {
		selftest_fail("impossible xmalloc succeeded");
		return -EINVAL;
	}
	return 0;
}
SELFTEST(heap_patterns, test_heap_patterns);

/*
 * Boot modules (the future dom0 kernel and initrd) must survive boot: their
 * frames belong to OWNER_BOOT, never to the free pool.  A module whose
 * command line says "magic=XXXX" must also start with those bytes.
 */
static int test_boot_modules_reserved(void)
{
	if (!boot_info.nr_modules) {
		selftest_fail("no boot modules given");
		return SELFTEST_SKIP;
	}
	for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		const char *magic = strstr(m->cmdline, "magic=");

		for (paddr_t pa = ALIGN_DOWN(m->start, (paddr_t)PAGE_SIZE);
		     pa < m->end; pa += PAGE_SIZE) {
			if (mfn_to_page(pa >> PAGE_SHIFT)->owner !=
			    OWNER_BOOT) {
				selftest_fail(
					"module %u frame %lx owner %x", i,
					pa >> PAGE_SHIFT,
					mfn_to_page(pa >> PAGE_SHIFT)->owner);
				return -EINVAL;
			}
		}
		if (magic) {
			size_t len = strcspn(magic + 6, " ");

			if (m->end - m->start < len ||
			    memcmp(maddr_to_virt(m->start), magic + 6, len)) {
				selftest_fail("module %u lost its contents", i);
				return -EINVAL;
			}
		}
	}
	return 0;
}
SELFTEST(boot_modules_reserved, test_boot_modules_reserved);
