/* SPDX-License-Identifier: MIT */
/*
 * CPUID in an HVM guest always exits to Mica: the filtered view
 * (arch-x86/cpuid.h) with the hypervisor bit, no SVM/VMX, no XSAVE, the
 * emulated local APIC with x2APIC and TSC deadline (hvm/hvm.h P7), and
 * Mica's leaves including the HVM one.
 */
#include "hvm.h"

const char test_title[] = "CPUID: filtered features, Mica's HVM leaves";

void test_main(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 1)
		test_fail("leaf 0: max leaf %u", r[0]);
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		test_fail("leaf 1: hypervisor bit clear (ecx %x)", r[2]);
	if (r[2] & ((1u << 5) | (1u << 26) | (1u << 27)))
		test_fail("leaf 1: VMX or XSAVE shown (ecx %x)", r[2]);
	if (!(r[3] & (1u << 9)))
		test_fail("leaf 1: local APIC hidden (edx %x)", r[3]);
	if ((r[2] & ((1u << 21) | (1u << 24))) != ((1u << 21) | (1u << 24)))
		test_fail("leaf 1: x2APIC or TSC deadline hidden (ecx %x)",
			  r[2]);
	if (r[1] >> 24)
		test_fail("leaf 1: vcpu 0 has APIC ID %u", r[1] >> 24);
	cpuid(0x80000001, 0, r);
	if (r[2] & (1u << 2))
		test_fail("leaf 0x80000001: SVM shown (ecx %x)", r[2]);
	cpuid(0x8000000a, 0, r);
	if (r[0] | r[1] | r[2] | r[3])
		test_fail("leaf 0x8000000a (SVM) not empty");

	cpuid(MICA_CPUID_LEAF_BASE, 0, r);
	if (r[0] < MICA_CPUID_LEAF_HVM || r[1] != MICA_CPUID_SIGNATURE_EBX ||
	    r[2] != MICA_CPUID_SIGNATURE_ECX ||
	    r[3] != MICA_CPUID_SIGNATURE_EDX)
		test_fail("Mica base leaf %x %x %x %x", r[0], r[1], r[2], r[3]);
	cpuid(MICA_CPUID_LEAF_BASE + 1, 0, r);
	if (r[0] != MICA_ABI_VERSION)
		test_fail("ABI version leaf %x, expected %x", r[0],
			  MICA_ABI_VERSION);
	cpuid(MICA_CPUID_LEAF_HVM, 0, r);
	if (r[0] != MICA_MSR_HYPERCALL_PAGE || r[1] != MICA_HVM_FEATURE_HAP ||
	    r[2] || r[3])
		test_fail("HVM leaf %x %x %x %x", r[0], r[1], r[2], r[3]);
	cpuid(MICA_CPUID_LEAF_BASE + 0x77, 0, r);
	if (r[0] | r[1] | r[2] | r[3])
		test_fail("unknown Mica leaf not zero");
	test_pass();
}
