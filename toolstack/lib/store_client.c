// SPDX-License-Identifier: MIT
/*
 * The store client.  One request is in flight at a time; while waiting for
 * its reply, watch events that arrive first are queued.  The descriptor
 * handed to callers is an epoll set holding the socket (new bytes) and an
 * eventfd (events already queued), so one fd covers both.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <mica/error.h>
#include <mica/json.h>
#include <mica/store.h>

#include "buffer.h"
#include "frame.h"

struct event_entry {
	struct mica_store_event *event;
	struct event_entry *next;
};

struct mica_store {
	int fd; /* the connected socket */
	int queued_fd; /* eventfd: non-zero while events are queued */
	int poll_fd; /* epoll set of fd and queued_fd */
	uint32_t last_id;
	struct buffer in; /* bytes read but not yet decoded */
	struct frame_decoder decoder;
	struct event_entry *head, **tail;
};

void mica_store_event_free(struct mica_store_event *event)
{
	if (!event)
		return;
	free(event->path);
	free(event->token);
	free(event);
}

static void queued_signal(struct mica_store *store, bool pending)
{
	uint64_t count = 1;
	ssize_t ret;

	if (pending)
		ret = write(store->queued_fd, &count, sizeof(count));
	else
		ret = read(store->queued_fd, &count, sizeof(count));
	(void)ret; /* EAGAIN: the counter already was as wanted */
}

/* Queues a watch event message; malformed events are dropped. */
static int store_queue_event(struct mica_store *store,
			     const struct mica_json *message)
{
	struct mica_store_event *event;
	struct event_entry *entry;
	const char *path, *token;
	int64_t domid = -1;

	if (mica_json_get_string(message, "path", &path, NULL) ||
	    mica_json_get_string(message, "token", &token, NULL))
		return 0;
	mica_json_get_integer(message, "domain", 0, INT32_MAX, &domid);
	event = calloc(1, sizeof(*event));
	entry = calloc(1, sizeof(*entry));
	if (!event || !entry)
		goto err_free;
	event->path = strdup(path);
	event->token = strdup(token);
	if (!event->path || !event->token)
		goto err_free;
	event->domid = domid;
	entry->event = event;
	*store->tail = entry;
	store->tail = &entry->next;
	queued_signal(store, true);
	return 0;

err_free:
	mica_store_event_free(event);
	free(entry);
	return -ENOMEM;
}

/*
 * Decodes buffered input until a reply turns up (returned in *@reply) or
 * the buffer is empty; events found on the way are queued.  Returns 1 with
 * a reply, 0 when more input is needed, or a negative errno.
 */
static int store_decode(struct mica_store *store, struct mica_json **reply)
{
	struct mica_json *message;
	uint8_t *payload;
	uint32_t size;
	size_t used;
	int status;

	while (store->in.len) {
		status = frame_decoder_feed(&store->decoder,
					    buffer_head(&store->in),
					    store->in.len, &used);
		buffer_consume(&store->in, used);
		if (status == FRAME_INCOMPLETE)
			continue;
		if (status != FRAME_COMPLETE)
			return status < 0 ? status : -EPROTO;
		payload = frame_decoder_take(&store->decoder, &size);
		status = mica_json_parse(payload, size, &message, NULL);
		free(payload);
		if (status)
			return -EPROTO;
		if (mica_json_object_get(message, "event")) {
			status = store_queue_event(store, message);
			mica_json_free(message);
			if (status)
				return status;
			continue;
		}
		*reply = message;
		return 1;
	}
	return 0;
}

/* Reads what the socket has (waiting for something if @block). */
static int store_fill(struct mica_store *store, bool block)
{
	uint8_t chunk[65536];
	ssize_t got;

	do
		got = recv(store->fd, chunk, sizeof(chunk),
			   block ? 0 : MSG_DONTWAIT);
	while (got < 0 && errno == EINTR);
	if (got == 0)
		return -ECONNRESET;
	if (got < 0)
		return errno == EAGAIN ? 0 : -errno;
	return buffer_append(&store->in, chunk, got) ?: (int)(got > 0);
}

