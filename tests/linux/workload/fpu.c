/* SPDX-License-Identifier: MIT */
/*
 * fpu: FPU/SSE (and AVX if present) and general register state across
 * context switches and signal handlers.
 *
 * 3 processes x 3 threads each load their own pattern into xmm0-15 (ymm0-15
 * with AVX), two x87 registers, MXCSR, the x87 control word and seven
 * callee-visible general registers, then, inside one asm block, make
 * hundreds of sched_yield() calls and every 8th call a tgkill() of
 * themselves with SIGUSR1, whose handler loads other values into all of
 * these registers.  After the block every register must still hold the
 * thread's pattern: the kernel saved and restored it across switches and
 * signal frames.  The handler also checks that it started with the default
 * MXCSR and x87 control word (the kernel hands handlers a clean FPU state).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "wl.h"

enum { procs = 3, threads = 3, rounds = 40, calls = 64 };

/* A thread's registers: what it loads, and what it finds afterwards. */
struct regs {
	uint8_t vec[16][32]; /* xmm0-15, or ymm0-15 with AVX */
	double st[2];
	uint64_t gpr[7]; /* rbx, r8, r9, r12, r13, r14, r15 */
	uint32_t mxcsr;
	uint16_t fcw;
};

struct frame {
	struct regs in, out;
	int32_t left; /* calls still to make */
	int32_t tgid, tid;
};

static int have_avx;
static int handled, dirty_entry; /* by the handler, atomically */

static int avx_usable(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AVX) ||
	    !(c & bit_OSXSAVE))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

#define XMM_CLOBBERS                                                         \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",      \
		"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", \
		"xmm15"

/* The loop shared by both variants: yields, every 8th call a tgkill. */
#define CALL_LOOP                         \
	"1:	mov %[nr_yield], %%eax\n"     \
	"	syscall\n"                      \
	"	decl %c[o_left](%%r10)\n"       \
	"	jz 2f\n"                        \
	"	testl $7, %c[o_left](%%r10)\n"  \
	"	jnz 1b\n"                       \
	"	mov %c[o_tgid](%%r10), %%edi\n" \
	"	mov %c[o_tid](%%r10), %%esi\n"  \
	"	mov %[sig], %%edx\n"            \
	"	mov %[nr_tgkill], %%eax\n"      \
	"	syscall\n"                      \
	"	jmp 1b\n"                       \
	"2:\n"

#define GPR_LOAD                               \
	"	mov %c[o_in_gpr]+0(%%r10), %%rbx\n"  \
	"	mov %c[o_in_gpr]+8(%%r10), %%r8\n"   \
	"	mov %c[o_in_gpr]+16(%%r10), %%r9\n"  \
	"	mov %c[o_in_gpr]+24(%%r10), %%r12\n" \
	"	mov %c[o_in_gpr]+32(%%r10), %%r13\n" \
	"	mov %c[o_in_gpr]+40(%%r10), %%r14\n" \
	"	mov %c[o_in_gpr]+48(%%r10), %%r15\n" \
	"	ldmxcsr %c[o_in_mxcsr](%%r10)\n"     \
	"	fldcw %c[o_in_fcw](%%r10)\n"         \
	"	fldl %c[o_in_st]+8(%%r10)\n"         \
	"	fldl %c[o_in_st](%%r10)\n"

#define GPR_STORE                               \
	"	mov %%rbx, %c[o_out_gpr]+0(%%r10)\n"  \
	"	mov %%r8, %c[o_out_gpr]+8(%%r10)\n"   \
	"	mov %%r9, %c[o_out_gpr]+16(%%r10)\n"  \
	"	mov %%r12, %c[o_out_gpr]+24(%%r10)\n" \
	"	mov %%r13, %c[o_out_gpr]+32(%%r10)\n" \
	"	mov %%r14, %c[o_out_gpr]+40(%%r10)\n" \
	"	mov %%r15, %c[o_out_gpr]+48(%%r10)\n" \
	"	stmxcsr %c[o_out_mxcsr](%%r10)\n"     \
	"	fnstcw %c[o_out_fcw](%%r10)\n"        \
	"	fstpl %c[o_out_st](%%r10)\n"          \
	"	fstpl %c[o_out_st]+8(%%r10)\n"        \
	"	fnclex\n"                             \
	"	fninit\n"                             \
	"	ldmxcsr %[mxcsr_default]\n"

