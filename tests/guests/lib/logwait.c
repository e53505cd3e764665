/* SPDX-License-Identifier: MIT */
/* Waiting for lines in the hypervisor log (logwait.h). */
#include "logwait.h"
#include "hypercall.h"
#include "lib.h"
#include "test.h"
#include "public/console.h"
#include "public/sched.h"

#define LINE_MAX 256

static unsigned int match_line(const char *line, const char *const *patterns,
			       bool *seen, unsigned int n)
{
	unsigned int found = 0;

	for (unsigned int i = 0; i < n; i++)
		if (!seen[i] && strstr(line, patterns[i])) {
			seen[i] = true;
			found++;
		}
	return found;
}

unsigned int log_wait_for(const char *const *patterns, bool *seen,
			  unsigned int n, unsigned int seconds)
{
	static char buf[2048];
	static char line[LINE_MAX + 1];
	struct mica_console_read r = { 0 };
	unsigned int nr_seen = 0, len = 0;
	/* rdtsc ticks: a generous 4 GHz bound, good enough for a timeout. */
	uint64_t limit = (uint64_t)seconds * 4000000000ULL;
	uint64_t start = __builtin_ia32_rdtsc();

	for (unsigned int i = 0; i < n; i++)
		nr_seen += seen[i];
	while (nr_seen < n) {
		r.buffer_gaddr = (uint64_t)buf;
		r.size = sizeof(buf);
		if (hypercall_console_io(MICA_CONSOLEIO_read, sizeof(r), &r))
			return nr_seen;
		for (uint32_t i = 0; i < r.length; i++) {
			if (buf[i] != '\n' && len < LINE_MAX) {
				line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			nr_seen += match_line(line, patterns, seen, n);
			len = 0;
		}
		if (r.length)
			continue;
		if (__builtin_ia32_rdtsc() - start > limit)
			break;
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	}
	return nr_seen;
}
