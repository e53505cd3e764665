// SPDX-License-Identifier: MIT
/* Permissions: guests over in-process rings against each other. */
#include <stdio.h>
#include <string.h>

#include <mica/json.h>

#include "harness.h"
#include "store_harness.h"

static struct store *store;
static struct tclient *dom0, *guest5, *guest7;

#define DO(client, expected, ...) \
	CHECK_STR(tclient_do(client, __VA_ARGS__), expected)

/* dom0 sets up /local/domain/{5,7}, each owned by its domain. */
static void setup(void)
{
	unsigned int domid;

	store = tstore_new(NULL, NULL);
	dom0 = tclient_open(store, 0);
	for (domid = 5; domid <= 7; domid += 2) {
		tclient_do(dom0, "{'op':'introduce','domain':%u}", domid);
		tclient_do(dom0,
			   "{'op':'write','path':'/local/domain/%u/name',"
			   "'value':'vm%u'}",
			   domid, domid);
		tclient_do(dom0,
			   "{'op':'set-perms','path':'/local/domain/%u',"
			   "'perms':{'owner':%u}}",
			   domid, domid);
		tclient_do(dom0,
			   "{'op':'set-perms','path':'/local/domain/%u/name',"
			   "'perms':{'owner':%u}}",
			   domid, domid);
	}
	guest5 = tclient_open(store, 5);
	guest7 = tclient_open(store, 7);
}

static void test_unintroduced_cannot_connect(void)
{
	CHECK(!tclient_open(store, 9));
}

static void test_guest_owns_its_subtree(void)
{
	DO(guest5, "ok", "{'op':'read','path':'/local/domain/5/name'}");
	CHECK_STR(tclient_reply_string(guest5, "value"), "vm5");
	DO(guest5, "ok",
	   "{'op':'write','path':'/local/domain/5/data/x','value':'1'}");
	DO(guest5, "ok", "{'op':'get-perms','path':'/local/domain/5/data/x'}");
	CHECK_INT(
		mica_json_integer(mica_json_object_get(
			mica_json_object_get(guest5->reply, "perms"), "owner")),
		5);
	DO(guest5, "ok", "{'op':'directory','path':'/local/domain/5'}");
	DO(guest5, "ok", "{'op':'rm','path':'/local/domain/5/data'}");
}

static void test_guest_cannot_touch_another(void)
{
	DO(guest7, "EACCES", "{'op':'read','path':'/local/domain/5/name'}");
	DO(guest7, "EACCES",
	   "{'op':'write','path':'/local/domain/5/name','value':'evil'}");
	DO(guest7, "EACCES",
	   "{'op':'write','path':'/local/domain/5/new','value':'evil'}");
	DO(guest7, "EACCES", "{'op':'rm','path':'/local/domain/5'}");
	DO(guest7, "EACCES", "{'op':'directory','path':'/local/domain/5'}");
	DO(guest7, "EACCES", "{'op':'get-perms','path':'/local/domain/5'}");
	DO(guest7, "EACCES",
	   "{'op':'set-perms','path':'/local/domain/5','perms':{'owner':7}}");
	DO(guest7, "EACCES", "{'op':'mkdir','path':'/local/domain/5/m'}");
	DO(guest7, "EACCES", "{'op':'write','path':'/top','value':'x'}");
	DO(dom0, "ok", "{'op':'read','path':'/local/domain/5/name'}");
	CHECK_STR(tclient_reply_string(dom0, "value"), "vm5");
}

/* Relative paths are under the caller's own /local/domain/N. */
static void test_relative_paths(void)
{
	DO(guest5, "ok", "{'op':'read','path':'name'}");
	CHECK_STR(tclient_reply_string(guest5, "value"), "vm5");
	DO(guest5, "ok", "{'op':'write','path':'data/rel','value':'r'}");
	DO(dom0, "ok", "{'op':'read','path':'/local/domain/5/data/rel'}");
	CHECK_STR(tclient_reply_string(dom0, "value"), "r");
	DO(guest7, "ENOENT", "{'op':'read','path':'data/rel'}");
	DO(guest5, "ok", "{'op':'watch','path':'data','token':'rel'}");
	CHECK_STR(tclient_event(guest5), "/local/domain/5/data rel");
	DO(guest5, "ok", "{'op':'unwatch','path':'data','token':'rel'}");
	/* dom0's relative paths are under /local/domain/0. */
	DO(dom0, "ok", "{'op':'write','path':'d0','value':'z'}");
	DO(dom0, "ok", "{'op':'read','path':'/local/domain/0/d0'}");
	DO(guest5, "EINVAL", "{'op':'read','path':'a//b'}");
	DO(guest5, "EINVAL", "{'op':'read','path':'..'}");
	DO(guest5, "EINVAL", "{'op':'read','path':'x/'}");
	DO(guest5, "EINVAL", "{'op':'read','path':''}");
	DO(guest5, "ok", "{'op':'rm','path':'data'}");
	DO(dom0, "ok", "{'op':'rm','path':'/local/domain/0'}");
}

