// SPDX-License-Identifier: MIT
/*
 * gntdev_test: /dev/mica/gntalloc and /dev/mica/gntdev from dom0 user space
 * (docs/dom0-devices.md).  Dom0 grants its own pages to itself (a domain
 * may map its own grants, grant_table.h) and maps them back: data flows
 * both ways between the two mappings and through grant copies; bad refs,
 * bad domains, grants not ours, read-only grants, wrong sizes, private
 * mappings, a second mmap, mprotect, partial munmap, double unmap and
 * revoked grants are refused with clear errors.  That nothing stays mapped
 * is checked through the grant itself: DEALLOC revokes only grants nobody
 * maps (EBUSY otherwise), and after munmap, a refused mremap, a child's
 * exit or SIGKILL with mappings live it must succeed.  A forked
 * child does not inherit the mapping, and rounds of children that each
 * map 1024 grants and exit without unmapping go past dom0's 8192 grant
 * mappings (maptrack; one process cannot hold them all, the control) only
 * if every exit gave its mappings back.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mica/gntdev.h>

#include "check.h"

#define PAGE 4096UL
#define SELF 0 /* dom0's own id: a self-grant */

static int alloc_fd, dev_fd;

struct area {
	uint64_t offset;
	uint32_t refs[4];
	uint32_t count;
	volatile uint8_t *p;
};

static long alloc_area(struct area *a, uint32_t count, uint16_t flags)
{
	struct mica_gntalloc_alloc r = {
		.domid = SELF,
		.flags = flags,
		.count = count,
		.refs = (uint64_t)(uintptr_t)a->refs,
	};
	long rc = ioctl(alloc_fd, MICA_GNTALLOC_ALLOC, &r);

	a->offset = r.offset;
	a->count = count;
	a->p = NULL;
	if (!rc) {
		void *p = mmap(NULL, count * PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED, alloc_fd, (off_t)r.offset);

		a->p = p == MAP_FAILED ? NULL : p;
	}
	return rc;
}

static long dealloc(const struct area *a)
{
	struct mica_gntalloc_dealloc d = { .offset = a->offset,
					   .count = a->count };

	return ioctl(alloc_fd, MICA_GNTALLOC_DEALLOC, &d);
}

/* MAP refs of domid on fd: the offset, or -1 with errno. */
static long gmap(int fd, uint16_t domid, const uint32_t *refs, uint32_t count,
		 uint16_t flags)
{
	struct mica_gntdev_map m = {
		.domid = domid,
		.flags = flags,
		.count = count,
		.refs = (uint64_t)(uintptr_t)refs,
	};

	if (ioctl(fd, MICA_GNTDEV_MAP, &m))
		return -1;
	return (long)m.offset;
}

static long gunmap(int fd, long offset, uint32_t count)
{
	struct mica_gntdev_unmap u = { .offset = (uint64_t)offset,
				       .count = count };

	return ioctl(fd, MICA_GNTDEV_UNMAP, &u);
}

static void *gmmap(int fd, long offset, uint32_t count, int prot)
{
	return mmap(NULL, count * PAGE, prot, MAP_SHARED, fd, offset);
}

/* mmap of one ref of domid: 0 if it mapped, else errno (unmapped again). */
static int map_errno(uint16_t domid, uint32_t ref, uint16_t flags, int prot)
{
	long off = gmap(dev_fd, domid, &ref, 1, flags);
	void *p;
	int e;

	if (off < 0)
		return -1;
	p = gmmap(dev_fd, off, 1, prot);
	e = p == MAP_FAILED ? errno : 0;
	if (!e)
		munmap(p, PAGE);
	gunmap(dev_fd, off, 1);
	return e;
}

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/* Reads *p: 0, or the signal it raised. */
static int touch(volatile uint8_t *p)
{
	struct sigaction sa = { .sa_handler = on_fault };
	int sig;

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sig = sigsetjmp(fault_jmp, 1);
	if (!sig)
		(void)*p;
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	return sig;
}

