/* SPDX-License-Identifier: MIT */
/* Basic types for hypervisor code: the compiler's freestanding headers. */
#ifndef MICA_TYPES_H
#define MICA_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t; /* machine (physical) address */
typedef uint64_t mfn_t; /* machine frame number */

#endif