/*
 * VEC_LOAD, VEC_STORE(insn, reg): move the frame's 16 vectors into or out of
 * reg0-15 with insn (movdqu and "xmm", or vmovdqu and "ymm").
 */
#define VEC_LOAD(insn, reg)                                        \
	"	" insn " %c[o_in_vec]+0*32(%%r10), %%" reg "0\n"   \
	"	" insn " %c[o_in_vec]+1*32(%%r10), %%" reg "1\n"   \
	"	" insn " %c[o_in_vec]+2*32(%%r10), %%" reg "2\n"   \
	"	" insn " %c[o_in_vec]+3*32(%%r10), %%" reg "3\n"   \
	"	" insn " %c[o_in_vec]+4*32(%%r10), %%" reg "4\n"   \
	"	" insn " %c[o_in_vec]+5*32(%%r10), %%" reg "5\n"   \
	"	" insn " %c[o_in_vec]+6*32(%%r10), %%" reg "6\n"   \
	"	" insn " %c[o_in_vec]+7*32(%%r10), %%" reg "7\n"   \
	"	" insn " %c[o_in_vec]+8*32(%%r10), %%" reg "8\n"   \
	"	" insn " %c[o_in_vec]+9*32(%%r10), %%" reg "9\n"   \
	"	" insn " %c[o_in_vec]+10*32(%%r10), %%" reg "10\n" \
	"	" insn " %c[o_in_vec]+11*32(%%r10), %%" reg "11\n" \
	"	" insn " %c[o_in_vec]+12*32(%%r10), %%" reg "12\n" \
	"	" insn " %c[o_in_vec]+13*32(%%r10), %%" reg "13\n" \
	"	" insn " %c[o_in_vec]+14*32(%%r10), %%" reg "14\n" \
	"	" insn " %c[o_in_vec]+15*32(%%r10), %%" reg "15\n"

#define VEC_STORE(insn, reg)                                        \
	"	" insn " %%" reg "0, %c[o_out_vec]+0*32(%%r10)\n"   \
	"	" insn " %%" reg "1, %c[o_out_vec]+1*32(%%r10)\n"   \
	"	" insn " %%" reg "2, %c[o_out_vec]+2*32(%%r10)\n"   \
	"	" insn " %%" reg "3, %c[o_out_vec]+3*32(%%r10)\n"   \
	"	" insn " %%" reg "4, %c[o_out_vec]+4*32(%%r10)\n"   \
	"	" insn " %%" reg "5, %c[o_out_vec]+5*32(%%r10)\n"   \
	"	" insn " %%" reg "6, %c[o_out_vec]+6*32(%%r10)\n"   \
	"	" insn " %%" reg "7, %c[o_out_vec]+7*32(%%r10)\n"   \
	"	" insn " %%" reg "8, %c[o_out_vec]+8*32(%%r10)\n"   \
	"	" insn " %%" reg "9, %c[o_out_vec]+9*32(%%r10)\n"   \
	"	" insn " %%" reg "10, %c[o_out_vec]+10*32(%%r10)\n" \
	"	" insn " %%" reg "11, %c[o_out_vec]+11*32(%%r10)\n" \
	"	" insn " %%" reg "12, %c[o_out_vec]+12*32(%%r10)\n" \
	"	" insn " %%" reg "13, %c[o_out_vec]+13*32(%%r10)\n" \
	"	" insn " %%" reg "14, %c[o_out_vec]+14*32(%%r10)\n" \
	"	" insn " %%" reg "15, %c[o_out_vec]+15*32(%%r10)\n"

