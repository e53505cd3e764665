/* SPDX-License-Identifier: MIT */
/* Domain and vcpu lifetime, memory accounting; see mica/domain.h. */
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/grant_table.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <mica/shutdown.h>
#include <public/sched.h>
#include <asm/layout.h>

static struct domain *domains[MAX_DOMAINS];
static unsigned int nr_domains;
static spinlock_t domain_list_lock = SPINLOCK_INIT;

/* With "guest_test", the machine ends when the last domain is gone. */
static bool guest_test;
param_bool("guest_test", guest_test);
static bool any_domain_failed;

struct domain *domain_lookup(uint16_t domid)
{
	return domid < MAX_DOMAINS ? READ_ONCE(domains[domid]) : NULL;
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

	flags = spin_lock_irqsave(&domain_list_lock);
	if (domid == DOMID_NONE) {
		for (domid = 0; domid < MAX_DOMAINS && domains[domid]; domid++)
			;
	}
	if (domid >= MAX_DOMAINS || domains[domid]) {
		spin_unlock_irqrestore(&domain_list_lock, flags);
		*err = domid >= MAX_DOMAINS ? -ENOSPC : -EEXIST;
		xfree(d);
		return NULL;
	}
	d->id = domid;
	domains[domid] = d;
	nr_domains++;
	spin_unlock_irqrestore(&domain_list_lock, flags);

	*err = arch_domain_create(d);
	if (*err)
		goto err_unlist;
	*err = grant_table_create(d);
	if (*err)
		goto err_unlist; /* arch_domain_create allocates nothing */
	return d;

err_unlist:
	flags = spin_lock_irqsave(&domain_list_lock);
	domains[domid] = NULL;
	nr_domains--;
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
	if (arch_vcpu_create(v)) {
		xfree(v);
		return NULL;
	}
	d->vcpus[id] = v;
	return v;
}

struct page_info *domain_alloc_pages(struct domain *d, unsigned int order)
{
	struct page_info *pg;
	unsigned long flags;
	uint64_t n = 1ULL << order;

	flags = spin_lock_irqsave(&d->lock);
	if (d->is_dying || d->tot_pages + n > d->max_pages) {
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

/*
 * Drops the allocation reference of every frame of a dead domain: frames
 * nothing else references return to the allocator; the others are held
 * until domain_frame_released (mm lock held).
 */
static void domain_relinquish_memory(struct domain *d)
{
	uint32_t mfn = d->page_list_head;

	while (mfn != PFN_NONE) {
		struct page_info *pg = mfn_to_page(mfn);
		uint32_t next = pg->next;

		if (pg->count && --pg->count == 0) {
			free_pages(pg, 0);
			d->tot_pages--;
		} else {
			d->held_frames++;
		}
		mfn = next;
	}
	d->page_list_head = PFN_NONE;
}

bool domain_frame_released(struct domain *d, struct page_info *pg)
{
	free_pages(pg, 0);
	if (d->tot_pages)
		d->tot_pages--; /* grant-table frames were never counted */
	return --d->held_frames == 0;
}

void domain_take_frame(struct domain *d, struct page_info *pg)
{
	unsigned long flags = spin_lock_irqsave(&d->lock);

	if (pg->prev != PFN_NONE)
		mfn_to_page(pg->prev)->next = pg->next;
	else
		d->page_list_head = pg->next;
	if (pg->next != PFN_NONE)
		mfn_to_page(pg->next)->prev = pg->prev;
	pg->next = pg->prev = PFN_NONE;
	d->tot_pages--;
	spin_unlock_irqrestore(&d->lock, flags);
}

int domain_give_frame(struct domain *d, struct page_info *pg)
{
	unsigned long flags = spin_lock_irqsave(&d->lock);
	uint32_t mfn = (uint32_t)page_to_mfn(pg);

	if (d->is_dying || d->tot_pages >= d->max_pages) {
		spin_unlock_irqrestore(&d->lock, flags);
		return -ENOMEM;
	}
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

static const char *shutdown_reason_name(unsigned int reason)
{
	static const char *const names[] = { "poweroff", "reboot", "suspend",
					     "crash", "watchdog" };

	return reason < ARRAY_SIZE(names) ? names[reason] : "unknown";
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
	spin_unlock_irqrestore(&d->lock, flags);

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

/*
 * Tears a dead domain down (no vcpu of it runs): its grant mappings go,
 * then its page tables' references, then its own references on its
 * frames.  held_frames carries a bias of one while this runs, so that
 * releases by other domains meanwhile never finish it early.
 */
static void domain_destroy(struct domain *d)
{
	uint64_t frames = d->tot_pages, held;
	unsigned long flags;

	flags = spin_lock_irqsave(domain_mm_lock(d));
	d->held_frames = 1;
	spin_unlock_irqrestore(domain_mm_lock(d), flags);

	grant_table_unmap_all(d);
	arch_domain_destroy(d);
	grant_table_release_frames(d);
	flags = spin_lock_irqsave(domain_mm_lock(d));
	domain_relinquish_memory(d);
	held = --d->held_frames;
	spin_unlock_irqrestore(domain_mm_lock(d), flags);
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		xfree(d->vcpus[i]);
		d->vcpus[i] = NULL;
	}
	pr_info("domain %u (%s): destroyed, %lu KiB returned, %lu MiB free\n",
		d->id, d->name, (frames - d->tot_pages) * 4,
		page_alloc_free_frames() / 256);
	if (held)
		pr_info("domain %u (%s): %lu frames still mapped by other "
			"domains; dying until they are unmapped\n",
			d->id, d->name, held);
	else
		domain_finish(d);
}

void domain_finish(struct domain *d)
{
	unsigned long flags;

	grant_table_free(d);
	flags = spin_lock_irqsave(&domain_list_lock);
	domains[d->id] = NULL;
	nr_domains--;
	spin_unlock_irqrestore(&domain_list_lock, flags);
	xfree(d);

	if (guest_test && domain_count() == 0) {
		pr_info("guest_test: every domain has shut down%s\n",
			any_domain_failed ? " (some did not power off)" : "");
		machine_exit(any_domain_failed ? EXIT_TESTS_FAILED :
						 EXIT_POWEROFF);
	}
}

void domain_reap(void)
{
	for (unsigned int id = 0; id < MAX_DOMAINS; id++) {
		struct domain *d = domain_lookup((uint16_t)id);
		bool busy = false;
		unsigned long flags;

		if (!d || !d->is_shutting_down)
			continue;
		flags = spin_lock_irqsave(&d->lock);
		for (unsigned int i = 0; i < d->max_vcpus; i++)
			if (d->vcpus[i] && (READ_ONCE(d->vcpus[i]->running) ||
					    READ_ONCE(d->vcpus[i]->queued)))
				busy = true;
		if (busy || d->is_dying) {
			spin_unlock_irqrestore(&d->lock, flags);
			continue;
		}
		d->is_dying = true;
		spin_unlock_irqrestore(&d->lock, flags);
		domain_destroy(d);
	}
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
