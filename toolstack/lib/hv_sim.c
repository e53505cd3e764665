// SPDX-License-Identifier: MIT
/*
 * A simulated hypervisor for host tests (mica/hv.h).  Its state lives in a
 * directory so that several processes share one "host":
 *
 *   DIR/host     the state, mmap()ed by every user and changed under an
 *                exclusive flock(): a header, one struct sim_domain per
 *                domain id, and the frame table (owner of every machine
 *                frame);
 *   DIR/memory   machine memory, a sparse file of total_pages pages; frame
 *                N is at offset N * 4096.  Foreign mappings are mmap()s of
 *                it, so what the builder writes the console daemon reads.
 *
 * Rules enforced as domctl.h states them: domain 0 exists and cannot be
 * destroyed or paused; new domains start with one pause; unpause of a
 * domain that is not paused is -EINVAL; populate stops at max_pages and
 * when memory runs out; foreign mappings only of frames the domain owns
 * (-EINVAL per entry otherwise); set_vcpu_context only while paused, with
 * a kernel L4 the domain owns; remote shutdown of a shut-down domain is
 * -EALREADY.  Frames are zeroed when a domain is destroyed.  A test plays
 * a guest shutting itself down with mica_hv_sim_guest_shutdown().
 * Differences:
 * nothing runs (an unpaused domain is reported blocked), page tables are
 * not validated, and destroy frees frames at once (foreign mappings still
 * open keep seeing the file, now zero).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mica/error.h>
#include <mica/hv.h>

#include "public/sched.h"

#define SIM_MAGIC "mica-sim-host-1"
#define SIM_MAX_DOMAINS 1024 /* domain ids 0..1023 */
#define SIM_DEFAULT_PAGES (1ULL << 20) /* 4 GiB */
#define SIM_OWNER_FREE 0xffffu
#define SIM_OWNER_MICA MICA_DOMID_MICA /* shared-info frames */
#define SIM_DOM0_PAGES 65536 /* what dom0 is said to have */

struct sim_domain {
	uint8_t exists;
	uint8_t shut_down;
	uint16_t pause_count;
	uint32_t shutdown_reason;
	uint32_t max_vcpus;
	uint32_t flags; /* MICA_DOMCTL_CREATE_* */
	uint64_t nr_pages, max_pages;
	uint64_t shared_info_mfn;
	uint64_t params[MICA_DOMPARAM_NR];
	uint8_t uuid[16];
	uint8_t context_set;
	uint8_t pad[3];
	uint32_t last_port; /* alloc_unbound hands out 1, 2, ... */
	struct mica_vcpu_guest_context vcpu0;
};

struct sim_host {
	char magic[16];
	uint64_t total_pages;
	uint64_t free_pages;
	uint64_t alloc_hint; /* where the next frame search starts */
	uint16_t next_domid; /* where the next domain id search starts */
	uint8_t pad[6];
	struct sim_domain domains[SIM_MAX_DOMAINS];
	uint16_t owner[]; /* total_pages entries */
};

struct sim {
	struct mica_hv hv;
	int host_fd, memory_fd;
	struct sim_host *host;
	size_t host_size;
};

static struct sim *to_sim(struct mica_hv *hv)
{
	return (struct sim *)hv;
}

static size_t host_size(uint64_t total_pages)
{
	return sizeof(struct sim_host) + total_pages * sizeof(uint16_t);
}

/* Every operation runs with the host locked against other processes. */
static struct sim_host *lock(struct mica_hv *hv)
{
	flock(to_sim(hv)->host_fd, LOCK_EX);
	return to_sim(hv)->host;
}

static int unlock(struct mica_hv *hv, int ret)
{
	flock(to_sim(hv)->host_fd, LOCK_UN);
	return ret;
}

/* The live domain @domid, or NULL (-ESRCH). */
static struct sim_domain *domain(struct sim_host *h, uint16_t domid)
{
	if (domid >= SIM_MAX_DOMAINS || !h->domains[domid].exists)
		return NULL;
	return &h->domains[domid];
}