/*
 * Writes @len bytes, reading (and queueing) whatever arrives meanwhile so
 * that neither side can stall the other.
 */
static int store_send_all(struct mica_store *store, const uint8_t *bytes,
			  size_t len)
{
	struct pollfd pfd = { .fd = store->fd, .events = POLLIN | POLLOUT };
	ssize_t sent;
	int ret;

	while (len) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd.revents & POLLIN) {
			ret = store_fill(store, false);
			if (ret < 0)
				return ret;
		}
		if (!(pfd.revents & (POLLOUT | POLLERR | POLLHUP)))
			continue;
		sent = send(store->fd, bytes, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (sent < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		bytes += sent;
		len -= sent;
	}
	return 0;
}

/* Turns an error reply into a return code and a message in @err. */
static int store_reply_error(const struct mica_json *reply,
			     struct mica_error *err)
{
	const char *name = "EIO", *message = "no message";
	int code;

	mica_json_get_string(reply, "error", &name, NULL);
	mica_json_get_string(reply, "message", &message, NULL);
	code = mica_errno_from_name(name);
	return mica_error_set(err, code ? code : EIO, "%s", message);
}

/*
 * Sends @request (consumed) with a fresh id and waits for its reply, which
 * is returned in *@reply when it says "ok": true.
 */
static int store_call(struct mica_store *store, struct mica_json *request,
		      struct mica_json **reply, struct mica_error *err)
{
	struct buffer out = { 0 };
	struct mica_json *message;
	int64_t id;
	bool ok;
	int ret;

	mica_error_clear(err);
	if (!request)
		return mica_error_set(err, ENOMEM, "out of memory");
	if (++store->last_id == 0)
		store->last_id = 1;
	ret = mica_json_object_add(request, "id",
				   mica_json_new_integer(store->last_id));
	ret = ret ?: frame_encode(request, FRAME_PAYLOAD_MAX, &out, err);
	mica_json_free(request);
	if (ret == -ENOMEM)
		return mica_error_set(err, ENOMEM, "out of memory");
	if (ret)
		return ret;
	ret = store_send_all(store, buffer_head(&out), out.len);
	buffer_release(&out);
	while (!ret) {
		ret = store_decode(store, &message);
		if (ret == 0) {
			ret = store_fill(store, true);
			if (ret > 0)
				ret = 0;
			continue;
		}
		if (ret < 0)
			break;
		/* Id 0: the daemon could not tell which request failed. */
		if (mica_json_get_integer(message, "id", 0, UINT32_MAX, &id) ||
		    (id != store->last_id && id != 0)) {
			mica_json_free(message);
			ret = 0;
			continue;
		}
		if (!mica_json_get_bool(message, "ok", &ok) && ok) {
			*reply = message;
			return 0;
		}
		ret = store_reply_error(message, err);
		mica_json_free(message);
		return ret;
	}
	if (ret == -ECONNRESET)
		return mica_error_set(err, ECONNRESET,
				      "the store closed the connection");
	return mica_error_set(err, -ret, "store connection: %s",
			      strerror(-ret));
}

/* A new request object {"op": @op, "tx": @tx, "path": @path}. */
static struct mica_json *request_new(const char *op, uint32_t tx,
				     const char *path)
{
	struct mica_json *request = mica_json_new_object();
	int ret;

	if (!request)
		return NULL;
	ret = mica_json_object_add(request, "op", mica_json_new_cstring(op));
	if (tx)
		ret = ret   ?:
			      mica_json_object_add(request, "tx",
						   mica_json_new_integer(tx));
	if (path)
		ret = ret   ?:
			      mica_json_object_add(request, "path",
						   mica_json_new_cstring(path));
	if (ret) {
		mica_json_free(request);
		return NULL;
	}
	return request;
}

/* Adds @key: @value to a request, freeing the request on failure. */
static struct mica_json *request_add(struct mica_json *request, const char *key,
				     struct mica_json *value)
{
	if (!request) {
		mica_json_free(value);
		return NULL;
	}
	if (mica_json_object_add(request, key, value)) {
		mica_json_free(request);
		return NULL;
	}
	return request;
}

