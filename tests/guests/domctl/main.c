/* SPDX-License-Identifier: MIT */
/*
 * The privileged interface (public/domctl.h, sysctl.h, the foreign domid of
 * mmu.h, SCHEDOP_remote_shutdown) with dom0 and one unprivileged domain
 * (domctl/domains).
 *
 * dom0 creates domains, sets their limits, populates them, maps their
 * frames (map_foreign and mmu_update with a foreign domid), writes and reads
 * back through two mappings, pauses and unpauses the running domU (which
 * waits for a flag dom0 writes into its memory through a foreign mapping),
 * lists and inspects domains, destroys one while it is still mapped (dying
 * until the mapping goes), and finds the host's free memory back where it
 * was.  The domU tries every privileged operation and must be refused with
 * -MICA_EPERM each time, dom0 carrying on unaffected.  It then sets up CPU
 * state of every kind a vcpu context carries (GDT, LDT and selectors from
 * them, debug registers, XMM registers and MXCSR, IOPL, I/O bitmap), which
 * dom0 reads, checks, writes back (after hostile variants are refused) and
 * reads again unchanged; the domU finds it all intact afterwards.
 */
#include "cpu.h"
#include "fpu.h"
#include "test.h"

#include "public/arch-x86/context.h"
#include "public/arch-x86/layout.h"
#include "public/console.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/memory.h"
#include "public/mmu.h"
#include "public/physdev.h"
#include "public/sched.h"
#include "public/shared_info.h"
#include "public/sysctl.h"

const char test_title[] = "domctl, sysctl, foreign mappings, remote shutdown";

#define VIRT_BASE 0xffffffff80000000ULL
#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define ADDR_MASK 0x000ffffffffff000ULL
#define TIMEOUT_TSC 60000000000ULL

static const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;

/* The domU spins until dom0 writes 1 here through a foreign mapping. */
static volatile uint64_t flag __attribute__((aligned(4096)));

/* The domU's CPU state that the vcpu-context round trip must keep. */
#define DATA3 0x00cff3000000ffffULL /* flat data, DPL 3 */
#define GDT_SEL 0x0b /* GDT entry 1, RPL 3 */
#define LDT_SEL 0x0f /* LDT entry 1, RPL 3 */
#define STATE_GDT_ENTRIES 16
#define STATE_LDT_ENTRIES 2
#define STATE_DR7 (1ULL | 3ULL << 16 | 2ULL << 18) /* L0, R/W, 8 bytes */
#define STATE_MXCSR 0xbf80u
#define STATE_XMM_SEED 3
#define STATE_IOPL 2
#define STATE_IO_PORTS 64
static uint64_t domu_gdt[512] __attribute__((aligned(4096)));
static uint64_t domu_ldt[512] __attribute__((aligned(4096)));
static uint8_t domu_io_bitmap[STATE_IO_PORTS / 8];
static volatile uint64_t domu_watched; /* never touched: DR0 */

static long domctl(struct mica_domctl *op, uint32_t cmd, uint16_t domid)
{
	op->cmd = cmd;
	op->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op->domid = domid;
	return hypercall_domctl(op);
}

static long sysctl(struct mica_sysctl *op, uint32_t cmd)
{
	op->cmd = cmd;
	op->interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	return hypercall_sysctl(op);
}

static uint64_t free_pages(void)
{
	struct mica_sysctl s = { 0 };

	if (sysctl(&s, MICA_SYSCTL_physinfo))
		test_fail("physinfo failed");
	return s.u.physinfo.free_pages;
}

static long info(uint16_t domid, struct mica_domctl_domain_info *i)
{
	struct mica_domctl op = { 0 };
	long rc = domctl(&op, MICA_DOMCTL_get_info, domid);

	*i = op.u.info;
	return rc;
}

static uint64_t p2m(uint64_t pfn)
{
	return ((const uint64_t *)start_info->mfn_list)[pfn];
}

/* The machine address of va's L1 entry (tables are mapped at L7). */
static uint64_t l1e_maddr(uint64_t va)
{
	uint64_t mfn = p2m((start_info->pt_base - VIRT_BASE) >> 12);

	for (unsigned int l = 4; l > 1; l--) {
		const uint64_t *t =
			(const uint64_t *)(VIRT_BASE + (m2p[mfn] << 12));

		mfn = (t[(va >> (12 + 9 * (l - 1))) & 511] & ADDR_MASK) >> 12;
	}
	return (mfn << 12) + ((va >> 12) & 511) * 8;
}

/* ------------------------------------------------------------------ */
/* The unprivileged domain.                                            */

static long set_ldt(uint64_t va, uint64_t entries)
{
	struct mica_mmuext_op op = { MICA_MMUEXT_SET_LDT, 0, va, entries };

	return HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF, 0);
}

