/* SPDX-License-Identifier: MIT */
/*
 * qemu_exit CODE: ends a native QEMU run through the isa-debug-exit device
 * at port 0xf4 (scripts/qemu.sh), which exits QEMU with (CODE << 1) | 1.
 * The native kernel is built without ACPI, so this is its power button.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 0;

	if (ioperm(0xf4, 4, 1)) {
		perror("qemu_exit: ioperm");
		return 1;
	}
	outl((unsigned int)code, 0xf4);
	fprintf(stderr, "qemu_exit: still running after the exit port\n");
	return 1;
}
