// SPDX-License-Identifier: MIT
/* Unit tests of memmap_sanitize(), the firmware memory map normaliser. */
#include <string.h>

#include <mica/boot.h>

#include "harness.h"

#define MIB (1ULL << 20)
#define RAM MEMMAP_RAM
#define RES MEMMAP_RESERVED
#define ACPI MEMMAP_ACPI
#define NVS MEMMAP_NVS
#define BAD MEMMAP_BAD

static void check_map_at(const char *file, int line,
			 const struct memmap_entry *got, unsigned int nr_got,
			 const struct memmap_entry *expect, unsigned int nr)
{
	if (nr_got != nr)
		test_fail(file, line, "%u entries, expected %u", nr_got, nr);
	for (unsigned int i = 0; i < nr; i++)
		if (got[i].start != expect[i].start ||
		    got[i].size != expect[i].size ||
		    got[i].type != expect[i].type)
			test_fail(file, line,
				  "entry %u is [0x%llx +0x%llx) type %u, "
				  "expected [0x%llx +0x%llx) type %u",
				  i, (unsigned long long)got[i].start,
				  (unsigned long long)got[i].size, got[i].type,
				  (unsigned long long)expect[i].start,
				  (unsigned long long)expect[i].size,
				  expect[i].type);
}

/* Sanitizes 'in' and compares the result with 'expect'. */
#define CHECK_SANITIZED(in, expect)                                 \
	do {                                                        \
		struct memmap_entry map_[BOOT_MAX_MEMMAP];          \
		unsigned int nr_ = ARRAY_SIZE(in);                  \
		memcpy(map_, in, sizeof(in));                       \
		memmap_sanitize(map_, &nr_);                        \
		check_map_at(__FILE__, __LINE__, map_, nr_, expect, \
			     ARRAY_SIZE(expect));                   \
	} while (0)

static void sorts_unsorted_input(void)
{
	static const struct memmap_entry in[] = {
		{ 16 * MIB, 16 * MIB, RAM },
		{ 0, 640 * 1024, RAM },
		{ 0xf0000, 0x10000, RES },
		{ MIB, 15 * MIB, RAM },
	};
	static const struct memmap_entry expect[] = {
		{ 0, 640 * 1024, RAM },
		{ 0xf0000, 0x10000, RES },
		{ MIB, 31 * MIB, RAM },
	};

	CHECK_SANITIZED(in, expect);
}

static void reserved_wins_over_ram(void)
{
	static const struct memmap_entry in[] = {
		{ 0, 16 * MIB, RAM },
		{ MIB, MIB, RES },
		{ 4 * MIB, MIB, ACPI },
		{ 15 * MIB, 2 * MIB, NVS }, /* runs past the RAM */
	};
	static const struct memmap_entry expect[] = {
		{ 0, MIB, RAM },
		{ MIB, MIB, RES },
		{ 2 * MIB, 2 * MIB, RAM },
		{ 4 * MIB, MIB, ACPI },
		{ 5 * MIB, 10 * MIB, RAM },
		{ 15 * MIB, 2 * MIB, NVS },
	};

	CHECK_SANITIZED(in, expect);
}

static void reserved_wins_in_either_order(void)
{
	static const struct memmap_entry in[] = {
		{ 0, 2 * MIB, RES },
		{ MIB, 2 * MIB, RAM },
	};
	static const struct memmap_entry expect[] = {
		{ 0, 2 * MIB, RES },
		{ 2 * MIB, MIB, RAM },
	};
	static const struct memmap_entry in2[] = {
		{ MIB, 2 * MIB, RAM },
		{ 0, 2 * MIB, RES },
	};

	CHECK_SANITIZED(in, expect);
	CHECK_SANITIZED(in2, expect);
}

static void most_restrictive_type_wins(void)
{
	static const struct memmap_entry in[] = {
		{ 0, 8 * MIB, BAD },   { 0, 8 * MIB, RAM },
		{ 0, 8 * MIB, RES },   { 8 * MIB, MIB, ACPI },
		{ 8 * MIB, MIB, NVS }, { 9 * MIB, MIB, 12 }, /* unknown */
		{ 9 * MIB, MIB, RAM },
	};
	static const struct memmap_entry expect[] = {
		{ 0, 8 * MIB, BAD },
		{ 8 * MIB, MIB, NVS },
		{ 9 * MIB, MIB, 12 },
	};

	CHECK_SANITIZED(in, expect);
}

