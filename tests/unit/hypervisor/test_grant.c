// SPDX-License-Identifier: MIT
/*
 * Unit tests of the grant-entry status protocol (common/grant_entry.c) and
 * the maptrack handle table (common/maptrack.c).
 */
#include <stdlib.h>
#include <string.h>

#include <mica/errno.h>
#include <mica/grant_entry.h>
#include <mica/heap.h>
#include <mica/maptrack.h>

#include "harness.h"

/* maptrack.c allocates from the hypervisor heap: the host's stands in. */
void *xzalloc(size_t size)
{
	return calloc(1, size);
}

void xfree(void *p)
{
	free(p);
}

#define ME 3
#define OTHER 4

static struct mica_grant_entry entry;
static struct grant_active act;

static void grant(uint16_t flags, uint16_t domid, uint64_t frame)
{
	memset(&entry, 0, sizeof(entry));
	memset(&act, 0, sizeof(act));
	entry.frame = frame;
	entry.domid = domid;
	entry.flags = flags;
}

static int pin(bool write, bool sub_page_ok)
{
	struct grant_use use = { ME, write, sub_page_ok };

	return grant_active_pin(&act, &entry, &use);
}

static void test_read_then_write(void)
{
	grant(MICA_GTF_permit_access, ME, 0x1234);
	CHECK_INT(pin(false, false), 0);
	CHECK_EQ(entry.flags, MICA_GTF_permit_access | MICA_GTF_READING);
	CHECK_EQ(act.frame, 0x1234);
	CHECK_INT(pin(true, false), 0);
	CHECK_EQ(entry.flags,
		 MICA_GTF_permit_access | MICA_GTF_READING | MICA_GTF_WRITING);
	grant_active_unpin(&act, &entry, true, false);
	CHECK_EQ(entry.flags, MICA_GTF_permit_access | MICA_GTF_READING);
	grant_active_unpin(&act, &entry, false, false);
	CHECK_EQ(entry.flags, MICA_GTF_permit_access);
	CHECK_EQ(act.readers + act.writers, 0);
}

static void test_refused(void)
{
	grant(MICA_GTF_permit_access | MICA_GTF_READONLY, ME, 1);
	CHECK_INT(pin(true, false), -EACCES);
	CHECK_EQ(entry.flags, MICA_GTF_permit_access | MICA_GTF_READONLY);
	grant(MICA_GTF_permit_access, OTHER, 1);
	CHECK_INT(pin(false, false), -EACCES);
	grant(MICA_GTF_invalid, ME, 1);
	CHECK_INT(pin(false, false), -EACCES);
	grant(MICA_GTF_accept_transfer, ME, 1);
	CHECK_INT(pin(false, false), -EACCES);
	CHECK_EQ(entry.flags, MICA_GTF_accept_transfer);
	CHECK_EQ(act.readers + act.writers, 0);
}

static void test_sub_page(void)
{
	grant(MICA_GTF_permit_access | MICA_GTF_SUB_PAGE, ME, 1);
	entry.sub_offset = 100;
	entry.sub_length = 50;
	CHECK_INT(pin(false, false), -EACCES); /* maps never take them */
	CHECK_INT(pin(false, true), 0);
	CHECK_EQ(act.sub_offset, 100);
	CHECK_EQ(act.sub_length, 50);
	/* A second use while in use goes by the active entry. */
	CHECK_INT(pin(false, false), -EACCES);
	grant(MICA_GTF_permit_access | MICA_GTF_SUB_PAGE, ME, 1);
	entry.sub_offset = 4000;
	entry.sub_length = 200; /* beyond the page */
	CHECK_INT(pin(false, true), -EACCES);
}

/* E2: while in use, what the first use read stands. */
static void test_in_use_keeps_first_read(void)
{
	grant(MICA_GTF_permit_access | MICA_GTF_READONLY, ME, 7);
	CHECK_INT(pin(false, false), 0);
	entry.frame = 8; /* the granter breaks E2 */
	entry.flags &= (uint16_t)~MICA_GTF_READONLY;
	CHECK_INT(pin(false, false), 0);
	CHECK_EQ(act.frame, 7);
	CHECK_INT(pin(true, false), -EACCES); /* READONLY was read */
	CHECK_EQ(act.readers, 2);
}

