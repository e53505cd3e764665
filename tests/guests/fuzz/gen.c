/* SPDX-License-Identifier: MIT */
/*
 * Random arguments: a pool of boundary values, frame numbers (own, page
 * tables, special pages, guesses at other domains' frames), addresses
 * (scratch buffers, the fuzzer's read-only or expendable pages, Mica's
 * ranges from layout.h, the M2P, non-canonical and wrapping ones), and
 * structs built in scratch that look valid, with fields mutated.
 */
#include "fuzzer.h"
#include "test.h"

#include "public/arch-x86/layout.h"
#include "public/domctl.h"
#include "public/mmu.h"
#include "public/sysctl.h"

static uint64_t rng_state;

void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const uint64_t boundaries[] = {
	0,
	1,
	2,
	3,
	7,
	8,
	15,
	16,
	31,
	32,
	63,
	64,
	127,
	128,
	255,
	256,
	511,
	512,
	4095,
	4096,
	4097,
	0x7fff,
	0x8000,
	0xffff,
	0x10000,
	0x7ff0,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000ULL,
	0x100000001ULL,
	0x7fffffffffffffffULL,
	0x8000000000000000ULL,
	0xfffffffffffffffeULL,
	0xffffffffffffffffULL,
	0xfffffffffffff000ULL,
	0x000fffffffffffffULL,
	0x0010000000000000ULL,
};

/* Addresses that are never the fuzzer's own writable memory. */
static const uint64_t bad_addresses[] = {
	0,
	8,
	0x1000,
	0x400000,
	0x00007ffffffff000ULL, /* the last lower-half page, unmapped */
	0x00007ffffffffff8ULL,
	0x0000800000000000ULL, /* canonical hole */
	0x0000800000000ff8ULL,
	0xffff7ffffffff000ULL,
	0xffff7ffffffffff8ULL,
	MICA_HYPERVISOR_VIRT_START,
	MICA_M2P_VIRT_END - 8,
	MICA_M2P_VIRT_END,
	MICA_M2P_VIRT_END + 0x1000000,
	0xffff830000000000ULL, /* inside the hypervisor's private range */
	0xffff840000000000ULL,
	MICA_HYPERVISOR_VIRT_END - 8,
	MICA_HYPERVISOR_VIRT_END - 4096,
	0xfffffffffffff000ULL,
	0xfffffffffffffff8ULL, /* wraps */
	0xffffffff7ffff000ULL, /* just below the image, unmapped */
};

static uint64_t own_mfn(void)
{
	return p2m[below(env.nr_pages)];
}

/* A frame number from one of the interesting classes. */
static uint64_t gen_mfn(void)
{
	switch (below(12)) {
	case 0:
	case 1:
		return own_mfn();
	case 2:
		return env.pt_mfn[below(env.nr_pt)];
	case 3:
		switch (below(7)) {
		case 0:
			return env.l4_mfn;
		case 1:
			return env.start_info_mfn;
		case 2:
			return env.shared_info_mfn;
		case 3:
			return env.store_mfn;
		case 4:
			return env.console_mfn;
		default:
			return env.victim_mfn[below(VICTIM_PAGES)];
		}
	case 4:
		/* Frames beyond the mapping: free for pinning and the like. */
		return env.mapped_pages < env.nr_pages ?
			       p2m[env.mapped_pages +
				   below(env.nr_pages - env.mapped_pages)] :
			       own_mfn();
	case 5:
	case 6:
		/* Other domains' frames: near ours, anywhere below max. */
		return own_mfn() + below(8192) - 4096;
	case 7:
		return below(env.max_mfn + 2);
	case 8:
		return env.max_mfn + below(3);
	case 9:
		return env.victim_mfn[below(VICTIM_PAGES)];
	case 10:
		return boundaries[below(ARRAY_SIZE(boundaries))];
	default:
		return rnd() >> below(64);
	}
}

static uint64_t gen_maddr(void)
{
	uint64_t m = gen_mfn() << 12;

	switch (below(4)) {
	case 0:
		return m;
	case 1:
		return m | (rnd() & 0xff8);
	case 2:
		return m | (rnd() & 0xfff);
	default:
		return m | (below(512) * 8) | below(4);
	}
}

/* A pointer argument.  Never the fuzzer's own writable memory beyond the
 * expendable pages (scratch, start info, shared info, the p2m original). */
