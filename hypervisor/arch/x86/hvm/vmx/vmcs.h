/* SPDX-License-Identifier: MIT */
/*
 * Intel VMX: the capability MSRs, the VMCS field encodings, control bits
 * and exit reasons the VMX back end uses (Intel SDM vol. 3C, appendices A
 * to C).  Field encodings: bits 14:13 width (16, 64, 32, natural), 11:10
 * type (control, exit information, guest, host), 9:1 index.
 */
#ifndef HVM_VMX_VMCS_H
#define HVM_VMX_VMCS_H

/* Capability and control MSRs. */
#define MSR_IA32_FEATURE_CONTROL 0x03a
#define FEATURE_CONTROL_LOCKED (1ULL << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ULL << 2)
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_TSC_AUX 0xc0000103
#define CPUID_E1_EDX_RDTSCP (1u << 27)
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485 /* 4:0 the preemption timer's TSC shift */
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490

#define VMX_BASIC_TRUE_CTLS (1ULL << 55)
#define VMX_BASIC_MEMTYPE_SHIFT 50 /* bits 53:50, 6 = write-back */

/* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_WALK_4 (1ULL << 6)
#define EPT_CAP_WB (1ULL << 14)
#define EPT_CAP_2M (1ULL << 16)
#define EPT_CAP_INVEPT (1ULL << 20)
#define EPT_CAP_INVEPT_SINGLE (1ULL << 25)
#define EPT_CAP_INVEPT_ALL (1ULL << 26)
#define VPID_CAP_INVVPID (1ULL << 32)
#define VPID_CAP_INVVPID_SINGLE (1ULL << 41)
#define VPID_CAP_INVVPID_ALL (1ULL << 42)

/* INVEPT / INVVPID types. */
#define INV_SINGLE_CONTEXT 1
#define INV_ALL_CONTEXT 2

/* EPT pointer: write-back walks, 4 levels. */
#define EPTP_WB 6
#define EPTP_WALK_4 (3 << 3)
/* EPT leaf memory type, bits 5:3. */
#define EPT_MT_WB (6ULL << 3)

/* 16-bit fields. */
#define VIRTUAL_PROCESSOR_ID 0x0000
#define GUEST_ES_SELECTOR 0x0800 /* then CS SS DS FS GS LDTR TR, +2 */
#define HOST_ES_SELECTOR 0x0c00
#define HOST_CS_SELECTOR 0x0c02
#define HOST_SS_SELECTOR 0x0c04
#define HOST_DS_SELECTOR 0x0c06
#define HOST_FS_SELECTOR 0x0c08
#define HOST_GS_SELECTOR 0x0c0a
#define HOST_TR_SELECTOR 0x0c0c

/* 64-bit fields. */
#define MSR_BITMAP 0x2004
#define VM_EXIT_MSR_STORE_ADDR 0x2006
#define VM_EXIT_MSR_LOAD_ADDR 0x2008
#define VM_ENTRY_MSR_LOAD_ADDR 0x200a
#define EPT_POINTER 0x201a
#define GUEST_PHYSICAL_ADDRESS 0x2400
#define VMCS_LINK_POINTER 0x2800
#define GUEST_IA32_DEBUGCTL 0x2802
#define GUEST_IA32_PAT 0x2804
#define GUEST_IA32_EFER 0x2806
#define GUEST_PDPTE0 0x280a /* then PDPTE1-3, +2 */
#define HOST_IA32_PAT 0x2c00
#define HOST_IA32_EFER 0x2c02

