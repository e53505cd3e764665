/* SPDX-License-Identifier: MIT */
/*
 * mica.h - the base of Mica's public ABI.
 *
 * The headers under hypervisor/include/public/ ARE the specification of the
 * interface between the Mica hypervisor and its guests (and dom0's toolstack).
 * Every structure here crosses the guest/hypervisor boundary; every rule in a
 * comment is a promise one side makes to the other.  docs/abi.md is the
 * overview; when it and a header disagree, the header wins.
 *
 * Put hypervisor/include on the include path and write
 *     #include "public/mica.h"
 * Never put public/ itself on the path: public/errno.h would hide <errno.h>.
 *
 * ------------------------------------------------------------------------
 * Rules every public header follows
 * ------------------------------------------------------------------------
 *  1. Fixed-width integer types only.  Guest addresses, frame numbers and
 *     sizes are uint64_t.  No pointers, no long, no enum-typed fields, no
 *     bit-fields.  `char` appears only in NUL-terminated text fields, where it
 *     is exactly one byte.
 *  2. Every structure has explicit padding (fields named pad*), which the
 *     caller sets to zero and the hypervisor checks: non-zero padding fails
 *     with -MICA_EINVAL, so that a later version may give it a meaning.
 *  3. Every structure's size (and the offsets a port relies on) is pinned by
 *     MICA_STATIC_ASSERT, so a layout change cannot go unnoticed.
 *  4. Numbering is append-only: hypercall numbers, sub-op numbers, flags,
 *     VIRQs and ELF note types are never reused or renumbered.  A retired
 *     number stays reserved forever.
 *  5. Every header compiles alone as C99 and C11, freestanding or hosted, and
 *     as C++11.  It includes only <stdint.h>, <stddef.h> and its siblings.
 *  6. Little-endian x86-64 layout; all multi-byte fields are naturally
 *     aligned.
 *
 * ------------------------------------------------------------------------
 * Vocabulary
 * ------------------------------------------------------------------------
 *  mfn   machine frame number: a host-physical address >> 12.
 *  pfn   pseudo-physical frame number: the guest's own view of its memory as
 *        a contiguous array 0..nr_pages-1 (a PV guest keeps the pfn->mfn map
 *        itself; the hypervisor keeps mfn->pfn in the M2P table).
 *  gfn   the frame number a guest uses when it names a frame in a hypercall.
 *        For a PV guest gfn == mfn; for a translated (HVM) guest gfn == the
 *        guest-physical frame number.  Hypercalls take gfns unless a field
 *        says otherwise.
 *  gaddr a guest virtual address (PV) or guest-physical address (HVM) of an
 *        argument buffer in the calling domain, as uint64_t.
 *  domid a 16-bit domain identifier; see MICA_DOMID_* below.
 *
 * ------------------------------------------------------------------------
 * Calling convention (x86-64)
 * ------------------------------------------------------------------------
 *  1. The hypervisor fills a 4 KiB "hypercall page" chosen by the guest (PV:
 *     the MICA_ELFNOTE_HYPERCALL_PAGE note; HVM: written at run time through an
 *     MSR, see hvm/hvm.h).  It holds MICA_HYPERCALL_PAGE_SLOTS
 *     stubs of MICA_HYPERCALL_SLOT_SIZE bytes; hypercall N is made by
 *     `call hypercall_page + N * 32`.  Guests must not build the trapping
 *     instruction themselves: the page hides whether it is `syscall` (PV),
 *     `vmmcall` (AMD SVM) or `vmcall` (Intel VMX).
 *  2. Registers: hypercall number in rax (the stub loads it); arguments in
 *     rdi, rsi, rdx, r10, r8 (at most five); result in rax.  r10 stands in
 *     for rcx because `syscall` destroys rcx.
 *  3. Clobbered: rax (result), rcx and r11 (by `syscall`/`sysret`), and all
 *     five argument registers (the hypervisor may rewrite them to record the
 *     progress of a long operation, see note 6).  Every other register,
 *     rflags.DF (=0 on entry, as the SysV ABI requires), and the stack are
 *     preserved.  This matches the set a SysV function call may clobber, so a
 *     hypercall wrapper needs no extra saves.
 *  4. Result: 0 or a positive value on success as each operation defines;
 *     on failure a negative errno, -MICA_E*, from public/errno.h.  An unknown
 *     hypercall number returns -MICA_ENOSYS; an unknown sub-op returns
 *     -MICA_ENOSYS too (never -MICA_EINVAL), so feature probing is reliable.
 *  5. Argument buffers (gaddr) are read once, copied into the hypervisor, and
 *     validated there; an unreadable or unwritable buffer fails with
 *     -MICA_EFAULT.  The guest must not rely on what the hypervisor sees if it
 *     modifies a buffer concurrently from another vcpu.
 *  6. Preemption: an operation that processes a batch may stop part-way to
 *     let other work run; it then rewinds the guest's instruction pointer to
 *     the trapping instruction and updates the argument registers (or the
 *     buffer's progress fields, as documented) so that re-execution continues
 *     where it stopped.  The guest sees this only as a longer call.  Events
 *     may be delivered in between.
 *  7. Only the guest kernel may make hypercalls.  In a PV guest, `syscall`
 *     executed in guest user mode is an ordinary system call: it is bounced
 *     to the guest kernel's syscall callback (arch-x86/pv.h) and never reaches
 *     a hypercall handler.  An HVM guest must be at CPL 0, else the call
 *     fails with -MICA_EPERM.
 *  8. Wrapper prototypes in comments, such as
 *         long mica_sched_op(uint32_t cmd, uint64_t arg_gaddr);
 *     name the arguments in register order; narrower integers are passed
 *     zero-extended in the 64-bit register.
 *  9. Privileged operations (domctl, sysctl, acting on another domain) are
 *     refused to unprivileged domains with -MICA_EPERM before any argument is
 *     read.
 */
