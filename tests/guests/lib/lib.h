/* SPDX-License-Identifier: MIT */
/* The freestanding C library of the test guests: strings and formatting. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define IS_ALIGNED(x, a) (((x) & ((a)-1)) == 0)
#define ROUND_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))

#define __noreturn __attribute__((noreturn))
#define __printf(f, a) __attribute__((format(printf, f, a)))

/* string.c: the C functions of the same names (the compiler may also emit
 * calls to memset, memcpy and memcmp on its own). */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *haystack, const char *needle);

/*
 * format.c: printf-style formatting.  Conversions: %d %i %u %x %X %p %s %c
 * and %%; length modifiers hh h l ll z; flags '-' (left-justify), '0'
 * (zero-pad) and '#' (0x before non-zero hex); a field width (digits or
 * '*'); a precision for %s (".N" or ".*", bytes at most).  %p prints 0x and
 * 16 hex digits.  Returns the length the full output has; buf always ends
 * with a NUL if size > 0.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__printf(3, 0);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* The same formatting, one character at a time into put(ctx, c). */
typedef void (*format_put_fn)(void *ctx, char c);
int format(format_put_fn put, void *ctx, const char *fmt, va_list ap)
	__printf(3, 0);

#endif /* GUEST_LIB_H */
