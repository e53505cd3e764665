// SPDX-License-Identifier: MIT
/* Unit tests of boot_domains_parse(): the boot configuration syntax of
 * docs/boot.md, good and bad. */
#include <stdio.h>
#include <string.h>

#include <mica/boot_domains.h>
#include <mica/console.h>

#include "harness.h"

/* What boot_domains.c links against besides the parser. */
struct boot_info boot_info;
void printk_level(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}
/* The host C library may lack it. */
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int arch_build_boot_domain(const struct boot_domain *bd, uint16_t domid)
{
	(void)bd;
	(void)domid;
	return 0;
}

static struct boot_module mods[BOOT_MAX_MODULES];
static struct boot_domain doms[BOOT_MAX_MODULES];
static char reports[8][200];
static unsigned int nr_reports;
static unsigned int report_mod[8];

static void report(unsigned int mod, const char *msg)
{
	if (nr_reports < 8) {
		report_mod[nr_reports] = mod;
		snprintf(reports[nr_reports], sizeof(reports[0]), "%s", msg);
	}
	nr_reports++;
}

static unsigned int parse(unsigned int nr, ...)
{
	va_list ap;

	va_start(ap, nr);
	for (unsigned int i = 0; i < nr; i++)
		snprintf(mods[i].cmdline, sizeof(mods[i].cmdline), "%s",
			 va_arg(ap, const char *));
	va_end(ap);
	nr_reports = 0;
	return boot_domains_parse(mods, nr, doms, report);
}

static void dom0_alone_keeps_its_arguments(void)
{
	CHECK_EQ(parse(1, "/boot/k.elf domain=x mem=1 -- y"), 1);
	CHECK(doms[0].privileged);
	CHECK(!strcmp(doms[0].name, "dom0"));
	CHECK(!strcmp(doms[0].cmdline, "domain=x mem=1 -- y"));
	CHECK_INT(doms[0].initrd, -1);
	CHECK_EQ(doms[0].mem, 0);
	CHECK_EQ(nr_reports, 0);
}

static void module_1_is_dom0_initrd(void)
{
	CHECK_EQ(parse(2, "k.elf a b", "initrd.img whatever"), 1);
	CHECK_INT(doms[0].initrd, 1);
	CHECK(!strcmp(doms[0].cmdline, "a b"));
}

static void no_modules_no_domains(void)
{
	CHECK_EQ(parse(0), 0);
}

static void domus_with_settings_and_initrds(void)
{
	CHECK_EQ(parse(5, "k.elf", "u.elf domain=web mem=16M vcpus=2 -- x=1 y",
		       "web.initrd", "u.elf  domain=db", "db.initrd"),
		 3);
	CHECK_EQ(nr_reports, 0);
	CHECK(!doms[1].privileged);
	CHECK(!strcmp(doms[1].name, "web"));
	CHECK_EQ(doms[1].mem, 16ULL << 20);
	CHECK_EQ(doms[1].vcpus, 2);
	CHECK_EQ(doms[1].kernel, 1);
	CHECK_INT(doms[1].initrd, 2);
	CHECK(!strcmp(doms[1].cmdline, "x=1 y"));
	CHECK(!strcmp(doms[2].name, "db"));
	CHECK_EQ(doms[2].mem, BOOT_DOMU_DEFAULT_MEM);
	CHECK_EQ(doms[2].vcpus, 1);
	CHECK_EQ(doms[2].kernel, 3);
	CHECK_INT(doms[2].initrd, 4);
	CHECK(!strcmp(doms[2].cmdline, ""));
	CHECK_INT(doms[0].initrd, -1);
}

