// SPDX-License-Identifier: MIT
/* Per-domain quotas. */
#include <stdio.h>
#include <string.h>

#include <mica/json.h>

#include "buffer.h"
#include "frame.h"
#include "harness.h"
#include "store_harness.h"

static struct store *store;
static struct tclient *dom0, *guest;

#define DO(client, expected, ...) \
	CHECK_STR(tclient_do(client, __VA_ARGS__), expected)

static const struct quota small = {
	.nodes = 6,
	.watches = 2,
	.transactions = 2,
	.transaction_nodes = 8,
	.value_size = 16,
	.message_size = 2048,
};

static void test_node_quota(void)
{
	int i;

	/* The guest owns /g already (1 node); 5 more fit. */
	for (i = 0; i < 5; i++)
		DO(guest, "ok", "{'op':'write','path':'/g/n%d','value':''}", i);
	DO(guest, "EDQUOT", "{'op':'write','path':'/g/n9','value':''}");
	CHECK(strstr(tclient_reply_string(guest, "message"), "6 nodes"));
	DO(guest, "EDQUOT", "{'op':'mkdir','path':'/g/a/b'}");
	/* Overwriting needs no new node; removing frees some. */
	DO(guest, "ok", "{'op':'write','path':'/g/n0','value':'again'}");
	DO(guest, "ok", "{'op':'rm','path':'/g/n4'}");
	DO(guest, "ok", "{'op':'write','path':'/g/n9','value':''}");
	/* Domain 0 is not limited, even writing into the guest's tree. */
	for (i = 0; i < 10; i++)
		DO(dom0, "ok", "{'op':'write','path':'/d0/%d','value':''}", i);
}

static void test_transaction_node_quota_checked_at_commit(void)
{
	int64_t t1, t2;

	DO(guest, "ok", "{'op':'rm','path':'/g/n9'}");
	DO(guest, "ok", "{'op':'tx-start'}");
	CHECK(!mica_json_get_integer(guest->reply, "tx", 1, UINT32_MAX, &t1));
	DO(guest, "ok", "{'op':'tx-start'}");
	CHECK(!mica_json_get_integer(guest->reply, "tx", 1, UINT32_MAX, &t2));
	/* Each alone fits; together they would not. */
	DO(guest, "ok", "{'op':'write','tx':%lld,'path':'/g/t1','value':''}",
	   (long long)t1);
	DO(guest, "ok", "{'op':'write','tx':%lld,'path':'/g/t2','value':''}",
	   (long long)t2);
	DO(guest, "ok", "{'op':'tx-commit','tx':%lld}", (long long)t1);
	DO(guest, "EDQUOT", "{'op':'tx-commit','tx':%lld}", (long long)t2);
}

static void test_value_size(void)
{
	DO(guest, "ok", "{'op':'write','path':'/g/n0','value':'%016d'}", 0);
	DO(guest, "E2BIG", "{'op':'write','path':'/g/n0','value':'%017d'}", 0);
	DO(dom0, "ok", "{'op':'write','path':'/g/n0','value':'%0100d'}", 0);
}

static void test_watch_quota(void)
{
	DO(guest, "ok", "{'op':'watch','path':'/g','token':'1'}");
	DO(guest, "ok", "{'op':'watch','path':'/g','token':'2'}");
	DO(guest, "EDQUOT", "{'op':'watch','path':'/g','token':'3'}");
	DO(guest, "ok", "{'op':'unwatch','path':'/g','token':'1'}");
	DO(guest, "ok", "{'op':'watch','path':'/g','token':'3'}");
	DO(guest, "ok", "{'op':'unwatch','path':'/g','token':'2'}");
	DO(guest, "ok", "{'op':'unwatch','path':'/g','token':'3'}");
}

static void test_transaction_quotas(void)
{
	int64_t t1, t2;
	int i;

	DO(guest, "ok", "{'op':'tx-start'}");
	CHECK(!mica_json_get_integer(guest->reply, "tx", 1, UINT32_MAX, &t1));
	DO(guest, "ok", "{'op':'tx-start'}");
	CHECK(!mica_json_get_integer(guest->reply, "tx", 1, UINT32_MAX, &t2));
	DO(guest, "EDQUOT", "{'op':'tx-start'}");
	/* One transaction may touch only 8 nodes: /g and 7 children. */
	for (i = 0; i < 7; i++)
		DO(guest, "ENOENT", "{'op':'read','tx':%lld,'path':'/g/x%d'}",
		   (long long)t1, i);
	DO(guest, "EDQUOT", "{'op':'read','tx':%lld,'path':'/g/x9'}",
	   (long long)t1);
	DO(guest, "ok", "{'op':'tx-abort','tx':%lld}", (long long)t1);
	DO(guest, "ok", "{'op':'tx-abort','tx':%lld}", (long long)t2);
	DO(guest, "ok", "{'op':'tx-start'}");
}

static void test_message_size(void)
{
	struct buffer out = { 0 };
	char text[4000];
	struct mica_json *message;

	/* Too long for the guest: E2BIG with id 0, connection kept. */
	snprintf(text, sizeof(text),
		 "{\"id\":9,\"op\":\"write\",\"path\":\"/g/n0\","
		 "\"value\":\"%03000d\"}",
		 0);
	CHECK(!mica_json_parse(text, strlen(text), &message, NULL));
	CHECK(!frame_encode(message, UINT32_MAX, &out, NULL));
	mica_json_free(message);
	tclient_send_raw(guest, buffer_head(&out), out.len);
	buffer_release(&out);
	CHECK_STR(tclient_reply_string(guest, "error"), "E2BIG");
	CHECK_INT(mica_json_integer(mica_json_object_get(guest->reply, "id")),
		  0);
	CHECK(guest->conn);
	DO(guest, "ok", "{'op':'read','path':'/g/n0'}");
}

static void test_reply_too_large(void)
{
	int i;

	/* Domain 0 fills a directory beyond what the guest may receive. */
	DO(dom0, "ok",
	   "{'op':'set-perms','path':'/big','perms':{'owner':0,"
	   "'default':'read'}}");
	for (i = 0; i < 150; i++)
		DO(dom0, "ok",
		   "{'op':'write','path':'/big/a-rather-long-child-name-%d',"
		   "'value':''}",
		   i);
	DO(guest, "E2BIG", "{'op':'directory','path':'/big'}");
	DO(dom0, "ok", "{'op':'directory','path':'/big'}");
}

int main(void)
{
	store = tstore_new(&small, NULL);
	dom0 = store ? tclient_open(store, 0) : NULL;
	if (!dom0) {
		printf("FAIL: setup: no store\n");
		return 1;
	}
	tclient_do(dom0, "{'op':'introduce','domain':3}");
	tclient_do(dom0, "{'op':'mkdir','path':'/big'}");
	tclient_do(dom0, "{'op':'mkdir','path':'/g'}");
	tclient_do(dom0, "{'op':'set-perms','path':'/g','perms':{'owner':3}}");
	guest = tclient_open(store, 3);
	if (!guest) {
		printf("FAIL: setup: no guest\n");
		return 1;
	}
	RUN(test_node_quota);
	RUN(test_transaction_node_quota_checked_at_commit);
	RUN(test_value_size);
	RUN(test_watch_quota);
	RUN(test_transaction_quotas);
	RUN(test_message_size);
	RUN(test_reply_too_large);
	tclient_close(guest);
	tclient_close(dom0);
	tstore_free(store);
	return test_exit_code();
}
