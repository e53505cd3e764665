/* SPDX-License-Identifier: MIT */
/* x86 domctl ops (public/domctl.h): I/O port, memory and IRQ permissions,
 * HVM contexts. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/hypercall.h>
#include <asm/iomem.h>
#include <asm/ioport.h>
#include <asm/hvm.h>
#include <public/domctl.h>

static long ioport_permission(struct domain *d,
			      const struct mica_domctl_permission *p)
{
	if (!p->nr || p->first > 0xffff || p->nr > 0x10000 - p->first)
		return -EINVAL; /* ports beyond 65535, or none */
	if (p->allow == MICA_PERMISSION_QUERY)
		return ioport_held(d, (uint32_t)p->first, (uint32_t)p->nr);
	return ioports_permit(d, (uint32_t)p->first, (uint32_t)p->nr, p->allow);
}

/* The three permission ops: padding and allow checked for all. */
static long permission(struct domain *d, uint32_t cmd,
		       const struct mica_domctl_permission *p)
{
	for (unsigned int i = 0; i < sizeof(p->pad0); i++)
		if (p->pad0[i])
			return -EINVAL;
	if (p->allow > MICA_PERMISSION_QUERY)
		return -EINVAL;
	switch (cmd) {
	case MICA_DOMCTL_ioport_permission:
		return ioport_permission(d, p);
	case MICA_DOMCTL_iomem_permission:
		return iomem_permission(d, p->first, p->nr, p->allow);
	default:
		return irq_permission(d, p->first, p->nr, p->allow);
	}
}

long arch_domctl(struct domain *d, struct mica_domctl *op)
{
	switch (op->cmd) {
	case MICA_DOMCTL_ioport_permission:
	case MICA_DOMCTL_iomem_permission:
	case MICA_DOMCTL_irq_permission:
		return permission(d, op->cmd, &op->u.permission);
	case MICA_DOMCTL_ioreq_server:
		return hvm_ioreq_domctl(d, op);
	case MICA_DOMCTL_get_hvm_context:
	case MICA_DOMCTL_set_hvm_context:
		return hvm_domctl_context(
			d, op, op->cmd == MICA_DOMCTL_set_hvm_context);
	default:
		return -ENOSYS;
	}
}
