// SPDX-License-Identifier: MIT
/* Decoding and checking store requests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/error.h>
#include <mica/json.h>

#include "path.h"
#include "perms.h"
#include "request.h"
#include "watch.h"

enum request_field {
	FIELD_PATH = 1u << 0,
	FIELD_VALUE = 1u << 1,
	FIELD_TOKEN = 1u << 2,
	FIELD_PERMS = 1u << 3,
	FIELD_DOMAIN = 1u << 4,
	FIELD_TX = 1u << 5,
};

static const char *const field_names[] = {
	"path", "value", "token", "perms", "domain", "tx",
};

#define FIELD_COUNT (sizeof(field_names) / sizeof(field_names[0]))

static const struct {
	const char *name;
	unsigned int required, optional;
} op_syntax[OP_COUNT] = {
	[OP_READ] = { "read", FIELD_PATH, FIELD_TX },
	[OP_WRITE] = { "write", FIELD_PATH | FIELD_VALUE, FIELD_TX },
	[OP_MKDIR] = { "mkdir", FIELD_PATH, FIELD_TX },
	[OP_RM] = { "rm", FIELD_PATH, FIELD_TX },
	[OP_DIRECTORY] = { "directory", FIELD_PATH, FIELD_TX },
	[OP_GET_PERMS] = { "get-perms", FIELD_PATH, FIELD_TX },
	[OP_SET_PERMS] = { "set-perms", FIELD_PATH | FIELD_PERMS, FIELD_TX },
	[OP_WATCH] = { "watch", FIELD_PATH | FIELD_TOKEN, 0 },
	[OP_UNWATCH] = { "unwatch", FIELD_PATH | FIELD_TOKEN, 0 },
	[OP_TX_START] = { "tx-start", 0, 0 },
	[OP_TX_COMMIT] = { "tx-commit", FIELD_TX, 0 },
	[OP_TX_ABORT] = { "tx-abort", FIELD_TX, 0 },
	[OP_INTRODUCE] = { "introduce", FIELD_DOMAIN, 0 },
	[OP_RELEASE] = { "release", FIELD_DOMAIN, 0 },
};

const char *request_op_name(enum request_op op)
{
	return op_syntax[op].name;
}

void request_release(struct request *req)
{
	perms_put(req->perms);
	mica_json_free(req->json);
	free(req->abs_path);
	req->abs_path = NULL;
	req->perms = NULL;
	req->json = NULL;
}

static int request_find_op(const struct mica_json *json, struct request *req,
			   struct mica_error *err)
{
	const char *name;
	int op;

	if (mica_json_get_string(json, "op", &name, NULL))
		return mica_error_set(err, EINVAL, "'op' must be a string");
	for (op = 0; op < OP_COUNT; op++) {
		if (!strcmp(op_syntax[op].name, name)) {
			req->op = op;
			return 0;
		}
	}
	return mica_error_set(err, EINVAL, "unknown op '%.64s'", name);
}

/* Refuses members that the operation does not take. */
static int request_check_members(const struct mica_json *json,
				 enum request_op op, struct mica_error *err)
{
	const char *known[FIELD_COUNT + 3] = { "id", "op" };
	unsigned int fields = op_syntax[op].required | op_syntax[op].optional;
	const char *unknown;
	size_t i, n = 2;

	for (i = 0; i < FIELD_COUNT; i++)
		if (fields & (1u << i))
			known[n++] = field_names[i];
	known[n] = NULL;
	unknown = mica_json_unknown_member(json, known);
	if (unknown)
		return mica_error_set(err, EINVAL,
				      "%s does not take a field '%.64s'",
				      op_syntax[op].name, unknown);
	return 0;
}

static int request_get_path(const struct mica_json *json, struct request *req,
			    struct mica_error *err)
{
	bool watch = req->op == OP_WATCH || req->op == OP_UNWATCH;
	int ret;

	if (mica_json_get_string(json, "path", &req->path, NULL))
		return mica_error_set(err, EINVAL, "'path' must be a string");
	if (req->path[0] && req->path[0] != '/' && req->path[0] != '@') {
		req->relative = true; /* checked by request_resolve() */
		return 0;
	}
	ret = watch ? path_check_watch(req->path) : path_check(req->path);
	if (ret == -ENAMETOOLONG)
		return mica_error_set(err, ENAMETOOLONG,
				      "path is longer than %d bytes",
				      PATH_MAX_LEN);
	if (ret)
		return mica_error_set(err, EINVAL, "invalid path '%.64s'",
				      req->path);
	return 0;
}

