/* SPDX-License-Identifier: MIT */
/* Domain and vcpu lifetime, memory accounting; see mica/domain.h. */
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/domid_table.h>
#include <mica/errno.h>
#include <mica/grant_table.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/relinquish.h>
#include <mica/sched.h>
#include <mica/shutdown.h>
#include <mica/time.h>
#include <public/sched.h>
#include <asm/layout.h>

/* Every domain by id, and which ids are taken (domain_list_lock). */
static struct domid_table domains;
static struct domid_bitmap domids;
static unsigned int nr_domains;
static spinlock_t domain_list_lock = SPINLOCK_INIT;

/*
 * Shut-down domains waiting to be destroyed, under reap_lock (innermost;
 * taken alone or under d->lock).  Taking a domain off this list
 * (reap_take) is the right to destroy it: whoever does so either destroys
 * it or puts it back, so a domain on the list, or taken, is never freed
 * under anyone.  The scheduler looks at this list after every switch; it
 * is empty, and costs one load, unless domains are on their way out.
 */
static spinlock_t reap_lock = SPINLOCK_INIT;
static struct domain *reap_list;

/* A vcpu is one heap page, not two: keep the field order of mica/domain.h
 * and asm/domain.h in mind when adding to them. */
_Static_assert(sizeof(struct vcpu) <= PAGE_SIZE, "struct vcpu fits a page");

/* With "guest_test", the machine ends when the last domain is gone. */
static bool guest_test;
param_bool("guest_test", guest_test);
static bool any_domain_failed;

struct domain *domain_lookup(uint16_t domid)
{
	return domid_table_get(&domains, domid);
}

static struct domain *get_listed(uint16_t domid, bool dying_too)
{
	unsigned long flags = spin_lock_irqsave(&domain_list_lock);
	struct domain *d = domid_table_get(&domains, domid);

	if (d && (dying_too || !d->is_dying))
		d->refs++;
	else
		d = NULL;
	spin_unlock_irqrestore(&domain_list_lock, flags);
	return d;
}

struct domain *domain_get(uint16_t domid)
{
	return get_listed(domid, false);
}

struct domain *domain_get_any(uint16_t domid)
{
	return get_listed(domid, true);
}

static void reap_retry(struct domain *d);

void domain_put(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&domain_list_lock);
	unsigned int refs = --d->refs;
	/* Read under the lock: with only the table's reference left, d may
	 * be destroyed by another CPU as soon as it is dropped. */
	bool retry = refs == 1 && d->is_shutting_down && !d->is_dying;

	spin_unlock_irqrestore(&domain_list_lock, flags);
	if (!refs)
		xfree(d); /* unlisted, and this was the last holder */
	else if (retry)
		reap_retry(d); /* this reference was what kept it */
}

unsigned int domain_next_id(unsigned int from)
{
	return domid_bitmap_next(&domids, from);
}

unsigned int domain_count(void)
{
	return READ_ONCE(nr_domains);
}

