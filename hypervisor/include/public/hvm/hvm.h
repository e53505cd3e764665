/* SPDX-License-Identifier: MIT */
/*
 * hvm/hvm.h - what an HVM guest (an unmodified or lightly enlightened
 * kernel running on AMD SVM or Intel VMX with nested paging) can rely on.
 *
 * An HVM guest runs in a virtual machine that looks like a PC: it owns its
 * page tables, descriptor tables and interrupt flag, and reaches Mica only
 * through the instructions the CPU makes trap (CPUID, port I/O, MSRs, HLT,
 * VMMCALL/VMCALL) and through faults on memory it does not own.  This
 * header says what each of those does.  See docs/hvm.md for the design.
 *
 * ------------------------------------------------------------------------
 * Discovery
 * ------------------------------------------------------------------------
 * CPUID leaf MICA_CPUID_LEAF_BASE returns the "MicaMicaMica" signature
 * (arch-x86/cpuid.h); for an HVM guest its eax is at least
 * MICA_CPUID_LEAF_HVM, which returns
 *   eax  MICA_MSR_HYPERCALL_PAGE, the MSR that installs the hypercall page
 *   ebx  MICA_HVM_FEATURE_* bits
 *   ecx, edx  0 (reserved)
 *
 * ------------------------------------------------------------------------
 * Hypercalls
 * ------------------------------------------------------------------------
 *  1. The guest picks a page of its RAM and writes its guest-physical
 *     address to MICA_MSR_HYPERCALL_PAGE (wrmsr, at CPL 0).  Mica fills the
 *     page with MICA_HYPERCALL_PAGE_SLOTS stubs (mica.h calling convention)
 *     that use the trapping instruction of the CPU (vmmcall on AMD, vmcall
 *     on Intel); hypercall N is `call page + N * 32`.  The address must be
 *     4 KiB aligned and inside the guest's RAM, else the wrmsr raises
 *     #GP(0) and nothing is written.  rdmsr returns the last address
 *     accepted (0: none).  The page is ordinary guest RAM afterwards.
 *  2. Registers as in mica.h: number in rax, arguments in rdi, rsi, rdx,
 *     r10, r8, result in rax.  Outside 64-bit mode only the low 32 bits
 *     of each register are used.  A call from CPL > 0 returns
 *     -MICA_EPERM.
 *  3. Buffer addresses (gaddr) are guest-PHYSICAL addresses: the buffer
 *     must lie in the guest's RAM (it may cross pages), else -MICA_EFAULT.
 *  4. Available now: MICA_HC_version, MICA_HC_console_io,
 *     MICA_HC_sched_op.  Every other number returns -MICA_ENOSYS for an
 *     HVM guest (the PV CPU and paging interface does not apply; event
 *     channels, grants and memory_op come with their HVM support).
 *
 * ------------------------------------------------------------------------
 * Boot state (domains built at boot, docs/boot.md `type=hvm`)
 * ------------------------------------------------------------------------
 * RAM is guest-physical 0 .. nr_pages * 4 KiB, with no holes yet.  The
 * image (an ELF file) is loaded at its segments' physical addresses; the
 * top page of RAM holds a struct mica_hvm_start_info.  Vcpu 0 starts in
 * 16-bit real mode at the ELF entry point, which must be below 1 MiB:
 *   cs   selector (entry >> 4) & 0xf000, base selector << 4, ip the rest
 *   ds, es, fs, gs, ss  selector 0, base 0, limit 0xffff
 *   eax  MICA_HVM_START_MAGIC
 *   ebx  the guest-physical address of the start info
 *   esp, other registers  0;  eflags 0x2 (interrupts off)
 *   cr0  0x10 (ET; no protection, no paging), cr4 0, efer 0
 *   gdtr, idtr  base 0, limit 0xffff / 0x3ff
 * The other vcpus are down.
 *
 * ------------------------------------------------------------------------
 * The platform (what the guest's port I/O, MSRs and memory reach)
 * ------------------------------------------------------------------------
 *  P1. Ports MICA_HVM_COM1_PORT .. +7: a 16550A UART, the guest's console.
 *      What the guest transmits appears on Mica's console prefixed
 *      "(dN) ", line by line.  The receiver is always empty; the line
 *      status register always reports the transmitter empty; divisor,
 *      line control, modem control and scratch registers read back what
 *      was written; interrupts are never raised (no PIC yet).
 *  P2. Every other port reads as all ones and ignores writes, as on a PC
 *      with nothing decoding that address (the machine's real ports are
 *      never reached).  String I/O (ins/outs) is not emulated yet: the
 *      domain is crashed.
 *  P3. MSRs: EFER (SCE, LME, NXE writable; LMA as the CPU sets it), PAT,
 *      TSC (read), MICA_MSR_HYPERCALL_PAGE; the syscall and segment-base
 *      MSRs (STAR, LSTAR, CSTAR, SFMASK, FS/GS/KERNEL_GS base, SYSENTER_*)
 *      belong to the guest.  Any other MSR raises #GP(0).
 *  P4. Memory outside RAM (no device is emulated there yet: local APIC,
 *      I/O APIC and HPET come later) is not mapped: the first access
 *      crashes the domain ("nested page fault ... not guest memory").
 *  P5. HLT with interrupts enabled blocks the vcpu until something
 *      unblocks it; HLT with interrupts disabled takes the vcpu down for
 *      good, and the domain powers off when its last vcpu is down (there
 *      is no NMI source to wake it).
 *  P6. The CPU's virtualization instructions (vmrun, vmload, vmsave,
 *      stgi, clgi, skinit, invlpga; CPUID hides SVM and VMX) raise #UD.
 *      A triple fault, a shutdown, or any exit Mica does not handle crashes
 *      the domain.
 */
#ifndef MICA_PUBLIC_HVM_HVM_H
#define MICA_PUBLIC_HVM_HVM_H

#include "../mica.h"
#include "../arch-x86/cpuid.h"

#define MICA_CPUID_LEAF_HVM (MICA_CPUID_LEAF_BASE + 2)
#define MICA_MSR_HYPERCALL_PAGE 0x40000000u

/* CPUID MICA_CPUID_LEAF_HVM ebx: the guest runs on nested paging. */
#define MICA_HVM_FEATURE_HAP (1u << 0)

#define MICA_HVM_COM1_PORT 0x3f8u

#define MICA_HVM_START_MAGIC 0x4d696361u /* "Mica" as a little-endian word */

/*
 * The start info of a boot-built HVM domain, in the top page of its RAM.
 * magic is "mica-hvm-1" (NUL-padded); cmdline is the module's guest
 * arguments (docs/boot.md), NUL-terminated.
 */
struct mica_hvm_start_info {
	char magic[16];
	uint64_t nr_pages; /* RAM: guest-physical 0 .. nr_pages * 4 KiB */
	uint32_t nr_vcpus;
	uint32_t flags; /* 0 */
	char cmdline[1024];
};
MICA_STATIC_ASSERT(sizeof(struct mica_hvm_start_info) == 1056,
		   "mica_hvm_start_info");

#define MICA_HVM_START_INFO_MAGIC "mica-hvm-1"

#endif /* MICA_PUBLIC_HVM_HVM_H */
