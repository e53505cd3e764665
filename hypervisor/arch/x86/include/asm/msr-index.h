/* SPDX-License-Identifier: MIT */
/* Model-specific register numbers and bits used by the hypervisor. */
#ifndef ASM_MSR_INDEX_H
#define ASM_MSR_INDEX_H

#define MSR_APIC_BASE 0x0000001b
#define APIC_BASE_BSP (1 << 8)
#define APIC_BASE_ENABLE (1 << 11)

#define MSR_EFER 0xc0000080
#define EFER_SCE (1 << 0)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084

/* 0 makes `sysenter` fault (#GP) into Mica instead of entering ring 0. */
#define MSR_IA32_SYSENTER_CS 0x174 /* as hvm/vmx/vmcs.h */

#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#define MSR_IA32_TSC 0x00000010
#define MSR_PLATFORM_INFO 0x000000ce
#define PLATFORM_INFO_CPUID_FAULTING (1ULL << 31)
#define MSR_MISC_FEATURES_ENABLES 0x00000140
#define MISC_FEATURES_CPUID_FAULTING (1ULL << 0)
#define MSR_PAT 0x00000277
#define MSR_AMD_HWCR 0xc0010015
#define HWCR_CPUID_USER_DIS (1ULL << 35)
#define EFER_LMA (1 << 10)

#endif
