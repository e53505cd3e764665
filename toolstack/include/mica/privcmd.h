/* SPDX-License-Identifier: MIT */
/*
 * privcmd.h - the ioctl interface of dom0's /dev/mica/privcmd, through
 * which the toolstack (running as root in dom0's user space) makes
 * privileged hypercalls and maps other domains' memory.  docs/privcmd.md
 * describes it for the Linux side; this header is meant to be copied as is
 * into the kernel's uapi headers.
 *
 * The device is a character device, mode 0600, root-owned.  Each open file
 * is independent.  Both ioctls return 0 or a positive result on success and
 * -1 with errno on failure, errno being the hypervisor's error (mica.h
 * -MICA_E* values equal Linux's), or EFAULT/EINVAL/ENOMEM for the
 * driver's own checks.
 */
#ifndef MICA_PRIVCMD_H
#define MICA_PRIVCMD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MICA_PRIVCMD_DEVICE "/dev/mica/privcmd"

/*
 * MICA_PRIVCMD_HYPERCALL: make hypercall `op` (mica.h MICA_HC_*) with up to
 * five arguments, exactly as the kernel itself would.  Argument buffers
 * (the gaddr arguments) are user-space addresses of the calling process;
 * the driver makes them reachable by the hypervisor for the duration of
 * the call (a PV kernel shares the user mappings, so it only checks
 * access_ok on them) and lets a preempted hypercall continue.
 *   Only MICA_HC_domctl, MICA_HC_sysctl, MICA_HC_sched_op
 *   (remote_shutdown), MICA_HC_memory_op, MICA_HC_event_channel_op and
 *   MICA_HC_version are passed; others fail with EPERM.
 *   Returns the hypercall's non-negative result; a negative result -E is
 *   returned as -1 with errno E.
 */
struct mica_privcmd_hypercall {
	__u64 op;
	__u64 arg[5];
};

/*
 * MICA_PRIVCMD_MAP_FOREIGN: map frames of another domain into a range the
 * caller obtained with
 *     mmap(NULL, count * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
 * on the device (the driver sets such a VMA up empty: VM_IO | VM_PFNMAP,
 * no fault handler; touching an unfilled page raises SIGBUS).
 *   IN  domid    the domain whose frames are mapped.
 *   IN  count    frames; [addr, addr + count * 4096) must lie in one such
 *                VMA.
 *   IN  addr     user address of the first page.
 *   IN  gfns     user pointer to count __u64 gfns.
 *   IN  errs     user pointer to count __s32, OUT: 0 or -errno per frame
 *                (domctl.h MICA_DOMCTL_map_foreign per-entry errors).
 *   IN  flags    MICA_FOREIGN_MAP_READONLY (domctl.h).
 *   The driver issues MICA_DOMCTL_map_foreign in batches of at most
 *   MICA_DOMCTL_MAP_FOREIGN_MAX.  Returns 0 if every frame was mapped,
 *   else the number of failed frames.
 * munmap() (or closing the last reference to the VMA) clears the entries,
 * which drops the hypervisor's references on the frames.
 */
struct mica_privcmd_map_foreign {
	__u16 domid;
	__u16 pad0;
	__u32 count;
	__u64 addr;
	__u64 gfns;
	__u64 errs;
	__u32 flags;
	__u32 pad1;
};

#define MICA_PRIVCMD_IOCTL_MAGIC 'M'
#define MICA_PRIVCMD_HYPERCALL \
	_IOWR(MICA_PRIVCMD_IOCTL_MAGIC, 0, struct mica_privcmd_hypercall)
#define MICA_PRIVCMD_MAP_FOREIGN \
	_IOWR(MICA_PRIVCMD_IOCTL_MAGIC, 1, struct mica_privcmd_map_foreign)

#endif
