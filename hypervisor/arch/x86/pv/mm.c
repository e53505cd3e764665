/* SPDX-License-Identifier: MIT */
/*
 * Page types, reference counts and entry validation for PV direct paging
 * (asm/mm.h, public/mmu.h).  The hypercalls that use them are in
 * pv/mmu_ops.c.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <asm/cpu.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/smp.h>
#include <public/arch-x86/layout.h>

static unsigned int type_of(const struct page_info *pg)
{
	return (unsigned int)((pg->type_info & PGT_TYPE_MASK) >>
			      PGT_TYPE_SHIFT);
}

static uint64_t type_count(const struct page_info *pg)
{
	return pg->type_info & PGT_COUNT_MASK;
}

/* Physical-address bits the CPU has (CPUID 0x80000008). */
static uint64_t addr_mask(void)
{
	static uint64_t mask;

	if (!mask) {
		uint32_t a, b, c, d;

		cpuid_count(0x80000008, 0, &a, &b, &c, &d);
		mask = ((1ULL << (a & 0xff)) - 1) & PTE_ADDR_MASK;
	}
	return mask;
}

/* A general reference on a frame the domain may map. */
int pv_get_page(mfn_t mfn, struct domain *d)
{
	struct page_info *pg;

	if (mfn >= page_alloc_table_frames())
		return -EINVAL;
	pg = mfn_to_page(mfn);
	if (pg->owner != d->id)
		return -EPERM;
	if (pg->count >= 0xfffffff0u)
		return -EBUSY; /* would overflow */
	pg->count++;
	return 0;
}

bool pv_put_page(mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (!pg->count)
		return false; /* a bug elsewhere; never underflow */
	return --pg->count == 0;
}

static int validate_table(mfn_t mfn, struct domain *d, unsigned int level);
static void devalidate_table(mfn_t mfn, struct domain *d, unsigned int level);

static void flush_local_tlb(void *unused)
{
	(void)unused;
	write_cr3(read_cr3()); /* non-global entries: all guest mappings */
}

/*
 * Flushes every TLB that may map a frame of d (T8).  A vcpu that is not
 * running has no entries: switching CR3 away from it flushed them.
 */
static void flush_domain_tlbs(struct domain *d)
{
	flush_local_tlb(NULL);
	if (d->max_vcpus > 1 && nr_cpus_online > 1)
		smp_call_others(flush_local_tlb, NULL);
}

static int get_type(mfn_t mfn, struct domain *d, unsigned int type)
{
	struct page_info *pg = mfn_to_page(mfn);
	int rc;

	if (type_count(pg)) {
		if (type_of(pg) != type)
			return -EBUSY;
		if (type_count(pg) == PGT_COUNT_MASK)
			return -EBUSY;
		pg->type_info++;
		return 0;
	}
	/* Count 0: the frame takes the new type, validated if a table. */
	if (type >= PGT_L1 && type <= PGT_L4 &&
	    (pg->type_info & PGT_NEED_FLUSH))
		flush_domain_tlbs(d);
	/* NEED_FLUSH was consumed above, or waits for a later table type. */
	pg->type_info = ((uint64_t)type << PGT_TYPE_SHIFT) | 1 |
			(type >= PGT_L1 && type <= PGT_L4 ?
				 0 :
				 pg->type_info & PGT_NEED_FLUSH);
	if (type >= PGT_L1 && type <= PGT_L4) {
		rc = validate_table(mfn, d, type - PGT_L1 + 1);
		if (rc) {
			pg->type_info = 0;
			return rc;
		}
	}
	return 0;
}

void pv_put_type(mfn_t mfn, struct domain *d)
{
	struct page_info *pg = mfn_to_page(mfn);
	unsigned int type = type_of(pg);

	if (!type_count(pg))
		return; /* a bug elsewhere; never underflow */
	if (type_count(pg) > 1) {
		pg->type_info--;
		return;
	}
	if (type >= PGT_L1 && type <= PGT_L4)
		devalidate_table(mfn, d, type - PGT_L1 + 1);
	pg->type_info = (type == PGT_WRITABLE ? PGT_NEED_FLUSH :
						pg->type_info & PGT_NEED_FLUSH);
}

int pv_get_page_and_type(mfn_t mfn, struct domain *d, unsigned int type)
{
	int rc = pv_get_page(mfn, d);

	if (rc)
		return rc;
	rc = get_type(mfn, d, type);
	if (rc)
		pv_put_page(mfn);
	return rc;
}

