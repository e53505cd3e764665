/* SPDX-License-Identifier: MIT */
/*
 * dom0 of the HVM test tests/hvm/migrate: moves domain 1's vcpu 0 back and
 * forth between CPU 0 and CPU 1 (vcpu affinity) until domain 1 is gone,
 * and checks that the vcpu was seen on both.  Each move makes the HVM
 * back end take the vcpu's VMCS (VMX) or ASID (SVM) to the other CPU.
 * Alone (no domain 1) or on one CPU, it skips.
 */
#include "hypercall.h"
#include "test.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/sched.h"

const char test_title[] = "dom0 of hvm/migrate: an HVM vcpu moved between CPUs";

#define HVM_DOMID 1
#define MAX_ROUNDS 100000

static long domctl(struct mica_domctl *op, uint32_t cmd, uint16_t domid)
{
	op->cmd = cmd;
	op->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op->domid = domid;
	return hypercall_domctl(op);
}

void test_main(void)
{
	unsigned int seen = 0, moves = 0, round;
	struct mica_domctl op;
	uint64_t map;
	long rc;

	for (round = 0; round < MAX_ROUNDS; round++) {
		memset(&op, 0, sizeof(op));
		rc = domctl(&op, MICA_DOMCTL_get_info, HVM_DOMID);
		if (rc == -MICA_ESRCH && round == 0) {
			test_skip("no domain 1 (run by tests/hvm/run.sh "
				  "migrate)");
			return;
		}
		if (rc == -MICA_ESRCH ||
		    (!rc && (op.u.info.flags &
			     (MICA_DOMINFO_SHUTDOWN | MICA_DOMINFO_DYING))))
			break;
		if (rc) {
			test_fail("get_info of domain 1: %ld", rc);
			return;
		}
		map = 1ULL << (round & 1);
		memset(&op, 0, sizeof(op));
		op.u.vcpu_affinity.vcpu = 0;
		op.u.vcpu_affinity.nr_cpus = 64;
		op.u.vcpu_affinity.cpumap_gaddr = (uint64_t)&map;
		rc = domctl(&op, MICA_DOMCTL_set_vcpu_affinity, HVM_DOMID);
		if (rc == -MICA_EINVAL && round == 1) {
			test_skip("one CPU: nothing to move between");
			return;
		}
		if (rc == -MICA_ESRCH)
			break;
		if (rc && rc != -MICA_EINVAL) {
			test_fail("set_vcpu_affinity: %ld", rc);
			return;
		}
		moves++;
		for (unsigned int i = 0; i < 20; i++)
			hypercall_sched_op(MICA_SCHEDOP_yield, 0);
		memset(&op, 0, sizeof(op));
		op.u.vcpu_info.vcpu = 0;
		if (!domctl(&op, MICA_DOMCTL_get_vcpu_info, HVM_DOMID) &&
		    op.u.vcpu_info.cpu < 32)
			seen |= 1u << op.u.vcpu_info.cpu;
	}
	if (round == MAX_ROUNDS)
		test_fail("domain 1 still there after %u moves", moves);
	else if ((seen & 3) != 3)
		test_fail("domain 1's vcpu seen only on CPUs %#x in %u moves",
			  seen, moves);
	else
		printk("moved domain 1's vcpu %u times\n", moves);
	test_pass();
}
