// SPDX-License-Identifier: MIT
/*
 * balloon_test: the Mica balloon driver (guest-linux-patches 0032) from
 * user space, in any domain: /sys/kernel/mica_balloon/target_kb shrinks
 * the domain by SHRINK_MIB and grows it back; the hypervisor's count of
 * the domain's pages (current_kb, MICA_MEMOP_current_reservation) follows
 * the target, the kernel's MemTotal drops and comes back by exactly as
 * much, MemFree by about as much; then all free memory is touched.  Bad
 * targets (above max_kb, above ceiling_kb, below floor_kb, not a page
 * multiple, not a number) are refused and change nothing.
 *
 * In dom0 (/dev/mica/privcmd present) it first waits until every other
 * domain is gone, so that the hypervisor's free memory moves only by what
 * this domain gives and takes: it must rise and fall by exactly the
 * ballooned pages, and MICA_DOMCTL_get_info must report the same
 * nr_pages as current_kb; with dom0's maximum raised above what it has
 * (MICA_DOMCTL_set_max_mem), a target in between is refused (no hot-add).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mica/privcmd.h>

#include "public/domctl.h"
#include "public/sysctl.h"

#include "check.h"

#define SYS "/sys/kernel/mica_balloon/"
#define SHRINK_MIB 16
#define SHRINK_KB (SHRINK_MIB * 1024L)

static int privcmd = -1;

static long sys_read(const char *name)
{
	char buf[64];
	long v = -1;
	int fd = open(name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		v = strtol(buf, NULL, 10);
	}
	close(fd);
	return v;
}

/* Writes a target; returns 0 or -1 with errno. */
static int set_target(const char *text)
{
	int fd = open(SYS "target_kb", O_WRONLY), e;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int set_target_kb(long kb)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", kb);
	return set_target(buf);
}

static long meminfo(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) &&
		    line[strlen(key)] == ':') {
			v = strtol(line + strlen(key) + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static long hcall(uint64_t op, uint64_t a0)
{
	struct mica_privcmd_hypercall c = { .op = op, .arg = { a0 } };

	return ioctl(privcmd, MICA_PRIVCMD_HYPERCALL, &c);
}

static long free_pages(void)
{
	struct mica_sysctl s = { .cmd = MICA_SYSCTL_physinfo,
				 .interface_version =
					 MICA_SYSCTL_INTERFACE_VERSION };

	if (hcall(MICA_HC_sysctl, (uint64_t)(uintptr_t)&s))
		return -1;
	return s.u.physinfo.free_pages;
}

/* The domain's nr_pages by MICA_DOMCTL_get_info, -1 if it is gone. */
static long domain_pages(uint16_t domid)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_get_info,
				 .interface_version =
					 MICA_DOMCTL_INTERFACE_VERSION,
				 .domid = domid };

	if (hcall(MICA_HC_domctl, (uint64_t)(uintptr_t)&d))
		return -1;
	return d.u.info.nr_pages;
}

/* dom0: waits (up to 10 minutes) until dom0 is the only domain. */
static int wait_alone(void)
{
	for (int i = 0; i < 600; i++) {
		struct mica_domctl_domain_info info[2];
		struct mica_domctl d = {
			.cmd = MICA_DOMCTL_list,
			.interface_version = MICA_DOMCTL_INTERFACE_VERSION,
			.u.list = { .first_domid = 1,
				    .max_entries = 2,
				    .buffer_gaddr = (uint64_t)(uintptr_t)info },
		};

		if (hcall(MICA_HC_domctl, (uint64_t)(uintptr_t)&d))
			return -1;
		if (d.u.list.nr_entries == 0)
			return 0;
		sleep(1);
	}
	return -1;
}

/* Touches n bytes of fresh anonymous memory, checks them; 0 if intact. */
static int touch(size_t n)
{
	unsigned long *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1,
				0);
	size_t words = n / sizeof(*p), bad = 0;

	if (p == MAP_FAILED)
		return -1;
	for (size_t i = 0; i < words; i += 512)
		p[i] = i * 2654435761UL;
	for (size_t i = 0; i < words; i += 512)
		bad += p[i] != i * 2654435761UL;
	munmap(p, n);
	return bad ? -1 : 0;
}