struct domain *domain_create(uint16_t domid, const char *name, bool privileged,
			     unsigned int max_vcpus, uint64_t max_pages,
			     int *err)
{
	struct domain *d;
	unsigned long flags;

	if (!max_vcpus || max_vcpus > MAX_VCPUS_PER_DOMAIN) {
		*err = -EINVAL;
		return NULL;
	}
	d = xzalloc(sizeof(*d));
	if (!d) {
		*err = -ENOMEM;
		return NULL;
	}
	spin_lock_init(&d->lock);
	strlcpy(d->name, name, sizeof(d->name));
	d->privileged = privileged;
	d->max_vcpus = max_vcpus;
	d->max_pages = max_pages;
	d->page_list_head = PFN_NONE;
	d->refs = 1; /* the domain table's */

	/* The id is taken now; the domain is listed (domain_lookup,
	 * domain_get) only once it is complete, so nobody finds a domain that
	 * the error path below frees. */
	flags = spin_lock_irqsave(&domain_list_lock);
	*err = 0;
	if (domid == DOMID_NONE)
		domid = (uint16_t)domid_bitmap_alloc(&domids); /* lowest free */
	else if (domid < MAX_DOMAINS && !domid_bitmap_take(&domids, domid))
		*err = -EEXIST;
	if (domid >= MAX_DOMAINS)
		*err = -ENOSPC;
	spin_unlock_irqrestore(&domain_list_lock, flags);
	if (*err) {
		xfree(d);
		return NULL;
	}
	d->id = domid;

	*err = arch_domain_create(d);
	if (*err)
		goto err_release_id;
	/* Events (mica/event.h); default port limit unless set. */
	*err = evtchn_domain_init(d);
	if (*err)
		goto err_arch;
	*err = grant_table_create(d);
	if (*err)
		goto err_events;
	flags = spin_lock_irqsave(&domain_list_lock);
	*err = domid_table_set(&domains, domid, d);
	if (!*err)
		nr_domains++;
	spin_unlock_irqrestore(&domain_list_lock, flags);
	if (*err)
		goto err_grant;
	sched_domain_add(d);
	return d;

err_grant:
	grant_table_free(d);
err_events:
	evtchn_domain_destroy(d);
err_arch:
	arch_domain_destroy(d);
	/* Nobody else saw its frames (the shared-info page): free them. */
	while (d->page_list_head != PFN_NONE) {
		struct page_info *pg = mfn_to_page(d->page_list_head);

		pg->count = 0;
		domain_free_page(d, pg);
	}
err_release_id:
	flags = spin_lock_irqsave(&domain_list_lock);
	domid_bitmap_release(&domids, domid);
	spin_unlock_irqrestore(&domain_list_lock, flags);
	xfree(d);
	return NULL;
}

struct vcpu *vcpu_create(struct domain *d, unsigned int id,
			 unsigned int processor)
{
	struct vcpu *v;

	if (id >= d->max_vcpus || d->vcpus[id])
		return NULL;
	v = xzalloc(sizeof(*v));
	if (!v)
		return NULL;
	v->id = id;
	v->domain = d;
	v->state = VCPU_DOWN;
	v->processor = processor;
	v->affinity = ~0ULL; /* any CPU */
	if (arch_vcpu_create(v)) {
		xfree(v);
		return NULL;
	}
	vcpu_events_init(v); /* timers, run state (mica/event.h) */
	d->vcpus[id] = v;
	return v;
}

void vcpu_destroy_unused(struct domain *d, unsigned int id)
{
	struct vcpu *v = d->vcpus[id];

	if (!v)
		return;
	d->vcpus[id] = NULL;
	vcpu_events_destroy(v);
	arch_vcpu_destroy(v);
	xfree(v);
}

static struct page_info *alloc_domain_pages(struct domain *d,
					    unsigned int order, bool limited)
{
	struct page_info *pg;
	unsigned long flags;
	uint64_t n = 1ULL << order;

	flags = spin_lock_irqsave(&d->lock);
	if (d->is_dying || (limited && d->tot_pages + n > d->max_pages)) {
		spin_unlock_irqrestore(&d->lock, flags);
		return NULL;
	}
	d->tot_pages += n; /* reserve before allocating */
	spin_unlock_irqrestore(&d->lock, flags);

	pg = alloc_pages(order, d->id);
	if (!pg) {
		flags = spin_lock_irqsave(&d->lock);
		d->tot_pages -= n;
		spin_unlock_irqrestore(&d->lock, flags);
		return NULL;
	}
	/* Never hand a guest another domain's old data. */
	memset(page_to_virt(pg), 0, n * PAGE_SIZE);

	flags = spin_lock_irqsave(&d->lock);
	for (uint64_t i = 0; i < n; i++) {
		pg[i].count = 1; /* the domain's own reference */
		pg[i].prev = PFN_NONE;
		pg[i].next = d->page_list_head;
		if (d->page_list_head != PFN_NONE)
			mfn_to_page(d->page_list_head)->prev =
				(uint32_t)page_to_mfn(&pg[i]);
		d->page_list_head = (uint32_t)page_to_mfn(&pg[i]);
	}
	spin_unlock_irqrestore(&d->lock, flags);
	return pg;
}

