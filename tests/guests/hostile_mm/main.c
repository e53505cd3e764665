/* SPDX-License-Identifier: MIT */
/*
 * A hostile unprivileged domain against PV paging (public/mmu.h): the
 * attacker (domU) tries to map every machine frame it does not own, read
 * and write and writable; to hook Mica's own tables (the targets of the
 * hypervisor L4 slots its L4 shows it) into its tables or pin them; to make
 * each of its page tables writable by every route (an L1 entry through
 * mmu_update and update_va_mapping, pinning a writable frame, self- and
 * cross-level references at every level, an L4 as L1/L2/L3, a fresh table
 * with entries naming Mica's frames); plays type and pin games on a table
 * of its own (pin, re-pin, pin as another level, unpin while referenced,
 * map it while it is a table, and again after it stopped being one); and
 * passes zero, huge, wrapping and out-of-range counts, sizes and addresses
 * to every hypercall with one.  Every attempt must fail with the
 * documented error; afterwards its own memory and tables still work.
 * dom0 keeps a checksum of 1 MiB of its memory and of its page tables,
 * waits for the attacker's result line and checks they are unchanged.
 */
#include "boot.h"
#include "cpu.h"
#include "hypercall.h"
#include "layout.h"
#include "logwait.h"
#include "test.h"
#include "vcpu.h"
#include "public/arch-x86/layout.h"
#include "public/arch-x86/pv.h"
#include "public/errno.h"
#include "public/mmu.h"
#include "public/physdev.h"
#include "public/sched.h"
#include "public/version.h"

const char test_title[] = "hostile guest against PV paging and counts";

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_PS 0x80ULL
#define ADDR_MASK 0x000ffffffffff000ULL
#define SCAN_FRAMES (1ULL << 18) /* 1 GiB: all of the test machine's RAM */
#define FREE_L4_SLOT 300 /* in the guest kernel half, unused by the image */

static const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;

static uint64_t p2m(uint64_t pfn)
{
	return ((const uint64_t *)start_info->mfn_list)[pfn];
}

/* Page-table frames are mapped read-only where their pfn says. */
static const uint64_t *table_va(uint64_t mfn)
{
	return (const uint64_t *)(GUEST_VIRT_BASE + (m2p[mfn] << 12));
}

static uint64_t table_mfn(uint64_t va, unsigned int level)
{
	uint64_t mfn = cpu_virt_to_mfn((void *)start_info->pt_base);

	for (unsigned int l = 4; l > level; l--)
		mfn = (table_va(mfn)[(va >> (12 + 9 * (l - 1))) & 511] &
		       ADDR_MASK) >>
		      12;
	return mfn;
}

static long update_va(uint64_t va, uint64_t pte, uint64_t flags)
{
	return HYPERCALL5(MICA_HC_update_va_mapping, va, pte, flags, 0, 0);
}

/* Our frames: the p2m and the shared-info page. */
static uint64_t own_bitmap[SCAN_FRAMES / 64];

static bool own(uint64_t mfn)
{
	return mfn < SCAN_FRAMES && (own_bitmap[mfn / 64] >> (mfn % 64)) & 1;
}

static uint64_t spare_va, spare_pte;

static void restore_spare(void)
{
	if (update_va(spare_va, spare_pte, MICA_UVMF_INVLPG))
		test_fail("cannot restore the spare mapping");
}

/* Every frame that is not ours: never mappable, writable or not. */
static void scan_foreign_frames(void)
{
	uint64_t refused = 0, beyond = 0;

	printk("mapping each of %lu frames not ours\n",
	       (unsigned long)SCAN_FRAMES);
	for (uint64_t pfn = 0; pfn < start_info->nr_pages; pfn++)
		own_bitmap[p2m(pfn) / 64] |= 1ULL << (p2m(pfn) % 64);
	own_bitmap[start_info->shared_info_mfn / 64] |=
		1ULL << (start_info->shared_info_mfn % 64);
	for (uint64_t mfn = 0; mfn < SCAN_FRAMES + 4096; mfn++) {
		if (own(mfn))
			continue;
		for (unsigned int w = 0; w < 2; w++) {
			long rc = update_va(
				spare_va, (mfn << 12) | PTE_P | (w ? PTE_W : 0),
				MICA_UVMF_INVLPG);

			if (rc == -MICA_EPERM) {
				refused++;
			} else if (rc == -MICA_EINVAL && mfn >= 0x3ff00) {
				beyond++; /* past the frame table */
			} else {
				char b[24];

				test_fail("mapping frame %#lx (%s): %s", mfn,
					  w ? "writable" : "read-only",
					  errno_name(rc, b));
				if (!rc)
					restore_spare();
				return;
			}
		}
	}
	printk("%lu refused with -EPERM, %lu beyond RAM\n", refused, beyond);
}

