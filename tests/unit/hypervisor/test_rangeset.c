/* SPDX-License-Identifier: MIT */
/* Range sets (common/rangeset.c), as used for I/O port permissions. */
#include "harness.h"

#include <mica/errno.h>
#include <mica/rangeset.h>

static void add_merge_remove(void)
{
	struct rangeset s = { 0 };

	CHECK_INT(rangeset_add(&s, 10, 19), 0);
	CHECK_INT(rangeset_add(&s, 30, 39), 0);
	CHECK_EQ(s.nr, 2);
	CHECK_INT(rangeset_add(&s, 20, 29), 0); /* joins both */
	CHECK_EQ(s.nr, 1);
	CHECK(rangeset_contains(&s, 10, 39));
	CHECK(!rangeset_contains(&s, 9, 10));
	CHECK_INT(rangeset_remove(&s, 15, 16), 0); /* splits */
	CHECK_EQ(s.nr, 2);
	CHECK(!rangeset_contains(&s, 15, 15));
	CHECK(rangeset_contains(&s, 17, 39));
	CHECK_INT(rangeset_remove(&s, 0, 100), 0);
	CHECK_EQ(s.nr, 0);
	CHECK_INT(rangeset_add(&s, 0, UINT32_MAX), 0);
	CHECK(rangeset_contains(&s, UINT32_MAX, UINT32_MAX));
	CHECK_INT(rangeset_remove(&s, UINT32_MAX, UINT32_MAX), 0);
	CHECK(!rangeset_contains(&s, UINT32_MAX, UINT32_MAX));
	CHECK(rangeset_contains(&s, 0, UINT32_MAX - 1));
}

static void capacity(void)
{
	struct rangeset s = { 0 };

	for (uint32_t i = 0; i < RANGESET_MAX; i++)
		CHECK_INT(rangeset_add(&s, i * 10, i * 10 + 1), 0);
	CHECK_INT(rangeset_add(&s, 1000, 1001), -ENOSPC);
	/* A split that needs one more range fails and changes nothing. */
	CHECK_INT(rangeset_remove(&s, 0, 0), 0); /* shrinks, no split */
	CHECK_INT(rangeset_add(&s, 0, 0), 0);
	CHECK_INT(rangeset_add(&s, 2, 2), 0); /* merges with 0..1 */
	CHECK_EQ(s.nr, RANGESET_MAX);
	CHECK_INT(rangeset_remove(&s, 1, 1), -ENOSPC);
	CHECK(rangeset_contains(&s, 0, 2));
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(add_merge_remove),
		TEST_CASE(capacity),
	};

	return run_tests("rangeset", cases, 2);
}
