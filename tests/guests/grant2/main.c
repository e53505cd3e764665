/* SPDX-License-Identifier: MIT */
/*
 * Grant tables between real domains (public/grant_table.h).  d1 (the
 * granter, A) grants frames to dom0 (B): read-only and writable ones, one
 * for copies each way, and one to d2 (C).  The refs are fixed; the
 * rendezvous is d1's store page, which it grants to dom0 at the well-known
 * MICA_GRANT_REF_STORE (lib/grant.h), and which then serves as a mailbox
 * where dom0 asks d1 to check things or to act.
 *
 * dom0 maps by address and by PTE, reads, writes, unmaps, and copies in
 * both directions; it cannot map a read-only grant writable, a grant meant
 * for d2, a ref beyond the table or not granted, nor use stale handles.
 * d1 cannot end access while dom0 maps (E3).  d2 cannot map or copy what
 * was granted to dom0.  Last, d1 shuts down while dom0 still maps two of
 * its frames: the mappings keep working, d1 lingers dying, and its last
 * frames return to the free pool (sysctl physinfo) only at the last unmap.
 */
#include "events.h"
#include "grant.h"
#include "hypercall.h"
#include "lib.h"
#include "test.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/mmu.h"
#include "public/sched.h"
#include "public/sysctl.h"

const char test_title[] = "grant tables between domains";

#define GRANTER 1 /* d1 */
#define THIRD 2 /* d2 */
#define TIMEOUT_NS 20000000000ULL

/* d1's refs. */
#define REF_RW 8 /* writable, to dom0 */
#define REF_RO 9 /* read-only, to dom0 */
#define REF_THIRD 10 /* read-only, to d2 only */
#define REF_COPY_SRC 11 /* read-only, to dom0: copied from */
#define REF_COPY_DST 12 /* writable, to dom0: copied to */
#define REF_BUSY 13 /* writable, to dom0: revoked while mapped */
#define REF_UNUSED 20 /* never granted */
#define NR_PAGES 6

/* Mailbox commands, dom0 to d1. */
enum {
	CMD_NONE,
	CMD_VERIFY_WRITES, /* check what dom0 wrote into REF_RW, COPY_DST */
	CMD_REVOKE_BUSY, /* end access to REF_BUSY: must fail (mapped) */
	CMD_REVOKE_AGAIN, /* end access to REF_BUSY: must work now */
	CMD_DIE, /* acknowledge, then shut down */
};

/* In d1's store page. */
struct mailbox {
	uint32_t magic; /* d1: MAGIC once every ref is granted */
	uint32_t cmd; /* dom0 */
	uint32_t seq; /* dom0: bumped after cmd is written */
	uint32_t ack; /* d1: seq of the command done */
	int32_t result; /* d1: 0, or what went wrong */
	uint32_t flags_seen; /* d1: REF_BUSY's flags when revoke failed */
};
#define MAGIC 0x47524e32 /* "GRN2" */

/* d1's granted pages: page i holds pattern(i, byte). */
static uint8_t pages[NR_PAGES][GRANT_PAGE] __attribute__((aligned(4096)));

/* dom0's and d2's windows: where grants get mapped. */
static uint8_t windows[5][GRANT_PAGE] __attribute__((aligned(4096)));
static uint8_t mailbox_window[GRANT_PAGE] __attribute__((aligned(4096)));
static uint8_t scratch[GRANT_PAGE] __attribute__((aligned(4096)));

static uint8_t pattern(unsigned int page, unsigned int i)
{
	return (uint8_t)(i * (2 * page + 3) + page * 41 + 1);
}

static uint8_t pattern_b(unsigned int i) /* what dom0 writes */
{
	return (uint8_t)(i * 5 + 2);
}

static bool check_bytes(const volatile uint8_t *p, unsigned int from,
			unsigned int to,
			uint8_t (*want)(unsigned int, unsigned int),
			unsigned int page)
{
	for (unsigned int i = from; i < to; i++)
		if (p[i] != want(page, i))
			return false;
	return true;
}

static uint8_t pattern_b2(unsigned int page, unsigned int i)
{
	(void)page;
	return pattern_b(i);
}

static uint64_t wins(unsigned int n)
{
	return (uint64_t)windows[n];
}

