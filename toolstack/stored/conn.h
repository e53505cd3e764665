/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_CONN_H
#define MICA_STORED_CONN_H

/*
 * A connection: one client speaking the store protocol over some transport
 * (a Unix socket for domain 0 tools, a shared ring for a guest).  The
 * transport supplies byte-level recv/send through struct conn_ops; this
 * module does the framing, request dispatch and output queueing, so every
 * transport behaves alike.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "buffer.h"
#include "frame.h"
#include "list.h"

struct conn;
struct domain;
struct mica_json;
struct store;

struct conn_ops {
	/*
	 * Reads up to @len bytes: returns how many (0 when none are waiting)
	 * or a negative errno when the peer is gone or misbehaved.
	 */
	ssize_t (*recv)(struct conn *conn, void *buf, size_t len);
	/* Writes up to @len bytes: how many (0 when full) or -errno. */
	ssize_t (*send)(struct conn *conn, const void *buf, size_t len);
	/* Optional: output is now waiting for room (or no longer is). */
	void (*output_pending)(struct conn *conn, bool pending);
	/* Releases the transport, including the memory holding @conn. */
	void (*destroy)(struct conn *conn);
};

/*
 * Reading stops while this much output is queued, so a client that does not
 * read its replies cannot make the daemon buffer without bound; a
 * connection whose queue passes CONN_OUTPUT_MAX anyway (watch events pile
 * up) is dropped.
 */
#define CONN_OUTPUT_HIGH (64u << 10)
#define CONN_OUTPUT_MAX (4u << 20)

struct conn {
	struct list link; /* store.conns, or store.dead_conns once killed */
	struct list domain_link; /* domain.conns */
	struct store *store;
	const struct conn_ops *ops;
	struct domain *domain; /* who is speaking */
	struct frame_decoder decoder;
	struct buffer out; /* framed output not yet accepted by send */
	struct list watches; /* struct watch.conn_link */
	struct list txns; /* struct txn.conn_link */
	bool dead;
};

/*
 * Attaches @conn (embedded in a transport object) to @store as domain
 * @domid.  Guests must be introduced first.  Returns 0, -ENOMEM, or -EPERM
 * for a domain that is not introduced.
 */
int conn_attach(struct conn *conn, struct store *store,
		const struct conn_ops *ops, unsigned int domid);

/*
 * Reads and handles whatever requests the transport has, then flushes.
 * Does nothing on a dead connection.
 */
void conn_service(struct conn *conn);

/* Pushes queued output to the transport. */
void conn_flush(struct conn *conn);

/*
 * Queues @message as one frame and flushes.  Returns 0 (also when the
 * connection is, or is now, dead), -E2BIG for a message larger than the
 * peer accepts, -ENOMEM or -EINVAL (a string that is not UTF-8).
 */
int conn_send(struct conn *conn, const struct mica_json *message);

/*
 * Stops serving @conn: it gets no more input or events; its watches and
 * transactions go and its memory is freed at the next store_reap().
 */
void conn_kill(struct conn *conn, const char *why);

/* Releases what a killed connection holds and destroys its transport. */
void conn_destroy(struct conn *conn);

#endif
