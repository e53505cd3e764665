/* SPDX-License-Identifier: MIT */
/*
 * A hostile guest: hypercall numbers that do not exist, sub-ops that do not
 * exist, counts over the limit, argument buffers the guest may not touch,
 * and bad shutdown requests.  Each must fail with its documented error and
 * change nothing; none may crash the hypervisor or stop the domain.
 *
 * A wrong answer to a shutdown request can stop the domain before it
 * reports, so each group announces itself and the log tail shows the last.
 */
#include "test.h"

#include "layout.h"
#include "public/arch-x86/layout.h"
#include "public/console.h"
#include "public/errno.h"
#include "public/sched.h"
#include "public/version.h"

const char test_title[] = "bad hypercalls fail cleanly with documented errors";

/*
 * Buffers no guest may pass: each fails with -MICA_EFAULT.  `addr` is the
 * start of the buffer, whatever its size (8 bytes at least); a buffer that
 * straddles a boundary starts STRADDLE bytes before it.
 */
struct bad_buffer {
	const char *name;
	uint64_t addr;
};

#define STRADDLE 4
#define BUFFER_LEN 16
#define MAX_BAD_BUFFERS 16

static struct bad_buffer bad_buffers[MAX_BAD_BUFFERS];
static size_t nr_bad_buffers;

static void add_bad_buffer(const char *name, uint64_t addr)
{
	if (nr_bad_buffers < ARRAY_SIZE(bad_buffers))
		bad_buffers[nr_bad_buffers++] =
			(struct bad_buffer){ name, addr };
}

static void set_up_bad_buffers(void)
{
	uint64_t end = boot_mapping_end();

	add_bad_buffer("NULL", 0);
	add_bad_buffer("non-canonical", 0x8000000000000000);
	add_bad_buffer("last user bytes into the hole",
		       0x0000800000000000 - STRADDLE);
	add_bad_buffer("hypervisor private start", MICA_M2P_VIRT_END);
	/* docs/design.md: the hypervisor's direct map of RAM, 1 MiB in. */
	add_bad_buffer("hypervisor RAM map", 0xffff830000100000);
	add_bad_buffer("hypervisor end into guest range",
		       MICA_HYPERVISOR_VIRT_END - STRADDLE);
	add_bad_buffer("unmapped into virt_base", GUEST_VIRT_BASE - STRADDLE);
	add_bad_buffer("layout end into unmapped", end - STRADDLE);
	add_bad_buffer("wrapping past 2^64", 0 - (uint64_t)STRADDLE);

	/* The mapped part holds text, so a wrongly accepted write shows. */
	memcpy((void *)(end - STRADDLE), "BAD\n", STRADDLE);
}

static void check_unknown_hypercalls(void)
{
	printk("Hypercalls %d..%d (undefined)\n", MICA_HC_NR_DEFINED,
	       MICA_HYPERCALL_PAGE_SLOTS - 1);
	for (unsigned int nr = MICA_HC_NR_DEFINED;
	     nr < MICA_HYPERCALL_PAGE_SLOTS; nr++) {
		long rc = hypercall_by_number(nr, ~0ull, ~0ull, ~0ull, ~0ull,
					      ~0ull);

		test_expect_rc(rc, -MICA_ENOSYS, "hypercall %u", nr);
	}
}

static void check_console_io(void)
{
	static char max_text[MICA_CONSOLEIO_MAX_WRITE];
	static const uint32_t too_many[] = { MICA_CONSOLEIO_MAX_WRITE + 1,
					     0x80000000u, 0xffffffffu };
	const size_t line = 128;
	char name[64];

	printk("console_io: limits and sub-ops\n");
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_write, 0, max_text),
		       0, "console_io write of 0 bytes");

	/* Exactly the maximum is fine: 32 lines of 128 bytes. */
	for (size_t i = 0; i < sizeof(max_text); i += line) {
		memset(max_text + i, '.', line);
		snprintf(name, sizeof(name),
			 "max-size write, line %2zu of %zu ", i / line + 1,
			 sizeof(max_text) / line);
		memcpy(max_text + i, name, strlen(name));
		max_text[i + line - 1] = '\n';
	}
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_write,
					    sizeof(max_text), max_text),
		       sizeof(max_text), "console_io write of %zu bytes",
		       sizeof(max_text));

	for (size_t i = 0; i < ARRAY_SIZE(too_many); i++)
		test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_write,
						    too_many[i], max_text),
			       -MICA_E2BIG, "console_io write of %u bytes",
			       too_many[i]);

	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_read_input + 1, 0,
					    NULL),
		       -MICA_ENOSYS, "console_io sub-op %d",
		       MICA_CONSOLEIO_read_input + 1);
	test_expect_rc(hypercall_console_io(0xffffffffu, BUFFER_LEN, max_text),
		       -MICA_ENOSYS, "console_io sub-op 0xffffffff");

	printk("console_io: bad buffers\n");
	for (size_t i = 0; i < nr_bad_buffers; i++)
		test_expect_rc(
			hypercall_console_io(MICA_CONSOLEIO_write, BUFFER_LEN,
					     (void *)bad_buffers[i].addr),
			-MICA_EFAULT, "console_io write from %s %#lx",
			bad_buffers[i].name, bad_buffers[i].addr);
}

