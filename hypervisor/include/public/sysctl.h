/* SPDX-License-Identifier: MIT */
/*
 * sysctl.h - MICA_HC_sysctl: host-wide queries and settings (dom0 only).
 *
 *     long mica_sysctl(uint64_t sysctl_gaddr);   // struct mica_sysctl
 *
 * Same conventions as domctl.h: -MICA_EPERM for any caller but dom0 before
 * the argument is read; interface_version must equal
 * MICA_SYSCTL_INTERFACE_VERSION (-MICA_EPROTO otherwise); the structure is
 * written back whole.
 */
#ifndef MICA_PUBLIC_SYSCTL_H
#define MICA_PUBLIC_SYSCTL_H

#include "mica.h"

#define MICA_SYSCTL_INTERFACE_VERSION 1

/*
 * MICA_SYSCTL_physinfo: the machine.
 *   OUT nr_cpus          logical CPUs the hypervisor runs on.
 *   OUT max_cpu_id       highest CPU number (affinity maps need
 *                        max_cpu_id + 1 bits).
 *   OUT threads_per_core, cores_per_socket, nr_sockets, nr_nodes.
 *   OUT cpu_khz          TSC frequency.
 *   OUT total_pages      RAM the hypervisor manages, in pages.
 *   OUT free_pages       not allocated to any domain or the hypervisor.
 *   OUT scrub_pages      freed, waiting to be scrubbed before reuse.
 *   OUT low_mem_pages    the free_pages mark below which MICA_VIRQ_ENOMEM
 *                        is raised.
 *   OUT capabilities     MICA_PHYSCAP_*.
 */
#define MICA_SYSCTL_physinfo 0

#define MICA_PHYSCAP_HVM_SVM (1u << 0) /* AMD SVM available */
#define MICA_PHYSCAP_HVM_VMX (1u << 1) /* Intel VMX available */
#define MICA_PHYSCAP_HAP (1u << 2) /* nested paging (NPT/EPT) */
#define MICA_PHYSCAP_IOMMU (1u << 3) /* DMA remapping in use */
#define MICA_PHYSCAP_TSC_STABLE (1u << 4) /* see time.h */

struct mica_sysctl_physinfo {
	uint32_t nr_cpus;
	uint32_t max_cpu_id;
	uint32_t threads_per_core;
	uint32_t cores_per_socket;
	uint32_t nr_sockets;
	uint32_t nr_nodes;
	uint32_t cpu_khz;
	uint32_t capabilities; /* MICA_PHYSCAP_* */
	uint64_t total_pages;
	uint64_t free_pages;
	uint64_t scrub_pages;
	uint64_t low_mem_pages;
};
MICA_STATIC_ASSERT(sizeof(struct mica_sysctl_physinfo) == 64,
		   "mica_sysctl_physinfo");

/*
 * MICA_SYSCTL_settime: set the wall clock every domain sees (time.h): the
 * time was sec.nsec at system time `system_time`.
 * Errors: -MICA_EINVAL (nsec > 999999999).
 */
#define MICA_SYSCTL_settime 1

struct mica_sysctl_settime {
	uint64_t sec; /* IN: seconds since the epoch */
	uint32_t nsec; /* IN */
	uint32_t pad0;
	uint64_t system_time; /* IN: ns, time.h */
};
MICA_STATIC_ASSERT(sizeof(struct mica_sysctl_settime) == 24,
		   "mica_sysctl_settime");

/*
 * MICA_SYSCTL_lateness: the hypervisor's latency probe, for tests and
 * benchmarks.  While it runs, every online CPU has a software timer every
 * period_ns and records how late it ran: how long its CPU was kept busy in
 * the hypervisor (a stretch of a hypercall or of deferred work that did
 * not stop for pending interrupts) after the deadline.
 *   IN  op         MICA_LATENESS_START (reset the record and start),
 *                  MICA_LATENESS_READ, MICA_LATENESS_STOP.
 *   IN  period_ns  START: 100000 (100 us) .. 1000000000 (1 s).
 *   OUT max_late_ns  the worst lateness since START, over every CPU.
 *   OUT samples      timer runs recorded since START.
 * Errors: -MICA_EINVAL (op, pad, period).
 */
