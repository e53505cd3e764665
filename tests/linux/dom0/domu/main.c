/* SPDX-License-Identifier: MIT */
/*
 * The domU of the dom0 system test (tests/linux/dom0.sh): a PV test guest
 * that `mica create` builds from a config file in dom0.  It writes a
 * greeting, then a numbered tick every second, to its console ring
 * (public/io/console.h), where mica-consoled reads them and `mica console`
 * shows them; it runs until `mica destroy`.  With "ticks=0" on its
 * command line (the creation benchmark, bench_create.c) it writes only the
 * greeting and then sleeps, so that N idle domains cost dom0 nothing.  Built with the guest runtime
 * of tests/guests (not one of its tests: it needs the toolstack's builder
 * and a console daemon).
 */
#include "events.h"
#include "layout.h"
#include "test.h"
#include "vcpu.h"
#include "public/errno.h"
#include "public/mmu.h"
#include "public/arch-x86/layout.h"
#include "public/io/console.h"

const char test_title[] = "dom0 system test's domU: console ring output";

#define M2P ((const uint64_t *)MICA_M2P_VIRT_START)

static struct mica_console_ring *ring;

static void ring_write(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		/* Wait for room: the daemon consumes. */
		while (ring->out_prod - __atomic_load_n(&ring->out_cons,
							__ATOMIC_ACQUIRE) >=
		       MICA_CONSOLE_OUT_SIZE)
			events_sleep(10000000);
		ring->out[MICA_CONSOLE_OUT_MASK(ring->out_prod)] = s[i];
		__atomic_store_n(&ring->out_prod, ring->out_prod + 1,
				 __ATOMIC_RELEASE);
	}
	if (start_info->console_evtchn)
		evtchn_send(start_info->console_evtchn);
}

void test_main(void)
{
	const char *ticks;
	char line[96];
	long rc;

	if (!start_info->console_mfn)
		test_error("no console ring in start_info");
	ring = (struct mica_console_ring *)(GUEST_VIRT_BASE +
					    (M2P[start_info->console_mfn]
					     << 12));
	events_setup();
	printk("domu: console ring at pfn %#lx, port %u\n",
	       (unsigned long)M2P[start_info->console_mfn],
	       start_info->console_evtchn);
	ring_write("mica-domu: hello from the console ring\r\n");
	/* start_info.h: the builder pinned the boot L4, so pinning it again
	 * is -EEXIST (dom0's builder asks for it: MICA_VGCF_PIN_BASE). */
	rc = guest_mmuext1(MICA_MMUEXT_PIN_L4_TABLE, guest_l4_mfn(), 0);
	snprintf(line, sizeof(line), "mica-domu: boot L4 %s (pin: %ld)\r\n",
		 rc == -MICA_EEXIST ? "pinned" : "NOT pinned", rc);
	ring_write(line);
	ticks = cmdline_value("ticks");
	if (ticks && !strncmp(ticks, "0", 1))
		for (;;)
			events_sleep(3600ull * 1000000000ull);
	for (unsigned long tick = 1;; tick++) {
		events_sleep(1000000000);
		snprintf(line, sizeof(line), "mica-domu: tick %lu\r\n", tick);
		ring_write(line);
	}
}
