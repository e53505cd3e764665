/* SPDX-License-Identifier: MIT */
/* The latency probe; see mica/lateness.h. */
#include <mica/errno.h>
#include <mica/lateness.h>
#include <mica/lib.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <asm/smp.h>
#include <public/sysctl.h>

#define PERIOD_MIN_NS 100000ULL
#define PERIOD_MAX_NS 1000000000ULL

static struct timer probes[NR_CPUS];
static bool running; /* probes re-arm themselves while set */
static uint64_t period_ns, max_late_ns, samples; /* atomic */
static spinlock_t probe_lock = SPINLOCK_INIT; /* START and STOP */

static void probe_tick(void *data)
{
	struct timer *t = data;
	uint64_t now = system_time_ns(), late = now - t->expires;
	uint64_t max = __atomic_load_n(&max_late_ns, __ATOMIC_RELAXED);

	while (late > max &&
	       !__atomic_compare_exchange_n(&max_late_ns, &max, late, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	__atomic_add_fetch(&samples, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&running, __ATOMIC_ACQUIRE))
		timer_set(t, now + READ_ONCE(period_ns));
}

/* probe_lock held.  Never from a probe's own CPU's timer softirq. */
static void stop_probes(void)
{
	__atomic_store_n(&running, false, __ATOMIC_RELEASE);
	for (unsigned int c = 0; c < NR_CPUS; c++)
		if (probes[c].fn)
			timer_kill(&probes[c]);
}

long lateness_probe(struct mica_sysctl_lateness *l)
{
	uint64_t online = arch_online_cpus(), now;
	unsigned long flags;

	if (l->pad0)
		return -EINVAL;
	switch (l->op) {
	case MICA_LATENESS_START:
		if (l->period_ns < PERIOD_MIN_NS ||
		    l->period_ns > PERIOD_MAX_NS)
			return -EINVAL;
		flags = spin_lock_irqsave(&probe_lock);
		stop_probes();
		WRITE_ONCE(period_ns, l->period_ns);
		__atomic_store_n(&max_late_ns, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&samples, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&running, true, __ATOMIC_RELEASE);
		now = system_time_ns();
		for (unsigned int c = 0; c < NR_CPUS; c++) {
			if (!((online >> c) & 1))
				continue;
			timer_init(&probes[c], probe_tick, &probes[c], c);
			timer_set(&probes[c], now + l->period_ns);
		}
		spin_unlock_irqrestore(&probe_lock, flags);
		break;
	case MICA_LATENESS_STOP:
		flags = spin_lock_irqsave(&probe_lock);
		stop_probes();
		spin_unlock_irqrestore(&probe_lock, flags);
		break;
	case MICA_LATENESS_READ:
		break;
	default:
		return -EINVAL;
	}
	l->max_late_ns = __atomic_load_n(&max_late_ns, __ATOMIC_RELAXED);
	l->samples = __atomic_load_n(&samples, __ATOMIC_RELAXED);
	return 0;
}
