/* SPDX-License-Identifier: MIT */
/*
 * Dom0-less multi-domain boot (docs/boot.md): dom0 and three domUs from one
 * set of boot modules (multidom/domains).  Every domain checks its own
 * start-info page (domU: no privilege, zeroed store and console ring pages
 * at layout items L5 and L6, owned and in its p2m), its memory (size as
 * configured, p2m and M2P agree, frames distinct, mapped memory zeroed
 * where the builder wrote nothing) and its console.  dom0 also reads the
 * hypervisor log until every domU's result line is there, under its own
 * "(dN) " prefix.
 */
#include "test.h"

#include "public/arch-x86/layout.h"
#include "public/console.h"
#include "public/errno.h"
#include "public/sched.h"

const char test_title[] = "dom0 and three domUs booted from one module set";

#define NR_DOMUS 3 /* lines of multidom/domains */
#define GUEST_VIRT_BASE 0xffffffff80000000ULL

static const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;

static const uint64_t *p2m(void)
{
	return (const uint64_t *)start_info->mfn_list;
}

static uint64_t si_pfn(void)
{
	return ((uint64_t)start_info - GUEST_VIRT_BASE) >> 12;
}

static bool page_is_zero(const void *p)
{
	const uint64_t *q = p;

	for (unsigned int i = 0; i < 512; i++)
		if (q[i])
			return false;
	return true;
}

/* Every pfn's frame maps back to it, and no two pfns share a frame. */
static void check_memory(void)
{
	uint64_t n = start_info->nr_pages;
	uint64_t lo = ~0ULL, hi = 0;

	for (uint64_t pfn = 0; pfn < n; pfn++) {
		uint64_t mfn = p2m()[pfn];

		if (m2p[mfn] != pfn) {
			test_fail("M2P[%#lx] = %#lx, expected pfn %#lx", mfn,
				  m2p[mfn], pfn);
			return;
		}
		lo = mfn < lo ? mfn : lo;
		hi = mfn > hi ? mfn : hi;
	}
	/* M2P agreement already makes the frames distinct (one pfn each);
	 * the span is printed for the log reader. */
	printk("%lu pages, frames %#lx..%#lx\n", n, lo, hi);
	/* The free part of the mapping (L9) is zero. */
	for (uint64_t va = boot_mapping_end() - 64 * 4096;
	     va < boot_mapping_end(); va += 4096)
		if (!page_is_zero((const void *)va)) {
			test_fail("free page at %#lx is not zeroed", va);
			return;
		}
}

static void check_ring(const char *what, uint64_t mfn, uint64_t want_pfn)
{
	if (!mfn) {
		test_fail("%s_mfn is 0", what);
		return;
	}
	if (m2p[mfn] != want_pfn || p2m()[want_pfn] != mfn) {
		test_fail("%s ring mfn %#lx is pfn %#lx, expected %#lx "
			  "(layout L5/L6)",
			  what, mfn, m2p[mfn], want_pfn);
		return;
	}
	if (!page_is_zero((const void *)(GUEST_VIRT_BASE + (want_pfn << 12))))
		test_fail("%s ring page is not zeroed", what);
}

static void check_domu(void)
{
	unsigned long pages, vcpus;

	if (start_info->flags &
	    (MICA_START_INFO_PRIVILEGED | MICA_START_INFO_INITDOMAIN))
		test_fail("domU has flags %#x", start_info->flags);
	check_ring("store", start_info->store_mfn, si_pfn() + 1);
	check_ring("console", start_info->console_mfn, si_pfn() + 2);
	if (start_info->store_mfn == start_info->console_mfn)
		test_fail("store and console share frame %#lx",
			  start_info->store_mfn);
	if (!cmdline_ulong("pages", &pages) || !cmdline_ulong("vcpus", &vcpus))
		test_error("command line '%s' lacks pages= or vcpus=",
			   start_info->cmdline);
	else if (start_info->nr_pages != pages)
		test_fail("nr_pages %lu, configured %lu", start_info->nr_pages,
			  pages);
	/* Nothing privileged works (the full list is in the domctl test). */
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read, 0, NULL),
		       -MICA_EPERM, "domU reads the hypervisor log");
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read_input, 0, NULL),
		       -MICA_EPERM, "domU reads the serial input");
}

/* Waits (bounded) until the log holds "(dN) Test result: " for every domU. */
static void check_domus_reported(void)
{
	static char buf[4096];
	static char tail[64];
	bool seen[NR_DOMUS + 1] = { false };
	unsigned int nr_seen = 0;
	struct mica_console_read r = { 0 };
	uint64_t start = __builtin_ia32_rdtsc();

	while (nr_seen < NR_DOMUS) {
		r.buffer_gaddr = (uint64_t)buf;
		r.size = sizeof(buf) - 1;
		if (hypercall_console_io(MICA_CONSOLEIO_read, sizeof(r), &r)) {
			test_error("cannot read the hypervisor log");
			return;
		}
		buf[r.length] = '\0';
		for (unsigned int id = 1; id <= NR_DOMUS; id++) {
			char pat[32];

			snprintf(pat, sizeof(pat), "(d%u) Test result: ", id);
			/* A line may straddle two reads: look at both. */
			if (!seen[id] &&
			    (strstr(buf, pat) || strstr(tail, pat))) {
				seen[id] = true;
				nr_seen++;
			}
		}
		if (r.length) {
			const char *t = r.length > 40 ? buf + r.length - 40 :
							buf;

			memcpy(tail, t, strlen(t) + 1);
		}
		if (!r.length) {
			if (__builtin_ia32_rdtsc() - start > 60000000000ULL) {
				test_fail("only %u of %u domUs reported",
					  nr_seen, NR_DOMUS);
				return;
			}
			hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
		}
	}
	printk("all %u domUs reported\n", NR_DOMUS);
}

void test_main(void)
{
	bool dom0 = start_info->flags & MICA_START_INFO_INITDOMAIN;

	printk("%s, cmdline '%s'\n", dom0 ? "dom0" : "domU",
	       start_info->cmdline);
	check_memory();
	if (dom0) {
		if (!(start_info->flags & MICA_START_INFO_PRIVILEGED))
			test_fail("dom0 lacks MICA_START_INFO_PRIVILEGED");
		if (start_info->store_mfn || start_info->console_mfn ||
		    start_info->store_evtchn || start_info->console_evtchn)
			test_fail("dom0 has a store or console ring");
		check_domus_reported();
	} else {
		check_domu();
	}
	test_pass();
}
