// SPDX-License-Identifier: MIT
/*
 * The simulated hypervisor (toolstack/lib/hv_sim.c): every rule it
 * enforces, as domctl.h, sched.h and memory.h state them, and two
 * processes sharing one simulated host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mica/error.h>
#include <mica/hv.h>

#include "harness.h"
#include "public/sched.h"

#define PAGES 4096 /* a small host: 16 MiB */

static struct mica_hv *open_host(const char *dir)
{
	struct mica_hv *hv = NULL;
	struct mica_error err;

	if (mica_hv_open_sim(dir, PAGES, &hv, &err))
		printf("open_sim: %s\n", err.message);
	return hv;
}

static int create(struct mica_hv *hv, uint16_t want, uint64_t max_pages,
		  uint16_t *domid)
{
	struct mica_hv_create a = { .domid = want,
				    .max_vcpus = 2,
				    .max_pages = max_pages };

	return hv->ops->create(hv, &a, domid);
}

static uint64_t free_pages(struct mica_hv *hv)
{
	struct mica_sysctl_physinfo p;

	return hv->ops->physinfo(hv, &p) ? 0 : p.free_pages;
}

static void test_domain_ids(void)
{
	struct mica_hv *hv = open_host(test_tmpdir());
	struct mica_domctl_domain_info info;
	struct mica_hv_create a = { .domid = MICA_DOMID_ANY, .max_vcpus = 1 };
	uint16_t d1, d2, d3, d;

	CHECK(hv);
	CHECK_STR(hv->ops->name, "sim");
	/* dom0 exists from the start, privileged, running. */
	CHECK_INT(hv->ops->get_info(hv, 0, &info), 0);
	CHECK(info.flags & MICA_DOMINFO_PRIVILEGED);
	CHECK(info.flags & MICA_DOMINFO_RUNNING);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &d1), 0);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &d2), 0);
	CHECK_INT(d1, 1);
	CHECK_INT(d2, 2);
	/* An explicit id; in use; reserved; zero. */
	CHECK_INT(create(hv, 7, 16, &d3), 0);
	CHECK_INT(d3, 7);
	CHECK_INT(create(hv, 7, 16, &d), -EEXIST);
	CHECK_INT(create(hv, 0, 16, &d), -EINVAL);
	CHECK_INT(create(hv, MICA_DOMID_FIRST_RESERVED, 16, &d), -EINVAL);
	CHECK_INT(create(hv, MICA_DOMID_FIRST_RESERVED - 1, 16, &d), -EINVAL);
	/* Freed ids are not handed out again at once (round robin). */
	CHECK_INT(hv->ops->destroy(hv, d1), 0);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &d), 0);
	CHECK_INT(d, 3);
	CHECK_INT(hv->ops->get_info(hv, d1, &info), -ESRCH);
	CHECK_INT(hv->ops->destroy(hv, d1), -ESRCH);
	CHECK_INT(hv->ops->pause(hv, 999), -ESRCH);
	CHECK_INT(hv->ops->get_info(hv, MICA_DOMID_INVALID, &info), -ESRCH);
	/* Flags and vcpus. */
	a.flags = 0x80;
	CHECK_INT(hv->ops->create(hv, &a, &d), -EINVAL);
	a.flags = MICA_DOMCTL_CREATE_HVM;
	CHECK_INT(hv->ops->create(hv, &a, &d), -ENODEV);
	a.flags = 0;
	a.max_vcpus = 0;
	CHECK_INT(hv->ops->create(hv, &a, &d), -EINVAL);
	a.max_vcpus = MICA_DOMCTL_MAX_VCPUS + 1;
	CHECK_INT(hv->ops->create(hv, &a, &d), -EINVAL);
	mica_hv_close(hv);
}

static void test_list_in_batches(void)
{
	struct mica_hv *hv = open_host(test_tmpdir());
	struct mica_domctl_domain_info buf[2];
	uint32_t nr;
	uint16_t next, d;
	int i;

	CHECK(hv);
	for (i = 0; i < 4; i++)
		CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &d), 0);
	CHECK_INT(hv->ops->list(hv, 0, buf, 2, &nr, &next), 0);
	CHECK_INT(nr, 2);
	CHECK_INT(buf[0].domid, 0);
	CHECK_INT(buf[1].domid, 1);
	CHECK_INT(next, 2);
	CHECK_INT(hv->ops->list(hv, next, buf, 2, &nr, &next), 0);
	CHECK_INT(nr, 2);
	CHECK_INT(buf[1].domid, 3);
	CHECK_INT(next, 4);
	CHECK_INT(hv->ops->list(hv, next, buf, 2, &nr, &next), 0);
	CHECK_INT(nr, 1);
	CHECK_INT(next, MICA_DOMID_INVALID);
	mica_hv_close(hv);
}