/* Mica's own tables, as our L4's hypervisor slots name them. */
static void check_hypervisor_tables(uint64_t l4, uint64_t l3, uint64_t l2)
{
	unsigned int tried = 0;

	printk("hooking Mica's tables into ours\n");
	for (unsigned int s = MICA_L4_FIRST_HYPERVISOR_SLOT;
	     s < MICA_L4_FIRST_HYPERVISOR_SLOT + MICA_L4_NR_HYPERVISOR_SLOTS;
	     s++) {
		uint64_t e = table_va(l4)[s], t = (e & ADDR_MASK) >> 12;

		if (!(e & PTE_P))
			continue;
		tried++;
		test_expect_rc(guest_mmu_update1((l4 << 12) + FREE_L4_SLOT * 8,
						 (t << 12) | PTE_P | PTE_W),
			       -MICA_EPERM, "L4 entry -> Mica's slot %u table",
			       s);
		test_expect_rc(guest_mmu_update1((l3 << 12) + 500 * 8,
						 (t << 12) | PTE_P | PTE_W),
			       -MICA_EPERM, "L3 entry -> Mica's slot %u table",
			       s);
		test_expect_rc(guest_mmu_update1((l2 << 12) + 500 * 8,
						 (t << 12) | PTE_P | PTE_W),
			       -MICA_EPERM, "L2 entry -> Mica's slot %u table",
			       s);
		for (unsigned int c = MICA_MMUEXT_PIN_L1_TABLE;
		     c <= MICA_MMUEXT_PIN_L4_TABLE; c++)
			test_expect_rc(guest_mmuext1(c, t, 0), -MICA_EPERM,
				       "pin Mica's slot %u table as L%u", s,
				       c + 1);
		test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, t, 0),
			       -MICA_EPERM, "unpin Mica's slot %u table", s);
		test_expect_rc(guest_mmuext1(MICA_MMUEXT_NEW_USER_BASEPTR, t,
					     0),
			       -MICA_EPERM, "Mica's table as user L4");
	}
	if (!tried)
		test_fail("no hypervisor slot present in our L4");
	test_expect_rc(guest_mmu_update1((l4 << 12) + 257 * 8, 0), -MICA_EPERM,
		       "clear a hypervisor L4 slot");
}

