/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_GUEST_H
#define MICA_STORED_GUEST_H

/*
 * Real guests on Mica: each introduced domain's store ring
 * (public/io/store.h), found through the hypervisor's domain params
 * (MICA_DOMPARAM_STORE_PFN, _STORE_EVTCHN, set by the domain builder),
 * mapped with a foreign mapping, and served as a connection of that domain
 * (ring.c's byte rings).  Its event channel, the port the builder offered
 * to dom0, is bound through /dev/mica/evtchn: the daemon sleeps in epoll
 * until the guest notifies, and notifies the guest whenever it consumed
 * requests or produced replies or watch events.  Nothing is polled.
 *
 * Without /dev/mica/privcmd and /dev/mica/evtchn (a host, the simulated
 * hypervisor) there is no guest transport: introduce only records the
 * domain, as the host tests expect.
 */

struct loop;
struct mica_error;
struct store;

/*
 * Opens the devices and puts the event channel in @loop; from then on
 * every introduce connects the domain's ring, and the domains the store
 * remembers as introduced (after a restart) are connected now.  Returns 0,
 * or -errno with the cause in @err (-ENOENT: not running on Mica).
 */
int guests_open(struct loop *loop, struct store *store, struct mica_error *err);

/* Closes every guest connection's transport and the devices. */
void guests_close(struct store *store);

#endif
