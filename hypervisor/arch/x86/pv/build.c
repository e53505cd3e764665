/* SPDX-License-Identifier: MIT */
/*
 * The boot-time builder of PV domains from the multiboot modules (dom0 and
 * the domUs of mica/boot_domains.h), following the layout and initial state
 * of public/start_info.h.
 */
#include <mica/boot.h>
#include <mica/boot_domains.h>
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/elf.h>
#include <mica/errno.h>
#include <mica/event.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <asm/hvm.h>
#include <asm/ioport.h>
#include <asm/m2p.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <public/arch-x86/layout.h>
#include <public/sched.h>
#include <public/shared_info.h>
#include <public/start_info.h>

#define DOM0_DEFAULT_MEM (64UL << 20)
#define MIN_FREE (8UL << 20) /* left to Mica after each domain */
#define PAGES(bytes) (((bytes) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PT_FLAGS (PTE_P | PTE_W | PTE_U | PTE_A)
#define LEAF_FLAGS (PTE_P | PTE_U | PTE_A | PTE_D)

_Static_assert(BOOT_DOMAIN_MAX_VCPUS == MAX_VCPUS_PER_DOMAIN,
	       "boot_domains.h vcpu limit");

static uint64_t dom0_mem;
param_size("dom0_mem", dom0_mem);
/* vcpus of dom0 (default: one per online CPU); vcpu 0 starts, the guest
 * brings up the others (public/vcpu.h). */
static unsigned int dom0_max_vcpus;
param_uint("dom0_max_vcpus", dom0_max_vcpus);

/* The guest's memory as the builder sees it. */
struct build {
	struct domain *d;
	uint64_t nr_pages;
	uint64_t *p2m; /* pfn -> mfn */
	uint64_t virt_base;
	uint64_t pt_pfn, nr_pt, next_pt; /* page-table frames */
};

static void *pfn_to_virt(const struct build *b, uint64_t pfn)
{
	return mfn_to_virt(b->p2m[pfn]);
}

/* Copies len bytes to guest-physical byte offset 'off' (pfn * 4096 + x). */
static void copy_to_pfns(const struct build *b, uint64_t off, const void *src,
			 uint64_t len)
{
	const uint8_t *s = src;

	while (len) {
		uint64_t in_page = off & (PAGE_SIZE - 1);
		uint64_t n = MIN(len, PAGE_SIZE - in_page);

		memcpy((uint8_t *)pfn_to_virt(b, off >> PAGE_SHIFT) + in_page,
		       s, n);
		off += n;
		s += n;
		len -= n;
	}
}

/* Page-table frames needed to map [va, va + pages * 4 KiB). */
static uint64_t count_tables(uint64_t va, uint64_t pages)
{
	uint64_t end = va + pages * PAGE_SIZE - 1, n = 1; /* the L4 */

	for (unsigned int shift = 21; shift <= 39; shift += 9)
		n += (end >> shift) - (va >> shift) + 1;
	return n;
}

/* Returns the table under entry *e, taking a fresh page-table frame. */
static uint64_t *next_level(struct build *b, uint64_t *e)
{
	if (!(*e & PTE_P)) {
		uint64_t pfn = b->next_pt++;

		*e = (b->p2m[pfn] << PAGE_SHIFT) | PT_FLAGS;
	}
	return mfn_to_virt((*e & PTE_ADDR_MASK) >> PAGE_SHIFT);
}

/* Maps pfns [0, pages) linearly at virt_base; tables read-only. */
static void build_page_tables(struct build *b, uint64_t pages)
{
	uint64_t *l4 = pfn_to_virt(b, b->pt_pfn);

	/* Mica's slots stay 0 here: validation fills them (mmu.h T5). */
	b->next_pt = b->pt_pfn + 1;
	for (uint64_t pfn = 0; pfn < pages; pfn++) {
		uint64_t va = b->virt_base + pfn * PAGE_SIZE;
		uint64_t *l3 = next_level(b, &l4[(va >> 39) & 511]);
		uint64_t *l2 = next_level(b, &l3[(va >> 30) & 511]);
		uint64_t *l1 = next_level(b, &l2[(va >> 21) & 511]);
		bool is_pt = pfn >= b->pt_pfn && pfn < b->pt_pfn + b->nr_pt;

		l1[(va >> 12) & 511] = (b->p2m[pfn] << PAGE_SHIFT) |
				       LEAF_FLAGS | (is_pt ? 0 : PTE_W);
	}
}

