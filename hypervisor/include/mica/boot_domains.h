/* SPDX-License-Identifier: MIT */
/*
 * Domains built at boot from the multiboot modules (docs/boot.md).
 *
 * Module 0 is dom0's kernel; its whole argument string (the module command
 * line without the file name) is dom0's command line.  Every later module
 * whose arguments start with "domain=NAME" is the kernel of an unprivileged
 * domain (domU), configured by the words up to "--":
 *
 *	FILE domain=NAME [type=pv|hvm] [mem=SIZE] [vcpus=N] [-- GUEST ARGS]
 *
 * Any other module is the initrd of the domain whose kernel precedes it
 * (at most one per domain).  A domU with a bad word is reported and not
 * built (nor is its initrd); the other domains are.
 */
#ifndef MICA_BOOT_DOMAINS_H
#define MICA_BOOT_DOMAINS_H

#include <mica/boot.h>
#include <mica/types.h>

#define BOOT_DOMU_DEFAULT_MEM (32ULL << 20)
#define BOOT_DOMU_MIN_MEM (4ULL << 20)
#define BOOT_DOMU_MAX_MEM (1ULL << 40)
#define BOOT_DOMAIN_NAME_SIZE 32
#define BOOT_DOMAIN_MAX_VCPUS 32 /* MAX_VCPUS_PER_DOMAIN */

struct boot_domain {
	char name[BOOT_DOMAIN_NAME_SIZE];
	bool privileged; /* dom0 */
	bool hvm; /* type=hvm: an HVM guest (public/hvm/hvm.h boot state) */
	uint64_t mem; /* bytes; 0 for dom0 (dom0_mem decides) */
	unsigned int vcpus;
	unsigned int kernel; /* module index */
	int initrd; /* module index, -1 if none */
	char cmdline[256]; /* the guest's command line */
};

/*
 * Parses the modules' command lines into at most BOOT_MAX_MODULES domains
 * (dom0 first, then the domUs in module order).  Each problem is reported
 * through report(module index, message).  Returns the number of domains.
 */
unsigned int boot_domains_parse(const struct boot_module *mods,
				unsigned int nr_mods, struct boot_domain *out,
				void (*report)(unsigned int mod,
					       const char *msg));

/* Parses the boot modules and builds every domain (arch hook below). */
void boot_domains_build(void);

/* Arch: builds domain 'domid' from bd and starts its vcpu 0.  0 or -errno
 * after printing why. */
int arch_build_boot_domain(const struct boot_domain *bd, uint16_t domid);

#endif