/* ------------------------------------------------------------------ */
/* d1: the granter.                                                    */

static void granter_command(volatile struct mailbox *mb, uint32_t cmd)
{
	uint16_t flags;

	mb->result = 0;
	switch (cmd) {
	case CMD_VERIFY_WRITES:
		if (!check_bytes(pages[0], 0, 2048, pattern, 0) ||
		    !check_bytes(pages[0], 2048, 4096, pattern_b2, 0))
			mb->result = 1; /* the writable mapping's writes */
		else if (!check_bytes(pages[4], 0, 100, pattern, 3) ||
			 !check_bytes(pages[4], 100, 3100, pattern_b2, 0) ||
			 !check_bytes(pages[4], 3100, 4096, pattern, 3))
			mb->result = 2; /* the grant copies */
		break;
	case CMD_REVOKE_BUSY:
		flags = grant_end_access(REF_BUSY);
		mb->flags_seen = flags;
		if (!flags)
			mb->result = 3; /* ended access under a mapping */
		else if (flags != (MICA_GTF_permit_access | MICA_GTF_READING |
				   MICA_GTF_WRITING))
			mb->result = 4;
		break;
	case CMD_REVOKE_AGAIN:
		flags = grant_end_access(REF_BUSY);
		mb->flags_seen = flags;
		if (flags)
			mb->result = 5;
		break;
	default:
		mb->result = 6;
	}
}

static void granter_main(void)
{
	volatile struct mailbox *mb;
	uint64_t end;
	uint32_t seen = 0;

	grant_table_init();
	for (unsigned int p = 0; p < NR_PAGES; p++)
		for (unsigned int i = 0; i < GRANT_PAGE; i++)
			pages[p][i] = pattern(p, i);
	grant_access(REF_RW, 0, virt_to_mfn(pages[0]), false);
	grant_access(REF_RO, 0, virt_to_mfn(pages[1]), true);
	grant_access(REF_COPY_SRC, 0, virt_to_mfn(pages[3]), true);
	grant_access(REF_COPY_DST, 0, virt_to_mfn(pages[4]), false);
	grant_access(REF_BUSY, 0, virt_to_mfn(pages[5]), false);
	grant_access(REF_THIRD, THIRD, virt_to_mfn(pages[2]), true);
	mb = grant_offer_store_page();
	if (!mb)
		return;
	__atomic_store_n(&mb->magic, MAGIC, __ATOMIC_SEQ_CST);

	end = system_time() + 4 * TIMEOUT_NS;
	while (system_time() < end) {
		uint32_t seq = __atomic_load_n(&mb->seq, __ATOMIC_SEQ_CST);
		uint32_t cmd = mb->cmd;

		if (seq == seen) {
			events_sleep(50000);
			continue;
		}
		seen = seq;
		if (cmd == CMD_DIE) {
			/* Shut down with dom0 still mapping REF_RW, REF_RO. */
			__atomic_store_n(&mb->ack, seq, __ATOMIC_SEQ_CST);
			printk("dom0 asked us to die while it maps our frames\n");
			return;
		}
		granter_command(mb, cmd);
		__atomic_store_n(&mb->ack, seq, __ATOMIC_SEQ_CST);
	}
	test_fail("dom0 never asked us to shut down");
}

/* ------------------------------------------------------------------ */
/* d2: the third domain.                                               */

