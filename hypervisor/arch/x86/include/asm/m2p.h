/* SPDX-License-Identifier: MIT */
/*
 * The machine-to-physical table: for every machine frame, the pfn its
 * owning PV domain gave it (MICA_INVALID_FRAME if none).  Guests read it at
 * MICA_M2P_VIRT_START; only Mica writes it.
 */
#ifndef ASM_M2P_H
#define ASM_M2P_H

#include <mica/types.h>

void m2p_init(void);
void m2p_set(mfn_t mfn, uint64_t pfn);
uint64_t m2p_get(mfn_t mfn);
/* Entries (machine frames covered); the table's first frame and size
 * (machine-contiguous, MICA_MEMOP_machphys_mfn_list). */
uint64_t m2p_nr_entries(void);
mfn_t m2p_table_mfn(void);
uint64_t m2p_table_bytes(void);

#endif