static int wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void check_data(void)
{
	struct area a;
	struct mica_gntdev_copy_segment seg[3];
	struct mica_gntdev_copy c = { .segs = (uint64_t)(uintptr_t)seg };
	static uint8_t buf[2 * PAGE] __attribute__((aligned(4096)));
	volatile uint8_t *m;
	long off, rc;
	int ok = 1;

	rc = alloc_area(&a, 2, 0);
	CHECK("gntalloc-alloc", !rc && a.p && a.refs[0] != a.refs[1],
	      "rc %ld (%s), map %p, refs %u %u", rc, strerror(errno),
	      (void *)a.p, a.refs[0], a.refs[1]);
	if (rc || !a.p)
		return;
	for (unsigned long i = 0; i < 2 * PAGE; i++)
		a.p[i] = (uint8_t)(i * 13 + 1);
	off = gmap(dev_fd, SELF, a.refs, 2, 0);
	m = off < 0 ? MAP_FAILED :
		      gmmap(dev_fd, off, 2, PROT_READ | PROT_WRITE);
	CHECK("gntdev-map-mmap", m != MAP_FAILED, "offset %ld: %s", off,
	      strerror(errno));
	if (m == MAP_FAILED)
		return;
	for (unsigned long i = 0; i < 2 * PAGE; i++)
		ok &= m[i] == (uint8_t)(i * 13 + 1);
	CHECK("gntdev-reads-granted-pages", ok, "data differs");
	m[5] = 0xa5;
	m[PAGE + 7] = 0x5a;
	CHECK("gntdev-writes-reach-granter",
	      a.p[5] == 0xa5 && a.p[PAGE + 7] == 0x5a, "granter sees %#x %#x",
	      a.p[5], a.p[PAGE + 7]);

	/* Grant copies: grant -> local, local -> grant, and bad segments. */
	memset(buf, 0, sizeof(buf));
	seg[0] = (struct mica_gntdev_copy_segment){
		.local = (uint64_t)(uintptr_t)buf,
		.ref = a.refs[1],
		.domid = SELF,
		.offset = 100,
		.len = 200
	};
	seg[1] = (struct mica_gntdev_copy_segment){
		.local = (uint64_t)(uintptr_t)(buf + PAGE),
		.ref = a.refs[0],
		.domid = SELF,
		.offset = 1000,
		.len = 300,
		.flags = MICA_GNTDEV_COPY_TO_GRANT
	};
	seg[2] = (struct mica_gntdev_copy_segment){
		.local = (uint64_t)(uintptr_t)(buf + PAGE - 8),
		.ref = a.refs[0],
		.domid = SELF,
		.len = 16
	};
	memset(buf + PAGE, 0x77, 300);
	c.count = 3;
	rc = ioctl(dev_fd, MICA_GNTDEV_COPY, &c);
	ok = !rc && !seg[0].status;
	for (unsigned long i = 0; ok && i < 200; i++)
		ok &= buf[i] == (uint8_t)((PAGE + 100 + i) * 13 + 1);
	CHECK("gntdev-copy-from-grant", ok, "rc %ld, status %d", rc,
	      seg[0].status);
	ok = !rc && !seg[1].status;
	for (unsigned long i = 0; ok && i < 300; i++)
		ok &= a.p[1000 + i] == 0x77;
	CHECK("gntdev-copy-to-grant", ok, "rc %ld, status %d", rc,
	      seg[1].status);
	CHECK("gntdev-copy-local-crossing-page", seg[2].status == -EINVAL,
	      "status %d", seg[2].status);
	seg[0].ref = 0xfffff;
	seg[1].domid = 4000;
	seg[2] = seg[0];
	seg[2].ref = a.refs[0];
	seg[2].flags = 0x80;
	rc = ioctl(dev_fd, MICA_GNTDEV_COPY, &c);
	CHECK("gntdev-copy-errors",
	      !rc && seg[0].status == -ERANGE && seg[1].status == -ESRCH &&
		      seg[2].status == -EINVAL,
	      "rc %ld, status %d %d %d", rc, seg[0].status, seg[1].status,
	      seg[2].status);
	c.pad0 = 1;
	CHECK_ERRNO("gntdev-copy-padding", ioctl(dev_fd, MICA_GNTDEV_COPY, &c),
		    EINVAL);
	c.pad0 = 0;
	c.segs = 16;
	CHECK_ERRNO("gntdev-copy-bad-pointer",
		    ioctl(dev_fd, MICA_GNTDEV_COPY, &c), EFAULT);

	/* While mapped: no revoke, no second mmap, no forgetting. */
	CHECK_ERRNO("gntalloc-dealloc-busy-while-mapped", dealloc(&a), EBUSY);
	CHECK("gntalloc-busy-dealloc-keeps-grant",
	      m[1] == a.p[1] && (m[3] = 9, a.p[3] == 9),
	      "mapping broken after EBUSY");
	CHECK("gntdev-second-mmap-busy",
	      gmmap(dev_fd, off, 2, PROT_READ) == MAP_FAILED && errno == EBUSY,
	      "%s", strerror(errno));
	CHECK_ERRNO("gntdev-unmap-busy-while-mmapped", gunmap(dev_fd, off, 2),
		    EBUSY);
	CHECK_ERRNO("gntdev-mprotect-refused",
		    mprotect((void *)m, PAGE, PROT_READ), EINVAL);
	CHECK_ERRNO("gntdev-partial-munmap-refused",
		    munmap((void *)(m + PAGE), PAGE), EINVAL);
	CHECK("gntdev-mapping-intact", m[PAGE + 7] == 0x5a, "lost");

	/* munmap unmaps the grants: the revoke now succeeds. */
	CHECK("gntdev-munmap", munmap((void *)m, 2 * PAGE) == 0, "%s",
	      strerror(errno));
	CHECK("gntdev-munmap-twice-harmless", munmap((void *)m, 2 * PAGE) == 0,
	      "%s", strerror(errno));
	CHECK("gntdev-unmap", gunmap(dev_fd, off, 2) == 0, "%s",
	      strerror(errno));
	CHECK_ERRNO("gntdev-double-unmap", gunmap(dev_fd, off, 2), EINVAL);
	CHECK("gntalloc-dealloc-after-munmap", dealloc(&a) == 0, "%s",
	      strerror(errno));
	CHECK_ERRNO("gntalloc-double-dealloc", dealloc(&a), EINVAL);
	CHECK("gntalloc-pages-stay-mapped-after-dealloc", a.p[PAGE + 7] == 0x5a,
	      "%#x", a.p[PAGE + 7]);
	/* The revoked grants can no longer be mapped. */
	CHECK("gntdev-map-revoked-grant-refused",
	      map_errno(SELF, a.refs[0], 0, PROT_READ) == EACCES,
	      "mmap of a revoked grant: %s",
	      strerror(map_errno(SELF, a.refs[0], 0, PROT_READ)));
	munmap((void *)a.p, 2 * PAGE);
}