/* Non-empty state of every kind a vcpu context carries. */
static void intruder_set_state(void)
{
	uint64_t gdt_mfn = p2m(((uint64_t)domu_gdt - VIRT_BASE) >> 12);
	struct mica_physdev_set_iopl iopl = { STATE_IOPL, 0 };
	struct mica_physdev_set_iobitmap bm = { (uint64_t)domu_io_bitmap,
						STATE_IO_PORTS, 0 };
	uint8_t xmm[16][16];

	domu_gdt[1] = DATA3;
	domu_ldt[1] = DATA3;
	if (cpu_remap(domu_gdt, 0) || cpu_remap(domu_ldt, 0) ||
	    HYPERCALL5(MICA_HC_set_gdt, &gdt_mfn, STATE_GDT_ENTRIES, 0, 0, 0) ||
	    set_ldt((uint64_t)domu_ldt, STATE_LDT_ENTRIES) ||
	    HYPERCALL5(MICA_HC_set_debugreg, 0, &domu_watched, 0, 0, 0) ||
	    HYPERCALL5(MICA_HC_set_debugreg, 7, STATE_DR7, 0, 0, 0) ||
	    HYPERCALL5(MICA_HC_physdev_op, MICA_PHYSDEVOP_set_iopl, &iopl, 0, 0,
		       0) ||
	    HYPERCALL5(MICA_HC_physdev_op, MICA_PHYSDEVOP_set_iobitmap, &bm, 0,
		       0, 0)) {
		test_error("domU: cannot set up its CPU state");
		return;
	}
	__asm__ __volatile__("mov %%ax, %%es" ::"a"(GDT_SEL));
	__asm__ __volatile__("mov %%ax, %%fs" ::"a"(LDT_SEL));
	fpu_xmm_pattern(xmm, STATE_XMM_SEED);
	fpu_xmm_load(xmm);
	fpu_set_mxcsr(STATE_MXCSR);
}

/* After dom0's round trip of our context: all of it still there. */
static void intruder_check_state(void)
{
	uint8_t want[16][16], xmm[16][16];
	uint16_t es, fs;
	uint64_t dr7;
	int r;

	fpu_xmm_store(xmm);
	fpu_xmm_pattern(want, STATE_XMM_SEED);
	r = fpu_xmm_diff((const uint8_t(*)[16])xmm, want);
	if (r >= 0)
		test_fail("domU: xmm%d changed by the context round trip", r);
	if (fpu_mxcsr() != STATE_MXCSR)
		test_fail("domU: MXCSR %#x after the round trip", fpu_mxcsr());
	__asm__ __volatile__("mov %%es, %0; mov %%fs, %1" : "=r"(es), "=r"(fs));
	if (es != GDT_SEL || fs != LDT_SEL)
		test_fail("domU: es %#x fs %#x after the round trip", es, fs);
	__asm__ __volatile__("mov %%dr7, %0" : "=r"(dr7));
	if ((dr7 & 0xffff00ff) != STATE_DR7)
		test_fail("domU: DR7 %#lx after the round trip", dr7);
}

static void intruder(void)
{
	struct mica_domctl op = { 0 };
	struct mica_sysctl s = { 0 };
	struct mica_mmu_update u = { l1e_maddr(boot_mapping_end() - 4096) |
					     MICA_MMU_NORMAL_PT_UPDATE,
				     (1ULL << 12) | PTE_P | PTE_W };
	struct mica_memory_domain md = { .domid = 0 };
	struct mica_memory_map mm = { 0 };
	struct mica_machphys_mfn_list ml = { 0 };
	struct mica_sched_remote_shutdown rs = { .domid = 0 };
	uint64_t start;

	test_expect_rc(domctl(&op, MICA_DOMCTL_get_info, 0), -MICA_EPERM,
		       "domU: domctl get_info");
	test_expect_rc(domctl(&op, MICA_DOMCTL_create, MICA_DOMID_ANY),
		       -MICA_EPERM, "domU: domctl create");
	test_expect_rc(hypercall_domctl((void *)0x1000), -MICA_EPERM,
		       "domU: domctl with an unreadable argument");
	test_expect_rc(sysctl(&s, MICA_SYSCTL_physinfo), -MICA_EPERM,
		       "domU: sysctl physinfo");
	test_expect_rc(sysctl(&s, MICA_SYSCTL_perfc), -MICA_EPERM,
		       "domU: sysctl perfc");
	test_expect_rc(hypercall_sysctl((void *)0x1000), -MICA_EPERM,
		       "domU: sysctl with an unreadable argument");
	test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, &u, 1, 0, 0, 0),
		       -MICA_EPERM, "domU: mmu_update mapping dom0's frames");
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_current_reservation, &md),
		       -MICA_EPERM, "domU: reservation of dom0");
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_machine_memory_map, &mm),
		       -MICA_EPERM, "domU: machine memory map");
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_machphys_mfn_list, &ml),
		       -MICA_EPERM, "domU: M2P frame list");
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_remote_shutdown, &rs),
		       -MICA_EPERM, "domU: remote shutdown of dom0");
	/* Its own reservation it may read. */
	md.domid = MICA_DOMID_SELF;
	test_expect_rc(hypercall_memory_op(MICA_MEMOP_current_reservation, &md),
		       0, "domU: its own reservation");

	intruder_set_state();
	printk("refusals checked; flag at mfn %#lx\n",
	       p2m(((uint64_t)&flag - VIRT_BASE) >> 12));
	start = __builtin_ia32_rdtsc();
	while (flag != 1) {
		if (__builtin_ia32_rdtsc() - start > TIMEOUT_TSC) {
			test_fail("dom0 never set the flag");
			return;
		}
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	}
	printk("dom0 set the flag through a foreign mapping\n");
	intruder_check_state();
}

/* ------------------------------------------------------------------ */
/* dom0.                                                               */

/* Waits for "(d1) ... flag at mfn 0x..." in the log; 0 on timeout. */
static uint64_t domu_flag_mfn(void)
{
	static char buf[8192];
	struct mica_console_read r = { 0 };
	uint64_t start = __builtin_ia32_rdtsc();
	size_t have = 0;

	while (__builtin_ia32_rdtsc() - start < TIMEOUT_TSC) {
		const char *p;

		if (have > sizeof(buf) - 1025)
			have = 0;
		r.buffer_gaddr = (uint64_t)buf + have;
		r.size = (uint32_t)(sizeof(buf) - 1 - have);
		if (hypercall_console_io(MICA_CONSOLEIO_read, sizeof(r), &r))
			return 0;
		have += r.length;
		buf[have] = '\0';
		p = strstr(buf, "(d1) refusals checked; flag at mfn 0x");
		if (p && memchr(p, '\n', strlen(p))) {
			uint64_t v = 0;

			for (p += 37; (*p >= '0' && *p <= '9') ||
				      (*p >= 'a' && *p <= 'f');
			     p++)
				v = v * 16 + (uint64_t)(*p <= '9' ?
								*p - '0' :
								*p - 'a' + 10);
			return v;
		}
		if (!r.length)
			hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	}
	return 0;
}