#ifndef MICA_PUBLIC_MICA_H
#define MICA_PUBLIC_MICA_H

#include <stddef.h>
#include <stdint.h>

/*
 * MICA_STATIC_ASSERT(expr, msg): a compile-time check usable at file scope
 * in every language mode the headers support.  C99 has no _Static_assert;
 * there the fallback declares an array whose size is negative when the
 * check fails (repeated identical extern declarations are legal).
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define MICA_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define MICA_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#else
#define MICA_STATIC_ASSERT(expr, msg) \
	extern char mica_static_assert_failed[(expr) ? 1 : -1]
#endif

/*
 * ABI version.  The major number changes only if a published structure or
 * number ever had to change incompatibly (the rules above exist so that it
 * never does).  The minor number grows when operations, fields carved out of
 * padding, flags or feature bits are added.  A guest built against minor M
 * runs on any hypervisor with the same major and minor >= M; on an older
 * minor it must probe (MICA_HC_version, MICA_VERSION_GET_FEATURES) before
 * using newer pieces.
 */
#define MICA_ABI_VERSION_MAJOR 1
#define MICA_ABI_VERSION_MINOR 0
#define MICA_ABI_VERSION \
	((MICA_ABI_VERSION_MAJOR << 16) | MICA_ABI_VERSION_MINOR)

/* Pages are 4 KiB everywhere in the ABI. */
#define MICA_PAGE_SHIFT 12
#define MICA_PAGE_SIZE (1u << MICA_PAGE_SHIFT)

/* An invalid frame number (mfn, pfn or gfn). */
#define MICA_INVALID_FRAME (~(uint64_t)0)

/* ------------------------------------------------------------------------
 * Domain identifiers
 * ------------------------------------------------------------------------
 * Real domains are numbered 0..MICA_DOMID_FIRST_RESERVED-1; domain 0 is the
 * initial, privileged domain.  The values from MICA_DOMID_FIRST_RESERVED up
 * name pseudo-domains and are never given to a real domain.
 */
typedef uint16_t mica_domid_t;

#define MICA_DOMID_FIRST_RESERVED 0x7FF0
/* The calling domain. */
#define MICA_DOMID_SELF 0x7FF0
/* Owner of I/O (MMIO) frames that belong to no domain. */
#define MICA_DOMID_IO 0x7FF1
/* The hypervisor itself (e.g. as owner of the shared M2P frames). */
#define MICA_DOMID_MICA 0x7FF2
/* Ask the hypervisor to choose (domain creation). */
#define MICA_DOMID_ANY 0x7FF3
/* No domain. */
#define MICA_DOMID_INVALID 0x7FF4

