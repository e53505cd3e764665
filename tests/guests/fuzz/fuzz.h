/* SPDX-License-Identifier: MIT */
/*
 * The fuzz test: one guest image, three roles (main.c).
 *   fuzzer    (domU, role=fuzz)     fuzzer.c: random hypercalls;
 *   checksum  (domU, role=checksum) checksum.c: memory that must not change;
 *   watcher   (dom0)                watcher.c: watchdog and referee.
 * Each domU publishes a status page (struct fuzz_status) and prints its mfn;
 * dom0 maps it through MICA_DOMCTL_map_foreign to watch progress and, for
 * the checksum domain, to tell it when to stop.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>

#define FUZZ_ROLE_FUZZER 1
#define FUZZ_ROLE_CHECKSUM 2

#define FUZZ_STATUS_MAGIC 0x7a7a75662d616369ULL /* "ica-fuzz" */

/* Written by its domain (and `stop` by dom0); read by dom0. */
struct fuzz_status {
	uint64_t magic;
	uint64_t role; /* FUZZ_ROLE_* */
	uint64_t progress; /* calls made (fuzzer) or rounds verified */
	uint64_t nr, args[5]; /* fuzzer: the call in flight */
	uint64_t stop; /* checksum: dom0 sets 1 when the fuzzer is done */
	uint64_t failed; /* set when the domain found a failure */
};

/* The page-aligned status page of this domain (main.c). */
extern volatile struct fuzz_status fuzz_status;

/* The line each domU prints so that dom0 finds its status page. */
#define FUZZ_READY_LINE "fuzz: status page at mfn 0x"

/* The time in ns from the shared-info page, which fuzz_time_init() maps at
 * `va`; 0 or the mapping's error. */
long fuzz_time_init(uint64_t va);
uint64_t fuzz_now(void);

/* Publishes this domain's status page (prints FUZZ_READY_LINE). */
void fuzz_announce(uint64_t role);

void fuzzer_main(void);
void checksum_main(void);
void watcher_main(void);

#endif
