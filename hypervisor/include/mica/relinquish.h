/* SPDX-License-Identifier: MIT */
/*
 * Destruction of a dead domain in steps (common/domain_relinquish.c).
 *
 * A domain with gigabytes of memory owns hundreds of thousands of frames,
 * page tables, event channels and grant mappings; giving them all back at
 * once would keep a CPU in the hypervisor, with interrupts off for much of
 * it, for as long as that takes.  Once a domain is dying, its resources
 * are given back in slices of at most RELINQUISH_SLICE_NS, each ending at
 * a point where nothing of the domain is locked:
 *   - by the MICA_DOMCTL_destroy call that killed it, which continues
 *     (public/mica.h note 6) whenever other work waits on its CPU, and
 *   - by a per-CPU reaper timer on the CPU where it died, one slice every
 *     RELINQUISH_GAP_NS, for domains that shut themselves down (or whose
 *     destroyer went away).
 * One CPU at a time works on a domain.  The domain is "dying" meanwhile
 * and stays so until other domains' references to its frames are gone.
 */
#ifndef MICA_RELINQUISH_H
#define MICA_RELINQUISH_H

#include <mica/types.h>

#define RELINQUISH_SLICE_NS 200000ULL /* 200 us of work per slice */
#define RELINQUISH_GAP_NS 500000ULL /* reaper timer: between slices */

/* Progress of one dying domain; belongs to the CPU that set 'busy'. */
struct domain;

struct domain_relinquish {
	struct domain *next; /* on the queue (its lock) */
	unsigned int phase;
	uint32_t cursor; /* port, maptrack handle or frame, by phase */
	bool busy; /* a CPU runs a slice (atomic) */
	uint64_t frames; /* tot_pages when it died, for the log */
};

struct domain;

/* d has just become dying (d->is_dying set, no vcpu on a CPU or queued):
 * queue it and start the reaper timer of this CPU. */
void domain_relinquish_start(struct domain *d);

/*
 * Runs one slice of the destruction of dying domain 'domid', unless
 * another CPU is running one.  Returns false once nothing is left to do
 * for it (its own references are gone: it is freed, or waits dying for
 * other domains' references), true otherwise.
 */
bool domain_relinquish_step(uint16_t domid);

/* domain.c: the last phase.  Drops the allocation's reference of d's
 * frames from d->relinquish.cursor until 'deadline'; when it gets to the
 * end, d leaves the queue (it may be freed at once) and true is
 * returned. */
bool domain_relinquish_memory(struct domain *d, uint64_t deadline);
/* domain_relinquish.c, for domain_relinquish_memory (d->lock held). */
void domain_relinquish_dequeue(struct domain *d);

#endif
