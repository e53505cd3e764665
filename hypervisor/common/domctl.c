/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_domctl (public/domctl.h): dom0's control of domains.  Every
 * caller but a privileged domain is refused before its argument is read.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/grant_table.h>
#include <mica/guest_access.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/memory.h>
#include <mica/sched.h>
#include <mica/vcpu_context.h>
#include <asm/smp.h>
#include <public/arch-x86/context.h>
#include <public/domctl.h>

_Static_assert(MICA_DOMPARAM_NR == ARRAY_SIZE(((struct domain *)0)->params),
	       "domain params");

/* The live domain 'domid' names (not dying), with a reference, or NULL. */
static struct domain *target(mica_domid_t domid)
{
	return domid < MICA_DOMID_FIRST_RESERVED ? domain_get(domid) : NULL;
}

static struct vcpu *target_vcpu(struct domain *d, uint32_t id)
{
	return id < d->max_vcpus ? d->vcpus[id] : NULL;
}

/* Creates the vcpus [from, to) of d, down, spread over the CPUs. */
static int create_vcpus(struct domain *d, unsigned int from, unsigned int to)
{
	for (unsigned int i = from; i < to; i++)
		if (!vcpu_create(d, i, (d->id + i) % nr_cpus_online))
			return -ENOMEM;
	return 0;
}

static long op_create(struct mica_domctl *op)
{
	const struct mica_domctl_create *c = &op->u.create;
	uint16_t domid = op->domid;
	struct domain *d;
	int rc;

	if (c->pad0 ||
	    (c->flags & ~(MICA_DOMCTL_CREATE_HVM | MICA_DOMCTL_CREATE_HAP)))
		return -EINVAL;
	if ((c->flags & MICA_DOMCTL_CREATE_HAP) &&
	    !(c->flags & MICA_DOMCTL_CREATE_HVM))
		return -EINVAL;
	if ((c->flags & MICA_DOMCTL_CREATE_HVM) &&
	    !(c->flags & MICA_DOMCTL_CREATE_HAP))
		return -EINVAL; /* nested paging is the only HVM mode */
	/* Mica keeps at most MAX_VCPUS_PER_DOMAIN (< the ABI's limit). */
	if (!c->max_vcpus || c->max_vcpus > MAX_VCPUS_PER_DOMAIN)
		return -EINVAL;
	if (c->max_evtchn_port >= MICA_EVTCHN_FIFO_MAX_PORTS ||
	    c->max_grant_frames > MICA_GRANT_MAX_FRAMES ||
	    c->max_grant_mappings > MAPTRACK_MAX_LIMIT)
		return -EINVAL;
	if (domid == MICA_DOMID_ANY)
		domid = DOMID_NONE;
	else if (domid == 0 || domid >= MAX_DOMAINS)
		return -EINVAL; /* reserved, or beyond Mica's domain table */
	d = domain_create(domid, "", false, c->max_vcpus, c->max_pages, &rc);
	if (!d)
		return rc == -ENOSPC ? -EMFILE : rc;
	snprintf(d->name, sizeof(d->name), "d%u", d->id);
	memcpy(d->uuid, c->uuid, sizeof(d->uuid));
	d->pause_count = 1; /* a new domain starts paused */
	if (c->flags & MICA_DOMCTL_CREATE_HVM) {
		rc = arch_domctl_create_hvm(d);
		if (rc) {
			domain_kill(d);
			return rc;
		}
	}
	d->max_evtchn_ports = (c->max_evtchn_port ?
				       c->max_evtchn_port :
				       MICA_DOMCTL_DEFAULT_MAX_EVTCHN_PORT) +
			      1;
	/* 0 keeps the defaults; the range was checked above. */
	rc = grant_table_set_limits(d, c->max_grant_frames,
				    c->max_grant_mappings);
	if (!rc)
		rc = create_vcpus(d, 0, c->max_vcpus);
	if (rc) {
		/* domain_kill wants a reference; nobody else knows d yet. */
		d = domain_get(d->id);
		domain_kill(d);
		domain_put(d);
		return rc;
	}
	op->domid = d->id;
	pr_info("domctl: created domain %u (%u vcpus, %lu pages max)\n", d->id,
		c->max_vcpus, c->max_pages);
	return 0;
}

