/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_REQUEST_H
#define MICA_STORED_REQUEST_H

/*
 * Store requests: decoding and checking one message (request.c), and
 * carrying it out (ops.c).  docs/store-protocol.md is the specification;
 * the table in request.c says which fields each operation takes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn;
struct mica_error;
struct mica_json;
struct perms;

enum request_op {
	OP_READ,
	OP_WRITE,
	OP_MKDIR,
	OP_RM,
	OP_DIRECTORY,
	OP_GET_PERMS,
	OP_SET_PERMS,
	OP_WATCH,
	OP_UNWATCH,
	OP_TX_START,
	OP_TX_COMMIT,
	OP_TX_ABORT,
	OP_INTRODUCE,
	OP_RELEASE,
	OP_COUNT
};

struct request {
	struct mica_json *json; /* owned; the strings below point into it */
	uint32_t id; /* 1 .. 2^32-1; 0 until known */
	uint32_t tx; /* 0: outside any transaction */
	enum request_op op;
	const char *path;
	/* A relative path ("data/x"): request_resolve() makes it absolute
	 * under the caller's /local/domain/N into abs_path (owned). */
	bool relative;
	char *abs_path;
	const char *value; /* may hold NUL bytes */
	size_t value_len;
	const char *token;
	struct perms *perms; /* owned */
	unsigned int domid;
};

/*
 * Decodes and checks one message payload.  On failure everything is
 * released, but req->id still holds the message's id if it had a valid one,
 * so that the error reply can carry it.  Returns 0, -EINVAL (with a
 * description in @err), -ENAMETOOLONG or -ENOMEM.
 */
int request_parse(const void *payload, size_t len, struct request *req,
		  struct mica_error *err);

void request_release(struct request *req);

/*
 * Makes a relative path absolute for domain @domid: "x/y" is
 * "/local/domain/@domid/x/y".  Returns 0, -EINVAL, -ENAMETOOLONG (with
 * @err) or -ENOMEM.
 */
int request_resolve(struct request *req, unsigned int domid,
		    struct mica_error *err);

const char *request_op_name(enum request_op op);

/* Carries out one message from @conn and queues the reply. */
void request_handle(struct conn *conn, const uint8_t *payload, size_t len);

/* Queues an error reply: {"id", "ok": false, "error", "message"}. */
void request_reply_error(struct conn *conn, uint32_t id, int code,
			 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
