/* SPDX-License-Identifier: MIT */
/*
 * The fuzzer: `calls` hypercalls (default FUZZ_DEFAULT_CALLS) from a seed
 * (default FUZZ_DEFAULT_SEED), over every slot 0..127 and every sub-op,
 * with arguments from gen.c passed through the guards of guard.c.  Its
 * own faults go to a trap table and are counted; events that get unmasked
 * (iret, block) reach an event callback that masks them again.
 *
 * Fails if a result is neither 0, positive nor one of public/errno.h's
 * -MICA_E* (get_debugreg excepted: it returns register values), if a call
 * takes longer than CALL_LIMIT_NS, or if the fuzzer keeps faulting at one
 * place.  dom0 watches for calls that never return (watcher.c).
 */
#include "cpu.h"
#include "fuzz.h"
#include "fuzzer.h"
#include "layout.h"
#include "test.h"

#include "public/arch-x86/layout.h"
#include "public/arch-x86/pv.h"
#include "public/errno.h"
#include "public/memory.h"
#include "public/shared_info.h"

#define FUZZ_DEFAULT_SEED 20240611
#define FUZZ_DEFAULT_CALLS 1000000
#define CALL_LIMIT_NS (5ULL * 1000000000)
#define MAX_ERRNO 128
#define SAME_FAULT_LIMIT 1000
#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_DF (1ULL << 10)
#define RFLAGS_RF (1ULL << 16)
#define RFLAGS_AC (1ULL << 18)

struct fuzz_env env;
uint64_t p2m[MAX_PAGES];
static struct mica_start_info start_info_copy;

/* Per hypercall: results 0, positive, and each -errno. */
struct hc_stats {
	uint32_t calls, zero, positive, skipped;
	uint32_t err[MAX_ERRNO];
};
static struct hc_stats stats[MICA_HYPERCALL_PAGE_SLOTS];
static uint64_t nr_traps[32], restores, iret_probes, bad_results;

/* The event callback: leave events masked (clear IF in the frame, which
 * iret turns into evtchn_upcall_mask = 1) and clear the pending flag. */
extern volatile uint8_t *fuzz_vcpu_info;
volatile uint8_t *fuzz_vcpu_info;
extern uint64_t fuzz_events, fuzz_failsafes;
uint64_t fuzz_events, fuzz_failsafes;
void fuzz_event_entry(void);
/* clang-format off */
__asm__(".text\n"
	".globl fuzz_event_entry\n"
	"fuzz_event_entry:\n"
	"	pop %rcx\n"
	"	pop %r11\n"
	"	push %rax\n"
	"	mov fuzz_vcpu_info(%rip), %rax\n"
	"	movb $0, (%rax)\n"
	"	incq fuzz_events(%rip)\n"
	"	pop %rax\n"
	"	andq $~0x200, 16(%rsp)\n"
	"	push $0\n"
	"	jmp hypercall_page + 14 * 32\n");

/*
 * The failsafe callback: a data selector the stream made unloadable (a gs
 * selector of its GDT whose descriptor it then overwrote) is null now.
 * Drop the four selectors of the frame, count, return with MICA_HC_iret.
 */
void fuzz_failsafe_entry(void);
__asm__(".text\n"
	".globl fuzz_failsafe_entry\n"
	"fuzz_failsafe_entry:\n"
	"	add $32, %rsp\n"
	"	pop %rcx\n"
	"	pop %r11\n"
	"	incq fuzz_failsafes(%rip)\n"
	"	push $0\n"
	"	jmp hypercall_page + 14 * 32\n");

/*
 * fuzz_iret_probe(rflags, flags, rax, rcx, r11): MICA_HC_iret with a frame
 * that returns to kernel mode at the next instruction on the same stack,
 * with these rflags, iret flags and register values (cs, ss, rip, rsp and
 * the flags stay valid: a bad frame crashes the caller by design, pv.h).
 */
void fuzz_iret_probe(uint64_t rflags, uint64_t flags, uint64_t rax,
		     uint64_t rcx, uint64_t r11);
