/* SPDX-License-Identifier: MIT */
/*
 * Dom0-less boot of many domains: 64 domUs of 4 MiB each (the smallest
 * size the boot path builds) from one domains
 * file (65 multiboot modules; the boot path takes up to BOOT_MAX_MODULES,
 * docs/boot.md).  Each domU checks that it got its own memory (nr_pages as
 * configured, p2m against the M2P) and reports; dom0 waits for all 64
 * result lines, then for every domU to be reaped after it powered off
 * (domctl list shows dom0 alone), and finds their memory back as free
 * pages.
 */
#include "logwait.h"
#include "test.h"

#include "public/arch-x86/layout.h"
#include "public/domctl.h"
#include "public/sched.h"
#include "public/sysctl.h"

const char test_title[] = "dom0-less boot of 64 domUs of 4 MiB";

#define NR_DOMUS 64
#define DOMU_PAGES 1024
#define TIMEOUT_TSC 60000000000ULL
/* Pages the hypervisor's heap may keep for itself meanwhile (small
 * objects stay in its pools once freed); the exact per-domain check is in
 * the 'many' test, which can measure before the domains exist. */
#define HEAP_SLACK_PAGES 16

static long domctl(struct mica_domctl *op, uint32_t cmd, uint16_t domid)
{
	op->cmd = cmd;
	op->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op->domid = domid;
	return hypercall_domctl(op);
}

static uint64_t free_pages(void)
{
	struct mica_sysctl s = { 0 };

	s.cmd = MICA_SYSCTL_physinfo;
	s.interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	if (hypercall_sysctl(&s))
		test_error("physinfo failed");
	return s.u.physinfo.free_pages;
}

static void domu(void)
{
	const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;

	if (start_info->nr_pages != DOMU_PAGES)
		test_fail("nr_pages %lu, configured %u", start_info->nr_pages,
			  DOMU_PAGES);
	for (uint64_t pfn = 0; pfn < start_info->nr_pages; pfn++) {
		if (m2p[p2m[pfn]] != pfn) {
			test_fail("pfn %lu: mfn %#lx, M2P says %#lx", pfn,
				  p2m[pfn], m2p[p2m[pfn]]);
			return;
		}
	}
}

/* The number of domains besides dom0 that domctl list shows; *pages:
 * the frames they own. */
static unsigned int others(uint64_t *pages)
{
	static struct mica_domctl_domain_info list[NR_DOMUS + 1];
	struct mica_domctl op = { 0 };

	op.u.list = (struct mica_domctl_list){ 0, 0, NR_DOMUS + 1,
					       0, 0, (uint64_t)list };
	if (domctl(&op, MICA_DOMCTL_list, 0) || !op.u.list.nr_entries) {
		test_error("domctl list failed");
		return 0;
	}
	*pages = 0;
	for (unsigned int i = 1; i < op.u.list.nr_entries; i++)
		*pages += list[i].nr_pages;
	return op.u.list.nr_entries - 1;
}

static void dom0(void)
{
	static char pat[NR_DOMUS][32];
	static const char *pats[NR_DOMUS];
	static bool seen[NR_DOMUS];
	uint64_t free0, pages0, pages, start;
	unsigned int n, alive;

	/* The domUs may be running or gone already: what they own now must
	 * come back (a consistent view: the same domains before and after
	 * reading the free pages). */
	do {
		alive = others(&pages0);
		free0 = free_pages();
	} while (others(&pages) != alive || pages != pages0);

	for (unsigned int i = 0; i < NR_DOMUS; i++) {
		snprintf(pat[i], sizeof(pat[i]), "(d%u) Test result: ", i + 1);
		pats[i] = pat[i];
	}
	n = log_wait_for(pats, seen, NR_DOMUS, 60);
	if (n != NR_DOMUS) {
		for (unsigned int i = 0; i < NR_DOMUS; i++)
			if (!seen[i]) {
				test_fail(
					"%u of %u domUs reported; d%u did not",
					n, NR_DOMUS, i + 1);
				return;
			}
	}
	printk("all %u domUs reported\n", NR_DOMUS);
	start = __builtin_ia32_rdtsc();
	while ((n = others(&pages)) != 0) {
		if (__builtin_ia32_rdtsc() - start > TIMEOUT_TSC) {
			test_fail("%u domUs still listed after they all "
				  "reported",
				  n);
			return;
		}
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	}
	if (free_pages() + HEAP_SLACK_PAGES < free0 + pages0)
		test_fail("free pages %lu once the domUs are gone, %lu while "
			  "%u of them still owned %lu",
			  free_pages(), free0, alive, pages0);
	printk("all %u domUs reaped; %lu pages free, %lu while %lu pages "
	       "were still theirs\n",
	       NR_DOMUS, free_pages(), free0, pages0);
}

void test_main(void)
{
	if (start_info->flags & MICA_START_INFO_INITDOMAIN)
		dom0();
	else
		domu();
	test_pass();
}