/* For requests whose reply carries nothing but "ok". */
static int store_call_simple(struct mica_store *store,
			     struct mica_json *request, struct mica_error *err)
{
	struct mica_json *reply;
	int ret = store_call(store, request, &reply, err);

	if (!ret)
		mica_json_free(reply);
	return ret;
}

int mica_store_open(const char *socket_path, struct mica_store **out,
		    struct mica_error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct mica_store *store;
	int ret;

	if (!socket_path)
		socket_path = getenv("MICA_STORE_SOCKET");
	if (!socket_path)
		socket_path = MICA_STORE_DEFAULT_SOCKET;
	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return mica_error_set(err, ENAMETOOLONG,
				      "store socket '%s': path too long",
				      socket_path);
	strcpy(addr.sun_path, socket_path);
	store = calloc(1, sizeof(*store));
	if (!store)
		return mica_error_set(err, ENOMEM, "out of memory");
	store->tail = &store->head;
	frame_decoder_init(&store->decoder, FRAME_PAYLOAD_MAX);
	store->queued_fd = -1;
	store->poll_fd = -1;
	store->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (store->fd < 0 ||
	    connect(store->fd, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = mica_error_set(err, errno, "store socket '%s': %s",
				     socket_path, strerror(errno));
		goto err_close;
	}
	store->queued_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	store->poll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (store->queued_fd < 0 || store->poll_fd < 0) {
		ret = mica_error_set(err, errno, "store events: %s",
				     strerror(errno));
		goto err_close;
	}
	ev.data.fd = store->fd;
	if (epoll_ctl(store->poll_fd, EPOLL_CTL_ADD, store->fd, &ev))
		goto err_epoll;
	ev.data.fd = store->queued_fd;
	if (epoll_ctl(store->poll_fd, EPOLL_CTL_ADD, store->queued_fd, &ev))
		goto err_epoll;
	*out = store;
	return 0;

err_epoll:
	ret = mica_error_set(err, errno, "store events: %s", strerror(errno));
err_close:
	mica_store_close(store);
	return ret;
}

void mica_store_close(struct mica_store *store)
{
	struct event_entry *entry;

	if (!store)
		return;
	/* For `make bench`: how many requests this connection made. */
	if (getenv("MICA_STORE_COUNT_FILE")) {
		FILE *f = fopen(getenv("MICA_STORE_COUNT_FILE"), "w");

		if (f) {
			fprintf(f, "%u\n", store->last_id);
			fclose(f);
		}
	}
	while ((entry = store->head)) {
		store->head = entry->next;
		mica_store_event_free(entry->event);
		free(entry);
	}
	if (store->poll_fd >= 0)
		close(store->poll_fd);
	if (store->queued_fd >= 0)
		close(store->queued_fd);
	if (store->fd >= 0)
		close(store->fd);
	frame_decoder_release(&store->decoder);
	buffer_release(&store->in);
	free(store);
}

int mica_store_read(struct mica_store *store, uint32_t tx, const char *path,
		    char **value, size_t *len, struct mica_error *err)
{
	struct mica_json *reply;
	const char *text;
	size_t text_len;
	int ret;

	ret = store_call(store, request_new("read", tx, path), &reply, err);
	if (ret)
		return ret;
	if (mica_json_get_string(reply, "value", &text, &text_len)) {
		ret = mica_error_set(err, EPROTO, "read reply has no value");
		goto out;
	}
	*value = malloc(text_len + 1);
	if (!*value) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(*value, text, text_len + 1);
	if (len)
		*len = text_len;
out:
	mica_json_free(reply);
	return ret;
}

int mica_store_write(struct mica_store *store, uint32_t tx, const char *path,
		     const char *value, size_t len, struct mica_error *err)
{
	struct mica_json *request = request_new("write", tx, path);

	request =
		request_add(request, "value", mica_json_new_string(value, len));
	return store_call_simple(store, request, err);
}

int mica_store_mkdir(struct mica_store *store, uint32_t tx, const char *path,
		     struct mica_error *err)
{
	return store_call_simple(store, request_new("mkdir", tx, path), err);
}

int mica_store_rm(struct mica_store *store, uint32_t tx, const char *path,
		  struct mica_error *err)
{
	return store_call_simple(store, request_new("rm", tx, path), err);
}

void mica_store_names_free(char **names)
{
	size_t i;

	if (!names)
		return;
	for (i = 0; names[i]; i++)
		free(names[i]);
	free(names);
}

int mica_store_directory(struct mica_store *store, uint32_t tx,
			 const char *path, char ***names, size_t *count,
			 struct mica_error *err)
{
	const struct mica_json *children;
	struct mica_json *reply;
	const char *name;
	char **list;
	size_t n, i;
	int ret;

	ret = store_call(store, request_new("directory", tx, path), &reply,
			 err);
	if (ret)
		return ret;
	children = mica_json_object_get(reply, "children");
	n = children ? mica_json_length(children) : 0;
	list = calloc(n + 1, sizeof(*list));
	if (!list) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		name = mica_json_string(mica_json_array_at(children, i), NULL);
		list[i] = name ? strdup(name) : NULL;
		if (!list[i]) {
			mica_store_names_free(list);
			ret = mica_error_set(err, name ? ENOMEM : EPROTO,
					     "bad directory reply");
			goto out;
		}
	}
	*names = list;
	if (count)
		*count = n;
out:
	mica_json_free(reply);
	return ret;
}

