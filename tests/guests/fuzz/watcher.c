/* SPDX-License-Identifier: MIT */
/*
 * dom0, the referee: finds every domU's status page (the FUZZ_READY_LINE
 * in the hypervisor log), maps it with MICA_DOMCTL_map_foreign and
 *  - is the fuzzer's watchdog: a call that makes no progress for
 *    WATCHDOG_NS fails the test, naming the call in flight;
 *  - checks that the checksum domain keeps verifying while the fuzzer runs;
 *  - once every fuzzer has shut down, tells the checksum domain to stop and
 *    waits for it.
 * Every domain prints its own result line; dom0's says whether the others
 * behaved as seen from outside (shut down cleanly, in time).
 */
#include "fuzz.h"
#include "test.h"

#include "public/console.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/sched.h"

#define MAX_DOMAINS 8
#define WATCHDOG_NS (30ULL * 1000000000)
#define READY_NS (60ULL * 1000000000)
#define CHECKSUM_STOP_NS (60ULL * 1000000000)

struct watched {
	uint16_t domid;
	bool fuzzer; /* else the checksum domain */
	bool done;
	volatile struct fuzz_status *status;
	uint64_t last_progress, last_change;
};

static struct watched doms[MAX_DOMAINS];
static unsigned int nr_doms;

static long domctl(struct mica_domctl *op, uint32_t cmd, uint16_t domid)
{
	op->cmd = cmd;
	op->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op->domid = domid;
	return hypercall_domctl(op);
}

static long dom_info(uint16_t domid, struct mica_domctl_domain_info *i)
{
	struct mica_domctl op = { 0 };
	long rc = domctl(&op, MICA_DOMCTL_get_info, domid);

	*i = op.u.info;
	return rc;
}

static uint64_t parse_hex(const char *p)
{
	uint64_t v = 0;

	for (;; p++) {
		if (*p >= '0' && *p <= '9')
			v = v * 16 + (uint64_t)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			v = v * 16 + (uint64_t)(*p - 'a' + 10);
		else
			return v;
	}
}

/* Reads the log until every domU has announced its status page (or the
 * time is up); fills *mfns[domid].  Returns how many were found. */
static unsigned int find_status_pages(unsigned int ndomu, uint64_t *mfns)
{
	static char buf[16384];
	struct mica_console_read r = { 0 };
	uint64_t start = fuzz_now();
	unsigned int found = 0;
	size_t have = 0;

	while (found < ndomu && fuzz_now() - start < READY_NS) {
		char *line, *nl;

		r.buffer_gaddr = (uint64_t)buf + have;
		r.size = (uint32_t)(sizeof(buf) - 1 - have);
		if (hypercall_console_io(MICA_CONSOLEIO_read, sizeof(r), &r))
			return found;
		have += r.length;
		buf[have] = '\0';
		/* Complete lines only; keep a partial last line. */
		line = buf;
		while ((nl = memchr(line, '\n', strlen(line)))) {
			char *p = strstr(line, "(d");
			char *m = strstr(line, FUZZ_READY_LINE);

			*nl = '\0';
			if (p && m && m < nl) {
				unsigned int id = 0;

				for (p += 2; *p >= '0' && *p <= '9'; p++)
					id = id * 10 + (unsigned int)(*p - '0');
				if (id >= 1 && id <= ndomu && !mfns[id]) {
					mfns[id] = parse_hex(
						m + sizeof(FUZZ_READY_LINE) -
						1);
					found++;
				}
			}
			line = nl + 1;
		}
		have = strlen(line);
		for (size_t k = 0; k <= have; k++) /* overlapping */
			buf[k] = line[k];
		if (have > sizeof(buf) / 2)
			have = 0; /* an absurdly long line: drop it */
		if (!r.length)
			hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	}
	return found;
}

static long map_status(struct watched *w, uint64_t mfn, uint64_t va)
{
	struct mica_domctl op = { 0 };
	int32_t err = 0;
	long rc;

	op.u.map_foreign = (struct mica_domctl_map_foreign){ (uint64_t)&mfn,
							     (uint64_t)&err, va,
							     1, 0 };
	rc = domctl(&op, MICA_DOMCTL_map_foreign, w->domid);
	if (rc)
		return rc;
	if (err)
		return err;
	w->status = (volatile struct fuzz_status *)va;
	return w->status->magic == FUZZ_STATUS_MAGIC ? 0 : -MICA_EINVAL;
}

