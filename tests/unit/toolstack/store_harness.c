// SPDX-License-Identifier: MIT
/* In-process store clients over shared rings, for behaviour tests. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/error.h>

#include "conn.h"
#include "store_harness.h"

#define MAX_CLIENTS 64

static struct tclient *clients[MAX_CLIENTS];

struct store *tstore_new(const struct quota *quota, const char *state_dir)
{
	struct store_config config;
	struct mica_error err;
	struct store *store;

	store_config_defaults(&config);
	if (quota)
		config.quota = *quota;
	config.state_dir = state_dir;
	config.fsync = false;
	config.quiet = !getenv("MICA_TEST_VERBOSE");
	if (store_new(&config, &store, &err)) {
		printf("store_new: %s\n", err.message);
		return NULL;
	}
	return store;
}

void tstore_free(struct store *store)
{
	if (store)
		store_free(store);
}

/* Forgets connections the store dropped, then lets it free them. */
static void harness_reap(struct store *store)
{
	unsigned int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i] && clients[i]->store == store &&
		    clients[i]->conn && clients[i]->conn->dead)
			clients[i]->conn = NULL;
	store_reap(store);
}

struct tclient *tclient_open(struct store *store, unsigned int domid)
{
	struct tclient *client = calloc(1, sizeof(*client));
	unsigned int i;

	if (!client)
		return NULL;
	client->store = store;
	client->domid = domid;
	frame_decoder_init(&client->decoder, FRAME_PAYLOAD_MAX);
	if (ring_conn_open(store, domid, &client->ring, &client->conn)) {
		free(client);
		return NULL;
	}
	for (i = 0; i < MAX_CLIENTS && clients[i]; i++)
		;
	if (i < MAX_CLIENTS)
		clients[i] = client;
	return client;
}

void tclient_close(struct tclient *client)
{
	unsigned int i;

	if (!client)
		return;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i] == client)
			clients[i] = NULL;
	if (client->conn) {
		conn_kill(client->conn, NULL);
		store_reap(client->store);
	}
	for (i = 0; i < client->nevents; i++)
		mica_json_free(client->events[i]);
	mica_json_free(client->reply);
	frame_decoder_release(&client->decoder);
	buffer_release(&client->in);
	free(client);
}

/* Decodes what the store sent: events are queued, a reply is kept. */
static void tclient_collect(struct tclient *client)
{
	struct mica_store_ring *ring = &client->ring;
	struct mica_json *message;
	uint8_t chunk[4096], *payload;
	size_t pos, used;
	ssize_t got;
	uint32_t size;
	int status;

	for (;;) {
		got = ring_consume(ring->rsp, &ring->rsp_cons, &ring->rsp_prod,
				   chunk, sizeof(chunk));
		if (got <= 0)
			break;
		for (pos = 0; pos < (size_t)got; pos += used) {
			status = frame_decoder_feed(&client->decoder,
						    chunk + pos, got - pos,
						    &used);
			if (status != FRAME_COMPLETE)
				continue;
			payload = frame_decoder_take(&client->decoder, &size);
			status = mica_json_parse(payload, size, &message, NULL);
			free(payload);
			if (status)
				continue;
			if (mica_json_object_get(message, "event") &&
			    client->nevents < 256) {
				client->events[client->nevents++] = message;
			} else if (mica_json_object_get(message, "event")) {
				mica_json_free(message);
			} else {
				mica_json_free(client->reply);
				client->reply = message;
			}
		}
		/* The store may have more for us now that there is room. */
		if (client->conn)
			conn_flush(client->conn);
	}
}

void tclient_pump(struct tclient *client)
{
	if (client->conn)
		conn_service(client->conn);
	harness_reap(client->store);
	tclient_collect(client);
}

void tclient_send_raw(struct tclient *client, const void *bytes, size_t len)
{
	struct mica_store_ring *ring = &client->ring;
	const uint8_t *pos = bytes;
	ssize_t put;

	while (len && client->conn) {
		put = ring_produce(ring->req, &ring->req_prod, &ring->req_cons,
				   pos, len);
		if (put < 0)
			return;
		pos += put;
		len -= put;
		tclient_pump(client);
	}
	tclient_pump(client);
}

const char *tjson(const char *text)
{
	static char buf[65536];
	size_t i;

	for (i = 0; text[i] && i < sizeof(buf) - 1; i++)
		buf[i] = text[i] == '\'' ? '"' : text[i];
	buf[i] = '\0';
	return buf;
}

const char *tclient_do(struct tclient *client, const char *fmt, ...)
{
	struct buffer out = { 0 };
	struct mica_json *request;
	struct mica_error err;
	char text[65536];
	bool ok = false;
	int64_t id;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	mica_json_free(client->reply);
	client->reply = NULL;
	strcpy(client->error, "NOREPLY");
	if (mica_json_parse(tjson(text), strlen(text), &request, &err)) {
		printf("bad test request %s: %s\n", text, err.message);
		return client->error;
	}
	mica_json_object_add(request, "id",
			     mica_json_new_integer(++client->last_id));
	if (frame_encode(request, UINT32_MAX, &out, &err))
		printf("cannot frame %s: %s\n", text, err.message);
	mica_json_free(request);
	tclient_send_raw(client, buffer_head(&out), out.len);
	buffer_release(&out);
	if (!client->reply ||
	    mica_json_get_integer(client->reply, "id", 0, UINT32_MAX, &id))
		return client->error;
	mica_json_get_bool(client->reply, "ok", &ok);
	if (ok)
		strcpy(client->error, "ok");
	else
		snprintf(client->error, sizeof(client->error), "%s",
			 tclient_reply_string(client, "error") ?: "?");
	return client->error;
}

const char *tclient_reply_string(struct tclient *client, const char *key)
{
	const char *value;

	if (!client->reply ||
	    mica_json_get_string(client->reply, key, &value, NULL))
		return NULL;
	return value;
}

struct mica_json *tclient_take_event(struct tclient *client)
{
	struct mica_json *event;

	tclient_pump(client);
	if (!client->nevents)
		return NULL;
	event = client->events[0];
	memmove(client->events, client->events + 1,
		--client->nevents * sizeof(client->events[0]));
	return event;
}

const char *tclient_event(struct tclient *client)
{
	static char text[2048];
	const char *path = "?", *token = "?";
	struct mica_json *event = tclient_take_event(client);
	int64_t domid;

	if (!event)
		return "";
	mica_json_get_string(event, "path", &path, NULL);
	mica_json_get_string(event, "token", &token, NULL);
	if (!mica_json_get_integer(event, "domain", 0, UINT32_MAX, &domid))
		snprintf(text, sizeof(text), "%s %s %lld", path, token,
			 (long long)domid);
	else
		snprintf(text, sizeof(text), "%s %s", path, token);
	mica_json_free(event);
	return text;
}
