/* SPDX-License-Identifier: MIT */
/* printf-style formatting for the test guests; see lib.h for what it takes. */
#include "lib.h"

#define FLAG_LEFT (1u << 0)
#define FLAG_ZERO (1u << 1)
#define FLAG_ALT (1u << 2) /* '#': 0x before non-zero hex */

struct spec {
	unsigned int flags;
	unsigned int width;
	int precision; /* -1: none */
	char length; /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z' */
};

struct out {
	format_put_fn put;
	void *ctx;
	int count; /* characters produced, whether or not stored */
};

static void out_char(struct out *o, char c)
{
	o->put(o->ctx, c);
	o->count++;
}

static void out_repeat(struct out *o, char c, unsigned int n)
{
	while (n--)
		out_char(o, c);
}

/* Writes text[0..len) into a field of spec->width. */
static void out_field(struct out *o, const struct spec *spec,
		      const char *prefix, const char *text, size_t len)
{
	size_t prefix_len = strlen(prefix);
	unsigned int pad = 0;

	if (spec->width > prefix_len + len)
		pad = spec->width - (unsigned int)(prefix_len + len);
	if (!(spec->flags & (FLAG_LEFT | FLAG_ZERO)))
		out_repeat(o, ' ', pad);
	while (*prefix)
		out_char(o, *prefix++);
	if ((spec->flags & (FLAG_LEFT | FLAG_ZERO)) == FLAG_ZERO)
		out_repeat(o, '0', pad);
	while (len--)
		out_char(o, *text++);
	if (spec->flags & FLAG_LEFT)
		out_repeat(o, ' ', pad);
}

static void out_number(struct out *o, const struct spec *spec, uint64_t value,
		       bool negative, unsigned int base, bool upper,
		       const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char text[24];
	size_t i = sizeof(text);

	do {
		text[--i] = digits[value % base];
		value /= base;
	} while (value);
	out_field(o, spec, negative ? "-" : prefix, text + i, sizeof(text) - i);
}

static uint64_t arg_unsigned(const struct spec *spec, va_list *ap)
{
	switch (spec->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned int);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned int);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int64_t arg_signed(const struct spec *spec, va_list *ap)
{
	switch (spec->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
		return (int64_t)va_arg(*ap, size_t);
	default:
		return va_arg(*ap, int);
	}
}

/* Parses flags, width, precision and length after a '%'; returns the
 * character after them (the conversion). */
static const char *parse_spec(const char *fmt, struct spec *spec, va_list *ap)
{
	*spec = (struct spec){ .precision = -1 };
	for (;; fmt++) {
		if (*fmt == '-')
			spec->flags |= FLAG_LEFT;
		else if (*fmt == '0')
			spec->flags |= FLAG_ZERO;
		else if (*fmt == '#')
			spec->flags |= FLAG_ALT;
		else
			break;
	}
	if (*fmt == '*') {
		int w = va_arg(*ap, int);

		if (w < 0) {
			spec->flags |= FLAG_LEFT;
			w = -w;
		}
		spec->width = (unsigned int)w;
		fmt++;
	}
	for (; *fmt >= '0' && *fmt <= '9'; fmt++)
		spec->width = spec->width * 10 + (unsigned int)(*fmt - '0');
	if (*fmt == '.') {
		fmt++;
		spec->precision = 0;
		if (*fmt == '*') {
			spec->precision = va_arg(*ap, int);
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			spec->precision = spec->precision * 10 + (*fmt - '0');
	}
	if (fmt[0] == 'h') {
		spec->length = fmt[1] == 'h' ? 'H' : 'h';
		fmt += fmt[1] == 'h' ? 2 : 1;
	} else if (fmt[0] == 'l') {
		spec->length = fmt[1] == 'l' ? 'L' : 'l';
		fmt += fmt[1] == 'l' ? 2 : 1;
	} else if (fmt[0] == 'z') {
		spec->length = 'z';
		fmt++;
	}
	return fmt;
}

int format(format_put_fn put, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { .put = put, .ctx = ctx };
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		struct spec spec;
		const char *s;
		char c;

		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &spec, &args);
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&spec, &args);

			out_number(&o, &spec,
				   v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0,
				   10, false, "");
			break;
		}
		case 'u':
			out_number(&o, &spec, arg_unsigned(&spec, &args), false,
				   10, false, "");
			break;
		case 'x':
		case 'X': {
			uint64_t v = arg_unsigned(&spec, &args);
			bool alt = (spec.flags & FLAG_ALT) && v;

			out_number(&o, &spec, v, false, 16, *fmt == 'X',
				   alt ? (*fmt == 'X' ? "0X" : "0x") : "");
			break;
		}
		case 'p':
			spec.flags = FLAG_ZERO;
			spec.width = 18;
			out_number(&o, &spec,
				   (uint64_t)(uintptr_t)va_arg(args, void *),
				   false, 16, false, "0x");
			break;
		case 's':
			s = va_arg(args, const char *);
			if (!s)
				s = "(null)";
			out_field(&o, &spec, "", s,
				  spec.precision < 0 ?
					  strlen(s) :
					  strnlen(s, (size_t)spec.precision));
			break;
		case 'c':
			c = (char)va_arg(args, int);
			out_field(&o, &spec, "", &c, 1);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			/* A lone '%' at the end: print it. */
			out_char(&o, '%');
			continue;
		default:
			/* Unknown conversion: show it as written. */
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(args);
	return o.count;
}

struct buffer {
	char *buf;
	size_t size;
	size_t used;
};

static void buffer_put(void *ctx, char c)
{
	struct buffer *b = ctx;

	if (b->used + 1 < b->size)
		b->buf[b->used++] = c;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer b = { .buf = buf, .size = size };
	int n = format(buffer_put, &b, fmt, ap);

	if (size)
		buf[b.used] = '\0';
	return n;
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
