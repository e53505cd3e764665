/* SPDX-License-Identifier: MIT */
/*
 * Compiler helpers, force-included into every hypervisor C file.
 *
 * The image is linked far from the low 2 GiB and compiled position
 * independent; hidden visibility lets the compiler use direct RIP-relative
 * references instead of a GOT for every symbol.
 */
#ifndef MICA_COMPILER_H
#define MICA_COMPILER_H

#if defined(__MICA_HYPERVISOR__)
#pragma GCC visibility push(hidden)
#endif

#define __noreturn __attribute__((noreturn))
#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __section(s) __attribute__((section(s)))
#define __used __attribute__((used))
#define __unused __attribute__((unused))
#define __printf(f, a) __attribute__((format(printf, f, a)))
#define __always_inline inline __attribute__((always_inline))
/* Code of the guest entry and exit paths, linked together (.text.hot) so
 * that a path touches few pages: fewer TLB refills after each CR3 write. */
#define __hot_path __section(".text.hot")

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

#endif
