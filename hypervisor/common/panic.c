/* SPDX-License-Identifier: MIT */
/* panic(): the one way out of an impossible state. */
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/shutdown.h>
#include <asm/traps.h>

void panic(const char *fmt, ...)
{
	static char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fatal_trap(NULL, msg);
}
