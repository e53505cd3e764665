/* SPDX-License-Identifier: MIT */
/*
 * Domains and their virtual CPUs.
 *
 * A domain owns frames (page_info.owner == its id), accounted in tot_pages
 * against max_pages, and listed on its page list through the frames' own
 * list links.  Its vcpus are scheduled independently.
 *
 * Lifetime: domain_create() -> running -> domain_shutdown() (the guest
 * asked, or domain_crash() on its behalf) -> destroyed once none of its
 * vcpus is on a CPU any more; then all its memory returns to the allocator.
 *
 * Locking: domain_list_lock protects the domain table; d->lock protects
 * the page list, the counters and the shutdown state.
 */
#ifndef MICA_DOMAIN_H
#define MICA_DOMAIN_H

#include <mica/domid_table.h>
#include <mica/event.h>
#include <mica/memory_pending.h>
#include <mica/relinquish.h>
#include <mica/sched_credit.h>
#include <mica/spinlock.h>
#include <mica/timer.h>
#include <mica/types.h>
#include <asm/domain.h>
#include <public/domctl.h>

#define MAX_VCPUS_PER_DOMAIN 32
#define DOMID_NONE 0xffff

struct domain;
struct page_info;

enum vcpu_state {
	VCPU_DOWN, /* not started, brought down, or its domain stopped */
	VCPU_RUNNABLE, /* wants a CPU (queued, or running) */
	VCPU_BLOCKED, /* waits for an event */
};

/* Fields are ordered so that the whole vcpu fits in one page (asserted in
 * common/domain.c): mind the holes when adding one. */
struct vcpu {
	unsigned int id;
	unsigned int processor; /* the CPU whose run queue it uses */
	struct domain *domain;
	enum vcpu_state state;
	bool running; /* on a CPU now (its frame is live there) */
	bool queued; /* on a run queue */
	struct vcpu *runq_next;
	uint64_t slice_start; /* system time it last got a CPU */
	uint64_t runtime_ns; /* total time on a CPU */

	/* Events, timers, polling, run state (mica/event.h). */
	struct vcpu_events events;

	/* Credit scheduler (common/schedule.c); run-queue lock of
	 * 'processor' unless noted. */
	int64_t credit; /* ns of CPU still owed; atomic */
	uint64_t affinity; /* CPUs it may run on, bit per CPU (domctl) */
	bool parked; /* its domain's cap is used up until next period */
	bool yielded; /* gave up its slice: queue it behind every other */

	/* vcpu.h: has a context (MICA_VCPUOP_initialise or the builder);
	 * 'initialising' while a context is being set (atomic). */
	bool initialised;
	bool initialising;

	struct arch_vcpu arch;
};

struct domain {
	uint16_t id;
	char name[32];
	bool privileged;
	spinlock_t lock;
	unsigned int max_vcpus;
	struct vcpu *vcpus[MAX_VCPUS_PER_DOMAIN];

	uint64_t tot_pages; /* frames owned */
	uint64_t max_pages; /* limit on tot_pages */
	uint32_t page_list_head; /* frame number, PFN_NONE if empty */

	bool is_shutting_down;
	bool is_dying; /* set under d->lock and domain_list_lock */
	/* domain_get references, plus one for the domain table until the
	 * domain is unlisted (domain_list_lock). */
	unsigned int refs;
	unsigned int shutdown_reason; /* MICA_SHUTDOWN_* */
	/* On the reap list from shutdown until destroyed (domain.c). */
	bool reap_queued;
	struct domain *reap_next;

	/* Event channels (mica/event.h): ports below max_evtchn_ports. */
	struct evtchn_domain *evtchn;
	unsigned int max_evtchn_ports;