__asm__(".text\n"
	".globl fuzz_iret_probe\n"
	"fuzz_iret_probe:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	push %rbx\n"
	"	mov %rsp, %rbx\n"
	"	push $0xe018\n"		/* ss, RPL 0: kernel mode */
	"	push %rbx\n"		/* rsp */
	"	push %rdi\n"		/* rflags */
	"	push $0xe020\n"		/* cs, RPL 0 */
	"	lea 1f(%rip), %rax\n"
	"	push %rax\n"		/* rip */
	"	push %rsi\n"		/* MICA_IRET_* flags */
	"	mov %rdx, %rax\n"
	"	mov %r8, %r11\n"
	"	jmp hypercall_page + 14 * 32\n"
	"1:	cld\n"
	"	pushfq\n"
	"	andq $~0x40500, (%rsp)\n"	/* TF, DF, AC */
	"	popfq\n"
	"	mov %rbx, %rsp\n"
	"	pop %rbx\n"
	"	pop %rbp\n"
	"	ret\n");
/* clang-format on */

/* Faults at one place within one call: a loop the hook cannot break. */
static uint64_t last_fault_rip, last_fault_call, same_fault;

static void trap_hook(struct cpu_trap_frame *f)
{
	nr_traps[f->vector & 31]++;
	/* Stop whatever made the trap repeat: breakpoints, single-step,
	 * alignment checks. */
	if (f->vector == 1) {
		HYPERCALL5(MICA_HC_set_debugreg, 7, 0, 0, 0, 0);
		HYPERCALL5(MICA_HC_set_debugreg, 6, 0, 0, 0, 0);
		f->rflags = (f->rflags & ~RFLAGS_TF) | RFLAGS_RF;
	}
	f->rflags &= ~(RFLAGS_AC | RFLAGS_DF);
	if (f->rip == last_fault_rip &&
	    last_fault_call == fuzz_status.progress) {
		if (++same_fault == SAME_FAULT_LIMIT) {
			printk("\nfuzz: vector %lu at %#lx %lu times in call %lu"
			       " (hc %lu), giving up\n",
			       f->vector, f->rip, same_fault,
			       fuzz_status.progress + 1, fuzz_status.nr);
			test_fail("the fuzzer keeps faulting at %#lx", f->rip);
			guest_shutdown(3);
		}
	} else {
		last_fault_rip = f->rip;
		last_fault_call = fuzz_status.progress;
		same_fault = 0;
	}
}

/* Trap table, kernel stack, syscall and event callbacks: what the random
 * stream may have replaced. */
static long restore_env(void)
{
	struct mica_callback_register cb = { MICA_CALLBACK_event, 0, 0,
					     (uint64_t)fuzz_event_entry };
	struct mica_callback_register fs = { MICA_CALLBACK_failsafe, 0, 0,
					     (uint64_t)fuzz_failsafe_entry };
	long rc = cpu_traps_install();

	if (!rc)
		rc = HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register,
				&cb, 0, 0, 0);
	if (!rc)
		rc = HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register,
				&fs, 0, 0, 0);
	restores++;
	return rc;
}

