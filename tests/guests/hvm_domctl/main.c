/* SPDX-License-Identifier: MIT */
/*
 * dom0 builds an HVM domain with domctl (public/domctl.h): create with
 * HVM|HAP, populate 1 MiB by gfn, map its frames by gfn, write a few
 * real-mode instructions at the reset vector, read and set the vcpu's
 * state as struct mica_hvm_vcpu_context (refusing bad EFER, reserved
 * fields, and the PV context calls), unpause it, and see it run: it
 * writes a word into its RAM, prints on its UART and halts with
 * interrupts off, which powers it off.
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"

#include "public/arch-x86/context.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/hvm/hvm.h"
#include "public/memory.h"
#include "public/sched.h"

const char test_title[] = "domctl: an HVM domain built by dom0";

#define NR_GFNS 256 /* 1 MiB: the reset vector at 0xffff0 is RAM */
#define TIMEOUT_TSC 60000000000ULL

static long domctl(struct mica_domctl *op, uint32_t cmd, uint16_t domid)
{
	op->cmd = cmd;
	op->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op->domid = domid;
	return hypercall_domctl(op);
}

static uint64_t gfns[NR_GFNS];
static struct mica_hvm_vcpu_context ctx;
static struct mica_vcpu_guest_context pv_ctx;

/* At f000:fff0: mov $0x1234,%ax; mov %ax,0x500; mov $0x3f8,%dx;
 * mov $'O',%al; out %al,%dx; cli; hlt */
static const uint8_t reset_code[] = { 0xb8, 0x34, 0x12, 0xa3, 0x00, 0x05, 0xba,
				      0xf8, 0x03, 0xb0, 0x4f, 0xee, 0xfa, 0xf4 };

static long set_ctx(uint16_t id, struct mica_hvm_vcpu_context *c)
{
	struct mica_domctl op = { 0 };

	op.u.vcpu_context.context_gaddr = (uint64_t)c;
	return domctl(&op, MICA_DOMCTL_set_hvm_context, id);
}

static void check_context(uint16_t id)
{
	struct mica_domctl op = { 0 };
	struct mica_hvm_vcpu_context bad;

	op.u.vcpu_context.context_gaddr = (uint64_t)&ctx;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_hvm_context, id), 0,
		       "get_hvm_context");
	if (ctx.rip != 0xfff0 || ctx.cs.sel != 0xf000 ||
	    ctx.cs.base != 0xf0000 || ctx.cr0 != 0x10 || ctx.efer ||
	    ctx.flags || ctx.rflags != 2)
		test_fail("reset state: cs %x:%lx base %lx cr0 %lx efer %lx "
			  "flags %x",
			  ctx.cs.sel, ctx.rip, ctx.cs.base, ctx.cr0, ctx.efer,
			  ctx.flags);
	op.u.vcpu_context.vcpu = 1;
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_hvm_context, id),
		       -MICA_ENOENT, "get_hvm_context of vcpu 1 (none)");
	op.u.vcpu_context =
		(struct mica_domctl_vcpu_context){ 0, 0, (uint64_t)&pv_ctx };
	test_expect_rc(domctl(&op, MICA_DOMCTL_set_vcpu_context, id),
		       -MICA_EINVAL, "set_vcpu_context (PV) on an HVM vcpu");
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_hvm_context, 0),
		       -MICA_EINVAL, "get_hvm_context of a PV domain");
	bad = ctx;
	bad.efer = 1u << 12; /* SVME */
	test_expect_rc(set_ctx(id, &bad), -MICA_EINVAL, "EFER.SVME");
	bad = ctx;
	bad.pat = 0x0202020202020202ULL;
	test_expect_rc(set_ctx(id, &bad), -MICA_EINVAL, "invalid PAT");
	bad = ctx;
	bad.reserved[3] = 1;
	test_expect_rc(set_ctx(id, &bad), -MICA_EINVAL, "reserved field");
	bad = ctx;
	bad.flags = 1u << 5;
	test_expect_rc(set_ctx(id, &bad), -MICA_EINVAL, "unknown flag");
	ctx.rbx = 0x5a5a;
	test_expect_rc(set_ctx(id, &ctx), 0, "set_hvm_context");
	op.u.vcpu_context =
		(struct mica_domctl_vcpu_context){ 0, 0, (uint64_t)&bad };
	domctl(&op, MICA_DOMCTL_get_hvm_context, id);
	if (bad.rbx != 0x5a5a || !(bad.flags & MICA_HVMCTX_ONLINE))
		test_fail("after set: rbx %lx flags %x", bad.rbx, bad.flags);
}

