/* SPDX-License-Identifier: MIT */
#ifndef MICA_DOMAIN_H
#define MICA_DOMAIN_H

/*
 * Domain lifecycle with its store records (docs/cli.md, "Store layout"),
 * shared by the `mica` CLI and mica-watchd:
 *
 *   /local/domain/N/...        the guest's own directory (owned by N: the
 *                              toolstack never trusts what it reads there)
 *   /vm/UUID/{name,domid,config}   dom0 only
 *   /mica/name/NAME = N            dom0 only: name -> id in O(1)
 *   /mica/claim/N                  dom0 only: who applies N's on_* action
 *
 * The toolstack finds a domain's records through the UUID the hypervisor
 * reports, never through keys the guest can write.
 */

#include <stdbool.h>
#include <stdint.h>

#include <mica/config.h>

struct mica_error;
struct mica_hv;
struct mica_store;

/*
 * Builds and starts a domain from a configuration file (@from_text false)
 * or canonical configuration text (true); writes its records and
 * introduces it to the store.  On failure nothing is left behind.
 */
int mica_domain_create(struct mica_hv *hv, struct mica_store *store,
		       const char *config_text_or_path, bool from_text,
		       bool paused, uint16_t *domid, struct mica_error *err);

/* Destroys @domid and removes its records. */
int mica_domain_destroy(struct mica_hv *hv, struct mica_store *store,
			uint16_t domid, struct mica_error *err);

/*
 * /vm/UUID/@key for the domain whose hypervisor UUID is @uuid, provided
 * the records are that domain's (/vm/UUID/domid is @domid); NULL if not.
 * Free the result.
 */
char *mica_domain_vm_read(struct mica_store *store, uint16_t domid,
			  const uint8_t uuid[16], const char *key);

/* What mica_domain_handle_shutdown() did. */
enum mica_shutdown_outcome {
	MICA_SHUTDOWN_DESTROYED,
	MICA_SHUTDOWN_RESTARTED, /* *new_domid is the new domain */
	MICA_SHUTDOWN_PRESERVED,
	MICA_SHUTDOWN_LEFT_SUSPENDED, /* suspend: for whoever saves it */
	MICA_SHUTDOWN_HANDLED_ELSEWHERE, /* another process has the claim */
};

/*
 * Applies the configured on_poweroff / on_reboot / on_crash action
 * (docs/config.md; crash and watchdog both use on_crash) to @domid, which
 * must be shut down (-EINVAL otherwise, -ESRCH if gone).  Exactly one
 * process applies it: the first to claim /mica/claim/N in a transaction;
 * a claim whose process died is taken over.  A domain without records
 * (created outside the toolstack) is destroyed.  Restart failures destroy
 * the old domain anyway and say why in @err.
 */
int mica_domain_handle_shutdown(struct mica_hv *hv, struct mica_store *store,
				uint16_t domid,
				enum mica_shutdown_outcome *outcome,
				uint16_t *new_domid, struct mica_error *err);

/* "destroyed", "restarted", ... for messages. */
const char *mica_shutdown_outcome_name(enum mica_shutdown_outcome outcome);

#endif
