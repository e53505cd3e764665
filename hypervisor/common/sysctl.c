/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_sysctl (public/sysctl.h): host-wide queries and settings for the
 * privileged domain, refused to others before the argument is read.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/lateness.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <public/sysctl.h>

static void physinfo(struct mica_sysctl_physinfo *pi)
{
	memset(pi, 0, sizeof(*pi));
	arch_physinfo(pi);
	pi->total_pages = page_alloc_total_frames();
	pi->free_pages = page_alloc_free_frames();
	/* Frames are zeroed when handed out, so none waits to be scrubbed;
	 * no low-memory event exists yet, hence no mark. */
	pi->scrub_pages = 0;
	pi->low_mem_pages = 0;
}

long do_sysctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct mica_sysctl op;
	long rc;

	(void)a2;
	(void)a3;
	(void)a4;
	(void)a5;
	if (!current_vcpu()->domain->privileged)
		return -EPERM;
	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != MICA_SYSCTL_INTERFACE_VERSION)
		return -EPROTO;
	switch (op.cmd) {
	case MICA_SYSCTL_physinfo:
		physinfo(&op.u.physinfo);
		rc = 0;
		break;
	case MICA_SYSCTL_settime:
		if (op.u.settime.pad0 || op.u.settime.nsec > 999999999u)
			rc = -EINVAL;
		else
			rc = arch_settime(op.u.settime.sec, op.u.settime.nsec,
					  op.u.settime.system_time);
		break;
	case MICA_SYSCTL_lateness:
		rc = lateness_probe(&op.u.lateness);
		break;
	default:
		rc = -ENOSYS;
		break;
	}
	if (copy_to_guest(arg, &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
