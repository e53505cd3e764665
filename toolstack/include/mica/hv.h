/* SPDX-License-Identifier: MIT */
#ifndef MICA_HV_H
#define MICA_HV_H

/*
 * libmica's control of the hypervisor: the domctl, sysctl and sched
 * operations the toolstack needs, behind an ops table with two back ends.
 *
 *   privcmd  the real one: hypercalls through dom0's /dev/mica/privcmd
 *            (toolstack/include/mica/privcmd.h, docs/privcmd.md);
 *   sim      a simulated hypervisor for host tests: its state lives in a
 *            directory (a state file and a sparse "machine memory" file),
 *            so several processes (CLI invocations, the console daemon)
 *            share it.  It enforces the same rules as the hypervisor:
 *            domain ids, pause counts, shutdown states, memory limits,
 *            frame ownership for foreign mappings, and the same errors.
 *
 * mica_hv_open() picks the simulator when $MICA_HV_SIM names a directory,
 * else privcmd.  Every operation returns 0 (or a count, where said) or a
 * negative errno, with the meaning given in hypervisor/include/public/
 * domctl.h, sysctl.h and sched.h.
 */

#include <stddef.h>
#include <stdint.h>

#include "public/arch-x86/context.h"
#include "public/domctl.h"
#include "public/sysctl.h"

struct mica_error;
struct mica_hv;

/* Arguments of create (domctl.h MICA_DOMCTL_create). */
struct mica_hv_create {
	uint16_t domid; /* wanted, or MICA_DOMID_ANY */
	uint32_t flags; /* MICA_DOMCTL_CREATE_* */
	uint32_t max_vcpus;
	uint64_t max_pages;
	uint8_t uuid[16];
};

struct mica_hv_ops {
	const char *name; /* "privcmd", "sim" */
	void (*close)(struct mica_hv *hv);
	int (*physinfo)(struct mica_hv *hv, struct mica_sysctl_physinfo *info);
	/* Sets *domid to the new (paused) domain. */
	int (*create)(struct mica_hv *hv, const struct mica_hv_create *args,
		      uint16_t *domid);
	int (*destroy)(struct mica_hv *hv, uint16_t domid);
	int (*pause)(struct mica_hv *hv, uint16_t domid);
	int (*unpause)(struct mica_hv *hv, uint16_t domid);
	int (*get_info)(struct mica_hv *hv, uint16_t domid,
			struct mica_domctl_domain_info *info);
	/*
	 * Up to @max domains with id >= @first, in id order; *@nr written,
	 * *@next the cursor (MICA_DOMID_INVALID at the end).
	 */
	int (*list)(struct mica_hv *hv, uint16_t first,
		    struct mica_domctl_domain_info *buf, uint32_t max,
		    uint32_t *nr, uint16_t *next);
	int (*set_max_mem)(struct mica_hv *hv, uint16_t domid,
			   uint64_t max_pages);
	/*
	 * populate_physmap for @domid: @frames[i] holds the first pfn of
	 * extent i on entry and its first mfn on return.  Returns the
	 * number of extents done (fewer: out of allowance or memory).
	 */
	long (*populate)(struct mica_hv *hv, uint16_t domid, uint64_t *frames,
			 uint64_t nr_extents, unsigned int order);
	/*
	 * Maps @count frames (gfns) of @domid contiguously into this
	 * process; @errs[i] gets 0 or -errno per frame.  Returns the address
	 * (NULL with -errno in *@ret for a batch failure); *@ret is 0 or the
	 * number of failed frames.  Undo with unmap_foreign.
	 */
	void *(*map_foreign)(struct mica_hv *hv, uint16_t domid,
			     const uint64_t *gfns, uint32_t count, int writable,
			     int *errs, int *ret);
	void (*unmap_foreign)(struct mica_hv *hv, void *addr, uint32_t count);
	int (*set_vcpu_context)(struct mica_hv *hv, uint16_t domid,
				uint32_t vcpu,
				const struct mica_vcpu_guest_context *ctx);
	int (*set_param)(struct mica_hv *hv, uint16_t domid, uint32_t index,
			 uint64_t value);
	int (*get_param)(struct mica_hv *hv, uint16_t domid, uint32_t index,
			 uint64_t *value);
	/*
	 * event_channel.h MICA_EVTCHNOP_alloc_unbound: a new port of @domid
	 * that only @remote may bind (the builder's store and console ports,
	 * offered to dom0); *@port set.
	 */
	int (*alloc_unbound)(struct mica_hv *hv, uint16_t domid,
			     uint16_t remote, uint32_t *port);
	/* sched.h MICA_SCHEDOP_remote_shutdown. */
	int (*shutdown)(struct mica_hv *hv, uint16_t domid, uint32_t reason);
};

struct mica_hv {
	const struct mica_hv_ops *ops;
};

/* Opens the back end chosen as described above. */
int mica_hv_open(struct mica_hv **out, struct mica_error *err);

/* The two back ends, for callers (and tests) that pick one. */
int mica_hv_open_privcmd(const char *device, struct mica_hv **out,
			 struct mica_error *err);
/*
 * Opens (creating it on first use) a simulated host in @dir with
 * @total_pages pages of machine memory (0: $MICA_HV_SIM_PAGES, else 4 GiB
 * worth).  An existing directory keeps its own size.
 */
int mica_hv_open_sim(const char *dir, uint64_t total_pages,
		     struct mica_hv **out, struct mica_error *err);

/*
 * Simulated host only: the running guest @domid shuts itself down with
 * MICA_SCHEDOP_shutdown(@reason), any MICA_SHUTDOWN_* (sched.h), as a test
 * makes it happen; on the real hypervisor dom0 would then get
 * MICA_VIRQ_DOM_EXC.  Errors: -EOPNOTSUPP (not the simulator), -ESRCH,
 * -EPERM (dom0), -EINVAL (bad reason), -EALREADY (already shut down),
 * -EBUSY (paused: it runs no code).
 */
int mica_hv_sim_guest_shutdown(struct mica_hv *hv, uint16_t domid,
			       uint32_t reason);

static inline void mica_hv_close(struct mica_hv *hv)
{
	if (hv)
		hv->ops->close(hv);
}

/* "running", "blocked", "paused", "shutdown", "dying" from info flags. */
const char *mica_hv_state_name(uint32_t flags);
/* Single letters as in `mica list`: r b p s d, "-" elsewhere. */
void mica_hv_state_letters(uint32_t flags, char out[6]);
/* "poweroff", "reboot", "suspend", "crash", "watchdog". */
const char *mica_hv_shutdown_name(uint32_t reason);

#endif
