/* SPDX-License-Identifier: MIT */
/* Guest side of public/time.h: system time from a vcpu's time info. */
#ifndef GUEST_TIMEINFO_H
#define GUEST_TIMEINFO_H

#include <stdint.h>

#include "public/time.h"

/* A consistent copy of *t, read under time.h's version protocol. */
void time_info_snapshot(const volatile struct mica_vcpu_time_info *t,
			struct mica_vcpu_time_info *out);
/* System time in ns, read under time.h's version protocol. */
uint64_t time_info_ns(const volatile struct mica_vcpu_time_info *t);

#endif /* GUEST_TIMEINFO_H */