/* Each of our tables, made writable or hooked at the wrong level. */
static void check_tables_never_writable(uint64_t l4, uint64_t l3, uint64_t l2,
					uint64_t l1)
{
	const uint64_t tables[4] = { l1, l2, l3, l4 };
	uint64_t l1e = (l1 << 12) + ((spare_va >> 12) & 511) * 8;
	uint64_t data = (spare_pte & ADDR_MASK) >> 12;

	printk("making page tables writable\n");
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t t = tables[i];

		test_expect_rc(update_va(spare_va, (t << 12) | PTE_P | PTE_W,
					 MICA_UVMF_INVLPG),
			       -MICA_EBUSY, "update_va_mapping L%u writable",
			       i + 1);
		test_expect_rc(
			guest_mmu_update1(l1e, (t << 12) | PTE_P | PTE_W),
			-MICA_EBUSY, "mmu_update L1 entry -> L%u RW", i + 1);
		test_expect_rc(
			guest_mmu_update1(l1e | MICA_MMU_PT_UPDATE_PRESERVE_AD,
					  (t << 12) | PTE_P | PTE_W),
			-MICA_EBUSY, "PRESERVE_AD L1 entry -> L%u RW", i + 1);
		/* Read-only is allowed (T4c): the guest reads its tables. */
		test_expect_rc(update_va(spare_va, (t << 12) | PTE_P,
					 MICA_UVMF_INVLPG),
			       0, "map L%u read-only", i + 1);
		restore_spare();
	}
	/* Wrong-level and self references, at every level. */
	test_expect_rc(guest_mmu_update1((l4 << 12) + FREE_L4_SLOT * 8,
					 (l4 << 12) | PTE_P),
		       -MICA_EBUSY, "L4 -> itself");
	test_expect_rc(guest_mmu_update1((l4 << 12) + FREE_L4_SLOT * 8,
					 (l2 << 12) | PTE_P),
		       -MICA_EBUSY, "L4 -> an L2");
	test_expect_rc(guest_mmu_update1((l4 << 12) + FREE_L4_SLOT * 8,
					 (l1 << 12) | PTE_P),
		       -MICA_EBUSY, "L4 -> an L1");
	test_expect_rc(guest_mmu_update1((l3 << 12) + 500 * 8,
					 (l3 << 12) | PTE_P),
		       -MICA_EBUSY, "L3 -> itself");
	test_expect_rc(guest_mmu_update1((l3 << 12) + 500 * 8,
					 (l4 << 12) | PTE_P),
		       -MICA_EBUSY, "L3 -> the L4");
	test_expect_rc(guest_mmu_update1((l3 << 12) + 500 * 8,
					 (l1 << 12) | PTE_P),
		       -MICA_EBUSY, "L3 -> an L1");
	test_expect_rc(guest_mmu_update1((l2 << 12) + 500 * 8,
					 (l2 << 12) | PTE_P),
		       -MICA_EBUSY, "L2 -> itself");
	test_expect_rc(guest_mmu_update1((l2 << 12) + 500 * 8,
					 (l3 << 12) | PTE_P),
		       -MICA_EBUSY, "L2 -> the L3");
	test_expect_rc(guest_mmu_update1((l2 << 12) + 500 * 8,
					 (l4 << 12) | PTE_P),
		       -MICA_EBUSY, "L2 -> the L4 (linear table)");
	test_expect_rc(guest_mmu_update1((l2 << 12) + 500 * 8,
					 (data << 12) | PTE_P | PTE_W),
		       -MICA_EBUSY, "L2 -> a writable data frame");
	test_expect_rc(guest_mmu_update1((l3 << 12) + 500 * 8,
					 (data << 12) | PTE_P | PTE_W | PTE_PS),
		       -MICA_EINVAL, "1 GiB superpage");
	test_expect_rc(guest_mmu_update1((l4 << 12) + FREE_L4_SLOT * 8,
					 (l3 << 12) | PTE_P | PTE_PS),
		       -MICA_EINVAL, "PS in an L4 entry");
	for (unsigned int c = MICA_MMUEXT_PIN_L2_TABLE;
	     c <= MICA_MMUEXT_PIN_L4_TABLE; c++)
		test_expect_rc(guest_mmuext1(c, data, 0), -MICA_EBUSY,
			       "pin a writable-mapped frame as L%u", c + 1);
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L3_TABLE, l4, 0),
		       -MICA_EEXIST, "pin the pinned L4 as L3");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L4_TABLE, l3, 0),
		       -MICA_EBUSY, "pin the L3 in use as L4");
	/* Mica writes the shared-info page at any time: never a table. */
	for (unsigned int c = MICA_MMUEXT_PIN_L1_TABLE;
	     c <= MICA_MMUEXT_PIN_L4_TABLE; c++)
		test_expect_rc(guest_mmuext1(c, start_info->shared_info_mfn, 0),
			       -MICA_EBUSY, "pin the shared-info page as L%u",
			       c + 1);
	test_expect_rc(HYPERCALL5(MICA_HC_set_gdt, &start_info->shared_info_mfn,
				  1, 0, 0, 0),
		       -MICA_EBUSY, "the shared-info page as GDT");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, l2, 0),
		       -MICA_EBUSY, "pin an L2 as L1");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_NEW_BASEPTR, l3, 0),
		       -MICA_EBUSY, "an L3 as base pointer");
	/* The kernel L4 in use, unpinned and pinned again. */
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, l4, 0), 0,
		       "unpin the L4 in use");
	test_expect_rc(update_va(spare_va, (l4 << 12) | PTE_P | PTE_W, 0),
		       -MICA_EBUSY, "map the unpinned L4 in use writable");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L4_TABLE, l4, 0), 0,
		       "pin it again");
}

