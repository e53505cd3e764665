/* SPDX-License-Identifier: MIT */
/* printf-style formatting into a bounded buffer. */
#include <mica/lib.h>

struct out {
	char *buf;
	size_t size;
	size_t len; /* length of the full output, even past size */
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

enum {
	FLAG_LEFT = 1,
	FLAG_ZERO = 2,
	FLAG_PLUS = 4,
	FLAG_SPACE = 8,
	FLAG_ALT = 16,
	FLAG_UPPER = 32,
	FLAG_POINTER = 64, /* "0x" even for 0 */
};

static void out_number(struct out *o, unsigned long long v, bool negative,
		       unsigned int base, int flags, int width, int precision)
{
	const char *digits = (flags & FLAG_UPPER) ? "0123456789ABCDEF" :
						    "0123456789abcdef";
	char tmp[24];
	char sign = 0;
	const char *prefix = "";
	int ndigits = 0, prefix_len, zeros, pad;
	bool zero = v == 0;

	do {
		tmp[ndigits++] = digits[v % base];
		v /= base;
	} while (v);
	if (precision == 0 && ndigits == 1 && tmp[0] == '0')
		ndigits = 0;

	if (negative)
		sign = '-';
	else if (flags & FLAG_PLUS)
		sign = '+';
	else if (flags & FLAG_SPACE)
		sign = ' ';
	/* '#': "0x" before a non-zero hex number; octal starts with a 0. */
	if ((flags & FLAG_ALT) && base == 16 &&
	    (!zero || (flags & FLAG_POINTER)))
		prefix = (flags & FLAG_UPPER) ? "0X" : "0x";
	else if ((flags & FLAG_ALT) && base == 8 && precision <= ndigits &&
		 !(ndigits && tmp[ndigits - 1] == '0'))
		prefix = "0";
	prefix_len = (int)strlen(prefix) + (sign ? 1 : 0);

	zeros = precision > ndigits ? precision - ndigits : 0;
	pad = width - prefix_len - zeros - ndigits;
	if ((flags & FLAG_ZERO) && !(flags & FLAG_LEFT) && precision < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!(flags & FLAG_LEFT))
		out_repeat(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	for (; *prefix; prefix++)
		out_char(o, *prefix);
	out_repeat(o, '0', zeros);
	while (ndigits)
		out_char(o, tmp[--ndigits]);
	if (flags & FLAG_LEFT)
		out_repeat(o, ' ', pad);
}

static void out_string(struct out *o, const char *s, int flags, int width,
		       int precision)
{
	int len;

	if (!s)
		s = "(null)";
	len = (int)strnlen(s, precision < 0 ? (size_t)-1 : (size_t)precision);
	if (!(flags & FLAG_LEFT))
		out_repeat(o, ' ', width - len);
	for (int i = 0; i < len; i++)
		out_char(o, s[i]);
	if (flags & FLAG_LEFT)
		out_repeat(o, ' ', width - len);
}

static int parse_flags(const char **fmt)
{
	int flags = 0;

	for (;; (*fmt)++) {
		switch (**fmt) {
		case '-':
			flags |= FLAG_LEFT;
			break;
		case '0':
			flags |= FLAG_ZERO;
			break;
		case '+':
			flags |= FLAG_PLUS;
			break;
		case ' ':
			flags |= FLAG_SPACE;
			break;
		case '#':
			flags |= FLAG_ALT;
			break;
		default:
			return flags;
		}
	}
}

static int parse_int(const char **fmt, va_list *ap)
{
	int v = 0;

	if (**fmt == '*') {
		(*fmt)++;
		return va_arg(*ap, int);
	}
	while (**fmt >= '0' && **fmt <= '9')
		v = v * 10 + (*(*fmt)++ - '0');
	return v;
}

/* Length modifier, counted in 'l's: h = -1, hh = -2, l/z/t/j = 1, ll = 2. */
static int parse_length(const char **fmt)
{
	switch (**fmt) {
	case 'h':
		(*fmt)++;
		if (**fmt == 'h') {
			(*fmt)++;
			return -2;
		}
		return -1;
	case 'l':
		(*fmt)++;
		if (**fmt == 'l') {
			(*fmt)++;
			return 2;
		}
		return 1;
	case 'z':
	case 't':
	case 'j':
		(*fmt)++;
		return 1;
	default:
		return 0;
	}
}

static unsigned long long fetch_unsigned(va_list *ap, int length)
{
	if (length >= 2)
		return va_arg(*ap, unsigned long long);
	if (length == 1)
		return va_arg(*ap, unsigned long);
	if (length == -1)
		return (unsigned short)va_arg(*ap, unsigned int);
	if (length == -2)
		return (unsigned char)va_arg(*ap, unsigned int);
	return va_arg(*ap, unsigned int);
}

static long long fetch_signed(va_list *ap, int length)
{
	if (length >= 2)
		return va_arg(*ap, long long);
	if (length == 1)
		return va_arg(*ap, long);
	if (length == -1)
		return (short)va_arg(*ap, int);
	if (length == -2)
		return (signed char)va_arg(*ap, int);
	return va_arg(*ap, int);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	va_list ap;

	va_copy(ap, ap_in);
	for (; *fmt; fmt++) {
		int flags, width, precision = -1, length;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		flags = parse_flags(&fmt);
		width = parse_int(&fmt, &ap);
		if (width < 0) {
			flags |= FLAG_LEFT;
			width = -width;
		}
		if (*fmt == '.') {
			fmt++;
			precision = parse_int(&fmt, &ap);
			if (precision < 0)
				precision = -1;
		}
		length = parse_length(&fmt);
		/* '+' and ' ' apply to signed conversions only. */
		if (*fmt != 'd' && *fmt != 'i')
			flags &= ~(FLAG_PLUS | FLAG_SPACE);

		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = fetch_signed(&ap, length);
			unsigned long long mag =
				v < 0 ? 0ULL - (unsigned long long)v :
					(unsigned long long)v;

			out_number(&o, mag, v < 0, 10, flags, width, precision);
			break;
		}
		case 'u':
			out_number(&o, fetch_unsigned(&ap, length), false, 10,
				   flags, width, precision);
			break;
		case 'X':
			flags |= FLAG_UPPER;
			/* fall through */
		case 'x':
			out_number(&o, fetch_unsigned(&ap, length), false, 16,
				   flags, width, precision);
			break;
		case 'o':
			out_number(&o, fetch_unsigned(&ap, length), false, 8,
				   flags, width, precision);
			break;
		case 'p':
			out_number(&o, (uintptr_t)va_arg(ap, void *), false, 16,
				   flags | FLAG_ALT | FLAG_ZERO | FLAG_POINTER,
				   width ? width : 18, precision);
			break;
		case 'c':
			out_repeat(&o, ' ',
				   (flags & FLAG_LEFT) ? 0 : width - 1);
			out_char(&o, (char)va_arg(ap, int));
			out_repeat(&o, ' ',
				   (flags & FLAG_LEFT) ? width - 1 : 0);
			break;
		case 's':
			out_string(&o, va_arg(ap, const char *), flags, width,
				   precision);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end */
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
