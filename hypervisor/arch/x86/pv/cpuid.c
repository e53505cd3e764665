/* SPDX-License-Identifier: MIT */
/*
 * The CPUID view of PV guests (public/arch-x86/cpuid.h), and CPUID
 * faulting, which makes even a plain `cpuid` in the guest trap so that it
 * gets the filtered view.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <asm/cpu.h>
#include <asm/fpu.h>
#include <asm/msr-index.h>
#include <asm/pv.h>
#include <public/arch-x86/cpuid.h>

/* Leaf 1. */
#define C1_ECX_HIDE                                                            \
	((1u << 3) /* MONITOR */ | (1u << 4) /* DS-CPL */ |                    \
	 (1u << 5) /* VMX */ | (1u << 6) /* SMX */ | (1u << 7) /* EST */ |     \
	 (1u << 8) /* TM2 */ | (1u << 15) /* PDCM */ | (1u << 17) /* PCID */ | \
	 (1u << 18) /* DCA */ | (1u << 21) /* x2APIC */ |                      \
	 (1u << 24) /* TSC deadline */)
#define C1_ECX_XSAVE ((1u << 26) | (1u << 27)) /* XSAVE, OSXSAVE */
#define C1_ECX_AVX ((1u << 28) | (1u << 12) /* FMA */ | (1u << 29) /* F16C */)
#define C1_ECX_HYPERVISOR (1u << 31)
#define C1_EDX_HIDE                                                           \
	((1u << 7) /* MCE */ | (1u << 12) /* MTRR */ | (1u << 14) /* MCA */ | \
	 (1u << 18) /* PSN */ | (1u << 21) /* DS */ | (1u << 22) /* ACPI */ | \
	 (1u << 29) /* TM */ | (1u << 31) /* PBE */)
/* Leaf 7 subleaf 0. */
#define C7_EBX_HIDE                                          \
	((1u << 0) /* FSGSBASE */ | (1u << 2) /* SGX */ |    \
	 (1u << 10) /* INVPCID */ | (1u << 12) /* RDT-M */ | \
	 (1u << 14) /* MPX */ | (1u << 15) /* RDT-A */ | (1u << 25) /* PT */)
#define C7_EBX_AVX2 (1u << 5)
#define C7_EBX_AVX512 0xdc230000u /* AVX-512 F, DQ, IFMA, PF, ER, CD, BW, VL */
#define C7_ECX_HIDE                                        \
	((1u << 3) /* PKU */ | (1u << 4) /* OSPKE */ |     \
	 (1u << 5) /* WAITPKG */ | (1u << 16) /* LA57 */ | \
	 (1u << 30) /* SGX-LC */)
/* Leaf 0x80000001. */
#define E1_ECX_HIDE                                      \
	((1u << 2) /* SVM */ | (1u << 12) /* SKINIT */ | \
	 (1u << 13) /* WDT */ | (1u << 15) /* LWP */ |   \
	 (1u << 23) /* PERFCTR_CORE */)
#define XSAVES_LEAF_D1 (1u << 3)

bool cpuid_faulting;

void guest_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t sub,
		 uint32_t r[4])
{
	uint32_t *a = &r[0], *b = &r[1], *c = &r[2], *d = &r[3];
	bool avx = fpu_xcr0 & 4;

	r[0] = r[1] = r[2] = r[3] = 0;
	if ((leaf & 0xffff0000u) == MICA_CPUID_LEAF_BASE) {
		if (leaf == MICA_CPUID_LEAF_BASE) {
			*a = MICA_CPUID_LEAF_BASE + 1;
			*b = MICA_CPUID_SIGNATURE_EBX;
			*c = MICA_CPUID_SIGNATURE_ECX;
			*d = MICA_CPUID_SIGNATURE_EDX;
		} else if (leaf == MICA_CPUID_LEAF_BASE + 1) {
			*a = MICA_ABI_VERSION;
		}
		return;
	}
	cpuid_count(leaf, sub, a, b, c, d);
	switch (leaf) {
	case 1:
		*c &= ~C1_ECX_HIDE;
		if (!fpu_has_xsave)
			*c &= ~C1_ECX_XSAVE;
		if (!avx)
			*c &= ~C1_ECX_AVX;
		*c |= C1_ECX_HYPERVISOR;
		*d &= ~C1_EDX_HIDE;
		/* Initial APIC id: the vcpu's. */
		*b = (*b & 0x00ffffffu) | (v->id << 24);
		break;
	case 5: /* MONITOR/MWAIT */
	case 6: /* thermal and power */
	case 0xa: /* performance monitoring */
	case 0x12: /* SGX */
	case 0x14: /* processor trace */
		r[0] = r[1] = r[2] = r[3] = 0;
		break;
	case 7:
		if (sub == 0) {
			*b &= ~(C7_EBX_HIDE | C7_EBX_AVX512 |
				(avx ? 0 : C7_EBX_AVX2));
			*c &= ~C7_ECX_HIDE;
		}
		break;
	case 0xd:
		if (!fpu_has_xsave) {
			r[0] = r[1] = r[2] = r[3] = 0;
		} else if (sub == 0) {
			/* EBX already reflects XCR0, which Mica set. */
			*a = (uint32_t)fpu_xcr0;
			*d = (uint32_t)(fpu_xcr0 >> 32);
			*c = *b;
		} else if (sub == 1) {
			*a &= ~XSAVES_LEAF_D1;
			*b = *c = *d = 0;
		} else if (sub >= 64 || !(fpu_xcr0 & (1ULL << sub))) {
			r[0] = r[1] = r[2] = r[3] = 0;
		}
		break;
	case 0x80000001:
		*c &= ~E1_ECX_HIDE;
		break;
	case 0x8000000a: /* SVM features */
		r[0] = r[1] = r[2] = r[3] = 0;
		break;
	default:
		break;
	}
}

/* Intel: MSR_PLATFORM_INFO bit 31 says MSR_MISC_FEATURES_ENABLES bit 0
 * exists.  AMD: CPUID 0x80000021 EAX bit 17 says HWCR bit 35 exists. */
void cpuid_faulting_cpu_init(void)
{
	uint32_t a, b, c, d, max_ext;
	uint64_t v;

	cpuid_count(0x80000000, 0, &max_ext, &b, &c, &d);
	if (!rdmsr_safe(MSR_PLATFORM_INFO, &v) &&
	    (v & PLATFORM_INFO_CPUID_FAULTING) &&
	    !rdmsr_safe(MSR_MISC_FEATURES_ENABLES, &v) &&
	    !wrmsr_safe(MSR_MISC_FEATURES_ENABLES,
			v | MISC_FEATURES_CPUID_FAULTING)) {
		cpuid_faulting = true;
		return;
	}
	if (max_ext >= 0x80000021) {
		cpuid_count(0x80000021, 0, &a, &b, &c, &d);
		if ((a & (1u << 17)) && !rdmsr_safe(MSR_AMD_HWCR, &v) &&
		    !wrmsr_safe(MSR_AMD_HWCR, v | HWCR_CPUID_USER_DIS)) {
			cpuid_faulting = true;
			return;
		}
	}
	cpuid_faulting = false;
}
