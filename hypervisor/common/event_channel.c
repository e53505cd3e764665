/* SPDX-License-Identifier: MIT */
/*
 * Event channels: the port table and MICA_HC_event_channel_op
 * (public/event_channel.h).  Delivery through the FIFO queues is in
 * event_fifo.c; the locking rules are in mica/event.h.
 *
 * Ports live in buckets of 256, allocated when the lowest free port first
 * needs one and freed with the domain, so a domain pays only for the ports
 * it has used, up to d->max_evtchn_ports.
 */
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include "event_internal.h"

/*
 * The global interdomain lock: serialises every operation that touches two
 * domains' port tables (bind_interdomain, close of an interdomain port,
 * destroy) and every lookup of a domain by id, against the removal of
 * domains from 'evtchn_domains'.  A domain found there while the lock is
 * held stays allocated until the lock is dropped.
 */
static spinlock_t interdomain_lock = SPINLOCK_INIT;
static struct domid_table evtchn_domains;
/* Which domain bound each global VIRQ (interdomain lock). */
static struct domain *global_virq_domain[MICA_NR_VIRQS];

static bool virq_is_global(unsigned int virq)
{
	return virq != MICA_VIRQ_TIMER && virq != MICA_VIRQ_DEBUG;
}

static bool virq_is_defined(unsigned int virq)
{
	return virq <= MICA_VIRQ_ENOMEM;
}

/* Interdomain lock held.  NULL if there is no such (live) domain. */
static struct domain *lookup_locked(struct domain *self, uint16_t domid)
{
	struct domain *d;

	if (domid == MICA_DOMID_SELF)
		return self;
	d = domid_table_get(&evtchn_domains, domid);
	return d && !d->evtchn->dead ? d : NULL;
}

/* Takes the port locks of a and b (maybe the same) in domain-id order. */
static unsigned long lock_pair(struct domain *a, struct domain *b)
{
	unsigned long flags = local_irq_save();

	if (a == b) {
		spin_lock(&a->evtchn->lock);
	} else if (a->id < b->id) {
		spin_lock(&a->evtchn->lock);
		spin_lock(&b->evtchn->lock);
	} else {
		spin_lock(&b->evtchn->lock);
		spin_lock(&a->evtchn->lock);
	}
	return flags;
}

static void unlock_pair(struct domain *a, struct domain *b, unsigned long flags)
{
	spin_unlock(&a->evtchn->lock);
	if (a != b)
		spin_unlock(&b->evtchn->lock);
	local_irq_restore(flags);
}

/* A bound port of d (port lock held), or NULL for 0/beyond/closed. */
static struct evtchn *port_lookup(struct domain *d, uint32_t port)
{
	struct evtchn *chn;

	if (!port || port >= d->max_evtchn_ports)
		return NULL;
	chn = evtchn_of(d->evtchn, port);
	return chn && chn->state != ECS_CLOSED ? chn : NULL;
}

/*
 * The lowest free port of d, its entry reset to a fresh MASKED port bound
 * to vcpu 0 at the default priority, in 'state'.  Port lock held.
 * Returns the port, or -EMFILE / -ENOMEM.
 */
static long port_alloc(struct domain *d, enum evtchn_state state)
{
	struct evtchn_domain *ed = d->evtchn;
	uint32_t limit = MIN(d->max_evtchn_ports, MICA_EVTCHN_FIFO_MAX_PORTS);
	struct evtchn *chn;
	uint32_t port;

	if (!ed->bucket) {
		uint32_t n =
			(limit + EVTCHN_PER_BUCKET - 1) / EVTCHN_PER_BUCKET;
		struct evtchn **dir = xzalloc(n * sizeof(*dir));

		if (!dir)
			return -ENOMEM;
		ed->nr_buckets = n;
		__atomic_store_n(&ed->bucket, dir, __ATOMIC_RELEASE);
	}
	for (port = MAX(ed->free_hint, 1u); port < limit; port++) {
		struct evtchn **b = &ed->bucket[port / EVTCHN_PER_BUCKET];

		if (!*b) {
			struct evtchn *fresh = xzalloc(PAGE_SIZE);

			if (!fresh)
				return -ENOMEM;
			__atomic_store_n(b, fresh, __ATOMIC_RELEASE);
		}
		if ((*b)[port % EVTCHN_PER_BUCKET].state == ECS_CLOSED)
			break;
	}
	if (port >= limit)
		return -EMFILE;
	ed->free_hint = port + 1;
	chn = evtchn_of(ed, port);
	chn->state = (uint8_t)state;
	chn->priority = MICA_EVTCHN_FIFO_PRIORITY_DEFAULT;
	chn->notify_vcpu = 0;
	chn->remote_domid = 0;
	chn->remote_port = 0;
	chn->virq = 0;
	evtchn_fifo_bind(d, port, chn);
	return port;
}

