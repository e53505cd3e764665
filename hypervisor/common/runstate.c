/* SPDX-License-Identifier: MIT */
/*
 * Run-state accounting for MICA_VCPUOP_get_runstate and register_runstate
 * (public/vcpu.h).  The scheduler reports every state change under the
 * vcpu's run-queue lock; readers on other CPUs use the version counter as
 * a seqlock, like the guest does with its registered copy.
 */
#include <mica/domain.h>
#include <mica/event.h>
#include <mica/guest_access.h>
#include <mica/lib.h>

void runstate_init(struct vcpu *v, uint64_t now)
{
	struct mica_vcpu_runstate_info *r = &v->events.runstate;

	memset(r, 0, sizeof(*r));
	r->state = MICA_RUNSTATE_offline;
	r->state_entry_time = now;
}

void runstate_change(struct vcpu *v, unsigned int state, uint64_t now)
{
	struct mica_vcpu_runstate_info *r = &v->events.runstate;

	__atomic_store_n(&r->version, r->version + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (now > r->state_entry_time)
		r->time[r->state] += now - r->state_entry_time;
	else
		now = r->state_entry_time; /* never backwards */
	r->state = state;
	r->state_entry_time = now;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&r->version, r->version + 1, __ATOMIC_RELAXED);
}

/* A consistent copy, with the (even) version it had. */
static void read_consistent(struct vcpu *v, struct mica_vcpu_runstate_info *out)
{
	const struct mica_vcpu_runstate_info *r = &v->events.runstate;
	uint32_t v1, v2;

	do {
		v1 = __atomic_load_n(&r->version, __ATOMIC_SEQ_CST);
		memcpy(out, r, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		v2 = __atomic_load_n(&r->version, __ATOMIC_SEQ_CST);
	} while ((v1 & 1) || v1 != v2);
	out->version = v1;
}

void runstate_read(struct vcpu *v, struct mica_vcpu_runstate_info *out)
{
	read_consistent(v, out);
	out->version = 0;
}

/*
 * The guest's copy follows time.h's protocol: version odd, the fields,
 * version even.  It is written through the guest's kernel mapping, so only
 * when the vcpu's kernel page tables are loaded (a vcpu switched while in
 * guest user mode keeps its previous copy until the next switch).
 */
void runstate_publish(struct vcpu *v)
{
	uint64_t gaddr = v->events.runstate_gaddr;
	struct mica_vcpu_runstate_info copy;
	uint32_t odd;

	if (!gaddr || !arch_vcpu_kernel_tables_loaded(v))
		return;
	/* The internal version grows by 2 per change: a guest that read an
	 * even value before and after saw no write in between. */
	read_consistent(v, &copy);
	odd = copy.version + 1;
	copy_to_guest(gaddr, &odd, sizeof(odd));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	copy_to_guest(gaddr + sizeof(copy.version),
		      (const uint8_t *)&copy + sizeof(copy.version),
		      sizeof(copy) - sizeof(copy.version));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	copy_to_guest(gaddr, &copy.version, sizeof(copy.version));
}