struct page_info *domain_block_alloc(struct domain *d, unsigned int order,
				     bool limited)
{
	uint64_t n = 1ULL << order;

	if (READ_ONCE(d->is_dying) ||
	    (limited && READ_ONCE(d->tot_pages) + n > READ_ONCE(d->max_pages)))
		return NULL;
	return alloc_pages(order, OWNER_HYPERVISOR);
}

int domain_block_give(struct domain *d, struct page_info *pg,
		      unsigned int order, bool limited)
{
	unsigned long flags = spin_lock_irqsave(&d->lock);
	uint64_t n = 1ULL << order;

	if (d->is_dying || (limited && d->tot_pages + n > d->max_pages)) {
		spin_unlock_irqrestore(&d->lock, flags);
		return -ENOMEM;
	}
	d->tot_pages += n;
	/* Owner first: with count 0 nobody may reference it yet. */
	page_alloc_set_owner(page_to_mfn(pg), page_to_mfn(pg) + n, d->id);
	for (uint64_t i = 0; i < n; i++) {
		__atomic_store_n(&pg[i].count, 1, __ATOMIC_RELEASE);
		pg[i].prev = PFN_NONE;
		pg[i].next = d->page_list_head;
		if (d->page_list_head != PFN_NONE)
			mfn_to_page(d->page_list_head)->prev =
				(uint32_t)page_to_mfn(&pg[i]);
		d->page_list_head = (uint32_t)page_to_mfn(&pg[i]);
	}
	spin_unlock_irqrestore(&d->lock, flags);
	return 0;
}

struct page_info *domain_alloc_pages(struct domain *d, unsigned int order)
{
	return alloc_domain_pages(d, order, true);
}

struct page_info *domain_alloc_pages_unlimited(struct domain *d,
					       unsigned int order)
{
	return alloc_domain_pages(d, order, false);
}

/* Unlinks a frame from d's page list and frees it.  d->lock held. */
static void free_domain_page(struct domain *d, struct page_info *pg)
{
	if (pg->prev != PFN_NONE)
		mfn_to_page(pg->prev)->next = pg->next;
	else
		d->page_list_head = pg->next;
	if (pg->next != PFN_NONE)
		mfn_to_page(pg->next)->prev = pg->prev;
	d->tot_pages--;
	free_pages(pg, 0);
}

void domain_free_page(struct domain *d, struct page_info *pg)
{
	unsigned long flags = spin_lock_irqsave(&d->lock);

	free_domain_page(d, pg);
	spin_unlock_irqrestore(&d->lock, flags);
}

static void domain_unlist(struct domain *d);

#define MEMORY_CHECK_EVERY 64 /* frames between two looks at the clock */

bool domain_relinquish_memory(struct domain *d, uint64_t deadline)
{
	unsigned long flags = spin_lock_irqsave(&d->lock);
	uint32_t mfn = d->relinquish.cursor;
	uint64_t left, frames = d->relinquish.frames;
	unsigned int n = 0, id = d->id;
	bool empty;

	/*
	 * Frames nobody else references go back to the allocator now, the
	 * others when their last outside reference goes
	 * (domain_page_last_put).  The frame at the cursor still has its
	 * allocation reference, so it stays on the list between slices.
	 */
	while (mfn != PFN_NONE) {
		struct page_info *pg = mfn_to_page(mfn);
		uint32_t next = pg->next;

		if (++n % MEMORY_CHECK_EVERY == 0 &&
		    system_time_ns() >= deadline)
			break;
		if (__atomic_sub_fetch(&pg->count, 1, __ATOMIC_ACQ_REL) == 0)
			free_domain_page(d, pg);
		mfn = next;
	}
	d->relinquish.cursor = mfn;
	if (mfn != PFN_NONE) {
		spin_unlock_irqrestore(&d->lock, flags);
		return false;
	}
	empty = d->page_list_head == PFN_NONE;
	left = d->tot_pages;
	/* From here on another CPU's last put may free d. */
	domain_relinquish_dequeue(d);
	spin_unlock_irqrestore(&d->lock, flags);
	if (empty) {
		pr_info("domain %u (%s): destroyed, %lu KiB returned\n", d->id,
			d->name, frames * 4);
		domain_unlist(d);
	} else {
		pr_info("domain %u: dying, %lu KiB still mapped by other "
			"domains\n",
			id, left * 4);
	}
	return true;
}

