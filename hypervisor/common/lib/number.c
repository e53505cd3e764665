/* SPDX-License-Identifier: MIT */
/* Parsing of numbers and sizes from command lines and boot data. */
#include <mica/errno.h>
#include <mica/lib.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int parse_ulong(const char *s, const char **end, unsigned long *value)
{
	unsigned long v = 0;
	unsigned int base = 10;
	const char *p = s;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		base = 16;
		p += 2;
	}
	if (digit_value(*p) >= (int)base) {
		*end = s;
		return -EINVAL;
	}
	for (; (d = digit_value(*p)) < (int)base; p++) {
		if (v > (~0UL - (unsigned long)d) / base) {
			*end = p;
			return -ERANGE;
		}
		v = v * base + (unsigned long)d;
	}
	*end = p;
	*value = v;
	return 0;
}

int parse_size(const char *s, const char **end, uint64_t *bytes)
{
	unsigned long v;
	unsigned int shift = 0;
	int rc;

	rc = parse_ulong(s, end, &v);
	if (rc)
		return rc;
	switch (**end) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'T':
	case 't':
		shift = 40;
		break;
	case 'B':
	case 'b':
		break;
	default:
		*bytes = v;
		return 0;
	}
	(*end)++;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = (uint64_t)v << shift;
	return 0;
}
