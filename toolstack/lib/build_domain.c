// SPDX-License-Identifier: MIT
/* Building a PV domain through the hypervisor ops (mica/hv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mica/build.h>
#include <mica/error.h>
#include <mica/hv.h>

#include "public/memory.h"

#define SUPERPAGE_ORDER 9
#define SUPERPAGE (1ull << SUPERPAGE_ORDER)

/*
 * Gives the domain pfns [0, nr_pages): 2 MiB extents where the host has
 * them, single frames for the rest.  Fills @p2m.
 */
static int populate(struct mica_hv *hv, uint16_t domid, uint64_t nr_pages,
		    uint64_t *p2m, struct mica_error *err)
{
	uint64_t nr_big = nr_pages / SUPERPAGE, *ext, done_pfns, i, j;
	long done;

	ext = malloc((nr_big ? nr_big : 1) * sizeof(*ext));
	if (!ext)
		return mica_error_set(err, ENOMEM, "out of memory");
	for (i = 0; i < nr_big; i++)
		ext[i] = i * SUPERPAGE;
	done = nr_big ? hv->ops->populate(hv, domid, ext, nr_big,
					  SUPERPAGE_ORDER) :
			0;
	if (done < 0) {
		free(ext);
		return mica_error_set(err, (int)-done, "populate: %s",
				      strerror((int)-done));
	}
	for (i = 0; i < (uint64_t)done; i++)
		for (j = 0; j < SUPERPAGE; j++)
			p2m[i * SUPERPAGE + j] = ext[i] + j;
	free(ext);
	done_pfns = (uint64_t)done * SUPERPAGE;
	for (i = done_pfns; i < nr_pages; i++)
		p2m[i] = i;
	done = done_pfns < nr_pages ?
		       hv->ops->populate(hv, domid, p2m + done_pfns,
					 nr_pages - done_pfns, 0) :
		       0;
	if (done < 0)
		return mica_error_set(err, (int)-done, "populate: %s",
				      strerror((int)-done));
	if (done_pfns + (uint64_t)done < nr_pages)
		return mica_error_set(err, ENOMEM,
				      "only %llu of %llu MiB of memory could "
				      "be given (host out of memory or "
				      "domain limit)",
				      (unsigned long long)((done_pfns + done) >>
							   8),
				      (unsigned long long)(nr_pages >> 8));
	return 0;
}

static void *map(struct mica_hv *hv, uint16_t domid, const uint64_t *mfns,
		 uint64_t count, struct mica_error *err)
{
	int *errs = malloc(count * sizeof(int)), ret = 0;
	void *addr = NULL;

	if (!errs) {
		mica_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	addr = hv->ops->map_foreign(hv, domid, mfns, (uint32_t)count, 1, errs,
				    &ret);
	if (addr && ret) {
		hv->ops->unmap_foreign(hv, addr, (uint32_t)count);
		addr = NULL;
		ret = -EFAULT;
	}
	if (!addr)
		mica_error_set(err, -ret,
			       "cannot map the new domain's memory: "
			       "%s",
			       strerror(-ret));
	free(errs);
	return addr;
}

int mica_build_domain(struct mica_hv *hv, uint16_t domid,
		      const struct mica_build_input *in, uint64_t nr_pages,
		      struct mica_build_result *res, struct mica_error *err)
{
	struct mica_build_layout *l = &res->layout;
	struct mica_vcpu_guest_context *ctx = NULL;
	struct mica_domctl_domain_info info;
	struct mica_elf_info elf;
	void *area = NULL, *module_area = NULL;
	uint64_t *p2m;
	int ret;

	ret = mica_elf_parse(in->kernel, in->kernel_len, &elf, err);
	if (ret)
		return mica_error_prefix(err, "kernel");
	ret = mica_build_layout(&elf, nr_pages, in->module_len, l, err);
	if (ret)
		return ret;
	p2m = malloc(nr_pages * sizeof(*p2m));
	ctx = malloc(sizeof(*ctx));
	if (!p2m || !ctx) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = populate(hv, domid, nr_pages, p2m, err);
	if (ret)
		goto out;
	ret = hv->ops->get_info(hv, domid, &info);
	if (ret) {
		mica_error_set(err, -ret, "get_info: %s", strerror(-ret));
		goto out;
	}
	area = map(hv, domid, p2m, l->mapped, err);
	if (!area) {
		ret = -err->code;
		goto out;
	}
	if (elf.mod_start_pfn && in->module_len) {
		module_area =
			map(hv, domid, p2m + l->mod_pfn, l->mod_pages, err);
		if (!module_area) {
			ret = -err->code;
			goto out_unmap;
		}
	}
	/* The rings' ports: the domain's, offered to dom0's daemons, which
	 * bind them (interdomain) when they connect the rings. */
	ret = hv->ops->alloc_unbound(hv, domid, 0, &res->store_evtchn);
	if (!ret)
		ret = hv->ops->alloc_unbound(hv, domid, 0,
					     &res->console_evtchn);
	if (ret) {
		mica_error_set(err, -ret, "event channel for the rings: %s",
			       strerror(-ret));
		goto out_unmap;
	}
	{
		struct mica_build_input with_info = *in;

		with_info.shared_info_mfn = info.shared_info_mfn;
		with_info.store_evtchn = res->store_evtchn;
		with_info.console_evtchn = res->console_evtchn;
		mica_build_write(&elf, l, &with_info, p2m, area, module_area,
				 ctx);
	}
	res->start_info_mfn = p2m[l->start_info_pfn];
	res->store_mfn = p2m[l->store_pfn];
	res->console_mfn = p2m[l->console_pfn];
	/* Our writable mappings go first: a frame mapped writable anywhere
	 * cannot become a page table, and the context pins the new L4. */
	if (module_area)
		hv->ops->unmap_foreign(hv, module_area, (uint32_t)l->mod_pages);
	hv->ops->unmap_foreign(hv, area, (uint32_t)l->mapped);
	module_area = area = NULL;
	ret = hv->ops->set_vcpu_context(hv, domid, 0, ctx);
	if (ret) {
		mica_error_set(err, -ret, "initial vcpu context refused: %s",
			       strerror(-ret));
		goto out_unmap;
	}
	ret = hv->ops->set_param(hv, domid, MICA_DOMPARAM_STORE_PFN,
				 res->store_mfn);
	if (!ret)
		ret = hv->ops->set_param(hv, domid, MICA_DOMPARAM_STORE_EVTCHN,
					 res->store_evtchn);
	if (!ret)
		ret = hv->ops->set_param(hv, domid,
					 MICA_DOMPARAM_CONSOLE_EVTCHN,
					 res->console_evtchn);
	/* Last: mica-consoled takes a console PFN as "ready to connect". */
	if (!ret)
		ret = hv->ops->set_param(hv, domid, MICA_DOMPARAM_CONSOLE_PFN,
					 res->console_mfn);
	if (ret)
		mica_error_set(err, -ret, "set_param: %s", strerror(-ret));
out_unmap:
	if (module_area)
		hv->ops->unmap_foreign(hv, module_area, (uint32_t)l->mod_pages);
	if (area)
		hv->ops->unmap_foreign(hv, area, (uint32_t)l->mapped);
out:
	free(ctx);
	free(p2m);
	return ret;
}