static int request_get_fields(const struct mica_json *json, struct request *req,
			      unsigned int fields, struct mica_error *err)
{
	int64_t n;
	int ret;

	if (fields & FIELD_PATH) {
		ret = request_get_path(json, req, err);
		if (ret)
			return ret;
	}
	if ((fields & FIELD_VALUE) &&
	    mica_json_get_string(json, "value", &req->value, &req->value_len))
		return mica_error_set(err, EINVAL, "'value' must be a string");
	if (fields & FIELD_TOKEN) {
		if (mica_json_get_string(json, "token", &req->token, NULL) ||
		    !req->token[0] || strlen(req->token) > WATCH_TOKEN_MAX)
			return mica_error_set(err, EINVAL,
					      "'token' must be a string of "
					      "1 to %d bytes",
					      WATCH_TOKEN_MAX);
	}
	if (fields & FIELD_PERMS) {
		ret = perms_from_json(mica_json_object_get(json, "perms"),
				      &req->perms, err);
		if (ret)
			return ret;
	}
	if (fields & FIELD_DOMAIN) {
		if (mica_json_get_integer(json, "domain", 0, DOMID_MAX, &n))
			return mica_error_set(err, EINVAL,
					      "'domain' must be a domain id "
					      "(0 to %u)",
					      DOMID_MAX);
		req->domid = n;
	}
	if (fields & FIELD_TX) {
		ret = mica_json_get_integer(json, "tx", 0, UINT32_MAX, &n);
		if (ret == -EINVAL)
			return mica_error_set(err, EINVAL,
					      "'tx' must be an integer from 0 "
					      "to %u",
					      UINT32_MAX);
		req->tx = ret ? 0 : n;
	}
	if ((op_syntax[req->op].required & FIELD_TX) && req->tx == 0)
		return mica_error_set(err, EINVAL,
				      "%s needs a transaction id in 'tx'",
				      op_syntax[req->op].name);
	return 0;
}

int request_resolve(struct request *req, unsigned int domid,
		    struct mica_error *err)
{
	int ret;

	if (!req->relative)
		return 0;
	if (asprintf(&req->abs_path, "/local/domain/%u/%s", domid, req->path) <
	    0) {
		req->abs_path = NULL;
		return mica_error_set(err, ENOMEM, "out of memory");
	}
	ret = path_check(req->abs_path);
	if (ret == -ENAMETOOLONG)
		return mica_error_set(err, ENAMETOOLONG,
				      "path is longer than %d bytes",
				      PATH_MAX_LEN);
	if (ret)
		return mica_error_set(err, EINVAL, "invalid path '%.64s'",
				      req->path);
	req->path = req->abs_path;
	return 0;
}

int request_parse(const void *payload, size_t len, struct request *req,
		  struct mica_error *err)
{
	unsigned int fields, missing;
	int64_t id;
	size_t i;
	int ret;

	memset(req, 0, sizeof(*req));
	ret = mica_json_parse(payload, len, &req->json, err);
	if (ret)
		return ret;
	if (mica_json_type(req->json) != MICA_JSON_OBJECT) {
		ret = mica_error_set(err, EINVAL, "message is not an object");
		goto err_release;
	}
	if (mica_json_get_integer(req->json, "id", 1, UINT32_MAX, &id)) {
		ret = mica_error_set(err, EINVAL,
				     "'id' must be an integer from 1 to %u",
				     UINT32_MAX);
		goto err_release;
	}
	req->id = id;
	ret = request_find_op(req->json, req, err);
	if (ret)
		goto err_release;
	fields = op_syntax[req->op].required | op_syntax[req->op].optional;
	ret = request_check_members(req->json, req->op, err);
	if (ret)
		goto err_release;
	missing = 0;
	for (i = 0; i < FIELD_COUNT; i++)
		if ((op_syntax[req->op].required & (1u << i)) &&
		    !mica_json_object_get(req->json, field_names[i]))
			missing |= 1u << i;
	for (i = 0; missing && i < FIELD_COUNT; i++) {
		if (missing & (1u << i)) {
			ret = mica_error_set(err, EINVAL, "%s needs '%s'",
					     op_syntax[req->op].name,
					     field_names[i]);
			goto err_release;
		}
	}
	ret = request_get_fields(req->json, req, fields, err);
	if (ret)
		goto err_release;
	return 0;

err_release:
	request_release(req);
	return ret;
}
