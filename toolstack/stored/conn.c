// SPDX-License-Identifier: MIT
/* Connections: framing, dispatch and output queueing over any transport. */
#include <errno.h>
#include <stdlib.h>

#include <mica/error.h>
#include <mica/json.h>

#include "conn.h"
#include "domain.h"
#include "request.h"
#include "store.h"
#include "txn.h"
#include "watch.h"

int conn_attach(struct conn *conn, struct store *store,
		const struct conn_ops *ops, unsigned int domid)
{
	struct domain *domain;

	domain = domid ? domain_lookup(store, domid) : domain_get(store, 0);
	if (!domain)
		return domid ? -EPERM : -ENOMEM;
	if (!domain->introduced)
		return -EPERM;
	conn->store = store;
	conn->ops = ops;
	conn->domain = domain;
	conn->dead = false;
	conn->out = (struct buffer){ 0 };
	frame_decoder_init(&conn->decoder,
			   domain_quota(store, domain)->message_size);
	list_init(&conn->watches);
	list_init(&conn->txns);
	list_add_tail(&conn->link, &store->conns);
	list_add_tail(&conn->domain_link, &domain->conns);
	return 0;
}

/* Splits input into frames and handles each one. */
static void conn_input(struct conn *conn, const uint8_t *bytes, size_t len)
{
	size_t pos = 0, used;
	uint8_t *payload;
	uint32_t size;
	int status;

	while (pos < len && !conn->dead) {
		status = frame_decoder_feed(&conn->decoder, bytes + pos,
					    len - pos, &used);
		pos += used;
		if (status == FRAME_COMPLETE) {
			payload = frame_decoder_take(&conn->decoder, &size);
			request_handle(conn, payload, size);
			free(payload);
		} else if (status == FRAME_OVERSIZED) {
			request_reply_error(
				conn, 0, E2BIG,
				"message of %u bytes exceeds the limit of %u",
				frame_decoder_oversized_len(&conn->decoder),
				conn->decoder.limit);
		} else if (status == FRAME_MALFORMED) {
			conn_kill(conn, "malformed frame header");
		} else if (status < 0) {
			conn_kill(conn, "out of memory for a message");
		}
	}
}

void conn_service(struct conn *conn)
{
	uint8_t chunk[4096];
	ssize_t got;

	while (!conn->dead && conn->out.len < CONN_OUTPUT_HIGH) {
		got = conn->ops->recv(conn, chunk, sizeof(chunk));
		if (got == 0)
			break;
		if (got < 0) {
			conn_kill(conn, got == -ECONNRESET ? NULL :
							     "transport error");
			return;
		}
		conn_input(conn, chunk, got);
	}
	conn_flush(conn);
}

void conn_flush(struct conn *conn)
{
	ssize_t sent;

	while (!conn->dead && conn->out.len) {
		sent = conn->ops->send(conn, buffer_head(&conn->out),
				       conn->out.len);
		if (sent < 0) {
			conn_kill(conn,
				  sent == -EPIPE ? NULL : "transport error");
			return;
		}
		if (sent == 0)
			break;
		buffer_consume(&conn->out, sent);
	}
	if (!conn->dead && conn->ops->output_pending)
		conn->ops->output_pending(conn, conn->out.len != 0);
}

int conn_send(struct conn *conn, const struct mica_json *message)
{
	int ret;

	if (conn->dead)
		return 0;
	ret = frame_encode(message, conn->decoder.limit, &conn->out, NULL);
	if (ret)
		return ret;
	if (conn->out.len > CONN_OUTPUT_MAX) {
		conn_kill(conn, "too much output queued");
		return 0;
	}
	conn_flush(conn);
	return 0;
}

void conn_kill(struct conn *conn, const char *why)
{
	if (conn->dead)
		return;
	if (why)
		store_warn(conn->store, "domain %u: connection dropped: %s",
			   conn->domain->domid, why);
	conn->dead = true;
	list_del(&conn->link);
	list_add_tail(&conn->link, &conn->store->dead_conns);
}

void conn_destroy(struct conn *conn)
{
	struct domain *domain = conn->domain;
	struct store *store = conn->store;

	watch_remove_all(store, conn);
	txn_abort_all(conn);
	list_del(&conn->domain_link);
	list_del(&conn->link);
	frame_decoder_release(&conn->decoder);
	buffer_release(&conn->out);
	conn->ops->destroy(conn);
	domain_drop_if_unused(store, domain);
}
