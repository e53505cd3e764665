/* SPDX-License-Identifier: MIT */
/*
 * A PV vcpu's FPU: eager switching between vcpus, and the virtual CR0.TS
 * (public/arch-x86/pv.h MICA_HC_fpu_taskswitch).
 *
 * The registers of a CPU hold the state of the last vcpu restored there
 * (cpu_info.fpu_owner) until another vcpu's is restored.  A vcpu's area is
 * saved every time it leaves a CPU; it is restored only if the registers
 * do not hold it already (the vcpu comes back after the idle loop, on the
 * same CPU, with nobody in between).
 *
 * While the virtual TS is set, the real CR0.TS is set as well while the
 * vcpu runs, so its first FPU/SSE/AVX instruction raises #NM in Mica, which
 * clears both and bounces #NM to the guest.
 */
#include <mica/domain.h>
#include <mica/hypercall.h>
#include <mica/sched.h>
#include <asm/cpu.h>
#include <asm/fpu.h>
#include <asm/processor-flags.h>
#include <asm/pv.h>
#include <asm/smp.h>

static void set_cr0_ts(bool on)
{
	struct cpu_info *ci = this_cpu();

	if (ci->cr0_ts == on)
		return;
	if (on)
		write_cr0(read_cr0() | X86_CR0_TS);
	else
		__asm__ __volatile__("clts");
	ci->cr0_ts = on;
}

void pv_fpu_vcpu_init(struct vcpu *v)
{
	fpu_area_init(&v->arch.fpu);
	v->arch.fpu_cpu = -1;
	v->arch.fpu_ts = false;
}

void pv_fpu_switch(struct vcpu *prev, struct vcpu *next)
{
	struct cpu_info *ci = this_cpu();

	set_cr0_ts(false); /* xsave/xrstor would raise #NM */
	if (prev)
		fpu_save(&prev->arch.fpu);
	if (!next)
		return;
	if (ci->fpu_owner != next || next->arch.fpu_cpu != (int)ci->cpu_id)
		fpu_restore(&next->arch.fpu);
	ci->fpu_owner = next;
	next->arch.fpu_cpu = (int)ci->cpu_id;
	set_cr0_ts(next->arch.fpu_ts);
}

bool pv_fpu_device_not_available(struct vcpu *v)
{
	if (!v->arch.fpu_ts)
		return false;
	v->arch.fpu_ts = false; /* pv.h vector note 3 */
	set_cr0_ts(false);
	return true;
}

int pv_fpu_taskswitch(struct vcpu *v, bool set)
{
	v->arch.fpu_ts = set;
	set_cr0_ts(set);
	return 0;
}

long do_fpu_taskswitch(uint64_t set, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	(void)a2;
	(void)a3;
	(void)a4;
	(void)a5;
	return pv_fpu_taskswitch(current_vcpu(), (uint32_t)set != 0);
}
