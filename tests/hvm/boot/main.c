/* SPDX-License-Identifier: MIT */
/*
 * The smallest HVM guest: it reached long mode from real mode (through an
 * emulated EFER write), its console is the emulated UART, the hypercall
 * page works (version, console_io, shutdown), and the start info says
 * what docs/boot.md promises.
 */
#include "hvm.h"

#include "public/console.h"
#include "public/version.h"

const char test_title[] = "real mode to long mode, start info, hypercalls";

#define CR0_PE 0x1
#define CR0_PG 0x80000000UL
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define EFER_LMA 0x400

static void check_modes(void)
{
	uint64_t cr0, cr4, efer;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	if ((cr0 & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG))
		test_fail("cr0 %lx: not protected with paging", cr0);
	if (probe_rdmsr(MSR_EFER, &efer) >= 0)
		test_fail("rdmsr EFER raised %lu", fault_vector);
	else if ((efer & (EFER_LME | EFER_LMA)) != (EFER_LME | EFER_LMA))
		test_fail("EFER %lx: long mode not active", efer);
	else if (efer & (1u << 12))
		test_fail("EFER %lx shows the host's SVME", efer);
	/* CR0.NE and CR4.VMXE are forced on under VMX: the guest sees the
	 * values it wrote (lib/head.S: CR0 PE|PG|ET, CR4 PAE only). */
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	if (cr4 & (1u << 13))
		test_fail("cr4 %lx shows VMXE", cr4);
	if (cr0 & (1u << 5))
		test_fail("cr0 %lx shows NE, which the guest never set", cr0);
}

static void check_start_info(void)
{
	const struct mica_hvm_start_info *si = hvm_start_info;
	uint64_t top = (si->nr_pages - 1) * MICA_PAGE_SIZE;

	if ((uint64_t)si != top)
		test_fail("start info at %p, expected the top page %lx",
			  (const void *)si, top);
	if (si->nr_pages != (16u << 20) / MICA_PAGE_SIZE)
		test_fail("nr_pages %lu, expected 16 MiB (tests/hvm/run.sh)",
			  si->nr_pages);
	if (si->nr_vcpus != 1 || si->flags)
		test_fail("nr_vcpus %u flags %x", si->nr_vcpus, si->flags);
	if (!strstr(si->cmdline, "test=boot"))
		test_fail("cmdline '%s' lacks test=boot", si->cmdline);
}

static void check_hypercalls(void)
{
	static const char line[] = "hello through MICA_CONSOLEIO_write\n";
	long v = hypercall_version(MICA_VERSION_GET, NULL);
	uint64_t page;
	uint32_t r[4];
	bool intel;

	if (v != MICA_ABI_VERSION)
		test_fail("version %lx, expected %x", v, MICA_ABI_VERSION);
	test_expect_rc(hypercall_console_io(MICA_CONSOLEIO_write,
					    sizeof(line) - 1, line),
		       sizeof(line) - 1, "console write");
	if (probe_rdmsr(MICA_MSR_HYPERCALL_PAGE, &page) >= 0 ||
	    page != (uint64_t)hypercall_page)
		test_fail("hypercall page MSR reads %lx, expected %p", page,
			  (void *)hypercall_page);
	/* The stubs: mov $n, %eax; vmmcall (AMD) or vmcall (Intel); ret. */
	cpuid(0, 0, r);
	intel = r[1] == 0x756e6547; /* "Genu" ineIntel */
	if ((uint8_t)hypercall_page[32] != 0xb8 ||
	    (uint8_t)hypercall_page[33] != 1 ||
	    (uint8_t)hypercall_page[37] != 0x0f ||
	    (uint8_t)hypercall_page[38] != 0x01 ||
	    (uint8_t)hypercall_page[39] != (intel ? 0xc1 : 0xd9) ||
	    (uint8_t)hypercall_page[40] != 0xc3)
		test_fail("hypercall stub 1 is not mov/%s/ret",
			  intel ? "vmcall" : "vmmcall");
}

void test_main(void)
{
	check_modes();
	check_start_info();
	check_hypercalls();
	test_pass();
}