int domain_give_frame(struct domain *d, struct page_info *pg)
{
	struct domain *from = domain_lookup(pg->owner);
	unsigned long flags = spin_lock_irqsave(&d->lock);
	uint32_t mfn = (uint32_t)page_to_mfn(pg);

	if (d->is_dying || d->tot_pages >= d->max_pages) {
		spin_unlock_irqrestore(&d->lock, flags);
		return -ENOMEM;
	}
	/* Two domains' locks nest only here, under both mm locks. */
	spin_lock(&from->lock);
	if (pg->prev != PFN_NONE)
		mfn_to_page(pg->prev)->next = pg->next;
	else
		from->page_list_head = pg->next;
	if (pg->next != PFN_NONE)
		mfn_to_page(pg->next)->prev = pg->prev;
	from->tot_pages--;
	spin_unlock(&from->lock);
	pg->owner = d->id;
	pg->prev = PFN_NONE;
	pg->next = d->page_list_head;
	if (d->page_list_head != PFN_NONE)
		mfn_to_page(d->page_list_head)->prev = mfn;
	d->page_list_head = mfn;
	d->tot_pages++;
	spin_unlock_irqrestore(&d->lock, flags);
	return 0;
}

void domain_page_last_put(struct page_info *pg)
{
	struct domain *d = domain_lookup(pg->owner);
	unsigned long flags;
	bool empty;

	if (!d || !d->is_dying) {
		pr_err("page %lx: reference count underflow (owner %u)\n",
		       page_to_mfn(pg), pg->owner);
		return;
	}
	flags = spin_lock_irqsave(&d->lock);
	free_domain_page(d, pg);
	empty = d->page_list_head == PFN_NONE;
	spin_unlock_irqrestore(&d->lock, flags);
	if (empty)
		domain_unlist(d);
}

static const char *shutdown_reason_name(unsigned int reason)
{
	static const char *const names[] = { "poweroff", "reboot", "suspend",
					     "crash", "watchdog" };

	return reason < ARRAY_SIZE(names) ? names[reason] : "unknown";
}

/* d is shutting down: it waits on the reap list until it can go. */
static void reap_queue(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&reap_lock);

	if (!d->reap_queued) {
		d->reap_next = reap_list;
		reap_list = d;
		d->reap_queued = true;
	}
	spin_unlock_irqrestore(&reap_lock, flags);
}

/* Reap lock held: takes d off the list. */
static void reap_unlink(struct domain **link, struct domain *d)
{
	*link = d->reap_next;
	d->reap_next = NULL;
	d->reap_queued = false;
}

/* Takes d off the reap list; false if it was not on it (another CPU
 * has taken it, briefly, or it is dying). */
static bool reap_take(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&reap_lock);
	bool found = false;

	for (struct domain **p = &reap_list; *p; p = &(*p)->reap_next) {
		if (*p == d) {
			reap_unlink(p, d);
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&reap_lock, flags);
	return found;
}

