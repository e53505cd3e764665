/* SPDX-License-Identifier: MIT */
/*
 * Grant tables (public/grant_table.h) within one domain: dom0 grants to
 * itself, so every op runs on both sides at once.  Set-up and size, map
 * (host, PTE, device) and unmap, copy and transfer, the READING/WRITING
 * protocol (E2-E4), and hostile arguments of every kind; mappings left
 * live at the end must not keep the domain from being destroyed.
 */
#include "boot.h"
#include "grant.h"
#include "hypercall.h"
#include "test.h"
#include "public/arch-x86/layout.h"
#include "public/errno.h"
#include "public/grant_table.h"
#include "public/mmu.h"
#include "public/version.h"

const char test_title[] = "grant tables: one domain granting to itself";

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define ADDR_MASK 0x000ffffffffff000ULL
#define GUEST_VIRT_BASE 0xffffffff80000000ULL
#define PAGE 4096ULL

static const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;
static volatile struct mica_grant_entry *table; /* our table frame 0 */
static uint64_t end; /* boot_mapping_end() */

/* Pages at the end of the bootstrap mapping, counted down from it. */
static uint64_t va_at(unsigned int n)
{
	return end - n * PAGE;
}

static uint64_t mfn_of_va(uint64_t va)
{
	return ((const uint64_t *)
			start_info->mfn_list)[(va - GUEST_VIRT_BASE) >> 12];
}

#define VA_TABLE va_at(1) /* our grant-table frame */
#define VA_MAP va_at(2) /* where grants get mapped */
#define VA_MAP2 va_at(3)
#define VA_A va_at(4) /* frames we grant, seen at their own address */
#define VA_B va_at(5)
#define VA_C va_at(6)
#define VA_D va_at(7) /* transferred */

static long update_va(uint64_t va, uint64_t pte, uint32_t flags)
{
	return HYPERCALL5(MICA_HC_update_va_mapping, va, pte, flags, 0, 0);
}

static void grant(uint32_t ref, uint16_t flags, uint16_t domid, uint64_t frame)
{
	table[ref].frame = frame;
	table[ref].domid = domid;
	table[ref].sub_offset = 0;
	table[ref].sub_length = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* E1 */
	table[ref].flags = flags;
}