static uint64_t alloc_frame(struct sim_host *h, uint16_t owner)
{
	uint64_t i, mfn;

	for (i = 0; i < h->total_pages; i++) {
		mfn = (h->alloc_hint + i) % h->total_pages;
		if (h->owner[mfn] == SIM_OWNER_FREE) {
			h->owner[mfn] = owner;
			h->free_pages--;
			h->alloc_hint = mfn + 1;
			return mfn;
		}
	}
	return MICA_INVALID_FRAME;
}

/* Gives frames back, zeroed (a hole punched in the memory file). */
static void free_frames(struct sim *s, uint64_t mfn, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		s->host->owner[mfn + i] = SIM_OWNER_FREE;
	s->host->free_pages += n;
	fallocate(s->memory_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)(mfn * MICA_PAGE_SIZE), (off_t)(n * MICA_PAGE_SIZE));
}

static void fill_info(const struct sim_host *h, uint16_t domid,
		      struct mica_domctl_domain_info *info)
{
	const struct sim_domain *d = &h->domains[domid];

	memset(info, 0, sizeof(*info));
	info->domid = domid;
	if (d->pause_count)
		info->flags |= MICA_DOMINFO_PAUSED;
	if (d->shut_down)
		info->flags |= MICA_DOMINFO_SHUTDOWN;
	else if (!d->pause_count)
		info->flags |= domid ? MICA_DOMINFO_BLOCKED :
				       MICA_DOMINFO_RUNNING;
	if (!domid)
		info->flags |= MICA_DOMINFO_PRIVILEGED;
	if (d->flags & MICA_DOMCTL_CREATE_HVM)
		info->flags |= MICA_DOMINFO_HVM;
	info->shutdown_reason = d->shutdown_reason;
	info->nr_online_vcpus = d->shut_down ? 0 : (domid ? 1 : d->max_vcpus);
	info->max_vcpus = d->max_vcpus;
	info->nr_pages = d->nr_pages;
	info->max_pages = d->max_pages;
	info->shared_info_mfn = d->shared_info_mfn;
	memcpy(info->uuid, d->uuid, sizeof(info->uuid));
}

static void sim_close(struct mica_hv *hv)
{
	struct sim *s = to_sim(hv);

	munmap(s->host, s->host_size);
	close(s->host_fd);
	close(s->memory_fd);
	free(s);
}

static int sim_physinfo(struct mica_hv *hv, struct mica_sysctl_physinfo *info)
{
	struct sim_host *h = lock(hv);

	memset(info, 0, sizeof(*info));
	info->nr_cpus = 1;
	info->threads_per_core = info->cores_per_socket = 1;
	info->nr_sockets = info->nr_nodes = 1;
	info->cpu_khz = 1000000;
	info->total_pages = h->total_pages;
	info->free_pages = h->free_pages;
	return unlock(hv, 0);
}

static int sim_create(struct mica_hv *hv, const struct mica_hv_create *a,
		      uint16_t *out)
{
	struct sim_host *h = lock(hv);
	struct sim_domain *d;
	uint16_t domid = a->domid, i;
	uint64_t mfn;

	if (a->flags &
	    ~(uint32_t)(MICA_DOMCTL_CREATE_HVM | MICA_DOMCTL_CREATE_HAP))
		return unlock(hv, -EINVAL);
	if (a->flags)
		return unlock(hv, -ENODEV); /* no SVM/VMX in the simulator */
	if (!a->max_vcpus || a->max_vcpus > MICA_DOMCTL_MAX_VCPUS)
		return unlock(hv, -EINVAL);
	if (domid == MICA_DOMID_ANY) {
		for (i = 0; i < SIM_MAX_DOMAINS - 1; i++) {
			domid = 1 + (h->next_domid + i) % (SIM_MAX_DOMAINS - 1);
			if (!h->domains[domid].exists)
				break;
		}
		if (h->domains[domid].exists)
			return unlock(hv, -EMFILE);
		h->next_domid = domid % (SIM_MAX_DOMAINS - 1);
	} else if (!domid || domid >= MICA_DOMID_FIRST_RESERVED) {
		return unlock(hv, -EINVAL);
	} else if (domid >= SIM_MAX_DOMAINS) {
		return unlock(hv, -EINVAL);
	} else if (h->domains[domid].exists) {
		return unlock(hv, -EEXIST);
	}
	mfn = alloc_frame(h, SIM_OWNER_MICA);
	if (mfn == MICA_INVALID_FRAME)
		return unlock(hv, -ENOMEM);
	d = &h->domains[domid];
	memset(d, 0, sizeof(*d));
	d->exists = 1;
	d->pause_count = 1;
	d->max_vcpus = a->max_vcpus;
	d->max_pages = a->max_pages;
	d->shared_info_mfn = mfn;
	memcpy(d->uuid, a->uuid, sizeof(d->uuid));
	*out = domid;
	return unlock(hv, 0);
}

