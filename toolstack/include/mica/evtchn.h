/* SPDX-License-Identifier: MIT */
/*
 * evtchn.h - the interface of dom0's /dev/mica/evtchn, through which dom0
 * user space (the console and store daemons, user-space back ends) binds
 * event channels to other domains, is woken by them and notifies them.
 * docs/dom0-devices.md describes it; like privcmd.h, this header is meant
 * to be copied as is into the kernel's uapi headers.
 *
 * The device is a character device, mode 0600, root-owned.  Each open file
 * owns the ports it bound; they are closed when the file is released.
 *
 * Ports fire into the file: read() returns whole __u32 port numbers, at
 * least one (it blocks, unless O_NONBLOCK: EAGAIN), in the order they
 * fired; poll() reports POLLIN while one is waiting.  A port that fired is
 * masked in the kernel until user space writes it back: write() takes
 * __u32 port numbers and re-enables each (EINVAL for a port the file does
 * not own, nothing re-enabled then).  Events that arrive while a port is
 * masked stay pending and fire once it is re-enabled.  At most
 * MICA_EVTCHN_RING_SIZE fired ports wait per file; a port is queued once
 * until it is re-enabled, so the queue cannot overflow with fewer ports.
 *
 * ioctls return 0 (or the port for the bind ioctls) or -1 with errno:
 * the hypervisor's error (event_channel.h), or EINVAL/EFAULT/ENOMEM/EMFILE
 * for the driver's own checks.
 */
#ifndef MICA_EVTCHN_H
#define MICA_EVTCHN_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MICA_EVTCHN_DEVICE "/dev/mica/evtchn"

/* Ports one file may bind (also the size of its queue of fired ports). */
#define MICA_EVTCHN_RING_SIZE 1024

/*
 * MICA_EVTCHN_BIND_INTERDOMAIN: bind a local port to remote_port of
 * remote_domid (which that domain offered with alloc_unbound).
 *   OUT port  the local port.  Also the ioctl's result.
 */
struct mica_evtchn_bind_interdomain_arg {
	__u16 remote_domid;
	__u16 pad0;
	__u32 remote_port;
	__u32 port;
	__u32 pad1;
};

/*
 * MICA_EVTCHN_BIND_UNBOUND: allocate a local port that remote_domid may
 * bind to (the offer a front end makes to its back end).
 *   OUT port  the local port.  Also the ioctl's result.
 */
struct mica_evtchn_bind_unbound_arg {
	__u16 remote_domid;
	__u16 pad0;
	__u32 port;
};

/*
 * MICA_EVTCHN_UNBIND: close a port this file bound (EINVAL otherwise).
 * MICA_EVTCHN_NOTIFY: send an event on a port this file bound (EINVAL
 * otherwise).
 */
struct mica_evtchn_port_arg {
	__u32 port;
	__u32 pad0;
};

#define MICA_EVTCHN_IOCTL_MAGIC 'E'
#define MICA_EVTCHN_BIND_INTERDOMAIN      \
	_IOWR(MICA_EVTCHN_IOCTL_MAGIC, 0, \
	      struct mica_evtchn_bind_interdomain_arg)
#define MICA_EVTCHN_BIND_UNBOUND \
	_IOWR(MICA_EVTCHN_IOCTL_MAGIC, 1, struct mica_evtchn_bind_unbound_arg)
#define MICA_EVTCHN_UNBIND \
	_IOW(MICA_EVTCHN_IOCTL_MAGIC, 2, struct mica_evtchn_port_arg)
#define MICA_EVTCHN_NOTIFY \
	_IOW(MICA_EVTCHN_IOCTL_MAGIC, 3, struct mica_evtchn_port_arg)

#endif
