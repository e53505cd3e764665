/* SPDX-License-Identifier: MIT */
/* x86 parts of MICA_HC_sysctl: the machine's CPUs, and the wall clock. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/hypercall.h>
#include <mica/page_alloc.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <asm/cpu.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <public/shared_info.h>
#include <public/sysctl.h>

void arch_physinfo(struct mica_sysctl_physinfo *pi)
{
	uint32_t a, b, c, d;

	pi->nr_cpus = nr_cpus_online;
	pi->max_cpu_id = nr_cpus_online - 1; /* numbered 0..n-1 */
	/* Topology is not probed yet: one socket of single-thread cores. */
	pi->threads_per_core = 1;
	pi->cores_per_socket = nr_cpus_online;
	pi->nr_sockets = 1;
	pi->nr_nodes = 1;
	pi->cpu_khz = (uint32_t)(time_info.tsc_hz / 1000);
	cpuid_count(1, 0, &a, &b, &c, &d);
	if (c & (1u << 5))
		pi->capabilities |= MICA_PHYSCAP_HVM_VMX;
	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000001) {
		cpuid_count(0x80000001, 0, &a, &b, &c, &d);
		if (c & (1u << 2))
			pi->capabilities |= MICA_PHYSCAP_HVM_SVM;
	}
	if (time_info.tsc_invariant)
		pi->capabilities |= MICA_PHYSCAP_TSC_STABLE;
}

/* The wall-clock time at system time 0 (public/time.h). */
static spinlock_t wallclock_lock = SPINLOCK_INIT;
static bool wallclock_known;
static uint64_t wallclock_sec;
static uint32_t wallclock_nsec;

static void wallclock_init(void)
{
	uint64_t now = system_time_ns();
	uint64_t rtc = wallclock_boot_seconds(); /* the RTC, now */

	/* The RTC has whole seconds: the boot time is rtc - now. */
	wallclock_sec = rtc - now / 1000000000ULL;
	wallclock_nsec = 0;
	if (now % 1000000000ULL) {
		wallclock_sec--;
		wallclock_nsec =
			(uint32_t)(1000000000ULL - now % 1000000000ULL);
	}
	wallclock_known = true;
}

static void publish(struct domain *d)
{
	struct mica_shared_info *s;

	if (!d->arch.shared_info)
		return;
	s = page_to_virt(d->arch.shared_info);
	s->wallclock.version++; /* odd: being updated */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s->wallclock.sec = wallclock_sec;
	s->wallclock.nsec = wallclock_nsec;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s->wallclock.version++;
}

void arch_domain_set_wallclock(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&wallclock_lock);

	if (!wallclock_known)
		wallclock_init();
	publish(d);
	spin_unlock_irqrestore(&wallclock_lock, flags);
}

int arch_settime(uint64_t sec, uint32_t nsec, uint64_t system_time)
{
	uint64_t st_sec = system_time / 1000000000ULL;
	uint32_t st_nsec = (uint32_t)(system_time % 1000000000ULL);
	unsigned long flags;

	if (sec < st_sec || (sec == st_sec && nsec < st_nsec))
		return -EINVAL; /* would put system time 0 before 1970 */
	flags = spin_lock_irqsave(&wallclock_lock);
	wallclock_sec = sec - st_sec;
	if (nsec < st_nsec) {
		wallclock_sec--;
		nsec += 1000000000u;
	}
	wallclock_nsec = nsec - st_nsec;
	wallclock_known = true;
	spin_unlock_irqrestore(&wallclock_lock, flags);
	/* Each domain under the lock, which is not held across domain_put
	 * (that may destroy a domain). */
	for (unsigned int id = domain_next_id(0); id < MAX_DOMAINS;
	     id = domain_next_id(id + 1)) {
		struct domain *d = domain_get((uint16_t)id);

		if (!d)
			continue;
		arch_domain_set_wallclock(d);
		domain_put(d);
	}
	return 0;
}
