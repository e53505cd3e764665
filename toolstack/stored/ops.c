// SPDX-License-Identifier: MIT
/*
 * Carrying out store requests: one handler per operation, found through a
 * table indexed by enum request_op.  Handlers that touch nodes run inside a
 * transaction (the request's own, or an implicit one committed when the
 * handler returns), check permissions and quotas, and add their results to
 * a reply that already holds "id" and "ok": true.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/error.h>
#include <mica/json.h>

#include "change.h"
#include "conn.h"
#include "domain.h"
#include "journal.h"
#include "path.h"
#include "perms.h"
#include "request.h"
#include "store.h"
#include "txn.h"
#include "watch.h"

struct op_ctx {
	struct conn *conn;
	struct store *store;
	struct request *req;
	unsigned int domid; /* who asks */
	struct txn *txn; /* for OP_IN_TXN handlers */
	struct mica_json *reply;
	struct mica_error *err;
};

/* Explains a failure of the txn_* calls. */
static int txn_failed(struct op_ctx *ctx, int ret)
{
	if (ret == -EAGAIN)
		return mica_error_set(ctx->err, EAGAIN,
				      "transaction %u conflicts with another "
				      "commit",
				      ctx->txn->id);
	if (ret == -EDQUOT)
		return mica_error_set(
			ctx->err, EDQUOT,
			"transaction %u touches more than %u nodes",
			ctx->txn->id,
			domain_quota(ctx->store, ctx->conn->domain)
				->transaction_nodes);
	return mica_error_set(ctx->err, -ret, "'%s': %s", ctx->req->path,
			      strerror(-ret));
}

/*
 * The error for a missing node: EACCES unless the caller may read the
 * nearest node that does exist above it, so that domains cannot probe for
 * nodes they may not see.
 */
static int node_missing(struct op_ctx *ctx, const char *path)
{
	char ancestor[PATH_MAX_LEN + 1];
	struct view view;
	int ret;

	strcpy(ancestor, path);
	do {
		ancestor[path_parent_len(ancestor)] = '\0';
		ret = txn_view(ctx->txn, ancestor, &view);
		if (ret)
			return txn_failed(ctx, ret);
	} while (!view.exists);
	if (!perms_can_read(view.perms, ctx->domid))
		return mica_error_set(ctx->err, EACCES,
				      "'%s': permission denied",
				      ctx->req->path);
	return mica_error_set(ctx->err, ENOENT, "'%s': no such node",
			      ctx->req->path);
}

/* Views an existing node that the caller may access as @need. */
static int node_access(struct op_ctx *ctx, const char *path, enum access need,
		       struct view *view)
{
	int ret = txn_view(ctx->txn, path, view);

	if (ret)
		return txn_failed(ctx, ret);
	if (!view->exists)
		return node_missing(ctx, path);
	if ((perms_access(view->perms, ctx->domid) & need) != need)
		return mica_error_set(ctx->err, EACCES,
				      "'%s': permission denied", path);
	return 0;
}

/* The perms a node created by the caller under @parent starts with. */
static struct perms *perms_inherit(struct op_ctx *ctx, struct perms *parent)
{
	if (ctx->domid == 0 || parent->owner == ctx->domid)
		return perms_get(parent);
	return perms_with_owner(parent, ctx->domid);
}

/*
 * Creates the request's path with @value, and any missing ancestors with ""
 * first.  The nearest existing ancestor must be writable; each new node
 * inherits its parent's perms, owned by the caller unless the caller is
 * domain 0.
 */