/*
 * Frees a port; an interdomain peer becomes unbound, offered to d again.
 * The port locks of d and (interdomain) the peer are held.
 */
static void port_free(struct domain *d, uint32_t port, struct evtchn *chn,
		      struct domain *peer)
{
	struct evtchn_domain *ed = d->evtchn;

	switch (chn->state) {
	case ECS_INTERDOMAIN: {
		struct evtchn *pc = evtchn_of(peer->evtchn, chn->remote_port);

		pc->state = ECS_UNBOUND;
		pc->remote_domid = d->id;
		pc->remote_port = 0;
		break;
	}
	case ECS_VIRQ:
		if (virq_is_global(chn->virq)) {
			ed->global_virq_port[chn->virq] = 0;
			if (global_virq_domain[chn->virq] == d)
				global_virq_domain[chn->virq] = NULL;
		} else {
			d->vcpus[chn->notify_vcpu]->events.virq_port[chn->virq] =
				0;
		}
		break;
	default:
		break;
	}
	evtchn_fifo_close(d, port, chn);
	chn->state = ECS_CLOSED;
	if (port < ed->free_hint)
		ed->free_hint = port;
}

/* Closes one port of d.  Interdomain lock held. */
static int port_close(struct domain *d, uint32_t port)
{
	struct domain *peer = d;
	struct evtchn *chn;
	unsigned long flags = spin_lock_irqsave(&d->evtchn->lock);

	chn = port_lookup(d, port);
	if (!chn) {
		spin_unlock_irqrestore(&d->evtchn->lock, flags);
		return -EINVAL;
	}
	/* A bound peer is listed until all its ports are closed. */
	if (chn->state == ECS_INTERDOMAIN)
		peer = domid_table_get(&evtchn_domains, chn->remote_domid);
	spin_unlock_irqrestore(&d->evtchn->lock, flags);
	/* The binding cannot change: that needs the interdomain lock. */
	flags = lock_pair(d, peer);
	chn = port_lookup(d, port);
	if (chn)
		port_free(d, port, chn, peer);
	unlock_pair(d, peer, flags);
	return 0;
}

/*
 * Closes d's ports from *cursor up: at most 'max' bound ones, and looks
 * at no more than 16 * max entries.  Interdomain lock held.  Returns
 * whether every port from the cursor is closed; *cursor says where to go
 * on (buckets are never freed before the domain, so it stays valid).
 */
static bool close_ports_from(struct domain *d, uint32_t *cursor,
			     unsigned int max)
{
	struct evtchn_domain *ed = d->evtchn;
	/* A snapshot: a directory set up meanwhile (a concurrent bind)
	 * holds only ports bound after the close began. */
	const uint32_t end = READ_ONCE(ed->nr_buckets) * EVTCHN_PER_BUCKET;
	unsigned int closed = 0, looked = 0;
	uint32_t port = *cursor;

	while (port < end) {
		const struct evtchn *b =
			evtchn_bucket(ed, port / EVTCHN_PER_BUCKET);

		if (closed == max || looked++ == 16 * max) {
			*cursor = port;
			return false;
		}
		if (!b) {
			port = (port | (EVTCHN_PER_BUCKET - 1)) + 1;
			continue;
		}
		if (READ_ONCE(b[port % EVTCHN_PER_BUCKET].state) !=
		    ECS_CLOSED) {
			port_close(d, port);
			closed++;
		}
		port++;
	}
	*cursor = end;
	return true;
}