static void test_nested_pauses(void)
{
	struct mica_hv *hv = open_host(test_tmpdir());
	struct mica_domctl_domain_info info;
	uint16_t d;

	CHECK(hv);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &d), 0);
	/* Born paused once. */
	CHECK_INT(hv->ops->get_info(hv, d, &info), 0);
	CHECK(info.flags & MICA_DOMINFO_PAUSED);
	CHECK_INT(hv->ops->pause(hv, d), 0);
	CHECK_INT(hv->ops->unpause(hv, d), 0);
	CHECK_INT(hv->ops->get_info(hv, d, &info), 0);
	CHECK_MSG(info.flags & MICA_DOMINFO_PAUSED, "one unpause of two");
	CHECK_INT(hv->ops->unpause(hv, d), 0);
	CHECK_INT(hv->ops->get_info(hv, d, &info), 0);
	CHECK(!(info.flags & MICA_DOMINFO_PAUSED));
	CHECK(info.flags & MICA_DOMINFO_BLOCKED);
	CHECK_INT(hv->ops->unpause(hv, d), -EINVAL);
	mica_hv_close(hv);
}

static void test_dom0_is_protected(void)
{
	struct mica_hv *hv = open_host(test_tmpdir());
	uint64_t gfn = 0;
	int err, ret;

	CHECK(hv);
	CHECK_INT(hv->ops->destroy(hv, 0), -EPERM);
	CHECK_INT(hv->ops->pause(hv, 0), -EPERM);
	CHECK_INT(hv->ops->unpause(hv, 0), -EPERM);
	CHECK_INT(hv->ops->shutdown(hv, 0, MICA_SHUTDOWN_poweroff), -EPERM);
	CHECK_INT(mica_hv_sim_guest_shutdown(hv, 0, MICA_SHUTDOWN_poweroff),
		  -EPERM);
	CHECK(!hv->ops->map_foreign(hv, 0, &gfn, 1, 1, &err, &ret));
	CHECK_INT(ret, -EPERM);
	mica_hv_close(hv);
}

static void test_populate_memory_limit(void)
{
	struct mica_hv *hv = open_host(test_tmpdir());
	struct mica_domctl_domain_info info;
	uint64_t frames[8] = { 0 }, before = free_pages(hv);
	uint16_t d, e;
	int i;

	CHECK(hv);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 5, &d), 0);
	/* The shared-info frame is the hypervisor's. */
	CHECK_INT(free_pages(hv), before - 1);
	/* Five pages allowed: the sixth extent is refused. */
	CHECK_INT(hv->ops->populate(hv, d, frames, 8, 0), 5);
	CHECK_INT(hv->ops->get_info(hv, d, &info), 0);
	CHECK_INT(info.nr_pages, 5);
	for (i = 1; i < 5; i++)
		CHECK(frames[i] != frames[0]);
	/* Raising the limit allows an aligned, contiguous extent. */
	CHECK_INT(hv->ops->set_max_mem(hv, d, 5 + 16), 0);
	CHECK_INT(hv->ops->populate(hv, d, frames, 1, 4), 1);
	CHECK_INT(frames[0] % 16, 0);
	CHECK_INT(hv->ops->populate(hv, d, frames, 1, 1), 0);
	/* Lowering it takes nothing away. */
	CHECK_INT(hv->ops->set_max_mem(hv, d, 1), 0);
	CHECK_INT(hv->ops->get_info(hv, d, &info), 0);
	CHECK_INT(info.nr_pages, 21);
	CHECK_INT(hv->ops->populate(hv, d, frames, 1,
				    MICA_MEMOP_MAX_ORDER_PRIVILEGED + 1),
		  -EINVAL);
	CHECK_INT(hv->ops->populate(hv, 999, frames, 1, 0), -ESRCH);
	/* The host runs out: a domain allowed more than there is. */
	CHECK_INT(create(hv, MICA_DOMID_ANY, PAGES * 2, &e), 0);
	CHECK_INT(hv->ops->populate(hv, e, frames, 1, 12), 0);
	CHECK_INT(free_pages(hv), before - 2 - 21);
	/* Destroy gives everything back. */
	CHECK_INT(hv->ops->destroy(hv, d), 0);
	CHECK_INT(hv->ops->destroy(hv, e), 0);
	CHECK_INT(free_pages(hv), before);
	mica_hv_close(hv);
}