/* Pin games on a fresh table in a free (unmapped) frame. */
static void check_type_games(uint64_t l2)
{
	uint64_t pfn = (boot_mapping_end() - GUEST_VIRT_BASE) >> 12;
	uint64_t t = p2m(pfn), data = p2m(pfn + 1);
	uint64_t va = boot_mapping_end(); /* covered by free L2 entry */
	uint64_t l2e = (l2 << 12) + ((va >> 21) & 511) * 8;
	volatile uint64_t *w = (volatile uint64_t *)spare_va;

	printk("type and pin games on frame %#lx\n", t);
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, t, 0), 0,
		       "pin L1");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L2_TABLE, t, 0),
		       -MICA_EEXIST, "pin the L1 as L2");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, t, 0), 0,
		       "unpin");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, t, 0),
		       -MICA_EINVAL, "unpin again");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, t, 0), 0,
		       "re-pin");
	test_expect_rc(guest_mmu_update1(t << 12, (data << 12) | PTE_P | PTE_W),
		       0, "an entry in it");
	test_expect_rc(guest_mmu_update1(l2e, (t << 12) | PTE_P | PTE_W), 0,
		       "hook it");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, t, 0), 0,
		       "unpin while hooked");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L2_TABLE, t, 0),
		       -MICA_EBUSY, "pin as L2 while an L1 is referenced");
	test_expect_rc(update_va(spare_va, (t << 12) | PTE_P | PTE_W, 0),
		       -MICA_EBUSY, "map it writable while hooked");
	*(volatile uint64_t *)va = 0x11;
	test_expect_rc(guest_mmu_update1(l2e, 0), 0, "unhook it");
	guest_mmuext1(MICA_MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	/* No longer a table: writable now, and it must validate again. */
	if (!test_expect_rc(update_va(spare_va, (t << 12) | PTE_P | PTE_W,
				      MICA_UVMF_INVLPG),
			    0, "map the former table writable"))
		return;
	w[1] = (0x200ULL << 12) | PTE_P | PTE_W; /* a hypervisor frame */
	restore_spare();
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, t, 0),
		       -MICA_EPERM, "pin an L1 naming a hypervisor frame");
	test_expect_rc(guest_mmu_update1(l2e, (t << 12) | PTE_P | PTE_W),
		       -MICA_EPERM, "hook an L1 naming a hypervisor frame");
	test_expect_rc(update_va(spare_va, (t << 12) | PTE_P | PTE_W,
				 MICA_UVMF_INVLPG),
		       0, "still writable after the failed validation");
	w[1] = 0;
	restore_spare();
	/* Its entry 0 names 'data', which holds 0x11 (present, frame 0):
	 * as an L2 that fails in the nested validation, undone fully. */
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L2_TABLE, t, 0),
		       -MICA_EPERM, "pin as L2 over an L1 naming frame 0");
	test_expect_rc(update_va(spare_va, (data << 12) | PTE_P | PTE_W,
				 MICA_UVMF_INVLPG),
		       0, "the nested frame is untyped again");
	restore_spare();
}