static void check_errors(void)
{
	struct area a, ro;
	uint32_t refs[2];
	long off;
	void *p;
	int e;

	if (alloc_area(&a, 1, 0) || alloc_area(&ro, 1, MICA_GNTDEV_READONLY)) {
		CHECK("gntdev-errors-setup", 0, "alloc: %s", strerror(errno));
		return;
	}
	e = map_errno(SELF, 0xfffff, 0, PROT_READ);
	CHECK("gntdev-bad-ref", e == ERANGE, "mmap: %s", strerror(e));
	e = map_errno(4000, a.refs[0], 0, PROT_READ);
	CHECK("gntdev-bad-domid", e == ESRCH, "mmap: %s", strerror(e));
	/* Ref 1 is reserved (toolstack), never granted by dom0's kernel. */
	e = map_errno(SELF, 1, 0, PROT_READ);
	CHECK("gntdev-ungranted-ref", e == EACCES, "mmap: %s", strerror(e));
	e = map_errno(SELF, ro.refs[0], 0, PROT_READ | PROT_WRITE);
	CHECK("gntdev-readonly-grant-not-writable", e == EACCES, "mmap: %s",
	      strerror(e));
	e = map_errno(SELF, ro.refs[0], 0, PROT_READ);
	CHECK("gntdev-readonly-grant-read-only", e == 0, "mmap: %s",
	      strerror(e));
	e = map_errno(SELF, a.refs[0], MICA_GNTDEV_READONLY,
		      PROT_READ | PROT_WRITE);
	CHECK("gntdev-readonly-map-not-writable", e == EACCES, "mmap: %s",
	      strerror(e));
	/* A failed mmap of two grants leaves the good one unmapped. */
	refs[0] = a.refs[0];
	refs[1] = 0xfffff;
	off = gmap(dev_fd, SELF, refs, 2, 0);
	p = gmmap(dev_fd, off, 2, PROT_READ);
	CHECK("gntdev-failed-mmap-maps-nothing",
	      p == MAP_FAILED && errno == ERANGE && dealloc(&a) == 0,
	      "mmap %p (%s), dealloc %s", p, strerror(errno), strerror(errno));
	refs[1] = a.refs[0];
	off = gmap(dev_fd, SELF, refs, 2, 0);
	CHECK("gntdev-mmap-wrong-size",
	      gmmap(dev_fd, off, 1, PROT_READ) == MAP_FAILED && errno == EINVAL,
	      "%s", strerror(errno));
	CHECK("gntdev-mmap-unknown-offset",
	      gmmap(dev_fd, off + 64 * PAGE, 2, PROT_READ) == MAP_FAILED &&
		      errno == EINVAL,
	      "%s", strerror(errno));
	CHECK("gntdev-mmap-private-refused",
	      mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, dev_fd, off) ==
			      MAP_FAILED &&
		      errno == EINVAL,
	      "%s", strerror(errno));
	CHECK_ERRNO("gntdev-map-count-0", gmap(dev_fd, SELF, refs, 0, 0),
		    EINVAL);
	CHECK_ERRNO("gntdev-map-count-too-big",
		    gmap(dev_fd, SELF, refs, MICA_GNTDEV_MAX_COUNT + 1, 0),
		    EINVAL);
	CHECK_ERRNO("gntdev-map-bad-flags", gmap(dev_fd, SELF, refs, 1, 2),
		    EINVAL);
	CHECK_ERRNO("gntdev-map-bad-refs-pointer",
		    gmap(dev_fd, SELF, (uint32_t *)16, 1, 0), EFAULT);
	CHECK_ERRNO("gntdev-unmap-unknown-offset",
		    gunmap(dev_fd, off + 64 * PAGE, 2), EINVAL);
	CHECK_ERRNO("gntdev-bad-ioctl", ioctl(dev_fd, _IO('G', 99), 0), ENOTTY);
	struct mica_gntalloc_alloc r = { .count = 0 };
	CHECK_ERRNO("gntalloc-alloc-count-0",
		    ioctl(alloc_fd, MICA_GNTALLOC_ALLOC, &r), EINVAL);
	r.count = 1;
	r.flags = 4;
	CHECK_ERRNO("gntalloc-alloc-bad-flags",
		    ioctl(alloc_fd, MICA_GNTALLOC_ALLOC, &r), EINVAL);
	CHECK_ERRNO("gntalloc-bad-ioctl", ioctl(alloc_fd, _IO('G', 99), 0),
		    ENOTTY);
	gunmap(dev_fd, off, 2);
	CHECK("gntalloc-dealloc-readonly", dealloc(&ro) == 0, "%s",
	      strerror(errno));
	munmap((void *)a.p, PAGE);
	munmap((void *)ro.p, PAGE);
}

