/* SPDX-License-Identifier: MIT */
/* System time from a vcpu time info (public/time.h); see timeinfo.h. */
#include "timeinfo.h"
#include "vcpu.h"

uint64_t time_info_ns(const volatile struct mica_vcpu_time_info *t)
{
	uint64_t tsc, sys, delta;
	uint32_t v1, v2, mul;
	int8_t shift;

	do {
		v1 = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		tsc = t->tsc_timestamp;
		sys = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		v2 = t->version;
	} while ((v1 & 1) || v1 != v2);
	delta = rdtsc() - tsc;
	delta = shift >= 0 ? delta << shift : delta >> -shift;
	return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}
