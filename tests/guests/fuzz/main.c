/* SPDX-License-Identifier: MIT */
/*
 * The randomized hypercall fuzzer test (issue 3, "Tests"): an unprivileged
 * domain makes at least a million hypercalls with random and boundary
 * arguments (fuzzer.c) while another domain keeps a checksum of its memory
 * (checksum.c) and dom0 watches both (watcher.c).  It passes when every
 * domain reports: the hypervisor survived, never returned a value outside
 * 0/positive/-errno, never hung a call, and the checksum domain's memory
 * never changed.
 *
 * One image, three roles: dom0 is the watcher; a domU runs the role its
 * command line names (role=fuzz or role=checksum, fuzz/domains).
 */
#include "fuzz.h"
#include "layout.h"
#include "test.h"
#include "timeinfo.h"

#include "public/mmu.h"
#include "public/shared_info.h"

const char test_title[] = "randomized hypercall fuzzer, checksum domain, "
			  "watchdog";

volatile struct fuzz_status fuzz_status __attribute__((aligned(4096)));

static volatile struct mica_vcpu_time_info *time_info;

long fuzz_time_init(uint64_t va)
{
	long rc = hypercall_update_va_mapping(
		va, (start_info->shared_info_mfn << 12) | 3, MICA_UVMF_INVLPG);

	if (!rc)
		time_info = &((volatile struct mica_shared_info *)va)
				     ->vcpu_info[0]
				     .time;
	return rc;
}

/*
 * System time (public/time.h).  The scale is read once, at the first call:
 * the fuzzer's own calls may write over its shared-info page (a valid
 * target), and a clock read from there would jump.
 */
uint64_t fuzz_now(void)
{
	static struct mica_vcpu_time_info snap;

	if (!snap.tsc_to_system_mul)
		time_info_snapshot(time_info, &snap);
	return time_info_ns(&snap);
}

void fuzz_announce(uint64_t role)
{
	uint64_t pfn = ((uint64_t)&fuzz_status - GUEST_VIRT_BASE) >> 12;

	fuzz_status.role = role;
	fuzz_status.magic = FUZZ_STATUS_MAGIC;
	printk(FUZZ_READY_LINE "%lx\n",
	       ((const uint64_t *)start_info->mfn_list)[pfn]);
}

void test_main(void)
{
	const char *role = cmdline_value("role");

	if (start_info->flags & MICA_START_INFO_INITDOMAIN)
		watcher_main();
	else if (role && !strncmp(role, "fuzz", 4) &&
		 (!role[4] || role[4] == ' '))
		fuzzer_main();
	else if (role && !strncmp(role, "checksum", 8) &&
		 (!role[8] || role[8] == ' '))
		checksum_main();
	else
		test_error("no role=fuzz or role=checksum on the command line");
}