/* Gives the domain nr_pages frames, in blocks of up to 2 MiB. */
static int populate(struct build *b)
{
	uint64_t pfn = 0;

	while (pfn < b->nr_pages) {
		unsigned int order = 9;
		struct page_info *pg;

		while (order && (pfn + (1ULL << order) > b->nr_pages ||
				 (pfn & ((1ULL << order) - 1))))
			order--;
		while (!(pg = domain_alloc_pages(b->d, order)) && order)
			order--;
		if (!pg)
			return -ENOMEM;
		for (uint64_t i = 0; i < (1ULL << order); i++) {
			b->p2m[pfn + i] = page_to_mfn(pg) + i;
			m2p_set(page_to_mfn(pg) + i, pfn + i);
		}
		pfn += 1ULL << order;
	}
	return 0;
}

static void load_segments(const struct build *b, const struct elf_info *elf,
			  const uint8_t *image)
{
	for (unsigned int i = 0; i < elf->nr_segments; i++) {
		const struct elf_segment *s = &elf->segments[i];
		uint64_t off =
			(s->pfn << PAGE_SHIFT) + (s->vaddr & (PAGE_SIZE - 1));

		/* The rest up to memsz is bss: the frames are already zero. */
		copy_to_pfns(b, off, image + s->offset, s->filesz);
	}
}

static uint64_t dom0_pages(void)
{
	uint64_t want = dom0_mem ? dom0_mem : DOM0_DEFAULT_MEM;
	uint64_t free = page_alloc_free_frames() * PAGE_SIZE;

	if (free < MIN_FREE * 2)
		return 0;
	if (want > free - MIN_FREE) {
		pr_warn("dom0: %lu MiB asked, %lu MiB available; using that\n",
			want >> 20, (free - MIN_FREE) >> 20);
		want = free - MIN_FREE;
	}
	return want >> PAGE_SHIFT;
}

/* Pfns of the items of the start_info.h layout. */
struct layout {
	uint64_t mod, p2m, si, store, console, stack, mapped;
};

/* Lays out L1..L9 for a kernel ending at kernel_end; fills b->pt_*. */
static void plan_layout(struct build *b, const struct elf_info *elf,
			uint64_t initrd_len, bool domu, struct layout *l)
{
	uint64_t pfn = (elf->virt_end - elf->virt_base) >> PAGE_SHIFT;

	l->mod = pfn;
	pfn += PAGES(initrd_len);
	l->p2m = pfn;
	pfn += PAGES(b->nr_pages * sizeof(uint64_t));
	l->si = pfn++;
	l->store = domu ? pfn++ : 0;
	l->console = domu ? pfn++ : 0;
	b->pt_pfn = pfn;
	for (b->nr_pt = 1;;) {
		uint64_t need;

		l->mapped = ALIGN_UP(b->pt_pfn + b->nr_pt +
					     MICA_START_STACK_PAGES + 128,
				     1024ULL);
		need = count_tables(b->virt_base, l->mapped);
		if (need <= b->nr_pt)
			break;
		b->nr_pt = need;
	}
	l->stack = b->pt_pfn + b->nr_pt;
}

/*
 * A domU's store and console rings each get an unbound port offered to
 * dom0, where the store and console daemons bind them.
 */
static int alloc_ring_ports(struct domain *d)
{
	uint32_t store, console;
	int rc;

	rc = evtchn_alloc_unbound(d, 0, &store);
	if (!rc)
		rc = evtchn_alloc_unbound(d, 0, &console);
	if (rc)
		return rc;
	d->params[MICA_DOMPARAM_STORE_EVTCHN] = store;
	d->params[MICA_DOMPARAM_CONSOLE_EVTCHN] = console;
	return 0;
}