#define FRAME_OPERANDS(f)                                                     \
	[o_left] "i"(offsetof(struct frame, left)),                           \
		[o_tgid] "i"(offsetof(struct frame, tgid)),                   \
		[o_tid] "i"(offsetof(struct frame, tid)),                     \
		[o_in_vec] "i"(offsetof(struct frame, in.vec)),               \
		[o_out_vec] "i"(offsetof(struct frame, out.vec)),             \
		[o_in_gpr] "i"(offsetof(struct frame, in.gpr)),               \
		[o_out_gpr] "i"(offsetof(struct frame, out.gpr)),             \
		[o_in_st] "i"(offsetof(struct frame, in.st)),                 \
		[o_out_st] "i"(offsetof(struct frame, out.st)),               \
		[o_in_mxcsr] "i"(offsetof(struct frame, in.mxcsr)),           \
		[o_out_mxcsr] "i"(offsetof(struct frame, out.mxcsr)),         \
		[o_in_fcw] "i"(offsetof(struct frame, in.fcw)),               \
		[o_out_fcw] "i"(offsetof(struct frame, out.fcw)),             \
		[nr_yield] "i"(SYS_sched_yield), [nr_tgkill] "i"(SYS_tgkill), \
		[sig] "i"(SIGUSR1), [mxcsr_default] "m"(mxcsr_default)

static const uint32_t mxcsr_default = 0x1f80;

/*
 * RUN_VARIANT(name, insn, reg, cleanup): a function name(frame) that loads
 * the frame's registers (the vectors with insn into reg0-15), makes the
 * calls, stores the registers and runs cleanup.
 */
/* clang-format off */
#define RUN_VARIANT(name, insn, reg, cleanup)				\
	static void name(struct frame *f)				\
	{								\
		register struct frame *r10 __asm__("r10") = f;		\
									\
		__asm__ volatile(					\
			GPR_LOAD					\
			VEC_LOAD(insn, reg)				\
			CALL_LOOP					\
			VEC_STORE(insn, reg)				\
			cleanup						\
			GPR_STORE					\
			: "+r"(r10)					\
			: FRAME_OPERANDS(f)				\
			: "rax", "rcx", "rdx", "rsi", "rdi", "r11",	\
			  "rbx", "r8", "r9", "r12", "r13", "r14",	\
			  "r15", "memory", "cc", XMM_CLOBBERS);		\
	}
/* clang-format on */

/* xmm: the low 16 bytes of each vec[] entry; ymm (AVX): all 32. */
RUN_VARIANT(run_sse, "movdqu", "xmm", "")
RUN_VARIANT(run_avx, "vmovdqu", "ymm", "	vzeroupper\n")

/*
 * SIGUSR1: checks the clean FPU state the kernel gives a handler, then
 * overwrites every register the workers check.
 */
static void on_usr1(int sig)
{
	static const uint8_t junk[32] = { 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad,
					  0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
					  0x05, 0x06, 0x07, 0x08 };
	uint32_t mxcsr, other_mxcsr = 0x7f80; /* round to zero, FTZ off */
	uint16_t fcw, other_fcw = 0x0c7f;

	(void)sig;
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(fcw));
	if (mxcsr != 0x1f80 || fcw != 0x037f)
		__atomic_fetch_add(&dirty_entry, 1, __ATOMIC_RELAXED);
	/* clang-format off */
	__asm__ volatile(
		"	movdqu %[j], %%xmm0\n"
		"	pcmpeqd %%xmm1, %%xmm1\n"
		"	movdqa %%xmm0, %%xmm2\n movdqa %%xmm1, %%xmm3\n"
		"	movdqa %%xmm0, %%xmm4\n movdqa %%xmm1, %%xmm5\n"
		"	movdqa %%xmm0, %%xmm6\n movdqa %%xmm1, %%xmm7\n"
		"	movdqa %%xmm0, %%xmm8\n movdqa %%xmm1, %%xmm9\n"
		"	movdqa %%xmm0, %%xmm10\n movdqa %%xmm1, %%xmm11\n"
		"	movdqa %%xmm0, %%xmm12\n movdqa %%xmm1, %%xmm13\n"
		"	movdqa %%xmm0, %%xmm14\n movdqa %%xmm1, %%xmm15\n"
		"	ldmxcsr %[m]\n"
		"	fldcw %[c]\n"
		"	fldpi\n fldl2e\n fstp %%st(0)\n fstp %%st(0)\n"
		:
		: [j] "m"(junk), [m] "m"(other_mxcsr), [c] "m"(other_fcw)
		: "memory", XMM_CLOBBERS);
	/* clang-format on */
	if (have_avx)
		__asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\t"
				 "vmovdqa %%ymm0, %%ymm8\n\t"
				 "vmovdqa %%ymm0, %%ymm15" ::
					 : XMM_CLOBBERS);
	__atomic_fetch_add(&handled, 1, __ATOMIC_RELAXED); /* threads race */
}

