/* SPDX-License-Identifier: MIT */
/* Sets of ranges (mica/rangeset.h). */
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/rangeset.h>

int rangeset_add(struct rangeset *s, uint32_t first, uint32_t last)
{
	struct rangeset n;
	unsigned int i = 0;

	/* Rebuild: ranges wholly before, the merged one, ranges after. */
	n.nr = 0;
	while (i < s->nr && s->r[i].last < first && s->r[i].last + 1 != first) {
		n.r[n.nr++] = s->r[i++];
	}
	while (i < s->nr &&
	       (s->r[i].first <= last ||
		(last != UINT32_MAX && s->r[i].first == last + 1))) {
		if (s->r[i].first < first)
			first = s->r[i].first;
		if (s->r[i].last > last)
			last = s->r[i].last;
		i++;
	}
	if (n.nr + 1 + (s->nr - i) > RANGESET_MAX)
		return -ENOSPC;
	n.r[n.nr].first = first;
	n.r[n.nr++].last = last;
	while (i < s->nr)
		n.r[n.nr++] = s->r[i++];
	*s = n;
	return 0;
}

int rangeset_remove(struct rangeset *s, uint32_t first, uint32_t last)
{
	struct rangeset n;

	n.nr = 0;
	for (unsigned int i = 0; i < s->nr; i++) {
		uint32_t f = s->r[i].first, l = s->r[i].last;

		if (l < first || f > last) { /* untouched */
			if (n.nr == RANGESET_MAX)
				return -ENOSPC;
			n.r[n.nr++] = s->r[i];
			continue;
		}
		if (f < first) { /* the part below */
			if (n.nr == RANGESET_MAX)
				return -ENOSPC;
			n.r[n.nr].first = f;
			n.r[n.nr++].last = first - 1;
		}
		if (l > last) { /* the part above */
			if (n.nr == RANGESET_MAX)
				return -ENOSPC;
			n.r[n.nr].first = last + 1;
			n.r[n.nr++].last = l;
		}
	}
	*s = n;
	return 0;
}

bool rangeset_contains(const struct rangeset *s, uint32_t first, uint32_t last)
{
	for (unsigned int i = 0; i < s->nr; i++)
		if (s->r[i].first <= first && last <= s->r[i].last)
			return true; /* ranges are merged: one must hold all */
	return false;
}
