// SPDX-License-Identifier: MIT
/* Node operations as domain 0 sees them, and the reply format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/json.h>

#include "harness.h"
#include "store_harness.h"

static struct store *store;
static struct tclient *dom0;

static void setup(void)
{
	store = tstore_new(NULL, NULL);
	dom0 = store ? tclient_open(store, 0) : NULL;
}

static void teardown(void)
{
	tclient_close(dom0);
	tstore_free(store);
}

#define DO(client, expected, ...) \
	CHECK_STR(tclient_do(client, __VA_ARGS__), expected)

static void test_write_read(void)
{
	DO(dom0, "ok", "{'op':'write','path':'/a','value':'hello'}");
	DO(dom0, "ok", "{'op':'read','path':'/a'}");
	CHECK_STR(tclient_reply_string(dom0, "value"), "hello");
	DO(dom0, "ok", "{'op':'write','path':'/a','value':''}");
	DO(dom0, "ok", "{'op':'read','path':'/a'}");
	CHECK_STR(tclient_reply_string(dom0, "value"), "");
	DO(dom0, "ENOENT", "{'op':'read','path':'/nothing'}");
	DO(dom0, "ENOENT", "{'op':'read','path':'/a/b/c'}");
}

static void test_write_creates_parents(void)
{
	DO(dom0, "ok", "{'op':'write','path':'/p/q/r','value':'x'}");
	DO(dom0, "ok", "{'op':'read','path':'/p/q'}");
	CHECK_STR(tclient_reply_string(dom0, "value"), "");
	DO(dom0, "ok", "{'op':'directory','path':'/p'}");
}

static void test_values_are_bytes(void)
{
	const char *value;
	size_t len;

	DO(dom0, "ok",
	   "{'op':'write','path':'/bin','value':'a\\u0000z\\u00e9'}");
	DO(dom0, "ok", "{'op':'read','path':'/bin'}");
	CHECK(!mica_json_get_string(dom0->reply, "value", &value, &len));
	CHECK_INT(len, 5);
	CHECK(!memcmp(value, "a\0z\xc3\xa9", 5));
}

static void test_mkdir(void)
{
	DO(dom0, "ok", "{'op':'mkdir','path':'/m/n'}");
	DO(dom0, "ok", "{'op':'read','path':'/m/n'}");
	CHECK_STR(tclient_reply_string(dom0, "value"), "");
	DO(dom0, "ok", "{'op':'write','path':'/m/n','value':'kept'}");
	/* mkdir of an existing node changes nothing. */
	DO(dom0, "ok", "{'op':'mkdir','path':'/m/n'}");
	DO(dom0, "ok", "{'op':'read','path':'/m/n'}");
	CHECK_STR(tclient_reply_string(dom0, "value"), "kept");
}

static void test_rm_is_recursive(void)
{
	DO(dom0, "ok", "{'op':'write','path':'/r/a/1','value':'x'}");
	DO(dom0, "ok", "{'op':'write','path':'/r/a/2','value':'x'}");
	DO(dom0, "ok", "{'op':'write','path':'/r/b','value':'x'}");
	DO(dom0, "ok", "{'op':'rm','path':'/r/a'}");
	DO(dom0, "ENOENT", "{'op':'read','path':'/r/a/1'}");
	DO(dom0, "ENOENT", "{'op':'read','path':'/r/a'}");
	DO(dom0, "ok", "{'op':'read','path':'/r/b'}");
	DO(dom0, "ENOENT", "{'op':'rm','path':'/r/a'}");
	DO(dom0, "EINVAL", "{'op':'rm','path':'/'}");
	/* A recreated node starts empty. */
	DO(dom0, "ok", "{'op':'mkdir','path':'/r/a'}");
	DO(dom0, "ok", "{'op':'directory','path':'/r/a'}");
	CHECK_INT(
		mica_json_length(mica_json_object_get(dom0->reply, "children")),
		0);
}

static void test_directory_sorted(void)
{
	static const char *const names[] = { "zeta", "alpha", "mu", "beta" };
	struct mica_json *children;
	size_t i;

	for (i = 0; i < 4; i++)
		DO(dom0, "ok", "{'op':'write','path':'/d/%s','value':''}",
		   names[i]);
	DO(dom0, "ok", "{'op':'write','path':'/d/alpha/deep','value':''}");
	DO(dom0, "ok", "{'op':'directory','path':'/d'}");
	children = mica_json_object_get(dom0->reply, "children");
	CHECK(children);
	CHECK_INT(mica_json_length(children), 4);
	CHECK_STR(mica_json_string(mica_json_array_at(children, 0), NULL),
		  "alpha");
	CHECK_STR(mica_json_string(mica_json_array_at(children, 1), NULL),
		  "beta");
	CHECK_STR(mica_json_string(mica_json_array_at(children, 3), NULL),
		  "zeta");
	DO(dom0, "ENOENT", "{'op':'directory','path':'/nope'}");
}

