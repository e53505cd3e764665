/* SPDX-License-Identifier: MIT */
/*
 * Exceptions raised by PV guest code.  Until guests register a trap table
 * (the next step of the PV core), any exception kills the domain with a
 * report of where it happened; the hypervisor and other domains go on.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/sched.h>
#include <asm/cpu.h>
#include <asm/pv.h>

void pv_guest_exception(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();

	if (!v) {
		pr_err("guest-mode exception %lu with no vcpu\n", regs->vector);
		return;
	}
	pr_err("d%uv%u: exception %lu (error %lx) at %04lx:%016lx rsp "
	       "%016lx%s\n",
	       v->domain->id, v->id, regs->vector, regs->error_code, regs->cs,
	       regs->rip, regs->rsp, regs->vector == 14 ? ", cr2 follows" : "");
	if (regs->vector == 14)
		pr_err("d%uv%u: cr2 %016lx\n", v->domain->id, v->id,
		       read_cr2());
	domain_crash(v->domain, "unhandled exception %lu", regs->vector);
}
