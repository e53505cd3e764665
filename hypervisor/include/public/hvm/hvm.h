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
 *     MICA_HC_sched_op, MICA_HC_event_channel_op (every sub-op; the FIFO
 *     control blocks and array pages are gfns of the guest's RAM) and
 *     MICA_HC_vcpu_op with the sub-ops listed in vcpu.h
 *     MICA_VCPUOP_set_upcall_vector rule 6 (vcpu_info placed at a gfn,
 *     the vcpu timers, the upcall as a local APIC vector).  Every other
 *     number, and the other vcpu_op sub-ops, return -MICA_ENOSYS for an
 *     HVM guest (the PV CPU and paging interface does not apply; grants
 *     and memory_op come with their HVM support).
 *
 * ------------------------------------------------------------------------
 * Boot state (domains built at boot, docs/boot.md `type=hvm`)
 * ------------------------------------------------------------------------
 * RAM is guest-physical 0 .. nr_pages * 4 KiB, with no holes yet.  A
 * Linux bzImage (boot protocol 2.12 or later) is booted through the Linux
 * boot protocol instead: protected-mode part at 1 MiB, zero page at
 * 0x7000 (e820: RAM below 0x9fc00 and from 1 MiB to the start-info page,
 * the ACPI tables as ACPI data, the rest reserved; acpi_rsdp_addr set),
 * command line at 0x20000, the module's initrd at the top of RAM, GDT at
 * 0x6000, vcpu 0 in flat 32-bit protected mode at 1 MiB with esi = the
 * zero page (selectors 0x10/0x18, paging and interrupts off).  Otherwise
 * the image (an ELF file) is loaded at its segments' physical addresses; the
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
 *      was written.  Its one interrupt, "transmitter holding register
 *      empty" (IER bit 1), is raised on ISA IRQ 4 while it is enabled,
 *      MCR.OUT2 is set and it is owed (after enabling it and after each
 *      byte sent); reading it from IIR or sending a byte withdraws it.
 *  P2. Ports no device below decodes read as all ones and ignore writes,
 *      as on a PC with nothing at that address (the machine's real ports
 *      are never reached).  String I/O (ins/outs, with rep, either
 *      direction, any address size) is emulated; a rep runs at most 128
 *      iterations per exit and then resumes, so interrupts are taken.
 *  P3. MSRs: EFER (SCE, LME, NXE writable; LMA as the CPU sets it), PAT,
 *      TSC (read), MICA_MSR_HYPERCALL_PAGE, the local APIC's (P7),
 *      0xc0010055 (AMD interrupt-pending message: reads 0); the
 *      syscall and segment-base MSRs (STAR, LSTAR, CSTAR, SFMASK,
 *      FS/GS/KERNEL_GS base, SYSENTER_*) belong to the guest.  Any other
 *      MSR raises #GP(0).
 *  P4. Memory outside RAM is not mapped.  An access to the local APIC
 *      page (P7) or the I/O APIC page (P10) is carried out by emulating
 *      the instruction: mov (all forms), movzx, movsx, xchg, add, or, and,
 *      sub, xor, cmp, test, movs, stos, lods.  Any other instruction
 *      there, an instruction that cannot be fetched, or an access to any
 *      other address outside RAM crashes the domain ("nested page fault
 *      ... not guest memory and no device there", "cannot emulate").
 *  P5. HLT with interrupts enabled blocks the vcpu until an interrupt is
 *      due; HLT with interrupts disabled takes the vcpu down, to be
 *      started again only by a startup IPI (P8), and the domain powers
 *      off when its last vcpu is down.
 *  P6. The CPU's virtualization instructions (vmrun, vmload, vmsave,
 *      stgi, clgi, skinit, invlpga; vmxon, vmxoff, vmclear, vmptrld,
 *      vmptrst, vmread, vmwrite, vmlaunch, vmresume, invept, invvpid;
 *      getsec; CPUID hides SVM and VMX) raise #UD on either vendor;
 *      on Intel, setting CR4.VMXE raises #GP.
 *      A triple fault, a shutdown, or any exit Mica does not handle crashes
 *      the domain.
 *  P7. Local APIC, one per vcpu, APIC ID = vcpu id (CPUID.1 EBX[31:24],
 *      CPUID.0xB EDX), xAPIC page at 0xfee00000 (IA32_APIC_BASE cannot
 *      move; x2APIC by setting EXTD, back only through disabled) and the
 *      x2APIC MSRs 0x800-0x8ff (reserved or wrong-direction ones, and any
 *      in xAPIC mode, raise #GP).  Version 0x14 with 7 LVT entries.
 *      Page accesses must be aligned 32-bit ones at the start of a
 *      register; others read 0 and write nothing.  TPR/PPR priorities,
 *      EOI (of a level-triggered vector: also to the I/O APIC), ISR,
 *      TMR, IRR, ESR (illegal vector), LDR/DFR (flat and cluster), SVR.
 *      The timer counts at 100 MHz before its divider, in one-shot,
 *      periodic (never more often than every 50 us) or TSC-deadline mode
 *      (IA32_TSC_DEADLINE, the guest TSC being the host's).  Vcpu 0 starts
 *      as a PC's firmware leaves it: enabled, LINT0 ExtINT, LINT1 NMI.
 *  P8. The ICR sends fixed and lowest-priority IPIs (lowest priority: the
 *      first matching vcpu), INIT and startup IPIs to the domain's vcpus,
 *      by destination (physical, logical, broadcast) or shorthand.  Vcpus
 *      other than 0 start down, waiting for a startup IPI, which starts
 *      them in real mode at vector << 12 (cs = vector << 8, ip 0); INIT
 *      takes a vcpu back to waiting; further SIPIs are ignored.  NMI IPIs
 *      (and I/O APIC entries in NMI mode) are delivered as NMIs, held
 *      while the vcpu's NMIs are blocked (from an NMI's delivery to the
 *      end of its handler's IRET), NMIs arriving meanwhile merging into
 *      one.  INIT to the sender itself, an NMI by the Self shorthand,
 *      SMI and ExtINT IPIs are ignored.
 *  P9. 8259A pair at 0x20/0x21 and 0xa0/0xa1 (slave on IRQ 2), edge/level
 *      control at 0x4d0/0x4d1: ICW1-4, masks, specific and non-specific
 *      EOI, IRR/ISR reads, automatic EOI; fixed priority (rotation
 *      commands are accepted and ignored).  Masked at reset.  Its output
 *      reaches vcpu 0 through LINT0 in ExtINT mode.
 * P10. I/O APIC version 0x11, 24 pins, at 0xfec00000 (IOREGSEL +0, IOWIN
 *      +0x10; aligned 32-bit accesses only).  ISA IRQ 0 is pin 2, other
 *      ISA IRQs their own pin.  Fixed and lowest-priority delivery, edge
 *      and level (remote IRR until the EOI); masked at reset.
 * P11. PIT (8254) at 0x40-0x43: channel 0 on IRQ 0 (modes 0, 2, 3; at
 *      most one interrupt per 50 us), channel 2 gated by port 0x61 bit 0
 *      with its output in bit 5, counter latch and read-back of counts.
 *      RTC/CMOS at 0x70/0x71: Mica's wall clock in BCD or binary, 24 or
 *      12 hours (status B); writes to the time are ignored; no RTC
 *      interrupts; the other 114 bytes are RAM.  ACPI PM1a at 0xb000
 *      (status, enable), 0xb004 (control: SCI_EN reads 1; SLP_EN with
 *      SLP_TYP 5 powers the domain off), PM timer at 0xb008 (24 bits,
 *      3.579545 MHz).  Port 0xcf9 with bit 2 set reboots the domain.
 * P12. ACPI tables at guest-physical 0xe0000 (8 KiB, RAM the guest must
 *      keep): RSDP 2.0, RSDT, XSDT, FADT (P11's ports, SCI on IRQ 9,
 *      reset register 0xcf9 = 6), a DSDT holding only \_S5 = 5, MADT (a
 *      local APIC per vcpu, the I/O APIC, IRQ 0 -> GSI 2, SCI level).
 *      Images of boot-built domains may not overlap them and need at
 *      least 1 MiB of RAM.
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

/*
 * The architectural state of an HVM vcpu, for domctl.h
 * MICA_DOMCTL_get_hvm_context / MICA_DOMCTL_set_hvm_context (the
 * toolstack building, inspecting and restoring HVM domains).
 *   - Segments: attr packs descriptor bits 40-47 (type, S, DPL, P) in bits
 *     0-7 and bits 52-55 (AVL, L, D/B, G) in bits 8-11, as SVM keeps them.
 *   - On set, efer may hold only SCE, LME, LMA, NXE, pat must be a
 *     valid PAT and bits 63:32 of cr0, cr4, dr6 and dr7 must be clear;
 *     anything else is -MICA_EINVAL.  Other inconsistent state
 *     (the CPU's own VM-entry checks) crashes the domain when the vcpu
 *     first runs.  The vcpu must be down or its domain paused.
 *   - Set on vcpu 0 of a domain that never ran marks it up (as
 *     MICA_DOMCTL_set_vcpu_context does); other vcpus stay down, waiting
 *     for a startup IPI, unless MICA_HVMCTX_ONLINE is set.
 *   - Local APIC, FPU and device state are not here (yet).
 */
struct mica_hvm_segment {
	uint16_t sel;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
};
MICA_STATIC_ASSERT(sizeof(struct mica_hvm_segment) == 16, "mica_hvm_segment");

/* flags: OUT the vcpu is up; IN (set) start it when the domain runs. */
#define MICA_HVMCTX_ONLINE (1u << 0)

struct mica_hvm_vcpu_context {
	uint32_t flags; /* MICA_HVMCTX_* */
	uint32_t pad0;
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t dr6, dr7;
	struct mica_hvm_segment es, cs, ss, ds, fs, gs;
	struct mica_hvm_segment gdtr, ldtr, idtr, tr;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, pat;
	uint64_t reserved[8]; /* zero */
};
MICA_STATIC_ASSERT(sizeof(struct mica_hvm_vcpu_context) == 504,
		   "mica_hvm_vcpu_context");

#endif /* MICA_PUBLIC_HVM_HVM_H */
