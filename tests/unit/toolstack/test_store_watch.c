// SPDX-License-Identifier: MIT
/* Watches: firing, tokens, order, removal, lifecycle events. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "store_harness.h"

static struct store *store;
static struct tclient *a, *b;

#define DO(client, expected, ...) \
	CHECK_STR(tclient_do(client, __VA_ARGS__), expected)
#define EVENT(client, expected) CHECK_STR(tclient_event(client), expected)

static void test_fires_when_set(void)
{
	DO(a, "ok", "{'op':'watch','path':'/w','token':'first'}");
	EVENT(a, "/w first");
	EVENT(a, "");
	DO(a, "ok", "{'op':'unwatch','path':'/w','token':'first'}");
}

static void test_fires_on_changes_below(void)
{
	DO(a, "ok", "{'op':'watch','path':'/x','token':'t'}");
	EVENT(a, "/x t");
	DO(b, "ok", "{'op':'write','path':'/x/y/z','value':'1'}");
	/* Creation makes /x, /x/y and /x/y/z: one event each. */
	EVENT(a, "/x t");
	EVENT(a, "/x/y t");
	EVENT(a, "/x/y/z t");
	DO(b, "ok", "{'op':'write','path':'/x/y/z','value':'2'}");
	EVENT(a, "/x/y/z t");
	DO(b, "ok",
	   "{'op':'set-perms','path':'/x/y','perms':{'owner':0,"
	   "'default':'read'}}");
	EVENT(a, "/x/y t");
	DO(b, "ok", "{'op':'write','path':'/elsewhere','value':'1'}");
	DO(b, "ok", "{'op':'write','path':'/xx','value':'1'}");
	EVENT(a, "");
	DO(b, "ok", "{'op':'rm','path':'/x/y'}");
	EVENT(a, "/x/y t");
	EVENT(a, "");
	DO(a, "ok", "{'op':'unwatch','path':'/x','token':'t'}");
}

static void test_watch_below_removed_node(void)
{
	DO(b, "ok", "{'op':'write','path':'/r/s/t','value':'1'}");
	DO(a, "ok", "{'op':'watch','path':'/r/s/t','token':'deep'}");
	EVENT(a, "/r/s/t deep");
	/* A watch on a path that does not exist yet is fine too. */
	DO(a, "ok", "{'op':'watch','path':'/r/s/t/u','token':'none'}");
	EVENT(a, "/r/s/t/u none");
	DO(b, "ok", "{'op':'rm','path':'/r'}");
	EVENT(a, "/r/s/t deep");
	EVENT(a, "");
	/* Recreating changes /r/s/t and, below it, /r/s/t/u. */
	DO(b, "ok", "{'op':'write','path':'/r/s/t/u','value':'1'}");
	EVENT(a, "/r/s/t deep");
	EVENT(a, "/r/s/t/u none");
	EVENT(a, "/r/s/t/u deep");
	EVENT(a, "");
	DO(a, "ok", "{'op':'unwatch','path':'/r/s/t','token':'deep'}");
	DO(a, "ok", "{'op':'unwatch','path':'/r/s/t/u','token':'none'}");
}

static void test_tokens_and_order(void)
{
	int i;

	DO(b, "ok", "{'op':'write','path':'/o/k','value':''}");
	DO(a, "ok", "{'op':'watch','path':'/o','token':'one'}");
	DO(a, "ok", "{'op':'watch','path':'/o','token':'two'}");
	DO(a, "ok", "{'op':'watch','path':'/o/k','token':'three'}");
	DO(a, "EEXIST", "{'op':'watch','path':'/o','token':'one'}");
	EVENT(a, "/o one");
	EVENT(a, "/o two");
	EVENT(a, "/o/k three");
	for (i = 0; i < 20; i++)
		DO(b, "ok", "{'op':'write','path':'/o/k','value':'%d'}", i);
	for (i = 0; i < 20; i++) {
		/* Per change: the node's own watches, then its ancestors'. */
		EVENT(a, "/o/k three");
		EVENT(a, "/o/k one");
		EVENT(a, "/o/k two");
	}
	EVENT(a, "");
	DO(a, "ok", "{'op':'unwatch','path':'/o','token':'one'}");
	DO(a, "ENOENT", "{'op':'unwatch','path':'/o','token':'one'}");
	DO(b, "ok", "{'op':'write','path':'/o/k','value':'x'}");
	EVENT(a, "/o/k three");
	EVENT(a, "/o/k two");
	EVENT(a, "");
	DO(a, "ok", "{'op':'unwatch','path':'/o','token':'two'}");
	DO(a, "ok", "{'op':'unwatch','path':'/o/k','token':'three'}");
	DO(b, "ok", "{'op':'write','path':'/o/k','value':'y'}");
	EVENT(a, "");
}