static int perms_decode(const struct mica_json *json,
			struct mica_store_perms *perms, struct mica_error *err)
{
	const struct mica_json *acl, *entry;
	enum mica_store_access access;
	const char *name;
	int64_t n;
	size_t i;

	memset(perms, 0, sizeof(*perms));
	if (!json || mica_json_get_integer(json, "owner", 0, INT32_MAX, &n) ||
	    mica_json_get_string(json, "default", &name, NULL) ||
	    mica_store_access_parse(name, &perms->other))
		return mica_error_set(err, EPROTO, "bad perms in reply");
	perms->owner = n;
	acl = mica_json_object_get(json, "acl");
	if (!acl || mica_json_length(acl) > MICA_STORE_ACL_MAX)
		return mica_error_set(err, EPROTO, "bad acl in reply");
	for (i = 0; i < mica_json_length(acl); i++) {
		entry = mica_json_array_at(acl, i);
		if (mica_json_get_integer(entry, "domain", 0, INT32_MAX, &n) ||
		    mica_json_get_string(entry, "access", &name, NULL) ||
		    mica_store_access_parse(name, &access))
			return mica_error_set(err, EPROTO, "bad acl in reply");
		perms->acl[i].domid = n;
		perms->acl[i].access = access;
	}
	perms->nacl = i;
	return 0;
}

int mica_store_get_perms(struct mica_store *store, uint32_t tx,
			 const char *path, struct mica_store_perms *perms,
			 struct mica_error *err)
{
	struct mica_json *reply;
	int ret;

	ret = store_call(store, request_new("get-perms", tx, path), &reply,
			 err);
	if (ret)
		return ret;
	ret = perms_decode(mica_json_object_get(reply, "perms"), perms, err);
	mica_json_free(reply);
	return ret;
}

static struct mica_json *perms_encode(const struct mica_store_perms *perms)
{
	struct mica_json *json = mica_json_new_object();
	struct mica_json *acl = mica_json_new_array();
	struct mica_json *entry;
	unsigned int i;
	int ret = 0;

	json = request_add(json, "owner", mica_json_new_integer(perms->owner));
	json = request_add(json, "default",
			   mica_json_new_cstring(
				   mica_store_access_name(perms->other) ?: ""));
	for (i = 0; acl && i < perms->nacl && i < MICA_STORE_ACL_MAX; i++) {
		entry = mica_json_new_object();
		ret = mica_json_array_append(acl, entry);
		ret = ret   ?:
			      mica_json_object_add(
				      entry, "domain",
				      mica_json_new_integer(
					      perms->acl[i].domid));
		ret = ret ?: mica_json_object_add(
			      entry, "access",
			      mica_json_new_cstring(
				      mica_store_access_name(
					      perms->acl[i].access) ?:
					      ""));
		if (ret)
			break;
	}
	if (ret) {
		mica_json_free(acl);
		acl = NULL;
	}
	return request_add(json, "acl", acl);
}