#define MICA_SYSCTL_lateness 2

#define MICA_LATENESS_START 1
#define MICA_LATENESS_READ 2
#define MICA_LATENESS_STOP 3

struct mica_sysctl_lateness {
	uint32_t op; /* IN: MICA_LATENESS_* */
	uint32_t pad0;
	uint64_t period_ns; /* IN (START) */
	uint64_t max_late_ns; /* OUT */
	uint64_t samples; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_sysctl_lateness) == 32,
		   "mica_sysctl_lateness");

/*
 * MICA_SYSCTL_perfc: the hypervisor's hot-path event counters, for
 * benchmarks and diagnosis (counts since boot; they wrap at 2^64).
 *   IN  cpu     a CPU number (physinfo), or MICA_PERFC_ALL_CPUS for the sum
 *               over every CPU.
 *   OUT nr      how many counters the hypervisor keeps (<= MICA_PERFC_MAX);
 *               count[nr..] read as 0.
 *   OUT count   indexed by MICA_PERFC_* (append-only numbering).
 * Errors: -MICA_EINVAL (no such CPU, or the CPU is offline).
 * Notes:
 *   1. Each CPU counts its own events without locks or atomics, so a sum
 *      read while other CPUs run is approximate; this call counts as one
 *      hypercall and one exit itself.
 */
#define MICA_SYSCTL_perfc 3

#define MICA_PERFC_ALL_CPUS 0xffffffffu
#define MICA_PERFC_MAX 30

#define MICA_PERFC_hypercalls 0 /* guest kernel syscalls, iret included */
#define MICA_PERFC_iret 1 /* MICA_HC_iret */
#define MICA_PERFC_syscall_bounces 2 /* guest user syscall -> guest kernel */
#define MICA_PERFC_exception_bounces 3 /* traps, `int n` -> guest kernel */
#define MICA_PERFC_upcalls 4 /* event callback entered */
#define MICA_PERFC_exits_sysret 5 /* returns to the guest by sysret */
#define MICA_PERFC_exits_iret 6 /* returns to the guest by iret */
#define MICA_PERFC_mode_switches 7 /* guest kernel <-> guest user */
#define MICA_PERFC_cr3_writes 8 /* every CR3 load, flushes included */
#define MICA_PERFC_tlb_flushes_local 9 /* explicit local TLB flushes */
#define MICA_PERFC_tlb_flush_ipis 10 /* shootdown requests sent */
#define MICA_PERFC_context_switches 11 /* vcpu (or idle) switches */
#define MICA_PERFC_emulations 12 /* privileged instructions emulated */
#define MICA_PERFC_continuations 13 /* hypercalls preempted (mica.h note 6) */
#define MICA_PERFC_credit_vcpus 14 /* vcpus the credit accounting visited */

struct mica_sysctl_perfc {
	uint32_t cpu; /* IN */
	uint32_t nr; /* OUT */
	uint64_t count[MICA_PERFC_MAX]; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_sysctl_perfc) == 248,
		   "mica_sysctl_perfc");

struct mica_sysctl {
	uint32_t cmd; /* IN: MICA_SYSCTL_* */
	uint32_t interface_version; /* IN: MICA_SYSCTL_INTERFACE_VERSION */
	union {
		struct mica_sysctl_physinfo physinfo; /* OUT */
		struct mica_sysctl_settime settime;
		struct mica_sysctl_lateness lateness;
		struct mica_sysctl_perfc perfc;
		uint8_t pad[248]; /* room for later ops; size never changes */
	} u;
};
MICA_STATIC_ASSERT(sizeof(struct mica_sysctl) == 256, "mica_sysctl");
MICA_STATIC_ASSERT(offsetof(struct mica_sysctl, u) == 8, "sysctl union offset");

#endif /* MICA_PUBLIC_SYSCTL_H */
