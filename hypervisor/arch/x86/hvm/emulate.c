/* SPDX-License-Identifier: MIT */
/*
 * The x86 instruction emulator of the HVM layer (asm/x86_emulate.h): the
 * instructions that touch emulated devices.  Decoding is complete before
 * anything is executed, so an instruction it does not know changes
 * nothing; registers and rip change only after every access of the
 * instruction (or of one rep iteration) succeeded.
 */
#include <mica/types.h>
#include <asm/x86_emulate.h>

#define FLAG_CF (1u << 0)
#define FLAG_PF (1u << 2)
#define FLAG_AF (1u << 4)
#define FLAG_ZF (1u << 6)
#define FLAG_SF (1u << 7)
#define FLAG_DF (1u << 10)
#define FLAG_OF (1u << 11)
#define FLAGS_ARITH (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

struct decoded {
	unsigned int opsize, addrsize, pos;
	int seg; /* override, -1: none */
	bool rep, rex_present, twobyte;
	uint8_t rex, op;
	/* ModRM */
	bool has_modrm, mem, rip_rel;
	unsigned int reg, rm; /* with REX.R / REX.B */
	uint64_t ea; /* offset before the segment */
	int ea_seg; /* default segment of the ModRM address */
	uint64_t imm;
};

static uint64_t mask_of(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static int fetch(const struct x86_emulate_ctx *c, struct decoded *d,
		 unsigned int n, uint64_t *v)
{
	*v = 0;
	if (d->pos + n > c->insn_len)
		return X86EMUL_UNHANDLED; /* truncated */
	for (unsigned int i = 0; i < n; i++)
		*v |= (uint64_t)c->insn[d->pos + i] << (i * 8);
	d->pos += n;
	return X86EMUL_OK;
}

static int64_t sext(uint64_t v, unsigned int size)
{
	unsigned int sh = 64 - size * 8;

	return size == 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

static uint64_t get_reg(const struct x86_emulate_ctx *c,
			const struct decoded *d, unsigned int r,
			unsigned int size)
{
	if (size == 1 && !d->rex_present && r >= 4 && r < 8)
		return (c->gpr[r - 4] >> 8) & 0xff; /* ah, ch, dh, bh */
	return c->gpr[r] & mask_of(size);
}

static void set_reg(struct x86_emulate_ctx *c, const struct decoded *d,
		    unsigned int r, unsigned int size, uint64_t v)
{
	if (size == 1 && !d->rex_present && r >= 4 && r < 8)
		c->gpr[r - 4] = (c->gpr[r - 4] & ~0xff00ULL) |
				((v & 0xff) << 8);
	else if (size == 4)
		c->gpr[r] = (uint32_t)v; /* 32-bit writes zero-extend */
	else if (size == 8)
		c->gpr[r] = v;
	else
		c->gpr[r] = (c->gpr[r] & ~mask_of(size)) | (v & mask_of(size));
}

/* ------------------------------------------------------------------
 * Decoding
 * ---------------------------------------------------------------- */

static int decode_prefixes(const struct x86_emulate_ctx *c, struct decoded *d)
{
	bool opsize = false, addrsize = false;

	for (;;) {
		uint8_t b;

		if (d->pos >= c->insn_len)
			return X86EMUL_UNHANDLED;
		b = c->insn[d->pos];
		if (b == 0x66)
			opsize = true;
		else if (b == 0x67)
			addrsize = true;
		else if (b == 0xf3 || b == 0xf2)
			d->rep = true;
		else if (b == 0xf0)
			; /* lock: the accesses are atomic here anyway */
		else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
			d->seg = (b >> 3) & 3; /* es, cs, ss, ds */
		else if (b == 0x64 || b == 0x65)
			d->seg = X86_SEG_FS + (b - 0x64);
		else
			break;
		d->pos++;
	}
	if (c->mode == 8 && (c->insn[d->pos] & 0xf0) == 0x40) {
		d->rex = c->insn[d->pos++];
		d->rex_present = true;
	}
	if (c->mode == 8) {
		d->opsize = (d->rex & 8) ? 8 : opsize ? 2 : 4;
		d->addrsize = addrsize ? 4 : 8;
	} else {
		d->opsize = (c->mode == 4) != opsize ? 4 : 2;
		d->addrsize = (c->mode == 4) != addrsize ? 4 : 2;
	}
	return X86EMUL_OK;
}

static int decode_modrm16(const struct x86_emulate_ctx *c, struct decoded *d,
			  unsigned int mod, unsigned int rm)
{
	static const uint8_t base[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP,
					 X86_RSI, X86_RDI, X86_RBP, X86_RBX };
	static const int8_t index[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI,
					 -1,	  -1,	   -1,	    -1 };
	uint64_t disp = 0;

	if (mod == 0 && rm == 6) {
		if (fetch(c, d, 2, &disp))
			return X86EMUL_UNHANDLED;
		d->ea = disp;
		d->ea_seg = X86_SEG_DS;
		return X86EMUL_OK;
	}
	if (mod && fetch(c, d, mod == 1 ? 1 : 2, &disp))
		return X86EMUL_UNHANDLED;
	d->ea = c->gpr[base[rm]] + (uint64_t)sext(disp, mod == 1 ? 1 : 2);
	if (index[rm] >= 0)
		d->ea += c->gpr[index[rm]];
	d->ea_seg = base[rm] == X86_RBP ? X86_SEG_SS : X86_SEG_DS;
	return X86EMUL_OK;
}

static int decode_modrm(const struct x86_emulate_ctx *c, struct decoded *d)
{
	uint64_t modrm, sib, disp = 0;
	unsigned int mod, rm, base;

	if (fetch(c, d, 1, &modrm))
		return X86EMUL_UNHANDLED;
	d->has_modrm = true;
	mod = (unsigned int)modrm >> 6;
	rm = modrm & 7;
	d->reg = ((modrm >> 3) & 7) | ((d->rex & 4) ? 8 : 0);
	if (mod == 3) {
		d->rm = rm | ((d->rex & 1) ? 8 : 0);
		return X86EMUL_OK;
	}
	d->mem = true;
	if (d->addrsize == 2)
		return decode_modrm16(c, d, mod, rm);
	d->ea_seg = X86_SEG_DS;
	if (rm == 4) {
		unsigned int idx, scale;

		if (fetch(c, d, 1, &sib))
			return X86EMUL_UNHANDLED;
		scale = (unsigned int)sib >> 6;
		idx = ((sib >> 3) & 7) | ((d->rex & 2) ? 8 : 0);
		base = (sib & 7) | ((d->rex & 1) ? 8 : 0);
		if (idx != 4)
			d->ea = c->gpr[idx] << scale;
		if ((base & 7) == 5 && mod == 0) {
			if (fetch(c, d, 4, &disp))
				return X86EMUL_UNHANDLED;
			d->ea += (uint64_t)sext(disp, 4);
			return X86EMUL_OK;
		}
	} else if (rm == 5 && mod == 0) {
		if (fetch(c, d, 4, &disp))
			return X86EMUL_UNHANDLED;
		d->ea = (uint64_t)sext(disp, 4);
		d->rip_rel = c->mode == 8; /* + the next rip, at the end */
		return X86EMUL_OK;
	} else {
		base = rm | ((d->rex & 1) ? 8 : 0);
	}
	d->ea += c->gpr[base];
	if ((base & 7) == X86_RSP || (base & 7) == X86_RBP)
		d->ea_seg = X86_SEG_SS;
	if (mod && fetch(c, d, mod == 1 ? 1 : 4, &disp))
		return X86EMUL_UNHANDLED;
	d->ea += (uint64_t)sext(disp, mod == 1 ? 1 : 4);
	return X86EMUL_OK;
}

/* Immediate operand sizes: 0 none, else bytes (imm32 for 8-byte ops). */
static unsigned int imm_size(const struct decoded *d)
{
	unsigned int v = d->opsize == 8 ? 4 : d->opsize;

	if (d->twobyte)
		return 0;
	switch (d->op) {
	case 0x80:
	case 0x83:
	case 0xc6:
	case 0xf6:
		return 1;
	case 0x81:
	case 0xc7:
	case 0xf7:
		return v;
	default:
		return 0;
	}
}

static bool known(const struct decoded *d)
{
	uint8_t op = d->op;

	if (d->twobyte)
		return op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf;
	if (op < 0x40)
		return (op & 7) < 4; /* add .. cmp in their E,G / G,E forms */
	switch (op) {
	case 0x6c ... 0x6f:
	case 0x80:
	case 0x81:
	case 0x83:
	case 0x84 ... 0x8b:
	case 0xa0 ... 0xa5:
	case 0xaa ... 0xad:
	case 0xc6:
	case 0xc7:
	case 0xf6:
	case 0xf7:
		return true;
	default:
		return false;
	}
}

static bool has_modrm(const struct decoded *d)
{
	uint8_t op = d->op;

	return d->twobyte || op < 0x40 || (op >= 0x80 && op <= 0x8b) ||
	       op == 0xc6 || op == 0xc7 || op == 0xf6 || op == 0xf7;
}

static int decode(const struct x86_emulate_ctx *c, struct decoded *d)
{
	uint64_t v;
	unsigned int n;

	if (decode_prefixes(c, d) || fetch(c, d, 1, &v))
		return X86EMUL_UNHANDLED;
	d->op = (uint8_t)v;
	if (d->op == 0x0f) {
		if (fetch(c, d, 1, &v))
			return X86EMUL_UNHANDLED;
		d->twobyte = true;
		d->op = (uint8_t)v;
	}
	if (!known(d))
		return X86EMUL_UNHANDLED;
	if (has_modrm(d) && decode_modrm(c, d))
		return X86EMUL_UNHANDLED;
	/* c6/c7 are mov only with /0; f6/f7 here are test only (/0, /1). */
	if (!d->twobyte && (d->op == 0xc6 || d->op == 0xc7) && (d->reg & 7))
		return X86EMUL_UNHANDLED;
	if (!d->twobyte && (d->op == 0xf6 || d->op == 0xf7) && (d->reg & 7) > 1)
		return X86EMUL_UNHANDLED;
	if (!d->twobyte && d->op >= 0xa0 && d->op <= 0xa3) {
		if (fetch(c, d, d->addrsize, &d->ea))
			return X86EMUL_UNHANDLED;
		d->mem = true;
		d->ea_seg = X86_SEG_DS;
	}
	n = imm_size(d);
	if (n && fetch(c, d, n, &d->imm))
		return X86EMUL_UNHANDLED;
	if (n && (d->op == 0x83 || n < d->opsize))
		d->imm = (uint64_t)sext(d->imm, n);
	return X86EMUL_OK;
}

/* ------------------------------------------------------------------
 * Execution
 * ---------------------------------------------------------------- */

static uint64_t linear(const struct x86_emulate_ctx *c, const struct decoded *d,
		       int seg, uint64_t off)
{
	off &= mask_of(d->addrsize);
	if (c->mode == 8)
		return seg >= X86_SEG_FS ? c->seg_base[seg] + off : off;
	return (c->seg_base[seg] + off) & 0xffffffffULL;
}

static int mem_read(struct x86_emulate_ctx *c, uint64_t la, unsigned int size,
		    uint64_t *v)
{
	int rc = c->ops->read(c->ops_ctx, la, size, v);

	if (rc == X86EMUL_RETRY)
		return rc;
	if (rc) {
		c->fault_la = la;
		return X86EMUL_FAULT;
	}
	*v &= mask_of(size);
	return X86EMUL_OK;
}

static int mem_write(struct x86_emulate_ctx *c, uint64_t la, unsigned int size,
		     uint64_t v)
{
	int rc = c->ops->write(c->ops_ctx, la, size, v & mask_of(size));

	if (rc == X86EMUL_RETRY)
		return rc;
	if (rc) {
		c->fault_la = la;
		return X86EMUL_FAULT;
	}
	return X86EMUL_OK;
}

static uint64_t ea_linear(const struct x86_emulate_ctx *c,
			  const struct decoded *d)
{
	return linear(c, d, d->seg >= 0 ? d->seg : d->ea_seg, d->ea);
}

static int get_e(struct x86_emulate_ctx *c, const struct decoded *d,
		 unsigned int size, uint64_t *v)
{
	if (d->mem)
		return mem_read(c, ea_linear(c, d), size, v);
	*v = get_reg(c, d, d->rm, size);
	return X86EMUL_OK;
}

static int put_e(struct x86_emulate_ctx *c, const struct decoded *d,
		 unsigned int size, uint64_t v)
{
	if (d->mem)
		return mem_write(c, ea_linear(c, d), size, v);
	set_reg(c, d, d->rm, size, v);
	return X86EMUL_OK;
}

static bool parity_even(uint64_t v)
{
	return !(__builtin_popcount((unsigned int)(v & 0xff)) & 1);
}

/* ALU operation 0-7 (add, or, adc, sbb, and, sub, xor, cmp); sets the
 * arithmetic flags, returns the result. */
static uint64_t alu(struct x86_emulate_ctx *c, unsigned int op, uint64_t a,
		    uint64_t b, unsigned int size)
{
	uint64_t m = mask_of(size), sign = 1ULL << (size * 8 - 1), r;
	unsigned __int128 wide;
	uint64_t cin = c->rflags & FLAG_CF ? 1 : 0, f = 0;

	a &= m;
	b &= m;
	switch (op) {
	case 0:
	case 2:
		if (op == 0)
			cin = 0;
		wide = (unsigned __int128)a + b + cin;
		r = (uint64_t)wide & m;
		if (wide > m)
			f |= FLAG_CF;
		if ((a ^ r) & (b ^ r) & sign)
			f |= FLAG_OF;
		f |= (a ^ b ^ r) & FLAG_AF;
		break;
	case 3:
	case 5:
	case 7:
		if (op != 3)
			cin = 0;
		r = (a - b - cin) & m;
		if ((unsigned __int128)a < (unsigned __int128)b + cin)
			f |= FLAG_CF;
		if ((a ^ b) & (a ^ r) & sign)
			f |= FLAG_OF;
		f |= (a ^ b ^ r) & FLAG_AF;
		break;
	case 1:
		r = a | b;
		break;
	case 4:
		r = a & b;
		break;
	default:
		r = a ^ b;
		break;
	}
	if (!r)
		f |= FLAG_ZF;
	if (r & sign)
		f |= FLAG_SF;
	if (parity_even(r))
		f |= FLAG_PF;
	c->rflags = (c->rflags & ~(uint64_t)FLAGS_ARITH) | f;
	return r;
}

static void step_index(struct x86_emulate_ctx *c, const struct decoded *d,
		       unsigned int r, unsigned int size)
{
	uint64_t v = c->gpr[r];
	uint64_t n = c->rflags & FLAG_DF ? v - size : v + size;

	if (d->addrsize == 8)
		c->gpr[r] = n;
	else if (d->addrsize == 4)
		c->gpr[r] = (uint32_t)n;
	else
		c->gpr[r] = (v & ~0xffffULL) | (n & 0xffff);
}

/* One iteration of a string instruction. */
static int string_once(struct x86_emulate_ctx *c, const struct decoded *d,
		       unsigned int size)
{
	int src_seg = d->seg >= 0 ? d->seg : X86_SEG_DS;
	uint64_t src = linear(c, d, src_seg, c->gpr[X86_RSI]);
	uint64_t dst = linear(c, d, X86_SEG_ES, c->gpr[X86_RDI]);
	uint16_t port = (uint16_t)c->gpr[X86_RDX];
	uint64_t v;
	uint32_t io;
	int rc;

	switch (d->op) {
	case 0xa4:
	case 0xa5:
		rc = mem_read(c, src, size, &v);
		if (!rc)
			rc = mem_write(c, dst, size, v);
		if (rc)
			return rc;
		step_index(c, d, X86_RSI, size);
		step_index(c, d, X86_RDI, size);
		return X86EMUL_OK;
	case 0xaa:
	case 0xab:
		rc = mem_write(c, dst, size, c->gpr[X86_RAX]);
		if (!rc)
			step_index(c, d, X86_RDI, size);
		return rc;
	case 0xac:
	case 0xad:
		rc = mem_read(c, src, size, &v);
		if (rc)
			return rc;
		set_reg(c, d, X86_RAX, size, v);
		step_index(c, d, X86_RSI, size);
		return X86EMUL_OK;
	case 0x6c:
	case 0x6d:
		rc = c->ops->io_in(c->ops_ctx, port, size, &io);
		if (rc)
			return rc == X86EMUL_RETRY ? rc : X86EMUL_FAULT;
		rc = mem_write(c, dst, size, io);
		if (!rc)
			step_index(c, d, X86_RDI, size);
		return rc;
	default: /* 0x6e, 0x6f */
		rc = mem_read(c, src, size, &v);
		if (rc)
			return rc;
		rc = c->ops->io_out(c->ops_ctx, port, size, (uint32_t)v);
		if (rc)
			return rc == X86EMUL_RETRY ? rc : X86EMUL_FAULT;
		step_index(c, d, X86_RSI, size);
		return X86EMUL_OK;
	}
}

/* Returns whether the instruction is complete (rip may move). */
static int exec_string(struct x86_emulate_ctx *c, const struct decoded *d,
		       bool *done)
{
	unsigned int size = d->op & 1 ? d->opsize : 1;
	uint64_t am = mask_of(d->addrsize);

	if ((d->op == 0x6d || d->op == 0x6f) && size == 8)
		size = 4; /* port I/O is at most 32 bits */
	*done = true;
	if (!d->rep)
		return string_once(c, d, size);
	for (unsigned int i = 0; i < c->max_reps; i++) {
		uint64_t count = c->gpr[X86_RCX] & am;
		int rc;

		if (!count)
			return X86EMUL_OK;
		rc = string_once(c, d, size);
		if (rc == X86EMUL_RETRY && i) {
			*done = false; /* the completed iterations stand */
			return X86EMUL_OK;
		}
		if (rc)
			return rc;
		count--;
		if (d->addrsize == 4)
			c->gpr[X86_RCX] = (uint32_t)count;
		else
			c->gpr[X86_RCX] = (c->gpr[X86_RCX] & ~am) | count;
		c->reps_done = i + 1;
	}
	*done = !(c->gpr[X86_RCX] & am);
	return X86EMUL_OK;
}

static int exec(struct x86_emulate_ctx *c, const struct decoded *d, bool *done)
{
	unsigned int os = d->opsize, bs = (d->op & 1) ? os : 1;
	uint64_t a, b;
	int rc;

	*done = true;
	if (d->twobyte) { /* movzx / movsx */
		unsigned int from = (d->op & 1) ? 2 : 1;

		rc = get_e(c, d, from, &a);
		if (rc)
			return rc;
		if (d->op >= 0xbe)
			a = (uint64_t)sext(a, from);
		set_reg(c, d, d->reg, os, a);
		return X86EMUL_OK;
	}
	if (d->op < 0x40) { /* ALU, E,G / G,E */
		unsigned int op = d->op >> 3;

		rc = get_e(c, d, bs, &a);
		if (rc)
			return rc;
		b = get_reg(c, d, d->reg, bs);
		if (d->op & 2) { /* G = G op E */
			b = alu(c, op, b, a, bs);
			if (op != 7)
				set_reg(c, d, d->reg, bs, b);
			return X86EMUL_OK;
		}
		a = alu(c, op, a, b, bs);
		return op == 7 ? X86EMUL_OK : put_e(c, d, bs, a);
	}
	switch (d->op) {
	case 0x80:
	case 0x81:
	case 0x83:
		bs = d->op == 0x80 ? 1 : os;
		rc = get_e(c, d, bs, &a);
		if (rc)
			return rc;
		a = alu(c, d->reg & 7, a, d->imm, bs);
		return (d->reg & 7) == 7 ? X86EMUL_OK : put_e(c, d, bs, a);
	case 0x84:
	case 0x85:
		rc = get_e(c, d, bs, &a);
		if (!rc)
			alu(c, 4, a, get_reg(c, d, d->reg, bs), bs);
		return rc;
	case 0xf6:
	case 0xf7:
		rc = get_e(c, d, bs, &a);
		if (!rc)
			alu(c, 4, a, d->imm, bs);
		return rc;
	case 0x86:
	case 0x87:
		rc = get_e(c, d, bs, &a);
		if (!rc)
			rc = put_e(c, d, bs, get_reg(c, d, d->reg, bs));
		if (!rc)
			set_reg(c, d, d->reg, bs, a);
		return rc;
	case 0x88:
	case 0x89:
		return put_e(c, d, bs, get_reg(c, d, d->reg, bs));
	case 0x8a:
	case 0x8b:
		rc = get_e(c, d, bs, &a);
		if (!rc)
			set_reg(c, d, d->reg, bs, a);
		return rc;
	case 0xa0:
	case 0xa1:
		rc = get_e(c, d, bs, &a);
		if (!rc)
			set_reg(c, d, X86_RAX, bs, a);
		return rc;
	case 0xa2:
	case 0xa3:
		return put_e(c, d, bs, c->gpr[X86_RAX]);
	case 0xc6:
	case 0xc7:
		return put_e(c, d, bs, d->imm);
	default: /* string instructions */
		return exec_string(c, d, done);
	}
}

int x86_emulate(struct x86_emulate_ctx *c)
{
	struct decoded d = { .seg = -1 };
	uint64_t next;
	bool done;
	int rc;

	if (c->mode != 2 && c->mode != 4 && c->mode != 8)
		return X86EMUL_UNHANDLED;
	c->reps_done = 0;
	if (decode(c, &d))
		return X86EMUL_UNHANDLED;
	c->len = d.pos;
	next = c->rip + d.pos;
	if (c->mode != 8)
		next &= c->mode == 4 ? 0xffffffffULL : 0xffffULL;
	if (d.rip_rel)
		d.ea += next;
	rc = exec(c, &d, &done);
	if (!rc && done)
		c->rip = next;
	return rc;
}
