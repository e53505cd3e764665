/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORE_H
#define MICA_STORE_H

/*
 * libmica's store client: a synchronous API over mica-stored's Unix
 * socket, for domain 0 tools.  docs/store-protocol.md describes the
 * operations; each function here is one request and waits for its reply.
 *
 * Every call returns 0 or a negative errno, and fills @err (which may be
 * NULL) with the daemon's message.  Codes callers should expect: -ENOENT,
 * -EACCES, -EPERM, -EEXIST, -EINVAL, -E2BIG, -EDQUOT, -ESRCH (no such
 * transaction), -EAGAIN (a transaction commit conflicted: start again) and
 * -ECONNRESET (the daemon went away).
 *
 * Watch events arrive on the same connection.  mica_store_event_fd() gives
 * a descriptor that polls readable whenever an event may be waiting;
 * mica_store_next_event() takes events one at a time without blocking.
 *
 * A struct mica_store is not thread-safe.
 */

#include <stddef.h>
#include <stdint.h>

struct mica_error;
struct mica_store;

/* Where mica-stored listens unless told otherwise. */
#define MICA_STORE_DEFAULT_SOCKET "/run/mica/stored.sock"

/* Transaction id meaning "outside any transaction". */
#define MICA_STORE_NO_TX 0u

enum mica_store_access {
	MICA_STORE_ACCESS_NONE = 0,
	MICA_STORE_ACCESS_READ = 1,
	MICA_STORE_ACCESS_WRITE = 2,
	MICA_STORE_ACCESS_BOTH = 3,
};

/* "none", "read", "write", "both": the names used on the wire. */
const char *mica_store_access_name(enum mica_store_access access);
/* Returns 0, or -EINVAL for an unknown name. */
int mica_store_access_parse(const char *name, enum mica_store_access *out);

#define MICA_STORE_ACL_MAX 16

struct mica_store_perms {
	unsigned int owner; /* domain id */
	enum mica_store_access other; /* for domains not listed */
	unsigned int nacl;
	struct {
		unsigned int domid;
		enum mica_store_access access;
	} acl[MICA_STORE_ACL_MAX];
};

struct mica_store_event {
	char *path; /* the node that changed, or a lifecycle path */
	char *token; /* the watch's token */
	int domid; /* for lifecycle events; -1 otherwise */
};

/*
 * Connects to the daemon at @socket_path (NULL: $MICA_STORE_SOCKET, else
 * MICA_STORE_DEFAULT_SOCKET).
 */
int mica_store_open(const char *socket_path, struct mica_store **out,
		    struct mica_error *err);
/* With $MICA_STORE_COUNT_FILE set, writes the number of requests this
 * connection made there (for the benchmarks). */
void mica_store_close(struct mica_store *store);

/* Value of @path in *@value (NUL-terminated, free() it), length in *@len. */
int mica_store_read(struct mica_store *store, uint32_t tx, const char *path,
		    char **value, size_t *len, struct mica_error *err);
/* Sets @path to @len bytes of @value, creating it and missing parents. */
int mica_store_write(struct mica_store *store, uint32_t tx, const char *path,
		     const char *value, size_t len, struct mica_error *err);
int mica_store_mkdir(struct mica_store *store, uint32_t tx, const char *path,
		     struct mica_error *err);
/* Removes @path and everything below it. */
int mica_store_rm(struct mica_store *store, uint32_t tx, const char *path,
		  struct mica_error *err);
/*
 * Child names of @path, sorted, in a NULL-terminated array (*@count
 * entries; @count may be NULL); free it with mica_store_names_free().
 */
int mica_store_directory(struct mica_store *store, uint32_t tx,
			 const char *path, char ***names, size_t *count,
			 struct mica_error *err);
void mica_store_names_free(char **names);

int mica_store_get_perms(struct mica_store *store, uint32_t tx,
			 const char *path, struct mica_store_perms *perms,
			 struct mica_error *err);
int mica_store_set_perms(struct mica_store *store, uint32_t tx,
			 const char *path, const struct mica_store_perms *perms,
			 struct mica_error *err);

int mica_store_tx_start(struct mica_store *store, uint32_t *tx,
			struct mica_error *err);
/* -EAGAIN means another commit got in first: redo the transaction. */
int mica_store_tx_commit(struct mica_store *store, uint32_t tx,
			 struct mica_error *err);
int mica_store_tx_abort(struct mica_store *store, uint32_t tx,
			struct mica_error *err);

int mica_store_watch(struct mica_store *store, const char *path,
		     const char *token, struct mica_error *err);
int mica_store_unwatch(struct mica_store *store, const char *path,
		       const char *token, struct mica_error *err);

/* Readable (poll/epoll) whenever mica_store_next_event() may have work. */
int mica_store_event_fd(const struct mica_store *store);

/*
 * The oldest waiting event in *@event (free it with
 * mica_store_event_free()), or -EAGAIN when there is none.  Never blocks.
 */
int mica_store_next_event(struct mica_store *store,
			  struct mica_store_event **event,
			  struct mica_error *err);
void mica_store_event_free(struct mica_store_event *event);

/* Domain lifecycle (domain 0 only). */
int mica_store_introduce(struct mica_store *store, unsigned int domid,
			 struct mica_error *err);
int mica_store_release(struct mica_store *store, unsigned int domid,
		       struct mica_error *err);

#endif