static void test_foreign_mappings_need_ownership(void)
{
	struct mica_hv *hv = open_host(test_tmpdir());
	uint64_t mine[2], theirs, gfns[4];
	int errs[4], ret;
	uint8_t *p, *q;
	uint16_t d, e;

	CHECK(hv);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &d), 0);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &e), 0);
	CHECK_INT(hv->ops->populate(hv, d, mine, 2, 0), 2);
	CHECK_INT(hv->ops->populate(hv, e, &theirs, 1, 0), 1);
	/* Another domain's frame, a free frame and one past the end fail
	 * one by one; the owned frame maps. */
	gfns[0] = mine[0];
	gfns[1] = theirs;
	gfns[2] = PAGES - 1;
	gfns[3] = PAGES + 5;
	p = hv->ops->map_foreign(hv, d, gfns, 4, 1, errs, &ret);
	CHECK(p);
	CHECK_INT(ret, 3);
	CHECK_INT(errs[0], 0);
	CHECK_INT(errs[1], -EINVAL);
	CHECK_INT(errs[2], -EINVAL);
	CHECK_INT(errs[3], -EINVAL);
	/* Two mappings of one frame see the same memory. */
	q = hv->ops->map_foreign(hv, d, mine, 1, 0, errs, &ret);
	CHECK(q);
	CHECK_INT(ret, 0);
	p[100] = 0x5a;
	CHECK_INT(q[100], 0x5a);
	hv->ops->unmap_foreign(hv, q, 1);
	CHECK(!hv->ops->map_foreign(hv, d, mine, 0, 1, errs, &ret));
	CHECK_INT(ret, -EINVAL);
	CHECK(!hv->ops->map_foreign(hv, 999, mine, 1, 1, errs, &ret));
	CHECK_INT(ret, -ESRCH);
	/* Destroy zeroes the frames: the old mapping now reads zero, and
	 * the domain's frames are no longer mappable. */
	CHECK_INT(hv->ops->destroy(hv, d), 0);
	CHECK_INT(p[100], 0);
	hv->ops->unmap_foreign(hv, p, 4);
	CHECK(!hv->ops->map_foreign(hv, d, mine, 1, 1, errs, &ret));
	CHECK_INT(ret, -ESRCH);
	CHECK(!hv->ops->map_foreign(hv, e, mine, 1, 1, errs, &ret) ||
	      errs[0] == -EINVAL);
	mica_hv_close(hv);
}

static void test_frames_zeroed_for_the_next_owner(void)
{
	const char *dir = test_tmpdir();
	struct mica_hv *hv = open_host(dir);
	char path[4200];
	uint64_t frames[64];
	uint8_t byte = 0;
	uint16_t d;
	int fd, i, errs[64], ret;
	uint8_t *p;

	CHECK(hv);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 64, &d), 0);
	CHECK_INT(hv->ops->populate(hv, d, frames, 64, 0), 64);
	p = hv->ops->map_foreign(hv, d, frames, 64, 1, errs, &ret);
	CHECK(p && !ret);
	memset(p, 0xee, 64 * MICA_PAGE_SIZE);
	hv->ops->unmap_foreign(hv, p, 64);
	CHECK_INT(hv->ops->destroy(hv, d), 0);
	snprintf(path, sizeof(path), "%s/memory", dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	for (i = 0; i < 64; i++) {
		ret = (int)pread(fd, &byte, 1,
				 (off_t)(frames[i] * MICA_PAGE_SIZE + 77));
		if (ret != 1 || byte)
			break;
	}
	close(fd);
	CHECK_MSG(i == 64, "frame %d reads %#x after destroy", i, byte);
	mica_hv_close(hv);
}

