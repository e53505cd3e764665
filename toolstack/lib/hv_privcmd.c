// SPDX-License-Identifier: MIT
/*
 * The real hypervisor back end: domctl, sysctl and sched_op hypercalls
 * through dom0's /dev/mica/privcmd (mica/privcmd.h, docs/privcmd.md).
 * Mica reads and writes hypercall buffers through dom0's page tables and
 * cannot fault pages in: every buffer handed to it here has been written
 * first, so that its pages are present and writable (fresh memory may be
 * absent, or the shared zero page).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mica/error.h>
#include <mica/hv.h>
#include <mica/privcmd.h>

#include "public/event_channel.h"
#include "public/sched.h"

struct privcmd {
	struct mica_hv hv;
	int fd;
};

static struct privcmd *to_privcmd(struct mica_hv *hv)
{
	return (struct privcmd *)hv;
}

static long hypercall(struct mica_hv *hv, uint64_t op, uint64_t a0, uint64_t a1)
{
	struct mica_privcmd_hypercall call = { .op = op, .arg = { a0, a1 } };
	long ret = ioctl(to_privcmd(hv)->fd, MICA_PRIVCMD_HYPERCALL, &call);

	return ret < 0 ? -errno : ret;
}

static long domctl(struct mica_hv *hv, struct mica_domctl *d)
{
	d->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	return hypercall(hv, MICA_HC_domctl, (uint64_t)(uintptr_t)d, 0);
}

static long domctl_simple(struct mica_hv *hv, uint32_t cmd, uint16_t domid)
{
	struct mica_domctl d = { .cmd = cmd, .domid = domid };

	return domctl(hv, &d);
}

static void privcmd_close(struct mica_hv *hv)
{
	close(to_privcmd(hv)->fd);
	free(hv);
}

static int privcmd_physinfo(struct mica_hv *hv,
			    struct mica_sysctl_physinfo *info)
{
	struct mica_sysctl s = { .cmd = MICA_SYSCTL_physinfo,
				 .interface_version =
					 MICA_SYSCTL_INTERFACE_VERSION };
	long ret = hypercall(hv, MICA_HC_sysctl, (uint64_t)(uintptr_t)&s, 0);

	if (!ret)
		*info = s.u.physinfo;
	return (int)ret;
}

static int privcmd_create(struct mica_hv *hv, const struct mica_hv_create *a,
			  uint16_t *domid)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_create, .domid = a->domid };
	long ret;

	d.u.create.flags = a->flags;
	d.u.create.max_vcpus = a->max_vcpus;
	d.u.create.max_pages = a->max_pages;
	memcpy(d.u.create.uuid, a->uuid, sizeof(d.u.create.uuid));
	ret = domctl(hv, &d);
	if (!ret)
		*domid = d.domid;
	return (int)ret;
}

static int privcmd_destroy(struct mica_hv *hv, uint16_t domid)
{
	return (int)domctl_simple(hv, MICA_DOMCTL_destroy, domid);
}

static int privcmd_pause(struct mica_hv *hv, uint16_t domid)
{
	return (int)domctl_simple(hv, MICA_DOMCTL_pause, domid);
}

static int privcmd_unpause(struct mica_hv *hv, uint16_t domid)
{
	return (int)domctl_simple(hv, MICA_DOMCTL_unpause, domid);
}

static int privcmd_get_info(struct mica_hv *hv, uint16_t domid,
			    struct mica_domctl_domain_info *info)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_get_info, .domid = domid };
	long ret = domctl(hv, &d);

	if (!ret)
		*info = d.u.info;
	return (int)ret;
}

static int privcmd_list(struct mica_hv *hv, uint16_t first,
			struct mica_domctl_domain_info *buf, uint32_t max,
			uint32_t *nr, uint16_t *next)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_list };
	long ret;

	d.u.list.first_domid = first;
	d.u.list.max_entries = max;
	d.u.list.buffer_gaddr = (uint64_t)(uintptr_t)buf;
	memset(buf, 0, (size_t)max * sizeof(*buf)); /* present and writable */
	ret = domctl(hv, &d);
	if (!ret) {
		*nr = d.u.list.nr_entries;
		*next = d.u.list.next_domid;
	}
	return (int)ret;
}

static int privcmd_set_max_mem(struct mica_hv *hv, uint16_t domid,
			       uint64_t max_pages)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_set_max_mem,
				 .domid = domid };

	d.u.set_max_mem.max_pages = max_pages;
	return (int)domctl(hv, &d);
}

static long privcmd_populate(struct mica_hv *hv, uint16_t domid,
			     uint64_t *frames, uint64_t nr_extents,
			     unsigned int order)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_populate_physmap,
				 .domid = domid };

	d.u.populate_physmap.extent_list_gaddr = (uint64_t)(uintptr_t)frames;
	d.u.populate_physmap.nr_extents = nr_extents;
	d.u.populate_physmap.extent_order = order;
	return domctl(hv, &d);
}

