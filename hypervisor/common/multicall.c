/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_multicall (public/multicall.h), and the continuation of
 * preempted hypercalls, which a multicall has to intercept.
 */
#include <mica/perfc.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <asm/smp.h>
#include <public/multicall.h>

/* Per CPU: the entry being run by a multicall, if any. */
struct multicall_state {
	bool active;
	uint64_t args[5]; /* continuation arguments of a preempted entry */
};

static struct multicall_state multicall_states[NR_CPUS];

long hypercall_create_continuation(unsigned int nr, uint64_t a1, uint64_t a2,
				   uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct multicall_state *mc = &multicall_states[smp_processor_id()];
	const uint64_t a[5] = { a1, a2, a3, a4, a5 };

	perfc_incr(continuations);
	if (mc->active)
		memcpy(mc->args, a, sizeof(a)); /* do_multicall rewrites it */
	else
		arch_hypercall_continuation(nr, a);
	return HYPERCALL_PREEMPTED;
}

#define ENTRY_SIZE sizeof(struct mica_multicall_entry)

static long multicall_continue(uint64_t calls, uint32_t left)
{
	return hypercall_create_continuation(MICA_HC_multicall, calls, left, 0,
					     0, 0);
}

long do_multicall(uint64_t calls, uint64_t count, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	struct multicall_state *mc = &multicall_states[smp_processor_id()];
	struct vcpu *v = current_vcpu();
	struct mica_multicall_entry e;

	(void)a3;
	(void)a4;
	(void)a5;
	if (count > UINT32_MAX || mc->active)
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t entry = calls + i * ENTRY_SIZE;
		long rc;

		/* Between entries: every entry so far made progress. */
		if (i && hypercall_preempt_check())
			return multicall_continue(entry, (uint32_t)count - i);
		if (copy_from_guest(&e, entry, sizeof(e)))
			return -EFAULT;
		if (e.op == MICA_HC_multicall || e.op == MICA_HC_iret) {
			rc = -EINVAL; /* multicall.h note 2 */
		} else {
			mc->active = true;
			rc = hypercall_dispatch(e.op, e.args[0], e.args[1],
						e.args[2], e.args[3],
						e.args[4]);
			mc->active = false;
		}
		if (rc == HYPERCALL_PREEMPTED) {
			/* The entry continues with its progress recorded in
			 * its own arguments. */
			if (copy_to_guest(entry + offsetof(typeof(e), args),
					  mc->args, sizeof(mc->args)))
				return -EFAULT;
			return multicall_continue(entry, (uint32_t)count - i);
		}
		if (copy_to_guest(entry + offsetof(typeof(e), result), &rc,
				  sizeof(rc)))
			return -EFAULT;
		if (READ_ONCE(v->domain->is_shutting_down))
			return 0; /* never seen: the vcpu does not run again */
		if (READ_ONCE(v->state) == VCPU_DOWN && i + 1 < count)
			/* Brought down by this entry: the rest runs once the
			 * vcpu is up again. */
			return multicall_continue(entry + ENTRY_SIZE,
						  (uint32_t)count - i - 1);
	}
	return 0;
}
