/* SPDX-License-Identifier: MIT */
/*
 * Private to the event-channel code: the port table (event_channel.c) and
 * the FIFO queues (event_fifo.c).  Locking rules in mica/event.h.
 */
#ifndef COMMON_EVENT_INTERNAL_H
#define COMMON_EVENT_INTERNAL_H

#include <mica/domain.h>
#include <mica/event.h>
#include <mica/spinlock.h>
#include <asm/page.h>

enum evtchn_state {
	ECS_CLOSED = MICA_EVTCHN_STATE_closed,
	ECS_UNBOUND = MICA_EVTCHN_STATE_unbound,
	ECS_INTERDOMAIN = MICA_EVTCHN_STATE_interdomain,
	ECS_VIRQ = MICA_EVTCHN_STATE_virq,
	ECS_IPI = MICA_EVTCHN_STATE_ipi,
};

/* One port: 16 bytes, 256 to a bucket page. */
struct evtchn {
	uint8_t state; /* ECS_*; port lock */
	uint8_t priority; /* port lock (read racily by raisers) */
	uint8_t pending; /* raised, not yet in a queue or array: FIFO lock */
	uint8_t last_priority; /* queue last appended to: FIFO lock */
	uint16_t notify_vcpu; /* port lock (read racily by raisers) */
	uint16_t last_vcpu; /* FIFO lock */
	uint16_t remote_domid; /* unbound: who may bind; interdomain: peer */
	uint16_t virq; /* ECS_VIRQ */
	uint32_t remote_port; /* ECS_INTERDOMAIN */
};

#define EVTCHN_PER_BUCKET (PAGE_SIZE / sizeof(struct evtchn))

/* One page of the guest's event array (FIFO lock). */
struct evtchn_array_page {
	mica_event_word_t *words; /* Mica's mapping */
	uint64_t gfn;
};

/*
 * A domain's event state.  Small (a domain that never uses events costs
 * a few hundred bytes): the bucket and array-page directories are
 * allocated at first use, sized for d->max_evtchn_ports, which is fixed
 * by then (domctl create sets it before any port exists).
 */
struct evtchn_domain {
	spinlock_t lock; /* the port table */
	spinlock_t fifo_lock; /* queues, control blocks, event array */
	bool dead; /* destroyed: no new bindings (global lock) */
	uint32_t free_hint; /* every port below it is in use */
	/* Buckets of ports, allocated on demand, freed with the domain:
	 * a directory of nr_buckets (port lock to allocate; readers use
	 * evtchn_bucket()). */
	uint32_t nr_buckets;
	struct evtchn **bucket;
	/* Global VIRQs bound in this domain (0: none). */
	uint32_t global_virq_port[MICA_NR_VIRQS];
	/* The event array (FIFO lock): page k holds ports 1024k..; its
	 * directory, allocated with the first page, has room for the port
	 * limit. */
	unsigned int nr_array_pages;
	struct evtchn_array_page *array;
	unsigned int nr_control_blocks;
	unsigned int nr_polling; /* vcpus in SCHEDOP_poll (atomic) */
};

/* Bucket b (ports 256b..), or NULL if it does not exist (yet). */
static inline struct evtchn *evtchn_bucket(struct evtchn_domain *ed, uint32_t b)
{
	/* nr_buckets is set before the directory is published. */
	struct evtchn **dir = __atomic_load_n(&ed->bucket, __ATOMIC_ACQUIRE);

	return dir && b < ed->nr_buckets ?
		       __atomic_load_n(&dir[b], __ATOMIC_ACQUIRE) :
		       NULL;
}

/* The port's entry if its bucket exists. */
static inline struct evtchn *evtchn_of(struct evtchn_domain *ed, uint32_t port)
{
	struct evtchn *b = evtchn_bucket(ed, port / EVTCHN_PER_BUCKET);

	return b ? &b[port % EVTCHN_PER_BUCKET] : NULL;
}

/*
 * The FIFO protocol (event_fifo.c).  Callers hold d's port lock (or, for
 * raise, the peer's, see mica/event.h); these take the FIFO lock.
 */
/* H1/H2 for a bound port, or keeps it pending privately (note 4). */
void evtchn_fifo_raise(struct domain *d, uint32_t port, struct evtchn *chn);
/* A port was just bound / closed: MASKED, not PENDING. */
void evtchn_fifo_bind(struct domain *d, uint32_t port, struct evtchn *chn);
void evtchn_fifo_close(struct domain *d, uint32_t port, struct evtchn *chn);
/* M2: clear MASKED, queue if PENDING. */
void evtchn_fifo_unmask(struct domain *d, uint32_t port, struct evtchn *chn);
bool evtchn_fifo_is_pending(struct domain *d, uint32_t port,
			    struct evtchn *chn);
int evtchn_fifo_init_control(struct domain *d, struct vcpu *v, uint64_t gfn,
			     uint32_t offset);
int evtchn_fifo_expand_array(struct domain *d, uint64_t gfn);
/* Forgets every control block and array page (reset, destroy). */
void evtchn_fifo_teardown(struct domain *d);

#endif