/*
 * Linux refuses MADV_DONTNEED on the VM_PFNMAP mapping; mremap moves the
 * entries (the notifier unmaps the grants first), then the driver refuses
 * the move: the old range stays, without grants (SIGBUS).
 */
static void check_madvise_mremap(void)
{
	struct area a;
	volatile uint8_t *m;
	void *to;
	long off;

	if (alloc_area(&a, 1, 0))
		return;
	off = gmap(dev_fd, SELF, a.refs, 1, 0);
	m = gmmap(dev_fd, off, 1, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		CHECK("gntdev-madvise-mremap-setup", 0, "mmap: %s",
		      strerror(errno));
		return;
	}
	m[0] = 1;
	CHECK_ERRNO("gntdev-dontneed-refused",
		    madvise((void *)m, PAGE, MADV_DONTNEED), EINVAL);
	CHECK("gntdev-dontneed-mapping-intact", m[0] == 1 && a.p[0] == 1,
	      "%d %d", m[0], a.p[0]);
	to = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("gntdev-mremap-refused",
	      mremap((void *)m, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		     to) == MAP_FAILED &&
		      errno == EINVAL,
	      "%s", strerror(errno));
	CHECK("gntdev-mremap-unmapped-grants",
	      dealloc(&a) == 0 && touch(m) == SIGBUS,
	      "dealloc: %s, or no SIGBUS", strerror(errno));
	munmap(to, PAGE);
	munmap((void *)m, PAGE);
	gunmap(dev_fd, off, 1);
	munmap((void *)a.p, PAGE);
}