static int sim_destroy(struct mica_hv *hv, uint16_t domid)
{
	struct sim *s = to_sim(hv);
	struct sim_host *h = lock(hv);
	struct sim_domain *d = domain(h, domid);
	uint64_t mfn, run;

	if (!d)
		return unlock(hv, -ESRCH);
	if (!domid)
		return unlock(hv, -EPERM);
	/* Free the domain's frames in runs, each one hole in the file. */
	for (mfn = 0; mfn < h->total_pages && d->nr_pages; mfn += run) {
		run = 0;
		while (mfn + run < h->total_pages &&
		       h->owner[mfn + run] == domid)
			run++;
		if (run) {
			d->nr_pages -= run;
			free_frames(s, mfn, run);
		} else {
			run = 1;
		}
	}
	free_frames(s, d->shared_info_mfn, 1);
	memset(d, 0, sizeof(*d));
	return unlock(hv, 0);
}

static int sim_pause(struct mica_hv *hv, uint16_t domid)
{
	struct sim_domain *d = domain(lock(hv), domid);

	if (!d)
		return unlock(hv, -ESRCH);
	if (!domid)
		return unlock(hv, -EPERM);
	if (d->pause_count == UINT16_MAX)
		return unlock(hv, -EBUSY);
	d->pause_count++;
	return unlock(hv, 0);
}

static int sim_unpause(struct mica_hv *hv, uint16_t domid)
{
	struct sim_domain *d = domain(lock(hv), domid);

	if (!d)
		return unlock(hv, -ESRCH);
	if (!domid)
		return unlock(hv, -EPERM);
	if (!d->pause_count)
		return unlock(hv, -EINVAL);
	d->pause_count--;
	return unlock(hv, 0);
}

static int sim_get_info(struct mica_hv *hv, uint16_t domid,
			struct mica_domctl_domain_info *info)
{
	struct sim_host *h = lock(hv);

	if (!domain(h, domid))
		return unlock(hv, -ESRCH);
	fill_info(h, domid, info);
	return unlock(hv, 0);
}

static int sim_list(struct mica_hv *hv, uint16_t first,
		    struct mica_domctl_domain_info *buf, uint32_t max,
		    uint32_t *nr, uint16_t *next)
{
	struct sim_host *h = lock(hv);
	uint32_t n = 0;
	uint32_t id;

	*next = MICA_DOMID_INVALID;
	for (id = first; id < SIM_MAX_DOMAINS; id++) {
		if (!h->domains[id].exists)
			continue;
		if (n == max) {
			*next = (uint16_t)id;
			break;
		}
		fill_info(h, (uint16_t)id, &buf[n++]);
	}
	*nr = n;
	return unlock(hv, 0);
}

static int sim_set_max_mem(struct mica_hv *hv, uint16_t domid,
			   uint64_t max_pages)
{
	struct sim_domain *d = domain(lock(hv), domid);

	if (!d)
		return unlock(hv, -ESRCH);
	d->max_pages = max_pages;
	return unlock(hv, 0);
}