static bool env_init(void)
{
	const struct mica_start_info *si = start_info;
	struct mica_machphys_mapping mm = { 0 };
	uint64_t end = boot_mapping_end(), pt_pfn;

	env.nr_pages = si->nr_pages;
	if (env.nr_pages > MAX_PAGES) {
		test_error("%lu pages: the fuzzer takes at most %u",
			   env.nr_pages, MAX_PAGES);
		return false;
	}
	memcpy(p2m, (const void *)si->mfn_list, env.nr_pages * 8);
	/* From now on the original start info and p2m list are targets. */
	start_info_copy = *si;
	start_info_copy.mfn_list = (uint64_t)p2m;
	env.start_info_va = (uint64_t)si;
	env.p2m_va = si->mfn_list;
	start_info = &start_info_copy;

	env.image_start = GUEST_VIRT_BASE;
	env.mapping_end = end;
	env.mapped_pages = (end - GUEST_VIRT_BASE) >> 12;
	env.scratch_end = end;
	env.scratch = end - SCRATCH_SIZE;
	env.shared_info_va = env.scratch - 4096;
	env.victim_va = env.shared_info_va - VICTIM_PAGES * 4096;
	for (unsigned int i = 0; i < VICTIM_PAGES; i++)
		env.victim_mfn[i] =
			p2m[((env.victim_va - GUEST_VIRT_BASE) >> 12) + i];
	env.pt_va = si->pt_base;
	pt_pfn = (si->pt_base - GUEST_VIRT_BASE) >> 12;
	env.nr_pt = si->nr_pt_frames;
	if (env.nr_pt > MAX_PT_FRAMES) {
		test_error("%lu page-table frames", env.nr_pt);
		return false;
	}
	for (uint64_t i = 0; i < env.nr_pt; i++)
		env.pt_mfn[i] = p2m[pt_pfn + i];
	env.l4_mfn = env.pt_mfn[0];
	env.start_info_mfn = p2m[(env.start_info_va - GUEST_VIRT_BASE) >> 12];
	env.shared_info_mfn = si->shared_info_mfn;
	env.store_mfn = si->store_mfn;
	env.console_mfn = si->console_mfn;
	env.privileged = si->flags & MICA_START_INFO_PRIVILEGED;
	if (hypercall_memory_op(MICA_MEMOP_machphys_mapping, &mm)) {
		test_error("machphys_mapping failed");
		return false;
	}
	env.max_mfn = mm.max_mfn;
	if (!guard_init()) {
		test_error("own frames spread too far for the guard maps");
		return false;
	}
	if (fuzz_time_init(env.shared_info_va)) {
		test_error("cannot map the shared-info page");
		return false;
	}
	fuzz_vcpu_info = (volatile uint8_t *)env.shared_info_va;
	cpu_trap_hook = trap_hook;
	if (restore_env()) {
		test_error("cannot install the trap table and callbacks");
		return false;
	}
	return true;
}

static bool is_errno(long rc)
{
	static const uint8_t known[] = {
		MICA_EPERM,	MICA_ENOENT,	 MICA_ESRCH,	MICA_EINTR,
		MICA_EIO,	MICA_ENXIO,	 MICA_E2BIG,	MICA_EBADF,
		MICA_EAGAIN,	MICA_ENOMEM,	 MICA_EACCES,	MICA_EFAULT,
		MICA_EBUSY,	MICA_EEXIST,	 MICA_EXDEV,	MICA_ENODEV,
		MICA_EINVAL,	MICA_EMFILE,	 MICA_ENOSPC,	MICA_ERANGE,
		MICA_ENOSYS,	MICA_ENODATA,	 MICA_ETIME,	MICA_EPROTO,
		MICA_EOVERFLOW, MICA_EOPNOTSUPP, MICA_EALREADY,
	};

	for (unsigned int i = 0; i < sizeof(known); i++)
		if (rc == -(long)known[i])
			return true;
	return false;
}

static void record(unsigned int nr, const uint64_t *a, long rc)
{
	struct hc_stats *s = &stats[nr];

	s->calls++;
	if (rc == 0)
		s->zero++;
	else if (rc > 0 || nr == MICA_HC_get_debugreg)
		s->positive++;
	else if (is_errno(rc))
		s->err[-rc]++;
	else {
		if (bad_results++ < 10)
			test_fail("hypercall %u (%#lx %#lx %#lx %#lx %#lx) "
				  "returned %ld",
				  nr, a[0], a[1], a[2], a[3], a[4], rc);
	}
}

