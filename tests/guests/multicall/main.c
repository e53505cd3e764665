/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_multicall (public/multicall.h): mixed batches with a result per
 * entry, a failing entry in the middle that does not stop the batch, nested
 * multicall and iret refused, huge counts, and arrays that are unreadable,
 * unwritable or run into unmapped memory.
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"
#include "vcpu.h"
#include "public/console.h"
#include "public/errno.h"
#include "public/mmu.h"
#include "public/multicall.h"
#include "public/sched.h"
#include "public/version.h"

const char test_title[] = "multicall: batches, per-entry results, limits";

#define UNSET 0x5555555555555555ULL

static long multicall(void *calls, uint64_t count)
{
	return HYPERCALL5(MICA_HC_multicall, calls, count, 0, 0, 0);
}

static void entry(struct mica_multicall_entry *e, uint64_t op, uint64_t a1,
		  uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	e->op = op;
	e->result = UNSET;
	e->args[0] = a1;
	e->args[1] = a2;
	e->args[2] = a3;
	e->args[3] = a4;
	e->args[4] = a5;
	e->args[5] = 0;
}

static const char hello[] = "written from inside a multicall\n";

static void check_mixed(void)
{
	static struct mica_multicall_entry calls[8];
	static struct mica_multicall_entry nested[1];
	uint64_t spare_va = boot_mapping_end() - 4096;
	uint64_t spare_mfn = guest_va_to_mfn(spare_va);
	struct mica_mmu_update req = { guest_l1e_maddr(spare_va),
				       (spare_mfn << 12) | PTE_P };
	uint32_t done = 0;

	printk("a mixed batch\n");
	entry(&calls[0], MICA_HC_version, MICA_VERSION_GET, 0, 0, 0, 0);
	entry(&calls[1], MICA_HC_console_io, MICA_CONSOLEIO_write,
	      sizeof(hello) - 1, (uint64_t)hello, 0, 0);
	entry(&calls[2], 99, 0, 0, 0, 0, 0); /* fails in the middle */
	entry(&calls[3], MICA_HC_mmu_update, (uint64_t)&req, 1, (uint64_t)&done,
	      MICA_DOMID_SELF, 0);
	entry(&calls[4], MICA_HC_multicall, (uint64_t)nested, 1, 0, 0, 0);
	entry(&calls[5], MICA_HC_iret, 0, 0, 0, 0, 0);
	entry(&calls[6], MICA_HC_sched_op, MICA_SCHEDOP_yield, 0, 0, 0, 0);
	entry(&calls[7], MICA_HC_update_va_mapping, spare_va,
	      (spare_mfn << 12) | PTE_P | PTE_W, MICA_UVMF_INVLPG, 0, 0);
	entry(&nested[0], MICA_HC_version, MICA_VERSION_GET, 0, 0, 0, 0);
	test_expect_rc(multicall(calls, 8), 0, "mixed batch");
	test_expect_rc((long)calls[0].result, MICA_ABI_VERSION, "version");
	test_expect_rc((long)calls[1].result, sizeof(hello) - 1,
		       "console write");
	test_expect_rc((long)calls[2].result, -MICA_ENOSYS, "unknown call");
	test_expect_rc((long)calls[3].result, 0, "mmu_update");
	if (done != 1)
		test_fail("mmu_update in a multicall reports %u done", done);
	test_expect_rc((long)calls[4].result, -MICA_EINVAL, "nested multicall");
	if (nested[0].result != UNSET)
		test_fail("the nested batch ran");
	test_expect_rc((long)calls[5].result, -MICA_EINVAL, "iret");
	test_expect_rc((long)calls[6].result, 0, "yield");
	test_expect_rc((long)calls[7].result, 0, "update_va_mapping");
	/* Entry 3 made the page read-only, entry 7 writable again. */
	*(volatile uint64_t *)spare_va = 1;
	test_expect_rc(multicall(calls, 0), 0, "an empty batch");
}

static void check_limits(void)
{
	static struct mica_multicall_entry calls[2];
	uint64_t ro_va = boot_mapping_end() - 3 * 4096;
	uint64_t ro_pte = (guest_va_to_mfn(ro_va) << 12) | PTE_P;
	struct mica_multicall_entry *ro = (void *)ro_va;
	/* Two entries just below the end of the mapped memory. */
	struct mica_multicall_entry *edge =
		(struct mica_multicall_entry *)(boot_mapping_end() - 2 * 64);

	printk("counts and addresses\n");
	entry(&calls[0], MICA_HC_version, MICA_VERSION_GET, 0, 0, 0, 0);
	test_expect_rc(multicall(calls, 1ULL << 32), -MICA_EINVAL,
		       "count beyond 32 bits");
	test_expect_rc(multicall(0, 1), -MICA_EFAULT, "array at 0");
	test_expect_rc(multicall((void *)0xffff800000000000ULL, 1),
		       -MICA_EFAULT, "array in the hypervisor");
	test_expect_rc(multicall((void *)0x0000800000000000ULL, 1),
		       -MICA_EFAULT, "non-canonical array");
	entry(ro, MICA_HC_version, MICA_VERSION_GET, 0, 0, 0, 0);
	test_expect_rc(HYPERCALL5(MICA_HC_update_va_mapping, ro_va, ro_pte,
				  MICA_UVMF_INVLPG, 0, 0),
		       0, "map a page of entries read-only");
	test_expect_rc(multicall(ro, 1), -MICA_EFAULT,
		       "read-only array (results unwritable)");
	test_expect_rc(HYPERCALL5(MICA_HC_update_va_mapping, ro_va,
				  ro_pte | PTE_W, MICA_UVMF_INVLPG, 0, 0),
		       0, "map it writable again");
	entry(&edge[0], MICA_HC_version, MICA_VERSION_GET, 0, 0, 0, 0);
	entry(&edge[1], MICA_HC_version, MICA_VERSION_GET, 0, 0, 0, 0);
	test_expect_rc(multicall(edge, 0xffffffffu), -MICA_EFAULT,
		       "huge count running into unmapped memory");
	test_expect_rc((long)edge[0].result, MICA_ABI_VERSION,
		       "entries before the unmapped one ran");
	test_expect_rc((long)edge[1].result, MICA_ABI_VERSION,
		       "the last mapped entry ran");
}

void test_main(void)
{
	check_mixed();
	check_limits();
	test_pass();
}
