/* SPDX-License-Identifier: MIT */
/*
 * The AMD SVM virtual machine control block (AMD64 APM vol. 2, appendix
 * B): a 4 KiB page, the control area at 0x000 and the state save area at
 * 0x400.  Only the fields Mica uses are named; the rest is reserved and
 * stays zero.
 */
#ifndef HVM_SVM_VMCB_H
#define HVM_SVM_VMCB_H

#include <mica/types.h>

/* A segment in the save area.  attrib packs descriptor bits 40-47 (type,
 * S, DPL, P) in bits 0-7 and bits 52-55 (AVL, L, D/B, G) in bits 8-11. */
struct vmcb_seg {
	uint16_t sel;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};

struct vmcb {
	/* Control area. */
	uint32_t intercept_cr; /* 0x000: bits 0-15 read, 16-31 write */
	uint32_t intercept_dr; /* 0x004: bits 0-15 read, 16-31 write */
	uint32_t intercept_exceptions; /* 0x008 */
	uint32_t intercept_misc1; /* 0x00c: INTERCEPT1_* */
	uint32_t intercept_misc2; /* 0x010: INTERCEPT2_* */
	uint8_t reserved_014[0x040 - 0x014];
	uint64_t iopm_base_pa; /* 0x040 */
	uint64_t msrpm_base_pa; /* 0x048 */
	uint64_t tsc_offset; /* 0x050 */
	uint32_t asid; /* 0x058 */
	uint8_t tlb_control; /* 0x05c */
	uint8_t reserved_05d[3];
	uint64_t vintr; /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING (bit 24) */
	uint64_t interrupt_shadow; /* 0x068 */
	uint64_t exitcode; /* 0x070 */
	uint64_t exitinfo1; /* 0x078 */
	uint64_t exitinfo2; /* 0x080 */
	uint64_t exitintinfo; /* 0x088 */
	uint64_t np_enable; /* 0x090: bit 0 nested paging */
	uint8_t reserved_098[0x0a8 - 0x098];
	uint64_t eventinj; /* 0x0a8 */
	uint64_t n_cr3; /* 0x0b0: nested page table root */
	uint64_t virt_ext; /* 0x0b8 */
	uint32_t clean_bits; /* 0x0c0 */
	uint32_t reserved_0c4;
	uint64_t next_rip; /* 0x0c8: with the NRIPS feature */
	uint8_t insn_len; /* 0x0d0 */
	uint8_t insn_bytes[15];
	uint8_t reserved_0e0[0x400 - 0x0e0];

	/* State save area. */
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 */
	struct vmcb_seg gdtr, ldtr, idtr, tr; /* 0x460 */
	uint8_t reserved_4a0[0x4cb - 0x4a0];
	uint8_t cpl; /* 0x4cb */
	uint32_t reserved_4cc;
	uint64_t efer; /* 0x4d0 */
	uint8_t reserved_4d8[0x548 - 0x4d8];
	uint64_t cr4; /* 0x548 */
	uint64_t cr3;
	uint64_t cr0;
	uint64_t dr7;
	uint64_t dr6;
	uint64_t rflags;
	uint64_t rip; /* 0x578 */
	uint8_t reserved_580[0x5d8 - 0x580];
	uint64_t rsp; /* 0x5d8 */
	uint8_t reserved_5e0[0x5f8 - 0x5e0];
	uint64_t rax; /* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base; /* 0x600 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip; /* 0x628 */
	uint64_t cr2; /* 0x640 */
	uint8_t reserved_648[0x668 - 0x648];
	uint64_t g_pat; /* 0x668 */
	uint8_t reserved_670[0x1000 - 0x670];
};
_Static_assert(__builtin_offsetof(struct vmcb, eventinj) == 0x0a8, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, insn_bytes) == 0x0d1, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, tr) == 0x490, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, cpl) == 0x4cb, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, efer) == 0x4d0, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, cr4) == 0x548, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, rip) == 0x578, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, rsp) == 0x5d8, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, rax) == 0x5f8, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, cr2) == 0x640, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, g_pat) == 0x668, "vmcb");
_Static_assert(sizeof(struct vmcb) == 4096, "vmcb");