/* Event channel port number.  0 is never a valid bound port. */
typedef uint32_t mica_evtchn_port_t;

/* Grant reference: an index into a domain's grant table. */
typedef uint32_t mica_grant_ref_t;

/* Handle for an established grant mapping, returned by map. */
typedef uint32_t mica_grant_handle_t;

/* ------------------------------------------------------------------------
 * Hypercall numbers (append-only).
 * ------------------------------------------------------------------------
 * Arguments are listed as (rdi, rsi, rdx, r10, r8).  The header named on
 * each line specifies the call.
 */
/* (cmd, gaddr arg)                                         version.h */
#define MICA_HC_version 0
/* (cmd, count, gaddr buf)                                  console.h */
#define MICA_HC_console_io 1
/* (cmd, gaddr arg)                                         sched.h */
#define MICA_HC_sched_op 2
/* (cmd, vcpu, gaddr arg)                                   vcpu.h */
#define MICA_HC_vcpu_op 3
/* (cmd, gaddr arg)                                         memory.h */
#define MICA_HC_memory_op 4
/* (gaddr reqs, count, gaddr done, foreign domid)           mmu.h */
#define MICA_HC_mmu_update 5
/* (gaddr ops, count, gaddr done, foreign domid)            mmu.h */
#define MICA_HC_mmuext_op 6
/* (va, new pte, flags, gaddr vcpu mask)                    mmu.h */
#define MICA_HC_update_va_mapping 7
/* (gaddr calls, count)                                     multicall.h */
#define MICA_HC_multicall 8
/* (cmd, gaddr arg)                                         event_channel.h */
#define MICA_HC_event_channel_op 9
/* (cmd, gaddr ops, count)                                  grant_table.h */
#define MICA_HC_grant_table_op 10
/* (gaddr table)                                            arch-x86/pv.h */
#define MICA_HC_set_trap_table 11
/* (cmd, gaddr arg)                                         arch-x86/pv.h */
#define MICA_HC_callback_op 12
/* (ss, rsp)                                                arch-x86/pv.h */
#define MICA_HC_stack_switch 13
/* (none: frame on the guest stack)                         arch-x86/pv.h */
#define MICA_HC_iret 14
/* (which, value)                                           arch-x86/pv.h */
#define MICA_HC_set_segment_base 15
/* (gaddr frame list, nr entries)                           arch-x86/pv.h */
#define MICA_HC_set_gdt 16
/* (machine address, descriptor)                            arch-x86/pv.h */
#define MICA_HC_update_descriptor 17
/* (set)                                                    arch-x86/pv.h */
#define MICA_HC_fpu_taskswitch 18
/* (reg, value)                                             arch-x86/pv.h */
#define MICA_HC_set_debugreg 19
/* (reg)                                                    arch-x86/pv.h */
#define MICA_HC_get_debugreg 20
/* (cmd, gaddr arg)                                         physdev.h */
#define MICA_HC_physdev_op 21
/* (gaddr struct mica_domctl)                               domctl.h */
#define MICA_HC_domctl 22
/* (gaddr struct mica_sysctl)                               sysctl.h */
#define MICA_HC_sysctl 23

/* One more than the highest number defined in this version. */
#define MICA_HC_NR_DEFINED 24

/* Hypercall page geometry: 128 slots of 32 bytes fill one page. */
#define MICA_HYPERCALL_SLOT_SIZE 32
#define MICA_HYPERCALL_PAGE_SLOTS 128
MICA_STATIC_ASSERT((MICA_HYPERCALL_SLOT_SIZE * MICA_HYPERCALL_PAGE_SLOTS) ==
			   MICA_PAGE_SIZE,
		   "hypercall page is one page");
MICA_STATIC_ASSERT(MICA_HC_NR_DEFINED <= MICA_HYPERCALL_PAGE_SLOTS,
		   "every hypercall has a slot");

#endif /* MICA_PUBLIC_MICA_H */