/* Whether a vcpu of d is on a CPU or a run queue (it cannot go yet). */
static bool domain_vcpus_busy(const struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i] && (READ_ONCE(d->vcpus[i]->running) ||
				    READ_ONCE(d->vcpus[i]->queued)))
			return true;
	return false;
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
	unsigned long flags = spin_lock_irqsave(&d->lock);

	if (d->is_shutting_down) {
		spin_unlock_irqrestore(&d->lock, flags);
		return;
	}
	d->is_shutting_down = true;
	d->shutdown_reason = reason;
	reap_queue(d);
	spin_unlock_irqrestore(&d->lock, flags);

	send_global_virq(MICA_VIRQ_DOM_EXC);
	if (d->console_len)
		domain_console_write(d, "\n", 1);
	pr_info("domain %u (%s): shut down (%s)\n", d->id, d->name,
		shutdown_reason_name(reason));
	if (reason != MICA_SHUTDOWN_poweroff)
		any_domain_failed = true;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			vcpu_stop(d->vcpus[i]);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("domain %u (%s) crashed: %s\n", d->id, d->name, msg);
	domain_shutdown(d, MICA_SHUTDOWN_crash);
}

static void domain_stop_and_reap(struct domain *d);

/*
 * guest_test: once dom0 is gone, nobody can unpause the domains it created
 * and left paused; they go too, so the run ends.
 */
static void kill_orphans(void)
{
	for (unsigned int id = domain_next_id(0); id < MAX_DOMAINS;
	     id = domain_next_id(id + 1)) {
		struct domain *o = domain_get((uint16_t)id);

		if (!o)
			continue;
		if (READ_ONCE(o->pause_count)) {
			pr_info("guest_test: domain %u is paused and dom0 is "
				"gone; destroying it\n",
				o->id);
			domain_kill(o);
		}
		domain_put(o);
	}
}

/* The last frame of a dead domain is gone: its id becomes free. */
static void domain_unlist(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&domain_list_lock);

	domid_table_set(&domains, d->id, NULL);
	domid_bitmap_release(&domids, d->id);
	nr_domains--;
	spin_unlock_irqrestore(&domain_list_lock, flags);
	pr_info("domain %u (%s): gone, %lu MiB free\n", d->id, d->name,
		page_alloc_free_frames() / 256);
	xfree(d->memory_map);
	grant_table_free(d);
	if (guest_test && d->privileged)
		kill_orphans();
	domain_put(d); /* the table's reference: d is freed with the last */
	send_global_virq(MICA_VIRQ_DOM_EXC); /* a domain died */

	if (guest_test && domain_count() == 0) {
		pr_info("guest_test: every domain has shut down%s\n",
			any_domain_failed ? " (some did not power off)" : "");
		machine_exit(any_domain_failed ? EXIT_TESTS_FAILED :
						 EXIT_POWEROFF);
	}
}

/*
 * Destroys d if it is shut down, none of its vcpus is on a CPU or queued,
 * and nobody but the caller ('held' references) and the domain table
 * holds a reference; false if it must wait.  The caller has taken d off
 * the reap list (reap_take), so nobody else destroys it meanwhile.
 */
static bool domain_try_reap(struct domain *d, unsigned int held)
{
	unsigned long flags;
	bool reap;

	if (!d->is_shutting_down)
		return false;
	flags = spin_lock_irqsave(&d->lock);
	/* is_dying is set under domain_list_lock too: domain_get sees it. */
	spin_lock(&domain_list_lock);
	reap = !domain_vcpus_busy(d) && !d->is_dying && d->refs == 1 + held;
	if (reap)
		d->is_dying = true;
	spin_unlock(&domain_list_lock);
	spin_unlock_irqrestore(&d->lock, flags);
	if (reap)
		domain_relinquish_start(d);
	return reap;
}

/*
 * d, taken off the reap list, could not go: it goes back on the list.  If
 * only a reference held it and that reference was dropped meanwhile (its
 * holder found d off the list and left it to us), d is tried again.
 */
static void reap_requeue(struct domain *d, unsigned int held)
{
	for (;;) {
		unsigned long flags;
		bool again;

		reap_queue(d);
		flags = spin_lock_irqsave(&domain_list_lock);
		again = d->refs == 1 + held && !domain_vcpus_busy(d);
		spin_unlock_irqrestore(&domain_list_lock, flags);
		if (!again || !reap_take(d) || domain_try_reap(d, held))
			return;
	}
}

/* The last outside reference of shut-down d went: destroy it if it may go
 * now (d may be freed already, then it is not on the list). */