static void test_root_watch_sees_everything(void)
{
	DO(a, "ok", "{'op':'watch','path':'/','token':'all'}");
	EVENT(a, "/ all");
	DO(b, "ok", "{'op':'write','path':'/any/where','value':'1'}");
	EVENT(a, "/any all");
	EVENT(a, "/any/where all");
	DO(a, "ok", "{'op':'unwatch','path':'/','token':'all'}");
}

static void test_transaction_fires_at_commit(void)
{
	int64_t tx;

	DO(a, "ok", "{'op':'watch','path':'/t','token':'tx'}");
	EVENT(a, "/t tx");
	DO(b, "ok", "{'op':'tx-start'}");
	CHECK(!mica_json_get_integer(b->reply, "tx", 1, UINT32_MAX, &tx));
	DO(b, "ok", "{'op':'write','path':'/t/1','tx':%lld,'value':'x'}",
	   (long long)tx);
	EVENT(a, "");
	DO(b, "ok", "{'op':'tx-commit','tx':%lld}", (long long)tx);
	EVENT(a, "/t tx");
	EVENT(a, "/t/1 tx");
	DO(b, "ok", "{'op':'tx-start'}");
	CHECK(!mica_json_get_integer(b->reply, "tx", 1, UINT32_MAX, &tx));
	DO(b, "ok", "{'op':'write','path':'/t/2','tx':%lld,'value':'x'}",
	   (long long)tx);
	DO(b, "ok", "{'op':'tx-abort','tx':%lld}", (long long)tx);
	EVENT(a, "");
	DO(a, "ok", "{'op':'unwatch','path':'/t','token':'tx'}");
}

static void test_lifecycle_watches(void)
{
	struct tclient *guest;

	DO(a, "ok", "{'op':'watch','path':'@introduceDomain','token':'in'}");
	DO(a, "ok", "{'op':'watch','path':'@releaseDomain','token':'out'}");
	EVENT(a, "@introduceDomain in");
	EVENT(a, "@releaseDomain out");
	DO(b, "ok", "{'op':'introduce','domain':12}");
	EVENT(a, "@introduceDomain in 12");
	guest = tclient_open(store, 12);
	CHECK(guest);
	CHECK_STR(tclient_do(guest, "{'op':'directory','path':'/'}"), "EACCES");
	DO(b, "ok", "{'op':'release','domain':12}");
	EVENT(a, "@releaseDomain out 12");
	/* The store dropped the released guest's connection. */
	tclient_pump(guest);
	CHECK(!guest->conn);
	tclient_close(guest);
	CHECK(!tclient_open(store, 12));
	DO(a, "ok", "{'op':'unwatch','path':'@introduceDomain','token':'in'}");
	DO(a, "ok", "{'op':'unwatch','path':'@releaseDomain','token':'out'}");
}

static void test_closing_drops_watches(void)
{
	struct tclient *c = tclient_open(store, 0);

	CHECK(c);
	CHECK_STR(tclient_do(c, "{'op':'watch','path':'/gone','token':'g'}"),
		  "ok");
	tclient_close(c);
	/* Nothing to deliver to, and nothing breaks. */
	DO(b, "ok", "{'op':'write','path':'/gone','value':'1'}");
}

int main(void)
{
	store = tstore_new(NULL, NULL);
	a = store ? tclient_open(store, 0) : NULL;
	b = store ? tclient_open(store, 0) : NULL;
	if (!a || !b) {
		printf("FAIL: setup: no store\n");
		return 1;
	}
	RUN(test_fires_when_set);
	RUN(test_fires_on_changes_below);
	RUN(test_watch_below_removed_node);
	RUN(test_tokens_and_order);
	RUN(test_root_watch_sees_everything);
	RUN(test_transaction_fires_at_commit);
	RUN(test_lifecycle_watches);
	RUN(test_closing_drops_watches);
	tclient_close(a);
	tclient_close(b);
	tstore_free(store);
	return test_exit_code();
}
