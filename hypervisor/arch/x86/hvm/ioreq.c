/* SPDX-License-Identifier: MIT */
/*
 * Device models for HVM guests (asm/hvm_ioreq.h, public/hvm/ioreq.h,
 * docs/hvm.md "Device models").
 *
 * A server belongs to one HVM domain (its target) and one privileged PV
 * domain (the model).  The slot page is a frame of the model's that Mica
 * holds a writable reference to; each vcpu of the target has a slot and an
 * unbound port of the target offered to the model.  A vcpu with a request
 * out polls its port (evtchn_poll_begin) and blocks: the model's send on
 * its end raises that port and wakes it.  An optional second frame holds
 * the ring of posted writes for buffered ranges.
 *
 * Locks: each target's servers are on its own list under its lock (struct
 * hvm_ioreq_domain), all the guest-side paths need; every server is also on
 * one global list under servers_lock, for ids and for the teardown of a
 * model, which serves any number of targets.  servers_lock is taken before
 * a target's lock (only by the model's calls and teardowns); a target's
 * lock is taken before the interdomain and port locks (sends and closes
 * happen under it) and never under any other lock.  Only the vcpu itself touches its hvm_ioreq_vcpu;
 * a server that goes while a vcpu waits is noticed by that vcpu (its id is
 * no longer listed) and the access completes as if no device were there.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/event.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <asm/hvm.h>
#include <asm/hvm_ioreq.h>
#include <asm/hvm_platform.h>
#include <asm/page.h>
#include <asm/x86_emulate.h>
#include <public/domctl.h>

struct ioreq_range {
	uint32_t type, flags;
	uint64_t first, last;
};

struct ioreq_server {
	struct ioreq_server *next; /* on target's list */
	struct ioreq_server *gnext; /* on the global list */
	struct domain *target, *dm;
	uint32_t id;
	uint64_t page_mfn;
	struct mica_ioreq *slots;
	unsigned int nr_vcpus, nr_ranges;
	uint32_t *ports; /* of target, per vcpu */
	struct ioreq_range ranges[MICA_IOREQ_MAX_RANGES];
	/* The buffered-write ring, if any: its frame, port and Mica's own
	 * producer index (the page's is written, never read). */
	struct mica_ioreq_buf_page *buf;
	uint64_t buf_mfn;
	uint32_t buf_port, buf_prod;
};

static spinlock_t servers_lock = SPINLOCK_INIT;
static struct ioreq_server *servers; /* all, under servers_lock */
static uint32_t next_id = 1;

static struct hvm_ioreq_domain *ioreq_of(struct domain *d)
{
	return &d->arch.hvm->ioreq;
}

/* Rate limit for messages about misbehaving models: one per 100 ms. */
static uint64_t last_complaint;

static void complain(const char *fmt, ...) __printf(1, 2);
static void complain(const char *fmt, ...)
{
	uint64_t now = system_time_ns();
	va_list ap;

	if (now - READ_ONCE(last_complaint) < 100000000ULL)
		return;
	WRITE_ONCE(last_complaint, now);
	va_start(ap, fmt);
	vprintk_level(LOG_WARN, fmt, ap);
	va_end(ap);
}