static void ram_inside_reserved_disappears(void)
{
	static const struct memmap_entry in[] = {
		{ 0x100000, 0x400000, RES },
		{ 0x200000, 0x1000, RAM },
	};
	static const struct memmap_entry expect[] = {
		{ 0x100000, 0x400000, RES },
	};

	CHECK_SANITIZED(in, expect);
}

static void merges_same_type(void)
{
	static const struct memmap_entry in[] = {
		{ 0, MIB, RAM },
		{ MIB, MIB, RAM },
		{ 2 * MIB, MIB, RAM },
		{ 10 * MIB, 3 * MIB, RAM },
		{ 12 * MIB, 3 * MIB, RAM },
		{ 10 * MIB, 3 * MIB, RAM },
		{ 15 * MIB, MIB, RES },
		{ 16 * MIB, MIB, ACPI },
	};
	static const struct memmap_entry expect[] = {
		{ 0, 3 * MIB, RAM },
		{ 10 * MIB, 5 * MIB, RAM },
		{ 15 * MIB, MIB, RES }, /* adjacent, but not the same type */
		{ 16 * MIB, MIB, ACPI },
	};

	CHECK_SANITIZED(in, expect);
}

static void drops_empty_and_wrapping(void)
{
	static const struct memmap_entry in[] = {
		{ 0x1000, 0, RAM },
		{ 0xfffffffffffff000ULL, 0x2000, RAM },
		{ 0xffffffff00000000ULL, 0x100000000ULL + 1, RES },
		{ MIB, MIB, RAM },
		{ 5 * MIB, 0, RES },
	};
	static const struct memmap_entry expect[] = {
		{ MIB, MIB, RAM },
	};

	CHECK_SANITIZED(in, expect);
}

static void keeps_holes_and_high_memory(void)
{
	static const struct memmap_entry in[] = {
		{ 0x100000000ULL, 0x40000000ULL, RAM },
		{ 0, 0x9f000, RAM },
		{ 0x100000, 0xbff00000ULL, RAM },
		{ 0xfec00000ULL, 0x1000, RES },
	};
	static const struct memmap_entry expect[] = {
		{ 0, 0x9f000, RAM },
		{ 0x100000, 0xbff00000ULL, RAM },
		{ 0xfec00000ULL, 0x1000, RES },
		{ 0x100000000ULL, 0x40000000ULL, RAM },
	};

	CHECK_SANITIZED(in, expect);
}

static void empty_map(void)
{
	struct memmap_entry map[1] = { { 0, 0, RAM } };
	unsigned int nr = 0;

	memmap_sanitize(map, &nr);
	CHECK_EQ(nr, 0);
	nr = 1; /* one empty entry */
	memmap_sanitize(map, &nr);
	CHECK_EQ(nr, 0);
}

/*
 * Random maps on a grid of GRID_CELLS cells of CELL bytes, against a model
 * that types every cell with the most restrictive entry covering it.
 */
#define CELL 0x100
#define GRID_CELLS 512

static unsigned int rank(uint32_t type)
{
	return type == RAM ? 0 : type;
}

