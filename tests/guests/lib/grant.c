/* SPDX-License-Identifier: MIT */
/* Guest side of grant tables; see grant.h. */
#include "grant.h"

#include "events.h"
#include "hypercall.h"
#include "layout.h"
#include "test.h"
#include "public/arch-x86/layout.h"
#include "public/mmu.h"
#include "public/sched.h"

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define ADDR_MASK 0x000ffffffffff000ULL

volatile struct mica_grant_entry *grant_table;

/* Where the table frame is mapped: this page's own frame is left alone. */
static uint8_t table_window[GRANT_PAGE] __attribute__((aligned(4096)));

long gnttab_op(uint32_t cmd, void *ops, uint32_t count)
{
	return HYPERCALL5(MICA_HC_grant_table_op, cmd, ops, count, 0, 0);
}

void grant_table_init(void)
{
	uint64_t frame = 0;
	struct mica_gnttab_setup_table s = { MICA_DOMID_SELF,  0, 1,
					     (uint64_t)&frame, 1, 0 };

	if (gnttab_op(MICA_GNTTABOP_setup_table, &s, 1) || s.status || !frame ||
	    hypercall_update_va_mapping((uint64_t)table_window,
					(frame << 12) | PTE_P | PTE_W,
					MICA_UVMF_INVLPG)) {
		test_error("cannot set up our grant table (status %d)",
			   s.status);
		return;
	}
	grant_table = (volatile struct mica_grant_entry *)table_window;
}

void grant_access(uint32_t ref, uint16_t domid, uint64_t frame, bool readonly)
{
	volatile struct mica_grant_entry *e = &grant_table[ref];

	e->frame = frame;
	e->domid = domid;
	e->sub_offset = 0;
	e->sub_length = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* E1 */
	e->flags = (uint16_t)(MICA_GTF_permit_access |
			      (readonly ? MICA_GTF_READONLY : 0));
}

uint16_t grant_end_access(uint32_t ref)
{
	volatile struct mica_grant_entry *e = &grant_table[ref];
	uint16_t seen = e->flags & ~(MICA_GTF_READING | MICA_GTF_WRITING);

	if (__atomic_compare_exchange_n(&e->flags, &seen, 0, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return 0;
	return seen ? seen : 0xffff;
}

void grant_invlpg(uint64_t va)
{
	struct mica_mmuext_op op = { MICA_MMUEXT_INVLPG_LOCAL, 0, va, 0 };

	HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF, 0);
}

void grant_map_fill(struct mica_gnttab_map_grant_ref *op, uint64_t host,
		    uint32_t flags, uint32_t ref, uint16_t dom)
{
	memset(op, 0, sizeof(*op));
	op->host_addr = host;
	op->flags = flags;
	op->ref = ref;
	op->dom = dom;
	op->status = 1;
	op->handle = 0xdeadbeef;
}

long grant_map(uint64_t host, uint32_t flags, uint32_t ref, uint16_t dom,
	       uint32_t *handle)
{
	struct mica_gnttab_map_grant_ref op;
	long rc;

	grant_map_fill(&op, host, flags, ref, dom);
	rc = gnttab_op(MICA_GNTTABOP_map_grant_ref, &op, 1);
	if (rc)
		return rc;
	if (handle)
		*handle = op.handle;
	/* T8: the old translation of host may still be in our TLB. */
	if (!op.status && (flags & MICA_GNTMAP_host_map) &&
	    !(flags & MICA_GNTMAP_contains_pte))
		grant_invlpg(host);
	return op.status;
}

long grant_unmap(uint64_t host, uint32_t handle)
{
	struct mica_gnttab_unmap_grant_ref op = { host, 0, handle, 1 };
	long rc = gnttab_op(MICA_GNTTABOP_unmap_grant_ref, &op, 1);

	return rc ? rc : op.status;
}

void grant_copy_fill(struct mica_gnttab_copy *op, uint64_t src,
		     uint16_t src_dom, uint16_t src_off, uint64_t dst,
		     uint16_t dst_dom, uint16_t dst_off, uint16_t len,
		     uint16_t flags)
{
	memset(op, 0, sizeof(*op));
	op->source.ref_or_gfn = src;
	op->source.domid = src_dom;
	op->source.offset = src_off;
	op->dest.ref_or_gfn = dst;
	op->dest.domid = dst_dom;
	op->dest.offset = dst_off;
	op->len = len;
	op->flags = flags;
	op->status = 1;
}

long grant_copy(uint64_t src, uint16_t src_dom, uint16_t src_off, uint64_t dst,
		uint16_t dst_dom, uint16_t dst_off, uint16_t len,
		uint16_t flags)
{
	struct mica_gnttab_copy op;
	long rc;

	grant_copy_fill(&op, src, src_dom, src_off, dst, dst_dom, dst_off, len,
			flags);
	rc = gnttab_op(MICA_GNTTABOP_copy, &op, 1);
	return rc ? rc : op.status;
}

uint64_t grant_l1_mfn(uint64_t va)
{
	const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;
	uint64_t mfn = virt_to_mfn((const void *)start_info->pt_base);

	for (unsigned int l = 4; l > 1; l--) {
		const uint64_t *t =
			(const uint64_t *)(GUEST_VIRT_BASE + (m2p[mfn] << 12));

		mfn = (t[(va >> (12 + 9 * (l - 1))) & 511] & ADDR_MASK) >> 12;
	}
	return mfn;
}

uint64_t grant_pte_maddr(uint64_t va)
{
	return (grant_l1_mfn(va) << 12) + ((va >> 12) & 511) * 8;
}

uint64_t grant_pte_read(uint64_t va)
{
	const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;
	const volatile uint64_t *l1 =
		(const volatile uint64_t *)(GUEST_VIRT_BASE +
					    (m2p[grant_l1_mfn(va)] << 12));

	return l1[(va >> 12) & 511];
}

void *grant_offer_store_page(void)
{
	const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;
	uint64_t mfn = start_info->store_mfn;

	if (!mfn) {
		test_error("no store page to offer");
		return NULL;
	}
	grant_access(MICA_GRANT_REF_STORE, 0, mfn, false);
	return (void *)(GUEST_VIRT_BASE + (m2p[mfn] << 12));
}

bool grant_map_store_page(uint16_t dom, void *window, uint32_t *handle,
			  uint64_t timeout_ns)
{
	uint64_t end = system_time() + timeout_ns;

	for (;;) {
		long rc = grant_map((uint64_t)window, MICA_GNTMAP_host_map,
				    MICA_GRANT_REF_STORE, dom, handle);

		if (!rc)
			return true;
		/* The table is not set up (ERANGE) or not granted (EACCES). */
		if ((rc != -MICA_ERANGE && rc != -MICA_EACCES) ||
		    system_time() > end) {
			test_error("cannot map d%u's store page: %ld", dom, rc);
			return false;
		}
		events_sleep(100000);
	}
}