static uint64_t size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* ------------------------------------------------------------------
 * Lookups (the target's lock held)
 * ---------------------------------------------------------------- */

static struct ioreq_server *find(struct domain *d, uint32_t id)
{
	for (struct ioreq_server *s = ioreq_of(d)->servers; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

/* The server with a range holding [addr, addr + size); the range's
 * flags in *flags. */
static struct ioreq_server *claimant(struct domain *d, unsigned int type,
				     uint64_t addr, unsigned int size,
				     uint32_t *flags)
{
	uint64_t end = addr + size - 1;

	if (end < addr)
		return NULL;
	for (struct ioreq_server *s = ioreq_of(d)->servers; s; s = s->next) {
		for (unsigned int i = 0; i < s->nr_ranges; i++) {
			const struct ioreq_range *r = &s->ranges[i];

			if (r->type == type && addr >= r->first &&
			    end <= r->last) {
				*flags = r->flags;
				return s;
			}
		}
	}
	return NULL;
}

/* servers_lock held. */
static bool id_in_use(uint32_t id)
{
	for (struct ioreq_server *s = servers; s; s = s->gnext)
		if (s->id == id)
			return true;
	return false;
}

static bool overlaps(struct domain *d, unsigned int type, uint64_t first,
		     uint64_t last)
{
	for (struct ioreq_server *s = ioreq_of(d)->servers; s; s = s->next) {
		for (unsigned int i = 0; i < s->nr_ranges; i++) {
			const struct ioreq_range *r = &s->ranges[i];

			if (r->type == type && first <= r->last &&
			    last >= r->first)
				return true;
		}
	}
	return false;
}

bool hvm_ioreq_claims_mmio(struct domain *d, uint64_t gpa)
{
	unsigned long flags;
	uint32_t rflags;
	bool claimed;

	if (!READ_ONCE(ioreq_of(d)->servers))
		return false;
	flags = spin_lock_irqsave(&ioreq_of(d)->lock);
	claimed = claimant(d, MICA_IOREQ_TYPE_MMIO, gpa, 1, &rflags) != NULL;
	spin_unlock_irqrestore(&ioreq_of(d)->lock, flags);
	return claimed;
}

bool hvm_ioreq_waiting(const struct vcpu *v)
{
	return v->arch.hvm->ioreq.waiting;
}

/* ------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------- */

/* Fills v's slot of s and notifies the model.  The target's lock held. */
static void send(struct vcpu *v, struct ioreq_server *s, unsigned int type,
		 uint64_t addr, unsigned int size, bool write, uint64_t data)
{
	struct hvm_ioreq_vcpu *st = &v->arch.hvm->ioreq;
	volatile struct mica_ioreq *slot = &s->slots[v->id];
	struct mica_ioreq *r = &st->req;

	*r = (struct mica_ioreq){
		.addr = addr,
		.data = write ? data & size_mask(size) : 0,
		.count = 1,
		.size = (uint8_t)size,
		.dir = write ? MICA_IOREQ_DIR_WRITE : MICA_IOREQ_DIR_READ,
		.type = (uint8_t)type,
		.state = MICA_IOREQ_STATE_READY,
		.vcpu = v->id,
		.port = s->ports[v->id],
	};
	slot->addr = r->addr;
	slot->data = r->data;
	slot->count = r->count;
	slot->size = r->size;
	slot->dir = r->dir;
	slot->type = r->type;
	slot->vcpu = r->vcpu;
	slot->port = r->port;
	slot->pad1 = 0;
	__atomic_store_n(&slot->state, MICA_IOREQ_STATE_READY,
			 __ATOMIC_RELEASE);
	st->waiting = true;
	st->server = s->id;
	st->iter = st->ctx ? st->ctx->reps_done : 0;
	evtchn_notify(v->domain, r->port);
}

/* Posts a write to s's ring; false if it has no free entry.  The
 * target's lock held. */
static bool post(struct ioreq_server *s, unsigned int type, uint64_t addr,
		 unsigned int size, uint64_t data)
{
	volatile struct mica_ioreq_buf_page *b = s->buf;
	uint32_t cons = __atomic_load_n(&b->cons, __ATOMIC_ACQUIRE);
	volatile struct mica_ioreq_buf_entry *e;

	if (s->buf_prod - cons >= MICA_IOREQ_BUF_ENTRIES)
		return false; /* full, or a garbage cons: the model's loss */
	e = &b->ring[s->buf_prod % MICA_IOREQ_BUF_ENTRIES];
	e->addr = addr;
	e->data = data & size_mask(size);
	e->size = (uint8_t)size;
	e->type = (uint8_t)type;
	for (unsigned int i = 0; i < sizeof(e->pad); i++)
		e->pad[i] = 0;
	s->buf_prod++;
	__atomic_store_n(&b->prod, s->buf_prod, __ATOMIC_RELEASE);
	evtchn_notify(s->target, s->buf_port);
	return true;
}

/* Drops the answers of the rep iterations this emulation completed: they
 * are committed whatever comes next (exec_string), never run again. */
static void compact(struct hvm_ioreq_vcpu *st)
{
	unsigned int reps = st->ctx ? st->ctx->reps_done : 0, k = 0;

	while (k < st->cursor && st->done[k].iter < reps)
		k++;
	if (!k)
		return;
	for (unsigned int i = k; i < st->nr_done; i++)
		st->done[i - k] = st->done[i];
	st->nr_done -= k;
	st->cursor -= k;
}

/* A posted write of the emulator counts as answered: the instruction
 * run again must not post it twice. */
static void posted(struct hvm_ioreq_vcpu *st, unsigned int type, uint64_t addr,
		   unsigned int size, uint64_t data)
{
	if (!st->emulating)
		return;
	compact(st);
	if (st->nr_done == HVM_IOREQ_DONE_MAX)
		return; /* cannot happen: at most two accesses per iteration */
	st->done[st->nr_done++] = (struct hvm_ioreq_done){
		.addr = addr,
		.data = data & size_mask(size),
		.type = (uint8_t)type,
		.dir = MICA_IOREQ_DIR_WRITE,
		.size = (uint8_t)size,
		.iter = st->ctx ? st->ctx->reps_done : 0,
	};
	st->cursor = st->nr_done;
}

bool hvm_ioreq_access(struct vcpu *v, unsigned int type, uint64_t addr,
		      unsigned int size, bool write, uint64_t *val)
{
	struct hvm_ioreq_vcpu *st = &v->arch.hvm->ioreq;
	struct hvm_ioreq_domain *io = ioreq_of(v->domain);
	struct ioreq_server *s;
	unsigned long flags;
	uint32_t rflags = 0;

	/* An answer this instruction already had: the same access again
	 * (even if its server went since). */
	if (st->emulating && st->cursor < st->nr_done) {
		struct hvm_ioreq_done *e = &st->done[st->cursor];
		uint8_t dir = write ? MICA_IOREQ_DIR_WRITE :
				      MICA_IOREQ_DIR_READ;

		if (e->type == type && e->addr == addr && e->size == size &&
		    e->dir == dir &&
		    (!write || e->data == (*val & size_mask(size)))) {
			st->cursor++;
			if (!write)
				*val = e->data;
			return true;
		}
		/* Executed differently this time (another vcpu changed its
		 * operands): the rest of the answers are stale. */
		st->nr_done = st->cursor;
	}
	if (!READ_ONCE(io->servers))
		return false;
	flags = spin_lock_irqsave(&io->lock);
	s = claimant(v->domain, type, addr, size, &rflags);
	if (s && v->id >= s->nr_vcpus)
		s = NULL; /* a vcpu the server has no slot for */
	if (s && write && (rflags & MICA_IOREQ_RANGE_BUFFERED) &&
	    post(s, type, addr, size, *val)) {
		spin_unlock_irqrestore(&io->lock, flags);
		posted(st, type, addr, size, *val);
		return true;
	}
	if (s && st->waiting) {
		/* Cannot happen: a request stops the emulation. */
		spin_unlock_irqrestore(&io->lock, flags);
		domain_crash(v->domain,
			     "second device-model request from "
			     "vcpu %u",
			     v->id);
		return true;
	}
	if (s && st->emulating)
		compact(st);
	if (s && st->emulating && st->nr_done == HVM_IOREQ_DONE_MAX) {
		spin_unlock_irqrestore(&io->lock, flags);
		domain_crash(v->domain,
			     "instruction at rip %lx needs more "
			     "than %u device-model accesses",
			     v->arch.hvm->regs.rip, HVM_IOREQ_DONE_MAX);
		return true;
	}
	if (s) {
		st->emulated = st->emulating;
		send(v, s, type, addr, size, write, *val);
	}
	spin_unlock_irqrestore(&io->lock, flags);
	if (s && !write)
		*val = size_mask(size); /* until the answer is in */
	return s != NULL;
}

void hvm_ioreq_emulate_begin(struct vcpu *v, const struct x86_emulate_ctx *c)
{
	struct hvm_ioreq_vcpu *st = &v->arch.hvm->ioreq;

	st->emulating = true;
	st->ctx = c;
	st->cursor = 0;
}

bool hvm_ioreq_emulate_end(struct vcpu *v, const struct x86_emulate_ctx *c,
			   int rc)
{
	struct hvm_ioreq_vcpu *st = &v->arch.hvm->ioreq;
	unsigned int n = 0, reps = c->reps_done;

	st->emulating = false;
	st->ctx = NULL;
	if (rc == X86EMUL_RETRY)
		return true; /* nothing committed: every answer still counts */
	if (rc != X86EMUL_OK || c->rip != v->arch.hvm->regs.rip) {
		st->nr_done = 0; /* the instruction is over */
		return false;
	}
	/* A rep stopped early: its completed iterations are committed, so
	 * only the answers of the one it stopped in are kept. */
	for (unsigned int i = 0; i < st->nr_done; i++) {
		if (st->done[i].iter < reps)
			continue;
		st->done[n] = st->done[i];
		st->done[n++].iter -= reps;
	}
	st->nr_done = n;
	if (st->waiting)
		st->iter -= MIN(st->iter, reps);
	return false;
}

/* ------------------------------------------------------------------
 * Answers (in the vcpu's own context, before it enters)
 * ---------------------------------------------------------------- */

/* True when v's request is over, with its data in *data. */
static bool answered(struct vcpu *v, uint64_t *data)
{
	struct hvm_ioreq_vcpu *st = &v->arch.hvm->ioreq;
	const struct mica_ioreq *r = &st->req;
	struct hvm_ioreq_domain *io = ioreq_of(v->domain);
	unsigned long flags = spin_lock_irqsave(&io->lock);
	struct ioreq_server *s = find(v->domain, st->server);
	volatile struct mica_ioreq *slot;
	struct mica_ioreq a;
	bool over = true;

	*data = ~0ULL; /* the server went: no device there any more */
	if (!s)
		goto out;
	slot = &s->slots[v->id];
	if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) !=
	    MICA_IOREQ_STATE_RESPONSE_READY) {
		over = false;
		goto out;
	}
	/* One copy; only data and state are the model's to write. */
	a.addr = slot->addr;
	a.data = slot->data;
	a.count = slot->count;
	a.size = slot->size;
	a.dir = slot->dir;
	a.type = slot->type;
	a.vcpu = slot->vcpu;
	a.port = slot->port;
	a.pad1 = slot->pad1;
	if (a.addr != r->addr || a.count != r->count || a.size != r->size ||
	    a.dir != r->dir || a.type != r->type || a.vcpu != r->vcpu ||
	    a.port != r->port || a.pad1)
		complain("domain %u (%s): ioreq server %u of domain %u "
			 "changed vcpu %u's request (%s %lx): bus error\n",
			 v->domain->id, v->domain->name, s->id, s->dm->id,
			 v->id, r->type ? "mmio" : "port", r->addr);
	else
		*data = a.data;
	__atomic_store_n(&slot->state, MICA_IOREQ_STATE_NONE, __ATOMIC_RELEASE);
out:
	spin_unlock_irqrestore(&io->lock, flags);
	return over;
}

/* Completes v's request with data. */
static void complete(struct vcpu *v, uint64_t data)
{
	struct hvm_ioreq_vcpu *st = &v->arch.hvm->ioreq;
	const struct mica_ioreq *r = &st->req;
	struct hvm_gprs *regs = &v->arch.hvm->regs;
	bool read = r->dir == MICA_IOREQ_DIR_READ;
	uint64_t m = size_mask(r->size);

	st->waiting = false;
	data = read ? data & m : r->data;
	if (st->emulated) {
		st->done[st->nr_done++] = (struct hvm_ioreq_done){
			.addr = r->addr,
			.data = data,
			.type = r->type,
			.dir = r->dir,
			.size = r->size,
			.iter = st->iter,
		};
		hvm_emulate_insn(v); /* again, now with the answer */
		return;
	}
	/* A plain IN/OUT: rip is past it already; IN writes al/ax/eax. */
	if (read && r->size == 4)
		regs->rax = (uint32_t)data;
	else if (read)
		regs->rax = (regs->rax & ~m) | data;
}

bool hvm_ioreq_pre_run(struct vcpu *v)
{
	struct hvm_ioreq_vcpu *st = &v->arch.hvm->ioreq;
	uint64_t data;

	if (!st->waiting)
		return true;
	if (!answered(v, &data)) {
		/* Announce the poll, block, look again: an answer after the
		 * look raises the port and wakes us. */
		evtchn_poll_begin(v, st->req.port);
		vcpu_block();
		if (!answered(v, &data))
			return false;
		vcpu_unblock(v);
	}
	evtchn_poll_end(v);
	complete(v, data);
	return !st->waiting && v->state == VCPU_RUNNABLE;
}

/* ------------------------------------------------------------------
 * Servers
 * ---------------------------------------------------------------- */

/* Takes s down: off both lists (servers_lock and the target's lock
 * held), ports closed, the frame released, vcpus that wait on it woken
 * (they find it gone). */
static void server_free(struct ioreq_server *s)
{
	struct domain *d = s->target;

	for (struct ioreq_server **p = &servers; *p; p = &(*p)->gnext) {
		if (*p == s) {
			*p = s->gnext;
			break;
		}
	}
	for (struct ioreq_server **p = &ioreq_of(d)->servers; *p;
	     p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	for (unsigned int i = 0; i < s->nr_vcpus; i++)
		if (s->ports[i])
			evtchn_close_port(d, s->ports[i]);
	if (s->buf_port)
		evtchn_close_port(d, s->buf_port);
	if (s->buf)
		arch_guest_frame_put(s->dm, s->buf_mfn);
	arch_guest_frame_put(s->dm, s->page_mfn);
	if (!READ_ONCE(d->is_dying))
		for (unsigned int i = 0; i < d->max_vcpus; i++) {
			struct vcpu *v = d->vcpus[i];

			if (v && v->arch.hvm && v->arch.hvm->ioreq.waiting &&
			    v->arch.hvm->ioreq.server == s->id)
				evtchn_vcpu_wake(v);
		}
	xfree(s->ports);
	xfree(s);
}

static long server_create(struct domain *d, struct domain *dm,
			  struct mica_domctl_ioreq *op)
{
	struct hvm_ioreq_domain *io = ioreq_of(d);
	struct ioreq_server *s;
	unsigned long flags;
	unsigned int count = 0;
	void *va;
	long rc;

	if (op->type || op->flags || op->id || op->last == op->first)
		return -EINVAL;
	if (d->max_vcpus > MICA_IOREQ_SLOTS_PER_PAGE)
		return -E2BIG;
	s = xzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ports = xzalloc(d->max_vcpus * sizeof(*s->ports));
	if (!s->ports) {
		xfree(s);
		return -ENOMEM;
	}
	rc = arch_guest_frame_get(dm, op->first, &va);
	if (rc) {
		xfree(s->ports);
		xfree(s);
		return rc;
	}
	s->target = d;
	s->dm = dm;
	s->page_mfn = op->first;
	s->slots = va;
	s->nr_vcpus = d->max_vcpus;
	memset(va, 0, PAGE_SIZE);
	if (op->last) {
		rc = arch_guest_frame_get(dm, op->last, &va);
		if (rc) {
			arch_guest_frame_put(dm, s->page_mfn);
			xfree(s->ports);
			xfree(s);
			return rc;
		}
		s->buf = va;
		s->buf_mfn = op->last;
		memset(va, 0, PAGE_SIZE);
		rc = evtchn_alloc_unbound(d, dm->id, &s->buf_port);
		s->buf->port = s->buf_port;
	}
	for (unsigned int i = 0; i < s->nr_vcpus && !rc; i++) {
		rc = evtchn_alloc_unbound(d, dm->id, &s->ports[i]);
		s->slots[i].vcpu = i;
		s->slots[i].port = s->ports[i];
	}
	flags = spin_lock_irqsave(&servers_lock);
	spin_lock(&io->lock);
	for (struct ioreq_server *o = io->servers; o; o = o->next)
		count++;
	if (!rc && count >= MICA_IOREQ_MAX_SERVERS)
		rc = -ENOSPC;
	/* Either's teardown may have looked already (both set is_dying
	 * before they take servers_lock in hvm_ioreq_relinquish). */
	if (!rc && (READ_ONCE(d->is_dying) || READ_ONCE(dm->is_dying)))
		rc = -ESRCH;
	if (!rc) {
		do { /* ids are never 0 and never two servers' at once */
			s->id = next_id++;
			if (!next_id)
				next_id = 1;
		} while (id_in_use(s->id));
		op->id = s->id;
	}
	/* On both lists; server_free takes a refused one off again. */
	s->gnext = servers;
	servers = s;
	s->next = io->servers;
	io->servers = s;
	if (rc)
		server_free(s);
	spin_unlock(&io->lock);
	spin_unlock_irqrestore(&servers_lock, flags);
	return rc;
}

static bool mmio_range_ok(struct domain *d, uint64_t first, uint64_t last)
{
	uint64_t ram_end = d->arch.hvm->nr_ram_pages << PAGE_SHIFT;

	if (first < ram_end)
		return false;
	if (first <= HVM_LAPIC_BASE + PAGE_SIZE - 1 && last >= HVM_LAPIC_BASE)
		return false;
	if (first <= HVM_IOAPIC_BASE + PAGE_SIZE - 1 && last >= HVM_IOAPIC_BASE)
		return false;
	return last < (1ULL << 52); /* guest-physical */
}

/* map_range / unmap_range on s.  Its target's lock held. */
static long server_range(struct ioreq_server *s, struct mica_domctl_ioreq *op,
			 bool map)
{
	struct domain *d = s->target;

	if (op->type > MICA_IOREQ_TYPE_MMIO || op->first > op->last ||
	    (op->flags & ~MICA_IOREQ_RANGE_BUFFERED) || (op->flags && !map) ||
	    ((op->flags & MICA_IOREQ_RANGE_BUFFERED) && !s->buf))
		return -EINVAL;
	if (op->type == MICA_IOREQ_TYPE_PIO ?
		    op->last > 0xffff :
		    !mmio_range_ok(d, op->first, op->last))
		return -EINVAL;
	if (!map) {
		for (unsigned int i = 0; i < s->nr_ranges; i++) {
			struct ioreq_range *r = &s->ranges[i];

			if (r->type == op->type && r->first == op->first &&
			    r->last == op->last) {
				*r = s->ranges[--s->nr_ranges];
				return 0;
			}
		}
		return -ENOENT;
	}
	if (overlaps(d, op->type, op->first, op->last))
		return -EEXIST;
	if (s->nr_ranges == MICA_IOREQ_MAX_RANGES)
		return -ENOSPC;
	s->ranges[s->nr_ranges++] = (struct ioreq_range){
		.type = op->type,
		.flags = op->flags,
		.first = op->first,
		.last = op->last,
	};
	return 0;
}

long hvm_ioreq_domctl(struct domain *d, struct mica_domctl *op)
{
	struct mica_domctl_ioreq *io = &op->u.ioreq;
	struct domain *self = current_vcpu()->domain;
	struct ioreq_server *s;
	unsigned long flags;
	long rc;

	if (!is_hvm_domain(d) || d == self || is_hvm_domain(self))
		return -EINVAL;
	if (io->op == MICA_IOREQ_OP_create)
		return server_create(d, self, io);
	if (io->op > MICA_IOREQ_OP_unmap_range)
		return -EINVAL;
	flags = spin_lock_irqsave(&servers_lock);
	spin_lock(&ioreq_of(d)->lock);
	s = find(d, io->id);
	if (!s)
		rc = -ENOENT;
	else if (s->dm != self)
		rc = -EPERM;
	else if (io->op == MICA_IOREQ_OP_destroy)
		rc = io->type || io->flags || io->first || io->last ? -EINVAL :
								      0;
	else
		rc = server_range(s, io, io->op == MICA_IOREQ_OP_map_range);
	if (!rc && io->op == MICA_IOREQ_OP_destroy)
		server_free(s);
	spin_unlock(&ioreq_of(d)->lock);
	spin_unlock_irqrestore(&servers_lock, flags);
	return rc;
}

/* d is dying (is_dying set): a server of d (as target or as model) on a
 * list now is one its create saw d alive for, so none comes after. */
void hvm_ioreq_relinquish(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&servers_lock);
	struct ioreq_server *s = servers, *next;

	for (; s; s = next) {
		next = s->gnext;
		if (s->target == d || s->dm == d) {
			struct hvm_ioreq_domain *io = ioreq_of(s->target);

			spin_lock(&io->lock);
			server_free(s);
			spin_unlock(&io->lock);
			next = servers; /* the list changed: start again */
		}
	}
	spin_unlock_irqrestore(&servers_lock, flags);
}
