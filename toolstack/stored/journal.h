/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_JOURNAL_H
#define MICA_STORED_JOURNAL_H

/*
 * Keeping the store across restarts.  The state directory holds:
 *
 *   store.snapshot   the whole state at some record number: a header frame
 *                    {"format": "mica-store-snapshot", "version": 2,
 *                    "seq": N}, one change frame per introduced domain and
 *                    per node (parents first), and a trailer frame
 *                    {"end": true, "count": changes}.
 *   store.journal    one frame per commit since: {"seq": N, "changes":
 *                    [...]}, written (and by default fsynced) before the
 *                    commit is applied or answered.
 *
 * Frames are the wire protocol's (frame.h): an 8-byte header (length,
 * reserved zero word), then JSON.
 * A snapshot is written to store.snapshot.tmp, fsynced, renamed over the
 * old one and the directory fsynced, and only then is the journal
 * truncated; records at or below the snapshot's seq are skipped on replay,
 * so a crash at any point loses nothing that was acknowledged.  A torn
 * record at the end of the journal (the daemon died mid-write) is dropped
 * with a warning; anything else that fails to load stops the daemon
 * rather than silently losing state.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct change;
struct mica_error;
struct store;

struct journal {
	struct store *store;
	char *snapshot_path; /* owned */
	char *snapshot_tmp_path; /* owned */
	char *journal_path; /* owned */
	char *dir; /* owned */
	int fd; /* the journal, open for appending */
	uint64_t seq; /* of the last record written or loaded */
	off_t size; /* bytes in the journal */
};

/*
 * Loads the state kept in store->config.state_dir (creating the directory
 * if needed) into @store, writes a fresh snapshot, and sets store->journal.
 * Returns 0 or a negative errno with the cause in @err.
 */
int journal_open(struct store *store, struct mica_error *err);

/* Durably records one commit.  Returns 0 or -EIO/-ENOMEM with @err set. */
int journal_append(struct journal *journal, const struct change *changes,
		   size_t count, struct mica_error *err);

/* Writes a snapshot if the journal has grown past the configured size. */
void journal_maybe_compact(struct journal *journal);

/* Writes a snapshot of the current state and empties the journal. */
int journal_compact(struct journal *journal, struct mica_error *err);

void journal_close(struct journal *journal);

#endif