static void check_fork_and_exit(void)
{
	struct area a;
	volatile uint8_t *m;
	uint32_t many[MICA_GNTDEV_MAX_COUNT];
	long off;
	pid_t pid;
	int rc, round;

	if (alloc_area(&a, 1, 0))
		return;
	off = gmap(dev_fd, SELF, a.refs, 1, 0);
	m = gmmap(dev_fd, off, 1, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		CHECK("gntdev-fork-setup", 0, "mmap: %s", strerror(errno));
		return;
	}
	m[0] = 42;
	/* The child has no mapping there (VM_DONTCOPY). */
	pid = fork();
	if (!pid)
		_exit(touch(m) == SIGSEGV ? 0 : 1);
	rc = wait_child(pid);
	CHECK("gntdev-fork-child-has-no-mapping", rc == 0, "child status %d",
	      rc);
	CHECK("gntdev-fork-parent-keeps-mapping", m[0] == 42 && a.p[0] == 42,
	      "%d %d", m[0], a.p[0]);
	munmap((void *)m, PAGE);
	gunmap(dev_fd, off, 1);

	/* A child maps the grant on its own file and exits with it live. */
	pid = fork();
	if (!pid) {
		int fd = open(MICA_GNTDEV_DEVICE, O_RDWR);
		long o = gmap(fd, SELF, a.refs, 1, 0);
		volatile uint8_t *c = gmmap(fd, o, 1, PROT_READ | PROT_WRITE);

		if (c == MAP_FAILED)
			_exit(2);
		c[1] = 43;
		_exit(0);
	}
	rc = wait_child(pid);
	CHECK("gntdev-exit-unmaps-grants",
	      rc == 0 && a.p[1] == 43 && dealloc(&a) == 0,
	      "child status %d, byte %d, dealloc %s", rc, a.p[1],
	      strerror(errno));
	munmap((void *)a.p, PAGE);

	/* Killed with the mapping live (and the parent's gntdev file
	 * inherited, with nothing of its maps). */
	if (alloc_area(&a, 1, 0))
		return;
	pid = fork();
	if (!pid) {
		long o = gmap(dev_fd, SELF, a.refs, 1, 0);
		volatile uint8_t *c = gmmap(dev_fd, o, 1, PROT_READ);

		if (c == MAP_FAILED)
			_exit(2);
		kill(getpid(), SIGKILL);
		_exit(3);
	}
	rc = wait_child(pid);
	CHECK("gntdev-sigkill-unmaps-grants",
	      rc == 128 + SIGKILL && dealloc(&a) == 0,
	      "child status %d, dealloc %s", rc, strerror(errno));
	munmap((void *)a.p, PAGE);

	/* 9 children x 1024 mappings > dom0's 8192: only without leaks.
	 * First the control: one process cannot hold 9 x 1024. */
	if (alloc_area(&a, 1, 0))
		return;
	for (unsigned int i = 0; i < MICA_GNTDEV_MAX_COUNT; i++)
		many[i] = a.refs[0];
	pid = fork();
	if (!pid) {
		int fd = open(MICA_GNTDEV_DEVICE, O_RDWR);

		for (round = 0; round < 9; round++) {
			long o = gmap(fd, SELF, many, MICA_GNTDEV_MAX_COUNT, 0);

			if (gmmap(fd, o, MICA_GNTDEV_MAX_COUNT, PROT_READ) ==
			    MAP_FAILED)
				_exit(round == 8 && errno == ENOSPC ? 0 : 1);
		}
		_exit(2);
	}
	rc = wait_child(pid);
	CHECK("gntdev-maptrack-limit-reached", rc == 0,
	      "child status %d (0: the 9th 1024 failed with ENOSPC)", rc);
	for (round = 0; round < 9; round++) {
		pid = fork();
		if (!pid) {
			int fd = open(MICA_GNTDEV_DEVICE, O_RDWR);
			long o = gmap(fd, SELF, many, MICA_GNTDEV_MAX_COUNT, 0);
			volatile uint8_t *c =
				gmmap(fd, o, MICA_GNTDEV_MAX_COUNT, PROT_READ);

			if (c == MAP_FAILED) {
				printf("round %d: mmap: %s\n", round,
				       strerror(errno));
				_exit(2);
			}
			_exit(c[(MICA_GNTDEV_MAX_COUNT - 1) * PAGE] == 44 ? 0 :
									    4);
		}
		a.p[0] = 44;
		rc = wait_child(pid);
		if (rc)
			break;
	}
	CHECK("gntdev-no-maptrack-leak", rc == 0 && dealloc(&a) == 0,
	      "round %d: child status %d, dealloc %s", round, rc,
	      strerror(errno));
	munmap((void *)a.p, PAGE);
}

int main(void)
{
	alloc_fd = open(MICA_GNTALLOC_DEVICE, O_RDWR | O_CLOEXEC);
	dev_fd = open(MICA_GNTDEV_DEVICE, O_RDWR | O_CLOEXEC);
	CHECK("gntdev-open", alloc_fd >= 0 && dev_fd >= 0, "%s",
	      strerror(errno));
	if (alloc_fd < 0 || dev_fd < 0)
		return checks_done("gntdev_test");
	check_data();
	check_errors();
	check_madvise_mremap();
	check_fork_and_exit();
	close(dev_fd);
	close(alloc_fd);
	return checks_done("gntdev_test");
}
