/* SPDX-License-Identifier: MIT */
/* Address-to-name lookup in the generated symbol table. */
#include <mica/symbols.h>

/*
 * Emitted by scripts/gen-symbols.sh: addresses sorted ascending, and for
 * each the offset of its NUL-terminated name.  The first link has an empty
 * table.
 */
extern const uint64_t symbols_addresses[];
extern const uint32_t symbols_name_offsets[];
extern const char symbols_names[];
extern const uint64_t symbols_count;
extern const char __text_start[], __text_end[];

const char *symbols_lookup(uintptr_t addr, uintptr_t *offset)
{
	uint64_t lo = 0, hi;

	if (!symbols_count)
		return NULL;
	if (addr < (uintptr_t)__text_start || addr >= (uintptr_t)__text_end)
		return NULL;
	hi = symbols_count;
	if (addr < symbols_addresses[0])
		return NULL;
	/* Largest index whose address is <= addr. */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (symbols_addresses[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - symbols_addresses[lo];
	return &symbols_names[symbols_name_offsets[lo]];
}
