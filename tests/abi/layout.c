/* SPDX-License-Identifier: MIT */
/*
 * layout.c - pins the ABI layouts that guest ports, assembly and the
 * migration stream rely on, and exercises the io/ring.h macros.
 *
 * The compile-time checks run in every language mode check-headers.sh
 * uses; main() runs once, hosted, and prints what failed.
 */
#include "public/mica.h"
#include "public/errno.h"
#include "public/version.h"
#include "public/sched.h"
#include "public/vcpu.h"
#include "public/time.h"
#include "public/shared_info.h"
#include "public/memory.h"
#include "public/mmu.h"
#include "public/multicall.h"
#include "public/event_channel.h"
#include "public/grant_table.h"
#include "public/console.h"
#include "public/physdev.h"
#include "public/domctl.h"
#include "public/sysctl.h"
#include "public/elfnote.h"
#include "public/start_info.h"
#include "public/arch-x86/layout.h"
#include "public/arch-x86/pv.h"
#include "public/arch-x86/context.h"
#include "public/io/ring.h"
#include "public/io/console.h"
#include "public/io/store.h"

#if __STDC_HOSTED__
#include <stdio.h>
#endif

#define OFFSET(type, field, off)                           \
	MICA_STATIC_ASSERT(offsetof(type, field) == (off), \
			   #type "." #field " offset")

/* Hypercall numbers are the ABI; a renumbering must fail here. */
MICA_STATIC_ASSERT(MICA_HC_version == 0 && MICA_HC_sched_op == 2 &&
			   MICA_HC_mmu_update == 5 &&
			   MICA_HC_event_channel_op == 9 &&
			   MICA_HC_grant_table_op == 10 && MICA_HC_iret == 14 &&
			   MICA_HC_domctl == 22 && MICA_HC_sysctl == 23,
		   "hypercall numbers");
MICA_STATIC_ASSERT(MICA_ABI_VERSION == 0x10000, "ABI version 1.0");

/* Errors are Linux's numbers. */
MICA_STATIC_ASSERT(MICA_EPERM == 1 && MICA_ENOENT == 2 && MICA_ESRCH == 3 &&
			   MICA_EAGAIN == 11 && MICA_ENOMEM == 12 &&
			   MICA_EFAULT == 14 && MICA_EBUSY == 16 &&
			   MICA_EINVAL == 22 && MICA_ENOSYS == 38 &&
			   MICA_EOPNOTSUPP == 95,
		   "Linux errno values");

/* Per-vcpu info: guest assembly touches the upcall bytes directly. */
OFFSET(struct mica_vcpu_info, evtchn_upcall_pending, 0);
OFFSET(struct mica_vcpu_info, evtchn_upcall_mask, 1);
OFFSET(struct mica_vcpu_info, arch, 8);
OFFSET(struct mica_vcpu_info, time, 24);
OFFSET(struct mica_vcpu_time_info, version, 0);
OFFSET(struct mica_vcpu_time_info, tsc_timestamp, 8);
OFFSET(struct mica_vcpu_time_info, system_time, 16);
OFFSET(struct mica_vcpu_time_info, tsc_to_system_mul, 24);
OFFSET(struct mica_vcpu_time_info, tsc_shift, 28);
OFFSET(struct mica_shared_info, vcpu_info[1], 64);
OFFSET(struct mica_shared_info, wallclock, 2048);
OFFSET(struct mica_shared_info, arch, 2064);

/* Entry/exit frames and tables read by assembly. */
OFFSET(struct mica_iret_frame, rax, 0);
OFFSET(struct mica_iret_frame, rcx, 8);
OFFSET(struct mica_iret_frame, r11, 16);
OFFSET(struct mica_iret_frame, flags, 24);
OFFSET(struct mica_iret_frame, rip, 32);
OFFSET(struct mica_iret_frame, ss, 64);
OFFSET(struct mica_trap_info, cs, 2);
OFFSET(struct mica_trap_info, address, 8);
OFFSET(struct mica_cpu_user_regs, rax, 80);
OFFSET(struct mica_cpu_user_regs, rip, 120);
OFFSET(struct mica_cpu_user_regs, gs, 184);
OFFSET(struct mica_vcpu_guest_context, kernel_pt_base_gfn, 4968);
OFFSET(struct mica_vcpu_guest_context, callback, 5048);
OFFSET(struct mica_vcpu_guest_context, reserved, 5176);

/* Batches. */
OFFSET(struct mica_mmu_update, val, 8);
OFFSET(struct mica_mmuext_op, arg1, 8);
OFFSET(struct mica_multicall_entry, result, 8);
OFFSET(struct mica_multicall_entry, args, 16);

/* Events and grants live in shared memory. */
OFFSET(struct mica_evtchn_fifo_control, head, 8);
MICA_STATIC_ASSERT(MICA_EVTCHN_FIFO_WORDS_PER_PAGE == 1024, "1024 words");
MICA_STATIC_ASSERT(MICA_EVTCHN_FIFO_MAX_ARRAY_PAGES == 128, "128 pages");
MICA_STATIC_ASSERT((MICA_EVTCHN_FIFO_LINK_MASK &
		    (MICA_EVTCHN_FIFO_PENDING | MICA_EVTCHN_FIFO_MASKED |
		     MICA_EVTCHN_FIFO_LINKED)) == 0,
		   "LINK does not overlap the flag bits");
OFFSET(struct mica_grant_entry, flags, 0);
OFFSET(struct mica_grant_entry, domid, 2);
OFFSET(struct mica_grant_entry, sub_offset, 4);
OFFSET(struct mica_grant_entry, frame, 8);
MICA_STATIC_ASSERT(MICA_GRANT_ENTRIES_PER_FRAME == 256, "256 grants/frame");
OFFSET(struct mica_gnttab_copy, dest, 16);
OFFSET(struct mica_gnttab_copy, status, 36);

/* Boot protocol. */
OFFSET(struct mica_start_info, shared_info_mfn, 40);
OFFSET(struct mica_start_info, flags, 48);
OFFSET(struct mica_start_info, store_mfn, 56);
OFFSET(struct mica_start_info, console_mfn, 64);
OFFSET(struct mica_start_info, pt_base, 80);
OFFSET(struct mica_start_info, mfn_list, 96);
OFFSET(struct mica_start_info, first_p2m_pfn, 120);
MICA_STATIC_ASSERT(sizeof(MICA_START_INFO_MAGIC) <= 32, "magic fits");

/* Toolstack interfaces. */
OFFSET(struct mica_domctl, domid, 8);
OFFSET(struct mica_domctl, progress, 12);
OFFSET(struct mica_domctl, u, 16);
OFFSET(struct mica_sysctl, u, 8);

/* Device models: the slot a model and Mica share. */
OFFSET(struct mica_ioreq, data, 8);
OFFSET(struct mica_ioreq, count, 16);
OFFSET(struct mica_ioreq, size, 20);
OFFSET(struct mica_ioreq, state, 23);
OFFSET(struct mica_ioreq, vcpu, 24);
OFFSET(struct mica_ioreq, port, 28);
OFFSET(struct mica_domctl_ioreq, first, 16);
OFFSET(struct mica_ioreq_buf_page, ring, 16);
OFFSET(struct mica_ioreq_buf_entry, size, 16);
MICA_STATIC_ASSERT(MICA_DOMCTL_ioreq_server == 25, "domctl numbering");

/* Rings. */
OFFSET(struct mica_console_ring, out, 1024);
OFFSET(struct mica_console_ring, out_prod, 3084);
OFFSET(struct mica_store_ring, rsp, 1024);
OFFSET(struct mica_store_ring, rsp_prod, 2060);
OFFSET(struct mica_store_ring, connection, 2068);
MICA_STATIC_ASSERT(MICA_RING_POW2(1u) == 1 && MICA_RING_POW2(3u) == 2 &&
			   MICA_RING_POW2(504u) == 256 &&
			   MICA_RING_POW2(0x80000001u) == 0x80000000u,
		   "power-of-two rounding");

/* A ring instance, as a driver would declare one. */
#define mica_ring_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define mica_ring_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define mica_ring_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

struct test_request {
	uint64_t id;
	uint32_t op;
	uint32_t pad0;
};
struct test_response {
	uint64_t id;
	int32_t status;
	uint32_t pad0;
};
MICA_RING_DEFINE(test, struct test_request, struct test_response);

static int failed_line;

#define CHECK(cond)                              \
	do {                                     \
		if (!(cond) && failed_line == 0) \
			failed_line = __LINE__;  \
	} while (0)

/* One page, suitably aligned, holding the shared ring. */
static union {
	uint64_t align;
	uint8_t bytes[MICA_PAGE_SIZE];
} page;

static void test_ring(void)
{
	struct test_shared *shared = (struct test_shared *)(void *)page.bytes;
	struct test_front front;
	struct test_back back;
	struct test_request req;
	uint32_t i, round;
	int notify, work;

	test_shared_init(shared);
	test_front_init(&front, shared, MICA_PAGE_SIZE);
	test_back_init(&back, shared, MICA_PAGE_SIZE);
	/* (4096 - 64) / 16 = 252 slots, rounded down to 128. */
	CHECK(MICA_RING_SIZE(&front) == 128);
	CHECK(MICA_RING_FREE_REQUESTS(&front) == 128);

	/* Several rounds, so the indices wrap the slot array. */
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 100; i++) {
			struct test_request *r =
				MICA_RING_REQUEST(&front, front.req_prod_pvt);
			r->id = round * 1000 + i;
			r->op = i;
			front.req_prod_pvt++;
		}
		MICA_RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
		/* The back end asked (req_event) to hear of the next one. */
		CHECK(notify);
		CHECK(MICA_RING_UNCONSUMED_REQUESTS(&back) == 100);

		while (MICA_RING_UNCONSUMED_REQUESTS(&back)) {
			struct test_response *rsp;
			mica_ring_rmb();
			test_copy_request(&back, back.req_cons, &req);
			back.req_cons++;
			rsp = MICA_RING_RESPONSE(&back, back.rsp_prod_pvt);
			rsp->id = req.id;
			rsp->status = (int32_t)req.op;
			back.rsp_prod_pvt++;
		}
		MICA_RING_FINAL_CHECK_FOR_REQUESTS(&back, work);
		CHECK(!work);
		MICA_RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
		CHECK(notify);

		i = 0;
		while (MICA_RING_UNCONSUMED_RESPONSES(&front)) {
			struct test_response *rsp;
			mica_ring_rmb();
			rsp = MICA_RING_RESPONSE(&front, front.rsp_cons);
			CHECK(rsp->id == round * 1000 + i);
			CHECK(rsp->status == (int32_t)i);
			front.rsp_cons++;
			i++;
		}
		CHECK(i == 100);
		MICA_RING_FINAL_CHECK_FOR_RESPONSES(&front, work);
		CHECK(!work);
	}

	/* A hostile front end claiming far more requests than slots: the back
	 * end never sees more than the ring holds. */
	shared->req_prod = back.req_cons + 100000;
	CHECK(MICA_RING_UNCONSUMED_REQUESTS(&back) == 128);

	/* Hold-off: with req_event left behind, a push does not notify. */
	shared->req_prod = back.req_cons;
	front.req_prod_pvt = back.req_cons;
	shared->req_event = back.req_cons - 5;
	front.req_prod_pvt++;
	MICA_RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
	CHECK(!notify);
}

int main(void)
{
	test_ring();
#if __STDC_HOSTED__
	if (failed_line)
		printf("layout.c:%d: check failed\n", failed_line);
#endif
	return failed_line != 0;
}
