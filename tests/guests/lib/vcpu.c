/* SPDX-License-Identifier: MIT */
/* Secondary vcpus and helpers for SMP test guests; see vcpu.h. */
#include "vcpu.h"

#include "layout.h"
#include "lib.h"
#include "public/mmu.h"
#include "public/shared_info.h"
#include "test.h"
#include "timeinfo.h"

#define STACK_SIZE 16384

/* Each started vcpu's stack; its id sits at the bottom. */
static uint8_t stacks[VCPU_MAX][STACK_SIZE]
	__attribute__((aligned(STACK_SIZE)));
static volatile struct mica_shared_info *shared_info;

static const uint64_t *const m2p = (const uint64_t *)MICA_M2P_VIRT_START;

uint64_t guest_pfn_to_mfn(uint64_t pfn)
{
	return ((const uint64_t *)start_info->mfn_list)[pfn];
}

uint64_t guest_l4_mfn(void)
{
	return guest_pfn_to_mfn((start_info->pt_base - GUEST_VIRT_BASE) >> 12);
}

/* Page-table frames are mapped read-only in the boot mapping. */
static const uint64_t *table(uint64_t mfn)
{
	return (const uint64_t *)(GUEST_VIRT_BASE + (m2p[mfn] << 12));
}

uint64_t guest_l1e_maddr(uint64_t va)
{
	uint64_t mfn = guest_l4_mfn();

	for (unsigned int level = 4; level > 1; level--)
		mfn = (table(mfn)[(va >> (12 + 9 * (level - 1))) & 511] &
		       PTE_ADDR_MASK) >>
		      12;
	return (mfn << 12) + ((va >> 12) & 511) * 8;
}

uint64_t guest_va_to_mfn(uint64_t va)
{
	uint64_t e = guest_l1e_maddr(va);

	return (table(e >> 12)[(e & 4095) / 8] & PTE_ADDR_MASK) >> 12;
}

long guest_mmu_update1(uint64_t ptr, uint64_t val)
{
	struct mica_mmu_update u = { ptr, val };

	return HYPERCALL5(MICA_HC_mmu_update, &u, 1, 0, MICA_DOMID_SELF, 0);
}

long guest_mmuext1(uint32_t cmd, uint64_t arg1, uint64_t arg2)
{
	struct mica_mmuext_op op = { cmd, 0, arg1, arg2 };

	return HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF, 0);
}

long guest_remap(const void *va, bool writable)
{
	return guest_mmu_update1(guest_l1e_maddr((uint64_t)va),
				 (guest_mfn(va) << 12) | PTE_P |
					 (writable ? PTE_W : 0));
}

void guest_set_writable(const void *va, bool writable)
{
	if (guest_remap(va, writable))
		test_error("cannot remap %p", va);
}

void guest_tlb_flush_local(void)
{
	struct mica_mmuext_op o = { MICA_MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 0 };

	HYPERCALL5(MICA_HC_mmuext_op, &o, 1, 0, MICA_DOMID_SELF, 0);
}

unsigned int vcpu_self(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);

	if (sp >= (uint64_t)stacks && sp < (uint64_t)stacks + sizeof(stacks))
		return (unsigned int)((sp - (uint64_t)stacks) / STACK_SIZE);
	return 0;
}

static void (*entry_fn[VCPU_MAX])(unsigned int id);

static void __attribute__((noreturn)) vcpu_main(unsigned int id)
{
	for (;;) {
		entry_fn[id](id);
		vcpu_op(MICA_VCPUOP_down, id, 0);
	}
}

void vcpu_context_init(struct mica_vcpu_guest_context *c, unsigned int id,
		       void (*fn)(unsigned int id))
{
	memset(c, 0, sizeof(*c));
	entry_fn[id % VCPU_MAX] = fn;
	c->flags = MICA_VGCF_IN_KERNEL;
	c->user_regs.rip = (uint64_t)vcpu_main;
	/* As if called: rsp + 8 is 16-byte aligned at entry. */
	c->user_regs.rsp = (uint64_t)stacks[id % VCPU_MAX] + STACK_SIZE - 8;
	c->user_regs.rdi = id;
	c->user_regs.cs = KERNEL_CS;
	c->user_regs.ss = KERNEL_SS;
	c->user_regs.rflags = 2;
	for (unsigned int v = 0; v < 256; v++)
		c->trap_table[v].vector = (uint8_t)v;
	c->kernel_pt_base_gfn = guest_l4_mfn();
}

long vcpu_start(unsigned int id, void (*fn)(unsigned int id))
{
	static struct mica_vcpu_guest_context ctx;
	long rc;

	vcpu_context_init(&ctx, id, fn);
	rc = vcpu_op(MICA_VCPUOP_initialise, id, &ctx);
	return rc ? rc : vcpu_op(MICA_VCPUOP_up, id, 0);
}

long time_init(uint64_t va)
{
	long rc =
		HYPERCALL5(MICA_HC_update_va_mapping, va,
			   (start_info->shared_info_mfn << 12) | PTE_P | PTE_W,
			   MICA_UVMF_INVLPG, 0, 0);

	if (!rc)
		shared_info = (volatile struct mica_shared_info *)va;
	return rc;
}

uint64_t time_ns(void)
{
	return time_info_ns(&shared_info->vcpu_info[0].time);
}