/* A missing node under an unreadable one must not reveal anything. */
static void test_missing_nodes_do_not_leak(void)
{
	DO(guest7, "EACCES", "{'op':'read','path':'/local/domain/5/nope'}");
	DO(guest7, "EACCES", "{'op':'read','path':'/local/domain/5/name'}");
	DO(guest7, "ENOENT", "{'op':'read','path':'/local/domain/7/nope'}");
}

static void test_acl_and_default(void)
{
	DO(guest5, "ok",
	   "{'op':'write','path':'/local/domain/5/shared','value':'s'}");
	DO(guest5, "ok",
	   "{'op':'set-perms','path':'/local/domain/5/shared','perms':"
	   "{'owner':5,'default':'none','acl':[{'domain':7,'access':'read'}]}"
	   "}");
	DO(guest7, "ok", "{'op':'read','path':'/local/domain/5/shared'}");
	DO(guest7, "EACCES",
	   "{'op':'write','path':'/local/domain/5/shared','value':'w'}");
	DO(guest5, "ok",
	   "{'op':'set-perms','path':'/local/domain/5/shared','perms':"
	   "{'owner':5,'default':'write'}}");
	DO(guest7, "EACCES", "{'op':'read','path':'/local/domain/5/shared'}");
	DO(guest7, "ok",
	   "{'op':'write','path':'/local/domain/5/shared','value':'w'}");
	/* A node guest 7 creates there is its own, inheriting the rest. */
	DO(guest7, "ok",
	   "{'op':'write','path':'/local/domain/5/shared/c','value':'c'}");
	DO(guest7, "ok",
	   "{'op':'get-perms','path':'/local/domain/5/shared/c'}");
	CHECK_INT(
		mica_json_integer(mica_json_object_get(
			mica_json_object_get(guest7->reply, "perms"), "owner")),
		7);
}

static void test_set_perms_rules(void)
{
	DO(guest5, "ok",
	   "{'op':'write','path':'/local/domain/5/p','value':''}");
	DO(guest5, "EPERM",
	   "{'op':'set-perms','path':'/local/domain/5/p','perms':{'owner':7}}");
	DO(guest7, "EACCES",
	   "{'op':'set-perms','path':'/local/domain/5/p','perms':{'owner':7}}");
	DO(dom0, "ok",
	   "{'op':'set-perms','path':'/local/domain/5/p','perms':{'owner':7}}");
	DO(guest7, "ok", "{'op':'read','path':'/local/domain/5/p'}");
	DO(guest5, "EACCES", "{'op':'read','path':'/local/domain/5/p'}");
}

static void test_privileged_ops(void)
{
	DO(guest5, "EPERM", "{'op':'introduce','domain':9}");
	DO(guest5, "EPERM", "{'op':'release','domain':7}");
	DO(guest5, "EACCES",
	   "{'op':'watch','path':'@introduceDomain','token':'x'}");
	DO(dom0, "EINVAL", "{'op':'release','domain':0}");
	DO(dom0, "ENOENT", "{'op':'release','domain':9}");
}

static void test_watch_events_respect_perms(void)
{
	DO(guest7, "ok", "{'op':'watch','path':'/local','token':'spy'}");
	CHECK_STR(tclient_event(guest7), "/local spy");
	DO(guest5, "ok",
	   "{'op':'write','path':'/local/domain/5/secret','value':'s'}");
	DO(guest7, "ok",
	   "{'op':'write','path':'/local/domain/7/mine','value':'m'}");
	/* Guest 7 hears about its own node only. */
	CHECK_STR(tclient_event(guest7), "/local/domain/7/mine spy");
	CHECK_STR(tclient_event(guest7), "");
	DO(guest7, "ok", "{'op':'unwatch','path':'/local','token':'spy'}");
}

int main(void)
{
	setup();
	if (!guest5 || !guest7) {
		printf("FAIL: setup: no guests\n");
		return 1;
	}
	RUN(test_unintroduced_cannot_connect);
	RUN(test_guest_owns_its_subtree);
	RUN(test_guest_cannot_touch_another);
	RUN(test_missing_nodes_do_not_leak);
	RUN(test_relative_paths);
	RUN(test_acl_and_default);
	RUN(test_set_perms_rules);
	RUN(test_privileged_ops);
	RUN(test_watch_events_respect_perms);
	tclient_close(guest7);
	tclient_close(guest5);
	tclient_close(dom0);
	tstore_free(store);
	return test_exit_code();
}