/*
 * OUT buffers the guest can read but not write: the hypervisor must honour
 * the guest's read-only mappings (the M2P, the page tables) and write
 * nothing there.
 */
static void check_read_only_out(const char *name, void *addr)
{
	uint64_t before[6], after[6];

	memcpy(before, addr, sizeof(before));
	test_expect_rc(hypercall_version(MICA_VERSION_GET_PARAMETERS, addr),
		       -MICA_EFAULT, "GET_PARAMETERS into %s %p", name, addr);
	memcpy(after, addr, sizeof(after));
	if (memcmp(before, after, sizeof(before)))
		test_fail("GET_PARAMETERS wrote into %s %p", name, addr);
}

static void check_version_buffers(void)
{
	printk("version: bad buffers\n");
	for (size_t i = 0; i < nr_bad_buffers; i++) {
		void *addr = (void *)bad_buffers[i].addr;

		test_expect_rc(hypercall_version(MICA_VERSION_GET_FEATURES,
						 addr),
			       -MICA_EFAULT, "GET_FEATURES at %s %p",
			       bad_buffers[i].name, addr);
		test_expect_rc(hypercall_version(MICA_VERSION_GET_PARAMETERS,
						 addr),
			       -MICA_EFAULT, "GET_PARAMETERS at %s %p",
			       bad_buffers[i].name, addr);
	}
	check_read_only_out("the M2P", (void *)MICA_M2P_VIRT_START);
	check_read_only_out("the L4 page table", (void *)start_info->pt_base);
}

static void check_sched_op(void)
{
	static const uint32_t bad_reasons[] = { MICA_SHUTDOWN_watchdog + 1,
						0xffffffffu };
	struct mica_sched_shutdown arg;

	printk("sched_op: unknown sub-ops\n");
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_remote_shutdown + 1,
					  NULL),
		       -MICA_ENOSYS, "sched_op sub-op %d",
		       MICA_SCHEDOP_remote_shutdown + 1);
	test_expect_rc(hypercall_sched_op(0xffffffffu, NULL), -MICA_ENOSYS,
		       "sched_op sub-op 0xffffffff");

	printk("sched_op: shutdown with bad buffers\n");
	for (size_t i = 0; i < nr_bad_buffers; i++)
		test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_shutdown,
						  (void *)bad_buffers[i].addr),
			       -MICA_EFAULT, "shutdown with arg at %s %#lx",
			       bad_buffers[i].name, bad_buffers[i].addr);

	printk("sched_op: shutdown with bad arguments\n");
	for (size_t i = 0; i < ARRAY_SIZE(bad_reasons); i++) {
		arg = (struct mica_sched_shutdown){ .reason = bad_reasons[i] };
		test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_shutdown, &arg),
			       -MICA_EINVAL, "shutdown reason %u",
			       bad_reasons[i]);
	}
	arg = (struct mica_sched_shutdown){ .reason = MICA_SHUTDOWN_poweroff,
					    .pad0 = 1 };
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_shutdown, &arg),
		       -MICA_EINVAL, "poweroff with pad0 = 1");
	arg = (struct mica_sched_shutdown){ .reason = MICA_SHUTDOWN_poweroff,
					    .start_info_gfn = 1 };
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_shutdown, &arg),
		       -MICA_EINVAL, "poweroff with a start_info_gfn");
}

void test_main(void)
{
	set_up_bad_buffers();
	check_unknown_hypercalls();
	check_console_io();
	check_version_buffers();
	check_sched_op();
	test_pass();
}
