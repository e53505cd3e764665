/* SPDX-License-Identifier: MIT */
/* The instruction decoder for PV emulation (asm/insn.h). */
#include <mica/errno.h>
#include <asm/insn.h>
#include <public/arch-x86/cpuid.h>

static const uint8_t forced_prefix[] = { MICA_CPUID_FORCED_EMUL_BYTES };

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: /* es, cs, ss, ds, fs, gs overrides */
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x64:
	case 0x65:
	case 0x66: /* operand size */
	case 0x67: /* address size */
	case 0xf2: /* repne */
	case 0xf3: /* rep */
		return true;
	default:
		return false;
	}
}

/* mov to/from crN/drN: 0f 20-23 /r; the mod bits are ignored (always a
 * register operand). */
static int decode_mov_special(const uint8_t *buf, unsigned int avail,
			      unsigned int i, uint8_t rex, struct insn *insn)
{
	uint8_t modrm;

	if (i >= avail)
		return -EFAULT;
	modrm = buf[i];
	insn->reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	insn->gpr = (modrm & 7) | ((rex & 1) ? 8 : 0);
	insn->len = i + 1;
	return 0;
}

int insn_decode(const uint8_t *buf, unsigned int avail, struct insn *insn)
{
	unsigned int i = 0;
	bool opsize16 = false;
	uint8_t rex = 0, op;

	*insn = (struct insn){ 0 };
	if (avail > INSN_MAX_LEN)
		avail = INSN_MAX_LEN;

	/* The forced-emulation prefix, then a plain cpuid. */
	for (i = 0; i < sizeof(forced_prefix) && i < avail; i++)
		if (buf[i] != forced_prefix[i])
			break;
	if (i == sizeof(forced_prefix) ||
	    (i == avail && i < sizeof(forced_prefix))) {
		if (avail < sizeof(forced_prefix) + 2)
			return -EFAULT;
		if (buf[i] != 0x0f || buf[i + 1] != 0xa2)
			return -EINVAL;
		insn->op = INSN_CPUID;
		insn->forced = true;
		insn->len = i + 2;
		return 0;
	}

	for (i = 0; i < avail && is_legacy_prefix(buf[i]); i++)
		if (buf[i] == 0x66)
			opsize16 = true;
	if (i < avail && (buf[i] & 0xf0) == 0x40)
		rex = buf[i++]; /* REX must come last */
	if (i >= avail)
		return -EFAULT;
	op = buf[i++];

	switch (op) {
	case 0xe4: /* in al, imm8 */
	case 0xe5: /* in eax, imm8 */
	case 0xe6: /* out imm8, al */
	case 0xe7: /* out imm8, eax */
		if (i >= avail)
			return -EFAULT;
		insn->port = buf[i++];
		insn->op = (op & 2) ? INSN_OUT : INSN_IN;
		insn->size = (op & 1) ? (opsize16 ? 2 : 4) : 1;
		insn->len = i;
		return 0;
	case 0xec: /* in al, dx */
	case 0xed: /* in eax, dx */
	case 0xee: /* out dx, al */
	case 0xef: /* out dx, eax */
		insn->port_in_dx = true;
		insn->op = (op & 2) ? INSN_OUT : INSN_IN;
		insn->size = (op & 1) ? (opsize16 ? 2 : 4) : 1;
		insn->len = i;
		return 0;
	case 0xf4:
		insn->op = INSN_HLT;
		insn->len = i;
		return 0;
	case 0xfa:
	case 0xfb:
		insn->op = op == 0xfa ? INSN_CLI : INSN_STI;
		insn->len = i;
		return 0;
	case 0x0f:
		break;
	default:
		return -EINVAL;
	}

	if (i >= avail)
		return -EFAULT;
	op = buf[i++];
	switch (op) {
	case 0x06:
		insn->op = INSN_CLTS;
		break;
	case 0x30:
		insn->op = INSN_WRMSR;
		break;
	case 0x32:
		insn->op = INSN_RDMSR;
		break;
	case 0xa2:
		insn->op = INSN_CPUID;
		break;
	case 0x20:
	case 0x21:
	case 0x22:
	case 0x23:
		insn->op = op == 0x20 ? INSN_MOV_FROM_CR :
			   op == 0x21 ? INSN_MOV_FROM_DR :
			   op == 0x22 ? INSN_MOV_TO_CR :
					INSN_MOV_TO_DR;
		return decode_mov_special(buf, avail, i, rex, insn);
	default:
		return -EINVAL;
	}
	insn->len = i;
	return 0;
}

int insn_soft_int(const uint8_t *buf, unsigned int avail, bool long_mode,
		  unsigned int *vec, unsigned int *len)
{
	unsigned int i;

	if (avail > INSN_MAX_LEN)
		avail = INSN_MAX_LEN;
	for (i = 0; i < avail; i++)
		if (!is_legacy_prefix(buf[i]) && buf[i] != 0xf0 /* lock */ &&
		    !(long_mode && (buf[i] & 0xf0) == 0x40 /* REX */))
			break;
	if (i == INSN_MAX_LEN)
		return -EINVAL; /* too long: the CPU's #GP(0), never here */
	if (i == avail)
		return -EFAULT;
	switch (buf[i]) {
	case 0xcc: /* int3 */
		*vec = 3;
		*len = i + 1;
		return 0;
	case 0xce: /* into (only in 32-bit code) */
		*vec = 4;
		*len = i + 1;
		return 0;
	case 0xcd: /* int imm8 */
		if (i + 1 == INSN_MAX_LEN)
			return -EINVAL;
		if (i + 1 == avail)
			return -EFAULT;
		*vec = buf[i + 1];
		*len = i + 2;
		return 0;
	default:
		return -EINVAL;
	}
}
