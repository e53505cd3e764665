/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_SIPHASH_H
#define MICA_STORED_SIPHASH_H

/*
 * SipHash-2-4, a keyed hash.  Guests choose the paths the store hashes, so
 * a secret random key keeps them from aiming every path at one bucket.
 */

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k0, k1;
};

uint64_t siphash(const struct siphash_key *key, const void *data, size_t len);

#endif