static uint64_t gen_ptr_any(void)
{
	switch (below(10)) {
	case 0:
	case 1:
	case 2:
		return env.scratch + (below(SCRATCH_SIZE) & ~7ULL);
	case 3:
		return env.scratch + below(SCRATCH_SIZE);
	case 4:
		return env.scratch_end - 8 * below(8); /* straddles the end */
	case 5:
		switch (below(5)) {
		case 0:
			return env.pt_va + 4096 * below(env.nr_pt) +
			       8 * below(512);
		case 1:
			return env.p2m_va + 8 * below(env.nr_pages);
		case 2:
			return env.shared_info_va + 8 * below(512);
		default:
			return env.start_info_va + 8 * below(512);
		}
	case 6:
		/* The M2P: our entries, other domains', its end. */
		return MICA_M2P_VIRT_START +
		       8 * (chance(50) ? own_mfn() : gen_mfn());
	case 7:
	case 8:
		return bad_addresses[below(ARRAY_SIZE(bad_addresses))];
	default:
		return rnd() & ~(chance(50) ? 7ULL : 0);
	}
}

/* For calls whose buffers the guards must see: scratch or unusable. */
static uint64_t gen_ptr_guarded(void)
{
	if (chance(85))
		return env.scratch + (below(SCRATCH_SIZE) & ~7ULL);
	return bad_addresses[below(ARRAY_SIZE(bad_addresses))];
}

static uint64_t gen_va(void)
{
	switch (below(6)) {
	case 0:
	case 1:
		return env.victim_va + 4096 * below(VICTIM_PAGES);
	case 2:
		return env.image_start +
		       (below(env.mapping_end - env.image_start) & ~4095ULL);
	case 3:
		return gen_ptr_any() & ~4095ULL;
	case 4:
		return env.mapping_end + 4096 * below(1024);
	default:
		return gen_ptr_any();
	}
}

static uint64_t gen_pte(void)
{
	static const uint64_t flag_bits[] = {
		1,    2,    4,	   8,	  0x10,	      0x20,
		0x40, 0x80, 0x100, 0xe00, 1ULL << 63, 0x7ffULL << 52
	};
	uint64_t pte = gen_mfn() << 12;

	if (chance(10))
		return rnd();
	if (chance(80))
		pte |= 1; /* present */
	for (unsigned int i = 0; i < ARRAY_SIZE(flag_bits); i++)
		if (chance(i < 3 ? 50 : 10))
			pte |= flag_bits[i];
	return pte;
}

static uint64_t gen_domid(void)
{
	static const uint64_t ids[] = {
		0,
		1,
		2,
		3,
		MICA_DOMID_SELF,
		MICA_DOMID_IO,
		MICA_DOMID_MICA,
		MICA_DOMID_ANY,
		MICA_DOMID_INVALID,
		MICA_DOMID_FIRST_RESERVED - 1,
		0x7fff,
		0xffff,
	};

	return chance(90) ? ids[below(ARRAY_SIZE(ids))] : rnd() & 0xffff;
}

static uint64_t gen_count(void)
{
	switch (below(5)) {
	case 0:
	case 1:
		return below(4);
	case 2:
		return below(33);
	case 3:
		return boundaries[below(ARRAY_SIZE(boundaries))];
	default:
		return below(600);
	}
}

/* Any value: the mixture used for struct words and untyped arguments. */
static uint64_t gen_word(void)
{
	switch (below(10)) {
	case 0:
	case 1:
		return below(17);
	case 2:
	case 3:
		return boundaries[below(ARRAY_SIZE(boundaries))];
	case 4:
		return gen_mfn();
	case 5:
		return gen_maddr();
	case 6:
		return gen_ptr_any();
	case 7:
		return gen_domid();
	case 8:
		return gen_pte();
	default:
		return rnd();
	}
}

/* A sub-op: mostly the defined ones and just beyond, sometimes anything. */
static uint64_t gen_subop(unsigned int nr_defined)
{
	if (chance(85))
		return below(nr_defined + 2);
	return chance(50) ? boundaries[below(ARRAY_SIZE(boundaries))] :
			    (below(nr_defined + 2) | (rnd() << 32));
}

/* Scratch bump allocation for one top-level call. */
static uint64_t scratch_used;

static uint64_t scratch_alloc(uint64_t size)
{
	uint64_t p;

	if (chance(3)) /* misaligned now and then */
		scratch_used += below(8);
	if (scratch_used + size > SCRATCH_SIZE)
		scratch_used = 0;
	if (size > SCRATCH_SIZE)
		size = SCRATCH_SIZE;
	p = env.scratch + scratch_used;
	scratch_used += size;
	return p;
}

/* Mutates one field of a buffer: a word, or its low 8, 16 or 32 bits. */
static void mutate(uint8_t *buf, uint64_t size)
{
	uint64_t off = below(size / 8 ? size / 8 : 1) * 8, v = gen_word();

	if (size < 8)
		return;
	switch (below(4)) {
	case 0:
		*(uint64_t *)(buf + off) = v;
		break;
	case 1:
		*(uint32_t *)(buf + off + 4 * below(2)) = (uint32_t)v;
		break;
	case 2:
		*(uint16_t *)(buf + off + 2 * below(4)) = (uint16_t)v;
		break;
	default:
		buf[off + below(8)] = (uint8_t)v;
	}
}