static long set_max_pages(uint64_t pages)
{
	struct mica_domctl d = { .cmd = MICA_DOMCTL_set_max_mem,
				 .interface_version =
					 MICA_DOMCTL_INTERFACE_VERSION,
				 .domid = 0,
				 .u.set_max_mem.max_pages = pages };

	return hcall(MICA_HC_domctl, (uint64_t)(uintptr_t)&d);
}

/*
 * dom0: with its maximum raised above what it has, a target in between is
 * still refused: the balloon gives back only pages it took (no hot-add).
 */
static void check_ceiling(long cur)
{
	long max = sys_read(SYS "max_kb");

	CHECK("balloon-raise-max",
	      set_max_pages((max + 8192) / 4) == 0 &&
		      sys_read(SYS "max_kb") == max + 8192 &&
		      sys_read(SYS "ceiling_kb") == cur,
	      "max %ld KiB, ceiling %ld KiB", sys_read(SYS "max_kb"),
	      sys_read(SYS "ceiling_kb"));
	CHECK_ERRNO("balloon-above-ceiling", set_target_kb(cur + 4096), ERANGE);
	CHECK("balloon-restore-max",
	      set_max_pages(max / 4) == 0 && sys_read(SYS "max_kb") == max,
	      "max %ld KiB, want %ld", sys_read(SYS "max_kb"), max);
}

static void check_bad_targets(long cur)
{
	long max = sys_read(SYS "max_kb"), ceil = sys_read(SYS "ceiling_kb");
	long floor = sys_read(SYS "floor_kb");

	CHECK("balloon-bounds",
	      max >= cur && ceil >= cur && floor > 0 && floor < cur - SHRINK_KB,
	      "max %ld ceiling %ld floor %ld current %ld KiB", max, ceil, floor,
	      cur);
	CHECK_ERRNO("balloon-above-max", set_target_kb(max + 4096), ERANGE);
	if (ceil < max)
		CHECK_ERRNO("balloon-above-ceiling", set_target_kb(ceil + 4),
			    ERANGE);
	CHECK_ERRNO("balloon-below-floor", set_target_kb(floor - 4), ERANGE);
	CHECK_ERRNO("balloon-zero", set_target_kb(0), ERANGE);
	CHECK_ERRNO("balloon-unaligned", set_target_kb(cur - 1), EINVAL);
	CHECK_ERRNO("balloon-not-a-number", set_target("lots\n"), EINVAL);
	CHECK("balloon-bad-unchanged",
	      sys_read(SYS "current_kb") == cur &&
		      sys_read(SYS "ballooned_kb") == 0,
	      "current %ld KiB (was %ld), ballooned %ld KiB",
	      sys_read(SYS "current_kb"), cur, sys_read(SYS "ballooned_kb"));
}

