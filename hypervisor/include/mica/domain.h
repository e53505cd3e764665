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
 * vcpus is on a CPU any more: its grant mappings go, its memory returns
 * to the allocator, except frames other domains still map (grants), which
 * keep the dying domain (and its id) until the last is released.
 *
 * Locking: domain_list_lock protects the domain table; d->lock protects
 * the page list, the counters and the shutdown state.
 */
#ifndef MICA_DOMAIN_H
#define MICA_DOMAIN_H

#include <mica/spinlock.h>
#include <mica/timer.h>
#include <mica/types.h>
#include <asm/domain.h>

#define MAX_DOMAINS 1024
#define MAX_VCPUS_PER_DOMAIN 32
#define DOMID_NONE 0xffff

struct domain;
struct page_info;

enum vcpu_state {
	VCPU_DOWN, /* not started, or stopped for good */
	VCPU_RUNNABLE, /* wants a CPU (queued, or running) */
	VCPU_BLOCKED, /* waits for an event */
};

struct vcpu {
	unsigned int id;
	struct domain *domain;
	enum vcpu_state state;
	bool running; /* on a CPU now (its frame is live there) */
	bool queued; /* on a run queue */
	unsigned int processor; /* the CPU whose run queue it uses */
	struct vcpu *runq_next;
	uint64_t slice_start; /* system time it last got a CPU */
	uint64_t runtime_ns; /* total time on a CPU */
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
	bool is_dying;
	unsigned int shutdown_reason; /* MICA_SHUTDOWN_* */

	char console_line[160]; /* guest console output, per line */
	unsigned int console_len;

	/* Grants (mica/grant_table.h).  held_frames: once dying, frames
	 * still referenced from other domains (mm lock); the domain lingers
	 * until it is 0. */
	struct grant_table *grant;
	uint64_t held_frames;

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

/* Creates vcpu 'id' (state VCPU_DOWN) on CPU 'processor'. */
struct vcpu *vcpu_create(struct domain *d, unsigned int id,
			 unsigned int processor);

struct domain *domain_lookup(uint16_t domid);
unsigned int domain_count(void);

/*
 * Allocates a naturally aligned block of 2^order zeroed frames owned by d
 * and accounted to it.  NULL if d would exceed max_pages or memory is out.
 */
struct page_info *domain_alloc_pages(struct domain *d, unsigned int order);

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
 * A frame of dying domain d lost its last reference (d's mm lock held):
 * it returns to the allocator.  True when it was d's last held frame: the
 * caller then calls domain_finish(d) once it has dropped the lock.
 */
bool domain_frame_released(struct domain *d, struct page_info *pg);
/* Forgets a dead domain whose last frame is gone. */
void domain_finish(struct domain *d);

/*
 * Moves one frame out of d's allocation (domain_take_frame) or into it
 * (domain_give_frame, which owns it to d; -ENOMEM at max_pages or dying).
 */
void domain_take_frame(struct domain *d, struct page_info *pg);
int domain_give_frame(struct domain *d, struct page_info *pg);

/* Appends text from the guest's console to its line buffer / the log. */
void domain_console_write(struct domain *d, const char *buf, size_t len);

/* Arch hooks. */
int arch_domain_create(struct domain *d);
void arch_domain_destroy(struct domain *d);
int arch_vcpu_create(struct vcpu *v);

#endif