static void check_errors(uint16_t domu)
{
	struct mica_domctl op = { 0 };
	struct mica_sysctl s = { 0 };

	op.u.create.max_vcpus = 1;
	op.u.create.max_pages = 16;
	test_expect_rc(domctl(&op, MICA_DOMCTL_create, domu), -MICA_EEXIST,
		       "create with a domid in use");
	test_expect_rc(domctl(&op, MICA_DOMCTL_create, MICA_DOMID_SELF),
		       -MICA_EINVAL, "create with a reserved domid");
	op.u.create.flags = 1u << 7;
	test_expect_rc(domctl(&op, MICA_DOMCTL_create, MICA_DOMID_ANY),
		       -MICA_EINVAL, "create with an unknown flag");
	op.u.create.flags = MICA_DOMCTL_CREATE_HAP;
	test_expect_rc(domctl(&op, MICA_DOMCTL_create, MICA_DOMID_ANY),
		       -MICA_EINVAL, "create HAP without HVM");
	op.u.create.flags = 0;
	op.u.create.max_vcpus = 0;
	test_expect_rc(domctl(&op, MICA_DOMCTL_create, MICA_DOMID_ANY),
		       -MICA_EINVAL, "create with 0 vcpus");
	op.cmd = MICA_DOMCTL_get_info;
	op.interface_version = MICA_DOMCTL_INTERFACE_VERSION + 1;
	op.domid = 0;
	test_expect_rc(hypercall_domctl(&op), -MICA_EPROTO,
		       "domctl of another interface version");
	op.pad0 = 1;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_info, 0), -MICA_EINVAL,
		       "domctl with pad0 set");
	op.pad0 = 0;
	op.progress = 1;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_info, 0), -MICA_EINVAL,
		       "domctl with progress set");
	op.progress = 0;
	test_expect_rc(domctl(&op, 99, 0), -MICA_ENOSYS, "unknown domctl");
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_info, 999), -MICA_ESRCH,
		       "get_info of no such domain");
	test_expect_rc(domctl(&op, MICA_DOMCTL_pause, 999), -MICA_ESRCH,
		       "pause no such domain");
	test_expect_rc(domctl(&op, MICA_DOMCTL_pause, 0), -MICA_EPERM,
		       "pause dom0");
	test_expect_rc(domctl(&op, MICA_DOMCTL_destroy, 0), -MICA_EPERM,
		       "destroy dom0");
	test_expect_rc(hypercall_domctl((void *)0x1000), -MICA_EFAULT,
		       "domctl with an unreadable argument");
	test_expect_rc(sysctl(&s, 7), -MICA_ENOSYS, "unknown sysctl");
	s.interface_version = 0;
	test_expect_rc(hypercall_sysctl(&s), -MICA_EPROTO,
		       "sysctl of another interface version");
}

/* MICA_SYSCTL_perfc: CPU 0 and the sum count this caller's hypercalls;
 * CPUs that do not exist are refused. */
static void check_sysctl_perfc(uint32_t nr_cpus)
{
	struct mica_sysctl s = { 0 };
	uint64_t first, all;

	s.u.perfc.cpu = 0;
	test_expect_rc(sysctl(&s, MICA_SYSCTL_perfc), 0, "perfc of CPU 0");
	first = s.u.perfc.count[MICA_PERFC_hypercalls];
	if (!s.u.perfc.nr || s.u.perfc.nr > MICA_PERFC_MAX || !first ||
	    s.u.perfc.count[MICA_PERFC_MAX - 1])
		test_fail("perfc: %u counters, %lu hypercalls", s.u.perfc.nr,
			  first);
	memset(&s, 0, sizeof(s));
	s.u.perfc.cpu = MICA_PERFC_ALL_CPUS;
	test_expect_rc(sysctl(&s, MICA_SYSCTL_perfc), 0, "perfc of all CPUs");
	all = s.u.perfc.count[MICA_PERFC_hypercalls];
	if (all <= first || !s.u.perfc.count[MICA_PERFC_exits_sysret])
		test_fail("perfc: %lu hypercalls in all, %lu on CPU 0 before",
			  all, first);
	s.u.perfc.cpu = nr_cpus;
	test_expect_rc(sysctl(&s, MICA_SYSCTL_perfc), -MICA_EINVAL,
		       "perfc of a CPU beyond the last");
	s.u.perfc.cpu = MICA_PERFC_ALL_CPUS - 1;
	test_expect_rc(sysctl(&s, MICA_SYSCTL_perfc), -MICA_EINVAL,
		       "perfc of CPU 0xfffffffe");
}