static void *privcmd_map_foreign(struct mica_hv *hv, uint16_t domid,
				 const uint64_t *gfns, uint32_t count,
				 int writable, int *errs, int *ret)
{
	struct mica_privcmd_map_foreign m = { .domid = domid, .count = count };
	void *addr;
	long r;

	addr = mmap(NULL, (size_t)count * MICA_PAGE_SIZE,
		    PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED,
		    to_privcmd(hv)->fd, 0);
	if (addr == MAP_FAILED) {
		*ret = -errno;
		return NULL;
	}
	m.addr = (uint64_t)(uintptr_t)addr;
	m.gfns = (uint64_t)(uintptr_t)gfns;
	m.errs = (uint64_t)(uintptr_t)errs;
	m.flags = writable ? 0 : MICA_FOREIGN_MAP_READONLY;
	r = ioctl(to_privcmd(hv)->fd, MICA_PRIVCMD_MAP_FOREIGN, &m);
	if (r < 0) {
		*ret = -errno;
		munmap(addr, (size_t)count * MICA_PAGE_SIZE);
		return NULL;
	}
	*ret = (int)r;
	return addr;
}

static void privcmd_unmap_foreign(struct mica_hv *hv, void *addr,
				  uint32_t count)
{
	(void)hv;
	munmap(addr, (size_t)count * MICA_PAGE_SIZE);
}

static int privcmd_set_vcpu_context(struct mica_hv *hv, uint16_t domid,
				    uint32_t vcpu,
				    const struct mica_vcpu_guest_context *ctx)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_set_vcpu_context,
				 .domid = domid };

	d.u.vcpu_context.vcpu = vcpu;
	d.u.vcpu_context.context_gaddr = (uint64_t)(uintptr_t)ctx;
	return (int)domctl(hv, &d);
}

static int privcmd_set_param(struct mica_hv *hv, uint16_t domid, uint32_t index,
			     uint64_t value)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_set_param, .domid = domid };

	d.u.param.index = index;
	d.u.param.value = value;
	return (int)domctl(hv, &d);
}

static int privcmd_get_param(struct mica_hv *hv, uint16_t domid, uint32_t index,
			     uint64_t *value)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_get_param, .domid = domid };
	long ret;

	d.u.param.index = index;
	ret = domctl(hv, &d);
	if (!ret)
		*value = d.u.param.value;
	return (int)ret;
}

static int privcmd_alloc_unbound(struct mica_hv *hv, uint16_t domid,
				 uint16_t remote, uint32_t *port)
{
	struct mica_evtchn_alloc_unbound a = { .dom = domid,
					       .remote_dom = remote };
	long ret = hypercall(hv, MICA_HC_event_channel_op,
			     MICA_EVTCHNOP_alloc_unbound,
			     (uint64_t)(uintptr_t)&a);

	if (!ret)
		*port = a.port;
	return (int)ret;
}

static int privcmd_shutdown(struct mica_hv *hv, uint16_t domid, uint32_t reason)
{
	struct mica_sched_remote_shutdown s = { .domid = domid,
						.reason = reason };

	return (int)hypercall(hv, MICA_HC_sched_op,
			      MICA_SCHEDOP_remote_shutdown,
			      (uint64_t)(uintptr_t)&s);
}

static const struct mica_hv_ops privcmd_ops = {
	.name = "privcmd",
	.close = privcmd_close,
	.physinfo = privcmd_physinfo,
	.create = privcmd_create,
	.destroy = privcmd_destroy,
	.pause = privcmd_pause,
	.unpause = privcmd_unpause,
	.get_info = privcmd_get_info,
	.list = privcmd_list,
	.set_max_mem = privcmd_set_max_mem,
	.populate = privcmd_populate,
	.map_foreign = privcmd_map_foreign,
	.unmap_foreign = privcmd_unmap_foreign,
	.set_vcpu_context = privcmd_set_vcpu_context,
	.set_param = privcmd_set_param,
	.get_param = privcmd_get_param,
	.alloc_unbound = privcmd_alloc_unbound,
	.shutdown = privcmd_shutdown,
};

int mica_hv_open_privcmd(const char *device, struct mica_hv **out,
			 struct mica_error *err)
{
	struct privcmd *p;
	int fd;

	if (!device)
		device = MICA_PRIVCMD_DEVICE;
	fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return mica_error_set(err, errno,
				      "cannot open %s: %s (is this dom0 "
				      "on Mica, and are you root?)",
				      device, strerror(errno));
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return mica_error_set(err, ENOMEM, "out of memory");
	}
	p->hv.ops = &privcmd_ops;
	p->fd = fd;
	*out = &p->hv;
	return 0;
}
