/* SPDX-License-Identifier: MIT */
/*
 * PV direct paging (public/mmu.h): the guest maps its shared-info page,
 * builds, hooks, unhooks and unpins a page table of its own, and every
 * attempt to break the rules T1-T5 fails with the documented error while
 * leaving its tables intact.
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"
#include "vcpu.h"
#include "public/arch-x86/layout.h"
#include "public/errno.h"
#include "public/mmu.h"
#include "public/shared_info.h"

const char test_title[] = "validated page tables: mmu_update, mmuext_op";

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_PS 0x80ULL
#define ADDR_MASK 0x000ffffffffff000ULL
#define GUEST_VIRT_BASE 0xffffffff80000000ULL

static const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;

static long mmu_update(uint64_t ptr, uint64_t val)
{
	struct mica_mmu_update r = { ptr, val };
	uint32_t done = 99;
	long rc = HYPERCALL5(MICA_HC_mmu_update, &r, 1, &done, MICA_DOMID_SELF,
			     0);

	if ((rc == 0) != (done == 1))
		test_fail("mmu_update returned %ld but reports %u done", rc,
			  done);
	return rc;
}

static long update_va(uint64_t va, uint64_t pte, uint32_t flags)
{
	return HYPERCALL5(MICA_HC_update_va_mapping, va, pte, flags, 0, 0);
}

static uint64_t pfn_to_mfn(uint64_t pfn)
{
	return ((const uint64_t *)start_info->mfn_list)[pfn];
}

/* A page-table frame is mapped read-only in the bootstrap area. */
static uint64_t *table_va(uint64_t mfn)
{
	return (uint64_t *)(GUEST_VIRT_BASE + (m2p[mfn] << 12));
}

/* Walks to the table of 'level' (1 = L1) covering va; returns its mfn. */
static uint64_t table_mfn(uint64_t va, unsigned int level)
{
	uint64_t mfn =
		pfn_to_mfn((start_info->pt_base - GUEST_VIRT_BASE) >> 12);

	for (unsigned int l = 4; l > level; l--) {
		uint64_t e = table_va(mfn)[(va >> (12 + 9 * (l - 1))) & 511];

		if (!(e & PTE_P))
			test_error("va %#lx not mapped at level %u", va, l);
		mfn = (e & ADDR_MASK) >> 12;
	}
	return mfn;
}

static uint64_t entry_addr(uint64_t table, uint64_t va, unsigned int level)
{
	return (table << 12) + ((va >> (12 + 9 * (level - 1))) & 511) * 8;
}

static void check_shared_info(uint64_t spare_va, uint64_t spare_pte)
{
	volatile struct mica_shared_info *si = (void *)spare_va;

	printk("mapping the shared-info page\n");
	test_expect_rc(update_va(spare_va,
				 (start_info->shared_info_mfn << 12) | PTE_P |
					 PTE_W,
				 MICA_UVMF_INVLPG),
		       0, "map shared info");
	if (si->vcpu_info[0].evtchn_upcall_mask != 1)
		test_fail("vcpu 0 starts with events unmasked (mask %u)",
			  si->vcpu_info[0].evtchn_upcall_mask);
	test_expect_rc(update_va(spare_va, spare_pte, MICA_UVMF_INVLPG), 0,
		       "restore the spare mapping");
}

static void check_hostile(uint64_t spare_va, uint64_t spare_pte)
{
	uint64_t l4 = table_mfn(spare_va, 4), l2 = table_mfn(spare_va, 2);
	uint64_t l1 = table_mfn(spare_va, 1);
	uint64_t data_mfn = (spare_pte & ADDR_MASK) >> 12;
	struct mica_mmu_update bad_type = { (l1 << 12) | 3, 0 };

	printk("rule breaking\n");
	test_expect_rc(update_va(spare_va, (0x200ULL << 12) | PTE_P, 0),
		       -MICA_EPERM, "map a hypervisor frame");
	test_expect_rc(update_va(spare_va, (0xfee00ULL << 12) | PTE_P | PTE_W,
				 0),
		       -MICA_EPERM, "map Mica's local APIC (MMIO it keeps)");
	test_expect_rc(update_va(spare_va, (1ULL << 51) | PTE_P, 0),
		       -MICA_EINVAL, "map beyond MAXPHYADDR");
	test_expect_rc(update_va(spare_va, (l4 << 12) | PTE_P | PTE_W, 0),
		       -MICA_EBUSY, "map the L4 writable");
	test_expect_rc(update_va(spare_va, (l1 << 12) | PTE_P | PTE_W, 0),
		       -MICA_EBUSY, "map an L1 writable");
	test_expect_rc(update_va(MICA_HYPERVISOR_VIRT_START, spare_pte, 0),
		       -MICA_EINVAL, "update_va_mapping in the hypervisor");
	test_expect_rc(update_va(spare_va, spare_pte, 3), -MICA_EINVAL,
		       "bad flush kind");
	test_expect_rc(mmu_update((l4 << 12) + 256 * 8, 0), -MICA_EPERM,
		       "write a hypervisor L4 slot");
	test_expect_rc(mmu_update((l4 << 12) + 511 * 8, (l4 << 12) | PTE_P),
		       -MICA_EBUSY, "recursive L4 entry");
	test_expect_rc(mmu_update((data_mfn << 12) + 8, 0), -MICA_EINVAL,
		       "update an entry of an untyped frame");
	test_expect_rc(mmu_update((l1 << 12) + 4, 0), -MICA_EINVAL,
		       "misaligned entry");
	test_expect_rc(mmu_update(entry_addr(l2, spare_va, 2),
				  (data_mfn << 12) | PTE_P | PTE_W | PTE_PS),
		       -MICA_EINVAL, "superpage in an L2");
	test_expect_rc(mmu_update((0x200ULL << 12) | MICA_MMU_MACHPHYS_UPDATE,
				  5),
		       -MICA_EPERM, "M2P entry of a hypervisor frame");
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, &bad_type, 1, 0,
				  MICA_DOMID_SELF, 0),
		       -MICA_ENOSYS, "unknown mmu_update request");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L4_TABLE, l4, 0),
		       -MICA_EEXIST, "pin the pinned L4");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, data_mfn, 0),
		       -MICA_EINVAL, "unpin a data frame");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, data_mfn, 0),
		       -MICA_EBUSY, "pin a writable-mapped frame as L1");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, 0x200, 0),
		       -MICA_EPERM, "pin a hypervisor frame");
	test_expect_rc(guest_mmuext1(99, 0, 0), -MICA_ENOSYS,
		       "unknown mmuext op");
	test_expect_rc(HYPERCALL5(MICA_HC_mmuext_op, 0, 1, 0, 1, 0),
		       -MICA_EINVAL, "mmuext_op on a foreign domain");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_TLB_FLUSH_LOCAL, 1, 0),
		       -MICA_EINVAL, "flush with a stray argument");
	/* The failed calls left the mapping alone. */
	if (table_va(l1)[(spare_va >> 12) & 511] != (spare_pte | 4))
		test_fail("spare entry changed to %#lx",
			  table_va(l1)[(spare_va >> 12) & 511]);
}