static int node_create(struct op_ctx *ctx, const char *value, size_t value_len)
{
	/* Lengths of the missing prefixes of the path, deepest first. */
	size_t missing[PATH_MAX_LEN / 2 + 1];
	const char *path = ctx->req->path;
	char prefix[PATH_MAX_LEN + 1];
	struct perms *perms, *child;
	const struct quota *quota;
	unsigned int n = 0;
	struct view view;
	size_t len;
	int ret;

	strcpy(prefix, path);
	len = strlen(prefix);
	do {
		missing[n++] = len;
		len = path_parent_len(prefix);
		prefix[len] = '\0';
		ret = txn_view(ctx->txn, prefix, &view);
		if (ret)
			return txn_failed(ctx, ret);
	} while (!view.exists);
	if (!perms_can_write(view.perms, ctx->domid))
		return mica_error_set(ctx->err, EACCES,
				      "'%s': permission denied", path);
	quota = domain_quota(ctx->store, ctx->conn->domain);
	if ((long long)ctx->conn->domain->nodes + ctx->txn->owned_delta + n >
	    quota->nodes)
		return mica_error_set(ctx->err, EDQUOT,
				      "domain %u would own more than %u nodes",
				      ctx->domid, quota->nodes);
	perms = perms_get(view.perms);
	while (n--) {
		memcpy(prefix, path, missing[n]);
		prefix[missing[n]] = '\0';
		child = perms_inherit(ctx, perms);
		perms_put(perms);
		perms = child;
		if (!perms)
			return mica_error_set(ctx->err, ENOMEM,
					      "out of memory");
		ret = txn_put(ctx->txn, prefix, n ? "" : value,
			      n ? 0 : value_len, perms);
		if (ret) {
			perms_put(perms);
			return txn_failed(ctx, ret);
		}
	}
	perms_put(perms);
	return 0;
}

static int op_read(struct op_ctx *ctx)
{
	struct view view;
	int ret;

	ret = node_access(ctx, ctx->req->path, ACCESS_READ, &view);
	if (ret)
		return ret;
	return mica_json_object_add(ctx->reply, "value",
				    mica_json_new_string(view.value,
							 view.value_len));
}

static int op_write(struct op_ctx *ctx)
{
	const struct quota *quota = domain_quota(ctx->store, ctx->conn->domain);
	struct request *req = ctx->req;
	struct view view;
	int ret;

	if (req->value_len > quota->value_size)
		return mica_error_set(ctx->err, E2BIG,
				      "value of %zu bytes exceeds the limit "
				      "of %u",
				      req->value_len, quota->value_size);
	ret = txn_view(ctx->txn, req->path, &view);
	if (ret)
		return txn_failed(ctx, ret);
	if (!view.exists)
		return node_create(ctx, req->value, req->value_len);
	ret = node_access(ctx, req->path, ACCESS_WRITE, &view);
	if (ret)
		return ret;
	ret = txn_put(ctx->txn, req->path, req->value, req->value_len,
		      view.perms);
	return ret ? txn_failed(ctx, ret) : 0;
}

static int op_mkdir(struct op_ctx *ctx)
{
	struct view view;
	int ret;

	ret = txn_view(ctx->txn, ctx->req->path, &view);
	if (ret)
		return txn_failed(ctx, ret);
	if (!view.exists)
		return node_create(ctx, "", 0);
	/* Already there: nothing to do, if the caller could have made it. */
	return node_access(ctx, ctx->req->path, ACCESS_WRITE, &view);
}

static int op_rm(struct op_ctx *ctx)
{
	struct view view;
	int ret;

	if (!strcmp(ctx->req->path, "/"))
		return mica_error_set(ctx->err, EINVAL,
				      "the root cannot be removed");
	ret = node_access(ctx, ctx->req->path, ACCESS_WRITE, &view);
	if (ret)
		return ret;
	ret = txn_remove(ctx->txn, ctx->req->path);
	return ret ? txn_failed(ctx, ret) : 0;
}

static int add_child_name(void *array, const char *name)
{
	return mica_json_array_append(array, mica_json_new_cstring(name));
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(mica_json_string(*(struct mica_json *const *)a, NULL),
		      mica_json_string(*(struct mica_json *const *)b, NULL));
}