static void check_sysctl(void)
{
	struct mica_sysctl s = { 0 };
	struct mica_shared_info *sh =
		(struct mica_shared_info *)(boot_mapping_end() - 8 * 4096);

	test_expect_rc(sysctl(&s, MICA_SYSCTL_physinfo), 0, "physinfo");
	if (!s.u.physinfo.nr_cpus ||
	    s.u.physinfo.max_cpu_id + 1 < s.u.physinfo.nr_cpus ||
	    !s.u.physinfo.cpu_khz || !s.u.physinfo.total_pages ||
	    s.u.physinfo.free_pages > s.u.physinfo.total_pages ||
	    s.u.physinfo.total_pages < start_info->nr_pages)
		test_fail("physinfo: %u cpus, %u kHz, %lu of %lu pages free",
			  s.u.physinfo.nr_cpus, s.u.physinfo.cpu_khz,
			  s.u.physinfo.free_pages, s.u.physinfo.total_pages);
	printk("physinfo: %u CPUs, %u kHz, %lu of %lu pages free, caps %#x\n",
	       s.u.physinfo.nr_cpus, s.u.physinfo.cpu_khz,
	       s.u.physinfo.free_pages, s.u.physinfo.total_pages,
	       s.u.physinfo.capabilities);

	check_sysctl_perfc(s.u.physinfo.nr_cpus);

	memset(&s, 0, sizeof(s));
	s.u.settime.sec = 1700000000;
	s.u.settime.nsec = 1000000000;
	test_expect_rc(sysctl(&s, MICA_SYSCTL_settime), -MICA_EINVAL,
		       "settime with nsec of a whole second");
	s.u.settime.nsec = 250;
	s.u.settime.system_time = 3000000100ULL; /* 3 s + 100 ns */
	test_expect_rc(sysctl(&s, MICA_SYSCTL_settime), 0, "settime");
	if (hypercall_update_va_mapping((uint64_t)sh,
					(start_info->shared_info_mfn << 12) |
						PTE_P | PTE_W,
					MICA_UVMF_INVLPG))
		test_error("cannot map the shared-info page");
	else if (sh->wallclock.sec != 1700000000 - 3 ||
		 sh->wallclock.nsec != 150 || (sh->wallclock.version & 1))
		test_fail("wall clock %lu.%09u (version %u), expected "
			  "1699999997.000000150",
			  sh->wallclock.sec, sh->wallclock.nsec,
			  sh->wallclock.version);
}

/* Pauses the running domU, checks it stays off the CPUs, unpauses it. */
static void check_pause(uint16_t domu)
{
	struct mica_domctl op = { 0 };
	struct mica_domctl_domain_info i;
	uint64_t t0, t1;

	test_expect_rc(domctl(&op, MICA_DOMCTL_pause, domu), 0, "pause domU");
	test_expect_rc(domctl(&op, MICA_DOMCTL_pause, domu), 0,
		       "pause domU again (nested)");
	info(domu, &i);
	if (!(i.flags & MICA_DOMINFO_PAUSED) ||
	    (i.flags & MICA_DOMINFO_RUNNING))
		test_fail("paused domU has flags %#x", i.flags);
	op.u.vcpu_info.vcpu = 0;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_vcpu_info, domu), 0,
		       "vcpu info");
	if ((op.u.vcpu_info.flags & MICA_VCPUINFO_RUNNING) ||
	    !(op.u.vcpu_info.flags & MICA_VCPUINFO_ONLINE))
		test_fail("paused vcpu has flags %#x", op.u.vcpu_info.flags);
	t0 = op.u.vcpu_info.cpu_time;
	for (int n = 0; n < 2000; n++)
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	domctl(&op, MICA_DOMCTL_get_vcpu_info, domu);
	t1 = op.u.vcpu_info.cpu_time;
	if (t1 != t0)
		test_fail("paused vcpu ran: cpu_time %lu -> %lu", t0, t1);
	test_expect_rc(domctl(&op, MICA_DOMCTL_unpause, domu), 0, "unpause");
	info(domu, &i);
	if (!(i.flags & MICA_DOMINFO_PAUSED))
		test_fail("one pause left, flags %#x", i.flags);
	test_expect_rc(domctl(&op, MICA_DOMCTL_unpause, domu), 0,
		       "unpause the last pause");
	test_expect_rc(domctl(&op, MICA_DOMCTL_unpause, domu), -MICA_EINVAL,
		       "unpause a running domain");
	op.u.vcpu_info.vcpu = 5;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_vcpu_info, domu),
		       -MICA_ENOENT, "vcpu info of vcpu 5");
}

/* The domU's state (intruder_set_state) as its context shows it. */
static void check_context_state(const struct mica_vcpu_guest_context *c)
{
	uint8_t want[16][16];
	uint32_t mxcsr;
	int r;

	fpu_xmm_pattern(want, STATE_XMM_SEED);
	r = fpu_xmm_diff((const uint8_t(*)[16])(c->fpu + FXSAVE_XMM0), want);
	memcpy(&mxcsr, c->fpu + FXSAVE_MXCSR, sizeof(mxcsr));
	if (!(c->flags & MICA_VGCF_FPU_VALID) || r >= 0 || mxcsr != STATE_MXCSR)
		test_fail("domU context: flags %#x, xmm%d differs, MXCSR %#x",
			  c->flags, r, mxcsr);
	if (c->gdt_entries != STATE_GDT_ENTRIES || !c->gdt_frames[0] ||
	    c->gdt_frames[1] || c->ldt_entries != STATE_LDT_ENTRIES ||
	    c->ldt_base < VIRT_BASE || (c->ldt_base & 4095))
		test_fail("domU context: GDT %lu entries at %#lx, LDT %lu at "
			  "%#lx",
			  c->gdt_entries, c->gdt_frames[0], c->ldt_entries,
			  c->ldt_base);
	if (c->user_regs.es != GDT_SEL || c->user_regs.fs != LDT_SEL)
		test_fail("domU context: es %#lx fs %#lx", c->user_regs.es,
			  c->user_regs.fs);
	if (c->debugreg[0] < VIRT_BASE ||
	    (c->debugreg[7] & 0xffff00ff) != STATE_DR7)
		test_fail("domU context: DR0 %#lx DR7 %#lx", c->debugreg[0],
			  c->debugreg[7]);
	if (c->iopl != STATE_IOPL || c->iobitmap_nr_ports != STATE_IO_PORTS ||
	    c->iobitmap_gaddr < VIRT_BASE)
		test_fail("domU context: iopl %u, I/O bitmap of %u ports at "
			  "%#lx",
			  c->iopl, c->iobitmap_nr_ports, c->iobitmap_gaddr);
}

