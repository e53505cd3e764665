/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_vcpu_op sub-ops that live outside the dispatcher (common/hc_vcpu.c):
 * bringing vcpus up and down (common/vcpu_updown.c).  Each takes the target
 * vcpu of the calling domain and the guest argument address, and returns 0,
 * a positive result or a negative errno as public/vcpu.h specifies.
 */
#ifndef MICA_VCPU_OP_H
#define MICA_VCPU_OP_H

#include <mica/types.h>

struct vcpu;

long vcpu_op_initialise(struct vcpu *v, uint64_t arg);
long vcpu_op_up(struct vcpu *v, uint64_t arg);
long vcpu_op_down(struct vcpu *v, uint64_t arg);
long vcpu_op_is_up(struct vcpu *v, uint64_t arg);

#endif
