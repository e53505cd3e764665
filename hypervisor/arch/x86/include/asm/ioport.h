/* SPDX-License-Identifier: MIT */
/* I/O port permissions of PV domains (public/physdev.h). */
#ifndef ASM_IOPORT_H
#define ASM_IOPORT_H

#include <mica/types.h>

struct domain;
struct vcpu;

/* physdev.h limits of a vcpu's virtual IOPL and I/O bitmap. */
#define IOPL_MAX 3
#define IOBITMAP_MAX_PORTS 0x10000

/*
 * Gives (allow) or takes away ports first..first+count-1 from d: the
 * toolstack's MICA_DOMCTL_ioport_permission.  Ports the hypervisor uses
 * stay denied whatever the set says.  0, -EINVAL (count 0 or the range
 * goes past port 65535), -ENOSPC (too many separate ranges).
 */
int ioports_permit(struct domain *d, uint32_t first, uint32_t count,
		   bool allow);

/* 1 if d holds every port of first..first+count-1 (in range), else 0. */
int ioport_held(struct domain *d, uint32_t first, uint32_t count);

/* True if the hypervisor itself uses a port in [port, port + size). */
bool ioport_reserved(uint32_t port, unsigned int size);

/*
 * May v's current mode access [port, port + size) (physdev.h rules 1 and
 * 2: the domain's permission, then the virtual IOPL or the vcpu's I/O
 * bitmap)?
 */
bool ioport_access_ok(struct vcpu *v, uint32_t port, unsigned int size);

#endif