/* d is referenced (domain_get_any); a dying domain's vcpus may be going. */
static void fill_info(struct domain *d, struct mica_domctl_domain_info *i)
{
	bool all_blocked = true, any_online = false, any_running = false;
	unsigned int nr_vcpus = d->is_dying ? 0 : d->max_vcpus;

	memset(i, 0, sizeof(*i));
	i->domid = d->id;
	i->flags = (d->is_dying ? MICA_DOMINFO_DYING : 0) |
		   (d->is_shutting_down ? MICA_DOMINFO_SHUTDOWN : 0) |
		   (READ_ONCE(d->pause_count) ? MICA_DOMINFO_PAUSED : 0) |
		   (d->privileged ? MICA_DOMINFO_PRIVILEGED : 0) |
		   (arch_domain_is_hvm(d) ? MICA_DOMINFO_HVM : 0);
	i->shutdown_reason = d->is_shutting_down ? d->shutdown_reason : 0;
	i->max_vcpus = d->max_vcpus;
	for (unsigned int n = 0; n < nr_vcpus; n++) {
		struct vcpu *v = d->vcpus[n];

		if (!v)
			continue;
		i->cpu_time += v->runtime_ns;
		any_running |= READ_ONCE(v->running);
		if (READ_ONCE(v->state) == VCPU_DOWN)
			continue;
		any_online = true;
		i->nr_online_vcpus++;
		all_blocked &= READ_ONCE(v->state) == VCPU_BLOCKED;
	}
	if (any_online && all_blocked)
		i->flags |= MICA_DOMINFO_BLOCKED;
	if (any_running)
		i->flags |= MICA_DOMINFO_RUNNING;
	i->nr_pages = READ_ONCE(d->tot_pages);
	i->max_pages = READ_ONCE(d->max_pages);
	i->shared_info_mfn = arch_domain_shared_info_mfn(d);
	memcpy(i->uuid, d->uuid, sizeof(i->uuid));
}

static long op_get_info(struct mica_domctl *op)
{
	/* A dying domain still answers (it waits for its frames). */
	struct domain *d = op->domid < MICA_DOMID_FIRST_RESERVED ?
				   domain_get_any(op->domid) :
				   NULL;

	if (!d)
		return -ESRCH;
	fill_info(d, &op->u.info);
	domain_put(d);
	return 0;
}

static long op_list(struct mica_domctl *op)
{
	struct mica_domctl_list *l = &op->u.list;
	struct mica_domctl_domain_info info;
	unsigned int id;

	if (l->pad0)
		return -EINVAL;
	l->nr_entries = 0;
	for (id = domain_next_id(l->first_domid); id < MAX_DOMAINS;
	     id = domain_next_id(id + 1)) {
		struct domain *d = domain_get_any((uint16_t)id);

		if (!d)
			continue;
		if (l->nr_entries == l->max_entries) {
			domain_put(d);
			break;
		}
		fill_info(d, &info);
		domain_put(d);
		if (copy_to_guest(l->buffer_gaddr + (uint64_t)l->nr_entries *
							    sizeof(info),
				  &info, sizeof(info)))
			return -EFAULT;
		l->nr_entries++;
	}
	l->next_domid = id < MAX_DOMAINS ? (mica_domid_t)id :
					   MICA_DOMID_INVALID;
	return 0;
}

static long op_set_max_vcpus(struct domain *d, struct mica_domctl *op)
{
	uint32_t n = op->u.set_max_vcpus.max_vcpus;
	int rc;

	if (op->u.set_max_vcpus.pad0 || !n || n > MAX_VCPUS_PER_DOMAIN)
		return -EINVAL;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		/* It has run, is about to, or holds a context's page
		 * references (set_vcpu_context), which only domain
		 * destruction gives back. */
		if (v &&
		    (v->runtime_ns || READ_ONCE(v->running) ||
		     READ_ONCE(v->state) != VCPU_DOWN ||
		     READ_ONCE(v->initialised) || READ_ONCE(v->initialising)))
			return -EBUSY;
	}
	if (n > d->max_vcpus) {
		unsigned int old = d->max_vcpus;

		d->max_vcpus = n;
		rc = create_vcpus(d, old, n);
		if (rc)
			return rc; /* the ones made stay, down */
	} else {
		unsigned int old = d->max_vcpus;

		d->max_vcpus = n; /* first: nobody looks beyond it */
		for (unsigned int i = n; i < old; i++)
			vcpu_destroy_unused(d, i);
	}
	return 0;
}

