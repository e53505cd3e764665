/* SPDX-License-Identifier: MIT */
/* MICA_HC_version: ABI version and features (public/version.h). */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/grant_table.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/version.h>
#include <public/arch-x86/layout.h>
#include <public/version.h>

static long version_features(uint64_t arg)
{
	struct mica_feature_info fi;

	if (copy_from_guest(&fi, arg, sizeof(fi)))
		return -EFAULT;
	fi.bits = 0; /* words beyond ours read as 0 */
	if (fi.index == 0) {
		fi.bits = MICA_FEAT_PV_MMU | MICA_FEAT_GRANT_SUB_PAGE;
		if (current_vcpu()->domain->privileged)
			fi.bits |= MICA_FEAT_PRIVILEGED;
	}
	return copy_to_guest(arg, &fi, sizeof(fi));
}

static long version_parameters(uint64_t arg)
{
	struct mica_platform_parameters p;

	memset(&p, 0, sizeof(p));
	p.hypervisor_virt_start = MICA_HYPERVISOR_VIRT_START;
	p.hypervisor_virt_end = MICA_HYPERVISOR_VIRT_END;
	p.m2p_virt_start = MICA_M2P_VIRT_START;
	p.m2p_virt_end = MICA_M2P_VIRT_END;
	p.max_vcpus = current_vcpu()->domain->max_vcpus;
	p.max_grant_frames = current_vcpu()->domain->grant->max_frames;
	return copy_to_guest(arg, &p, sizeof(p));
}

static long version_build(uint64_t arg)
{
	struct mica_build_info b;

	memset(&b, 0, sizeof(b));
	snprintf(b.text, sizeof(b.text), "Mica %s (gcc %d.%d)", MICA_VERSION,
		 __GNUC__, __GNUC_MINOR__);
	return copy_to_guest(arg, &b, sizeof(b));
}

long do_version(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		uint64_t a5)
{
	(void)a3;
	(void)a4;
	(void)a5;
	switch (cmd) {
	case MICA_VERSION_GET:
		return MICA_ABI_VERSION;
	case MICA_VERSION_GET_FEATURES:
		return version_features(arg);
	case MICA_VERSION_GET_PARAMETERS:
		return version_parameters(arg);
	case MICA_VERSION_GET_BUILD:
		return version_build(arg);
	default:
		return -ENOSYS;
	}
}
