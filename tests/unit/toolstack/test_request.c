// SPDX-License-Identifier: MIT
/* Decoding and checking requests. */
#include <errno.h>
#include <string.h>

#include <mica/error.h>

#include "harness.h"
#include "perms.h"
#include "request.h"
#include "store_harness.h"

/* Parses single-quoted JSON; returns 0 or the negative errno. */
static int parse(const char *text, struct request *req, struct mica_error *err)
{
	const char *json = tjson(text);

	return request_parse(json, strlen(json), req, err);
}

static void test_parse_every_op(void)
{
	static const char *const good[] = {
		"{'id':1,'op':'read','path':'/a'}",
		"{'id':1,'op':'read','path':'/a','tx':3}",
		"{'id':1,'op':'write','path':'/a','value':''}",
		"{'id':1,'op':'mkdir','path':'/a'}",
		"{'id':1,'op':'rm','path':'/a'}",
		"{'id':1,'op':'directory','path':'/'}",
		"{'id':1,'op':'get-perms','path':'/a'}",
		"{'id':1,'op':'set-perms','path':'/a','perms':{'owner':1}}",
		"{'id':1,'op':'watch','path':'/a','token':'t'}",
		"{'id':1,'op':'watch','path':'@releaseDomain','token':'t'}",
		"{'id':1,'op':'unwatch','path':'/a','token':'t'}",
		"{'id':1,'op':'tx-start'}",
		"{'id':1,'op':'tx-commit','tx':9}",
		"{'id':1,'op':'tx-abort','tx':9}",
		"{'id':1,'op':'introduce','domain':5}",
		"{'id':4294967295,'op':'release','domain':32751}",
	};
	struct mica_error err;
	struct request req;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_MSG(!parse(good[i], &req, &err), "%s: %s", good[i],
			  err.message);
		request_release(&req);
	}
}

static void test_parse_fields(void)
{
	struct mica_error err;
	struct request req;

	CHECK_INT(parse("{'id':7,'op':'write','path':'/x/y','tx':12,"
			"'value':'a\\u0000b'}",
			&req, &err),
		  0);
	CHECK_INT(req.id, 7);
	CHECK_INT(req.tx, 12);
	CHECK_INT(req.op, OP_WRITE);
	CHECK_STR(req.path, "/x/y");
	CHECK_INT(req.value_len, 3);
	request_release(&req);
	CHECK_INT(parse("{'op':'set-perms','id':2,'path':'/p','perms':"
			"{'owner':4,'default':'read'}}",
			&req, &err),
		  0);
	CHECK_INT(req.perms->owner, 4);
	CHECK_INT(req.perms->other, ACCESS_READ);
	request_release(&req);
}

static void test_parse_rejects(void)
{
	static const struct {
		const char *text;
		int code;
		const char *why;
	} bad[] = {
		{ "[]", -EINVAL, "not an object" },
		{ "{'op':'read','path':'/'}", -EINVAL, "'id'" },
		{ "{'id':0,'op':'read','path':'/'}", -EINVAL, "'id'" },
		{ "{'id':'1','op':'read','path':'/'}", -EINVAL, "'id'" },
		{ "{'id':4294967296,'op':'read','path':'/'}", -EINVAL, "'id'" },
		{ "{'id':1,'path':'/'}", -EINVAL, "'op'" },
		{ "{'id':1,'op':'fly'}", -EINVAL, "unknown op 'fly'" },
		{ "{'id':1,'op':'read'}", -EINVAL, "read needs 'path'" },
		{ "{'id':1,'op':'read','path':'/','value':'x'}", -EINVAL,
		  "does not take a field 'value'" },
		{ "{'id':1,'op':'read','path':'/a/'}", -EINVAL,
		  "invalid path" },
		{ "{'id':1,'op':'read','path':'@introduceDomain'}", -EINVAL,
		  "invalid path" },
		{ "{'id':1,'op':'read','path':5}", -EINVAL, "'path'" },
		{ "{'id':1,'op':'write','path':'/a','value':1}", -EINVAL,
		  "'value'" },
		{ "{'id':1,'op':'read','path':'/','tx':-1}", -EINVAL, "'tx'" },
		{ "{'id':1,'op':'tx-commit','tx':0}", -EINVAL, "needs a tr" },
		{ "{'id':1,'op':'tx-start','tx':1}", -EINVAL, "'tx'" },
		{ "{'id':1,'op':'watch','path':'/','token':''}", -EINVAL,
		  "'token'" },
		{ "{'id':1,'op':'introduce','domain':32752}", -EINVAL,
		  "'domain'" },
		{ "{'id':1,'op':'set-perms','path':'/','perms':{}}", -EINVAL,
		  "owner" },
	};
	struct mica_error err;
	struct request req;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_MSG(parse(bad[i].text, &req, &err) == bad[i].code,
			  "%s accepted", bad[i].text);
		CHECK_MSG(strstr(err.message, bad[i].why),
			  "%s: message '%s' lacks '%s'", bad[i].text,
			  err.message, bad[i].why);
	}
	/* The id survives a failure, so the error reply can carry it. */
	CHECK_INT(parse("{'id':33,'op':'fly'}", &req, &err), -EINVAL);
	CHECK_INT(req.id, 33);
}

static void test_parse_long_path(void)
{
	char text[3000] = "{'id':1,'op':'read','path':'";
	struct mica_error err;
	struct request req;
	int i;

	for (i = 0; i < 600; i++)
		strcat(text, "/a");
	strcat(text, "'}");
	CHECK_INT(parse(text, &req, &err), -ENAMETOOLONG);
}

int main(void)
{
	RUN(test_parse_every_op);
	RUN(test_parse_fields);
	RUN(test_parse_rejects);
	RUN(test_parse_long_path);
	return test_exit_code();
}
