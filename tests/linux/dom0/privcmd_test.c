// SPDX-License-Identifier: MIT
/*
 * privcmd_test: /dev/mica/privcmd from dom0 user space (docs/privcmd.md).
 * Hypercalls through the allowlist (and refusals), a domain created and
 * populated by domctl, its frames mapped with MAP_FOREIGN (batched over
 * several domctls, per-frame errors for frames it does not own), written
 * and read back through a second, read-only mapping, SIGBUS on an unfilled
 * page, bad requests refused, and destroy: the domain stays dying while
 * mapped and its memory is free again once munmap drops the mappings.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mica/privcmd.h>

#include "public/domctl.h"
#include "public/sched.h"
#include "public/sysctl.h"

#include "check.h"

#define PAGE 4096UL
/* More than one of the driver's batches (512 gfns). */
#define NPAGES 600

static int fd;

static long hcall(uint64_t op, uint64_t a0, uint64_t a1)
{
	struct mica_privcmd_hypercall c = { .op = op, .arg = { a0, a1 } };

	return ioctl(fd, MICA_PRIVCMD_HYPERCALL, &c);
}

static long domctl(struct mica_domctl *d, uint32_t cmd, uint16_t domid)
{
	d->cmd = cmd;
	d->domid = domid;
	d->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	return hcall(MICA_HC_domctl, (uint64_t)(uintptr_t)d, 0);
}

static uint64_t free_pages(void)
{
	struct mica_sysctl s = { .cmd = MICA_SYSCTL_physinfo,
				 .interface_version =
					 MICA_SYSCTL_INTERFACE_VERSION };

	if (hcall(MICA_HC_sysctl, (uint64_t)(uintptr_t)&s, 0))
		return 0;
	return s.u.physinfo.free_pages;
}

static uint16_t new_domain(uint64_t pages, uint64_t *mfns)
{
	struct mica_domctl d = { 0 };

	d.u.create.max_vcpus = 1;
	d.u.create.max_pages = pages + 1;
	if (domctl(&d, MICA_DOMCTL_create, MICA_DOMID_ANY))
		return 0;
	uint16_t id = d.domid;

	for (uint64_t i = 0; i < pages; i++)
		mfns[i] = i;
	memset(&d, 0, sizeof(d));
	d.u.populate_physmap.extent_list_gaddr = (uint64_t)(uintptr_t)mfns;
	d.u.populate_physmap.nr_extents = pages;
	if (domctl(&d, MICA_DOMCTL_populate_physmap, id) != (long)pages)
		return 0;
	return id;
}

