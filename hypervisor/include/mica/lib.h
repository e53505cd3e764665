/* SPDX-License-Identifier: MIT */
/* Freestanding C library subset: strings, memory, formatting, numbers. */
#ifndef MICA_LIB_H
#define MICA_LIB_H

#include <mica/compiler.h>
#include <mica/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strcspn(const char *s, const char *reject);
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * vsnprintf/snprintf: the usual conversions (d i u x X o c s p %), flags
 * '-' '0' ' ' '+' '#', width and precision (also '*'), length modifiers
 * hh h l ll z t j.  Always NUL-terminates when size > 0 and returns the
 * length the full output would have had.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * parse_ulong: parses an unsigned number in base 10, or base 16 with "0x".
 * Stores the first unparsed character in *end.  Returns 0, or -EINVAL when no
 * digit is found, -ERANGE on overflow.
 */
int parse_ulong(const char *s, const char **end, unsigned long *value);

/*
 * parse_size: a number with an optional K, M, G or T suffix (binary units;
 * no suffix means bytes).  Returns 0, -EINVAL or -ERANGE.
 */
int parse_size(const char *s, const char **end, uint64_t *bytes);

#endif