static void close_all_ports(struct domain *d)
{
	uint32_t cursor = 0;

	while (!close_ports_from(d, &cursor, 256))
		;
}

bool evtchn_domain_close_some(struct domain *d, uint32_t *cursor)
{
	struct evtchn_domain *ed = d->evtchn;
	unsigned long flags;
	bool done;

	if (!ed)
		return true;
	flags = spin_lock_irqsave(&interdomain_lock);
	ed->dead = true; /* nobody binds to it any more */
	done = close_ports_from(d, cursor, EVTCHN_CLOSE_CHUNK);
	spin_unlock_irqrestore(&interdomain_lock, flags);
	return done;
}

int evtchn_domain_init(struct domain *d)
{
	struct evtchn_domain *ed = xzalloc(sizeof(*ed));
	unsigned long flags;
	int rc;

	if (!ed)
		return -ENOMEM;
	spin_lock_init(&ed->lock);
	spin_lock_init(&ed->fifo_lock);
	ed->free_hint = 1;
	if (!d->max_evtchn_ports)
		d->max_evtchn_ports = EVTCHN_DEFAULT_MAX_PORTS;
	d->evtchn = ed;
	flags = spin_lock_irqsave(&interdomain_lock);
	rc = domid_table_set(&evtchn_domains, d->id, d);
	spin_unlock_irqrestore(&interdomain_lock, flags);
	if (rc) {
		d->evtchn = NULL;
		xfree(ed);
	}
	return rc;
}

void evtchn_domain_destroy(struct domain *d)
{
	struct evtchn_domain *ed = d->evtchn;
	unsigned long flags;

	if (!ed)
		return;
	flags = spin_lock_irqsave(&interdomain_lock);
	ed->dead = true;
	close_all_ports(d);
	domid_table_set(&evtchn_domains, d->id, NULL);
	spin_unlock_irqrestore(&interdomain_lock, flags);
	evtchn_fifo_teardown(d);
	for (uint32_t b = 0; b < ed->nr_buckets; b++)
		xfree(ed->bucket[b]);
	xfree(ed->bucket);
	xfree(ed->array);
	d->evtchn = NULL;
	xfree(ed);
}

/* A new unbound port of d offered to remote.  Interdomain lock held. */
static int alloc_unbound_locked(struct domain *d, struct domain *remote,
				uint32_t *port)
{
	long rc;

	spin_lock(&d->evtchn->lock);
	rc = port_alloc(d, ECS_UNBOUND);
	if (rc > 0) {
		evtchn_of(d->evtchn, (uint32_t)rc)->remote_domid = remote->id;
		*port = (uint32_t)rc;
		rc = 0;
	}
	spin_unlock(&d->evtchn->lock);
	return (int)rc;
}

int evtchn_alloc_unbound(struct domain *d, uint16_t remote_domid,
			 uint32_t *port)
{
	unsigned long flags = spin_lock_irqsave(&interdomain_lock);
	struct domain *remote = lookup_locked(d, remote_domid);
	int rc = -ESRCH;

	if (remote && !d->evtchn->dead)
		rc = alloc_unbound_locked(d, remote, port);
	spin_unlock_irqrestore(&interdomain_lock, flags);
	return rc;
}

int evtchn_close_port(struct domain *d, uint32_t port)
{
	unsigned long flags = spin_lock_irqsave(&interdomain_lock);
	int rc = -ESRCH;

	/* Listed: evtchn_domain_destroy has not taken d's ports yet. */
	if (domid_table_get(&evtchn_domains, d->id) == d && !d->evtchn->dead)
		rc = port_close(d, port);
	spin_unlock_irqrestore(&interdomain_lock, flags);
	return rc;
}

