/* SPDX-License-Identifier: MIT */
/* Descriptor tables: the shared IDT, each CPU's GDT and TSS. */
#include <mica/heap.h>
#include <mica/lib.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/smp.h>

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr; /* P, DPL, type */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */

extern const char trap_stubs[]; /* 256 stubs, 16 bytes apart (entry.S) */
extern const uint64_t boot_gdt[8];

static struct idt_gate idt[256] __aligned(16);

static void set_gate(unsigned int vec, const void *handler, unsigned int ist)
{
	uintptr_t a = (uintptr_t)handler;

	idt[vec].offset_low = (uint16_t)a;
	idt[vec].selector = HV_CS;
	idt[vec].ist = (uint8_t)ist;
	idt[vec].type_attr = GATE_INTERRUPT;
	idt[vec].offset_mid = (uint16_t)(a >> 16);
	idt[vec].offset_high = (uint32_t)(a >> 32);
	idt[vec].reserved = 0;
}

void idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++)
		set_gate(v, trap_stubs + 16 * v, 0);
	idt[2].ist = IST_NMI;
	idt[8].ist = IST_DF;
	idt[18].ist = IST_MC;
	idt[1].ist = IST_DB; /* never on a guest's rsp (asm/layout.h) */
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ __volatile__("lidt %0" ::"m"(p));
}

static void set_tss_descriptor(uint64_t *gdt, const struct tss64 *tss)
{
	uintptr_t base = (uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;
	unsigned int i = (HV_TSS - GDT_RESERVED_BYTE) / 8;

	gdt[i] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ULL << 40) /* present, available 64-bit TSS */
		 | ((limit >> 16) & 0xf) << 48 |
		 ((uint64_t)(base >> 24) & 0xff) << 56;
	gdt[i + 1] = base >> 32;
}

void cpu_tables_load(struct cpu_info *ci)
{
	struct desc_ptr p;
	uintptr_t block = ci->stack_block;

	ci->tss.ist[IST_NMI] = block + (STACK_PAGE_NMI + 1) * PAGE_SIZE;
	ci->tss.ist[IST_DF] = block + (STACK_PAGE_DF + 1) * PAGE_SIZE;
	ci->tss.ist[IST_MC] = block + (STACK_PAGE_MC + 1) * PAGE_SIZE;
	ci->tss.ist[IST_DB] = block + (STACK_PAGE_DB + 1) * PAGE_SIZE;
	ci->tss.rsp[0] = (uintptr_t)ci; /* below cpu_info, 16-byte aligned */
	ci->tss.iomap_base = sizeof(ci->tss); /* no I/O bitmap */

	memset(ci->gdt, 0, sizeof(ci->gdt));
	memcpy(ci->gdt, boot_gdt, sizeof(boot_gdt));
	set_tss_descriptor(ci->gdt, &ci->tss);

	p.limit = GDT_RESERVED_BYTE + sizeof(ci->gdt) - 1;
	p.base = (uintptr_t)ci->gdt - GDT_RESERVED_BYTE;
	__asm__ __volatile__("lgdt %0" ::"m"(p));
	__asm__ __volatile__("ltr %w0" ::"r"(HV_TSS));
	idt_load();
}
