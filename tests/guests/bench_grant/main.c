/* SPDX-License-Identifier: MIT */
/*
 * Grant-table micro-benchmarks, printed as "bench: metric value unit" lines
 * for `make bench` (scripts/bench.sh): the cost of a map+unmap pair (one
 * hypercall each, with the unmap's TLB flush) and copy throughput in
 * batches of 4 KiB copies.  As a test it checks that every measured
 * operation succeeded and that the copied bytes arrived.
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"
#include "public/grant_table.h"
#include "public/mmu.h"
#include "public/shared_info.h"

const char test_title[] = "grant-table micro-benchmarks";

#define MAP_ITERATIONS 5000
#define COPY_BATCH 16
#define COPY_CALLS 2000
#define PAGE 4096ULL
#define GUEST_VIRT_BASE 0xffffffff80000000ULL

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t mfn_of_va(uint64_t va)
{
	return ((const uint64_t *)
			start_info->mfn_list)[(va - GUEST_VIRT_BASE) >> 12];
}

static long gnttab(uint32_t cmd, void *ops, uint32_t count)
{
	return HYPERCALL5(MICA_HC_grant_table_op, cmd, ops, count, 0, 0);
}

static long update_va(uint64_t va, uint64_t pte)
{
	return HYPERCALL5(MICA_HC_update_va_mapping, va, pte, MICA_UVMF_INVLPG,
			  0, 0);
}

/* Nanoseconds for 'cycles' TSC ticks, by vcpu 0's time info (time.h). */
static uint64_t cycles_to_ns(uint64_t cycles, uint64_t si_va)
{
	volatile struct mica_shared_info *si = (void *)si_va;
	uint32_t mul = si->vcpu_info[0].time.tsc_to_system_mul;
	int8_t shift = si->vcpu_info[0].time.tsc_shift;

	if (shift >= 0)
		cycles <<= shift;
	else
		cycles >>= -shift;
	return (uint64_t)(((unsigned __int128)cycles * mul) >> 32);
}

void test_main(void)
{
	uint64_t end = boot_mapping_end(), frame, t0, t1, ns;
	uint64_t va_table = end - PAGE, va_map = end - 2 * PAGE;
	uint64_t va_src = end - 3 * PAGE, va_dst = end - 4 * PAGE;
	uint64_t va_si = end - 5 * PAGE;
	struct mica_gnttab_setup_table s = { MICA_DOMID_SELF, 0, 1, 0, 0, 0 };
	volatile struct mica_grant_entry *table = (void *)va_table;
	static struct mica_gnttab_copy ops[COPY_BATCH];
	long rc = 0;

	s.frame_list_gaddr = (uint64_t)&frame;
	if (gnttab(MICA_GNTTABOP_setup_table, &s, 1) || s.status ||
	    update_va(va_table, (frame << 12) | 3) ||
	    update_va(va_si, (start_info->shared_info_mfn << 12) | 3)) {
		test_error("cannot set up the grant table");
		return;
	}
	table[8].frame = mfn_of_va(va_src);
	table[8].domid = 0; /* ourselves: dom0 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table[8].flags = MICA_GTF_permit_access;

	t0 = rdtsc();
	for (unsigned int i = 0; i < MAP_ITERATIONS; i++) {
		struct mica_gnttab_map_grant_ref m = { 0 };
		struct mica_gnttab_unmap_grant_ref u = { 0 };

		m.host_addr = va_map;
		m.flags = MICA_GNTMAP_host_map;
		m.ref = 8;
		m.dom = MICA_DOMID_SELF;
		rc |= gnttab(MICA_GNTTABOP_map_grant_ref, &m, 1) | m.status;
		u.host_addr = va_map;
		u.handle = m.handle;
		rc |= gnttab(MICA_GNTTABOP_unmap_grant_ref, &u, 1) | u.status;
	}
	t1 = rdtsc();
	if (rc)
		test_fail("a map or unmap failed (%ld)", rc);
	printk("bench: grant_map_unmap %lu cycles\n",
	       (t1 - t0) / MAP_ITERATIONS);

	for (unsigned int i = 0; i < PAGE; i++)
		((volatile uint8_t *)va_src)[i] = (uint8_t)(i * 7);
	for (unsigned int i = 0; i < COPY_BATCH; i++) {
		ops[i].source.ref_or_gfn = 8;
		ops[i].source.domid = MICA_DOMID_SELF;
		ops[i].dest.ref_or_gfn = mfn_of_va(va_dst);
		ops[i].dest.domid = MICA_DOMID_SELF;
		ops[i].len = PAGE;
		ops[i].flags = MICA_GNTCOPY_source_gref;
	}
	t0 = rdtsc();
	for (unsigned int i = 0; i < COPY_CALLS; i++) {
		rc |= gnttab(MICA_GNTTABOP_copy, ops, COPY_BATCH);
		for (unsigned int j = 0; j < COPY_BATCH; j++)
			rc |= ops[j].status;
	}
	t1 = rdtsc();
	if (rc)
		test_fail("a copy failed (%ld)", rc);
	for (unsigned int i = 0; i < PAGE; i++)
		if (((volatile uint8_t *)va_dst)[i] != (uint8_t)(i * 7)) {
			test_fail("byte %u was not copied", i);
			break;
		}
	printk("bench: grant_copy_4k %lu cycles\n",
	       (t1 - t0) / (COPY_CALLS * COPY_BATCH));
	ns = cycles_to_ns(t1 - t0, va_si);
	if (!ns) {
		test_error("no time info");
		return;
	}
	printk("bench: grant_copy_throughput %lu MiB/s\n",
	       (uint64_t)(COPY_CALLS * COPY_BATCH * PAGE * 1000000000ULL / ns /
			  (1024 * 1024)));
	test_pass();
}