/* A generic struct: each word from the mixture, or zeros with a field or
 * two mutated ("valid-looking"), or random bytes. */
static uint64_t gen_struct(uint64_t size)
{
	uint64_t p = scratch_alloc(size);
	uint64_t *w = (uint64_t *)p;

	switch (below(5)) {
	case 0:
	case 1:
		memset(w, 0, size);
		for (unsigned int i = 1 + below(2); i; i--)
			mutate((uint8_t *)p, size);
		break;
	case 2:
	case 3:
		for (uint64_t i = 0; i < size / 8; i++)
			w[i] = chance(40) ? 0 : gen_word();
		break;
	default:
		for (uint64_t i = 0; i < size / 8; i++)
			w[i] = rnd();
	}
	return p;
}

static uint64_t gen_ctl(unsigned int nr_cmds, uint32_t version, bool domctl)
{
	uint64_t p = gen_struct(256);
	uint32_t *h = (uint32_t *)p;

	if (chance(85)) {
		h[0] = (uint32_t)gen_subop(nr_cmds);
		h[1] = chance(90) ? version : (uint32_t)rnd();
		if (domctl)
			*(uint16_t *)(p + 8) = (uint16_t)gen_domid();
	}
	return p;
}

static uint64_t gen_mmu_list(uint64_t n)
{
	uint64_t p = scratch_alloc(n * 16), *w = (uint64_t *)p;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t type = chance(80) ? below(2) : below(4);

		if (chance(50)) /* an entry of one of our page tables */
			w[2 * i] = (env.pt_mfn[below(env.nr_pt)] << 12) |
				   (below(512) * 8);
		else
			w[2 * i] = gen_maddr() & ~3ULL;
		w[2 * i] |= type;
		w[2 * i + 1] = type == MICA_MMU_MACHPHYS_UPDATE ?
				       (chance(70) ? below(env.nr_pages) :
						     gen_word()) :
				       gen_pte();
	}
	return p;
}

static uint64_t gen_mmuext_list(uint64_t n)
{
	struct mica_mmuext_op *op =
		(struct mica_mmuext_op *)scratch_alloc(n * sizeof(*op));

	for (uint64_t i = 0; i < n; i++) {
		op[i].cmd = (uint32_t)gen_subop(MICA_MMUEXT_CLEAR_PAGE + 1);
		op[i].pad0 = chance(95) ? 0 : (uint32_t)rnd();
		switch (op[i].cmd) {
		case MICA_MMUEXT_INVLPG_LOCAL:
		case MICA_MMUEXT_INVLPG_MULTI:
		case MICA_MMUEXT_INVLPG_ALL:
		case MICA_MMUEXT_SET_LDT:
			op[i].arg1 = gen_va();
			break;
		default:
			op[i].arg1 = chance(80) ? gen_mfn() : gen_word();
		}
		switch (below(4)) {
		case 0:
			op[i].arg2 = 0;
			break;
		case 1:
			op[i].arg2 = gen_count();
			break;
		case 2:
			op[i].arg2 = gen_mfn();
			break;
		default:
			op[i].arg2 = gen_ptr_any();
		}
	}
	return (uint64_t)op;
}

static uint64_t gen_trap_table(void)
{
	uint64_t n = below(8), p = scratch_alloc((n + 1) * 16);
	uint64_t *w = (uint64_t *)p;

	for (uint64_t i = 0; i < n; i++) {
		w[2 * i] =
			below(256) | (below(8) << 8) |
			((chance(80) ? MICA_FLAT_KERNEL_CS : gen_word()) << 16);
		if (chance(10))
			w[2 * i] |= rnd() << 32;
		w[2 * i + 1] = chance(50) ? gen_va() : gen_word();
	}
	w[2 * n] = 0;
	w[2 * n + 1] = chance(90) ? 0 : gen_word();
	return p;
}

static uint64_t gen_list(uint64_t entry_size, uint64_t n)
{
	uint64_t p = scratch_alloc(entry_size * n);

	for (uint64_t i = 0; i < n * entry_size / 8; i++)
		((uint64_t *)p)[i] = chance(30) ? 0 : gen_word();
	return p;
}

static uint64_t gen_multicall(uint64_t n, int depth)
{
	uint64_t p = scratch_alloc(n * 64), *w = (uint64_t *)p;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t args[6];
		unsigned int nr = gen_hypercall_nr();

		gen_args(nr, args, depth + 1);
		w[8 * i] = chance(95) ? nr : gen_word();
		w[8 * i + 1] = 0;
		memcpy(&w[8 * i + 2], args, sizeof(args));
	}
	return p;
}