void pv_put_page_and_type(mfn_t mfn, struct domain *d)
{
	pv_put_type(mfn, d);
	pv_put_page(mfn);
}

unsigned int pv_page_type(mfn_t mfn)
{
	const struct page_info *pg = mfn_to_page(mfn);

	return type_count(pg) ? type_of(pg) : PGT_NONE;
}

bool pv_page_pinned(mfn_t mfn)
{
	return mfn_to_page(mfn)->type_info & PGT_PINNED;
}

void pv_page_set_pinned(mfn_t mfn, bool pinned)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (pinned)
		pg->type_info |= PGT_PINNED;
	else
		pg->type_info &= ~PGT_PINNED;
}

/*
 * Checks a present entry of a level-'level' table and takes the references
 * it implies (T4).  *e may be adjusted (U set, G cleared) for storing.
 */
int pv_get_entry(uint64_t *e, unsigned int level, struct domain *d)
{
	uint64_t v = *e;
	mfn_t mfn = (v & PTE_ADDR_MASK) >> PAGE_SHIFT;

	if (v & PTE_ADDR_MASK & ~addr_mask())
		return -EINVAL; /* beyond MAXPHYADDR */
	if (level > 1 && (v & PTE_PS))
		return -EINVAL; /* no superpages, no PS in L4 */
	v |= PTE_U;
	if (level == 1)
		v &= ~PTE_G;
	*e = v;
	if (level == 1 && !(v & PTE_W))
		return pv_get_page(mfn, d); /* read-only: any type may stay */
	return pv_get_page_and_type(
		mfn, d, level == 1 ? PGT_WRITABLE : PGT_L1 + level - 2);
}

void pv_put_entry(uint64_t e, unsigned int level, struct domain *d)
{
	mfn_t mfn = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;

	if (level == 1 && !(e & PTE_W))
		pv_put_page(mfn);
	else
		pv_put_page_and_type(mfn, d);
}

/* Entries of an L4 that the guest owns (T5). */
static bool guest_slot(unsigned int level, unsigned int i)
{
	return level != 4 || i < MICA_L4_FIRST_HYPERVISOR_SLOT ||
	       i >= MICA_L4_FIRST_HYPERVISOR_SLOT + MICA_L4_NR_HYPERVISOR_SLOTS;
}

static int validate_table(mfn_t mfn, struct domain *d, unsigned int level)
{
	uint64_t *t = mfn_to_virt(mfn);
	unsigned int i;
	int rc = 0;

	for (i = 0; i < 512; i++) {
		if (!guest_slot(level, i)) {
			if (t[i]) {
				rc = -EINVAL; /* T5: must be left 0 */
				break;
			}
			continue;
		}
		if (!(t[i] & PTE_P))
			continue;
		rc = pv_get_entry(&t[i], level, d);
		if (rc)
			break;
	}
	if (rc) {
		/* Undo the references taken so far. */
		while (i-- > 0)
			if (guest_slot(level, i) && (t[i] & PTE_P))
				pv_put_entry(t[i], level, d);
		return rc;
	}
	if (level == 4)
		paging_copy_hypervisor_slots(t);
	return 0;
}

static void devalidate_table(mfn_t mfn, struct domain *d, unsigned int level)
{
	uint64_t *t = mfn_to_virt(mfn);

	for (unsigned int i = 0; i < 512; i++) {
		if (!guest_slot(level, i)) {
			t[i] = 0; /* the guest may own this frame again */
			continue;
		}
		if (t[i] & PTE_P)
			pv_put_entry(t[i], level, d);
	}
}

/*
 * A dying domain (no vcpu runs): drops its base pointers and pins.  Every
 * table is reachable only from those (T2: no recursive tables), so all of
 * its tables devalidate, and what remains on its frames is their
 * allocation and references held from outside (grant mappings).
 */
void arch_domain_relinquish_tables(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		if (!v)
			continue;
		if (v->arch.cr3_user)
			pv_put_page_and_type(v->arch.cr3_user >> PAGE_SHIFT, d);
		if (v->arch.cr3_kernel)
			pv_put_page_and_type(v->arch.cr3_kernel >> PAGE_SHIFT,
					     d);
		v->arch.cr3_user = v->arch.cr3_kernel = 0;
	}
	for (uint32_t mfn = d->page_list_head; mfn != PFN_NONE;
	     mfn = mfn_to_page(mfn)->next) {
		if (pv_page_pinned(mfn)) {
			pv_page_set_pinned(mfn, false);
			pv_put_page_and_type(mfn, d);
		}
	}
}