static void reap_retry(struct domain *d)
{
	if (reap_take(d) && !domain_try_reap(d, 0))
		reap_requeue(d, 0);
}

void domain_reap(void)
{
	for (;;) {
		struct domain **p, *d = NULL;
		unsigned long flags;

		if (!READ_ONCE(reap_list))
			return; /* the common case: nobody is leaving */
		flags = spin_lock_irqsave(&reap_lock);
		/* A paused domain is being stopped by another domain, which
		 * destroys it itself (domain_stop_and_reap). */
		for (p = &reap_list; *p; p = &(*p)->reap_next) {
			if (!READ_ONCE((*p)->pause_count) &&
			    !domain_vcpus_busy(*p)) {
				d = *p;
				reap_unlink(p, d);
				break;
			}
		}
		spin_unlock_irqrestore(&reap_lock, flags);
		if (!d)
			return;
		if (!domain_try_reap(d, 0)) {
			/* A vcpu came back, or a reference holds it. */
			reap_requeue(d, 0);
			return;
		}
	}
}

/*
 * Takes shut-down d off the reap list, waiting while another CPU holds it
 * (for a moment: the scheduler's reaper puts back what it cannot
 * destroy).  False if d is dying already.
 */
static bool reap_claim(struct domain *d)
{
	while (!reap_take(d)) {
		if (READ_ONCE(d->is_dying))
			return false;
		cpu_relax();
	}
	return true;
}

/* Another domain, holding a reference, stops d: once its vcpus are off
 * every CPU (paused, so the scheduler's reaper leaves it to us), it is
 * destroyed, unless another reference holds it (its holder's
 * domain_put destroys it then). */
static void domain_stop_and_reap(struct domain *d)
{
	domain_pause(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			vcpu_stop(d->vcpus[i]);
	if (reap_claim(d) && !domain_try_reap(d, 1))
		reap_requeue(d, 1);
}

void domain_kill(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&d->lock);

	if (!d->is_shutting_down) {
		d->is_shutting_down = true;
		d->shutdown_reason = MICA_SHUTDOWN_poweroff;
		reap_queue(d);
	}
	spin_unlock_irqrestore(&d->lock, flags);
	pr_info("domain %u (%s): destroyed by the toolstack\n", d->id, d->name);
	domain_stop_and_reap(d);
}

int domain_remote_shutdown(struct domain *d, unsigned int reason)
{
	if (READ_ONCE(d->is_shutting_down))
		return -EALREADY;
	domain_pause(d);
	domain_shutdown(d, reason);
	if (reap_claim(d) && !domain_try_reap(d, 1))
		reap_requeue(d, 1);
	return 0;
}

void domain_pause(struct domain *d)
{
	__atomic_add_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		if (!d->vcpus[i])
			continue;
		vcpu_deschedule(d->vcpus[i]);
		vcpu_wait_off_cpu(d->vcpus[i]);
	}
}

int domain_unpause(struct domain *d)
{
	unsigned int c = __atomic_load_n(&d->pause_count, __ATOMIC_SEQ_CST);

	do {
		if (!c)
			return -EINVAL;
	} while (!__atomic_compare_exchange_n(&d->pause_count, &c, c - 1, false,
					      __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	if (c == 1)
		for (unsigned int i = 0; i < d->max_vcpus; i++)
			if (d->vcpus[i])
				sched_vcpu_check(d->vcpus[i]);
	return 0;
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
	unsigned long flags = spin_lock_irqsave(&d->lock);

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		bool flush = c == '\n' ||
			     d->console_len == sizeof(d->console_line) - 1;

		if (c != '\n' && c != '\r' && (c < ' ' || c > '~'))
			c = '?'; /* no control sequences onto our console */
		if (c != '\n' && c != '\r')
			d->console_line[d->console_len++] = c;
		if (flush) {
			d->console_line[d->console_len] = '\0';
			pr_info("(d%u) %s\n", d->id, d->console_line);
			d->console_len = 0;
		}
	}
	spin_unlock_irqrestore(&d->lock, flags);
}