static void report(void)
{
	char line[512], name[24];
	struct hc_stats unknown = { 0 };
	int len;

	for (unsigned int nr = 0; nr < MICA_HYPERCALL_PAGE_SLOTS; nr++) {
		struct hc_stats *s = &stats[nr];

		if (nr >= MICA_HC_NR_DEFINED + 2 &&
		    s->calls == s->err[MICA_ENOSYS]) {
			unknown.calls += s->calls;
			unknown.err[MICA_ENOSYS] += s->calls;
			continue;
		}
		len = snprintf(
			line, sizeof(line),
			"fuzz: hc %3u: %u calls, %u skipped, 0: %u, >0: %u", nr,
			s->calls, s->skipped, s->zero, s->positive);
		for (unsigned int e = 1; e < MAX_ERRNO; e++)
			if (s->err[e] && len < (int)sizeof(line) - 40)
				len += snprintf(line + len, sizeof(line) - len,
						", %s: %u",
						errno_name(-(long)e, name) + 6,
						s->err[e]);
		printk("%s\n", line);
	}
	printk("fuzz: hc %u..127 not listed: %u calls, all -MICA_ENOSYS\n",
	       MICA_HC_NR_DEFINED + 2, unknown.calls);
	len = snprintf(line, sizeof(line), "fuzz: traps taken:");
	for (unsigned int v = 0; v < 32; v++)
		if (nr_traps[v])
			len += snprintf(line + len, sizeof(line) - len,
					" #%u: %lu", v, nr_traps[v]);
	printk("%s; events %lu, failsafe callbacks %lu, iret probes %lu, "
	       "environment restores %lu\n",
	       line, fuzz_events, fuzz_failsafes, iret_probes, restores);
}

void fuzzer_main(void)
{
	unsigned long seed = FUZZ_DEFAULT_SEED, calls = FUZZ_DEFAULT_CALLS;
	uint64_t t_start, t_prev, worst = 0;

	cmdline_ulong("seed", &seed);
	cmdline_ulong("calls", &calls);
	if (!env_init())
		return;
	rng_seed(seed);
	printk("fuzz: seed=%lu calls=%lu, %lu pages, mfns %#lx..%#lx, "
	       "max mfn %#lx\n",
	       seed, calls, env.nr_pages, env.min_own_mfn, env.max_own_mfn,
	       env.max_mfn);
	fuzz_status.nr = ~0ULL;
	fuzz_announce(FUZZ_ROLE_FUZZER);
	t_start = t_prev = fuzz_now();
	for (uint64_t i = 0; i < calls;) {
		uint64_t a[6], now;
		unsigned int nr = gen_hypercall_nr();
		bool restore = false;
		long rc;

		gen_args(nr, a, 0);
		if (nr == MICA_HC_iret) {
			fuzz_iret_probe(chance(50) ? rnd() : RFLAGS_IF | 2,
					chance(50) ? 0 : MICA_IRET_FROM_SYSCALL,
					rnd(), rnd(), rnd());
			iret_probes++;
			rc = 0;
		} else if (!guard_call(nr, a, 0, &restore)) {
			stats[nr].skipped++;
			continue;
		} else {
			fuzz_status.nr = nr;
			for (int j = 0; j < 5; j++)
				fuzz_status.args[j] = a[j];
			rc = hypercall_by_number(nr, a[0], a[1], a[2], a[3],
						 a[4]);
		}
		fuzz_status.progress = ++i;
		/* Events stay masked (whatever the call did to them). */
		fuzz_vcpu_info[1] = 1;
		if (nr != MICA_HC_iret)
			record(nr, a, rc);
		else
			stats[nr].calls++;
		if (restore && restore_env()) {
			test_fail("cannot restore the trap table after hc %u",
				  nr);
			break;
		}
		now = fuzz_now();
		if (now - t_prev > worst)
			worst = now - t_prev;
		if (now - t_prev > CALL_LIMIT_NS) {
			test_fail(
				"hypercall %u (%#lx %#lx %#lx %#lx %#lx) took "
				"%lu ms",
				nr, a[0], a[1], a[2], a[3], a[4],
				(now - t_prev) / 1000000);
			break;
		}
		t_prev = now;
		if (!(i % 100000))
			printk("fuzz: %lu calls, %lu ms\n", i,
			       (now - t_start) / 1000000);
	}
	/* End any line the random console writes left open. */
	printk("\n");
	report();
	printk("fuzz: %lu calls in %lu ms, slowest %lu us, %lu bad results\n",
	       fuzz_status.progress, (fuzz_now() - t_start) / 1000000,
	       worst / 1000, bad_results);
	if (fuzz_status.progress < calls)
		test_fail("stopped after %lu of %lu calls",
			  fuzz_status.progress, calls);
	test_pass();
}