/* A hostile variant of the context is refused with want. */
static void refuse_context(uint16_t domu, struct mica_vcpu_guest_context *bad,
			   long want, const char *what)
{
	struct mica_domctl op = { 0 };

	op.u.vcpu_context =
		(struct mica_domctl_vcpu_context){ 0, 0, (uint64_t)bad };
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_vcpu_context, domu), want,
		       "set_vcpu_context, %s", what);
}

/*
 * vcpu contexts of the paused domU: read vcpu 0's (with the non-empty
 * state the domU set up), refuse bad ones, write the same one back and
 * read it again unchanged (the domU must go on unharmed after unpause).
 */
static void check_vcpu_context(uint16_t domu, uint64_t domu_page)
{
	static struct mica_vcpu_guest_context ctx, bad, again;
	struct mica_domctl op = { 0 };

	op.u.vcpu_context =
		(struct mica_domctl_vcpu_context){ 0, 0, (uint64_t)&ctx };
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_vcpu_context, domu),
		       -MICA_EBUSY, "get_vcpu_context of a running domain");
	test_expect_rc(domctl(&op, MICA_DOMCTL_pause, domu), 0, "pause domU");
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_vcpu_context, domu), 0,
		       "get_vcpu_context");
	if (!(ctx.flags & MICA_VGCF_IN_KERNEL) || !ctx.kernel_pt_base_gfn ||
	    ctx.user_regs.rip < 0xffff800000000000ULL)
		test_fail("domU vcpu 0: flags %#x, L4 %#lx, rip %#lx",
			  ctx.flags, ctx.kernel_pt_base_gfn, ctx.user_regs.rip);
	check_context_state(&ctx);

	bad = ctx;
	bad.kernel_pt_base_gfn = start_info->shared_info_mfn; /* not its L4 */
	refuse_context(domu, &bad, -MICA_EINVAL, "dom0's frame as L4");
	bad = ctx;
	bad.user_regs.rip = 0x8000000000000000ULL;
	refuse_context(domu, &bad, -MICA_EINVAL, "non-canonical rip");
	bad = ctx;
	bad.pad1 = 1;
	refuse_context(domu, &bad, -MICA_EINVAL, "padding");
	bad = ctx;
	bad.fpu[FXSAVE_MXCSR + 2] = 0xff;
	refuse_context(domu, &bad, -MICA_EINVAL, "reserved MXCSR bits");
	bad = ctx;
	bad.gdt_frames[0] = domu_page; /* mapped writable by the domU */
	refuse_context(domu, &bad, -MICA_EBUSY, "a writable GDT frame");
	bad = ctx;
	bad.gdt_frames[0] = start_info->shared_info_mfn;
	refuse_context(domu, &bad, -MICA_EPERM, "dom0's frame in the GDT");
	bad = ctx;
	bad.gdt_entries = 0;
	bad.gdt_frames[0] = 0;
	refuse_context(domu, &bad, -MICA_EINVAL, "es beyond an empty GDT");
	bad = ctx;
	bad.ldt_base = 0x10000;
	refuse_context(domu, &bad, -MICA_EFAULT, "LDT not mapped");
	bad = ctx;
	bad.debugreg[0] = 0xffff800000000000ULL;
	refuse_context(domu, &bad, -MICA_EINVAL, "DR0 in the hypervisor");
	bad = ctx;
	bad.iopl = 4;
	refuse_context(domu, &bad, -MICA_EINVAL, "iopl 4");

	op.u.vcpu_context.pad0 = 1;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_vcpu_context, domu),
		       -MICA_EINVAL, "vcpu_context, pad0");
	op.u.vcpu_context.pad0 = 0;
	op.u.vcpu_context.vcpu = 40;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_vcpu_context, domu),
		       -MICA_ENOENT, "get_vcpu_context of vcpu 40");
	op.u.vcpu_context.vcpu = 0;
	op.u.vcpu_context.context_gaddr = 0x10;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_vcpu_context, domu),
		       -MICA_EFAULT, "get_vcpu_context into unmapped memory");
	op.u.vcpu_context.context_gaddr = (uint64_t)&ctx;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_vcpu_context, domu), 0,
		       "set_vcpu_context with the context read");
	op.u.vcpu_context.context_gaddr = (uint64_t)&again;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_vcpu_context, domu), 0,
		       "get_vcpu_context after set");
	/* Only the real IF may differ: set clears it, pv.h forces it. */
	ctx.user_regs.rflags &= ~0x200ULL;
	again.user_regs.rflags &= ~0x200ULL;
	if (memcmp(&ctx, &again, sizeof(ctx)))
		test_fail("get after set differs from the context set");
	test_expect_rc(domctl(&op, MICA_DOMCTL_unpause, domu), 0,
		       "unpause domU");
}