static void test_vcpu_context_only_while_paused(void)
{
	struct mica_hv *hv = open_host(test_tmpdir());
	static struct mica_vcpu_guest_context ctx;
	uint64_t l4, other;
	uint16_t d, e;
	int i;

	CHECK(hv);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &d), 0);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &e), 0);
	CHECK_INT(hv->ops->populate(hv, d, &l4, 1, 0), 1);
	CHECK_INT(hv->ops->populate(hv, e, &other, 1, 0), 1);
	ctx.flags = MICA_VGCF_IN_KERNEL;
	for (i = 0; i < 256; i++)
		ctx.trap_table[i].vector = (uint8_t)i;
	ctx.kernel_pt_base_gfn = l4;
	CHECK_INT(hv->ops->set_vcpu_context(hv, d, 2, &ctx), -ENOENT);
	CHECK_INT(hv->ops->set_vcpu_context(hv, 999, 0, &ctx), -ESRCH);
	ctx.pad0 = 1;
	CHECK_INT(hv->ops->set_vcpu_context(hv, d, 0, &ctx), -EINVAL);
	ctx.pad0 = 0;
	ctx.trap_table[3].vector = 4;
	CHECK_INT(hv->ops->set_vcpu_context(hv, d, 0, &ctx), -EINVAL);
	ctx.trap_table[3].vector = 3;
	ctx.kernel_pt_base_gfn = other; /* not the domain's own frame */
	CHECK_INT(hv->ops->set_vcpu_context(hv, d, 0, &ctx), -EINVAL);
	ctx.kernel_pt_base_gfn = l4;
	CHECK_INT(hv->ops->set_vcpu_context(hv, d, 0, &ctx), 0);
	CHECK_INT(hv->ops->set_vcpu_context(hv, d, 1, &ctx), 0);
	CHECK_INT(hv->ops->unpause(hv, d), 0);
	CHECK_INT(hv->ops->set_vcpu_context(hv, d, 0, &ctx), -EBUSY);
	mica_hv_close(hv);
}