static void third_main(void)
{
	uint64_t w = wins(0), end = system_time() + TIMEOUT_NS;
	uint32_t h;
	long rc;

	/* Our own grant first: once it works, every other ref is there. */
	for (;;) {
		rc = grant_map(w, MICA_GNTMAP_host_map | MICA_GNTMAP_readonly,
			       REF_THIRD, GRANTER, &h);
		if (!rc)
			break;
		if (system_time() > end) {
			test_error("cannot map d1's ref %u: %ld", REF_THIRD,
				   rc);
			return;
		}
		events_sleep(100000);
	}
	if (!check_bytes((const volatile uint8_t *)w, 0, 4096, pattern, 2))
		test_fail("d1's page granted to us reads wrong");
	test_expect_rc(grant_map(wins(1), MICA_GNTMAP_host_map, REF_THIRD,
				 GRANTER, NULL),
		       -MICA_EACCES, "map our read-only grant writable");
	test_expect_rc(grant_map(wins(1),
				 MICA_GNTMAP_host_map | MICA_GNTMAP_readonly,
				 REF_RW, GRANTER, NULL),
		       -MICA_EACCES, "map a grant for dom0");
	test_expect_rc(grant_map(wins(1),
				 MICA_GNTMAP_host_map | MICA_GNTMAP_readonly,
				 MICA_GRANT_REF_STORE, GRANTER, NULL),
		       -MICA_EACCES, "map d1's store page granted to dom0");
	test_expect_rc(grant_copy(REF_RO, GRANTER, 0, virt_to_mfn(scratch),
				  MICA_DOMID_SELF, 0, 64,
				  MICA_GNTCOPY_source_gref),
		       -MICA_EACCES, "copy from a grant for dom0");
	test_expect_rc(grant_copy(virt_to_mfn(scratch), MICA_DOMID_SELF, 0,
				  REF_COPY_DST, GRANTER, 0, 64,
				  MICA_GNTCOPY_dest_gref),
		       -MICA_EACCES, "copy to a grant for dom0");
	test_expect_rc(grant_copy(virt_to_mfn(pages[0]), GRANTER, 0,
				  virt_to_mfn(scratch), MICA_DOMID_SELF, 0, 64,
				  0),
		       -MICA_EACCES, "copy from d1's gfn without a grant");
	test_expect_rc(grant_unmap(wins(1), h + 1), -MICA_EBADF,
		       "unmap a handle we do not hold");
	test_expect_rc(grant_unmap(wins(1), h), -MICA_EBADF,
		       "unmap our handle at the wrong address");
	test_expect_rc(grant_unmap(w, h), 0, "unmap our mapping");
	test_expect_rc(grant_unmap(w, h), -MICA_EBADF, "unmap it again");
}

/* ------------------------------------------------------------------ */
/* dom0: the grantee.                                                  */

static volatile struct mailbox *mailbox;

static long domctl_info(uint16_t domid, struct mica_domctl_domain_info *i)
{
	struct mica_domctl op = { 0 };
	long rc;

	op.cmd = MICA_DOMCTL_get_info;
	op.interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op.domid = domid;
	rc = hypercall_domctl(&op);
	*i = op.u.info;
	return rc;
}

static uint64_t free_pages(void)
{
	struct mica_sysctl s = { 0 };

	s.cmd = MICA_SYSCTL_physinfo;
	s.interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	if (hypercall_sysctl(&s))
		test_error("sysctl physinfo failed");
	return s.u.physinfo.free_pages + s.u.physinfo.scrub_pages;
}

/* Runs a mailbox command in d1: its result, or -1 on a timeout. */
static int32_t ask(uint32_t cmd)
{
	uint64_t end = system_time() + TIMEOUT_NS;
	uint32_t seq = mailbox->seq + 1;

	mailbox->cmd = cmd;
	__atomic_store_n(&mailbox->seq, seq, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&mailbox->ack, __ATOMIC_SEQ_CST) != seq) {
		if (system_time() > end) {
			test_fail("d1 did not answer command %u", cmd);
			return -1;
		}
		events_sleep(50000);
	}
	return mailbox->result;
}

/* Waits until get_info of domid fails with ESRCH (the domain is gone). */
static bool wait_gone(uint16_t domid)
{
	struct mica_domctl_domain_info i;
	uint64_t end = system_time() + TIMEOUT_NS;

	while (domctl_info(domid, &i) != -MICA_ESRCH) {
		if (system_time() > end)
			return false;
		events_sleep(100000);
	}
	return true;
}

