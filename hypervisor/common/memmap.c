/* SPDX-License-Identifier: MIT */
/* Normalising the firmware memory map. */
#include <mica/boot.h>
#include <mica/lib.h>

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case MEMMAP_RAM:
		return "usable";
	case MEMMAP_RESERVED:
		return "reserved";
	case MEMMAP_ACPI:
		return "ACPI data";
	case MEMMAP_NVS:
		return "ACPI NVS";
	case MEMMAP_BAD:
		return "bad memory";
	default:
		return "unknown";
	}
}

/* RAM is the least restrictive type; anything else overrides it. */
static unsigned int type_rank(uint32_t type)
{
	return type == MEMMAP_RAM ? 0 : type;
}

/*
 * Split every entry at every boundary of every other, then keep for each
 * elementary interval the highest-ranked type.  The map is at most
 * BOOT_MAX_MEMMAP entries, so the quadratic work is small.
 */
void memmap_sanitize(struct memmap_entry *map, unsigned int *nr)
{
	paddr_t points[2 * BOOT_MAX_MEMMAP];
	struct memmap_entry out[BOOT_MAX_MEMMAP];
	unsigned int npoints = 0, nout = 0;

	for (unsigned int i = 0; i < *nr; i++) {
		if (!map[i].size || map[i].start + map[i].size < map[i].start)
			continue; /* empty or wrapping: drop */
		points[npoints++] = map[i].start;
		points[npoints++] = map[i].start + map[i].size;
	}
	/* Insertion sort: small n. */
	for (unsigned int i = 1; i < npoints; i++) {
		paddr_t p = points[i];
		unsigned int j = i;

		for (; j > 0 && points[j - 1] > p; j--)
			points[j] = points[j - 1];
		points[j] = p;
	}
	for (unsigned int i = 0; i + 1 < npoints; i++) {
		paddr_t lo = points[i], hi = points[i + 1];
		uint32_t type = 0;

		if (lo == hi)
			continue;
		for (unsigned int j = 0; j < *nr; j++) {
			if (!map[j].size ||
			    map[j].start + map[j].size < map[j].start)
				continue;
			if (map[j].start <= lo &&
			    map[j].start + map[j].size >= hi &&
			    (!type || type_rank(map[j].type) > type_rank(type)))
				type = map[j].type;
		}
		if (!type)
			continue; /* a hole */
		if (nout && out[nout - 1].type == type &&
		    out[nout - 1].start + out[nout - 1].size == lo) {
			out[nout - 1].size += hi - lo;
		} else if (nout < BOOT_MAX_MEMMAP) {
			out[nout].start = lo;
			out[nout].size = hi - lo;
			out[nout].type = type;
			nout++;
		}
	}
	memcpy(map, out, nout * sizeof(out[0]));
	*nr = nout;
}
