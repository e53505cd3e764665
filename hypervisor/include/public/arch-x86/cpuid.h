/* SPDX-License-Identifier: MIT */
/*
 * arch-x86/cpuid.h - what CPUID tells a PV guest, and Mica's own leaves.
 *
 * ------------------------------------------------------------------------
 * The filtered view
 * ------------------------------------------------------------------------
 * CPUID executed by a PV guest (kernel or user mode) returns a filtered
 * view of the host CPU when the hypervisor emulates it:
 *   1. features the guest cannot use or that Mica does not virtualise are
 *      hidden: VMX and SVM (and leaf 0x8000000A), SMX, MONITOR/MWAIT,
 *      performance monitoring (leaf 0xA, PDCM), thermal and power leaves
 *      (5, 6), machine check (MCE, MCA), MTRR, ACPI/TM/TM2/EST, debug
 *      store, x2APIC and TSC deadline, PCID, INVPCID, FSGSBASE (CR4 is the
 *      hypervisor's, pv.h), PKU, LA57, SGX, processor trace, XSAVES;
 *   2. CPUID.1:ECX bit 31 (hypervisor present) is set;
 *   3. XSAVE and AVX are shown only if the hypervisor switches that state
 *      for the guest; leaf 0xD reports exactly the components in XCR0
 *      (x87, SSE and, if present, AVX), which the guest may read with
 *      xgetbv but not change (xsetbv raises #GP);
 *   4. leaves MICA_CPUID_LEAF_BASE.. are Mica's (below); other 0x4000xxxx
 *      leaves read as 0.
 * Emulation happens
 *   - for a `cpuid` preceded by the forced-emulation prefix
 *     (MICA_CPUID_FORCED_EMUL, the guest kernel and user mode alike), and
 *   - for a plain `cpuid` when the CPU supports CPUID faulting, which Mica
 *     then enables for all guest code.  Without CPUID faulting a plain
 *     `cpuid` returns the unfiltered host values; guests that care use
 *     the prefix.
 *
 * ------------------------------------------------------------------------
 * Mica's leaves
 * ------------------------------------------------------------------------
 * MICA_CPUID_LEAF_BASE (0x40000000):
 *   eax  highest Mica leaf (MICA_CPUID_LEAF_BASE + 1 in ABI 1.0)
 *   ebx, ecx, edx  the signature "MicaMicaMica" (as for the vendor string:
 *        bytes in ebx, ecx, edx order)
 * MICA_CPUID_LEAF_BASE + 1:
 *   eax  MICA_ABI_VERSION of the running hypervisor
 *   ebx, ecx, edx  0 (reserved)
 * MICA_CPUID_LEAF_BASE + 2 (MICA_CPUID_LEAF_HVM): HVM guests only (their
 *   base leaf reports it as the highest); see hvm/hvm.h.  HVM guests get
 *   the same filtered view minus what their platform lacks so far
 *   (XSAVE/AVX, the local APIC); CPUID always exits for them, so no
 *   prefix is needed.
 */
#ifndef MICA_PUBLIC_ARCH_X86_CPUID_H
#define MICA_PUBLIC_ARCH_X86_CPUID_H

#include "../mica.h"

#define MICA_CPUID_LEAF_BASE 0x40000000u
#define MICA_CPUID_SIGNATURE_EBX 0x6163694du /* "Mica" */
#define MICA_CPUID_SIGNATURE_ECX 0x6163694du
#define MICA_CPUID_SIGNATURE_EDX 0x6163694du

/*
 * The forced-emulation prefix: ud2 followed by the bytes "mica".  The
 * hypervisor emulates the `cpuid` (0f a2) that follows it and resumes
 * after both; any other instruction after the prefix leaves the #UD to the
 * guest.  In assembly:
 *     ud2; .ascii "mica"; cpuid
 */
#define MICA_CPUID_FORCED_EMUL_BYTES 0x0f, 0x0b, 0x6d, 0x69, 0x63, 0x61
#define MICA_CPUID_FORCED_EMUL "ud2; .ascii \"mica\"; "

#endif /* MICA_PUBLIC_ARCH_X86_CPUID_H */