static void check_sched_credit(uint16_t domu)
{
	struct mica_domctl op = { 0 };

	test_expect_rc(domctl(&op, MICA_DOMCTL_get_sched_credit, domu), 0,
		       "get_sched_credit");
	if (op.u.sched_credit.weight != MICA_SCHED_CREDIT_DEFAULT_WEIGHT ||
	    op.u.sched_credit.cap)
		test_fail("default credit: weight %u cap %u",
			  op.u.sched_credit.weight, op.u.sched_credit.cap);
	op.u.sched_credit.weight = 512;
	op.u.sched_credit.cap = 50;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_sched_credit, domu), 0,
		       "set_sched_credit");
	op.u.sched_credit.weight = op.u.sched_credit.cap = 0;
	domctl(&op, MICA_DOMCTL_get_sched_credit, domu);
	if (op.u.sched_credit.weight != 512 || op.u.sched_credit.cap != 50)
		test_fail("credit read back: weight %u cap %u",
			  op.u.sched_credit.weight, op.u.sched_credit.cap);
	op.u.sched_credit.weight = 0;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_sched_credit, domu),
		       -MICA_EINVAL, "set_sched_credit weight 0");
	op.u.sched_credit.weight = MICA_SCHED_CREDIT_DEFAULT_WEIGHT;
	op.u.sched_credit.cap = 100000;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_sched_credit, domu),
		       -MICA_EINVAL, "set_sched_credit cap beyond its vcpus");
	op.u.sched_credit.cap = 0;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_sched_credit, domu), 0,
		       "set_sched_credit back to the default");
}

static void check_affinity(uint16_t domu)
{
	struct mica_domctl op = { 0 };
	uint64_t map = 0;

	op.u.vcpu_affinity =
		(struct mica_domctl_vcpu_affinity){ 0, 64, (uint64_t)&map };
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_vcpu_affinity, domu), 0,
		       "get affinity");
	if (!(map & 1))
		test_fail("affinity %#lx lacks CPU 0", map);
	map = 1;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_vcpu_affinity, domu), 0,
		       "pin to CPU 0");
	map = 0;
	domctl(&op, MICA_DOMCTL_get_vcpu_affinity, domu);
	if (map != 1)
		test_fail("affinity reads %#lx after pinning to CPU 0", map);
	map = 1ULL << 63;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_vcpu_affinity, domu),
		       -MICA_EINVAL, "affinity with no online CPU");
	op.u.vcpu_affinity.vcpu = 3;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_vcpu_affinity, domu),
		       -MICA_ENOENT, "affinity of vcpu 3");
}

/* Writes 1 into the domU's flag page through map_foreign. */
static void release_domu(uint16_t domu, uint64_t mfn)
{
	uint64_t va = boot_mapping_end() - 9 * 4096;
	struct mica_domctl op = { 0 };
	int32_t err = 1;

	if (!mfn) {
		test_fail("no flag line from the domU");
		return;
	}
	op.u.map_foreign = (struct mica_domctl_map_foreign){ (uint64_t)&mfn,
							     (uint64_t)&err, va,
							     1, 0 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_map_foreign, domu), 0,
		       "map the domU's flag page");
	if (err)
		test_fail("flag page: err %d", err);
	*(volatile uint64_t *)(va + ((uint64_t)&flag & 4095)) = 1;
	hypercall_update_va_mapping(va, 0, MICA_UVMF_INVLPG);
}

/* A populated domain, mapped, written, read back, destroyed while still
 * mapped; the host's free memory comes back once the mappings go. */
