/* SPDX-License-Identifier: MIT */
/*
 * The image's own symbol table (text symbols), generated at link time, so
 * that crash reports name functions.
 */
#ifndef MICA_SYMBOLS_H
#define MICA_SYMBOLS_H

#include <mica/types.h>

/*
 * Finds the function containing 'addr'.  Returns its name and stores the
 * offset into it, or returns NULL for an address outside the image's text.
 */
const char *symbols_lookup(uintptr_t addr, uintptr_t *offset);

#endif