/* 32-bit fields. */
#define PIN_BASED_VM_EXEC_CONTROL 0x4000
#define CPU_BASED_VM_EXEC_CONTROL 0x4002
#define EXCEPTION_BITMAP 0x4004
#define CR3_TARGET_COUNT 0x400a
#define VM_EXIT_CONTROLS 0x400c
#define VM_EXIT_MSR_STORE_COUNT 0x400e
#define VM_EXIT_MSR_LOAD_COUNT 0x4010
#define VM_ENTRY_CONTROLS 0x4012
#define VM_ENTRY_MSR_LOAD_COUNT 0x4014
#define VM_ENTRY_INTR_INFO 0x4016
#define VM_ENTRY_EXCEPTION_ERROR_CODE 0x4018
#define VM_ENTRY_INSTRUCTION_LEN 0x401a
#define SECONDARY_VM_EXEC_CONTROL 0x401e
#define VM_INSTRUCTION_ERROR 0x4400
#define VM_EXIT_REASON 0x4402
#define VM_EXIT_INTR_INFO 0x4404
#define VM_EXIT_INTR_ERROR_CODE 0x4406
#define IDT_VECTORING_INFO 0x4408
#define IDT_VECTORING_ERROR_CODE 0x440a
#define VM_EXIT_INSTRUCTION_LEN 0x440c
#define GUEST_ES_LIMIT 0x4800 /* then CS SS DS FS GS LDTR TR, +2 */
#define GUEST_GDTR_LIMIT 0x4810
#define GUEST_IDTR_LIMIT 0x4812
#define GUEST_ES_AR 0x4814 /* then CS SS DS FS GS LDTR TR, +2 */
#define GUEST_INTERRUPTIBILITY 0x4824
#define GUEST_ACTIVITY_STATE 0x4826
#define GUEST_SYSENTER_CS 0x482a
#define GUEST_PREEMPTION_TIMER 0x482e
#define HOST_IA32_SYSENTER_CS 0x4c00

/* Natural-width fields. */
#define CR0_GUEST_HOST_MASK 0x6000
#define CR4_GUEST_HOST_MASK 0x6002
#define CR0_READ_SHADOW 0x6004
#define CR4_READ_SHADOW 0x6006
#define EXIT_QUALIFICATION 0x6400
#define GUEST_CR0 0x6800
#define GUEST_CR3 0x6802
#define GUEST_CR4 0x6804
#define GUEST_ES_BASE 0x6806 /* then CS SS DS FS GS LDTR TR, +2 */
#define GUEST_GDTR_BASE 0x6816
#define GUEST_IDTR_BASE 0x6818
#define GUEST_DR7 0x681a
#define GUEST_RSP 0x681c
#define GUEST_RIP 0x681e
#define GUEST_RFLAGS 0x6820
#define GUEST_PENDING_DBG 0x6822
#define GUEST_SYSENTER_ESP 0x6824
#define GUEST_SYSENTER_EIP 0x6826
#define HOST_CR0 0x6c00
#define HOST_CR3 0x6c02
#define HOST_CR4 0x6c04
#define HOST_FS_BASE 0x6c06
#define HOST_GS_BASE 0x6c08
#define HOST_TR_BASE 0x6c0a
#define HOST_GDTR_BASE 0x6c0c
#define HOST_IDTR_BASE 0x6c0e
#define HOST_SYSENTER_ESP 0x6c10
#define HOST_SYSENTER_EIP 0x6c12
#define HOST_RSP 0x6c14
#define HOST_RIP 0x6c16

#ifndef __ASSEMBLY__
/* Segment order of the guest selector/limit/AR/base fields. */
enum vmx_seg {
	SEG_ES,
	SEG_CS,
	SEG_SS,
	SEG_DS,
	SEG_FS,
	SEG_GS,
	SEG_LDTR,
	SEG_TR
};
#endif

/* Access rights: descriptor bits 40-47 in 7:0, 52-55 in 15:12. */
#define AR_L (1u << 13) /* 64-bit code segment */
#define AR_DB (1u << 14) /* default operand size 32 */
#define AR_UNUSABLE (1u << 16)
#define AR_DPL(ar) (((ar) >> 5) & 3)

