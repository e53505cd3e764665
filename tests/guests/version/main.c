/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_version (public/version.h): the version, feature words, platform
 * parameters and build string, and -MICA_ENOSYS for sub-ops that do not
 * exist.  The first call any guest makes, so it must simply work.
 */
#include "test.h"

#include "public/arch-x86/layout.h"
#include "public/errno.h"
#include "public/version.h"

const char test_title[] = "MICA_HC_version: version, features, parameters";

#define POISON32 0xdeadbeefu

static void check_version(void)
{
	long v = hypercall_version(MICA_VERSION_GET, NULL);

	printk("ABI version %ld.%ld (guest built for %d.%d)\n", v >> 16,
	       v & 0xffff, MICA_ABI_VERSION_MAJOR, MICA_ABI_VERSION_MINOR);
	if (v < 0 || v > 0xffffffffL)
		test_fail("MICA_VERSION_GET returned %ld, not a version", v);
	else if ((v >> 16) != MICA_ABI_VERSION_MAJOR)
		test_fail("ABI major %ld, guest built for %d", v >> 16,
			  MICA_ABI_VERSION_MAJOR);
	else if ((v & 0xffff) < MICA_ABI_VERSION_MINOR)
		test_fail("ABI minor %ld older than the guest's %d", v & 0xffff,
			  MICA_ABI_VERSION_MINOR);
}

/* Reads feature word `index`; returns the bits, or fails the test. */
static bool get_features(uint32_t index, uint32_t *bits)
{
	struct mica_feature_info info = { .index = index, .bits = POISON32 };
	long rc = hypercall_version(MICA_VERSION_GET_FEATURES, &info);

	if (!test_expect_rc(rc, 0, "GET_FEATURES index %u", index))
		return false;
	if (info.index != index) {
		test_fail("GET_FEATURES changed index %u to %u", index,
			  info.index);
		return false;
	}
	*bits = info.bits;
	return true;
}

static void check_features(void)
{
	/* Words the hypervisor does not know read as 0 (note 2). */
	static const uint32_t unknown_words[] = { MICA_FEATURES_NR_WORDS, 1000,
						  0xffffffffu };
	bool privileged = start_info->flags & MICA_START_INFO_PRIVILEGED;
	uint32_t bits;

	if (!get_features(0, &bits))
		return;
	printk("Feature word 0: %#x\n", bits);
	if (!(bits & MICA_FEAT_PV_MMU))
		test_fail("PV guest without MICA_FEAT_PV_MMU (%#x)", bits);
	if (bits & MICA_FEAT_AUTO_TRANSLATED)
		test_fail("PV guest has MICA_FEAT_AUTO_TRANSLATED (%#x)", bits);
	printk("FIFO event channels %s\n",
	       bits & MICA_FEAT_EVTCHN_FIFO ? "available" : "not available");
	if (!(bits & MICA_FEAT_PRIVILEGED) != !privileged)
		test_fail("MICA_FEAT_PRIVILEGED %s, start info says %s",
			  bits & MICA_FEAT_PRIVILEGED ? "set" : "clear",
			  privileged ? "privileged" : "unprivileged");

	for (size_t i = 0; i < ARRAY_SIZE(unknown_words); i++) {
		if (get_features(unknown_words[i], &bits) && bits)
			test_fail("unknown feature word %u reads %#x, not 0",
				  unknown_words[i], bits);
	}
}

static void check_parameters(void)
{
	struct mica_platform_parameters p;
	long rc;

	memset(&p, 0xa5, sizeof(p));
	rc = hypercall_version(MICA_VERSION_GET_PARAMETERS, &p);
	if (!test_expect_rc(rc, 0, "GET_PARAMETERS"))
		return;
	printk("Hypervisor %#lx-%#lx, M2P %#lx-%#lx, %u ports, %u grant frames, %u vcpus\n",
	       p.hypervisor_virt_start, p.hypervisor_virt_end, p.m2p_virt_start,
	       p.m2p_virt_end, p.max_evtchn_port, p.max_grant_frames,
	       p.max_vcpus);
	if (p.hypervisor_virt_start != MICA_HYPERVISOR_VIRT_START ||
	    p.hypervisor_virt_end != MICA_HYPERVISOR_VIRT_END)
		test_fail(
			"hypervisor range %#lx-%#lx, layout.h says %#llx-%#llx",
			p.hypervisor_virt_start, p.hypervisor_virt_end,
			MICA_HYPERVISOR_VIRT_START, MICA_HYPERVISOR_VIRT_END);
	if (p.m2p_virt_start != MICA_M2P_VIRT_START ||
	    p.m2p_virt_end != MICA_M2P_VIRT_END)
		test_fail("M2P range %#lx-%#lx, layout.h says %#llx-%#llx",
			  p.m2p_virt_start, p.m2p_virt_end, MICA_M2P_VIRT_START,
			  MICA_M2P_VIRT_END);
	if (p.max_vcpus < 1)
		test_fail("max_vcpus is 0");
	if (p.pad0 != 0 && p.pad0 != 0xa5a5a5a5u)
		test_fail("GET_PARAMETERS wrote %#x into pad0", p.pad0);
}

static void check_build(void)
{
	struct mica_build_info b;
	long rc;

	memset(&b, 0xa5, sizeof(b));
	rc = hypercall_version(MICA_VERSION_GET_BUILD, &b);
	if (!test_expect_rc(rc, 0, "GET_BUILD"))
		return;
	if (!memchr(b.text, '\0', sizeof(b.text)))
		test_fail("GET_BUILD text is not NUL-terminated");
	else if (!b.text[0])
		test_fail("GET_BUILD text is empty");
	else
		printk("Build: %s\n", b.text);
}

/* Unknown sub-ops fail with -MICA_ENOSYS, never -MICA_EINVAL (mica.h
 * note 4), whatever the argument. */
static void check_unknown_subops(void)
{
	static const uint32_t cmds[] = { MICA_VERSION_GET_BUILD + 1, 100,
					 0x7fffffffu, 0xffffffffu };
	struct mica_build_info scratch;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		test_expect_rc(hypercall_version(cmds[i], NULL), -MICA_ENOSYS,
			       "version sub-op %u, NULL arg", cmds[i]);
		test_expect_rc(hypercall_version(cmds[i], &scratch),
			       -MICA_ENOSYS, "version sub-op %u", cmds[i]);
	}
}

void test_main(void)
{
	check_version();
	check_features();
	check_parameters();
	check_build();
	check_unknown_subops();
	test_pass();
}