static int op_directory(struct op_ctx *ctx)
{
	struct mica_json *children;
	struct view view;
	int ret;

	ret = node_access(ctx, ctx->req->path, ACCESS_READ, &view);
	if (ret)
		return ret;
	children = mica_json_new_array();
	if (!children)
		return mica_error_set(ctx->err, ENOMEM, "out of memory");
	ret = txn_list_children(ctx->txn, ctx->req->path, add_child_name,
				children);
	if (ret) {
		mica_json_free(children);
		return txn_failed(ctx, ret);
	}
	/* Sorted, so that listings are stable and easy to compare. */
	mica_json_array_sort(children, compare_strings);
	return mica_json_object_add(ctx->reply, "children", children);
}

static int op_get_perms(struct op_ctx *ctx)
{
	struct view view;
	int ret;

	ret = node_access(ctx, ctx->req->path, ACCESS_READ, &view);
	if (ret)
		return ret;
	return mica_json_object_add(ctx->reply, "perms",
				    perms_to_json(view.perms));
}

static int op_set_perms(struct op_ctx *ctx)
{
	struct request *req = ctx->req;
	struct view view;
	int ret;

	ret = node_access(ctx, req->path, ACCESS_NONE, &view);
	if (ret)
		return ret;
	if (ctx->domid != 0 && view.perms->owner != ctx->domid)
		return mica_error_set(ctx->err, EACCES,
				      "'%s': only its owner or domain 0 may "
				      "set its perms",
				      req->path);
	if (ctx->domid != 0 && req->perms->owner != ctx->domid)
		return mica_error_set(ctx->err, EPERM,
				      "'%s': only domain 0 may give a node "
				      "away",
				      req->path);
	ret = txn_put(ctx->txn, req->path, view.value, view.value_len,
		      req->perms);
	return ret ? txn_failed(ctx, ret) : 0;
}

static int op_watch(struct op_ctx *ctx)
{
	struct request *req = ctx->req;
	int ret;

	if (path_is_special(req->path) && ctx->domid != 0)
		return mica_error_set(ctx->err, EACCES,
				      "only domain 0 may watch '%s'",
				      req->path);
	ret = watch_add(ctx->store, ctx->conn, req->path, req->token);
	if (ret == -EEXIST)
		return mica_error_set(ctx->err, EEXIST,
				      "'%s' is already watched with token "
				      "'%.64s'",
				      req->path, req->token);
	if (ret == -EDQUOT)
		return mica_error_set(
			ctx->err, EDQUOT, "domain %u holds %u watches already",
			ctx->domid,
			domain_quota(ctx->store, ctx->conn->domain)->watches);
	if (ret)
		return mica_error_set(ctx->err, -ret, "out of memory");
	return 0;
}

static int op_unwatch(struct op_ctx *ctx)
{
	struct request *req = ctx->req;

	if (watch_remove(ctx->store, ctx->conn, req->path, req->token))
		return mica_error_set(ctx->err, ENOENT,
				      "no watch on '%s' with token '%.64s'",
				      req->path, req->token);
	return 0;
}

static int op_tx_start(struct op_ctx *ctx)
{
	struct domain *domain = ctx->conn->domain;
	struct store *store = ctx->store;
	struct txn *txn;
	uint32_t id;
	int ret;

	if (domain->transactions >= domain_quota(store, domain)->transactions)
		return mica_error_set(ctx->err, EDQUOT,
				      "domain %u has %u transactions open "
				      "already",
				      ctx->domid, domain->transactions);
	do
		id = ++store->last_txn_id;
	while (id == 0 || txn_find(ctx->conn, id));
	ret = txn_begin(ctx->conn, id, &txn);
	if (ret)
		return mica_error_set(ctx->err, -ret, "out of memory");
	return mica_json_object_add(ctx->reply, "tx",
				    mica_json_new_integer(id));
}

