/* SPDX-License-Identifier: MIT */
/*
 * io/ring.h - the generic request/response ring used by every split driver
 * (block, net, ...) between a front end (in the guest) and a back end (in
 * dom0 or a driver domain).
 *
 * ------------------------------------------------------------------------
 * The shared area
 * ------------------------------------------------------------------------
 * One or more pages, granted by the front end to the back end: a 64-byte
 * header followed by an array of slots; each slot holds either a request or
 * a response (a union).  The number of slots is the largest power of two
 * that fits, so an index maps to a slot with a mask.
 *
 *   offset 0   req_prod   front end: requests produced so far
 *          4   req_event  back end: "notify me when req_prod passes this"
 *          8   rsp_prod   back end: responses produced so far
 *         12   rsp_event  front end: "notify me when rsp_prod passes this"
 *         16   pad (48 bytes, zero)
 *         64   slots[nr_ents]
 *
 * Indices are free-running uint32_t counters: they only ever increase
 * (wrapping at 2^32, which unsigned arithmetic handles), and are reduced
 * modulo nr_ents only to pick a slot.  The front end puts requests in slots
 * and the back end overwrites each consumed request's slot with its
 * response, so at most nr_ents requests are outstanding.
 *
 * ------------------------------------------------------------------------
 * Notification hold-off
 * ------------------------------------------------------------------------
 * A producer sends an event only if the consumer asked for it: after
 * publishing new entries (old index -> new index) it notifies iff the
 * consumer's *_event lies in (old, new].  A consumer that has drained the
 * ring sets *_event = its consumer index + 1 ("wake me for the next one"),
 * then re-checks for entries that raced in (MICA_RING_FINAL_CHECK_*).  A
 * busy consumer leaves *_event behind, and the producer sends nothing.
 *
 * ------------------------------------------------------------------------
 * Barriers
 * ------------------------------------------------------------------------
 * The includer defines, before expanding any macro here:
 *   mica_ring_wmb()  orders earlier stores before later stores;
 *   mica_ring_rmb()  orders earlier loads before later loads;
 *   mica_ring_mb()   orders earlier loads and stores before later ones.
 * They are SMP barriers between two CPUs sharing cacheable memory (Linux:
 * virt_wmb/virt_rmb/virt_mb).  Each use below says what it orders.
 *
 * ------------------------------------------------------------------------
 * Hostile peers
 * ------------------------------------------------------------------------
 * Each side must assume the other is malicious.  So:
 *   1. an index the peer writes is read once per decision
 *      (MICA_RING_READ), never re-read between a check and its use;
 *   2. the back end counts unconsumed requests with
 *      MICA_RING_UNCONSUMED_REQUESTS, which never exceeds the free slots
 *      however large the front end's req_prod claims to be;
 *   3. the back end copies a request out of the shared slot once
 *      (<name>_copy_request) and validates only the copy.
 *
 * ------------------------------------------------------------------------
 * Use
 * ------------------------------------------------------------------------
 *     MICA_RING_DEFINE(blkif, struct blkif_request, struct blkif_response);
 *
 * declares union blkif_slot, struct blkif_shared (the header), struct
 * blkif_front and struct blkif_back (each side's PRIVATE state: they contain
 * pointers and are never shared), and static inline functions
 * blkif_shared_init(), blkif_front_init(), blkif_back_init() and
 * blkif_copy_request().  The macros
 * below then work on any front or back ring.
 */
#ifndef MICA_PUBLIC_IO_RING_H
#define MICA_PUBLIC_IO_RING_H

#include "../mica.h"

typedef uint32_t mica_ring_idx_t;

#define MICA_RING_HEADER_SIZE 64

/* Largest power of two <= x, for 1 <= x < 2^32, as a constant expression. */
#define MICA_RING_POW2_2(x) (((x)&0x2u) ? 0x2u : ((x)&0x1u))
#define MICA_RING_POW2_4(x) \
	(((x)&0xCu) ? (MICA_RING_POW2_2((x) >> 2) << 2) : MICA_RING_POW2_2(x))
#define MICA_RING_POW2_8(x) \
	(((x)&0xF0u) ? (MICA_RING_POW2_4((x) >> 4) << 4) : MICA_RING_POW2_4(x))
#define MICA_RING_POW2_16(x)                                 \
	(((x)&0xFF00u) ? (MICA_RING_POW2_8((x) >> 8) << 8) : \
			 MICA_RING_POW2_8(x))
#define MICA_RING_POW2(x)                                           \
	(((x)&0xFFFF0000u) ? (MICA_RING_POW2_16((x) >> 16) << 16) : \
			     MICA_RING_POW2_16(x))

/* Slots in a shared area of `bytes` bytes for slots of `slot_size` bytes. */
#define MICA_RING_NR_ENTS(bytes, slot_size) \
	MICA_RING_POW2(((uint32_t)(bytes)-MICA_RING_HEADER_SIZE) / (slot_size))

/* One read or write of a shared index, not merged or repeated by the
 * compiler. */
