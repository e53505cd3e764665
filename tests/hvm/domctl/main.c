/* SPDX-License-Identifier: MIT */
/*
 * The PV guest hvm_domctl as dom0 builds a second HVM domain through the
 * domctls (create, populate by gfn, map_foreign, get/set_hvm_context with
 * their refusals) while this one runs beside it: the run passes when
 * dom0 does, so the HVM context calls are checked on whichever back end
 * the machine has (SVM in QEMU, VMX in Bochs).  This guest yields until
 * then and checks that it still runs where it was.
 */
#include "hvm.h"

#include "public/sched.h"

const char test_title[] = "an HVM domain beside one dom0 builds by domctl";

void test_main(void)
{
	static volatile uint64_t word = 0x5a5a;

	for (unsigned int i = 0; i < 200; i++) {
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
		if (word != 0x5a5a)
			test_fail("its RAM changed under it: %lx", word);
	}
	test_pass();
}