static void test_params(void)
{
	struct mica_hv *hv = open_host(test_tmpdir());
	uint64_t v = 1;
	uint16_t d;

	CHECK(hv);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &d), 0);
	CHECK_INT(hv->ops->get_param(hv, d, MICA_DOMPARAM_CONSOLE_PFN, &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(hv->ops->set_param(hv, d, MICA_DOMPARAM_CONSOLE_PFN, 42), 0);
	CHECK_INT(hv->ops->get_param(hv, d, MICA_DOMPARAM_CONSOLE_PFN, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(hv->ops->set_param(hv, d, MICA_DOMPARAM_NR, 1), -EINVAL);
	CHECK_INT(hv->ops->get_param(hv, d, MICA_DOMPARAM_NR, &v), -EINVAL);
	CHECK_INT(hv->ops->get_param(hv, 999, 0, &v), -ESRCH);
	mica_hv_close(hv);
}

static void test_shutdown_states(void)
{
	struct mica_hv *hv = open_host(test_tmpdir());
	struct mica_domctl_domain_info info;
	uint16_t d, e;

	CHECK(hv);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &d), 0);
	CHECK_INT(create(hv, MICA_DOMID_ANY, 16, &e), 0);
	/* Remote: no suspend, no unknown reason; once only. */
	CHECK_INT(hv->ops->shutdown(hv, d, MICA_SHUTDOWN_suspend), -EINVAL);
	CHECK_INT(hv->ops->shutdown(hv, d, MICA_SHUTDOWN_watchdog + 1),
		  -EINVAL);
	CHECK_INT(hv->ops->shutdown(hv, d, MICA_SHUTDOWN_reboot), 0);
	CHECK_INT(hv->ops->shutdown(hv, d, MICA_SHUTDOWN_poweroff), -EALREADY);
	CHECK_INT(hv->ops->get_info(hv, d, &info), 0);
	CHECK(info.flags & MICA_DOMINFO_SHUTDOWN);
	CHECK_INT(info.shutdown_reason, MICA_SHUTDOWN_reboot);
	CHECK_STR(mica_hv_state_name(info.flags), "shutdown");
	CHECK_INT(info.nr_online_vcpus, 0);
	/* From inside: the guest must be running; any reason, once. */
	CHECK_INT(mica_hv_sim_guest_shutdown(hv, e, MICA_SHUTDOWN_crash),
		  -EBUSY);
	CHECK_INT(hv->ops->unpause(hv, e), 0);
	CHECK_INT(mica_hv_sim_guest_shutdown(hv, e, 99), -EINVAL);
	CHECK_INT(mica_hv_sim_guest_shutdown(hv, e, MICA_SHUTDOWN_suspend), 0);
	CHECK_INT(mica_hv_sim_guest_shutdown(hv, e, MICA_SHUTDOWN_crash),
		  -EALREADY);
	CHECK_INT(hv->ops->shutdown(hv, e, MICA_SHUTDOWN_crash), -EALREADY);
	CHECK_INT(hv->ops->get_info(hv, e, &info), 0);
	CHECK_INT(info.shutdown_reason, MICA_SHUTDOWN_suspend);
	CHECK_INT(mica_hv_sim_guest_shutdown(hv, 999, 0), -ESRCH);
	/* A shut-down domain is still destroyed normally. */
	CHECK_INT(hv->ops->destroy(hv, e), 0);
	mica_hv_close(hv);
}

static void test_open_rejects_bad_hosts(void)
{
	const char *dir = test_tmpdir();
	struct mica_hv *hv = NULL;
	struct mica_error err;
	char path[4200], other[4200];
	FILE *f;

	CHECK_INT(mica_hv_open_sim(dir, 10, &hv, &err), -EINVAL);
	CHECK(strstr(err.message, "out of range"));
	snprintf(path, sizeof(path), "%s/host", dir);
	f = fopen(path, "w");
	CHECK(f);
	fputs("not a host at all", f);
	fclose(f);
	CHECK_INT(mica_hv_open_sim(dir, PAGES, &hv, &err), -EINVAL);
	CHECK(strstr(err.message, "is not a simulated host"));
	/* An existing host keeps its size whatever the caller asks. */
	snprintf(other, sizeof(other), "%s/other", dir);
	hv = open_host(other);
	CHECK(hv);
	mica_hv_close(hv);
	CHECK_INT(mica_hv_open_sim(other, PAGES * 4, &hv, &err), 0);
	CHECK_INT(free_pages(hv), PAGES);
	mica_hv_close(hv);
}

/* Child: creates, populates, writes and destroys domains in a loop. */
static int churn(const char *dir, int rounds, uint8_t tag)
{
	struct mica_hv *hv;
	struct mica_error err;
	uint64_t frames[4];
	int r, errs[4], ret;
	uint16_t d;
	uint8_t *p;

	if (mica_hv_open_sim(dir, 0, &hv, &err))
		return 10;
	for (r = 0; r < rounds; r++) {
		if (create(hv, MICA_DOMID_ANY, 4, &d))
			return 11;
		if (hv->ops->populate(hv, d, frames, 4, 0) != 4)
			return 12;
		p = hv->ops->map_foreign(hv, d, frames, 4, 1, errs, &ret);
		if (!p || ret)
			return 13;
		/* Nobody else may see or touch these frames. */
		if (p[0] || p[3 * MICA_PAGE_SIZE + 1])
			return 14;
		memset(p, tag, 4 * MICA_PAGE_SIZE);
		if (p[MICA_PAGE_SIZE * 2] != tag)
			return 15;
		hv->ops->unmap_foreign(hv, p, 4);
		if (hv->ops->destroy(hv, d))
			return 16;
	}
	mica_hv_close(hv);
	return 0;
}

static void test_two_processes_share_one_host(void)
{
	const char *dir = test_tmpdir();
	struct mica_hv *hv = open_host(dir);
	struct mica_domctl_domain_info buf[8];
	uint64_t before;
	uint32_t nr;
	uint16_t next;
	pid_t pids[2];
	int i, status;

	CHECK(hv);
	before = free_pages(hv);
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		if (!pids[i])
			_exit(churn(dir, 150, (uint8_t)(0xa0 + i)));
	}
	for (i = 0; i < 2; i++) {
		CHECK(waitpid(pids[i], &status, 0) == pids[i]);
		CHECK_MSG(WIFEXITED(status) && !WEXITSTATUS(status),
			  "child %d: status %#x", i, status);
	}
	/* Both saw one consistent host: nothing leaked. */
	CHECK_INT(free_pages(hv), before);
	CHECK_INT(hv->ops->list(hv, 0, buf, 8, &nr, &next), 0);
	CHECK_INT(nr, 1);
	mica_hv_close(hv);
}

int main(void)
{
	RUN(test_domain_ids);
	RUN(test_list_in_batches);
	RUN(test_nested_pauses);
	RUN(test_dom0_is_protected);
	RUN(test_populate_memory_limit);
	RUN(test_foreign_mappings_need_ownership);
	RUN(test_frames_zeroed_for_the_next_owner);
	RUN(test_vcpu_context_only_while_paused);
	RUN(test_params);
	RUN(test_shutdown_states);
	RUN(test_open_rejects_bad_hosts);
	RUN(test_two_processes_share_one_host);
	return test_exit_code();
}