/* Pin-based controls. */
#define PIN_EXT_INTR_EXIT (1u << 0)
#define PIN_NMI_EXIT (1u << 3)
#define PIN_VIRTUAL_NMI (1u << 5)
#define PIN_PREEMPT_TIMER (1u << 6)
/* Primary processor-based controls. */
#define CPU_INTR_WINDOW_EXIT (1u << 2)
#define CPU_NMI_WINDOW_EXIT (1u << 22)
#define CPU_HLT_EXIT (1u << 7)
#define CPU_INVLPG_EXIT (1u << 9)
#define CPU_MWAIT_EXIT (1u << 10)
#define CPU_RDPMC_EXIT (1u << 11)
#define CPU_RDTSC_EXIT (1u << 12)
#define CPU_CR3_LOAD_EXIT (1u << 15)
#define CPU_CR3_STORE_EXIT (1u << 16)
#define CPU_CR8_LOAD_EXIT (1u << 19)
#define CPU_CR8_STORE_EXIT (1u << 20)
#define CPU_MOV_DR_EXIT (1u << 23)
#define CPU_UNCOND_IO_EXIT (1u << 24)
#define CPU_USE_MSR_BITMAPS (1u << 28)
#define CPU_MONITOR_EXIT (1u << 29)
#define CPU_SECONDARY (1u << 31)
/* Secondary processor-based controls. */
#define CPU2_EPT (1u << 1)
#define CPU2_RDTSCP (1u << 3)
#define CPU2_VPID (1u << 5)
#define CPU2_UNRESTRICTED (1u << 7)
#define CPU2_INVPCID (1u << 12)
/* VM-exit controls. */
#define EXIT_SAVE_DEBUG (1u << 2)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
/* VM-entry controls. */
#define ENTRY_LOAD_DEBUG (1u << 2)
#define ENTRY_IA32E (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* Interruption information (entry, exit, IDT vectoring). */
#define INTR_INFO_VECTOR(i) ((i)&0xff)
#define INTR_INFO_TYPE(i) (((i) >> 8) & 7)
#define INTR_TYPE_EXT 0
#define INTR_TYPE_NMI 2
#define INTR_TYPE_HW_EXCEPTION 3
#define INTR_TYPE_SW_INT 4
#define INTR_TYPE_PRIV_SW_EXCEPTION 5
#define INTR_TYPE_SW_EXCEPTION 6
#define INTR_INFO_ERROR_VALID (1u << 11)
#define INTR_INFO_NMI_UNBLOCKED (1u << 12)
#define INTR_INFO_VALID (1u << 31)

/* Guest interruptibility: blocking by STI and by MOV SS. */
#define INTERRUPTIBILITY_STI_MOVSS 3
#define INTERRUPTIBILITY_NMI (1u << 3) /* (virtual-)NMI blocking */

/* Exit reasons (bits 15:0; bit 31: the VM entry failed). */
#define EXIT_REASON_ENTRY_FAILED (1u << 31)
#define EXIT_EXCEPTION_NMI 0
#define EXIT_EXTERNAL_INTERRUPT 1
#define EXIT_TRIPLE_FAULT 2
#define EXIT_INIT 3
#define EXIT_SIPI 4
#define EXIT_INTERRUPT_WINDOW 7
#define EXIT_NMI_WINDOW 8
#define EXIT_TASK_SWITCH 9
#define EXIT_CPUID 10
#define EXIT_GETSEC 11
#define EXIT_HLT 12
#define EXIT_INVD 13
#define EXIT_RDPMC 15
#define EXIT_RSM 17
#define EXIT_VMCALL 18
#define EXIT_VMCLEAR 19
#define EXIT_VMXON 27
#define EXIT_CR_ACCESS 28
#define EXIT_DR_ACCESS 29
#define EXIT_IO 30
#define EXIT_RDMSR 31
#define EXIT_WRMSR 32
#define EXIT_INVALID_GUEST_STATE 33
#define EXIT_MSR_LOADING 34
#define EXIT_MWAIT 36
#define EXIT_MONITOR 39
#define EXIT_MACHINE_CHECK 41
#define EXIT_EPT_VIOLATION 48
#define EXIT_EPT_MISCONFIG 49
#define EXIT_INVEPT 50
#define EXIT_PREEMPT_TIMER 52
#define EXIT_INVVPID 53
#define EXIT_XSETBV 55

/* I/O exit qualification. */
#define IO_QUAL_SIZE(q) (((q)&7) + 1)
#define IO_QUAL_IN (1u << 3)
#define IO_QUAL_STRING (1u << 4)
#define IO_QUAL_PORT(q) ((uint16_t)((q) >> 16))

/* CR access exit qualification. */
#define CR_QUAL_CR(q) ((q)&15)
#define CR_QUAL_TYPE(q) (((q) >> 4) & 3) /* 0 mov to, 1 mov from */
#define CR_QUAL_GPR(q) (((q) >> 8) & 15)

/* MOV DR exit qualification. */
#define DR_QUAL_DR(q) ((q)&7)
#define DR_QUAL_FROM (1u << 4) /* mov from DR */
#define DR_QUAL_GPR(q) (((q) >> 8) & 15)

/* EPT violation exit qualification. */
#define EPT_QUAL_WRITE (1u << 1)
#define EPT_QUAL_FETCH (1u << 2)
#define EPT_QUAL_NMI_UNBLOCKED (1u << 12) /* by an IRET the exit cut */

#endif
