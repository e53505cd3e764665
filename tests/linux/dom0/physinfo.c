// SPDX-License-Identifier: MIT
/*
 * physinfo: prints the hypervisor's free pages (sysctl physinfo through
 * /dev/mica/privcmd) as "free_pages N", for tests/linux/dom0/system.sh.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <mica/privcmd.h>

#include "public/sysctl.h"

int main(void)
{
	struct mica_sysctl s = { .cmd = MICA_SYSCTL_physinfo,
				 .interface_version =
					 MICA_SYSCTL_INTERFACE_VERSION };
	struct mica_privcmd_hypercall c = {
		.op = MICA_HC_sysctl,
		.arg = { (uint64_t)(uintptr_t)&s },
	};
	int fd = open(MICA_PRIVCMD_DEVICE, O_RDWR);

	if (fd < 0 || ioctl(fd, MICA_PRIVCMD_HYPERCALL, &c)) {
		fprintf(stderr, "physinfo: %s\n", strerror(errno));
		return 1;
	}
	printf("free_pages %llu\n",
	       (unsigned long long)s.u.physinfo.free_pages);
	return 0;
}