static long map(void *addr, uint16_t domid, const uint64_t *gfns, int32_t *errs,
		uint32_t count, uint32_t flags)
{
	struct mica_privcmd_map_foreign m = {
		.domid = domid,
		.count = count,
		.addr = (uint64_t)(uintptr_t)addr,
		.gfns = (uint64_t)(uintptr_t)gfns,
		.errs = (uint64_t)(uintptr_t)errs,
		.flags = flags,
	};

	return ioctl(fd, MICA_PRIVCMD_MAP_FOREIGN, &m);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static void check_hypercalls(void)
{
	struct mica_privcmd_hypercall c = { .op = MICA_HC_mmu_update };
	struct mica_sched_shutdown sd = { .reason = MICA_SHUTDOWN_poweroff };

	CHECK("privcmd-version", hcall(MICA_HC_version, 0, 0) > 0,
	      "version returned %ld", hcall(MICA_HC_version, 0, 0));
	CHECK_ERRNO("privcmd-refuses-mmu-update",
		    ioctl(fd, MICA_PRIVCMD_HYPERCALL, &c), EPERM);
	c.op = 1000;
	CHECK_ERRNO("privcmd-refuses-unknown-op",
		    ioctl(fd, MICA_PRIVCMD_HYPERCALL, &c), EPERM);
	CHECK_ERRNO("privcmd-refuses-own-shutdown",
		    hcall(MICA_HC_sched_op, MICA_SCHEDOP_shutdown,
			  (uint64_t)(uintptr_t)&sd),
		    EPERM);
	CHECK_ERRNO("privcmd-bad-ioctl", ioctl(fd, _IO('M', 99), 0), ENOTTY);
	CHECK_ERRNO("privcmd-hypercall-bad-pointer",
		    ioctl(fd, MICA_PRIVCMD_HYPERCALL, (void *)16), EFAULT);

	struct mica_domctl d = { 0 };

	d.interface_version = MICA_DOMCTL_INTERFACE_VERSION - 1;
	d.cmd = MICA_DOMCTL_get_info;
	CHECK_ERRNO("privcmd-domctl-stale-version",
		    hcall(MICA_HC_domctl, (uint64_t)(uintptr_t)&d, 0), EPROTO);
	memset(&d, 0, sizeof(d));
	CHECK("privcmd-domctl-get-info-dom0",
	      domctl(&d, MICA_DOMCTL_get_info, 0) == 0 && d.u.info.nr_pages,
	      "get_info of dom0: %s, %llu pages", strerror(errno),
	      (unsigned long long)d.u.info.nr_pages);
	CHECK_ERRNO("privcmd-domctl-error-passed",
		    domctl(&d, MICA_DOMCTL_get_info, 4000), ESRCH);
}

static void check_map_foreign(void)
{
	static uint64_t mfns[NPAGES], other[2], gfns[NPAGES];
	static int32_t errs[NPAGES];
	uint64_t free0 = free_pages();
	struct mica_domctl d = { 0 };
	uint16_t id = new_domain(NPAGES, mfns), id2 = new_domain(2, other);
	uint8_t *p, *ro, *anon;
	long rc;
	int ok;

	CHECK("privcmd-create-populate", id && id2 && free0,
	      "domains %u %u, free pages %llu", id, id2,
	      (unsigned long long)free0);
	if (!id || !id2)
		return;

	p = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	CHECK("privcmd-mmap", p != MAP_FAILED, "%s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	memcpy(gfns, mfns, sizeof(gfns));
	gfns[7] = other[0]; /* id2's frame: not id's */
	gfns[NPAGES - 1] = ~0ULL >> 20; /* nobody's */
	rc = map(p, id, gfns, errs, NPAGES, 0);
	ok = rc == 2 && errs[7] == -EINVAL && errs[NPAGES - 1] == -EINVAL;
	for (int i = 0; i < NPAGES; i++)
		if (i != 7 && i != NPAGES - 1 && errs[i])
			ok = 0;
	CHECK("privcmd-map-foreign-per-frame-errors", ok,
	      "rc %ld, errs[7] %d, errs[last] %d, errs[0] %d", rc, errs[7],
	      errs[NPAGES - 1], errs[0]);
	for (int i = 0; i < NPAGES; i++)
		if (i != 7 && i != NPAGES - 1)
			memset(p + i * PAGE, (uint8_t)(i * 7 + 1), PAGE);

	/* The same frames again, read-only, through another mapping. */
	ro = mmap(NULL, NPAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	rc = ro == MAP_FAILED ?
		     -2 :
		     map(ro, id, mfns, errs, NPAGES, MICA_FOREIGN_MAP_READONLY);
	ok = rc == 0;
	for (int i = 0; ok && i < NPAGES; i++)
		if (i != 7 && i != NPAGES - 1 &&
		    (ro[i * PAGE] != (uint8_t)(i * 7 + 1) ||
		     ro[i * PAGE + PAGE - 1] != (uint8_t)(i * 7 + 1)))
			ok = 0;
	CHECK("privcmd-map-foreign-reads-back", ok,
	      "rc %ld (%s): a page differs", rc, strerror(errno));

	/* Bad requests. */
	CHECK_ERRNO("privcmd-map-count-0", map(p, id, gfns, errs, 0, 0),
		    EINVAL);
	CHECK_ERRNO("privcmd-map-beyond-vma",
		    map(p + PAGE, id, gfns, errs, NPAGES, 0), EINVAL);
	CHECK_ERRNO("privcmd-map-unaligned", map(p + 8, id, gfns, errs, 1, 0),
		    EINVAL);
	CHECK_ERRNO("privcmd-map-unknown-flag",
		    map(p, id, gfns, errs, 1, MICA_FOREIGN_MAP_SOFT9), EINVAL);
	anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_ERRNO("privcmd-map-into-anonymous-memory",
		    map(anon, id, gfns, errs, 1, 0), EINVAL);
	CHECK_ERRNO("privcmd-map-bad-gfn-list",
		    map(p, id, (const uint64_t *)16, errs, 1, 0), EFAULT);
	CHECK_ERRNO("privcmd-map-dom0", map(p, 0, gfns, errs, 1, 0), EPERM);
	CHECK_ERRNO("privcmd-map-no-such-domain",
		    map(p, 4000, gfns, errs, 1, 0), ESRCH);
	CHECK_ERRNO("privcmd-mmap-private",
		    (long)(intptr_t)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd,
					 0),
		    EINVAL);

	/* An unfilled page of a privcmd mapping raises SIGBUS. */
	{
		struct sigaction sa = { .sa_handler = on_sigbus };
		uint8_t *q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		volatile int bus = 0;

		sigaction(SIGBUS, &sa, NULL);
		if (sigsetjmp(bus_jmp, 1))
			bus = 1;
		else if (q != MAP_FAILED)
			(void)*(volatile uint8_t *)q;
		CHECK("privcmd-unfilled-page-sigbus", bus == 1,
		      "no SIGBUS (mmap %p)", (void *)q);
		signal(SIGBUS, SIG_DFL);
	}

	/* Destroy while mapped: dying until munmap drops the mappings. */
	CHECK("privcmd-destroy", domctl(&d, MICA_DOMCTL_destroy, id) == 0, "%s",
	      strerror(errno));
	rc = domctl(&d, MICA_DOMCTL_get_info, id);
	CHECK("privcmd-dying-while-mapped",
	      rc == 0 && (d.u.info.flags & MICA_DOMINFO_DYING),
	      "get_info %ld, flags %#x", rc, d.u.info.flags);
	CHECK("privcmd-mapped-frame-survives-destroy",
	      p[3 * PAGE + 5] == (uint8_t)(3 * 7 + 1), "reads %#x",
	      p[3 * PAGE + 5]);
	munmap(p, NPAGES * PAGE);
	munmap(ro, NPAGES * PAGE);
	CHECK_ERRNO("privcmd-gone-after-munmap",
		    domctl(&d, MICA_DOMCTL_get_info, id), ESRCH);
	domctl(&d, MICA_DOMCTL_destroy, id2);
	CHECK("privcmd-memory-free-again", free_pages() == free0,
	      "free pages %llu, %llu before", (unsigned long long)free_pages(),
	      (unsigned long long)free0);
}

int main(void)
{
	fd = open(MICA_PRIVCMD_DEVICE, O_RDWR | O_CLOEXEC);
	CHECK("privcmd-open", fd >= 0, "%s: %s", MICA_PRIVCMD_DEVICE,
	      strerror(errno));
	if (fd < 0)
		return checks_done("privcmd_test");
	/* Mica reads and writes hypercall buffers through the page tables:
	 * keep every page present and writable (libmica does the same). */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	check_hypercalls();
	check_map_foreign();
	close(fd);
	return checks_done("privcmd_test");
}