static long sim_populate(struct mica_hv *hv, uint16_t domid, uint64_t *frames,
			 uint64_t nr_extents, unsigned int order)
{
	struct sim_host *h = lock(hv);
	struct sim_domain *d = domain(h, domid);
	uint64_t e, i, n = 1ULL << order;

	if (!d)
		return unlock(hv, -ESRCH);
	if (order > MICA_MEMOP_MAX_ORDER_PRIVILEGED)
		return unlock(hv, -EINVAL);
	for (e = 0; e < nr_extents; e++) {
		uint64_t first = MICA_INVALID_FRAME;

		if (d->nr_pages + n > d->max_pages || h->free_pages < n)
			break;
		/* An extent is machine-contiguous and aligned: find n free
		 * frames, searching from the hint and wrapping around. */
		for (i = 0;
		     i < h->total_pages / n && first == MICA_INVALID_FRAME;
		     i++) {
			uint64_t slots = h->total_pages / n, j;
			uint64_t base = ((h->alloc_hint / n + i) % slots) * n;

			for (j = 0;
			     j < n && h->owner[base + j] == SIM_OWNER_FREE; j++)
				;
			if (j == n)
				first = base;
		}
		if (first == MICA_INVALID_FRAME)
			break;
		for (i = 0; i < n; i++)
			h->owner[first + i] = domid;
		h->free_pages -= n;
		h->alloc_hint = first + n;
		d->nr_pages += n;
		frames[e] = first;
	}
	return unlock(hv, (int)e);
}

static void *sim_map_foreign(struct mica_hv *hv, uint16_t domid,
			     const uint64_t *gfns, uint32_t count, int writable,
			     int *errs, int *ret)
{
	struct sim *s = to_sim(hv);
	struct sim_host *h = lock(hv);
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	uint8_t *base;
	uint32_t i, run;
	int failed = 0;

	if (!domain(h, domid) || !domid) {
		*ret = unlock(hv, domid ? -ESRCH : -EPERM);
		return NULL;
	}
	/* No batch limit: privcmd splits large requests itself. */
	if (!count) {
		*ret = unlock(hv, -EINVAL);
		return NULL;
	}
	/* Reserve the range, then map runs of consecutive frames over it. */
	base = mmap(NULL, (size_t)count * MICA_PAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		*ret = unlock(hv, -ENOMEM);
		return NULL;
	}
	for (i = 0; i < count; i += run) {
		run = 1;
		if (gfns[i] >= h->total_pages || h->owner[gfns[i]] != domid) {
			errs[i] = -EINVAL;
			failed++;
			continue;
		}
		while (i + run < count && gfns[i + run] == gfns[i] + run &&
		       gfns[i + run] < h->total_pages &&
		       h->owner[gfns[i + run]] == domid)
			run++;
		if (mmap(base + (size_t)i * MICA_PAGE_SIZE,
			 (size_t)run * MICA_PAGE_SIZE, prot,
			 MAP_SHARED | MAP_FIXED, s->memory_fd,
			 (off_t)(gfns[i] * MICA_PAGE_SIZE)) == MAP_FAILED) {
			munmap(base, (size_t)count * MICA_PAGE_SIZE);
			*ret = unlock(hv, -errno);
			return NULL;
		}
		memset(errs + i, 0, run * sizeof(*errs));
	}
	*ret = unlock(hv, failed);
	return base;
}

static void sim_unmap_foreign(struct mica_hv *hv, void *addr, uint32_t count)
{
	(void)hv;
	munmap(addr, (size_t)count * MICA_PAGE_SIZE);
}

