/* SPDX-License-Identifier: MIT */
/*
 * System time: nanoseconds since boot, from the TSC scaled by a factor
 * calibrated against the HPET (or the PIT when there is no HPET).  0 until
 * calibration is done.  Guests later get the same scale factors through
 * their shared time info.
 */
#ifndef MICA_TIME_H
#define MICA_TIME_H

#include <mica/types.h>

uint64_t system_time_ns(void);

/* Busy-waits; accurate once time_init() has run. */
void udelay(uint64_t us);
void mdelay(uint64_t ms);

#endif