int mica_store_set_perms(struct mica_store *store, uint32_t tx,
			 const char *path, const struct mica_store_perms *perms,
			 struct mica_error *err)
{
	struct mica_json *request = request_new("set-perms", tx, path);

	request = request_add(request, "perms", perms_encode(perms));
	return store_call_simple(store, request, err);
}

int mica_store_tx_start(struct mica_store *store, uint32_t *tx,
			struct mica_error *err)
{
	struct mica_json *reply;
	int64_t id;
	int ret;

	ret = store_call(store, request_new("tx-start", 0, NULL), &reply, err);
	if (ret)
		return ret;
	if (mica_json_get_integer(reply, "tx", 1, UINT32_MAX, &id))
		ret = mica_error_set(err, EPROTO, "tx-start reply has no tx");
	else
		*tx = id;
	mica_json_free(reply);
	return ret;
}

int mica_store_tx_commit(struct mica_store *store, uint32_t tx,
			 struct mica_error *err)
{
	return store_call_simple(store, request_new("tx-commit", tx, NULL),
				 err);
}

int mica_store_tx_abort(struct mica_store *store, uint32_t tx,
			struct mica_error *err)
{
	return store_call_simple(store, request_new("tx-abort", tx, NULL), err);
}

static int store_watch_call(struct mica_store *store, const char *op,
			    const char *path, const char *token,
			    struct mica_error *err)
{
	struct mica_json *request = request_new(op, 0, path);

	request = request_add(request, "token", mica_json_new_cstring(token));
	return store_call_simple(store, request, err);
}

int mica_store_watch(struct mica_store *store, const char *path,
		     const char *token, struct mica_error *err)
{
	return store_watch_call(store, "watch", path, token, err);
}

int mica_store_unwatch(struct mica_store *store, const char *path,
		       const char *token, struct mica_error *err)
{
	return store_watch_call(store, "unwatch", path, token, err);
}

int mica_store_event_fd(const struct mica_store *store)
{
	return store->poll_fd;
}

int mica_store_next_event(struct mica_store *store,
			  struct mica_store_event **event,
			  struct mica_error *err)
{
	struct mica_json *stray;
	struct event_entry *entry;
	int ret;

	mica_error_clear(err);
	/* Take in whatever has arrived; replies nobody waits for are stale. */
	for (;;) {
		ret = store_decode(store, &stray);
		if (ret == 1) {
			mica_json_free(stray);
			continue;
		}
		if (ret < 0)
			break;
		ret = store_fill(store, false);
		if (ret <= 0)
			break;
	}
	entry = store->head;
	if (!entry) {
		queued_signal(store, false);
		if (ret < 0 && ret != -EAGAIN)
			return mica_error_set(err, -ret, "store connection: %s",
					      strerror(-ret));
		return -EAGAIN;
	}
	store->head = entry->next;
	if (!store->head) {
		store->tail = &store->head;
		queued_signal(store, false);
	}
	*event = entry->event;
	free(entry);
	return 0;
}

static int store_domain_call(struct mica_store *store, const char *op,
			     unsigned int domid, struct mica_error *err)
{
	struct mica_json *request = request_new(op, 0, NULL);

	request = request_add(request, "domain", mica_json_new_integer(domid));
	return store_call_simple(store, request, err);
}

int mica_store_introduce(struct mica_store *store, unsigned int domid,
			 struct mica_error *err)
{
	return store_domain_call(store, "introduce", domid, err);
}

int mica_store_release(struct mica_store *store, unsigned int domid,
		       struct mica_error *err)
{
	return store_domain_call(store, "release", domid, err);
}