static void check_against_model(const struct memmap_entry *in,
				unsigned int nr_in,
				const struct memmap_entry *out,
				unsigned int nr_out, bool may_truncate)
{
	uint32_t want[GRID_CELLS] = { 0 }, got[GRID_CELLS] = { 0 };
	uint64_t top = nr_out ? out[nr_out - 1].start + out[nr_out - 1].size :
				0;

	for (unsigned int i = 0; i < nr_in; i++)
		for (uint64_t c = in[i].start / CELL;
		     c < (in[i].start + in[i].size) / CELL; c++)
			if (!want[c] || rank(in[i].type) > rank(want[c]))
				want[c] = in[i].type;
	for (unsigned int i = 0; i < nr_out; i++) {
		CHECK(out[i].size > 0);
		CHECK(out[i].start % CELL == 0 && out[i].size % CELL == 0);
		CHECK(out[i].start + out[i].size <= GRID_CELLS * CELL);
		if (i) {
			const struct memmap_entry *prev = &out[i - 1];

			/* Sorted, disjoint, and merged where possible. */
			CHECK(prev->start + prev->size <= out[i].start);
			CHECK(prev->start + prev->size < out[i].start ||
			      prev->type != out[i].type);
		}
		for (uint64_t c = out[i].start / CELL;
		     c < (out[i].start + out[i].size) / CELL; c++)
			got[c] = out[i].type;
	}
	for (unsigned int c = 0; c < GRID_CELLS; c++) {
		/* A truncated map loses its top, which becomes a hole. */
		if (got[c] == want[c] ||
		    (may_truncate && !got[c] && c * CELL >= top))
			continue;
		test_fail(__FILE__, __LINE__,
			  "byte 0x%x is type %u, expected %u", c * CELL, got[c],
			  want[c]);
	}
}

static void random_maps_against_model(void)
{
	static const uint32_t types[] = { RAM, RAM, RAM, RES, ACPI, NVS, BAD };

	test_random_seed(7);
	for (unsigned int round = 0; round < 3000; round++) {
		struct memmap_entry in[BOOT_MAX_MEMMAP], map[BOOT_MAX_MEMMAP];
		/* Mostly short maps; every tenth as long as a map can be. */
		unsigned int nr_in =
			1 + (unsigned int)test_random_below(
				    round % 10 ? 12 : BOOT_MAX_MEMMAP);
		unsigned int nr = nr_in;

		for (unsigned int i = 0; i < nr_in; i++) {
			uint64_t start = test_random_below(GRID_CELLS);
			/* Sometimes 0: empty entries must vanish. */
			uint64_t len =
				test_random_below(GRID_CELLS - start + 1);

			in[i].start = start * CELL;
			in[i].size = len * CELL;
			in[i].type =
				types[test_random_below(ARRAY_SIZE(types))];
		}
		memcpy(map, in, sizeof(in[0]) * nr_in);
		memmap_sanitize(map, &nr);
		CHECK(nr <= BOOT_MAX_MEMMAP);
		check_against_model(in, nr_in, map, nr, nr == BOOT_MAX_MEMMAP);
	}
}

/* 128 entries whose pieces do not fit: the map stays within bounds. */
static void too_many_pieces_truncated_safely(void)
{
	struct memmap_entry in[BOOT_MAX_MEMMAP], map[BOOT_MAX_MEMMAP];
	unsigned int nr = BOOT_MAX_MEMMAP;

	in[0] = (struct memmap_entry){ 0, GRID_CELLS * CELL, RAM };
	for (unsigned int i = 1; i < BOOT_MAX_MEMMAP; i++)
		in[i] = (struct memmap_entry){ (2 * i) * CELL, CELL, RES };
	memcpy(map, in, sizeof(in));
	memmap_sanitize(map, &nr);
	CHECK_EQ(nr, BOOT_MAX_MEMMAP);
	check_against_model(in, BOOT_MAX_MEMMAP, map, nr, true);
	/* Nothing reserved is ever turned into RAM. */
	CHECK_EQ(map[0].type, RAM);
	CHECK_EQ(map[1].type, RES);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(sorts_unsorted_input),
		TEST_CASE(reserved_wins_over_ram),
		TEST_CASE(reserved_wins_in_either_order),
		TEST_CASE(most_restrictive_type_wins),
		TEST_CASE(ram_inside_reserved_disappears),
		TEST_CASE(merges_same_type),
		TEST_CASE(drops_empty_and_wrapping),
		TEST_CASE(keeps_holes_and_high_memory),
		TEST_CASE(empty_map),
		TEST_CASE(random_maps_against_model),
		TEST_CASE(too_many_pieces_truncated_safely),
	};

	return run_tests("memmap", cases, ARRAY_SIZE(cases));
}