/* Raises the event a send on (d, port) means.  d's port lock held. */
static int port_send(struct domain *d, uint32_t port)
{
	struct evtchn *chn = port_lookup(d, port);
	struct domain *peer;

	if (!chn)
		return -EINVAL;
	switch (chn->state) {
	case ECS_INTERDOMAIN:
		/* The binding keeps the peer alive while we hold our lock. */
		peer = domid_table_get(&evtchn_domains, chn->remote_domid);
		if (peer)
			evtchn_fifo_raise(peer, chn->remote_port,
					  evtchn_of(peer->evtchn,
						    chn->remote_port));
		return 0;
	case ECS_IPI:
		evtchn_fifo_raise(d, port, chn);
		return 0;
	case ECS_UNBOUND:
		return 0;
	default:
		return -EINVAL; /* VIRQs are raised by the hypervisor only */
	}
}

void evtchn_notify(struct domain *d, uint32_t port)
{
	unsigned long flags = spin_lock_irqsave(&d->evtchn->lock);

	port_send(d, port);
	spin_unlock_irqrestore(&d->evtchn->lock, flags);
}

/* Port lock of v's domain held. */
static void raise_virq_port(struct domain *d, uint32_t port)
{
	struct evtchn *chn = port ? evtchn_of(d->evtchn, port) : NULL;

	if (chn && chn->state == ECS_VIRQ)
		evtchn_fifo_raise(d, port, chn);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
	struct domain *d = v->domain;
	unsigned long flags;

	if (virq >= MICA_NR_VIRQS || virq_is_global(virq) || !d->evtchn)
		return;
	flags = spin_lock_irqsave(&d->evtchn->lock);
	raise_virq_port(d, v->events.virq_port[virq]);
	spin_unlock_irqrestore(&d->evtchn->lock, flags);
}

void send_global_virq(unsigned int virq)
{
	unsigned long flags;
	struct domain *d;

	if (virq >= MICA_NR_VIRQS || !virq_is_global(virq))
		return;
	flags = spin_lock_irqsave(&interdomain_lock);
	d = global_virq_domain[virq];
	if (d) {
		spin_lock(&d->evtchn->lock);
		raise_virq_port(d, d->evtchn->global_virq_port[virq]);
		spin_unlock(&d->evtchn->lock);
	}
	spin_unlock_irqrestore(&interdomain_lock, flags);
}

bool evtchn_port_pending(struct domain *d, uint32_t port)
{
	struct evtchn *chn = port_lookup(d, port);

	return chn && evtchn_fifo_is_pending(d, port, chn);
}

int evtchn_port_check_bound(struct domain *d, uint32_t port)
{
	return port_lookup(d, port) ? 0 : -EINVAL;
}

/* --------------------------------------------------------------------- */
/* MICA_HC_event_channel_op: every sub-op copies its argument in once,
 * checks padding and ranges, and copies results out last. */

static struct vcpu *vcpu_of(struct domain *d, uint32_t id)
{
	return id < d->max_vcpus ? d->vcpus[id] : NULL;
}

/* A domain the caller may name: itself, or any if privileged. */
static bool may_name(struct domain *self, uint16_t domid)
{
	return domid == MICA_DOMID_SELF || domid == self->id ||
	       self->privileged;
}