	/* Credit scheduler (common/schedule.c), under its accounting lock. */
	uint32_t sched_weight; /* relative share, 1..65535 */
	uint32_t sched_cap; /* % of one CPU, 0 = none */
	struct credit_share sched_share; /* the last period's accounting */
	/* On the accounting's list of domains with vcpus that may want CPU
	 * (credit_lock; sched_listed read racily by wakers). */
	struct domain *sched_active_next;
	bool sched_listed;
	bool sched_gone; /* taken off the scheduler: never listed again */

	/* Toolstack control (common/domctl.c). */
	unsigned int pause_count; /* domain_pause() nesting; 0: may run */
	uint8_t uuid[16]; /* opaque, from MICA_DOMCTL_create */
	uint64_t params[MICA_DOMPARAM_NR]; /* MICA_DOMCTL_set/get_param */

	struct mica_e820_entry *memory_map; /* set_memory_map, or NULL */
	unsigned int nr_memory_map;

	char console_line[160]; /* guest console output, per line */
	unsigned int console_len;

	/* Grants (mica/grant_table.h): destruction unmaps what the domain
	 * has mapped first; what others map of it stays (dying). */
	struct grant_table *grant;

	/* Destruction in steps (mica/relinquish.h), once dying. */
	struct domain_relinquish relinquish;
	/* Reservation blocks its vcpus are zeroing, one slot per vcpu,
	 * allocated at first use (mica/memory_pending.h). */
	struct memory_pending *mem_pending;

	struct arch_domain arch;
};

/*
 * Creates a domain with id 'domid' (or the lowest free one for
 * DOMID_NONE).  Returns the domain, or NULL with *err set: -EEXIST,
 * -ENOSPC (no free id), -ENOMEM.
 */
struct domain *domain_create(uint16_t domid, const char *name, bool privileged,
			     unsigned int max_vcpus, uint64_t max_pages,
			     int *err);

/* Creates vcpu 'id' (state VCPU_DOWN) on CPU 'processor', which must be
 * online; it may run on any CPU (affinity). */
struct vcpu *vcpu_create(struct domain *d, unsigned int id,
			 unsigned int processor);

/* Frees vcpu 'id' of d, which never ran and has no context (it holds no
 * page references): MICA_DOMCTL_set_max_vcpus shrinking. */
void vcpu_destroy_unused(struct domain *d, unsigned int id);

/*
 * The domain with this id, or NULL.  No lock, constant time, and no
 * reference: only for callers that know d cannot be freed meanwhile (they
 * hold a reference on one of its frames, or are its own vcpu).  Everyone
 * else uses domain_get.
 */
struct domain *domain_lookup(uint16_t domid);

/*
 * References.  domain_get: the live (not dying) domain with this id, with
 * a reference, or NULL.  While any reference is held the domain is not
 * destroyed (its vcpus, events, grant table and frames stay) and not
 * freed; domain_put drops it, and destroys a shut-down domain that only
 * this reference kept.  Put with no lock held (it may destroy d).
 */
struct domain *domain_get(uint16_t domid);
void domain_put(struct domain *d);
/* The same, for a dying domain too (it stays allocated, no more): if
 * d->is_dying, its vcpus, events and grant table may be going. */
struct domain *domain_get_any(uint16_t domid);
unsigned int domain_count(void);
/* The lowest id >= from that a domain has, or MAX_DOMAINS: walks the live
 * domains in id order, 64 ids per step. */
unsigned int domain_next_id(unsigned int from);

/*
 * Allocates a naturally aligned block of 2^order zeroed frames owned by d
 * and accounted to it.  NULL if d would exceed max_pages or memory is out.
 */
struct page_info *domain_alloc_pages(struct domain *d, unsigned int order);

/* The same, not limited by max_pages (still counted in tot_pages): the
 * shared-info page, grant-table frames (at most MICA_GRANT_MAX_FRAMES),
 * and exchanges, which give back what they take. */
struct page_info *domain_alloc_pages_unlimited(struct domain *d,
					       unsigned int order);

