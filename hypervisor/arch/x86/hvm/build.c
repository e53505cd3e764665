/* SPDX-License-Identifier: MIT */
/*
 * The boot-time builder of HVM domains (docs/boot.md `type=hvm`,
 * public/hvm/hvm.h "Boot state"): RAM from the domain's own frames in
 * blocks of up to 2 MiB, mapped by the nested page tables; the ELF image
 * loaded by physical address; the start info in the top page; vcpu 0 in
 * real mode at the entry point.
 */
#include <mica/boot.h>
#include <mica/boot_domains.h>
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/elf.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>
#include <asm/m2p.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <public/hvm/hvm.h>
#include <public/sched.h>

#define MIN_FREE (8UL << 20) /* left to Mica after each domain */
#define REAL_MODE_LIMIT (1UL << 20)

/* Gives d frames for gfn 0..nr_pages-1, largest aligned blocks first. */
static int populate(struct domain *d, uint64_t nr_pages)
{
	uint64_t gfn = 0;

	while (gfn < nr_pages) {
		unsigned int order = 9;
		struct page_info *pg = NULL;
		uint64_t mfn;
		int rc;

		while (order && ((gfn & ((1ULL << order) - 1)) ||
				 gfn + (1ULL << order) > nr_pages))
			order--;
		for (;; order--) {
			pg = domain_alloc_pages(d, order);
			if (pg || !order)
				break;
		}
		if (!pg)
			return -ENOMEM;
		mfn = page_to_mfn(pg);
		rc = p2m_map(d, gfn, mfn, order);
		if (rc)
			return rc;
		for (uint64_t i = 0; i < (1ULL << order); i++)
			m2p_set(mfn + i, gfn + i);
		gfn += 1ULL << order;
	}
	d->arch.hvm->nr_ram_pages = nr_pages;
	return 0;
}

/* Every segment inside RAM below the start-info page; the entry point
 * reachable from real mode. */
static int check_image(const struct elf_info *elf, uint64_t ram_end, char *why,
		       size_t size)
{
	if (ram_end < REAL_MODE_LIMIT) {
		snprintf(why, size, "less than 1 MiB of RAM");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < elf->nr_segments; i++) {
		const struct elf_segment *s = &elf->segments[i];

		if (s->vaddr >= ram_end || s->memsz > ram_end - s->vaddr) {
			snprintf(why, size,
				 "segment %u at %lx-%lx is not in RAM below "
				 "%lx",
				 i, s->vaddr, s->vaddr + s->memsz, ram_end);
			return -EINVAL;
		}
		if (s->vaddr < HVM_ACPI_TABLES + HVM_ACPI_TABLES_SIZE &&
		    s->vaddr + s->memsz > HVM_ACPI_TABLES) {
			snprintf(why, size,
				 "segment %u at %lx-%lx overlaps the ACPI "
				 "tables at %llx",
				 i, s->vaddr, s->vaddr + s->memsz,
				 HVM_ACPI_TABLES);
			return -EINVAL;
		}
	}
	if (elf->entry >= REAL_MODE_LIMIT) {
		snprintf(why, size, "entry %lx is not below 1 MiB (real mode)",
			 elf->entry);
		return -EINVAL;
	}
	return 0;
}

static int load_image(struct domain *d, const uint8_t *image,
		      const struct elf_info *elf)
{
	for (unsigned int i = 0; i < elf->nr_segments; i++) {
		const struct elf_segment *s = &elf->segments[i];
		int rc = hvm_copy_to_gpa(d, s->vaddr, image + s->offset,
					 s->filesz);

		if (rc)
			return rc;
	}
	return 0;
}