static void check_lifecycle(void)
{
	struct mica_domctl op = { 0 };
	struct mica_domctl_domain_info i, list[8];
	uint64_t free0, mfns[8], gfns[4], va = boot_mapping_end() - 16 * 4096;
	int32_t errs[4];
	uint16_t id;

	/* A warm-up domain first, so the heap has grown for the rest (it
	 * keeps its pages); and the domU must be gone. */
	struct mica_e820_entry e[2] = {
		{ 0, 0x100000, MICA_E820_RAM, 0 },
		{ 0x100000, 0x1000, MICA_E820_RESERVED, 0 },
	};
	uint64_t start = __builtin_ia32_rdtsc();

	while (!info(1, &i) && __builtin_ia32_rdtsc() - start < TIMEOUT_TSC)
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	op.u.create.max_vcpus = 2;
	op.u.create.max_pages = 64;
	domctl(&op, MICA_DOMCTL_create, MICA_DOMID_ANY);
	id = op.domid;
	op.u.memory_map = (struct mica_memory_map){ 2, 0, (uint64_t)e };
	domctl(&op, MICA_DOMCTL_set_memory_map, id);
	domctl(&op, MICA_DOMCTL_destroy, id);
	free0 = free_pages();

	memset(&op, 0, sizeof(op));
	op.u.create.max_vcpus = 2;
	op.u.create.max_pages = 64;
	memcpy(op.u.create.uuid, "mica-domctl-test", 16);
	test_expect_rc(domctl(&op, MICA_DOMCTL_create, MICA_DOMID_ANY), 0,
		       "create a domain");
	id = op.domid;
	printk("created domain %u\n", id);
	if (info(id, &i) || !(i.flags & MICA_DOMINFO_PAUSED) ||
	    i.max_vcpus != 2 || i.nr_online_vcpus || i.max_pages != 64 ||
	    memcmp(i.uuid, "mica-domctl-test", 16) || !i.shared_info_mfn)
		test_fail("new domain: flags %#x, %u/%u vcpus, max %lu pages",
			  i.flags, i.nr_online_vcpus, i.max_vcpus, i.max_pages);

	op.u.set_max_mem.max_pages = 6;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_max_mem, id), 0,
		       "set_max_mem 6");
	op.u.set_max_vcpus.max_vcpus = 3;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_max_vcpus, id), 0,
		       "set_max_vcpus 3 before it ran");
	op.u.set_max_vcpus.max_vcpus = 0;
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_max_vcpus, id), -MICA_EINVAL,
		       "set_max_vcpus 0");
	info(id, &i);
	if (i.max_vcpus != 3 || i.max_pages != 6)
		test_fail("limits read %u vcpus, %lu pages", i.max_vcpus,
			  i.max_pages);

	/* Populate: 5 fit (the shared-info page counts), the rest not. */
	for (int n = 0; n < 8; n++)
		mfns[n] = (uint64_t)n;
	op.u.populate_physmap =
		(struct mica_memory_reservation){ (uint64_t)mfns, 8, 0, 0, 0 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_populate_physmap, id), 5,
		       "populate 8 pfns under a limit of 6 pages");
	for (int n = 0; n < 5; n++)
		if (m2p[mfns[n]] != (uint64_t)n)
			test_fail("populated pfn %d: M2P[%#lx] = %#lx", n,
				  mfns[n], m2p[mfns[n]]);

	/* map_foreign: four frames writable, one of them refused (ours). */
	gfns[0] = mfns[0];
	gfns[1] = mfns[1];
	gfns[2] = p2m(0); /* dom0's own frame: not the target's */
	gfns[3] = mfns[2];
	op.u.map_foreign = (struct mica_domctl_map_foreign){ (uint64_t)gfns,
							     (uint64_t)errs, va,
							     4, 0 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_map_foreign, id), 1,
		       "map four frames, one not the target's");
	if (errs[0] || errs[1] || errs[2] != -MICA_EINVAL || errs[3])
		test_fail("map_foreign errors %d %d %d %d", errs[0], errs[1],
			  errs[2], errs[3]);
	*(volatile uint64_t *)va = 0x1234abcd;
	*(volatile uint64_t *)(va + 3 * 4096 + 8) = 0x5678;

	/* A second, read-only mapping of frame 0 through mmu_update. */
	{
		struct mica_mmu_update u = { l1e_maddr(va + 5 * 4096) |
						     MICA_MMU_NORMAL_PT_UPDATE,
					     (mfns[0] << 12) | PTE_P };

		test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, &u, 1, 0,
					  MICA_DOMID_SELF, 0),
			       -MICA_EPERM,
			       "mmu_update of a foreign frame as our own");
		test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, &u, 1, 0, 999, 0),
			       -MICA_ESRCH,
			       "mmu_update with no such foreign domain");
		test_expect_rc(HYPERCALL5(MICA_HC_mmu_update, &u, 1, 0, id, 0),
			       0, "mmu_update with the foreign domid");
		struct mica_mmuext_op flush = { MICA_MMUEXT_INVLPG_LOCAL, 0,
						va + 5 * 4096, 0 };

		HYPERCALL5(MICA_HC_mmuext_op, &flush, 1, 0, MICA_DOMID_SELF, 0);
		if (*(volatile uint64_t *)(va + 5 * 4096) != 0x1234abcd)
			test_fail("second mapping reads %#lx",
				  *(volatile uint64_t *)(va + 5 * 4096));
	}
	op.u.map_foreign.count = 0;
	test_expect_rc(domctl(&op, MICA_DOMCTL_map_foreign, id), -MICA_EINVAL,
		       "map_foreign of 0 frames");
	op.u.map_foreign.count = MICA_DOMCTL_MAP_FOREIGN_MAX + 1;
	test_expect_rc(domctl(&op, MICA_DOMCTL_map_foreign, id), -MICA_EINVAL,
		       "map_foreign over the maximum");
	op.u.map_foreign.count = 1;
	op.u.map_foreign.flags = 1u << 5;
	test_expect_rc(domctl(&op, MICA_DOMCTL_map_foreign, id), -MICA_EINVAL,
		       "map_foreign with an unknown flag");
	op.u.map_foreign.flags = 0;
	test_expect_rc(domctl(&op, MICA_DOMCTL_map_foreign, 0), -MICA_EPERM,
		       "map_foreign of dom0's frames");
	op.u.map_foreign.addr = 0x1000; /* no L1 there */
	test_expect_rc(domctl(&op, MICA_DOMCTL_map_foreign, id), 1,
		       "map_foreign to an address without an L1");
	if (errs[0] != -MICA_EFAULT)
		test_fail("no L1: err %d", errs[0]);

	/* Params and the memory map. */
	op.u.param =
		(struct mica_domctl_param){ MICA_DOMPARAM_STORE_PFN, 0, 77 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_param, id), 0, "set_param");
	op.u.param.value = 0;
	domctl(&op, MICA_DOMCTL_get_param, id);
	if (op.u.param.value != 77)
		test_fail("get_param reads %lu", op.u.param.value);
	op.u.param.index = MICA_DOMPARAM_NR;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_param, id), -MICA_EINVAL,
		       "get_param of an unknown index");
	{
		op.u.memory_map = (struct mica_memory_map){ 2, 0, (uint64_t)e };
		test_expect_rc(domctl(&op, MICA_DOMCTL_set_memory_map, id), 0,
			       "set a memory map");
		e[1].addr = 0x80000;
		test_expect_rc(domctl(&op, MICA_DOMCTL_set_memory_map, id),
			       -MICA_EINVAL, "overlapping memory map");
		op.u.memory_map.nr_entries = MICA_DOMCTL_MAX_MEMORY_MAP + 1;
		test_expect_rc(domctl(&op, MICA_DOMCTL_set_memory_map, id),
			       -MICA_E2BIG, "memory map too long");
	}

	/* I/O port permissions. */
	op.u.permission = (struct mica_domctl_permission){ .first = 0x100,
							   .nr = 16,
							   .allow = 1 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_ioport_permission, id), 0,
		       "grant ports 0x100-0x10f");
	op.u.permission.allow = 0;
	test_expect_rc(domctl(&op, MICA_DOMCTL_ioport_permission, id), 0,
		       "revoke them");
	op.u.permission.allow = MICA_PERMISSION_QUERY;
	test_expect_rc(domctl(&op, MICA_DOMCTL_ioport_permission, id), 0,
		       "query revoked ports");
	op.u.permission.allow = 3;
	test_expect_rc(domctl(&op, MICA_DOMCTL_ioport_permission, id),
		       -MICA_EINVAL, "permission with allow 3");
	op.u.permission = (struct mica_domctl_permission){ .first = 0xfff0,
							   .nr = 17,
							   .allow = 1 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_ioport_permission, id),
		       -MICA_EINVAL, "ports beyond 65535");
	op.u.permission =
		(struct mica_domctl_permission){ .first = 0x100, .allow = 1 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_ioport_permission, id),
		       -MICA_EINVAL, "no ports");
	op.u.permission = (struct mica_domctl_permission){ .first = 0x100,
							   .nr = 1,
							   .allow = 1 };
	op.u.permission.pad0[3] = 1;
	test_expect_rc(domctl(&op, MICA_DOMCTL_ioport_permission, id),
		       -MICA_EINVAL, "permission with pad0 set");
	test_expect_rc(domctl(&op, MICA_DOMCTL_iomem_permission, id),
		       -MICA_EINVAL, "iomem permission with pad0 set");

	/* list: every domain, then one at a time with the cursor. */
	op.u.list = (struct mica_domctl_list){ 0, 0, 8, 0, 0, (uint64_t)list };
	test_expect_rc(domctl(&op, MICA_DOMCTL_list, 0), 0, "list");
	if (op.u.list.nr_entries < 2 || list[0].domid != 0 ||
	    !(list[0].flags & MICA_DOMINFO_PRIVILEGED) ||
	    list[op.u.list.nr_entries - 1].domid != id ||
	    op.u.list.next_domid != MICA_DOMID_INVALID)
		test_fail("list: %u entries, next %u", op.u.list.nr_entries,
			  op.u.list.next_domid);
	op.u.list.max_entries = 1;
	op.u.list.first_domid = 0;
	domctl(&op, MICA_DOMCTL_list, 0);
	if (op.u.list.nr_entries != 1 || op.u.list.next_domid == 0 ||
	    op.u.list.next_domid == MICA_DOMID_INVALID)
		test_fail("list of 1: %u entries, next %u",
			  op.u.list.nr_entries, op.u.list.next_domid);

	/* Destroy while mapped: dying until our mappings go. */
	test_expect_rc(domctl(&op, MICA_DOMCTL_destroy, id), 0, "destroy");
	if (info(id, &i) || !(i.flags & MICA_DOMINFO_DYING) || !i.nr_pages)
		test_fail("mapped, destroyed domain: flags %#x, %lu pages",
			  i.flags, i.nr_pages);
	test_expect_rc(domctl(&op, MICA_DOMCTL_pause, id), -MICA_ESRCH,
		       "pause a dying domain");
	if (*(volatile uint64_t *)(va + 3 * 4096 + 8) != 0x5678)
		test_fail("a dying domain's frame changed under its mapping");
	for (int n = 0; n < 6; n++)
		hypercall_update_va_mapping(va + n * 4096ULL, 0,
					    MICA_UVMF_INVLPG);
	test_expect_rc(info(id, &i), -MICA_ESRCH,
		       "get_info once the last mapping went");
	if (free_pages() != free0)
		test_fail("free pages %lu after destroy, %lu before create",
			  free_pages(), free0);
}