static int sim_set_vcpu_context(struct mica_hv *hv, uint16_t domid,
				uint32_t vcpu,
				const struct mica_vcpu_guest_context *ctx)
{
	struct sim_host *h = lock(hv);
	struct sim_domain *d = domain(h, domid);
	uint64_t l4 = ctx->kernel_pt_base_gfn;
	unsigned int i;

	if (!d)
		return unlock(hv, -ESRCH);
	if (vcpu >= d->max_vcpus)
		return unlock(hv, -ENOENT);
	if (!d->pause_count)
		return unlock(hv, -EBUSY);
	if (ctx->pad0 || ctx->pad1 || !(ctx->flags & MICA_VGCF_IN_KERNEL))
		return unlock(hv, -EINVAL);
	for (i = 0; i < 256; i++)
		if (ctx->trap_table[i].vector != i)
			return unlock(hv, -EINVAL);
	if (l4 >= h->total_pages || h->owner[l4] != domid)
		return unlock(hv, -EINVAL);
	if (vcpu == 0) {
		d->vcpu0 = *ctx;
		d->context_set = 1;
	}
	return unlock(hv, 0);
}

static int sim_set_param(struct mica_hv *hv, uint16_t domid, uint32_t index,
			 uint64_t value)
{
	struct sim_domain *d = domain(lock(hv), domid);

	if (!d)
		return unlock(hv, -ESRCH);
	if (index >= MICA_DOMPARAM_NR)
		return unlock(hv, -EINVAL);
	d->params[index] = value;
	return unlock(hv, 0);
}

static int sim_get_param(struct mica_hv *hv, uint16_t domid, uint32_t index,
			 uint64_t *value)
{
	struct sim_domain *d = domain(lock(hv), domid);

	if (!d)
		return unlock(hv, -ESRCH);
	if (index >= MICA_DOMPARAM_NR)
		return unlock(hv, -EINVAL);
	*value = d->params[index];
	return unlock(hv, 0);
}

/* Only the bookkeeping: the simulator delivers no events. */
static int sim_alloc_unbound(struct mica_hv *hv, uint16_t domid,
			     uint16_t remote, uint32_t *port)
{
	struct sim_domain *d = domain(lock(hv), domid);

	if (!d || !domain(to_sim(hv)->host, remote))
		return unlock(hv, -ESRCH);
	*port = ++d->last_port;
	return unlock(hv, 0);
}

static int sim_shutdown(struct mica_hv *hv, uint16_t domid, uint32_t reason)
{
	struct sim_domain *d = domain(lock(hv), domid);

	if (!d)
		return unlock(hv, -ESRCH);
	if (!domid)
		return unlock(hv, -EPERM);
	if (reason > MICA_SHUTDOWN_watchdog || reason == MICA_SHUTDOWN_suspend)
		return unlock(hv, -EINVAL);
	if (d->shut_down)
		return unlock(hv, -EALREADY);
	d->shut_down = 1;
	d->shutdown_reason = reason;
	return unlock(hv, 0);
}

static const struct mica_hv_ops sim_ops;

/* What a running guest does with MICA_SCHEDOP_shutdown (sched.h). */
int mica_hv_sim_guest_shutdown(struct mica_hv *hv, uint16_t domid,
			       uint32_t reason)
{
	struct sim_domain *d;

	if (hv->ops != &sim_ops)
		return -EOPNOTSUPP;
	d = domain(lock(hv), domid);
	if (!d)
		return unlock(hv, -ESRCH);
	if (!domid)
		return unlock(hv, -EPERM); /* the host itself: not simulated */
	if (reason > MICA_SHUTDOWN_watchdog)
		return unlock(hv, -EINVAL);
	if (d->shut_down)
		return unlock(hv, -EALREADY);
	if (d->pause_count)
		return unlock(hv, -EBUSY); /* a paused guest runs nothing */
	d->shut_down = 1;
	d->shutdown_reason = reason;
	return unlock(hv, 0);
}

static const struct mica_hv_ops sim_ops = {
	.name = "sim",
	.close = sim_close,
	.physinfo = sim_physinfo,
	.create = sim_create,
	.destroy = sim_destroy,
	.pause = sim_pause,
	.unpause = sim_unpause,
	.get_info = sim_get_info,
	.list = sim_list,
	.set_max_mem = sim_set_max_mem,
	.populate = sim_populate,
	.map_foreign = sim_map_foreign,
	.unmap_foreign = sim_unmap_foreign,
	.set_vcpu_context = sim_set_vcpu_context,
	.set_param = sim_set_param,
	.get_param = sim_get_param,
	.alloc_unbound = sim_alloc_unbound,
	.shutdown = sim_shutdown,
};