static void dom0_map_and_copy(void)
{
	const volatile uint8_t *w0 = (const volatile uint8_t *)wins(0);
	volatile uint8_t *rw = (volatile uint8_t *)wins(0);
	uint32_t h0, h1, h2, h2b;

	printk("map by address and by PTE, read, write, unmap\n");
	test_expect_rc(grant_map(wins(0), MICA_GNTMAP_host_map, REF_RW, GRANTER,
				 &h0),
		       0, "map REF_RW writable");
	if (!check_bytes(w0, 0, 4096, pattern, 0))
		test_fail("REF_RW reads wrong through the mapping");
	for (unsigned int i = 2048; i < 4096; i++)
		rw[i] = pattern_b(i);
	test_expect_rc(grant_map(wins(1), MICA_GNTMAP_host_map, REF_RO, GRANTER,
				 NULL),
		       -MICA_EACCES, "map a read-only grant writable");
	test_expect_rc(grant_map(wins(1),
				 MICA_GNTMAP_host_map | MICA_GNTMAP_readonly,
				 REF_RO, GRANTER, &h1),
		       0, "map REF_RO read-only");
	if (grant_pte_read(wins(1)) & 2)
		test_fail("read-only grant mapped writable: PTE %#lx",
			  grant_pte_read(wins(1)));
	if (!check_bytes((const volatile uint8_t *)wins(1), 0, 4096, pattern,
			 1))
		test_fail("REF_RO reads wrong through the mapping");
	test_expect_rc(grant_map(grant_pte_maddr(wins(2)),
				 MICA_GNTMAP_host_map |
					 MICA_GNTMAP_contains_pte,
				 REF_RW, GRANTER, &h2),
		       0, "map REF_RW again, by PTE");
	grant_invlpg(wins(2));
	if (!check_bytes((const volatile uint8_t *)wins(2), 2048, 4096,
			 pattern_b2, 0))
		test_fail(
			"the PTE mapping does not see the first one's writes");

	printk("refused maps\n");
	test_expect_rc(grant_map(wins(3), MICA_GNTMAP_host_map, REF_THIRD,
				 GRANTER, NULL),
		       -MICA_EACCES, "map a grant for d2");
	test_expect_rc(grant_map(wins(3),
				 MICA_GNTMAP_host_map | MICA_GNTMAP_readonly,
				 REF_THIRD, GRANTER, NULL),
		       -MICA_EACCES, "map a grant for d2 read-only");
	test_expect_rc(grant_map(wins(3), MICA_GNTMAP_host_map, REF_UNUSED,
				 GRANTER, NULL),
		       -MICA_EACCES, "map a ref never granted");
	test_expect_rc(grant_map(wins(3), MICA_GNTMAP_host_map, 256, GRANTER,
				 NULL),
		       -MICA_ERANGE, "map a ref beyond d1's table");
	test_expect_rc(grant_map(wins(3), MICA_GNTMAP_host_map, 0xffffffffu,
				 GRANTER, NULL),
		       -MICA_ERANGE, "map ref 0xffffffff");
	test_expect_rc(grant_map(wins(3), MICA_GNTMAP_host_map, REF_RW, 99,
				 NULL),
		       -MICA_ESRCH, "map from a domain that does not exist");

	printk("unmap and stale handles\n");
	test_expect_rc(grant_unmap(wins(0), h1), -MICA_EBADF,
		       "unmap a handle at another mapping's address");
	test_expect_rc(grant_unmap(wins(0), h0), 0, "unmap REF_RW");
	test_expect_rc(grant_unmap(wins(0), h0), -MICA_EBADF,
		       "unmap the same handle again");
	if (grant_pte_read(wins(0)))
		test_fail("PTE after unmap: %#lx", grant_pte_read(wins(0)));
	test_expect_rc(grant_unmap(wins(2), h2), -MICA_EBADF,
		       "unmap a PTE mapping by virtual address");
	test_expect_rc(grant_unmap(grant_pte_maddr(wins(2)), h2), 0,
		       "unmap the PTE mapping");
	/* The freed handle comes back for a new mapping elsewhere: the old
	 * name with the old address must not reach it. */
	test_expect_rc(grant_map(wins(4), MICA_GNTMAP_host_map, REF_RW, GRANTER,
				 &h2b),
		       0, "map REF_RW at a new address");
	test_expect_rc(grant_unmap(grant_pte_maddr(wins(2)), h2), -MICA_EBADF,
		       "stale handle of the PTE mapping");
	test_expect_rc(grant_unmap(wins(0), h0), -MICA_EBADF,
		       "stale handle of the first mapping");
	test_expect_rc(grant_unmap(wins(4), h2b), 0, "unmap the new mapping");
	test_expect_rc(grant_unmap(wins(1), h1), 0, "unmap REF_RO");

	printk("copy both ways\n");
	memset(scratch, 0, sizeof(scratch));
	test_expect_rc(grant_copy(REF_COPY_SRC, GRANTER, 0,
				  virt_to_mfn(scratch), MICA_DOMID_SELF, 0,
				  4096, MICA_GNTCOPY_source_gref),
		       0, "copy a page from d1's read-only grant");
	if (!check_bytes(scratch, 0, 4096, pattern, 3))
		test_fail("the copied page is wrong");
	for (unsigned int i = 0; i < 4096; i++)
		scratch[i] = pattern_b(i);
	/* d1's page 4 becomes page 3, then bytes 100..3099 ours. */
	test_expect_rc(grant_copy(REF_COPY_SRC, GRANTER, 0, REF_COPY_DST,
				  GRANTER, 0, 4096,
				  MICA_GNTCOPY_source_gref |
					  MICA_GNTCOPY_dest_gref),
		       0, "copy between two of d1's grants");
	test_expect_rc(grant_copy(virt_to_mfn(scratch), MICA_DOMID_SELF, 100,
				  REF_COPY_DST, GRANTER, 100, 3000,
				  MICA_GNTCOPY_dest_gref),
		       0, "copy 3000 bytes into d1's writable grant");
	test_expect_rc(grant_copy(virt_to_mfn(scratch), MICA_DOMID_SELF, 0,
				  REF_COPY_SRC, GRANTER, 0, 8,
				  MICA_GNTCOPY_dest_gref),
		       -MICA_EACCES, "copy into a read-only grant");
	test_expect_rc(grant_copy(REF_THIRD, GRANTER, 0, virt_to_mfn(scratch),
				  MICA_DOMID_SELF, 0, 8,
				  MICA_GNTCOPY_source_gref),
		       -MICA_EACCES, "copy from a grant for d2");
	test_expect_rc(ask(CMD_VERIFY_WRITES), 0,
		       "d1 sees our writes and our copy");
}

