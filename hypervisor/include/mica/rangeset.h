/* SPDX-License-Identifier: MIT */
/*
 * A small set of inclusive uint32_t ranges, kept sorted, disjoint and
 * merged (I/O port permissions, later I/O memory).  Fixed capacity, no
 * allocation; the caller locks.
 */
#ifndef MICA_RANGESET_H
#define MICA_RANGESET_H

#include <mica/types.h>

#define RANGESET_MAX 32

struct rangeset {
	unsigned int nr;
	struct {
		uint32_t first, last;
	} r[RANGESET_MAX];
};

/* Adds or removes [first, last] (first <= last).  0, or -ENOSPC when the
 * result would need more than RANGESET_MAX ranges (the set is unchanged). */
int rangeset_add(struct rangeset *s, uint32_t first, uint32_t last);
int rangeset_remove(struct rangeset *s, uint32_t first, uint32_t last);

/* True if every value in [first, last] is in the set. */
bool rangeset_contains(const struct rangeset *s, uint32_t first, uint32_t last);

#endif
