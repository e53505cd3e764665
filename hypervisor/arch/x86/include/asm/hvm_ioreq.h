/* SPDX-License-Identifier: MIT */
/*
 * Device models (hvm/ioreq.c, public/hvm/ioreq.h, docs/hvm.md "Device
 * models"): port and MMIO accesses of an HVM guest that Mica does not
 * emulate, in ranges a privileged PV domain registered, become requests in
 * a slot page shared with that domain; the vcpu waits blocked until the
 * model answers (writes to buffered ranges are posted to a ring instead).
 *
 * Two ways back into the guest:
 *   - a plain IN/OUT exit (the back end advances rip itself): the request
 *     is completed before the vcpu next enters, by writing rax;
 *   - an access of the instruction emulator (MMIO, string I/O): the
 *     callback answers X86EMUL_RETRY, nothing is committed (or only the
 *     iterations a rep completed), and when the answer is in, the
 *     instruction is emulated again before the vcpu enters: its accesses
 *     take the answers recorded so far, in order, and the next one becomes
 *     a request of its own.
 */
#ifndef ASM_HVM_IOREQ_H
#define ASM_HVM_IOREQ_H

#include <mica/spinlock.h>
#include <mica/types.h>
#include <public/hvm/ioreq.h>

struct domain;
struct vcpu;
struct mica_domctl;
struct x86_emulate_ctx;

#define HVM_IOREQ_DONE_MAX 4 /* answers kept for one emulated instruction */

/* One answered access of the instruction being emulated. */
struct hvm_ioreq_done {
	uint64_t addr, data;
	uint8_t type, dir, size;
	unsigned int iter; /* the rep iteration (0 for other instructions) */
};

/* Per-vcpu state (struct hvm_vcpu.ioreq); only the vcpu itself writes it. */
struct hvm_ioreq_vcpu {
	bool waiting; /* a request is out in the slot */
	bool emulated; /* it came from the emulator (else a plain IN/OUT) */
	bool emulating; /* inside hvm_emulate_insn */
	uint32_t server; /* the id of the server it went to */
	unsigned int iter; /* its rep iteration */
	struct mica_ioreq req; /* exactly what was written to the slot */
	const struct x86_emulate_ctx *ctx; /* while emulating: reps_done */
	unsigned int nr_done, cursor; /* answers, and the next to reuse */
	struct hvm_ioreq_done done[HVM_IOREQ_DONE_MAX];
};

/* Per HVM domain (struct hvm_domain.ioreq): the servers that serve it,
 * under lock (hvm/ioreq.c "Locks"). */
struct ioreq_server;
struct hvm_ioreq_domain {
	spinlock_t lock;
	struct ioreq_server *servers;
};

/* Whether a server of d claims the gpa (the NPF path then emulates). */
bool hvm_ioreq_claims_mmio(struct domain *d, uint64_t gpa);
/*
 * An access nobody in Mica claimed: false if no server's range covers it;
 * else true, and either *val holds the answer (an emulated access the
 * model answered already), or the write was posted, or a request went out
 * (hvm_ioreq_waiting).
 */
bool hvm_ioreq_access(struct vcpu *v, unsigned int type, uint64_t addr,
		      unsigned int size, bool write, uint64_t *val);
bool hvm_ioreq_waiting(const struct vcpu *v);

/* Around x86_emulate in hvm_emulate_insn: true if the emulation stopped
 * for a request (commit nothing). */
void hvm_ioreq_emulate_begin(struct vcpu *v, const struct x86_emulate_ctx *c);
bool hvm_ioreq_emulate_end(struct vcpu *v, const struct x86_emulate_ctx *c,
			   int rc);

/* Before each entry (interrupts off): false if v must not enter now (it
 * waits for its model, blocked, or its state changed). */
bool hvm_ioreq_pre_run(struct vcpu *v);

/* MICA_DOMCTL_ioreq_server, on HVM domain d by the current domain. */
long hvm_ioreq_domctl(struct domain *d, struct mica_domctl *op);
/* d is being destroyed: every server of d, or served by d, goes. */
void hvm_ioreq_relinquish(struct domain *d);

#endif