static int op_tx_end(struct op_ctx *ctx)
{
	struct txn *txn = txn_find(ctx->conn, ctx->req->tx);
	int ret = 0;

	if (!txn)
		return mica_error_set(ctx->err, ESRCH, "no transaction %u",
				      ctx->req->tx);
	if (ctx->req->op == OP_TX_COMMIT)
		ret = txn_commit(txn, ctx->err);
	txn_free(txn);
	return ret;
}

/* Journals and applies an introduce or release. */
static int commit_domain_change(struct op_ctx *ctx, enum change_kind kind)
{
	const struct change change = { .kind = kind, .domid = ctx->req->domid };
	int ret;

	if (ctx->store->journal) {
		ret = journal_append(ctx->store->journal, &change, 1, ctx->err);
		if (ret)
			return ret;
	}
	ret = change_apply(ctx->store, &change);
	if (ret)
		return mica_error_set(ctx->err, -ret, "out of memory");
	return 0;
}

static int op_introduce(struct op_ctx *ctx)
{
	unsigned int domid = ctx->req->domid;
	struct domain *domain = domain_lookup(ctx->store, domid);
	int ret;

	if (domid == 0)
		return mica_error_set(ctx->err, EINVAL,
				      "domain 0 is always introduced");
	if (domain && domain->introduced)
		return mica_error_set(ctx->err, EEXIST,
				      "domain %u is already introduced", domid);
	ret = commit_domain_change(ctx, CHANGE_INTRODUCE);
	if (ret)
		return ret;
	if (ctx->store->connect_guest)
		ctx->store->connect_guest(ctx->store, domid);
	watch_fire_domain(ctx->store, PATH_INTRODUCE_DOMAIN, domid);
	return 0;
}

static int op_release(struct op_ctx *ctx)
{
	unsigned int domid = ctx->req->domid;
	struct domain *domain = domain_lookup(ctx->store, domid);
	struct list *pos;
	int ret;

	if (domid == 0)
		return mica_error_set(ctx->err, EINVAL,
				      "domain 0 cannot be released");
	if (!domain || !domain->introduced)
		return mica_error_set(ctx->err, ENOENT,
				      "domain %u is not introduced", domid);
	/*
	 * Its connections go first; they stay on the domain's list until
	 * reaped, which keeps the entry alive while the release is applied.
	 */
	list_for_each(pos, &domain->conns)
		conn_kill(list_entry(pos, struct conn, domain_link), NULL);
	ret = commit_domain_change(ctx, CHANGE_RELEASE);
	if (ret)
		return ret;
	watch_fire_domain(ctx->store, PATH_RELEASE_DOMAIN, domid);
	return 0;
}

enum op_flags {
	OP_IN_TXN = 1u << 0, /* runs in a transaction */
	OP_DOM0 = 1u << 1, /* domain 0 only */
};

static const struct {
	int (*handler)(struct op_ctx *ctx);
	unsigned int flags;
} op_table[OP_COUNT] = {
	[OP_READ] = { op_read, OP_IN_TXN },
	[OP_WRITE] = { op_write, OP_IN_TXN },
	[OP_MKDIR] = { op_mkdir, OP_IN_TXN },
	[OP_RM] = { op_rm, OP_IN_TXN },
	[OP_DIRECTORY] = { op_directory, OP_IN_TXN },
	[OP_GET_PERMS] = { op_get_perms, OP_IN_TXN },
	[OP_SET_PERMS] = { op_set_perms, OP_IN_TXN },
	[OP_WATCH] = { op_watch, 0 },
	[OP_UNWATCH] = { op_unwatch, 0 },
	[OP_TX_START] = { op_tx_start, 0 },
	[OP_TX_COMMIT] = { op_tx_end, 0 },
	[OP_TX_ABORT] = { op_tx_end, 0 },
	[OP_INTRODUCE] = { op_introduce, OP_DOM0 },
	[OP_RELEASE] = { op_release, OP_DOM0 },
};