static long op_alloc_unbound(struct domain *self, uint64_t arg)
{
	struct mica_evtchn_alloc_unbound a;
	struct domain *d, *remote;
	unsigned long flags;
	uint32_t port = 0;
	int rc = -ESRCH;

	if (copy_from_guest(&a, arg, sizeof(a)))
		return -EFAULT;
	if (!may_name(self, a.dom))
		return -EPERM;
	flags = spin_lock_irqsave(&interdomain_lock);
	d = lookup_locked(self, a.dom);
	remote = lookup_locked(self, a.remote_dom);
	if (d && remote)
		rc = alloc_unbound_locked(d, remote, &port);
	spin_unlock_irqrestore(&interdomain_lock, flags);
	if (rc)
		return rc;
	a.port = port;
	return copy_to_guest(arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static long op_bind_interdomain(struct domain *self, uint64_t arg)
{
	struct mica_evtchn_bind_interdomain b;
	struct evtchn *rchn, *lchn;
	unsigned long flags, pflags;
	struct domain *rd;
	long rc = -ESRCH;

	if (copy_from_guest(&b, arg, sizeof(b)))
		return -EFAULT;
	if (b.pad0 || b.pad1)
		return -EINVAL;
	flags = spin_lock_irqsave(&interdomain_lock);
	rd = lookup_locked(self, b.remote_dom);
	if (!rd)
		goto out;
	pflags = lock_pair(self, rd);
	rchn = port_lookup(rd, b.remote_port);
	rc = -EINVAL;
	if (rchn && rchn->state == ECS_UNBOUND &&
	    rchn->remote_domid == self->id) {
		rc = port_alloc(self, ECS_INTERDOMAIN);
		if (rc > 0) {
			lchn = evtchn_of(self->evtchn, (uint32_t)rc);
			lchn->remote_domid = rd->id;
			lchn->remote_port = b.remote_port;
			rchn->state = ECS_INTERDOMAIN;
			rchn->remote_domid = self->id;
			rchn->remote_port = (uint32_t)rc;
		}
	}
	unlock_pair(self, rd, pflags);
out:
	spin_unlock_irqrestore(&interdomain_lock, flags);
	if (rc < 0)
		return rc;
	b.local_port = (uint32_t)rc;
	return copy_to_guest(arg, &b, sizeof(b)) ? -EFAULT : 0;
}

static long op_bind_virq(struct domain *self, uint64_t arg)
{
	struct mica_evtchn_bind_virq b;
	struct evtchn_domain *ed = self->evtchn;
	unsigned long flags;
	struct vcpu *v;
	uint32_t *slot;
	long rc;

	if (copy_from_guest(&b, arg, sizeof(b)))
		return -EFAULT;
	if (b.pad0 || b.virq >= MICA_NR_VIRQS || !virq_is_defined(b.virq))
		return -EINVAL;
	v = vcpu_of(self, b.vcpu);
	if (!v)
		return -ENOENT;
	if (virq_is_global(b.virq) && !self->privileged)
		return -EINVAL;
	flags = spin_lock_irqsave(&interdomain_lock);
	spin_lock(&ed->lock);
	slot = virq_is_global(b.virq) ? &ed->global_virq_port[b.virq] :
					&v->events.virq_port[b.virq];
	if (*slot || (virq_is_global(b.virq) && global_virq_domain[b.virq])) {
		rc = -EEXIST;
	} else {
		rc = port_alloc(self, ECS_VIRQ);
		if (rc > 0) {
			struct evtchn *chn = evtchn_of(ed, (uint32_t)rc);

			chn->virq = (uint16_t)b.virq;
			chn->notify_vcpu = (uint16_t)b.vcpu;
			*slot = (uint32_t)rc;
			if (virq_is_global(b.virq))
				global_virq_domain[b.virq] = self;
		}
	}
	spin_unlock(&ed->lock);
	spin_unlock_irqrestore(&interdomain_lock, flags);
	if (rc < 0)
		return rc;
	b.port = (uint32_t)rc;
	return copy_to_guest(arg, &b, sizeof(b)) ? -EFAULT : 0;
}

static long op_bind_ipi(struct domain *self, uint64_t arg)
{
	struct mica_evtchn_bind_ipi b;
	unsigned long flags;
	long rc;

	if (copy_from_guest(&b, arg, sizeof(b)))
		return -EFAULT;
	if (!vcpu_of(self, b.vcpu))
		return -ENOENT;
	flags = spin_lock_irqsave(&self->evtchn->lock);
	rc = port_alloc(self, ECS_IPI);
	if (rc > 0)
		evtchn_of(self->evtchn, (uint32_t)rc)->notify_vcpu =
			(uint16_t)b.vcpu;
	spin_unlock_irqrestore(&self->evtchn->lock, flags);
	if (rc < 0)
		return rc;
	b.port = (uint32_t)rc;
	return copy_to_guest(arg, &b, sizeof(b)) ? -EFAULT : 0;
}

/* close, send, unmask: a port and padding. */
static long op_port(struct domain *self, unsigned int cmd, uint64_t arg)
{
	struct mica_evtchn_port_op p;
	unsigned long flags;
	struct evtchn *chn;
	long rc = 0;

	if (copy_from_guest(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.pad0)
		return -EINVAL;
	if (cmd == MICA_EVTCHNOP_close) {
		flags = spin_lock_irqsave(&interdomain_lock);
		rc = port_close(self, p.port);
		spin_unlock_irqrestore(&interdomain_lock, flags);
		return rc;
	}
	flags = spin_lock_irqsave(&self->evtchn->lock);
	if (cmd == MICA_EVTCHNOP_send) {
		rc = port_send(self, p.port);
	} else {
		chn = port_lookup(self, p.port);
		if (chn)
			evtchn_fifo_unmask(self, p.port, chn);
		else
			rc = -EINVAL;
	}
	spin_unlock_irqrestore(&self->evtchn->lock, flags);
	return rc;
}

static long op_status(struct domain *self, uint64_t arg)
{
	struct mica_evtchn_status s;
	unsigned long flags;
	struct evtchn *chn;
	struct domain *d;

	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.pad0)
		return -EINVAL;
	if (!may_name(self, s.dom))
		return -EPERM;
	s.state = MICA_EVTCHN_STATE_closed;
	s.vcpu = s.priority = s.virq = s.remote_port = 0;
	s.remote_dom = 0;
	s.pad1 = 0;
	flags = spin_lock_irqsave(&interdomain_lock);
	d = lookup_locked(self, s.dom);
	if (!d) {
		spin_unlock_irqrestore(&interdomain_lock, flags);
		return -ESRCH;
	}
	spin_lock(&d->evtchn->lock);
	chn = port_lookup(d, s.port);
	if (chn) {
		s.state = chn->state;
		s.vcpu = chn->notify_vcpu;
		s.priority = chn->priority;
		if (chn->state == ECS_UNBOUND || chn->state == ECS_INTERDOMAIN)
			s.remote_dom = chn->remote_domid;
		if (chn->state == ECS_INTERDOMAIN)
			s.remote_port = chn->remote_port;
		if (chn->state == ECS_VIRQ)
			s.virq = chn->virq;
	}
	spin_unlock(&d->evtchn->lock);
	spin_unlock_irqrestore(&interdomain_lock, flags);
	return copy_to_guest(arg, &s, sizeof(s)) ? -EFAULT : 0;
}

static long op_bind_vcpu(struct domain *self, uint64_t arg)
{
	struct mica_evtchn_bind_vcpu b;
	unsigned long flags;
	struct evtchn *chn;
	long rc = 0;

	if (copy_from_guest(&b, arg, sizeof(b)))
		return -EFAULT;
	if (!vcpu_of(self, b.vcpu))
		return -ENOENT;
	flags = spin_lock_irqsave(&self->evtchn->lock);
	chn = port_lookup(self, b.port);
	if (!chn || chn->state == ECS_IPI ||
	    (chn->state == ECS_VIRQ && !virq_is_global(chn->virq)))
		rc = -EINVAL;
	else
		WRITE_ONCE(chn->notify_vcpu, (uint16_t)b.vcpu);
	spin_unlock_irqrestore(&self->evtchn->lock, flags);
	return rc;
}

/*
 * Preemptible (event_channel.h): ports are closed EVTCHN_CLOSE_CHUNK at a
 * time; a continuation carries the next port to look at in bits 32-63 of
 * cmd (the guest passes cmd zero-extended, so a call starts at 0).  Every
 * restart reads and checks the argument again; ports below the cursor
 * that the guest bound meanwhile stay open, as for any concurrent change.
 */
static long op_reset(struct domain *self, uint64_t arg, uint32_t cursor)
{
	struct mica_evtchn_reset r;
	unsigned long flags;
	struct domain *d;
	bool done = false;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.pad0[0] || r.pad0[1] || r.pad0[2])
		return -EINVAL;
	if (!may_name(self, r.dom))
		return -EPERM;
	if (cursor > MICA_EVTCHN_FIFO_MAX_PORTS)
		return -EINVAL;
	for (;;) {
		flags = spin_lock_irqsave(&interdomain_lock);
		d = lookup_locked(self, r.dom);
		if (d) {
			done = close_ports_from(d, &cursor, EVTCHN_CLOSE_CHUNK);
			if (done)
				evtchn_fifo_teardown(d);
		}
		spin_unlock_irqrestore(&interdomain_lock, flags);
		if (!d)
			return -ESRCH;
		if (done)
			return 0;
		if (hypercall_preempt_check())
			return hypercall_create_continuation(
				MICA_HC_event_channel_op,
				MICA_EVTCHNOP_reset | (uint64_t)cursor << 32,
				arg, 0, 0, 0);
	}
}

static long op_init_control(struct domain *self, uint64_t arg)
{
	struct mica_evtchn_init_control c;
	unsigned long flags;
	struct vcpu *v;
	long rc;

	if (copy_from_guest(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.pad0)
		return -EINVAL;
	v = vcpu_of(self, c.vcpu);
	if (!v)
		return -ENOENT;
	/* Make sure the result can be written before registering. */
	c.link_bits = MICA_EVTCHN_FIFO_LINK_BITS;
	if (copy_to_guest(arg, &c, sizeof(c)))
		return -EFAULT;
	flags = spin_lock_irqsave(&self->evtchn->lock);
	rc = evtchn_fifo_init_control(self, v, c.control_gfn, c.offset);
	spin_unlock_irqrestore(&self->evtchn->lock, flags);
	return rc;
}

static long op_expand_array(struct domain *self, uint64_t arg)
{
	struct mica_evtchn_expand_array e;
	unsigned long flags;
	long rc;

	if (copy_from_guest(&e, arg, sizeof(e)))
		return -EFAULT;
	flags = spin_lock_irqsave(&self->evtchn->lock);
	rc = evtchn_fifo_expand_array(self, e.array_gfn);
	spin_unlock_irqrestore(&self->evtchn->lock, flags);
	return rc;
}

static long op_set_priority(struct domain *self, uint64_t arg)
{
	struct mica_evtchn_set_priority p;
	unsigned long flags;
	struct evtchn *chn;

	if (copy_from_guest(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.priority > MICA_EVTCHN_FIFO_PRIORITY_MIN)
		return -EINVAL;
	flags = spin_lock_irqsave(&self->evtchn->lock);
	chn = port_lookup(self, p.port);
	if (chn)
		WRITE_ONCE(chn->priority, (uint8_t)p.priority);
	spin_unlock_irqrestore(&self->evtchn->lock, flags);
	return chn ? 0 : -EINVAL;
}

long do_event_channel_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
			 uint64_t a5)
{
	struct domain *self = current_vcpu()->domain;

	(void)a3;
	(void)a4;
	(void)a5;
	if ((uint32_t)cmd == MICA_EVTCHNOP_reset)
		return op_reset(self, arg, (uint32_t)(cmd >> 32));
	switch (cmd) {
	case MICA_EVTCHNOP_alloc_unbound:
		return op_alloc_unbound(self, arg);
	case MICA_EVTCHNOP_bind_interdomain:
		return op_bind_interdomain(self, arg);
	case MICA_EVTCHNOP_bind_virq:
		return op_bind_virq(self, arg);
	case MICA_EVTCHNOP_bind_ipi:
		return op_bind_ipi(self, arg);
	case MICA_EVTCHNOP_close:
	case MICA_EVTCHNOP_send:
	case MICA_EVTCHNOP_unmask:
		return op_port(self, (unsigned int)cmd, arg);
	case MICA_EVTCHNOP_status:
		return op_status(self, arg);
	case MICA_EVTCHNOP_bind_vcpu:
		return op_bind_vcpu(self, arg);
	case MICA_EVTCHNOP_reset:
		return op_reset(self, arg, 0);
	case MICA_EVTCHNOP_init_control:
		return op_init_control(self, arg);
	case MICA_EVTCHNOP_expand_array:
		return op_expand_array(self, arg);
	case MICA_EVTCHNOP_set_priority:
		return op_set_priority(self, arg);
	default:
		return -ENOSYS;
	}
}