/* Zero, huge, wrapping and out-of-range counts, sizes and addresses. */
static void check_counts(void)
{
	struct mica_mmu_update u[2];
	struct mica_mmuext_op x = { MICA_MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 0 };
	struct mica_physdev_set_iobitmap bm = { 0, 65537, 0 };
	uint64_t edge = boot_mapping_end();
	uint32_t done = 77;
	uint64_t frames[1] = { cpu_virt_to_mfn((void *)start_info->pt_base) };
	uint64_t some = cpu_virt_to_mfn((void *)start_info);

	printk("counts and sizes\n");
	u[0].ptr = (some << 12) | MICA_MMU_MACHPHYS_UPDATE;
	u[0].val = m2p[some];
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, u, 0, &done,
				  MICA_DOMID_SELF, 0),
		       0, "mmu_update of 0 requests");
	if (done != 0)
		test_fail("0 requests: done %u", done);
	/* A huge count runs (preemptibly) until the first bad request. */
	u[1].ptr = 4; /* misaligned */
	u[1].val = 0;
	done = 77;
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, u, 0xffffffffULL, &done,
				  MICA_DOMID_SELF, 0),
		       -MICA_EINVAL, "mmu_update of 2^32-1 requests");
	if (done != 1)
		test_fail("2^32-1 requests: done %u, expected 1", done);
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, 0xfffffffffffffff8ULL, 1,
				  0, MICA_DOMID_SELF, 0),
		       -MICA_EFAULT, "mmu_update list wrapping the top");
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, 0x00007ffffffffff8ULL, 1,
				  0, MICA_DOMID_SELF, 0),
		       -MICA_EFAULT, "mmu_update list into the hole");
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, MICA_M2P_VIRT_START, 1, 0,
				  MICA_DOMID_SELF, 0),
		       -MICA_EFAULT, "mmu_update list in the M2P");
	/* The second request runs off the mapping: one done, then EFAULT. */
	__builtin_memcpy((void *)(edge - 16), u, 16);
	done = 77;
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, edge - 16, 2, &done,
				  MICA_DOMID_SELF, 0),
		       -MICA_EFAULT, "mmu_update list running off the map");
	if (done != 1)
		test_fail("list running off the map: done %u, expected 1",
			  done);
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, u, 1,
				  MICA_HYPERVISOR_VIRT_START + 64,
				  MICA_DOMID_SELF, 0),
		       -MICA_EFAULT, "mmu_update done pointer in Mica");
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, u, 1, start_info->pt_base,
				  MICA_DOMID_SELF, 0),
		       -MICA_EFAULT, "mmu_update done pointer read-only");
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, u, 1, 0, 0xffffULL, 0),
		       -MICA_EPERM, "mmu_update on a foreign domain (domU)");
	test_expect_rc(HYPERCALL5(MICA_HC_mmuext_op, &x, 0, 0, MICA_DOMID_SELF,
				  0),
		       0, "mmuext_op of 0 ops");
	test_expect_rc(HYPERCALL5(MICA_HC_mmuext_op, 0x00007fffffffffe8ULL,
				  0xffffffffULL, 0, MICA_DOMID_SELF, 0),
		       -MICA_EFAULT, "mmuext_op of 2^32-1 ops into the hole");
	test_expect_rc(HYPERCALL5(MICA_HC_mmuext_op, 0xffffffffffffffe8ULL, 1,
				  0, MICA_DOMID_SELF, 0),
		       -MICA_EFAULT, "mmuext_op list wrapping the top");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_INVLPG_LOCAL,
				     0x0000800000000000ULL, 0),
		       -MICA_EINVAL, "INVLPG of a non-canonical address");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_SET_LDT, 0, 8193),
		       -MICA_EINVAL, "SET_LDT of 8193 entries");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_SET_LDT, 0, ~0ULL),
		       -MICA_EINVAL, "SET_LDT of 2^64-1 entries");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_SET_LDT,
				     MICA_HYPERVISOR_VIRT_START, 1),
		       -MICA_EINVAL, "SET_LDT in Mica's range");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_SET_LDT, 0xfffffffffffff000ULL,
				     512),
		       -MICA_EINVAL, "SET_LDT wrapping the top");
	test_expect_rc(update_va(0x0000800000000000ULL, spare_pte, 0),
		       -MICA_EINVAL, "update_va_mapping non-canonical");
	test_expect_rc(update_va(spare_va + 8, spare_pte, 0), -MICA_EINVAL,
		       "update_va_mapping unaligned va");
	test_expect_rc(update_va(spare_va, spare_pte, ~0ULL), -MICA_EINVAL,
		       "update_va_mapping flags 2^64-1");
	test_expect_rc(HYPERCALL5(MICA_HC_update_va_mapping, spare_va,
				  spare_pte, MICA_UVMF_LOCAL, 8, 0),
		       -MICA_EINVAL, "update_va_mapping LOCAL with a mask");
	test_expect_rc(HYPERCALL5(MICA_HC_set_gdt, frames, 0, 0, 0, 0),
		       -MICA_EINVAL, "set_gdt of 0 entries");
	test_expect_rc(HYPERCALL5(MICA_HC_set_gdt, frames, 7169, 0, 0, 0),
		       -MICA_EINVAL, "set_gdt of 7169 entries");
	test_expect_rc(HYPERCALL5(MICA_HC_set_gdt, frames, 0x100000001ULL, 0, 0,
				  0),
		       -MICA_EINVAL, "set_gdt of 2^32+1 entries");
	test_expect_rc(HYPERCALL5(MICA_HC_set_gdt, frames, 512, 0, 0, 0),
		       -MICA_EBUSY, "set_gdt on the L4");
	test_expect_rc(HYPERCALL5(MICA_HC_set_gdt, 0xfffffffffffffff8ULL, 1024,
				  0, 0, 0),
		       -MICA_EFAULT, "set_gdt frame list wrapping the top");
	test_expect_rc(HYPERCALL5(MICA_HC_update_descriptor, ~7ULL, 0, 0, 0, 0),
		       -MICA_EINVAL, "update_descriptor at maddr 2^64-8");
	test_expect_rc(HYPERCALL5(MICA_HC_update_descriptor,
				  (frames[0] << 12) + 8, 0, 0, 0, 0),
		       -MICA_EBUSY, "update_descriptor in the L4");
	test_expect_rc(HYPERCALL5(MICA_HC_physdev_op,
				  MICA_PHYSDEVOP_set_iobitmap, &bm, 0, 0, 0),
		       -MICA_EINVAL, "I/O bitmap of 65537 ports");
	bm.nr_ports = 0xffffffffu;
	test_expect_rc(HYPERCALL5(MICA_HC_physdev_op,
				  MICA_PHYSDEVOP_set_iobitmap, &bm, 0, 0, 0),
		       -MICA_EINVAL, "I/O bitmap of 2^32-1 ports");
	test_expect_rc(HYPERCALL5(MICA_HC_set_debugreg, 0x100000007ULL, 0, 0, 0,
				  0),
		       -MICA_EINVAL, "set_debugreg 2^32+7");
	test_expect_rc(HYPERCALL5(MICA_HC_set_segment_base,
				  0x100000000ULL | MICA_SEGBASE_fs, 0, 0, 0, 0),
		       -MICA_ENOSYS, "set_segment_base which 2^32");
	test_expect_rc(hypercall_by_number(0, 0, 0, 0, 0, 0), MICA_ABI_VERSION,
		       "hypercall 0");
	test_expect_rc(HYPERCALL5(MICA_HC_stack_switch, MICA_FLAT_KERNEL_SS,
				  0x0000800000000000ULL, 0, 0, 0),
		       -MICA_EINVAL, "stack_switch non-canonical");
}