/* intercept_misc1 */
#define INTERCEPT1_INTR (1u << 0)
#define INTERCEPT1_NMI (1u << 1)
#define INTERCEPT1_SMI (1u << 2)
#define INTERCEPT1_INIT (1u << 3)
#define INTERCEPT1_VINTR (1u << 4)
#define INTERCEPT1_CPUID (1u << 18)
#define INTERCEPT1_RSM (1u << 19)
#define INTERCEPT1_IRET (1u << 20)
#define INTERCEPT1_INVD (1u << 22)
#define INTERCEPT1_HLT (1u << 24)
#define INTERCEPT1_INVLPGA (1u << 26)
#define INTERCEPT1_IOIO (1u << 27)
#define INTERCEPT1_MSR (1u << 28)
#define INTERCEPT1_TASK_SWITCH (1u << 29)
#define INTERCEPT1_SHUTDOWN (1u << 31)
/* intercept_misc2 */
#define INTERCEPT2_VMRUN (1u << 0)
#define INTERCEPT2_VMMCALL (1u << 1)
#define INTERCEPT2_VMLOAD (1u << 2)
#define INTERCEPT2_VMSAVE (1u << 3)
#define INTERCEPT2_STGI (1u << 4)
#define INTERCEPT2_CLGI (1u << 5)
#define INTERCEPT2_SKINIT (1u << 6)
#define INTERCEPT2_XSETBV (1u << 13)

/* Exit codes. */
#define VMEXIT_DR0_READ 0x20
#define VMEXIT_DR15_WRITE 0x3f
#define VMEXIT_EXCP_BASE 0x40
#define VMEXIT_INTR 0x60
#define VMEXIT_NMI 0x61
#define VMEXIT_SMI 0x62
#define VMEXIT_INIT 0x63
#define VMEXIT_VINTR 0x64
#define VMEXIT_CPUID 0x72
#define VMEXIT_RSM 0x73
#define VMEXIT_IRET 0x74
#define VMEXIT_INVD 0x76
#define VMEXIT_HLT 0x78
#define VMEXIT_INVLPGA 0x7a
#define VMEXIT_IOIO 0x7b
#define VMEXIT_MSR 0x7c
#define VMEXIT_TASK_SWITCH 0x7d
#define VMEXIT_SHUTDOWN 0x7f
#define VMEXIT_VMRUN 0x80
#define VMEXIT_VMMCALL 0x81
#define VMEXIT_VMLOAD 0x82
#define VMEXIT_VMSAVE 0x83
#define VMEXIT_STGI 0x84
#define VMEXIT_CLGI 0x85
#define VMEXIT_SKINIT 0x86
#define VMEXIT_XSETBV 0x8d
#define VMEXIT_NPF 0x400
#define VMEXIT_INVALID ((uint64_t)-1)

/* IOIO exitinfo1. */
#define IOIO_IN (1u << 0)
#define IOIO_STR (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SZ_SHIFT 4 /* bits 4-6: 1, 2, 4 bytes */
#define IOIO_PORT_SHIFT 16

/* NPF exitinfo1 (a page-fault error code). */
#define NPF_PRESENT (1u << 0)
#define NPF_WRITE (1u << 1)
#define NPF_FETCH (1u << 4)

/* eventinj / exitintinfo */
#define EVENT_TYPE_NMI (2u << 8)
#define EVENT_TYPE_EXCEPTION (3u << 8)
#define EVENT_ERROR_VALID (1u << 11)
#define EVENT_VALID (1u << 31)

/* clean_bits: the groups of fields unchanged since the last VMRUN of
 * this VMCB on this CPU (the CPU may use its cached copy of them). */
#define VMCB_CLEAN_INTERCEPTS (1u << 0) /* intercepts, TSC offset */
#define VMCB_CLEAN_IOPM (1u << 1) /* iopm_base_pa, msrpm_base_pa */
#define VMCB_CLEAN_ASID (1u << 2)
#define VMCB_CLEAN_TPR (1u << 3) /* vintr */
#define VMCB_CLEAN_NP (1u << 4) /* np_enable, n_cr3, g_pat */
#define VMCB_CLEAN_CRX (1u << 5) /* cr0, cr3, cr4, efer */
#define VMCB_CLEAN_DRX (1u << 6) /* dr6, dr7 */
#define VMCB_CLEAN_DT (1u << 7) /* gdtr, idtr */
#define VMCB_CLEAN_SEG (1u << 8) /* cs, ds, ss, es, cpl */
#define VMCB_CLEAN_CR2 (1u << 9)
#define VMCB_CLEAN_LBR (1u << 10)
#define VMCB_CLEAN_AVIC (1u << 11)
#define VMCB_CLEAN_ALL 0xfffu

#define VINTR_MASKING (1ULL << 24)
#define VINTR_IRQ (1ULL << 8) /* a virtual interrupt is pending */
#define VINTR_PRIO_MASK (0xfULL << 16)
#define VINTR_IGN_TPR (1ULL << 20)
#define EVENT_TYPE_INTR (0u << 8)
#define SEG_ATTR_DB (1u << 10) /* vmcb_seg.attrib: descriptor bit 54 */

#endif
