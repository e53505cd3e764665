/* SPDX-License-Identifier: MIT */
/*
 * Atomic operations.  x86 is strongly ordered: locked instructions are full
 * barriers, and loads/stores are not reordered with older loads or stores to
 * the same effect that C11 acquire/release needs; the compiler builtins say
 * that portably.
 */
#ifndef ASM_ATOMIC_H
#define ASM_ATOMIC_H

#include <mica/types.h>

typedef struct {
	volatile int32_t counter;
} atomic_t;

static inline int32_t atomic_read(const atomic_t *a)
{
	return __atomic_load_n(&a->counter, __ATOMIC_RELAXED);
}

static inline void atomic_set(atomic_t *a, int32_t v)
{
	__atomic_store_n(&a->counter, v, __ATOMIC_RELAXED);
}

/* Adds v and returns the new value; a full barrier. */
static inline int32_t atomic_add_return(atomic_t *a, int32_t v)
{
	return __atomic_add_fetch(&a->counter, v, __ATOMIC_SEQ_CST);
}

static inline void atomic_inc(atomic_t *a)
{
	atomic_add_return(a, 1);
}

#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif
