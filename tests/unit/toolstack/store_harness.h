/* SPDX-License-Identifier: MIT */
#ifndef MICA_TEST_STORE_HARNESS_H
#define MICA_TEST_STORE_HARNESS_H

/*
 * Driving an in-process store: each struct tclient is a connection over a
 * struct mica_store_ring, speaking as one domain, exactly as a guest's
 * front end would.  Requests are written as JSON with single quotes in
 * place of double quotes, for readability: "{'op':'read','path':'/a'}".
 */

#include <stdbool.h>
#include <stdint.h>

#include <mica/json.h>

#include "buffer.h"
#include "frame.h"
#include "ring.h"
#include "store.h"

struct tclient {
	struct store *store;
	struct conn *conn; /* NULL once the store dropped it */
	struct mica_store_ring ring;
	unsigned int domid;
	uint32_t last_id;
	struct frame_decoder decoder;
	struct buffer in;
	struct mica_json *events[256]; /* queued watch events */
	unsigned int nevents;
	struct mica_json *reply; /* the last reply */
	char error[32]; /* its "error", or "ok" */
};

/*
 * A store with default quotas (or @quota), keeping state in @state_dir if
 * not NULL; quiet unless MICA_TEST_VERBOSE is set.  Returns NULL on failure.
 */
struct store *tstore_new(const struct quota *quota, const char *state_dir);

/* Frees the store; every client must be closed first. */
void tstore_free(struct store *store);

/* Connects as @domid (0, or an introduced domain); NULL on failure. */
struct tclient *tclient_open(struct store *store, unsigned int domid);
void tclient_close(struct tclient *client);

/*
 * Sends one request (printf-style, single-quoted JSON without "id") and
 * waits for its reply.  Returns "ok" or the reply's error name (also in
 * client->error), with the reply in client->reply; "NOREPLY" if none came.
 */
const char *tclient_do(struct tclient *client, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sends raw bytes as they are, then services the connection. */
void tclient_send_raw(struct tclient *client, const void *bytes, size_t len);

/* Services the connection and collects whatever it sent. */
void tclient_pump(struct tclient *client);

/*
 * The oldest queued watch event as "path token" (or "path token domid"),
 * removed from the queue; "" when there is none.  The string is valid until
 * the next call.
 */
const char *tclient_event(struct tclient *client);

/* The oldest queued watch event, removed from the queue (free it), or NULL. */
struct mica_json *tclient_take_event(struct tclient *client);

/* A string member of the last reply, or NULL. */
const char *tclient_reply_string(struct tclient *client, const char *key);

/* Converts single-quoted JSON to real JSON, in a static buffer. */
const char *tjson(const char *text);

#endif