void test_main(void)
{
	struct mica_domctl op = { 0 };
	uint64_t va = boot_mapping_end() - 8 * 4096, start, map[3];
	int32_t errs[3];
	uint16_t id;
	long rc;

	op.u.create.max_vcpus = 1;
	op.u.create.max_pages = NR_GFNS + 8;
	op.u.create.flags = MICA_DOMCTL_CREATE_HVM;
	test_expect_rc(domctl(&op, MICA_DOMCTL_create, MICA_DOMID_ANY),
		       -MICA_EINVAL, "create HVM without HAP");
	op.u.create.flags = MICA_DOMCTL_CREATE_HVM | MICA_DOMCTL_CREATE_HAP;
	rc = domctl(&op, MICA_DOMCTL_create, MICA_DOMID_ANY);
	if (rc == -MICA_ENODEV) {
		test_skip("no SVM with nested paging here");
		return;
	}
	test_expect_rc(rc, 0, "create HVM|HAP");
	id = op.domid;
	if (domctl(&op, MICA_DOMCTL_get_info, id) ||
	    !(op.u.info.flags & MICA_DOMINFO_HVM))
		test_fail("get_info of an HVM domain lacks MICA_DOMINFO_HVM");
	if (domctl(&op, MICA_DOMCTL_get_info, 0) ||
	    (op.u.info.flags & MICA_DOMINFO_HVM))
		test_fail("get_info of the PV dom0 says MICA_DOMINFO_HVM");

	for (unsigned int i = 0; i < NR_GFNS; i++)
		gfns[i] = i;
	op.u.populate_physmap =
		(struct mica_memory_reservation){ (uint64_t)gfns, NR_GFNS, 0, 0,
						  0 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_populate_physmap, id), NR_GFNS,
		       "populate 1 MiB by gfn");
	gfns[0] = 0x10;
	op.u.populate_physmap =
		(struct mica_memory_reservation){ (uint64_t)gfns, 1, 0, 0, 0 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_populate_physmap, id), 0,
		       "populate a gfn twice");

	map[0] = 0xff; /* the reset vector's page */
	map[1] = 0x0; /* where the guest writes its word */
	map[2] = 0x500; /* not populated */
	op.u.map_foreign = (struct mica_domctl_map_foreign){ (uint64_t)map,
							     (uint64_t)errs, va,
							     3, 0 };
	test_expect_rc(domctl(&op, MICA_DOMCTL_map_foreign, id), 1,
		       "map_foreign by gfn, one unpopulated");
	if (errs[0] || errs[1] || errs[2] != -MICA_EINVAL)
		test_fail("map_foreign errors %d %d %d", errs[0], errs[1],
			  errs[2]);
	memcpy((void *)(va + 0xff0), reset_code, sizeof(reset_code));

	check_context(id);
	test_expect_rc(domctl(&op, MICA_DOMCTL_unpause, id), 0, "unpause");
	start = __builtin_ia32_rdtsc();
	while (*(volatile uint16_t *)(va + 4096 + 0x500) != 0x1234 &&
	       __builtin_ia32_rdtsc() - start < TIMEOUT_TSC)
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	if (*(volatile uint16_t *)(va + 4096 + 0x500) != 0x1234)
		test_fail("the HVM domain did not run its reset code");
	/* It powers itself off with cli; hlt: wait until it has shut down
	 * (it stays, dying, while this guest maps its frames). */
	while (!domctl(&op, MICA_DOMCTL_get_info, id) &&
	       !(op.u.info.flags & MICA_DOMINFO_SHUTDOWN) &&
	       __builtin_ia32_rdtsc() - start < TIMEOUT_TSC)
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	if (!domctl(&op, MICA_DOMCTL_get_info, id) &&
	    !(op.u.info.flags & MICA_DOMINFO_SHUTDOWN))
		test_fail("the HVM domain did not shut down");
	test_pass();
}