static void check_remote_shutdown(void)
{
	struct mica_domctl op = { 0 };
	struct mica_sched_remote_shutdown rs = { 0, 0, MICA_SHUTDOWN_poweroff };

	op.u.create.max_vcpus = 1;
	op.u.create.max_pages = 4;
	domctl(&op, MICA_DOMCTL_create, MICA_DOMID_ANY);
	rs.domid = op.domid;
	rs.reason = MICA_SHUTDOWN_suspend;
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_remote_shutdown, &rs),
		       -MICA_EINVAL, "remote shutdown for suspend");
	rs.reason = MICA_SHUTDOWN_poweroff;
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_remote_shutdown, &rs), 0,
		       "remote shutdown");
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_remote_shutdown, &rs),
		       -MICA_ESRCH, "remote shutdown of a gone domain");
	rs.domid = MICA_DOMID_SELF;
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_remote_shutdown, &rs),
		       -MICA_EPERM, "remote shutdown of self");
}

void test_main(void)
{
	struct mica_domctl op = { 0 };
	struct mica_domctl_domain_info i;
	uint16_t domu = 1;
	uint64_t store, flag_mfn;

	if (!(start_info->flags & MICA_START_INFO_PRIVILEGED)) {
		intruder();
		test_pass();
		return;
	}
	check_errors(domu);
	check_sysctl();
	if (info(domu, &i) || (i.flags & MICA_DOMINFO_PRIVILEGED) ||
	    i.nr_online_vcpus != 1 || !i.shared_info_mfn)
		test_fail("domU info: flags %#x, %u vcpus online", i.flags,
			  i.nr_online_vcpus);
	op.u.param.index = MICA_DOMPARAM_STORE_PFN;
	domctl(&op, MICA_DOMCTL_get_param, domu);
	store = op.u.param.value;
	op.u.param.index = MICA_DOMPARAM_CONSOLE_PFN;
	domctl(&op, MICA_DOMCTL_get_param, domu);
	/* Frames as map_foreign takes them (the console_ring test maps one). */
	if (!store || !op.u.param.value || op.u.param.value == store)
		test_fail("domU ring frames: store %#lx, console %#lx", store,
			  op.u.param.value);
	/* The domU has set up its CPU state once it names its flag page. */
	flag_mfn = domu_flag_mfn();
	check_pause(domu);
	check_vcpu_context(domu, flag_mfn);
	check_sched_credit(domu);
	check_affinity(domu);
	release_domu(domu, flag_mfn);
	check_lifecycle();
	check_remote_shutdown();
	test_pass();
}