unsigned int gen_hypercall_nr(void)
{
	if (chance(85))
		return (unsigned int)below(MICA_HC_NR_DEFINED + 2);
	return (unsigned int)below(MICA_HYPERCALL_PAGE_SLOTS);
}

void gen_args(unsigned int nr, uint64_t a[6], int depth)
{
	uint64_t n;

	for (int i = 0; i < 6; i++)
		a[i] = gen_word();
	switch (nr) {
	case MICA_HC_version:
	case MICA_HC_physdev_op:
	case MICA_HC_memory_op:
		a[0] = gen_subop(nr == MICA_HC_version	  ? 4 :
				 nr == MICA_HC_physdev_op ? 2 :
							    12);
		a[1] = chance(75) ? gen_struct(8 * (1 + below(16))) :
				    gen_ptr_any();
		break;
	case MICA_HC_console_io:
		a[0] = gen_subop(3);
		a[1] = gen_count();
		a[2] = chance(60) ? gen_struct(64) : gen_ptr_any();
		break;
	case MICA_HC_sched_op:
	case MICA_HC_event_channel_op:
	case MICA_HC_callback_op:
		a[0] = gen_subop(nr == MICA_HC_sched_op		? 5 :
				 nr == MICA_HC_event_channel_op ? 13 :
								  2);
		a[1] = chance(80) ? gen_struct(8 * (1 + below(6))) :
				    gen_ptr_guarded();
		break;
	case MICA_HC_vcpu_op:
		a[0] = gen_subop(11);
		a[1] = chance(90) ? below(3) : gen_word();
		a[2] = chance(80) ? gen_struct(8 * (1 + below(6))) :
				    gen_ptr_guarded();
		break;
	case MICA_HC_mmu_update:
	case MICA_HC_mmuext_op:
		n = gen_count();
		a[0] = chance(85) ? (nr == MICA_HC_mmu_update ?
					     gen_mmu_list(n < 64 ? n : 64) :
					     gen_mmuext_list(n < 64 ? n : 64)) :
				    gen_ptr_guarded();
		a[1] = n;
		a[2] = chance(50) ? 0 : gen_ptr_any();
		a[3] = chance(70) ? MICA_DOMID_SELF : gen_domid();
		break;
	case MICA_HC_update_va_mapping:
		a[0] = gen_va();
		a[1] = gen_pte();
		a[2] = chance(80) ? below(16) : gen_word();
		a[3] = gen_ptr_any();
		break;
	case MICA_HC_multicall:
		n = chance(90) ? below(8) : gen_count();
		a[0] = chance(90) && depth < 2 ?
			       gen_multicall(n < 8 ? n : 8, depth) :
			       gen_ptr_guarded();
		a[1] = n;
		break;
	case MICA_HC_grant_table_op:
		n = gen_count();
		a[0] = gen_subop(6);
		a[1] = chance(85) ? gen_list(40, n < 16 ? n : 16) :
				    gen_ptr_guarded();
		a[2] = n;
		break;
	case MICA_HC_set_trap_table:
		a[0] = chance(80) ? gen_trap_table() : gen_ptr_any();
		break;
	case MICA_HC_stack_switch:
		a[0] = chance(60) ? MICA_FLAT_KERNEL_SS : gen_word();
		a[1] = gen_va();
		break;
	case MICA_HC_set_segment_base:
		a[0] = gen_subop(4);
		a[1] = chance(30) ? below(0x10000) : gen_word();
		break;
	case MICA_HC_set_gdt:
		n = chance(50) ? below(16) : gen_count();
		a[0] = chance(80) ? gen_list(8, 1 + (n < 8191 ? n / 512 : 1)) :
				    gen_ptr_any();
		a[1] = n;
		break;
	case MICA_HC_update_descriptor:
		a[0] = gen_maddr() & ~(chance(80) ? 7ULL : 0);
		a[1] = gen_word();
		break;
	case MICA_HC_fpu_taskswitch:
		a[0] = chance(80) ? below(2) : gen_word();
		break;
	case MICA_HC_set_debugreg:
	case MICA_HC_get_debugreg:
		a[0] = chance(90) ? below(9) : gen_word();
		a[1] = chance(40) ? gen_va() : gen_word();
		break;
	case MICA_HC_domctl:
		a[0] = chance(80) ?
			       gen_ctl(MICA_DOMCTL_get_vcpu_info + 1,
				       MICA_DOMCTL_INTERFACE_VERSION, true) :
			       gen_ptr_any();
		break;
	case MICA_HC_sysctl:
		a[0] = chance(80) ?
			       gen_ctl(MICA_SYSCTL_settime + 1,
				       MICA_SYSCTL_INTERFACE_VERSION, false) :
			       gen_ptr_any();
		break;
	default:
		break;
	}
	if (depth == 0)
		scratch_used = 0;
}