#define MICA_RING_READ(field) (*(volatile mica_ring_idx_t *)&(field))
#define MICA_RING_WRITE(field, val) \
	(*(volatile mica_ring_idx_t *)&(field) = (val))

/* clang-format off */
#define MICA_RING_DEFINE(name, req_t, rsp_t)                                  \
	union name##_slot {                                                   \
		req_t req;                                                    \
		rsp_t rsp;                                                    \
	};                                                                    \
	struct name##_shared {                                                \
		mica_ring_idx_t req_prod;                                     \
		mica_ring_idx_t req_event;                                    \
		mica_ring_idx_t rsp_prod;                                     \
		mica_ring_idx_t rsp_event;                                    \
		uint8_t pad[MICA_RING_HEADER_SIZE - 16];                      \
	};                                                                    \
	struct name##_front {                                                 \
		struct name##_shared *shared;                                 \
		union name##_slot *slots;                                     \
		uint32_t nr_ents;                                             \
		mica_ring_idx_t req_prod_pvt; /* next request to fill */      \
		mica_ring_idx_t rsp_cons; /* next response to read */         \
	};                                                                    \
	struct name##_back {                                                  \
		struct name##_shared *shared;                                 \
		union name##_slot *slots;                                     \
		uint32_t nr_ents;                                             \
		mica_ring_idx_t rsp_prod_pvt; /* next response to fill */     \
		mica_ring_idx_t req_cons; /* next request to read */          \
	};                                                                    \
	/* Front end, before granting the area: indices 0, events 1. */       \
	static inline void name##_shared_init(struct name##_shared *s)        \
	{                                                                     \
		unsigned int i_;                                              \
		s->req_prod = 0;                                              \
		s->rsp_prod = 0;                                              \
		s->req_event = 1;                                             \
		s->rsp_event = 1;                                             \
		for (i_ = 0; i_ < sizeof(s->pad); i_++)                       \
			s->pad[i_] = 0;                                       \
	}                                                                     \
	/* `bytes`: size of the shared area (whole pages). */                 \
	static inline void name##_front_init(struct name##_front *r,          \
					     struct name##_shared *s,         \
					     uint32_t bytes)                  \
	{                                                                     \
		r->shared = s;                                                \
		r->slots = (union name##_slot *)(void *)((uint8_t *)s +       \
			   MICA_RING_HEADER_SIZE);                            \
		r->nr_ents = MICA_RING_NR_ENTS(bytes,                         \
					       sizeof(union name##_slot));    \
		r->req_prod_pvt = 0;                                          \
		r->rsp_cons = 0;                                              \
	}                                                                     \
	/* Back end, after mapping the area: it starts where the indices are \
	 * (0 for a fresh ring); it trusts nothing else in the header. */     \
	static inline void name##_back_init(struct name##_back *r,            \
					    struct name##_shared *s,          \
					    uint32_t bytes)                   \
	{                                                                     \
		r->shared = s;                                                \
		r->slots = (union name##_slot *)(void *)((uint8_t *)s +       \
			   MICA_RING_HEADER_SIZE);                            \
		r->nr_ents = MICA_RING_NR_ENTS(bytes,                         \
					       sizeof(union name##_slot));    \
		r->rsp_prod_pvt = 0;                                          \
		r->req_cons = 0;                                              \
	}                                                                     \
	/* Back end: copy request `idx` out of the shared slot exactly once  \
	 * (volatile byte reads: the compiler can neither skip the copy nor   \
	 * re-read the slot later); then validate only the copy. */           \
	static inline void name##_copy_request(const struct name##_back *r,   \
					       mica_ring_idx_t idx,           \
					       req_t *dst)                    \
	{                                                                     \
		const volatile uint8_t *src_ = (const volatile uint8_t *)(    \
			const void *)&r->slots[idx & (r->nr_ents - 1)].req;   \
		uint8_t *dst_ = (uint8_t *)(void *)dst;                       \
		size_t i_;                                                    \
		for (i_ = 0; i_ < sizeof(*dst); i_++)                         \
			dst_[i_] = src_[i_];                                  \
	}                                                                     \
	MICA_STATIC_ASSERT(sizeof(struct name##_shared) ==                    \
			   MICA_RING_HEADER_SIZE, #name " ring header")
/* clang-format on */

/* Slots of a front or back ring, by free-running index. */
#define MICA_RING_SIZE(r) ((r)->nr_ents)
#define MICA_RING_REQUEST(r, idx) (&(r)->slots[(idx) & ((r)->nr_ents - 1)].req)
#define MICA_RING_RESPONSE(r, idx) (&(r)->slots[(idx) & ((r)->nr_ents - 1)].rsp)

/* ---- Front end ---- */

/* Slots the front end may still fill (requests not yet answered count). */
#define MICA_RING_FREE_REQUESTS(f) \
	((f)->nr_ents - ((f)->req_prod_pvt - (f)->rsp_cons))
#define MICA_RING_FULL(f) (MICA_RING_FREE_REQUESTS(f) == 0)

/* Responses published but not yet read by the front end.  The caller must
 * issue mica_ring_rmb() after this and before reading the responses, so no
 * response is read ahead of the index that covers it.  A result above
 * (req_prod_pvt - rsp_cons) means a broken back end. */
#define MICA_RING_UNCONSUMED_RESPONSES(f) \
	(MICA_RING_READ((f)->shared->rsp_prod) - (f)->rsp_cons)

/*
 * Both directions publish the same way: wmb so the slots' contents are
 * visible before the new producer index; mb so the new index is visible
 * before the peer's event threshold is read (else both sides could miss
 * each other's update and the ring would stall); notify if the threshold
 * lies in (old, new].  *notify is any integer lvalue's address.
 */
#define mica_ring_push_and_check_(prod, new_prod, event, notify)             \
	do {                                                                 \
		mica_ring_idx_t old_ = *(prod);                              \
		mica_ring_idx_t new_ = (new_prod);                           \
		mica_ring_wmb();                                             \
		MICA_RING_WRITE(*(prod), new_);                              \
		mica_ring_mb();                                              \
		*(notify) =                                                  \
			(mica_ring_idx_t)(new_ - MICA_RING_READ(*(event))) < \
			(mica_ring_idx_t)(new_ - old_);                      \
	} while (0)

/*
 * Publish requests filled up to req_prod_pvt and decide whether to notify:
 *   wmb: the requests' contents are visible before the new req_prod;
 *   mb:  the new req_prod is visible before we read req_event, pairing with
 *        the back end's mb in MICA_RING_FINAL_CHECK_FOR_REQUESTS (else both
 *        could miss each other's update and the ring would stall).
 */
#define MICA_RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(f, notify)                  \
	mica_ring_push_and_check_(&(f)->shared->req_prod, (f)->req_prod_pvt, \
				  &(f)->shared->req_event, &(notify))

/*
 * Front end, after draining responses: set (work) non-zero if more arrived;
 * otherwise ask to be notified of the next one.
 *   mb: the new rsp_event is visible before we re-read rsp_prod, pairing
 *       with the back end's mb in MICA_RING_PUSH_RESPONSES_AND_CHECK_NOTIFY.
 */
#define MICA_RING_FINAL_CHECK_FOR_RESPONSES(f, work)                        \
	do {                                                                \
		(work) = MICA_RING_UNCONSUMED_RESPONSES(f);                 \
		if (work)                                                   \
			break;                                              \
		MICA_RING_WRITE((f)->shared->rsp_event, (f)->rsp_cons + 1); \
		mica_ring_mb();                                             \
		(work) = MICA_RING_UNCONSUMED_RESPONSES(f);                 \
	} while (0)

/* ---- Back end ---- */

/* Requests available, bounded by the slots not holding unread responses, so
 * a hostile req_prod cannot make the back end read stale or future slots.
 * The caller issues mica_ring_rmb() after this and before reading requests.
 * The expression reads req_prod once. */
#define MICA_RING_UNCONSUMED_REQUESTS(b)                                  \
	mica_ring_min_(                                                   \
		(mica_ring_idx_t)(MICA_RING_READ((b)->shared->req_prod) - \
				  (b)->req_cons),                         \
		(mica_ring_idx_t)((b)->nr_ents -                          \
				  ((b)->req_cons - (b)->rsp_prod_pvt)))

static inline mica_ring_idx_t mica_ring_min_(mica_ring_idx_t a,
					     mica_ring_idx_t b)
{
	return a < b ? a : b;
}

/*
 * Publish responses filled up to rsp_prod_pvt and decide whether to notify:
 *   wmb: the responses are visible before the new rsp_prod;
 *   mb:  the new rsp_prod is visible before we read rsp_event (pairs with
 *        the front end's mb in MICA_RING_FINAL_CHECK_FOR_RESPONSES).
 */
#define MICA_RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(b, notify)                 \
	mica_ring_push_and_check_(&(b)->shared->rsp_prod, (b)->rsp_prod_pvt, \
				  &(b)->shared->rsp_event, &(notify))

/*
 * Back end, after draining requests: set (work) non-zero if more arrived;
 * otherwise ask to be notified of the next one.
 *   mb: the new req_event is visible before we re-read req_prod (pairs with
 *       the front end's mb in MICA_RING_PUSH_REQUESTS_AND_CHECK_NOTIFY).
 */
#define MICA_RING_FINAL_CHECK_FOR_REQUESTS(b, work)                         \
	do {                                                                \
		(work) = MICA_RING_UNCONSUMED_REQUESTS(b);                  \
		if (work)                                                   \
			break;                                              \
		MICA_RING_WRITE((b)->shared->req_event, (b)->req_cons + 1); \
		mica_ring_mb();                                             \
		(work) = MICA_RING_UNCONSUMED_REQUESTS(b);                  \
	} while (0)

#endif /* MICA_PUBLIC_IO_RING_H */
