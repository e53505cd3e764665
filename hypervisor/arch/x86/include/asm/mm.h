/* SPDX-License-Identifier: MIT */
/*
 * PV direct paging: page types and reference counts (public/mmu.h T1-T8).
 *
 * page_info.count is the general reference count: 1 for the owning
 * domain's allocation plus one per mapping or type reference.
 * page_info.type_info packs the type, flags and the type count:
 *
 *   63      62      61         60     59..56 55    53..42 41..32 31..0
 *   UNDOING PARTIAL NEED_FLUSH PINNED type   CHILD owner  done   count
 *
 * A frame whose type count is 0 has no type in force: it may take any
 * type, after validation for the table types.  When a table's count drops
 * to 0 its entries' references are dropped at once.  The type field keeps
 * the last type, and NEED_FLUSH marks a frame that stopped being writable
 * or a page table: before it takes a different type, TLBs that may still
 * map it writable, or walk through it as a table (paging-structure
 * caches), are flushed.
 *
 * PARTIAL (mica.h note 6: pinning and unpinning a large tree are
 * preemptible): a table whose validation (or, UNDOING, whose teardown)
 * the pin or unpin of vcpu 'owner' of its domain interrupted.  Entries
 * 0..done-1 hold their references, the others none; its type count is 1.
 * With CHILD, the frame the next entry to handle names (entry done when
 * validating, done-1 when undoing) is a PARTIAL frame of the same
 * operation, for which that entry holds no reference.  Only that vcpu's
 * pin or unpin touches such a frame: it carries on when the guest issues
 * the same operation again (the continuation), and undoes it all first if
 * the vcpu's next pin or unpin is another one.  Anything else finds the
 * frame busy (pv_page_type says PGT_NONE; taking a type fails with
 * -EBUSY, or makes a preemptible pin wait).
 *
 * Locking: each domain's mm_lock serialises its page-table operations.
 */
#ifndef ASM_MM_H
#define ASM_MM_H

#include <mica/types.h>

struct domain;
struct page_info;
struct vcpu;

#define PGT_NONE 0
#define PGT_WRITABLE 1
#define PGT_L1 2 /* L1..L4 are PGT_L1 + level - 1 */
#define PGT_L2 3
#define PGT_L3 4
#define PGT_L4 5
#define PGT_SEG_DESC 6

#define PGT_COUNT_MASK 0xffffffffULL
#define PGT_TYPE_SHIFT 56
#define PGT_TYPE_MASK (0xfULL << PGT_TYPE_SHIFT)
#define PGT_PINNED (1ULL << 60)
#define PGT_NEED_FLUSH (1ULL << 61)
#define PGT_PARTIAL (1ULL << 62)
#define PGT_UNDOING (1ULL << 63)
#define PGT_CHILD (1ULL << 55)
#define PGT_OWNER_SHIFT 42
#define PGT_OWNER_MASK (0xfffULL << PGT_OWNER_SHIFT)
#define PGT_DONE_SHIFT 32
#define PGT_DONE_MASK (0x3ffULL << PGT_DONE_SHIFT)
#define PGT_PARTIAL_BITS \
	(PGT_PARTIAL | PGT_UNDOING | PGT_CHILD | PGT_OWNER_MASK | PGT_DONE_MASK)

/*
 * Takes a type reference of 'type' on a frame of d (validating it first
 * for table types).  0, or -EPERM (not d's), -EBUSY (T1), -EINVAL (T2/T4).
 * Takes a general reference too; pv_put_page_and_type drops both.
 */
int pv_get_page_and_type(mfn_t mfn, struct domain *d, unsigned int type);
void pv_put_page_and_type(mfn_t mfn, struct domain *d);

/*
 * A general reference alone (a read-only mapping): 0, -EINVAL (no such
 * frame), -EPERM (not d's), -EBUSY (count saturated).  pv_put_page drops
 * one (the last one of a dying domain's frame frees it, and maybe the
 * domain: touch nothing of the owner after it).  pv_put_type drops a type
 * reference alone (owner's mm lock).
 */
int pv_get_page(mfn_t mfn, struct domain *d);
void pv_put_page(mfn_t mfn);
void pv_put_type(mfn_t mfn, struct domain *d);

/* The L1 frame mapping va in v's kernel tables, or 0 (mm lock held). */
struct vcpu;
mfn_t pv_l1_of(const struct vcpu *v, uint64_t va);

/*
 * Checks a present entry for a level-'level' table (T4) and takes the
 * references it implies; adjusts *e to the value to store (U set, G clear
 * in L1 entries).  pv_put_entry drops them.
 */
int pv_get_entry(uint64_t *e, unsigned int level, struct domain *d);
/* The same for a privileged caller d whose L1 entries may also map frames
 * of fd (mmu.h T4a, foreign mappings); fd NULL: d's frames only. */
int pv_get_entry_foreign(uint64_t *e, unsigned int level, struct domain *d,
			 struct domain *fd);
void pv_put_entry(uint64_t e, unsigned int level, struct domain *d);

/*
 * The domain's mm_lock, taken with interrupts off; while waiting, this CPU
 * answers TLB shootdowns (the holder may be waiting for one from us).
 */
unsigned long pv_mm_lock(struct domain *d);
void pv_mm_unlock(struct domain *d, unsigned long flags);

/* Flushes every TLB that may hold translations of d's vcpus (T8). */
void pv_flush_domain_tlbs(struct domain *d);

/* Type of a frame with a type in force (type count > 0, not PARTIAL),
 * else PGT_NONE. */
unsigned int pv_page_type(mfn_t mfn);

/*
 * MICA_MMUEXT_PIN_Ln_TABLE and _UNPIN_TABLE, preemptible: 0, an error, or
 * HYPERCALL_PREEMPTED with the progress kept in the tables (PARTIAL); the
 * caller re-issues the same op, which carries on.  Another op of this
 * vcpu first undoes what an abandoned one left.  mm_lock held.
 */
int pv_pin_table(struct vcpu *v, mfn_t mfn, unsigned int type);
int pv_unpin_table(struct vcpu *v, mfn_t mfn);
bool pv_page_pinned(mfn_t mfn);
void pv_page_set_pinned(mfn_t mfn, bool pinned);

/* The frame mapped at va by the validated page tables whose L4 is at
 * machine address l4 (4 KiB pages only), or MFN_NONE.  mm_lock held. */
#define MFN_NONE (~(mfn_t)0)
mfn_t pv_l4_va_to_mfn(paddr_t l4, uint64_t va);

/*
 * Balloon release of one of d's frames: succeeds (0) only if the allocation
 * is its last reference (no mapping, type, pin) and it is not the
 * shared-info page; the count drops to 0 so no new reference can be taken.
 * -EBUSY otherwise, -EINVAL if not d's.  pv_page_unrelease undoes it.
 * Before the frame is reused, pv_flush_all_tlbs() must have run (stale
 * TLB entries of past mappings).
 */
int pv_page_release(struct domain *d, struct page_info *pg);
void pv_page_unrelease(struct page_info *pg);
void pv_flush_all_tlbs(void);

/*
 * Destruction of a dying domain in steps (see mm.c), under its mm lock:
 * pv_dying_put_base() drops a vcpu's reference on one of its L4s;
 * pv_dying_release_frame() gives back every reference that one frame's
 * table entries and pin hold (nothing for other frames), without
 * devalidating the tables below.  After both went over every base pointer
 * and every frame, only allocation references and other domains' ones
 * are left.
 */
void pv_dying_put_base(mfn_t mfn);
void pv_dying_release_frame(struct domain *d, mfn_t mfn);

#endif