int hvm_build_boot_domain(const struct boot_domain *bd, uint16_t domid)
{
	const struct boot_module *kmod = &boot_info.modules[bd->kernel];
	const uint8_t *image = maddr_to_virt(kmod->start);
	uint64_t nr_pages = bd->mem >> PAGE_SHIFT, si_gpa;
	struct mica_hvm_start_info *si;
	struct elf_info elf;
	struct domain *d;
	struct vcpu *v = NULL;
	bool is_linux = hvm_is_bzimage(image, kmod->end - kmod->start);
	uint16_t cs;
	char why[128];
	int rc = 0;

	if (!hvm_available()) {
		pr_err("%s: HVM domain, but this CPU has no SVM with nested "
		       "paging; not built\n",
		       bd->name);
		return -ENODEV;
	}
	if (bd->initrd >= 0 && !is_linux)
		pr_warn("%s: only Linux HVM kernels take an initrd; module %d "
			"ignored\n",
			bd->name, bd->initrd);
	si_gpa = (nr_pages - 1) << PAGE_SHIFT;
	if (!is_linux)
		rc = elf_parse_physical(image, kmod->end - kmod->start, &elf,
					why, sizeof(why));
	if (!rc && !is_linux)
		rc = check_image(&elf, si_gpa, why, sizeof(why));
	if (rc) {
		pr_err("%s: HVM image (module %u) refused: %s\n", bd->name,
		       bd->kernel, why);
		return rc;
	}
	if ((nr_pages + 1) * PAGE_SIZE + MIN_FREE >
	    page_alloc_free_frames() * PAGE_SIZE) {
		pr_err("%s: %lu MiB asked, only %lu MiB free; not built\n",
		       bd->name, nr_pages >> 8, page_alloc_free_frames() >> 8);
		return -ENOMEM;
	}

	/* + 1: the shared-info page (mica/domain.h), not guest RAM. */
	d = domain_create(domid, bd->name, false, bd->vcpus, nr_pages + 1, &rc);
	if (!d) {
		pr_err("%s: cannot create the domain (%d)\n", bd->name, rc);
		return rc;
	}
	rc = hvm_domain_create(d);
	for (unsigned int i = 0; !rc && i < bd->vcpus; i++) {
		struct vcpu *n =
			vcpu_create(d, i, (domid + i) % nr_cpus_online);

		if (!n)
			rc = -ENOMEM;
		else if (!i)
			v = n;
	}
	if (!rc)
		rc = populate(d, nr_pages);
	if (!rc)
		rc = hvm_acpi_write_tables(d, bd->vcpus);
	if (!rc && is_linux) {
		rc = hvm_linux_build(d, bd, si_gpa, why, sizeof(why));
		if (rc)
			pr_err("%s: Linux image (module %u) refused: %s\n",
			       bd->name, bd->kernel, why);
	} else if (!rc) {
		rc = load_image(d, image, &elf);
	}
	if (rc) {
		pr_err("%s: cannot build the HVM domain (%d)\n", bd->name, rc);
		goto err_destroy;
	}

	si = mfn_to_virt(p2m_lookup(d, si_gpa >> PAGE_SHIFT));
	strlcpy(si->magic, MICA_HVM_START_INFO_MAGIC, sizeof(si->magic));
	si->nr_pages = nr_pages;
	si->nr_vcpus = bd->vcpus;
	strlcpy(si->cmdline, bd->cmdline, sizeof(si->cmdline));

	if (is_linux) {
		pr_info("%s: domain %u, HVM (%s), %lu MiB, %u vcpu%s, Linux "
			"boot protocol (32-bit entry)\n",
			bd->name, domid, hvm_backend->name, nr_pages >> 8,
			bd->vcpus, bd->vcpus > 1 ? "s" : "");
		vcpu_up(v);
		return 0;
	}
	cs = (uint16_t)((elf.entry >> 4) & 0xf000);
	hvm_backend->vcpu_reset_real_mode(
		v, cs, (uint16_t)(elf.entry - ((uint64_t)cs << 4)));
	v->arch.hvm->regs.rax = MICA_HVM_START_MAGIC;
	v->arch.hvm->regs.rbx = si_gpa;

	pr_info("%s: domain %u, HVM (%s), %lu MiB, %u vcpu%s, entry %lx in "
		"real mode\n",
		bd->name, domid, hvm_backend->name, nr_pages >> 8, bd->vcpus,
		bd->vcpus > 1 ? "s" : "", elf.entry);
	vcpu_up(v);
	return 0;

err_destroy:
	domain_shutdown(d, MICA_SHUTDOWN_crash);
	return rc;
}