int main(void)
{
	long cur0, total0, free0, hvfree0 = -1, cur1, total1, free1;
	long hvfree1, avail, squeeze_kb;
	int rc, e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	cur0 = sys_read(SYS "current_kb");
	CHECK("balloon-sysfs", cur0 > 0, "no " SYS "current_kb");
	if (cur0 <= 0)
		return checks_done("balloon_test");
	privcmd = open(MICA_PRIVCMD_DEVICE, O_RDWR);
	if (privcmd >= 0)
		CHECK("balloon-alone", wait_alone() == 0,
		      "other domains still there");
	check_bad_targets(cur0);
	if (privcmd >= 0)
		check_ceiling(cur0);

	/* Shrink. */
	if (privcmd >= 0)
		hvfree0 = free_pages();
	total0 = meminfo("MemTotal");
	free0 = meminfo("MemFree");
	CHECK("balloon-shrink", set_target_kb(cur0 - SHRINK_KB) == 0,
	      "target %ld KiB: %s", cur0 - SHRINK_KB, strerror(errno));
	cur1 = sys_read(SYS "current_kb");
	total1 = meminfo("MemTotal");
	free1 = meminfo("MemFree");
	printf("balloon: shrunk: current %ld -> %ld KiB, MemTotal %ld -> %ld "
	       "KiB, MemFree %ld -> %ld KiB\n",
	       cur0, cur1, total0, total1, free0, free1);
	CHECK("balloon-shrink-hypervisor", cur1 == cur0 - SHRINK_KB,
	      "current %ld KiB, want %ld", cur1, cur0 - SHRINK_KB);
	CHECK("balloon-shrink-target",
	      sys_read(SYS "target_kb") == cur0 - SHRINK_KB &&
		      sys_read(SYS "ballooned_kb") == SHRINK_KB,
	      "target %ld ballooned %ld KiB", sys_read(SYS "target_kb"),
	      sys_read(SYS "ballooned_kb"));
	CHECK("balloon-shrink-memtotal", total1 == total0 - SHRINK_KB,
	      "MemTotal %ld -> %ld KiB", total0, total1);
	CHECK("balloon-shrink-memfree",
	      free1 < free0 - SHRINK_KB + 2048 &&
		      free1 > free0 - SHRINK_KB - 2048,
	      "MemFree %ld -> %ld KiB", free0, free1);
	if (privcmd >= 0) {
		hvfree1 = free_pages();
		CHECK("balloon-shrink-hv-free",
		      hvfree1 - hvfree0 == SHRINK_KB / 4,
		      "free pages %ld -> %ld, want +%ld", hvfree0, hvfree1,
		      SHRINK_KB / 4);
		CHECK("balloon-shrink-domain-info", domain_pages(0) * 4 == cur1,
		      "get_info %ld pages", domain_pages(0));
	}
	CHECK("balloon-shrunk-touch", touch((size_t)(free1 - 12288) << 10) == 0,
	      "could not use %ld KiB", free1 - 12288);
	CHECK_ERRNO("balloon-shrunk-below-floor",
		    set_target_kb(sys_read(SYS "floor_kb") - 4), ERANGE);

	/* Grow back. */
	CHECK("balloon-grow", set_target_kb(cur0) == 0, "target %ld KiB: %s",
	      cur0, strerror(errno));
	CHECK("balloon-grow-hypervisor",
	      sys_read(SYS "current_kb") == cur0 &&
		      sys_read(SYS "ballooned_kb") == 0,
	      "current %ld ballooned %ld KiB", sys_read(SYS "current_kb"),
	      sys_read(SYS "ballooned_kb"));
	CHECK("balloon-grow-memtotal", meminfo("MemTotal") == total0,
	      "MemTotal %ld KiB, want %ld", meminfo("MemTotal"), total0);
	if (privcmd >= 0)
		CHECK("balloon-grow-hv-free", free_pages() == hvfree0,
		      "free pages %ld, want %ld", free_pages(), hvfree0);
	CHECK_ERRNO("balloon-grown-above-ceiling",
		    set_target_kb(sys_read(SYS "ceiling_kb") + 4), ERANGE);
	/*
	 * Squeeze: down to the floor, which the unreclaimable initramfs may
	 * not let it reach (then -ENOMEM, the progress made kept), and back.
	 */
	squeeze_kb = sys_read(SYS "floor_kb");
	rc = set_target_kb(squeeze_kb);
	e = errno;
	cur1 = sys_read(SYS "current_kb");
	total1 = meminfo("MemTotal");
	printf("balloon: squeezed: target %ld KiB: %s, current %ld KiB, "
	       "MemTotal %ld KiB\n",
	       squeeze_kb, rc ? strerror(e) : "reached", cur1, total1);
	CHECK("balloon-squeeze",
	      (rc == 0 && cur1 == squeeze_kb) ||
		      (rc == -1 && e == ENOMEM && cur1 >= squeeze_kb &&
		       cur1 < cur0),
	      "target %ld KiB: %s, current %ld KiB", squeeze_kb,
	      rc ? strerror(e) : "reached", cur1);
	CHECK("balloon-squeeze-memtotal",
	      total1 == total0 - (cur0 - cur1) &&
		      sys_read(SYS "ballooned_kb") == cur0 - cur1,
	      "MemTotal %ld KiB, want %ld; ballooned %ld KiB", total1,
	      total0 - (cur0 - cur1), sys_read(SYS "ballooned_kb"));
	CHECK("balloon-unsqueeze",
	      set_target_kb(cur0) == 0 && sys_read(SYS "current_kb") == cur0 &&
		      meminfo("MemTotal") == total0,
	      "current %ld KiB, MemTotal %ld KiB: %s",
	      sys_read(SYS "current_kb"), meminfo("MemTotal"), strerror(errno));
	if (privcmd >= 0)
		CHECK("balloon-unsqueeze-hv-free", free_pages() == hvfree0,
		      "free pages %ld, want %ld", free_pages(), hvfree0);
	/* Every free page, the ones just given back among them. */
	avail = meminfo("MemFree");
	CHECK("balloon-grown-touch", touch((size_t)(avail - 12288) << 10) == 0,
	      "could not use %ld KiB", avail - 12288);
	return checks_done("balloon_test");
}
