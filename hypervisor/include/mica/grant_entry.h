/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's side of the grant-entry protocol (public/grant_table.h
 * E1-E5), on entries that live in frames the granter writes at any time.
 *
 * Every decision is taken on one snapshot of an entry's first 8 bytes
 * (flags, domid, sub_offset, sub_length) and committed by a 64-bit
 * compare-and-swap of those same bytes, so the granter's revoke (E3, a
 * 16-bit CAS of flags) either happens before and makes the check fail, or
 * after and fails itself because READING/WRITING are set (E4).
 *
 * An active entry (one per ref, hypervisor memory) counts the uses of an
 * entry that is in use and remembers what was read when the first use began
 * (E2): later uses take the frame from it, never from the shared entry.
 * Callers serialise the uses of one table (the granter's mm lock).
 */
#ifndef MICA_GRANT_ENTRY_H
#define MICA_GRANT_ENTRY_H

#include <mica/types.h>
#include <public/grant_table.h>

/* How often a CAS may lose to the granter before the op gives up. */
#define GRANT_CAS_RETRIES 4

struct grant_active {
	uint32_t readers; /* uses without write access */
	uint32_t writers; /* uses with write access */
	uint64_t frame; /* gfn read at the first use */
	uint16_t domid; /* grantee read at the first use */
	uint16_t flags; /* READONLY and SUB_PAGE read at the first use */
	uint16_t sub_offset, sub_length; /* SUB_PAGE range */
};

/* What a use needs: write access, and whether a SUB_PAGE entry will do. */
struct grant_use {
	uint16_t grantee;
	bool write;
	bool sub_page_ok; /* copy: yes; map: no */
};

/*
 * Starts a use of entry e (active entry act): checks type permit_access,
 * domid == grantee, READONLY against write, SUB_PAGE against sub_page_ok
 * and a sane sub-page range, then sets READING (and WRITING) by CAS.
 * Returns 0, -EACCES (not granted for this use), -EAGAIN (the entry kept
 * changing under the CAS).  On success act counts the use.
 */
int grant_active_pin(struct grant_active *act, struct mica_grant_entry *e,
		     const struct grant_use *use);

/*
 * Ends a use started by grant_active_pin(write).  Clears WRITING when the
 * last writer goes and READING when the last use goes; with
 * entry_gone (the granter is dying) the shared entry is left alone.
 */
void grant_active_unpin(struct grant_active *act, struct mica_grant_entry *e,
			bool write, bool entry_gone);

/*
 * Transfer (E5): claims an accept_transfer entry for 'sender' by setting
 * TRANSFER_COMMITTED.  0, or -EACCES (not such an entry, not for sender,
 * already committed), -EAGAIN.
 */
int grant_transfer_commit(struct mica_grant_entry *e, uint16_t sender);
/* Gives the claim back (the transfer failed later). */
void grant_transfer_abort(struct mica_grant_entry *e);
/* Publishes the frame, then TRANSFER_COMPLETED. */
void grant_transfer_complete(struct mica_grant_entry *e, uint64_t frame);

#endif
