/* SPDX-License-Identifier: MIT */
/*
 * A PV vcpu's debug registers (public/arch-x86/pv.h MICA_HC_set_debugreg,
 * MICA_HC_get_debugreg).  They are loaded while the vcpu runs if its DR7
 * enables any breakpoint; otherwise DR7 is 0 and DR0-3 keep stale values
 * that nothing uses.  DR6 lives in the vcpu: every #DB folds the CPU's DR6
 * into it and resets the CPU's.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/sched.h>
#include <asm/debugreg.h>
#include <asm/smp.h>

/* DR7 bits a guest may set: L0-G3, LE, GE, bit 10 (always 1), and the
 * R/W and LEN fields. */
#define DR7_GUEST_BITS 0xffff07ffULL
#define DR6_GUEST_BITS 0x0000f00fULL /* B0-B3, BD, BS, BT */

static int check_dr7(uint64_t v)
{
	if (v & ~DR7_GUEST_BITS)
		return -EINVAL; /* GD, reserved bits, bits 32-63 */
	for (unsigned int i = 0; i < 4; i++) {
		unsigned int rw = (v >> (16 + 4 * i)) & 3;
		unsigned int len = (v >> (18 + 4 * i)) & 3;

		if (rw == 2)
			return -EINVAL; /* I/O breakpoints */
		if (rw == 0 && len != 0)
			return -EINVAL; /* execution breakpoints are 1 byte */
	}
	return 0;
}

static void load(const struct vcpu *v)
{
	const uint64_t *dr = v->arch.debugreg;

	write_dr7(0); /* no half-loaded breakpoints */
	write_dr0(dr[0]);
	write_dr1(dr[1]);
	write_dr2(dr[2]);
	write_dr3(dr[3]);
	write_dr6(DR6_RESERVED_ONES);
	write_dr7(dr[7]);
}

static bool uses_breakpoints(const struct vcpu *v)
{
	return v && (v->arch.debugreg[7] & DR7_ENABLES);
}

void debugreg_switch(struct vcpu *prev, struct vcpu *next)
{
	struct cpu_info *ci = this_cpu();

	(void)prev;
	if (uses_breakpoints(next)) {
		load(next);
		ci->debugregs_live = true;
	} else if (ci->debugregs_live) {
		write_dr7(0);
		ci->debugregs_live = false;
	}
}

void debugreg_note_db(struct vcpu *v)
{
	uint64_t dr6 = read_dr6();

	/* DR6 bits are sticky until the guest clears them. */
	v->arch.debugreg[6] |= dr6 & DR6_GUEST_BITS;
	write_dr6(DR6_RESERVED_ONES);
}

int pv_debugreg_check(unsigned int reg, uint64_t *value)
{
	switch (reg) {
	case 0:
	case 1:
	case 2:
	case 3:
		if (!guest_range_ok(*value, 1))
			return -EINVAL;
		return 0;
	case 6:
		if (*value & ~(DR6_GUEST_BITS | DR6_RESERVED_ONES))
			return -EINVAL;
		*value = (*value & DR6_GUEST_BITS) | DR6_RESERVED_ONES;
		return 0;
	case 7:
		if (check_dr7(*value))
			return -EINVAL;
		*value |= DR7_RESERVED_ONES;
		return 0;
	default:
		return -EINVAL;
	}
}

int pv_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t value)
{
	int rc = pv_debugreg_check(reg, &value);

	if (rc)
		return rc;
	v->arch.debugreg[reg] = value;
	if (v == current_vcpu() && reg != 6)
		debugreg_switch(NULL, v);
	return 0;
}

int pv_get_debugreg(const struct vcpu *v, unsigned int reg, uint64_t *value)
{
	if (reg > 7 || reg == 4 || reg == 5)
		return -EINVAL;
	*value = v->arch.debugreg[reg];
	return 0;
}

long do_set_debugreg(uint64_t reg, uint64_t value, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	(void)a3;
	(void)a4;
	(void)a5;
	if (reg > 7)
		return -EINVAL;
	return pv_set_debugreg(current_vcpu(), (unsigned int)reg, value);
}

long do_get_debugreg(uint64_t reg, uint64_t a2, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	uint64_t value;
	int rc;

	(void)a2;
	(void)a3;
	(void)a4;
	(void)a5;
	if (reg > 7)
		return -EINVAL;
	rc = pv_get_debugreg(current_vcpu(), (unsigned int)reg, &value);
	return rc ? rc : (long)value;
}