/* Our own memory and tables still behave. */
static void check_still_works(uint64_t l2)
{
	uint64_t pfn = (boot_mapping_end() - GUEST_VIRT_BASE) >> 12;
	uint64_t t = p2m(pfn + 2), data = p2m(pfn + 3);
	uint64_t va = boot_mapping_end();
	uint64_t l2e = (l2 << 12) + ((va >> 21) & 511) * 8;
	volatile uint64_t *p = (volatile uint64_t *)(va + 4096);

	printk("our memory and tables still work\n");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, t, 0), 0, "pin");
	test_expect_rc(guest_mmu_update1((t << 12) + 8,
					 (data << 12) | PTE_P | PTE_W),
		       0, "entry");
	test_expect_rc(guest_mmu_update1(l2e, (t << 12) | PTE_P | PTE_W), 0,
		       "hook");
	*p = 0xfeed;
	if (*p != 0xfeed)
		test_fail("write through a fresh table did not stick");
	test_expect_rc(guest_mmu_update1(l2e, 0), 0, "unhook");
	guest_mmuext1(MICA_MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, t, 0), 0,
		       "unpin");
}

static void attacker(void)
{
	uint64_t l4, l3, l2, l1;

	spare_va = boot_mapping_end() - 8192;
	l4 = table_mfn(spare_va, 4);
	l3 = table_mfn(spare_va, 3);
	l2 = table_mfn(spare_va, 2);
	l1 = table_mfn(spare_va, 1);
	spare_pte = table_va(l1)[(spare_va >> 12) & 511] & ~4ULL;
	scan_foreign_frames();
	check_hypervisor_tables(l4, l3, l2);
	check_tables_never_writable(l4, l3, l2, l1);
	check_type_games(l2);
	check_counts();
	check_still_works(l2);
	if ((table_va(l1)[(spare_va >> 12) & 511] & ~0x64ULL) !=
	    (spare_pte & ~0x60ULL))
		test_fail("spare entry now %#lx",
			  table_va(l1)[(spare_va >> 12) & 511]);
}

/* dom0: 1 MiB of data and its page tables, summed. */
static uint64_t victim_data[131072];

static uint64_t checksum(void)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < 131072; i++)
		sum = sum * 31 + victim_data[i];
	for (unsigned int f = 0; f < start_info->nr_pt_frames; f++)
		for (unsigned int i = 0; i < 512; i++)
			sum = sum * 31 +
			      ((const uint64_t *)
				       start_info->pt_base)[f * 512 + i];
	return sum;
}

static void victim(void)
{
	static const char *const pattern[] = { "(d1) Test result: " };
	bool seen[1] = { false };
	uint64_t before;

	for (unsigned int i = 0; i < 131072; i++)
		victim_data[i] = i * 0x9e3779b97f4a7c15ULL;
	before = checksum();
	printk("victim: waiting for the attacker\n");
	if (log_wait_for(pattern, seen, 1, 50) != 1)
		test_fail("the attacker never reported");
	if (checksum() != before)
		test_fail("dom0's memory or page tables changed");
}

void test_main(void)
{
	if (start_info->flags & MICA_START_INFO_INITDOMAIN)
		victim();
	else
		attacker();
	test_pass();
}