/*
 * Maps the batch of op->u.map_foreign into the calling vcpu.  Preemptible
 * (domctl.h note 2): op->progress holds done | failed << 16.
 */
#define MAP_FOREIGN_PREEMPT_EVERY 32

static long op_map_foreign(struct domain *d, struct mica_domctl *op)
{
	const struct mica_domctl_map_foreign *m = &op->u.map_foreign;
	struct vcpu *self = current_vcpu();
	uint32_t start = op->progress & 0xffff, failed = op->progress >> 16;

	_Static_assert(MICA_DOMCTL_MAP_FOREIGN_MAX < 0x10000, "progress");
	if (d->privileged || d == self->domain)
		return -EPERM;
	if (!m->count || m->count > MICA_DOMCTL_MAP_FOREIGN_MAX ||
	    (m->flags & ~(MICA_FOREIGN_MAP_READONLY | MICA_FOREIGN_MAP_TO_GFN)))
		return -EINVAL;
	if (m->flags & MICA_FOREIGN_MAP_TO_GFN)
		return -EINVAL; /* PV callers map by virtual address */
	if (m->addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (start > m->count || failed > start)
		return -EINVAL;
	for (uint32_t i = start; i < m->count; i++) {
		uint64_t gfn;
		int32_t err;

		if (i != start && i % MAP_FOREIGN_PREEMPT_EVERY == 0 &&
		    hypercall_preempt_check()) {
			op->progress = i | failed << 16;
			return HYPERCALL_PREEMPTED;
		}

		if (copy_from_guest(&gfn, m->gfn_list_gaddr + i * 8ULL,
				    sizeof(gfn)))
			return -EFAULT;
		err = arch_map_foreign(self, d, m->addr + i * PAGE_SIZE, gfn,
				       m->flags & MICA_FOREIGN_MAP_READONLY);
		if (copy_to_guest(m->err_list_gaddr + i * 4ULL, &err,
				  sizeof(err)))
			return -EFAULT;
		failed += err != 0;
	}
	return failed;
}

static long op_affinity(struct domain *d, struct mica_domctl *op, bool set)
{
	struct mica_domctl_vcpu_affinity *a = &op->u.vcpu_affinity;
	struct vcpu *v = target_vcpu(d, a->vcpu);
	uint64_t online = nr_cpus_online >= 64 ? ~0ULL :
						 (1ULL << nr_cpus_online) - 1;
	uint64_t words = (a->nr_cpus + 63ULL) / 64, mask = 0;

	if (!v)
		return -ENOENT;
	if (a->nr_cpus > 4096)
		return -EINVAL;
	if (!set) {
		for (uint64_t w = 0; w < words; w++) {
			uint64_t bits = w ? 0 : v->affinity & online;

			if (a->nr_cpus < 64)
				bits &= (1ULL << a->nr_cpus) - 1;
			if (copy_to_guest(a->cpumap_gaddr + w * 8, &bits, 8))
				return -EFAULT;
		}
		return 0;
	}
	/* CPUs beyond the first word cannot be online (NR_CPUS). */
	if (words && copy_from_guest(&mask, a->cpumap_gaddr, sizeof(mask)))
		return -EFAULT;
	if (a->nr_cpus < 64)
		mask &= (1ULL << a->nr_cpus) - 1;
	/* The scheduler moves v if it runs or waits where it may not. */
	return sched_set_affinity(v, mask);
}

static long op_vcpu_info(struct domain *d, struct mica_domctl *op)
{
	struct mica_domctl_vcpu_info *i = &op->u.vcpu_info;
	struct vcpu *v = target_vcpu(d, i->vcpu);
	enum vcpu_state st;

	if (!v)
		return -ENOENT;
	st = READ_ONCE(v->state);
	i->flags = (st != VCPU_DOWN ? MICA_VCPUINFO_ONLINE : 0) |
		   (st == VCPU_BLOCKED ? MICA_VCPUINFO_BLOCKED : 0) |
		   (READ_ONCE(v->running) ? MICA_VCPUINFO_RUNNING : 0);
	i->cpu = v->processor;
	i->pad0 = 0;
	i->cpu_time = v->runtime_ns;
	return 0;
}

/*
 * get/set_vcpu_context on a paused domain.  Setting a context marks the
 * vcpu initialised, as MICA_VCPUOP_initialise does; for vcpu 0 of a domain
 * that never ran it also marks it up, so that unpause starts the domain.
 */
static long op_vcpu_context(struct domain *d, struct mica_domctl *op, bool set)
{
	struct mica_domctl_vcpu_context *c = &op->u.vcpu_context;
	struct vcpu *v = target_vcpu(d, c->vcpu);
	struct mica_vcpu_guest_context *ctx;
	long rc;

	if (c->pad0)
		return -EINVAL;
	if (!v)
		return -ENOENT;
	if (!READ_ONCE(d->pause_count) || vcpu_is_running(v))
		return -EBUSY;
	/* One context change at a time per vcpu (MICA_VCPUOP_initialise). */
	if (__atomic_exchange_n(&v->initialising, true, __ATOMIC_ACQUIRE))
		return -EBUSY;
	ctx = xmalloc(sizeof(*ctx));
	if (!ctx) {
		rc = -ENOMEM;
		goto out;
	}
	if (!set) {
		arch_get_vcpu_context(v, ctx);
		rc = copy_to_guest(c->context_gaddr, ctx, sizeof(*ctx));
	} else {
		rc = copy_from_guest(ctx, c->context_gaddr, sizeof(*ctx));
		if (!rc)
			rc = arch_set_vcpu_context(v, ctx);
		if (!rc) {
			bool first = !READ_ONCE(v->initialised);

			WRITE_ONCE(v->initialised, true);
			if (first && v->id == 0)
				vcpu_up(v);
		}
	}
	xfree(ctx);
out:
	__atomic_store_n(&v->initialising, false, __ATOMIC_RELEASE);
	return rc;
}

static long op_sched_credit(struct domain *d, struct mica_domctl *op, bool set)
{
	struct mica_domctl_sched_credit *c = &op->u.sched_credit;

	if (set)
		return sched_set_credit(d, c->weight, c->cap);
	sched_get_credit(d, &c->weight, &c->cap);
	return 0;
}

static long op_param(struct domain *d, struct mica_domctl *op, bool set)
{
	struct mica_domctl_param *p = &op->u.param;

	if (p->pad0 || p->index >= MICA_DOMPARAM_NR)
		return -EINVAL;
	if (set)
		d->params[p->index] = p->value;
	else
		p->value = d->params[p->index];
	return 0;
}

/*
 * MICA_DOMCTL_destroy (preemptible): kills the domain, then runs the
 * slices of its destruction (mica/relinquish.h) until they are done or
 * other work waits on this CPU; then the call continues with progress 1,
 * and a restart finds the domain dying and goes on, or gone (the reaper
 * timer may finish it meanwhile).
 */
static long op_destroy(struct mica_domctl *op)
{
	struct domain *self = current_vcpu()->domain;
	mica_domid_t domid = op->domid;
	struct domain *d;

	if (op->progress > 1)
		return -EINVAL;
	d = domid < MICA_DOMID_FIRST_RESERVED ? domain_get_any(domid) : NULL;
	if (!d)
		return op->progress ? 0 : -ESRCH;
	if (!READ_ONCE(d->is_dying)) {
		if (op->progress || d == self || d->privileged) {
			domain_put(d);
			/* progress: gone, and the id is someone else's now */
			return op->progress ? 0 : -EPERM;
		}
		domain_kill(d);
	}
	domain_put(d);
	/* From here on d may be freed by another CPU: only its id counts. */
	while (domain_relinquish_step(domid)) {
		if (hypercall_preempt_check()) {
			op->progress = 1;
			return HYPERCALL_PREEMPTED;
		}
	}
	return 0;
}

/* The ops on an existing domain. */
static long domctl_on(struct domain *d, struct mica_domctl *op,
		      uint64_t domctl_arg)
{
	struct domain *self = current_vcpu()->domain;

	switch (op->cmd) {
	case MICA_DOMCTL_pause:
		if (d == self || d->privileged)
			return -EPERM;
		domain_pause(d);
		return 0;
	case MICA_DOMCTL_unpause:
		if (d == self || d->privileged)
			return -EPERM;
		return domain_unpause(d);
	case MICA_DOMCTL_set_max_mem:
		WRITE_ONCE(d->max_pages, op->u.set_max_mem.max_pages);
		return 0;
	case MICA_DOMCTL_set_max_vcpus:
		if (d == self)
			return -EBUSY;
		return op_set_max_vcpus(d, op);
	case MICA_DOMCTL_map_foreign:
		return op_map_foreign(d, op);
	case MICA_DOMCTL_populate_physmap:
		return memory_populate(d, &op->u.populate_physmap, true,
				       domctl_arg);
	case MICA_DOMCTL_set_vcpu_affinity:
	case MICA_DOMCTL_get_vcpu_affinity:
		return op_affinity(d, op,
				   op->cmd == MICA_DOMCTL_set_vcpu_affinity);
	case MICA_DOMCTL_set_param:
	case MICA_DOMCTL_get_param:
		return op_param(d, op, op->cmd == MICA_DOMCTL_set_param);
	case MICA_DOMCTL_set_memory_map:
		return memory_set_map(d, &op->u.memory_map);
	case MICA_DOMCTL_get_vcpu_info:
		return op_vcpu_info(d, op);
	case MICA_DOMCTL_get_vcpu_context:
	case MICA_DOMCTL_set_vcpu_context:
		return op_vcpu_context(d, op,
				       op->cmd == MICA_DOMCTL_set_vcpu_context);
	case MICA_DOMCTL_get_sched_credit:
	case MICA_DOMCTL_set_sched_credit:
		return op_sched_credit(d, op,
				       op->cmd == MICA_DOMCTL_set_sched_credit);
	default:
		return arch_domctl(d, op);
	}
}

long do_domctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct mica_domctl op;
	struct domain *d;
	long rc;

	(void)a2;
	(void)a3;
	(void)a4;
	(void)a5;
	if (!current_vcpu()->domain->privileged)
		return -EPERM;
	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != MICA_DOMCTL_INTERFACE_VERSION)
		return -EPROTO;
	if (op.pad0 || (op.progress && op.cmd != MICA_DOMCTL_map_foreign &&
			op.cmd != MICA_DOMCTL_destroy))
		return -EINVAL;
	switch (op.cmd) {
	case MICA_DOMCTL_create:
		rc = op_create(&op);
		break;
	case MICA_DOMCTL_list:
		rc = op_list(&op);
		break;
	case MICA_DOMCTL_destroy:
		rc = op_destroy(&op);
		break;
	case MICA_DOMCTL_get_info:
		rc = op_get_info(&op);
		break;
	default:
		if (op.cmd > MICA_DOMCTL_ioreq_server) {
			rc = -ENOSYS;
			break;
		}
		d = target(op.domid);
		rc = d ? domctl_on(d, &op, arg) : -ESRCH;
		if (d)
			domain_put(d);
		break;
	}
	if (rc != HYPERCALL_PREEMPTED)
		op.progress = 0; /* the structure comes back as it went in */
	if (copy_to_guest(arg, &op, sizeof(op)))
		return -EFAULT;
	/* Preempted with its progress in op (destroy, populate_physmap,
	 * map_foreign): the call continues from there. */
	if (rc == HYPERCALL_PREEMPTED)
		return hypercall_create_continuation(MICA_HC_domctl, arg, 0, 0,
						     0, 0);
	return rc;
}