static void bad_words_reject_only_that_domain(void)
{
	CHECK_EQ(parse(7, "k.elf", "u.elf domain=a mem=2M", "a.initrd",
		       "u.elf domain=b vcpus=0", "u.elf domain=c bogus",
		       "u.elf domain=d vcpus=33", "u.elf domain=e mem=16X"),
		 1);
	CHECK_EQ(nr_reports, 6);
	CHECK_EQ(report_mod[0], 1);
	CHECK(strstr(reports[0], "mem=2M"));
	CHECK_EQ(report_mod[1], 2); /* the initrd of the rejected domain */
	CHECK(strstr(reports[1], "rejected"));
	CHECK(strstr(reports[2], "vcpus=0"));
	CHECK(strstr(reports[3], "unknown word 'bogus'"));
	CHECK(strstr(reports[4], "vcpus=33"));
	CHECK(strstr(reports[5], "mem=16X"));
}

static void names_checked_and_unique(void)
{
	CHECK_EQ(parse(6, "k.elf", "u.elf domain=x", "u.elf domain=x",
		       "u.elf domain=dom0", "u.elf domain=bad/name",
		       "u.elf domain=0123456789012345678901234567890123"),
		 2);
	CHECK_EQ(nr_reports, 4);
	CHECK(strstr(reports[0], "taken"));
	CHECK(strstr(reports[1], "taken"));
	CHECK(strstr(reports[2], "bad domain name"));
	CHECK(strstr(reports[3], "bad domain name"));
}

static void domain_types(void)
{
	CHECK_EQ(parse(6, "k.elf", "h.elf domain=h type=hvm mem=16M -- t=1",
		       "p.elf domain=p type=pv", "d.elf domain=d",
		       "x.elf domain=x type=kvm", "y.elf domain=y type=hvm=1"),
		 4);
	CHECK(!doms[0].hvm);
	CHECK(doms[1].hvm);
	CHECK_EQ(doms[1].mem, 16ULL << 20);
	CHECK(!strcmp(doms[1].cmdline, "t=1"));
	CHECK(!doms[2].hvm);
	CHECK(!doms[3].hvm);
	CHECK_EQ(nr_reports, 2);
	CHECK(strstr(reports[0], "unknown word 'type=kvm'"));
	CHECK(strstr(reports[1], "unknown word 'type=hvm=1'"));
	/* type=hvm after "--" is the guest's, not Mica's. */
	CHECK_EQ(parse(2, "k.elf", "u.elf domain=u -- type=hvm"), 2);
	CHECK(!doms[1].hvm);
	CHECK(!strcmp(doms[1].cmdline, "type=hvm"));
}

static void second_initrd_refused(void)
{
	CHECK_EQ(parse(3, "k.elf", "a.img", "b.img"), 1);
	CHECK_INT(doms[0].initrd, 1);
	CHECK_EQ(nr_reports, 1);
	CHECK_EQ(report_mod[0], 2);
	CHECK(strstr(reports[0], "initrd already"));
}

static void empty_name_and_long_arguments(void)
{
	char line[256];

	memset(line, 0, sizeof(line));
	snprintf(line, sizeof(line), "u.elf domain=a -- ");
	memset(line + strlen(line), 'z', sizeof(line) - strlen(line) - 1);
	CHECK_EQ(parse(3, "k.elf", "u.elf domain= mem=8M", line), 2);
	CHECK_EQ(nr_reports, 1);
	CHECK(strstr(reports[0], "domain="));
	CHECK_EQ(strlen(doms[1].cmdline), 255 - strlen("u.elf domain=a -- "));
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(dom0_alone_keeps_its_arguments),
		TEST_CASE(module_1_is_dom0_initrd),
		TEST_CASE(domain_types),
		TEST_CASE(no_modules_no_domains),
		TEST_CASE(domus_with_settings_and_initrds),
		TEST_CASE(bad_words_reject_only_that_domain),
		TEST_CASE(names_checked_and_unique),
		TEST_CASE(second_initrd_refused),
		TEST_CASE(empty_name_and_long_arguments),
	};

	return run_tests("boot_domains", cases, ARRAY_SIZE(cases));
}