/* Builds an L1, hooks it under the bootstrap L2, uses it, takes it down. */
static void check_new_table(uint64_t spare_va, uint64_t spare_pte)
{
	uint64_t free_pfn = (boot_mapping_end() - GUEST_VIRT_BASE) >> 12;
	uint64_t l1 = pfn_to_mfn(free_pfn), data = pfn_to_mfn(free_pfn + 1);
	uint64_t va = boot_mapping_end();
	uint64_t l2 = table_mfn(spare_va, 2);
	volatile uint64_t *p = (volatile uint64_t *)va;

	printk("a new L1 table at %#lx (frame %#lx)\n", va, l1);
	if ((va & ((1ULL << 21) - 1)) != 0) {
		test_skip("bootstrap mapping does not end on 2 MiB");
		return;
	}
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, l1, 0), 0,
		       "pin L1");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, l1, 0),
		       -MICA_EEXIST, "pin it again");
	test_expect_rc(mmu_update(l1 << 12, (data << 12) | PTE_P | PTE_W), 0,
		       "entry 0 of the new L1");
	test_expect_rc(mmu_update(entry_addr(l2, va, 2),
				  (l1 << 12) | PTE_P | PTE_W),
		       0, "hook the L1 into the L2");
	*p = 0x6d696361;
	if (*p != 0x6d696361)
		test_fail("write through the new table did not stick");
	test_expect_rc(update_va(spare_va, (l1 << 12) | PTE_P | PTE_W, 0),
		       -MICA_EBUSY, "map the new L1 writable");
	test_expect_rc(update_va(spare_va, (l1 << 12) | PTE_P,
				 MICA_UVMF_INVLPG),
		       0, "map the new L1 read-only");
	/* As written, plus U; the CPU may have set Accessed and Dirty. */
	if ((((volatile uint64_t *)spare_va)[0] & ~0x60ULL) !=
	    ((data << 12) | PTE_P | PTE_W | 4))
		test_fail("L1 entry reads %#lx, expected U added",
			  ((volatile uint64_t *)spare_va)[0]);
	test_expect_rc(update_va(spare_va, spare_pte, MICA_UVMF_INVLPG), 0,
		       "restore the spare mapping");
	test_expect_rc(mmu_update(entry_addr(l2, va, 2), 0), 0,
		       "unhook the L1");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0,
		       "flush");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, l1, 0), 0,
		       "unpin L1");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, l1, 0),
		       -MICA_EINVAL, "unpin it again");
	/* Untyped again: it may be mapped writable now. */
	test_expect_rc(update_va(spare_va, (l1 << 12) | PTE_P | PTE_W,
				 MICA_UVMF_INVLPG),
		       0, "map the old L1 writable");
	test_expect_rc(update_va(spare_va, spare_pte, MICA_UVMF_INVLPG), 0,
		       "restore the spare mapping");
}

static void check_base_and_m2p(uint64_t spare_va)
{
	uint64_t l4 = table_mfn(spare_va, 4), pfn = m2p[l4];

	printk("base pointer and M2P\n");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_NEW_BASEPTR, l4, 0), 0,
		       "reload the same L4");
	test_expect_rc(mmu_update((l4 << 12) | MICA_MMU_MACHPHYS_UPDATE, 12345),
		       0, "set an M2P entry");
	if (m2p[l4] != 12345)
		test_fail("M2P reads %lu after update", m2p[l4]);
	mmu_update((l4 << 12) | MICA_MMU_MACHPHYS_UPDATE, pfn);
}

void test_main(void)
{
	uint64_t spare_va = boot_mapping_end() - 4096;
	uint64_t spare_pte =
		table_va(table_mfn(spare_va, 1))[(spare_va >> 12) & 511] &
		~4ULL;

	check_shared_info(spare_va, spare_pte);
	check_hostile(spare_va, spare_pte);
	check_new_table(spare_va, spare_pte);
	check_base_and_m2p(spare_va);
	test_pass();
}
