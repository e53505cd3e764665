/* SPDX-License-Identifier: MIT */
/* The hypercall table: common handlers and the x86 PV CPU interface. */
#include <mica/errno.h>
#include <mica/hypercall.h>
#include <public/mica.h>

static const hypercall_fn_t hypercall_table[MICA_HC_NR_DEFINED] = {
	[MICA_HC_version] = do_version,
	[MICA_HC_console_io] = do_console_io,
	[MICA_HC_sched_op] = do_sched_op,
	[MICA_HC_vcpu_op] = do_vcpu_op,
	[MICA_HC_event_channel_op] = do_event_channel_op,
	[MICA_HC_memory_op] = do_memory_op,
	[MICA_HC_domctl] = do_domctl,
	[MICA_HC_sysctl] = do_sysctl,
	[MICA_HC_mmu_update] = do_mmu_update,
	[MICA_HC_mmuext_op] = do_mmuext_op,
	[MICA_HC_update_va_mapping] = do_update_va_mapping,
	[MICA_HC_multicall] = do_multicall,
	[MICA_HC_grant_table_op] = do_grant_table_op,
	[MICA_HC_set_trap_table] = do_set_trap_table,
	[MICA_HC_callback_op] = do_callback_op,
	[MICA_HC_stack_switch] = do_stack_switch,
	[MICA_HC_set_segment_base] = do_set_segment_base,
	[MICA_HC_set_gdt] = do_set_gdt,
	[MICA_HC_update_descriptor] = do_update_descriptor,
	[MICA_HC_fpu_taskswitch] = do_fpu_taskswitch,
	[MICA_HC_set_debugreg] = do_set_debugreg,
	[MICA_HC_get_debugreg] = do_get_debugreg,
	[MICA_HC_physdev_op] = do_physdev_op,
};

__hot_path long hypercall_dispatch(uint64_t nr, uint64_t a1, uint64_t a2,
				   uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (nr >= MICA_HC_NR_DEFINED || !hypercall_table[nr])
		return -ENOSYS;
	return hypercall_table[nr](a1, a2, a3, a4, a5);
}