/*
 * The same in two steps, for blocks zeroed by the caller: a block of
 * 2^order frames owned by the hypervisor (NULL if d is at its limit or
 * memory is out; not accounted yet), then, once it is all zero, handed to
 * d and accounted (-ENOMEM if d is dying or would now exceed max_pages:
 * the block is still the caller's to free).
 */
struct page_info *domain_block_alloc(struct domain *d, unsigned int order,
				     bool limited);
int domain_block_give(struct domain *d, struct page_info *pg,
		      unsigned int order, bool limited);

/* Unlinks one of d's frames (released: count 0) and frees it. */
void domain_free_page(struct domain *d, struct page_info *pg);

/*
 * A frame's last reference went (put_page): its owner is dying and had
 * dropped its own; the frame is freed, and the domain with its last frame.
 */
void domain_page_last_put(struct page_info *pg);

/*
 * MICA_DOMCTL_destroy: like a shutdown, but no guest asked (the machine's
 * guest_test verdict is not affected).  The caller holds one reference
 * (domain_get), and puts it after.  Returns once the domain is off every
 * CPU and dying (or, rarely, shut down and held by another reference,
 * whose domain_put makes it dying).  Its resources then go in steps
 * (mica/relinquish.h).
 */
void domain_kill(struct domain *d);

/* MICA_SCHEDOP_remote_shutdown: d shuts down as if it had asked, and is
 * off every CPU on return.  -EALREADY if it is shutting down already.
 * The caller holds one reference, as for domain_kill. */
int domain_remote_shutdown(struct domain *d, unsigned int reason);

/*
 * Pauses nest (pause_count).  domain_pause returns once no vcpu of d is on
 * a CPU; domain_unpause makes the runnable ones run again when the count
 * drops to 0 (-EINVAL if it is 0 already).  Never on the caller's domain.
 */
void domain_pause(struct domain *d);
int domain_unpause(struct domain *d);

/*
 * The guest (or the hypervisor on its behalf) stops the domain: every vcpu
 * goes down, and the domain is destroyed as soon as no vcpu runs.
 */
void domain_shutdown(struct domain *d, unsigned int reason);

/* domain_shutdown(crash) with a message naming the domain and the cause. */
void domain_crash(struct domain *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Destroys shut-down domains none of whose vcpus is running.  Called by the
 * scheduler after it switched away from a vcpu.
 */
void domain_reap(void);

/*
 * Moves a frame from its owner's allocation into d's (grant transfer; the
 * owner is another live domain and the frame unreferenced): -ENOMEM at
 * d's max_pages or if d is dying.
 */
int domain_give_frame(struct domain *d, struct page_info *pg);

/* Appends text from the guest's console to its line buffer / the log. */
void domain_console_write(struct domain *d, const char *buf, size_t len);

/* Arch hooks. */
int arch_domain_create(struct domain *d);
/* MICA_DOMCTL_CREATE_HVM: makes the new, vcpu-less d an HVM domain;
 * -ENODEV without hardware support. */
int arch_domctl_create_hvm(struct domain *d);
void arch_domain_destroy(struct domain *d);
/*
 * Dying domain, no vcpu running: gives up the references its own state
 * holds on its frames (descriptor frames, base pointers, page tables) and
 * forgets their pfns, in steps that stop once system time reaches
 * 'deadline'.  True when done.  arch_domain_destroy() runs it to the end.
 */
bool arch_domain_relinquish(struct domain *d, uint64_t deadline);
int arch_vcpu_create(struct vcpu *v);
/* Frees what arch_vcpu_create allocated (not a context's references). */
void arch_vcpu_destroy(struct vcpu *v);
/* The frame of d's shared-info page (domctl get_info). */
uint64_t arch_domain_shared_info_mfn(const struct domain *d);
/* Whether d runs in a hardware virtual machine (domctl get_info). */
bool arch_domain_is_hvm(const struct domain *d);

#endif