/* E3/E4: a revoke before the pin wins; after it, the revoke fails. */
static void test_revoke_race(void)
{
	uint16_t granted = MICA_GTF_permit_access;

	grant(granted, ME, 1);
	CHECK(__atomic_compare_exchange_n(&entry.flags, &granted, 0, false,
					  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	CHECK_INT(pin(false, false), -EACCES);

	grant(MICA_GTF_permit_access, ME, 1);
	CHECK_INT(pin(true, false), 0);
	granted = MICA_GTF_permit_access;
	CHECK(!__atomic_compare_exchange_n(&entry.flags, &granted, 0, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	grant_active_unpin(&act, &entry, true, false);
	granted = MICA_GTF_permit_access;
	CHECK(__atomic_compare_exchange_n(&entry.flags, &granted, 0, false,
					  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
}

static void test_unpin_gone_and_underflow(void)
{
	grant(MICA_GTF_permit_access, ME, 1);
	CHECK_INT(pin(true, false), 0);
	grant_active_unpin(&act, &entry, true, true);
	/* A dying granter's entry is left as it was. */
	CHECK_EQ(entry.flags,
		 MICA_GTF_permit_access | MICA_GTF_READING | MICA_GTF_WRITING);
	CHECK_EQ(act.writers, 0);
	grant_active_unpin(&act, &entry, true, false);
	grant_active_unpin(&act, &entry, false, false);
	CHECK_EQ(act.readers, 0);
	CHECK_EQ(act.writers, 0);
}

static void test_transfer(void)
{
	grant(MICA_GTF_accept_transfer, ME, 0);
	CHECK_INT(grant_transfer_commit(&entry, OTHER), -EACCES);
	CHECK_INT(grant_transfer_commit(&entry, ME), 0);
	CHECK_INT(grant_transfer_commit(&entry, ME), -EACCES);
	grant_transfer_abort(&entry);
	CHECK_EQ(entry.flags, MICA_GTF_accept_transfer);
	CHECK_INT(grant_transfer_commit(&entry, ME), 0);
	grant_transfer_complete(&entry, 0x99);
	CHECK_EQ(entry.frame, 0x99);
	CHECK_EQ(entry.flags, MICA_GTF_accept_transfer |
				      MICA_GTF_TRANSFER_COMMITTED |
				      MICA_GTF_TRANSFER_COMPLETED);
	grant(MICA_GTF_permit_access, ME, 0);
	CHECK_INT(grant_transfer_commit(&entry, ME), -EACCES);
}

static void test_maptrack_limit_and_reuse(void)
{
	struct maptrack mt;
	uint32_t h, first;

	maptrack_init(&mt, 200);
	for (uint32_t i = 0; i < 200; i++) {
		CHECK_INT(maptrack_alloc(&mt, &h), 0);
		CHECK_EQ(h, i); /* low handles first */
		CHECK(maptrack_get(&mt, h) != NULL);
	}
	CHECK_INT(maptrack_alloc(&mt, &h), -ENOSPC);
	CHECK_EQ(mt.nr_pages, 2);
	maptrack_free(&mt, 17);
	CHECK(maptrack_get(&mt, 17) == NULL);
	CHECK_INT(maptrack_alloc(&mt, &first), 0);
	CHECK_EQ(first, 17);
	CHECK(maptrack_get(&mt, 1u << 30) == NULL);
	CHECK(maptrack_get(&mt, 255) == NULL); /* allocated page, free slot */
	CHECK_INT(maptrack_set_limit(&mt, 100), -EBUSY); /* below in use */
	CHECK_INT(maptrack_set_limit(&mt, 256), 0);
	CHECK_INT(maptrack_set_limit(&mt, 257), -EBUSY); /* directory */
	CHECK_INT(maptrack_set_limit(&mt, 0), -EINVAL);
	CHECK_INT(maptrack_set_limit(&mt, MAPTRACK_MAX_LIMIT + 1), -EINVAL);
	maptrack_destroy(&mt);
}

static void test_maptrack_hash(void)
{
	struct maptrack mt;
	uint32_t h[300];

	maptrack_init(&mt, 1000);
	for (uint32_t i = 0; i < 300; i++) {
		CHECK_INT(maptrack_alloc(&mt, &h[i]), 0);
		/* Same L1 and same slot of many L1s: both kinds collide. */
		maptrack_get(&mt, h[i])->pte_maddr =
			i < 150 ? 0x5000 + i * 8 : ((uint64_t)i << 12) + 8;
		maptrack_hash_add(&mt, h[i]);
	}
	for (uint32_t i = 0; i < 300; i++)
		CHECK_EQ(maptrack_find_pte(&mt,
					   maptrack_get(&mt, h[i])->pte_maddr),
			 h[i]);
	CHECK_EQ(maptrack_find_pte(&mt, 0x5000 + 150 * 8), MAPTRACK_NONE);
	for (uint32_t i = 0; i < 300; i += 2)
		maptrack_hash_del(&mt, h[i]);
	for (uint32_t i = 0; i < 300; i++)
		CHECK_EQ(maptrack_find_pte(&mt,
					   maptrack_get(&mt, h[i])->pte_maddr),
			 i % 2 ? h[i] : MAPTRACK_NONE);
	maptrack_destroy(&mt);
}

static void test_maptrack_random(void)
{
	struct maptrack mt;
	bool live[512] = { false };
	uint32_t nr_live = 0;

	maptrack_init(&mt, 512);
	for (unsigned int step = 0; step < 20000; step++) {
		uint32_t h;

		if (test_random_below(2) && nr_live < 512) {
			CHECK_INT(maptrack_alloc(&mt, &h), 0);
			CHECK(h < 512 && !live[h]);
			live[h] = true;
			nr_live++;
		} else if (nr_live) {
			do
				h = (uint32_t)test_random_below(512);
			while (!live[h]);
			maptrack_free(&mt, h);
			live[h] = false;
			nr_live--;
		}
		CHECK_EQ(mt.in_use, nr_live);
	}
	maptrack_destroy(&mt);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_read_then_write),
		TEST_CASE(test_refused),
		TEST_CASE(test_sub_page),
		TEST_CASE(test_in_use_keeps_first_read),
		TEST_CASE(test_revoke_race),
		TEST_CASE(test_unpin_gone_and_underflow),
		TEST_CASE(test_transfer),
		TEST_CASE(test_maptrack_limit_and_reuse),
		TEST_CASE(test_maptrack_hash),
		TEST_CASE(test_maptrack_random),
	};

	return run_tests("grant", cases, ARRAY_SIZE(cases));
}