static void fill_start_info(const struct build *b, const struct layout *l,
			    const struct boot_domain *bd,
			    const struct page_info *shared_pg,
			    uint64_t initrd_len)
{
	struct mica_start_info *si = pfn_to_virt(b, l->si);

	strlcpy(si->magic, MICA_START_INFO_MAGIC, sizeof(si->magic));
	si->nr_pages = b->nr_pages;
	si->shared_info_mfn = page_to_mfn(shared_pg);
	if (bd->privileged) {
		si->flags = MICA_START_INFO_PRIVILEGED |
			    MICA_START_INFO_INITDOMAIN;
	} else {
		si->store_mfn = b->p2m[l->store];
		si->console_mfn = b->p2m[l->console];
		si->store_evtchn = b->d->params[MICA_DOMPARAM_STORE_EVTCHN];
		si->console_evtchn = b->d->params[MICA_DOMPARAM_CONSOLE_EVTCHN];
	}
	si->pt_base = b->virt_base + (b->pt_pfn << PAGE_SHIFT);
	si->nr_pt_frames = b->nr_pt;
	si->mfn_list = b->virt_base + (l->p2m << PAGE_SHIFT);
	si->mod_start = initrd_len ? b->virt_base + (l->mod << PAGE_SHIFT) : 0;
	si->mod_len = initrd_len;
	strlcpy(si->cmdline, bd->cmdline, sizeof(si->cmdline));
}

