/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor heap.  Small objects (up to 2 KiB) come from per-size-class
 * pools carved out of whole pages; larger ones are whole blocks of pages.
 * Memory is owned by OWNER_HYPERVISOR.  xmalloc returns NULL when memory is
 * exhausted; callers fail with -ENOMEM.
 */
#ifndef MICA_HEAP_H
#define MICA_HEAP_H

#include <mica/types.h>

void *xmalloc(size_t size); /* 16-byte aligned; page aligned if >= 4 KiB */
void *xzalloc(size_t size);
void xfree(void *p); /* NULL is fine */

/* Bytes currently handed out (small objects count their size class). */
uint64_t heap_bytes_in_use(void);

#endif