void request_reply_error(struct conn *conn, uint32_t id, int code,
			 const char *fmt, ...)
{
	const char *name = mica_errno_name(code);
	char message[MICA_ERROR_MESSAGE_MAX];
	struct mica_json *reply;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	reply = mica_json_new_object();
	if (!reply)
		goto err_kill;
	ret = mica_json_object_add(reply, "id", mica_json_new_integer(id));
	ret = ret   ?:
		      mica_json_object_add(reply, "ok",
					   mica_json_new_bool(false));
	ret = ret   ?:
		      mica_json_object_add(
			      reply, "error",
			      mica_json_new_cstring(name ?: "EIO"));
	ret = ret   ?:
		      mica_json_object_add(reply, "message",
					   mica_json_new_cstring(message));
	ret = ret ?: conn_send(conn, reply);
	mica_json_free(reply);
	if (!ret)
		return;
err_kill:
	conn_kill(conn, "cannot send an error reply");
}

/* Runs the handler, inside a transaction if it needs one. */
static int request_run(struct op_ctx *ctx)
{
	unsigned int flags = op_table[ctx->req->op].flags;
	bool implicit = false;
	int ret;

	if ((flags & OP_DOM0) && ctx->domid != 0)
		return mica_error_set(ctx->err, EPERM, "only domain 0 may %s",
				      request_op_name(ctx->req->op));
	if (flags & OP_IN_TXN) {
		if (ctx->req->tx) {
			ctx->txn = txn_find(ctx->conn, ctx->req->tx);
			if (!ctx->txn)
				return mica_error_set(ctx->err, ESRCH,
						      "no transaction %u",
						      ctx->req->tx);
		} else {
			ret = txn_begin(ctx->conn, 0, &ctx->txn);
			if (ret)
				return mica_error_set(ctx->err, ENOMEM,
						      "out of memory");
			implicit = true;
		}
	}
	ret = op_table[ctx->req->op].handler(ctx);
	/* Handlers leave ENOMEM from building the reply unexplained. */
	if (ret && !ctx->err->code)
		mica_error_set(ctx->err, -ret, "%s", strerror(-ret));
	/* A request cut short may have left half its changes behind. */
	if (ret == -ENOMEM && ctx->txn)
		ctx->txn->doomed = true;
	if (implicit) {
		if (!ret)
			ret = txn_commit(ctx->txn, ctx->err);
		txn_free(ctx->txn);
	}
	return ret;
}

void request_handle(struct conn *conn, const uint8_t *payload, size_t len)
{
	struct mica_error err = { 0 };
	struct request req;
	struct op_ctx ctx = {
		.conn = conn,
		.store = conn->store,
		.req = &req,
		.domid = conn->domain->domid,
		.err = &err,
	};
	int ret;

	ret = request_parse(payload, len, &req, &err);
	if (ret) {
		request_reply_error(conn, req.id, -ret, "%s", err.message);
		return;
	}
	ret = request_resolve(&req, ctx.domid, &err);
	if (ret) {
		request_reply_error(conn, req.id, -ret, "%s", err.message);
		request_release(&req);
		return;
	}
	ctx.reply = mica_json_new_object();
	ret = ctx.reply ? 0 : -ENOMEM;
	ret = ret   ?:
		      mica_json_object_add(ctx.reply, "id",
					   mica_json_new_integer(req.id));
	ret = ret   ?:
		      mica_json_object_add(ctx.reply, "ok",
					   mica_json_new_bool(true));
	if (ret)
		mica_error_set(&err, ENOMEM, "out of memory");
	else
		ret = request_run(&ctx);
	if (!ret) {
		ret = conn_send(conn, ctx.reply);
		if (ret == -E2BIG)
			mica_error_set(&err, E2BIG,
				       "reply exceeds the message limit of %u",
				       conn->decoder.limit);
		else if (ret)
			mica_error_set(&err, -ret, "cannot send the reply");
	}
	if (ret)
		request_reply_error(conn, req.id, err.code, "%s", err.message);
	mica_json_free(ctx.reply);
	request_release(&req);
}
