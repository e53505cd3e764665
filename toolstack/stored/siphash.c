// SPDX-License-Identifier: MIT
/*
 * SipHash-2-4 (Aumasson and Bernstein): two compression rounds per 8-byte
 * word, four finalization rounds.
 */
#include <string.h>

#include "siphash.h"

static inline uint64_t rotl64(uint64_t x, unsigned int n)
{
	return (x << n) | (x >> (64 - n));
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13) ^ s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17) ^ s->v2;
	s->v2 = rotl64(s->v2, 32);
}

static void sip_absorb(struct sip_state *s, uint64_t word)
{
	s->v3 ^= word;
	sip_round(s);
	sip_round(s);
	s->v0 ^= word;
}

/* Reads 8 bytes as a little-endian word, whatever the host's order. */
static uint64_t load_le64(const uint8_t *p)
{
	uint64_t word = 0;
	int i;

	for (i = 7; i >= 0; i--)
		word = word << 8 | p[i];
	return word;
}

uint64_t siphash(const struct siphash_key *key, const void *data, size_t len)
{
	struct sip_state s = {
		.v0 = key->k0 ^ 0x736f6d6570736575ull,
		.v1 = key->k1 ^ 0x646f72616e646f6dull,
		.v2 = key->k0 ^ 0x6c7967656e657261ull,
		.v3 = key->k1 ^ 0x7465646279746573ull,
	};
	const uint8_t *in = data;
	uint8_t tail[8] = { 0 };
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		sip_absorb(&s, load_le64(in + i));
	/* The last word holds the leftover bytes and the length's low byte. */
	memcpy(tail, in + i, len - i);
	tail[7] = (uint8_t)len;
	sip_absorb(&s, load_le64(tail));
	s.v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
