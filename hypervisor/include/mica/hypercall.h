/* SPDX-License-Identifier: MIT */
/*
 * Hypercall handlers.  Each takes the raw argument registers (public/mica.h
 * calling convention), validates them at the boundary and returns 0, a
 * positive result, or a negative errno.  They run in the context of the
 * calling vcpu (current_vcpu()), with its page tables loaded.
 */
#ifndef MICA_HYPERCALL_H
#define MICA_HYPERCALL_H

#include <mica/types.h>

typedef long (*hypercall_fn_t)(uint64_t a1, uint64_t a2, uint64_t a3,
			       uint64_t a4, uint64_t a5);

long do_version(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		uint64_t a5);
long do_console_io(uint64_t cmd, uint64_t count, uint64_t buf, uint64_t a4,
		   uint64_t a5);
long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		 uint64_t a5);
long do_vcpu_op(uint64_t cmd, uint64_t vcpu, uint64_t arg, uint64_t a4,
		uint64_t a5);
long do_event_channel_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
			 uint64_t a5);
long do_grant_table_op(uint64_t cmd, uint64_t ops, uint64_t count, uint64_t a4,
		       uint64_t a5);

long do_memory_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		  uint64_t a5);
long do_domctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4,
	       uint64_t a5);
long do_sysctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4,
	       uint64_t a5);

/* Arch domctl ops on an existing domain d; -ENOSYS for unknown ones. */
struct mica_domctl;
struct domain;
long arch_domctl(struct domain *d, struct mica_domctl *op);

/* Arch parts of sysctl (public/sysctl.h). */
struct mica_sysctl_physinfo;
struct domain;
void arch_physinfo(struct mica_sysctl_physinfo *pi);
/* MICA_SYSCTL_settime: publishes the new wall clock to every domain. */
int arch_settime(uint64_t sec, uint32_t nsec, uint64_t system_time);
/* Writes the current wall clock into d's shared-info page. */
void arch_domain_set_wallclock(struct domain *d);

/* x86 PV paging. */
long do_mmu_update(uint64_t reqs, uint64_t count, uint64_t done_gaddr,
		   uint64_t foreign, uint64_t a5);
long do_mmuext_op(uint64_t ops, uint64_t count, uint64_t done_gaddr,
		  uint64_t foreign, uint64_t a5);
long do_update_va_mapping(uint64_t va, uint64_t pte, uint64_t flags,
			  uint64_t mask, uint64_t a5);

/* x86 PV CPU interface. */
long do_set_trap_table(uint64_t table, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5);
long do_callback_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		    uint64_t a5);
long do_stack_switch(uint64_t ss, uint64_t rsp, uint64_t a3, uint64_t a4,
		     uint64_t a5);
long do_set_segment_base(uint64_t which, uint64_t value, uint64_t a3,
			 uint64_t a4, uint64_t a5);

long do_set_gdt(uint64_t frame_list, uint64_t nr_entries, uint64_t a3,
		uint64_t a4, uint64_t a5);
long do_update_descriptor(uint64_t maddr, uint64_t desc, uint64_t a3,
			  uint64_t a4, uint64_t a5);
long do_fpu_taskswitch(uint64_t set, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5);
long do_set_debugreg(uint64_t reg, uint64_t value, uint64_t a3, uint64_t a4,
		     uint64_t a5);
long do_get_debugreg(uint64_t reg, uint64_t a2, uint64_t a3, uint64_t a4,
		     uint64_t a5);
long do_physdev_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		   uint64_t a5);

long do_vcpu_op(uint64_t cmd, uint64_t vcpu, uint64_t arg, uint64_t a4,
		uint64_t a5);
long do_multicall(uint64_t calls, uint64_t count, uint64_t a3, uint64_t a4,
		  uint64_t a5);

/*
 * Preemption (public/mica.h calling convention note 6).  A handler that
 * has done a bounded amount of work asks hypercall_preempt_check(); if it
 * says yes, the handler records its progress in new arguments and returns
 * hypercall_create_continuation(nr, ...).  The guest then makes call 'nr'
 * again with those arguments (inside a multicall: the entry is rewritten
 * and the batch continues there).  HYPERCALL_PREEMPTED never reaches a
 * guest.
 */
#define HYPERCALL_PREEMPTED (-0x10000L)

long hypercall_create_continuation(unsigned int nr, uint64_t a1, uint64_t a2,
				   uint64_t a3, uint64_t a4, uint64_t a5);
/* Lets pending interrupts in (hypercalls run with them off) and says
 * whether other work is waiting.  Call with no lock held. */
bool hypercall_preempt_check(void);
/* Arch: rewinds the caller to its hypercall instruction with these
 * arguments (a[0..4]) and call number. */
void arch_hypercall_continuation(unsigned int nr, const uint64_t a[5]);

/* Dispatches hypercall 'nr'; -ENOSYS for unknown numbers. */
long hypercall_dispatch(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			uint64_t a4, uint64_t a5);

#endif
