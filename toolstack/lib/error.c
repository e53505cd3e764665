// SPDX-License-Identifier: MIT
/* The toolstack error object: errno plus a message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mica/error.h>

int mica_error_set(struct mica_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -code;
}

int mica_error_prefix(struct mica_error *err, const char *fmt, ...)
{
	char cause[MICA_ERROR_MESSAGE_MAX];
	va_list ap;
	int used;

	if (!err)
		return 0;
	memcpy(cause, err->message, sizeof(cause));
	va_start(ap, fmt);
	used = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (used >= 0 && (size_t)used < sizeof(err->message))
		snprintf(err->message + used, sizeof(err->message) - used,
			 ": %s", cause);
	return -err->code;
}

void mica_error_clear(struct mica_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->message[0] = '\0';
}