/* A distinct pattern per (process, thread); returns mismatching calls. */
static void *worker(void *arg)
{
	unsigned long id = (unsigned long)arg, bad = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (id + 1);
	struct frame f;
	int round, i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < 16; i++)
		for (int b = 0; b < 32; b++)
			f.in.vec[i][b] = (uint8_t)wl_rand(&seed);
	for (i = 0; i < 7; i++)
		f.in.gpr[i] = wl_rand(&seed);
	f.in.st[0] = (double)id * 1.25 + 0.5;
	f.in.st[1] = -(double)(wl_rand(&seed) >> 12);
	f.in.mxcsr = 0x1f80 | (uint32_t)(id % 4) << 13;
	f.in.fcw = (uint16_t)(0x027f | (id % 4) << 10);
	f.tgid = getpid();
	f.tid = (int32_t)syscall(SYS_gettid);
	for (round = 0; round < rounds; round++) {
		f.left = calls;
		memset(&f.out, 0, sizeof(f.out));
		if (have_avx)
			run_avx(&f);
		else
			run_sse(&f);
		if (!have_avx) /* only the xmm halves were loaded */
			for (i = 0; i < 16; i++)
				memcpy(f.out.vec[i] + 16, f.in.vec[i] + 16, 16);
		if (memcmp(&f.in, &f.out, sizeof(f.in))) {
			if (!bad)
				printf("fpu: thread %lu round %d: registers "
				       "changed (mxcsr %#x/%#x fcw %#x/%#x)\n",
				       id, round, f.in.mxcsr, f.out.mxcsr,
				       f.in.fcw, f.out.fcw);
			bad++;
		}
	}
	return (void *)bad;
}

/* One worker process: threads x worker(); exit code says what went wrong. */
static int worker_process(int p)
{
	pthread_t t[threads];
	unsigned long bad = 0;
	void *ret;
	long i;

	for (i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(p * 10 + i)))
			return 4;
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], &ret);
		bad += (unsigned long)ret;
	}
	if (bad)
		return 1;
	/* 7 tgkills a round (left = 56, 48, ... 8), each handled at once */
	if (__atomic_load_n(&handled, __ATOMIC_RELAXED) <
	    threads * rounds * (calls / 8 - 1))
		return 2;
	return __atomic_load_n(&dirty_entry, __ATOMIC_RELAXED) ? 3 : 0;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t pids[procs];
	int i, codes[procs], bad = 0;

	wl_start("fpu");
	have_avx = avx_usable();
	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < procs; i++) {
		pids[i] = wl_fork();
		if (pids[i] == 0)
			_exit(worker_process(i + 1));
	}
	for (i = 0; i < procs; i++) {
		codes[i] = wl_wait(pids[i]);
		bad += codes[i] != 0;
	}
	wl_check(!bad,
		 have_avx ?
			 "ymm0-15, x87, mxcsr, fcw and gprs kept across "
			 "yields and clobbering signal handlers (9 threads)" :
			 "xmm0-15, x87, mxcsr, fcw and gprs kept across "
			 "yields and clobbering signal handlers (9 threads)",
		 "worker exit codes %d %d %d (1 registers changed, 2 too few "
		 "signals, 3 handler entered with a dirty FPU state)",
		 codes[0], codes[1], codes[2]);
	if (!have_avx)
		wl_skip("AVX (ymm upper halves)",
			"the CPU or kernel has no AVX");
	return wl_finish();
}