int arch_build_boot_domain(const struct boot_domain *bd, uint16_t domid)
{
	const struct boot_module *kmod = &boot_info.modules[bd->kernel];
	const struct boot_module *initrd =
		bd->initrd >= 0 ? &boot_info.modules[bd->initrd] : NULL;
	const uint8_t *image = maddr_to_virt(kmod->start);
	uint64_t initrd_len = initrd ? initrd->end - initrd->start : 0;
	struct build b = { 0 };
	struct elf_info elf;
	struct layout l;
	struct page_info *shared_pg;
	unsigned int nr_vcpus = bd->vcpus;
	struct vcpu *v;
	char why[128];
	int rc;

	if (bd->hvm)
		return hvm_build_boot_domain(bd, domid);
	rc = elf_parse(image, kmod->end - kmod->start, &elf, why, sizeof(why));
	if (rc) {
		pr_err("%s: kernel (module %u) refused: %s\n", bd->name,
		       bd->kernel, why);
		return rc;
	}
	b.virt_base = elf.virt_base;
	b.nr_pages = bd->privileged ? dom0_pages() : bd->mem >> PAGE_SHIFT;
	if (!bd->privileged && (b.nr_pages + 1) * PAGE_SIZE + MIN_FREE >
				       page_alloc_free_frames() * PAGE_SIZE) {
		pr_err("%s: %lu MiB asked, only %lu MiB free; not built\n",
		       bd->name, b.nr_pages >> 8,
		       page_alloc_free_frames() >> 8);
		return -ENOMEM;
	}

	plan_layout(&b, &elf, initrd_len, !bd->privileged, &l);
	if (l.mapped > b.nr_pages) {
		pr_err("%s: needs at least %lu MiB for its kernel and boot "
		       "layout; has %lu MiB\n",
		       bd->name, (l.mapped << PAGE_SHIFT) >> 20,
		       b.nr_pages >> 8);
		return -ENOMEM;
	}
	if (b.virt_base + (l.mapped << PAGE_SHIFT) >
		    MICA_HYPERVISOR_VIRT_START &&
	    b.virt_base < MICA_HYPERVISOR_VIRT_END) {
		pr_err("%s: kernel at %lx overlaps Mica's reserved range\n",
		       bd->name, b.virt_base);
		return -EINVAL;
	}

	if (domid == 0) /* one per CPU unless dom0_max_vcpus= says */
		nr_vcpus =
			MIN(dom0_max_vcpus ? dom0_max_vcpus : nr_cpus_online,
			    MIN(MAX_VCPUS_PER_DOMAIN, MICA_SHARED_INFO_VCPUS));
	b.d = domain_create(domid, bd->name, bd->privileged, nr_vcpus,
			    b.nr_pages + 1, &rc);
	if (!b.d) {
		pr_err("%s: cannot create the domain (%d)\n", bd->name, rc);
		return rc;
	}
	/* Spread the domains' first vcpus over the CPUs. */
	v = vcpu_create(b.d, 0, domid % nr_cpus_online);
	for (unsigned int i = 1; v && i < nr_vcpus; i++)
		if (!vcpu_create(b.d, i, (domid + i) % nr_cpus_online))
			v = NULL;
	b.p2m = xmalloc(b.nr_pages * sizeof(uint64_t));
	if (!v || !b.p2m) {
		rc = -ENOMEM;
		goto err_destroy;
	}
	/* physdev.h: dom0 may use every port Mica does not, at IOPL 1;
	 * other domains get ports only from dom0. */
	if (domid == 0) {
		rc = ioports_permit(b.d, 0, 0x10000, true);
		if (rc)
			goto err_free_p2m;
		for (unsigned int i = 0; i < bd->vcpus; i++)
			b.d->vcpus[i]->arch.iopl = 1;
	}
	rc = populate(&b);
	if (rc) {
		pr_err("%s: out of memory for %lu MiB\n", bd->name,
		       b.nr_pages >> 8);
		goto err_free_p2m;
	}
	shared_pg = b.d->arch.shared_info;

	load_segments(&b, &elf, image);
	if (initrd)
		copy_to_pfns(&b, l.mod << PAGE_SHIFT,
			     maddr_to_virt(initrd->start), initrd_len);
	copy_to_pfns(&b, l.p2m << PAGE_SHIFT, b.p2m,
		     b.nr_pages * sizeof(uint64_t));
	build_page_tables(&b, l.mapped);
	/* The L4 is pinned and is the kernel base pointer: two type
	 * references; validating it types every table below it. */
	rc = pv_get_page_and_type(b.p2m[b.pt_pfn], b.d, PGT_L4);
	if (!rc)
		rc = pv_get_page_and_type(b.p2m[b.pt_pfn], b.d, PGT_L4);
	if (rc) {
		pr_err("%s: initial page tables do not validate (%d)\n",
		       bd->name, rc);
		goto err_free_p2m;
	}
	pv_page_set_pinned(b.p2m[b.pt_pfn], true);
	pv_write_hypercall_page(pfn_to_virt(
		&b, (elf.hypercall_page - b.virt_base) >> PAGE_SHIFT));

	if (!bd->privileged) {
		rc = alloc_ring_ports(b.d);
		if (rc) {
			pr_err("%s: no event channels for its rings (%d)\n",
			       bd->name, rc);
			goto err_free_p2m;
		}
		/* Frame numbers as map_foreign takes them (PV: mfns), as the
		 * toolstack's builder sets them too. */
		b.d->params[MICA_DOMPARAM_STORE_PFN] = b.p2m[l.store];
		b.d->params[MICA_DOMPARAM_CONSOLE_PFN] = b.p2m[l.console];
	}
	fill_start_info(&b, &l, bd, shared_pg, initrd_len);

	memset(&v->arch.regs, 0, sizeof(v->arch.regs));
	v->arch.regs.rip = elf.entry;
	v->arch.regs.rsp = b.virt_base +
			   ((l.stack + MICA_START_STACK_PAGES) << PAGE_SHIFT);
	v->arch.regs.rsi = b.virt_base + (l.si << PAGE_SHIFT);
	v->arch.regs.cs = GUEST_CS64;
	v->arch.regs.ss = GUEST_DS;
	v->arch.regs.rflags = 0x2;
	v->arch.cr3_kernel = b.p2m[b.pt_pfn] << PAGE_SHIFT;
	v->arch.kernel_mode = true;
	v->initialised = true;

	pr_info("%s: domain %u, %s kernel, %lu MiB, %u vcpu%s, entry %lx, "
		"%lu page-table frames\n",
		bd->name, domid, elf.guest_os[0] ? elf.guest_os : "PV",
		b.nr_pages >> 8, nr_vcpus, nr_vcpus > 1 ? "s" : "", elf.entry,
		b.nr_pt);
	xfree(b.p2m);
	vcpu_up(v);
	return 0;

err_free_p2m:
	xfree(b.p2m);
err_destroy:
	domain_shutdown(b.d, MICA_SHUTDOWN_crash);
	return rc;
}
