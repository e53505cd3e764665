/* SPDX-License-Identifier: MIT */
/* Bracketed clock readings; see mica/clock_sample.h. */
#include <mica/clock_sample.h>

bool clock_sample(const struct clock_source *src, uint64_t max_spread_ns,
		  unsigned int tries, struct clock_sample *out)
{
	out->spread_ns = ~0ULL;
	for (unsigned int i = 0; i < tries; i++) {
		uint64_t c[CLOCK_SAMPLE_COUNTERS];
		uint64_t a = src->ref_ns(), b;

		src->read(c, src->arg);
		b = src->ref_ns();
		if (b - a >= out->spread_ns)
			continue;
		out->ref_ns = a + (b - a) / 2;
		out->spread_ns = b - a;
		for (unsigned int k = 0; k < CLOCK_SAMPLE_COUNTERS; k++)
			out->counter[k] = c[k];
		if (out->spread_ns <= max_spread_ns)
			return true;
	}
	return out->spread_ns <= max_spread_ns;
}