static void dom0_revoke_while_mapped(void)
{
	uint32_t h;

	printk("end of access while mapped\n");
	test_expect_rc(grant_map(wins(3), MICA_GNTMAP_host_map, REF_BUSY,
				 GRANTER, &h),
		       0, "map REF_BUSY");
	if (ask(CMD_REVOKE_BUSY))
		test_fail("d1 ended access to a mapped grant (result %d, "
			  "flags %#x)",
			  mailbox->result, mailbox->flags_seen);
	((volatile uint8_t *)wins(3))[0] = 0x5a; /* still ours to write */
	test_expect_rc(grant_unmap(wins(3), h), 0, "unmap REF_BUSY");
	if (ask(CMD_REVOKE_AGAIN))
		test_fail("d1 cannot end access after the unmap (flags %#x)",
			  mailbox->flags_seen);
	test_expect_rc(grant_map(wins(3), MICA_GNTMAP_host_map, REF_BUSY,
				 GRANTER, NULL),
		       -MICA_EACCES, "map a revoked grant");
}

/*
 * d1 shuts down while we map three of its frames: REF_RW, REF_RO and the
 * store page (the mailbox).  It lingers, dying, with exactly those; each
 * unmap gives one back, and the last one ends it.
 */
static void dom0_granter_dies(uint32_t mailbox_handle)
{
	volatile uint8_t *rw = (volatile uint8_t *)wins(0);
	const volatile uint8_t *ro = (const volatile uint8_t *)wins(1);
	struct mica_domctl_domain_info i;
	uint64_t free0, free_dying, held, end;
	uint32_t h0, h1;

	printk("the granter dies while we map its frames\n");
	if (!wait_gone(THIRD)) {
		test_fail("d2 did not finish");
		return;
	}
	test_expect_rc(grant_map(wins(0), MICA_GNTMAP_host_map, REF_RW, GRANTER,
				 &h0),
		       0, "map REF_RW");
	test_expect_rc(grant_map(wins(1),
				 MICA_GNTMAP_host_map | MICA_GNTMAP_readonly,
				 REF_RO, GRANTER, &h1),
		       0, "map REF_RO");
	if (domctl_info(GRANTER, &i)) {
		test_error("get_info of d1 failed");
		return;
	}
	free0 = free_pages();
	held = i.nr_pages;
	if (ask(CMD_DIE) < 0)
		return;
	end = system_time() + TIMEOUT_NS;
	while (!domctl_info(GRANTER, &i) && !(i.flags & MICA_DOMINFO_DYING) &&
	       system_time() < end)
		events_sleep(100000);
	if (domctl_info(GRANTER, &i) || !(i.flags & MICA_DOMINFO_DYING)) {
		test_fail("d1 is not dying while mapped (flags %#x)", i.flags);
		return;
	}
	/* Dying comes first; the release of its other frames follows. */
	while (!domctl_info(GRANTER, &i) && i.nr_pages > 3 &&
	       system_time() < end)
		events_sleep(100000);
	free_dying = free_pages();
	printk("d1 dying: %lu of its %lu pages left, %lu pages freed\n",
	       i.nr_pages, held, free_dying - free0);
	if (i.nr_pages != 3)
		test_fail("a dying d1 keeps %lu pages, expected the 3 mapped",
			  i.nr_pages);

	/* The mappings still work. */
	if (!check_bytes(ro, 0, 4096, pattern, 1))
		test_fail("REF_RO reads wrong after d1 died");
	rw[0] = 0x77;
	if (rw[0] != 0x77 || !check_bytes(rw, 1, 2048, pattern, 0))
		test_fail("REF_RW reads wrong after d1 died");
	if (mailbox->magic != MAGIC)
		test_fail("the mailbox reads wrong after d1 died");
	test_expect_rc(grant_map(wins(2), MICA_GNTMAP_host_map, REF_COPY_DST,
				 GRANTER, NULL),
		       -MICA_ESRCH, "map from a dying domain");
	test_expect_rc(grant_copy(REF_COPY_SRC, GRANTER, 0,
				  virt_to_mfn(scratch), MICA_DOMID_SELF, 0, 8,
				  MICA_GNTCOPY_source_gref),
		       -MICA_ESRCH, "copy from a dying domain");

	test_expect_rc(grant_unmap(wins(0), h0), 0, "unmap REF_RW");
	test_expect_rc(grant_unmap(wins(0), h0), -MICA_EBADF,
		       "unmap REF_RW again");
	test_expect_rc(grant_unmap((uint64_t)mailbox_window, mailbox_handle), 0,
		       "unmap the mailbox");
	if (free_pages() != free_dying + 2)
		test_fail("after two unmaps %lu pages came back, expected 2",
			  free_pages() - free_dying);
	if (domctl_info(GRANTER, &i) || !(i.flags & MICA_DOMINFO_DYING) ||
	    i.nr_pages != 1)
		test_fail("d1 went (or lost its last page) before the last "
			  "unmap");
	test_expect_rc(grant_unmap(wins(1), h1), 0, "unmap the last one");
	if (!wait_gone(GRANTER))
		test_fail("d1 is still there after the last unmap");
	/* The hypervisor's own bookkeeping of d1 may come back too. */
	if (free_pages() < free0 + held)
		test_fail("free pages %lu, expected at least %lu (%lu before "
			  "d1 died + its %lu)",
			  free_pages(), free0 + held, free0, held);
	test_expect_rc(grant_unmap(wins(1), h1), -MICA_EBADF,
		       "a handle of the dead domain's grant");
}

static void dom0_main(void)
{
	uint64_t end = system_time() + TIMEOUT_NS;
	uint32_t h;

	if (!grant_map_store_page(GRANTER, mailbox_window, &h, TIMEOUT_NS))
		return;
	mailbox = (volatile struct mailbox *)mailbox_window;
	while (__atomic_load_n(&mailbox->magic, __ATOMIC_SEQ_CST) != MAGIC) {
		if (system_time() > end) {
			test_error("no magic in d1's store page");
			return;
		}
		events_sleep(50000);
	}
	dom0_map_and_copy();
	dom0_revoke_while_mapped();
	dom0_granter_dies(h);
}

void test_main(void)
{
	const char *role = cmdline_value("role");

	events_setup();
	if (role && !strncmp(role, "granter", 7))
		granter_main();
	else if (role && !strncmp(role, "third", 5))
		third_main();
	else
		dom0_main();
	test_pass();
}