/* One look at every domain; false once the test must end. */
static bool watch_once(uint64_t now, bool *fuzzers_done)
{
	struct mica_domctl_domain_info info;
	bool all_done = true;

	for (unsigned int i = 0; i < nr_doms; i++) {
		struct watched *w = &doms[i];
		uint64_t p = w->status->progress;

		if (w->done)
			continue;
		if (dom_info(w->domid, &info)) {
			test_fail("d%u vanished", w->domid);
			return false;
		}
		if (info.flags & MICA_DOMINFO_SHUTDOWN) {
			w->done = true;
			printk("fuzz: d%u (%s) shut down (reason %u) after %lu %s\n",
			       w->domid, w->fuzzer ? "fuzzer" : "checksum",
			       info.shutdown_reason, p,
			       w->fuzzer ? "calls" : "rounds");
			if (info.shutdown_reason != MICA_SHUTDOWN_poweroff)
				test_fail("d%u (%s) shut down with reason %u",
					  w->domid,
					  w->fuzzer ? "fuzzer" : "checksum",
					  info.shutdown_reason);
			continue;
		}
		if (w->fuzzer)
			all_done = false;
		if (p != w->last_progress) {
			w->last_progress = p;
			w->last_change = now;
		} else if (now - w->last_change > WATCHDOG_NS) {
			volatile struct fuzz_status *s = w->status;
			struct mica_domctl op = { 0 };

			printk("fuzz: d%u stuck in hypercall %lu (%#lx %#lx %#lx "
			       "%#lx %#lx)\n",
			       w->domid, s->nr, s->args[0], s->args[1],
			       s->args[2], s->args[3], s->args[4]);
			if (!domctl(&op, MICA_DOMCTL_get_vcpu_info, w->domid))
				printk("fuzz: d%u vcpu 0 flags %#x (online 1, "
				       "blocked 2, running 4)\n",
				       w->domid, op.u.vcpu_info.flags);

			test_fail(
				"d%u (%s) made no progress for %llu s at %lu%s"
				" (hypercall %lu: %#lx %#lx %#lx %#lx %#lx)",
				w->domid, w->fuzzer ? "fuzzer" : "checksum",
				WATCHDOG_NS / 1000000000, p,
				w->fuzzer ? "" : " (the call is stale)", s->nr,
				s->args[0], s->args[1], s->args[2], s->args[3],
				s->args[4]);
			return false;
		}
	}
	*fuzzers_done = all_done;
	return true;
}

/* Ends every domU still running, so that a failed run ends at once. */
static void stop_all(void)
{
	for (unsigned int i = 0; i < nr_doms; i++) {
		struct mica_sched_remote_shutdown r = { doms[i].domid, 0,
							MICA_SHUTDOWN_crash };

		if (!doms[i].done)
			hypercall_sched_op(MICA_SCHEDOP_remote_shutdown, &r);
	}
}

static void watch(void);

void watcher_main(void)
{
	watch();
	stop_all();
}

static void watch(void)
{
	uint64_t mfns[MAX_DOMAINS + 1] = { 0 }, checks_at_start = 0, now;
	uint64_t va = boot_mapping_end() - 4096;
	struct mica_domctl_domain_info info;
	unsigned int ndomu = 0, i;
	bool fuzzers_done = false, stopping = false;
	uint64_t stop_time = 0;

	if (fuzz_time_init(va)) {
		test_error("cannot map the shared-info page");
		return;
	}
	while (ndomu < MAX_DOMAINS && !dom_info((uint16_t)(ndomu + 1), &info))
		ndomu++;
	if (!ndomu) {
		test_error("no domU to watch (fuzz/domains)");
		return;
	}
	if (find_status_pages(ndomu, mfns) != ndomu) {
		test_fail("not every domU announced its status page");
		return;
	}
	for (i = 0; i < ndomu; i++) {
		struct watched *w = &doms[nr_doms];
		long rc;

		w->domid = (uint16_t)(i + 1);
		rc = map_status(w, mfns[i + 1], va - (i + 1) * 4096);
		if (rc) {
			test_fail("cannot map d%u's status page: %ld", w->domid,
				  rc);
			return;
		}
		w->fuzzer = w->status->role == FUZZ_ROLE_FUZZER;
		w->last_change = fuzz_now();
		nr_doms++;
	}
	for (i = 0; i < nr_doms; i++)
		if (!doms[i].fuzzer)
			checks_at_start += doms[i].status->progress;
	printk("fuzz: watching %u domains\n", nr_doms);
	for (;;) {
		now = fuzz_now();
		if (!watch_once(now, &fuzzers_done))
			return;
		if (fuzzers_done && !stopping) {
			uint64_t rounds = 0;

			for (i = 0; i < nr_doms; i++)
				if (!doms[i].fuzzer) {
					rounds += doms[i].status->progress;
					doms[i].status->stop = 1;
				}
			printk("fuzz: fuzzers done; checksum rounds meanwhile: %lu\n",
			       rounds - checks_at_start);
			if (rounds - checks_at_start < 2)
				test_fail("the checksum domain did not verify "
					  "while the fuzzer ran");
			stopping = true;
			stop_time = now;
		}
		if (stopping) {
			bool all = true;

			for (i = 0; i < nr_doms; i++)
				all &= doms[i].done;
			if (all)
				break;
			if (now - stop_time > CHECKSUM_STOP_NS) {
				test_fail("the checksum domain did not stop");
				return;
			}
		}
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	}
	test_pass();
}
