// SPDX-License-Identifier: MIT
/* A test page-table tree of our own pages; see ptree.h. */
#include "ptree.h"

#include "lib.h"
#include "vcpu.h"

void guest_ptree_set_writable(const struct guest_ptree *t, bool writable)
{
	for (unsigned int i = 0; i < t->nl1; i++)
		guest_set_writable(t->l1s[i], writable);
	for (unsigned int i = 0; i < t->nl2; i++)
		guest_set_writable(t->l2s[i], writable);
	guest_set_writable(t->l3, writable);
	guest_set_writable(t->l4, writable);
}

void guest_ptree_build(const struct guest_ptree *t, const void *data)
{
	uint64_t dmfn = guest_mfn(data);
	uint64_t *l3 = (uint64_t *)t->l3, *l4 = (uint64_t *)t->l4;

	for (unsigned int i = 0; i < t->nl1; i++) {
		uint64_t *l1 = (uint64_t *)t->l1s[i];

		for (unsigned int e = 0; e < 512; e++)
			l1[e] = (dmfn << 12) | PTE_P;
	}
	for (unsigned int i = 0; i < t->nl2; i++) {
		uint64_t *l2 = (uint64_t *)t->l2s[i];

		for (unsigned int e = 0; e < 512; e++)
			l2[e] = (guest_mfn(t->l1s[(i * 512 + e) % t->nl1])
				 << 12) |
				PTE_P | PTE_W;
	}
	memset(l3, 0, 4096);
	for (unsigned int i = 0; i < t->nl2; i++)
		l3[i] = (guest_mfn(t->l2s[i]) << 12) | PTE_P | PTE_W;
	memset(l4, 0, 4096);
	l4[3] = (guest_mfn(t->l3) << 12) | PTE_P | PTE_W;
	guest_ptree_set_writable(t, false);
	guest_tlb_flush_local();
}