/* A new host: all frames free, dom0 present.  Called with the lock held. */
static int sim_format(struct sim *s, uint64_t total_pages)
{
	struct sim_host *h = s->host;
	uint64_t i;

	if (ftruncate(s->memory_fd, (off_t)(total_pages * MICA_PAGE_SIZE)))
		return -1;
	h->total_pages = total_pages;
	h->free_pages = total_pages;
	for (i = 0; i < total_pages; i++)
		h->owner[i] = SIM_OWNER_FREE;
	h->domains[0].exists = 1;
	h->domains[0].max_vcpus = 1;
	h->domains[0].nr_pages = SIM_DOM0_PAGES;
	h->domains[0].max_pages = SIM_DOM0_PAGES;
	h->domains[0].shared_info_mfn = MICA_INVALID_FRAME;
	memcpy(h->magic, SIM_MAGIC, sizeof(SIM_MAGIC));
	return 0;
}

int mica_hv_open_sim(const char *dir, uint64_t total_pages,
		     struct mica_hv **out, struct mica_error *err)
{
	char path[4096];
	struct sim *s;
	struct stat st;
	const char *env = getenv("MICA_HV_SIM_PAGES");
	int ret = 0;

	if (!total_pages)
		total_pages = env ? strtoull(env, NULL, 0) : SIM_DEFAULT_PAGES;
	if (total_pages < 1024 || total_pages > (1ULL << 32))
		return mica_error_set(err, EINVAL,
				      "simulated host: %llu pages is out of "
				      "range",
				      (unsigned long long)total_pages);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return mica_error_set(err, errno, "simulated host %s: %s", dir,
				      strerror(errno));
	s = calloc(1, sizeof(*s));
	if (!s)
		return mica_error_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/host", dir);
	s->host_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	snprintf(path, sizeof(path), "%s/memory", dir);
	s->memory_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->host_fd < 0 || s->memory_fd < 0) {
		ret = mica_error_set(err, errno, "simulated host %s: %s", dir,
				     strerror(errno));
		goto err_close;
	}
	flock(s->host_fd, LOCK_EX);
	if (fstat(s->host_fd, &st))
		goto err_errno;
	if (st.st_size) {
		struct sim_host header;

		if (pread(s->host_fd, &header, sizeof(header), 0) !=
			    sizeof(header) ||
		    memcmp(header.magic, SIM_MAGIC, sizeof(SIM_MAGIC)) ||
		    (uint64_t)st.st_size != host_size(header.total_pages)) {
			ret = mica_error_set(err, EINVAL,
					     "%s/host is not a simulated host",
					     dir);
			goto err_unlock;
		}
		total_pages = header.total_pages;
	} else if (ftruncate(s->host_fd, (off_t)host_size(total_pages))) {
		goto err_errno;
	}
	s->host_size = host_size(total_pages);
	s->host = mmap(NULL, s->host_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       s->host_fd, 0);
	if (s->host == MAP_FAILED)
		goto err_errno;
	if (!st.st_size && sim_format(s, total_pages)) {
		munmap(s->host, s->host_size);
		goto err_errno;
	}
	flock(s->host_fd, LOCK_UN);
	s->hv.ops = &sim_ops;
	*out = &s->hv;
	return 0;

err_errno:
	ret = mica_error_set(err, errno, "simulated host %s: %s", dir,
			     strerror(errno));
err_unlock:
	flock(s->host_fd, LOCK_UN);
err_close:
	if (s->host_fd >= 0)
		close(s->host_fd);
	if (s->memory_fd >= 0)
		close(s->memory_fd);
	free(s);
	return ret;
}
