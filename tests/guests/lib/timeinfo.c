/* SPDX-License-Identifier: MIT */
/* System time from a vcpu time info (public/time.h); see timeinfo.h. */
#include "timeinfo.h"
#include "vcpu.h"

void time_info_snapshot(const volatile struct mica_vcpu_time_info *t,
			struct mica_vcpu_time_info *out)
{
	uint32_t v1, v2;

	do {
		v1 = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		out->tsc_timestamp = t->tsc_timestamp;
		out->system_time = t->system_time;
		out->tsc_to_system_mul = t->tsc_to_system_mul;
		out->tsc_shift = t->tsc_shift;
		out->flags = t->flags;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		v2 = t->version;
	} while ((v1 & 1) || v1 != v2);
	out->version = v1;
	out->pad0 = 0;
	out->pad1[0] = out->pad1[1] = 0;
}

uint64_t time_info_ns(const volatile struct mica_vcpu_time_info *t)
{
	struct mica_vcpu_time_info s;
	uint64_t delta;

	time_info_snapshot(t, &s);
	delta = rdtsc() - s.tsc_timestamp;
	delta = s.tsc_shift >= 0 ? delta << s.tsc_shift : delta >> -s.tsc_shift;
	return s.system_time +
	       (uint64_t)(((unsigned __int128)delta * s.tsc_to_system_mul) >>
			  32);
}