/* E3: 0 on success, else the flags that stopped it. */
static uint16_t revoke(uint32_t ref)
{
	uint16_t seen = table[ref].flags &
			~(MICA_GTF_READING | MICA_GTF_WRITING);

	if (__atomic_compare_exchange_n(&table[ref].flags, &seen, 0, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return 0;
	return seen;
}

static struct mica_gnttab_map_grant_ref map_op(uint64_t host, uint32_t flags,
					       uint32_t ref, uint16_t dom)
{
	struct mica_gnttab_map_grant_ref op;

	grant_map_fill(&op, host, flags, ref, dom);
	return op;
}

/* Maps; returns the status, the handle in *handle. */
static long map(uint64_t host, uint32_t flags, uint32_t ref, uint16_t dom,
		uint32_t *handle)
{
	struct mica_gnttab_map_grant_ref op = map_op(host, flags, ref, dom);
	long rc = gnttab_op(MICA_GNTTABOP_map_grant_ref, &op, 1);

	if (rc)
		test_fail("map_grant_ref call returned %ld", rc);
	if (handle)
		*handle = op.handle;
	return op.status;
}

static long unmap(uint64_t host, uint64_t bus, uint32_t handle)
{
	struct mica_gnttab_unmap_grant_ref op = { host, bus, handle, 1 };
	long rc = gnttab_op(MICA_GNTTABOP_unmap_grant_ref, &op, 1);

	if (rc)
		test_fail("unmap_grant_ref call returned %ld", rc);
	return op.status;
}

static void check_size_and_setup(void)
{
	struct mica_gnttab_query_size q = { MICA_DOMID_SELF, 0, 9, 9, 1 };
	struct mica_gnttab_setup_table s = { MICA_DOMID_SELF, 0, 1, 0, 1, 0 };
	struct mica_platform_parameters p;
	uint64_t frames[2] = { 0, 0 }, first;

	printk("setup_table and query_size\n");
	test_expect_rc(gnttab_op(MICA_GNTTABOP_query_size, &q, 1), 0, "query");
	if (q.status || q.nr_frames != 0 ||
	    q.max_nr_frames != MICA_GRANT_DEFAULT_MAX_FRAMES)
		test_fail("query_size: status %d, %u of %u frames", q.status,
			  q.nr_frames, q.max_nr_frames);
	if (hypercall_version(MICA_VERSION_GET_PARAMETERS, &p) == 0 &&
	    p.max_grant_frames != MICA_GRANT_DEFAULT_MAX_FRAMES)
		test_fail("GET_PARAMETERS says %u grant frames",
			  p.max_grant_frames);
	q.pad0 = 1;
	gnttab_op(MICA_GNTTABOP_query_size, &q, 1);
	test_expect_rc(q.status, -MICA_EINVAL, "query_size, padding");
	q.pad0 = 0;
	q.dom = 77;
	gnttab_op(MICA_GNTTABOP_query_size, &q, 1);
	test_expect_rc(q.status, -MICA_ESRCH, "query_size, no such domain");
	test_expect_rc(gnttab_op(MICA_GNTTABOP_query_size, &q, 2), -MICA_EINVAL,
		       "query_size with count 2");
	test_expect_rc(gnttab_op(MICA_GNTTABOP_query_size, &q, 0), -MICA_EINVAL,
		       "count 0");
	test_expect_rc(gnttab_op(99, &q, 1), -MICA_ENOSYS, "unknown op");
	test_expect_rc(gnttab_op(MICA_GNTTABOP_query_size,
				 (void *)MICA_HYPERVISOR_VIRT_START, 1),
		       -MICA_EFAULT, "ops in the hypervisor");

	s.frame_list_gaddr = (uint64_t)frames;
	s.nr_frames = MICA_GRANT_DEFAULT_MAX_FRAMES + 1;
	gnttab_op(MICA_GNTTABOP_setup_table, &s, 1);
	test_expect_rc(s.status, -MICA_EINVAL, "setup_table beyond the limit");
	s.nr_frames = 0;
	gnttab_op(MICA_GNTTABOP_setup_table, &s, 1);
	test_expect_rc(s.status, -MICA_EINVAL, "setup_table of 0 frames");
	s.nr_frames = 1;
	s.pad1 = 1;
	gnttab_op(MICA_GNTTABOP_setup_table, &s, 1);
	test_expect_rc(s.status, -MICA_EINVAL, "setup_table, padding");
	s.pad1 = 0;
	s.frame_list_gaddr = MICA_HYPERVISOR_VIRT_START;
	test_expect_rc(gnttab_op(MICA_GNTTABOP_setup_table, &s, 1),
		       -MICA_EFAULT, "setup_table, list in the hypervisor");
	s.frame_list_gaddr = (uint64_t)frames;
	test_expect_rc(gnttab_op(MICA_GNTTABOP_setup_table, &s, 1), 0, "setup");
	test_expect_rc(s.status, 0, "setup_table of 1 frame");
	first = frames[0];
	test_expect_rc(gnttab_op(MICA_GNTTABOP_setup_table, &s, 1), 0, "again");
	if (frames[0] != first || !first)
		test_fail("table frame %#lx, then %#lx", first, frames[0]);
	q.dom = MICA_DOMID_SELF;
	gnttab_op(MICA_GNTTABOP_query_size, &q, 1);
	if (q.status || q.nr_frames != 1)
		test_fail("query_size after setup: %u frames", q.nr_frames);

	test_expect_rc(update_va(VA_TABLE, (first << 12) | PTE_P | PTE_W,
				 MICA_UVMF_INVLPG),
		       0, "map the table frame writable");
	table = (volatile struct mica_grant_entry *)VA_TABLE;
	if (table[0].flags || table[255].frame)
		test_fail("a new table is not zeroed");
	{
		struct mica_mmuext_op pin = { MICA_MMUEXT_PIN_L1_TABLE, 0,
					      first, 0 };

		test_expect_rc(HYPERCALL5(MICA_HC_mmuext_op, &pin, 1, 0,
					  MICA_DOMID_SELF, 0),
			       -MICA_EBUSY, "pin the grant table as an L1");
	}
}

static void check_map_unmap(void)
{
	volatile uint64_t *a = (volatile uint64_t *)VA_A;
	volatile uint64_t *m = (volatile uint64_t *)VA_MAP;
	volatile uint64_t *m2 = (volatile uint64_t *)VA_MAP2;
	uint64_t fa = mfn_of_va(VA_A), fb = mfn_of_va(VA_B);
	uint32_t h1, h2, h3;
	const uint16_t self = 0; /* run.sh boots us as dom0 */

	printk("map_grant_ref and unmap_grant_ref\n");
	grant(8, MICA_GTF_permit_access, self, fa);
	grant(9, MICA_GTF_permit_access | MICA_GTF_READONLY, self, fb);
	grant(10, MICA_GTF_permit_access, self, grant_l1_mfn(VA_MAP));
	grant(11, MICA_GTF_permit_access, self, 0x200); /* Mica's */
	grant(12, MICA_GTF_permit_access | MICA_GTF_SUB_PAGE, self, fa);
	table[12].sub_offset = 100;
	table[12].sub_length = 100;
	grant(14, MICA_GTF_permit_access, 5, fa); /* someone else's */

	a[0] = 0x1111;
	test_expect_rc(map(VA_MAP, MICA_GNTMAP_host_map, 8, MICA_DOMID_SELF,
			   &h1),
		       0, "map ref 8 writable");
	if (table[8].flags !=
	    (MICA_GTF_permit_access | MICA_GTF_READING | MICA_GTF_WRITING))
		test_fail("ref 8 flags %#x while mapped writable",
			  table[8].flags);
	if ((grant_pte_read(VA_MAP) & ADDR_MASK) >> 12 != fa ||
	    !(grant_pte_read(VA_MAP) & PTE_W))
		test_fail("the PTE reads %#lx", grant_pte_read(VA_MAP));
	if (m[0] != 0x1111)
		test_fail("the mapping reads %#lx", m[0]);
	m[1] = 0x2222;
	if (a[1] != 0x2222)
		test_fail("a write through the mapping did not arrive");

	test_expect_rc(map(VA_MAP, MICA_GNTMAP_host_map, 8, 0, NULL),
		       -MICA_EFAULT, "map again where a grant is mapped");
	test_expect_rc(update_va(VA_MAP, 0, 0), -MICA_EBUSY,
		       "update_va_mapping over a grant");
	if (revoke(8) == 0)
		test_fail("ending access to a mapped grant succeeded");
	if (!(table[8].flags & MICA_GTF_permit_access))
		test_fail("ref 8 lost its grant while mapped");

	test_expect_rc(map(VA_MAP2, MICA_GNTMAP_host_map, 9, 0, NULL),
		       -MICA_EACCES, "map a read-only grant writable");
	test_expect_rc(map(VA_MAP2, MICA_GNTMAP_host_map | MICA_GNTMAP_readonly,
			   9, 0, &h2),
		       0, "map a read-only grant read-only");
	if (table[9].flags !=
	    (MICA_GTF_permit_access | MICA_GTF_READONLY | MICA_GTF_READING))
		test_fail("ref 9 flags %#x while mapped read-only",
			  table[9].flags);
	if (grant_pte_read(VA_MAP2) & PTE_W)
		test_fail("read-only grant mapped writable: %#lx",
			  grant_pte_read(VA_MAP2));
	(void)m2[0];

	printk("map: hostile\n");
	test_expect_rc(map(VA_C, MICA_GNTMAP_host_map, 10, 0, NULL),
		       -MICA_EBUSY, "map a page-table frame writable");
	test_expect_rc(map(VA_C, MICA_GNTMAP_host_map, 11, 0, NULL),
		       -MICA_EINVAL, "map a grant of a frame not ours");
	test_expect_rc(map(VA_C, MICA_GNTMAP_host_map, 12, 0, NULL),
		       -MICA_EACCES, "map a sub-page grant");
	test_expect_rc(map(VA_C, MICA_GNTMAP_host_map, 13, 0, NULL),
		       -MICA_EACCES, "map an invalid entry");
	test_expect_rc(map(VA_C, MICA_GNTMAP_host_map, 14, 0, NULL),
		       -MICA_EACCES, "map a grant to another domain");
	test_expect_rc(map(VA_C, MICA_GNTMAP_host_map, 256, 0, NULL),
		       -MICA_ERANGE, "ref beyond the table");
	test_expect_rc(map(VA_C, MICA_GNTMAP_host_map, 0xffffffffu, 0, NULL),
		       -MICA_ERANGE, "ref 0xffffffff");
	test_expect_rc(map(VA_C, MICA_GNTMAP_host_map, 8, 77, NULL),
		       -MICA_ESRCH, "no such granter");
	test_expect_rc(map(VA_C, 0, 8, 0, NULL), -MICA_EINVAL, "no map flag");
	test_expect_rc(map(VA_C, MICA_GNTMAP_host_map | 0x80, 8, 0, NULL),
		       -MICA_EINVAL, "unknown flag");
	test_expect_rc(map(VA_C,
			   MICA_GNTMAP_device_map | MICA_GNTMAP_contains_pte, 8,
			   0, NULL),
		       -MICA_EINVAL, "contains_pte without host_map");
	test_expect_rc(map(VA_C + 8, MICA_GNTMAP_host_map, 8, 0, NULL),
		       -MICA_EFAULT, "misaligned host_addr");
	test_expect_rc(map(MICA_HYPERVISOR_VIRT_START, MICA_GNTMAP_host_map, 8,
			   0, NULL),
		       -MICA_EFAULT, "host_addr in the hypervisor");
	test_expect_rc(map(0x1000, MICA_GNTMAP_host_map, 8, 0, NULL),
		       -MICA_EFAULT, "host_addr without an L1");
	test_expect_rc(map(grant_pte_maddr(VA_C) + 4,
			   MICA_GNTMAP_host_map | MICA_GNTMAP_contains_pte, 8,
			   0, NULL),
		       -MICA_EFAULT, "misaligned PTE address");
	test_expect_rc(map(fa << 12,
			   MICA_GNTMAP_host_map | MICA_GNTMAP_contains_pte, 8,
			   0, NULL),
		       -MICA_EFAULT, "PTE address in a frame that is no L1");
	{
		struct mica_gnttab_map_grant_ref op =
			map_op(VA_C, MICA_GNTMAP_host_map, 8, 0);

		op.pad0 = 1;
		gnttab_op(MICA_GNTTABOP_map_grant_ref, &op, 1);
		test_expect_rc(op.status, -MICA_EINVAL, "map, pad0");
		op.pad0 = 0;
		op.pad1 = 1;
		gnttab_op(MICA_GNTTABOP_map_grant_ref, &op, 1);
		test_expect_rc(op.status, -MICA_EINVAL, "map, pad1");
	}
	if ((grant_pte_read(VA_C) & ADDR_MASK) >> 12 != mfn_of_va(VA_C))
		test_fail("a failed map changed the PTE: %#lx",
			  grant_pte_read(VA_C));
	if (table[8].flags !=
	    (MICA_GTF_permit_access | MICA_GTF_READING | MICA_GTF_WRITING))
		test_fail("failed maps changed ref 8 flags to %#x",
			  table[8].flags);

	printk("device_map and contains_pte\n");
	{
		struct mica_gnttab_map_grant_ref op =
			map_op(0, MICA_GNTMAP_device_map, 8, 0);

		gnttab_op(MICA_GNTTABOP_map_grant_ref, &op, 1);
		test_expect_rc(op.status, 0, "device_map");
		if (op.dev_bus_addr != fa << 12)
			test_fail("dev_bus_addr %#lx", op.dev_bus_addr);
		test_expect_rc(unmap(0, 0, op.handle), -MICA_EBADF,
			       "unmap a device map without its bus address");
		test_expect_rc(unmap(0, op.dev_bus_addr, op.handle), 0,
			       "unmap the device map");
	}
	test_expect_rc(map(grant_pte_maddr(VA_C),
			   MICA_GNTMAP_host_map | MICA_GNTMAP_contains_pte, 8,
			   0, &h3),
		       0, "map by PTE address");
	{
		struct mica_mmuext_op inv = { MICA_MMUEXT_INVLPG_LOCAL, 0, VA_C,
					      0 };

		HYPERCALL5(MICA_HC_mmuext_op, &inv, 1, 0, MICA_DOMID_SELF, 0);
	}
	if (((volatile uint64_t *)VA_C)[1] != 0x2222)
		test_fail("the PTE mapping reads %#lx",
			  ((volatile uint64_t *)VA_C)[1]);
	test_expect_rc(unmap(VA_C, 0, h3), -MICA_EBADF,
		       "unmap a PTE mapping by virtual address");
	test_expect_rc(unmap(grant_pte_maddr(VA_C), 0, h3), 0,
		       "unmap the PTE mapping");
	if (grant_pte_read(VA_C))
		test_fail("PTE after unmap: %#lx", grant_pte_read(VA_C));
	test_expect_rc(update_va(VA_C, (mfn_of_va(VA_C) << 12) | PTE_P | PTE_W,
				 MICA_UVMF_INVLPG),
		       0, "restore VA_C");

	printk("unmap: hostile\n");
	test_expect_rc(unmap(VA_MAP, 0, 12345), -MICA_EBADF,
		       "unmap an unknown handle");
	test_expect_rc(unmap(VA_MAP2, 0, h1), -MICA_EBADF,
		       "unmap with the wrong address");
	test_expect_rc(unmap(VA_MAP, 0, h1), 0, "unmap ref 8");
	test_expect_rc(unmap(VA_MAP, 0, h1), -MICA_EBADF, "unmap it again");
	if (grant_pte_read(VA_MAP))
		test_fail("PTE after unmap: %#lx", grant_pte_read(VA_MAP));
	if (table[8].flags != MICA_GTF_permit_access)
		test_fail("ref 8 flags %#x after unmap", table[8].flags);
	if (revoke(8) != 0)
		test_fail("revoke after unmap failed");
	{
		struct mica_gnttab_unmap_grant_ref ops[2] = {
			{ VA_MAP2, 0, h2, 1 }, { VA_MAP2, 0, h2, 1 }
		};

		test_expect_rc(gnttab_op(MICA_GNTTABOP_unmap_grant_ref, ops, 2),
			       0, "batched unmap");
		test_expect_rc(ops[0].status, 0, "batch: first unmap");
		test_expect_rc(ops[1].status, -MICA_EBADF,
			       "batch: same handle again");
	}
	if (table[9].flags != (MICA_GTF_permit_access | MICA_GTF_READONLY))
		test_fail("ref 9 flags %#x after unmap", table[9].flags);
	/* A fresh map after all this works, and works again. */
	grant(8, MICA_GTF_permit_access, 0, fa);
	test_expect_rc(map(VA_MAP, MICA_GNTMAP_host_map, 8, 0, &h1), 0,
		       "map ref 8 again");
	test_expect_rc(unmap(VA_MAP, 0, h1), 0, "and unmap it");
}

static struct mica_gnttab_copy copy_op(uint64_t src, uint16_t soff,
				       uint64_t dst, uint16_t doff,
				       uint16_t len, uint16_t flags)
{
	struct mica_gnttab_copy op;

	grant_copy_fill(&op, src, MICA_DOMID_SELF, soff, dst, MICA_DOMID_SELF,
			doff, len, flags);
	return op;
}

static long copy(struct mica_gnttab_copy op)
{
	long rc = gnttab_op(MICA_GNTTABOP_copy, &op, 1);

	if (rc)
		test_fail("copy call returned %ld", rc);
	return op.status;
}

static void check_copy(void)
{
	uint64_t fa = mfn_of_va(VA_A), fc = mfn_of_va(VA_C);
	volatile uint8_t *a = (volatile uint8_t *)VA_A;
	volatile uint8_t *c = (volatile uint8_t *)VA_C;
	const uint16_t src = MICA_GNTCOPY_source_gref;
	const uint16_t dst = MICA_GNTCOPY_dest_gref;
	bool ok = true;

	printk("copy\n");
	grant(8, MICA_GTF_permit_access, 0, fa);
	for (unsigned int i = 0; i < 4096; i++) {
		a[i] = (uint8_t)i;
		c[i] = 0;
	}
	test_expect_rc(copy(copy_op(8, 10, fc, 20, 100, src)), 0,
		       "grant to own frame");
	for (unsigned int i = 0; i < 100; i++)
		ok &= c[20 + i] == (uint8_t)(10 + i);
	if (!ok || c[19] || c[120])
		test_fail("copied bytes are wrong");
	if (table[8].flags != MICA_GTF_permit_access)
		test_fail("ref 8 flags %#x after a copy", table[8].flags);
	c[0] = 0xab;
	test_expect_rc(copy(copy_op(fc, 0, 8, 4095, 1, dst)), 0,
		       "own frame to grant, last byte");
	if (a[4095] != 0xab)
		test_fail("byte copied to the grant is %#x", a[4095]);
	test_expect_rc(copy(copy_op(8, 0, 8, 2048, 2048, src | dst)), 0,
		       "grant to grant, same frame, apart");
	test_expect_rc(copy(copy_op(fc, 0, fc, 4096, 0, 0)), 0,
		       "zero bytes at the end of the page");
	test_expect_rc(copy(copy_op(9, 0, fc, 0, 8, src)), 0,
		       "read-only grant as source");
	test_expect_rc(copy(copy_op(fc, 0, 9, 0, 8, dst)), -MICA_EACCES,
		       "read-only grant as destination");
	/* Sub-page grant of bytes [100, 200) of frame A. */
	test_expect_rc(copy(copy_op(12, 100, fc, 0, 100, src)), 0,
		       "inside a sub-page grant");
	test_expect_rc(copy(copy_op(12, 150, fc, 0, 100, src)), -MICA_EACCES,
		       "past the end of a sub-page grant");
	test_expect_rc(copy(copy_op(12, 50, fc, 0, 100, src)), -MICA_EACCES,
		       "before a sub-page grant");

	printk("copy: hostile\n");
	test_expect_rc(copy(copy_op(fc, 4000, fa, 0, 200, 0)), -MICA_EINVAL,
		       "source offset + len beyond the page");
	test_expect_rc(copy(copy_op(fc, 0, fa, 3000, 2000, 0)), -MICA_EINVAL,
		       "destination offset + len beyond the page");
	test_expect_rc(copy(copy_op(fc, 4097, fa, 0, 0, 0)), -MICA_EINVAL,
		       "offset beyond the page");
	test_expect_rc(copy(copy_op(fc, 0, fa, 0, 0xffff, 0)), -MICA_EINVAL,
		       "length 0xffff");
	test_expect_rc(copy(copy_op(fc, 0, fc, 50, 100, 0)), -MICA_EINVAL,
		       "overlapping ranges");
	test_expect_rc(copy(copy_op(fc, 0, fa, 0, 8, 0x4)), -MICA_EINVAL,
		       "unknown copy flag");
	test_expect_rc(copy(copy_op(0x200, 0, fc, 0, 8, 0)), -MICA_EINVAL,
		       "source frame not ours");
	test_expect_rc(copy(copy_op(fc, 0, grant_l1_mfn(VA_C), 0, 8, 0)),
		       -MICA_EBUSY, "destination is a page table");
	test_expect_rc(copy(copy_op(fc, 0, 10, 0, 8, dst)), -MICA_EBUSY,
		       "destination grant of a page table");
	test_expect_rc(copy(copy_op(300, 0, fc, 0, 8, src)), -MICA_ERANGE,
		       "source ref beyond the table");
	test_expect_rc(copy(copy_op(1ULL << 40, 0, fc, 0, 8, src)),
		       -MICA_ERANGE, "source ref beyond 32 bits");
	test_expect_rc(copy(copy_op(14, 0, fc, 0, 8, src)), -MICA_EACCES,
		       "grant to another domain");
	{
		struct mica_gnttab_copy op = copy_op(fc, 0, fa, 0, 8, 0);

		op.source.pad0 = 1;
		test_expect_rc(copy(op), -MICA_EINVAL, "copy, padding");
		op = copy_op(fc, 0, fa, 0, 8, 0);
		op.dest.domid = 77;
		test_expect_rc(copy(op), -MICA_ESRCH, "copy, no such domain");
	}
	if (table[8].flags != MICA_GTF_permit_access ||
	    table[9].flags != (MICA_GTF_permit_access | MICA_GTF_READONLY))
		test_fail("copies left flags %#x, %#x", table[8].flags,
			  table[9].flags);
	test_expect_rc(gnttab_op(MICA_GNTTABOP_copy, (void *)VA_A, 0x10001),
		       -MICA_EINVAL, "a batch of 65537");
	test_expect_rc(gnttab_op(MICA_GNTTABOP_copy, (void *)VA_A, 0xffffffffu),
		       -MICA_EINVAL, "a batch of 2^32-1");
	{
		/* The second op straddles the end of the mapping. */
		struct mica_gnttab_copy *ops =
			(struct mica_gnttab_copy *)(end - sizeof(*ops));

		test_expect_rc(gnttab_op(MICA_GNTTABOP_copy, ops, 2),
			       -MICA_EFAULT, "a batch running off the map");
	}
}

static void check_transfer(void)
{
	uint64_t fd = mfn_of_va(VA_D), pfn = m2p[fd];
	struct mica_gnttab_transfer t = { fd, MICA_DOMID_SELF, 0, 15, 1, 0 };

	printk("transfer\n");
	grant(15, MICA_GTF_accept_transfer, 0, 0);
	gnttab_op(MICA_GNTTABOP_transfer, &t, 1);
	test_expect_rc(t.status, -MICA_EBUSY, "transfer a mapped frame");
	test_expect_rc(update_va(VA_D, 0, MICA_UVMF_INVLPG), 0, "unmap VA_D");
	t.ref = 8;
	gnttab_op(MICA_GNTTABOP_transfer, &t, 1);
	test_expect_rc(t.status, -MICA_EACCES, "transfer to a permit_access");
	t.ref = 15;
	t.pad1 = 1;
	gnttab_op(MICA_GNTTABOP_transfer, &t, 1);
	test_expect_rc(t.status, -MICA_EINVAL, "transfer, padding");
	t.pad1 = 0;
	t.gfn = start_info->shared_info_mfn;
	gnttab_op(MICA_GNTTABOP_transfer, &t, 1);
	test_expect_rc(t.status, -MICA_EBUSY, "transfer the shared-info frame");
	t.gfn = 0x200;
	gnttab_op(MICA_GNTTABOP_transfer, &t, 1);
	test_expect_rc(t.status, -MICA_EINVAL, "transfer a frame not ours");
	if (table[15].flags != MICA_GTF_accept_transfer)
		test_fail("failed transfers left flags %#x", table[15].flags);
	t.gfn = fd;
	gnttab_op(MICA_GNTTABOP_transfer, &t, 1);
	test_expect_rc(t.status, 0, "transfer to ourselves");
	if (table[15].flags !=
		    (MICA_GTF_accept_transfer | MICA_GTF_TRANSFER_COMMITTED |
		     MICA_GTF_TRANSFER_COMPLETED) ||
	    table[15].frame != fd)
		test_fail("after transfer: flags %#x frame %#lx",
			  table[15].flags, table[15].frame);
	if (m2p[fd] != MICA_INVALID_FRAME)
		test_fail("M2P of a transferred frame: %#lx", m2p[fd]);
	gnttab_op(MICA_GNTTABOP_transfer, &t, 1);
	test_expect_rc(t.status, -MICA_EACCES, "transfer to a used entry");
	{
		struct mica_mmu_update u = {
			(fd << 12) | MICA_MMU_MACHPHYS_UPDATE, pfn
		};

		test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, &u, 1, 0,
					  MICA_DOMID_SELF, 0),
			       0, "the received frame is ours: set its M2P");
	}
	test_expect_rc(update_va(VA_D, (fd << 12) | PTE_P | PTE_W,
				 MICA_UVMF_INVLPG),
		       0, "map the received frame");
}

void test_main(void)
{
	end = boot_mapping_end();
	check_size_and_setup();
	check_map_unmap();
	check_copy();
	check_transfer();
	/* Left mapped: destruction must unmap them (else no clean exit). */
	grant(8, MICA_GTF_permit_access, 0, mfn_of_va(VA_A));
	test_expect_rc(map(VA_MAP, MICA_GNTMAP_host_map, 8, 0, NULL), 0,
		       "a mapping left for destruction");
	test_expect_rc(map(VA_MAP2, MICA_GNTMAP_host_map | MICA_GNTMAP_readonly,
			   9, 0, NULL),
		       0, "a read-only one too");
	test_pass();
}