static void test_malformed_requests_answered(void)
{
	/* Every bad message gets an error reply and the link stays up. */
	static const char frame_garbage[] = "\x05\x00\x00\x00\x00\x00\x00\x00"
					    "{bad}";
	static const char frame_empty[] = "\x00\x00\x00\x00\x00\x00\x00\x00";

	DO(dom0, "EINVAL", "{'op':'fly','path':'/'}");
	CHECK(strstr(tclient_reply_string(dom0, "message"), "unknown op"));
	DO(dom0, "EINVAL", "{'op':'read','path':'/','junk':1}");
	DO(dom0, "EINVAL", "{'op':'read','path':'rel//ative'}");
	DO(dom0, "ENAMETOOLONG", "{'op':'read','path':'/%01100d'}", 0);
	tclient_send_raw(dom0, frame_garbage, sizeof(frame_garbage) - 1);
	CHECK(dom0->reply);
	CHECK_STR(tclient_reply_string(dom0, "error"), "EINVAL");
	tclient_send_raw(dom0, frame_empty, sizeof(frame_empty) - 1);
	CHECK_STR(tclient_reply_string(dom0, "error"), "EINVAL");
	CHECK(dom0->conn);
	DO(dom0, "ok", "{'op':'directory','path':'/'}");
}

/* Replies to each kind of request, pinned as a golden transcript. */
static void test_reply_transcript(void)
{
	static const char *const session[] = {
		"{'op':'write','path':'/vm/web1/name','value':'web1'}",
		"{'op':'read','path':'/vm/web1/name'}",
		"{'op':'directory','path':'/vm/web1'}",
		"{'op':'get-perms','path':'/vm/web1'}",
		"{'op':'set-perms','path':'/vm/web1','perms':{'owner':0,"
		"'default':'read','acl':[{'domain':5,'access':'both'}]}}",
		"{'op':'get-perms','path':'/vm/web1/name'}",
		"{'op':'read','path':'/vm/web2'}",
		"{'op':'rm','path':'/'}",
		"{'op':'tx-commit','tx':77}",
		"{'op':'introduce','domain':5}",
		"{'op':'introduce','domain':5}",
		"{'op':'watch','path':'/vm','token':'t1'}",
		"{'op':'write','path':'/vm/web1/state','value':'running'}",
		"{'op':'unwatch','path':'/vm','token':'t1'}",
		"{'op':'release','domain':5}",
	};
	struct store *fresh = tstore_new(NULL, NULL);
	struct tclient *client = fresh ? tclient_open(fresh, 0) : NULL;
	char transcript[16384] = "", *text;
	struct mica_json *event;
	size_t i;

	CHECK(client);
	for (i = 0; i < sizeof(session) / sizeof(session[0]); i++) {
		tclient_do(client, "%s", session[i]);
		if (!client->reply ||
		    mica_json_format(client->reply, 0, &text, NULL, NULL))
			break;
		strcat(transcript, "> ");
		strcat(transcript, tjson(session[i]));
		strcat(transcript, "\n< ");
		strcat(transcript, text);
		strcat(transcript, "\n");
		free(text);
		while ((event = tclient_take_event(client))) {
			if (!mica_json_format(event, 0, &text, NULL, NULL)) {
				strcat(transcript, "! ");
				strcat(transcript, text);
				strcat(transcript, "\n");
				free(text);
			}
			mica_json_free(event);
		}
	}
	tclient_close(client);
	tstore_free(fresh);
	CHECK(test_matches_golden("store-session.txt", transcript));
}

int main(void)
{
	setup();
	if (!dom0) {
		printf("FAIL: setup: no store\n");
		return 1;
	}
	RUN(test_write_read);
	RUN(test_write_creates_parents);
	RUN(test_values_are_bytes);
	RUN(test_mkdir);
	RUN(test_rm_is_recursive);
	RUN(test_directory_sorted);
	RUN(test_malformed_requests_answered);
	RUN(test_reply_transcript);
	teardown();
	return test_exit_code();
}
