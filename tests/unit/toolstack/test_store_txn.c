// SPDX-License-Identifier: MIT
/* Transactions: isolation, conflicts, and no lost updates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/json.h>

#include "harness.h"
#include "store_harness.h"

static struct store *store;
static struct tclient *a, *b;

#define DO(client, expected, ...) \
	CHECK_STR(tclient_do(client, __VA_ARGS__), expected)

/* Starts a transaction on @client; 0 on failure. */
static long long tx_start(struct tclient *client)
{
	int64_t tx = 0;

	if (strcmp(tclient_do(client, "{'op':'tx-start'}"), "ok") ||
	    mica_json_get_integer(client->reply, "tx", 1, UINT32_MAX, &tx))
		return 0;
	return tx;
}

static void test_read_your_writes_and_isolation(void)
{
	long long tx = tx_start(a);

	CHECK(tx);
	DO(a, "ok", "{'op':'write','tx':%lld,'path':'/iso/k','value':'new'}",
	   tx);
	DO(a, "ok", "{'op':'read','tx':%lld,'path':'/iso/k'}", tx);
	CHECK_STR(tclient_reply_string(a, "value"), "new");
	DO(a, "ok", "{'op':'directory','tx':%lld,'path':'/iso'}", tx);
	CHECK_INT(mica_json_length(mica_json_object_get(a->reply, "children")),
		  1);
	/* Nobody else sees it yet. */
	DO(b, "ENOENT", "{'op':'read','path':'/iso/k'}");
	DO(a, "ENOENT", "{'op':'read','path':'/iso/k'}");
	DO(a, "ok", "{'op':'tx-commit','tx':%lld}", tx);
	DO(b, "ok", "{'op':'read','path':'/iso/k'}");
	CHECK_STR(tclient_reply_string(b, "value"), "new");
	DO(a, "ESRCH", "{'op':'tx-commit','tx':%lld}", tx);
}

static void test_abort_discards(void)
{
	long long tx = tx_start(a);

	CHECK(tx);
	DO(a, "ok", "{'op':'rm','tx':%lld,'path':'/iso'}", tx);
	DO(a, "ENOENT", "{'op':'read','tx':%lld,'path':'/iso/k'}", tx);
	DO(a, "ok", "{'op':'tx-abort','tx':%lld}", tx);
	DO(a, "ok", "{'op':'read','path':'/iso/k'}");
}

static void test_write_conflict(void)
{
	long long tx;

	DO(b, "ok", "{'op':'write','path':'/c/v','value':'0'}");
	tx = tx_start(a);
	CHECK(tx);
	DO(a, "ok", "{'op':'read','tx':%lld,'path':'/c/v'}", tx);
	DO(b, "ok", "{'op':'write','path':'/c/v','value':'1'}");
	/* The transaction is doomed: it learns so at its next look. */
	DO(a, "EAGAIN", "{'op':'write','tx':%lld,'path':'/c/v','value':'2'}",
	   tx);
	DO(a, "EAGAIN", "{'op':'read','tx':%lld,'path':'/elsewhere'}", tx);
	DO(a, "EAGAIN", "{'op':'tx-commit','tx':%lld}", tx);
	DO(b, "ok", "{'op':'read','path':'/c/v'}");
	CHECK_STR(tclient_reply_string(b, "value"), "1");
}

static void test_read_of_missing_node_conflicts(void)
{
	long long tx = tx_start(a);

	CHECK(tx);
	DO(a, "ENOENT", "{'op':'read','tx':%lld,'path':'/c/absent'}", tx);
	DO(b, "ok", "{'op':'write','path':'/c/absent','value':'here'}");
	DO(a, "ok", "{'op':'write','tx':%lld,'path':'/c/other','value':'x'}",
	   tx);
	DO(a, "EAGAIN", "{'op':'tx-commit','tx':%lld}", tx);
	DO(b, "ENOENT", "{'op':'read','path':'/c/other'}");
}

static void test_directory_conflicts_with_new_child(void)
{
	long long tx = tx_start(a);

	CHECK(tx);
	DO(a, "ok", "{'op':'directory','tx':%lld,'path':'/c'}", tx);
	DO(b, "ok", "{'op':'write','path':'/c/newchild','value':''}");
	DO(a, "ok", "{'op':'write','tx':%lld,'path':'/d','value':''}", tx);
	DO(a, "EAGAIN", "{'op':'tx-commit','tx':%lld}", tx);
}

static void test_disjoint_transactions_both_commit(void)
{
	long long ta = tx_start(a), tb = tx_start(b);

	CHECK(ta && tb);
	DO(a, "ok", "{'op':'write','tx':%lld,'path':'/j/a','value':'1'}", ta);
	DO(b, "ok", "{'op':'write','tx':%lld,'path':'/k/b','value':'1'}", tb);
	DO(a, "ok", "{'op':'tx-commit','tx':%lld}", ta);
	DO(b, "ok", "{'op':'tx-commit','tx':%lld}", tb);
	/* Siblings created under one parent do not conflict either. */
	DO(a, "ok", "{'op':'mkdir','path':'/s'}");
	ta = tx_start(a);
	tb = tx_start(b);
	DO(a, "ok", "{'op':'write','tx':%lld,'path':'/s/a','value':'1'}", ta);
	DO(b, "ok", "{'op':'write','tx':%lld,'path':'/s/b','value':'1'}", tb);
	DO(a, "ok", "{'op':'tx-commit','tx':%lld}", ta);
	DO(b, "ok", "{'op':'tx-commit','tx':%lld}", tb);
	DO(a, "ok", "{'op':'directory','path':'/s'}");
	CHECK_INT(mica_json_length(mica_json_object_get(a->reply, "children")),
		  2);
}

static void test_remove_and_recreate(void)
{
	long long tx;

	DO(b, "ok", "{'op':'write','path':'/rr/old/1','value':'x'}");
	tx = tx_start(a);
	CHECK(tx);
	DO(a, "ok", "{'op':'rm','tx':%lld,'path':'/rr'}", tx);
	DO(a, "ok", "{'op':'write','tx':%lld,'path':'/rr/new','value':'y'}",
	   tx);
	DO(a, "ok", "{'op':'directory','tx':%lld,'path':'/rr'}", tx);
	CHECK_INT(mica_json_length(mica_json_object_get(a->reply, "children")),
		  1);
	DO(a, "ok", "{'op':'tx-commit','tx':%lld}", tx);
	DO(b, "ENOENT", "{'op':'read','path':'/rr/old'}");
	DO(b, "ok", "{'op':'read','path':'/rr/new'}");
}

static void test_transactions_belong_to_a_connection(void)
{
	long long tx = tx_start(a);

	CHECK(tx);
	DO(b, "ESRCH", "{'op':'read','tx':%lld,'path':'/'}", tx);
	DO(b, "ESRCH", "{'op':'tx-commit','tx':%lld}", tx);
	DO(a, "ok", "{'op':'tx-abort','tx':%lld}", tx);
}

/*
 * Several clients increment one counter in interleaved transactions,
 * retrying on EAGAIN; every increment must survive.
 */
static void test_concurrent_increments_lose_nothing(void)
{
	enum { CLIENTS = 6, EACH = 40 };
	struct tclient *c[CLIENTS];
	long long tx[CLIENTS] = { 0 };
	int done[CLIENTS] = { 0 }, value[CLIENTS], stage[CLIENTS] = { 0 };
	int i, step, conflicts = 0, finished = 0;
	unsigned int seed = 12345;

	DO(a, "ok", "{'op':'write','path':'/counter','value':'0'}");
	for (i = 0; i < CLIENTS; i++) {
		c[i] = tclient_open(store, 0);
		CHECK(c[i]);
	}
	/*
	 * Each step moves one random client one stage on: start, read,
	 * write and commit.  A request that says EAGAIN means the
	 * transaction is doomed; the commit then fails and it starts over.
	 */
	for (step = 0; finished < CLIENTS && step < 100000; step++) {
		i = rand_r(&seed) % CLIENTS;
		if (done[i] == EACH)
			continue;
		if (stage[i] == 0) {
			tx[i] = tx_start(c[i]);
			CHECK(tx[i]);
			stage[i] = 1;
			continue;
		}
		if (stage[i] == 1) {
			tclient_do(c[i],
				   "{'op':'read','tx':%lld,'path':'/counter'}",
				   tx[i]);
			value[i] = -1;
			if (!strcmp(c[i]->error, "ok"))
				value[i] = atoi(
					tclient_reply_string(c[i], "value"));
			stage[i] = 2;
			continue;
		}
		if (value[i] >= 0)
			tclient_do(c[i],
				   "{'op':'write','tx':%lld,'path':'/counter',"
				   "'value':'%d'}",
				   tx[i], value[i] + 1);
		tclient_do(c[i], "{'op':'tx-commit','tx':%lld}", tx[i]);
		if (!strcmp(c[i]->error, "ok")) {
			CHECK(value[i] >= 0);
			if (++done[i] == EACH)
				finished++;
		} else {
			CHECK_STR(c[i]->error, "EAGAIN");
			conflicts++;
		}
		stage[i] = 0;
	}
	DO(a, "ok", "{'op':'read','path':'/counter'}");
	CHECK_INT(atoi(tclient_reply_string(a, "value")), CLIENTS * EACH);
	CHECK_MSG(conflicts > 0, "the interleaving never conflicted");
	for (i = 0; i < CLIENTS; i++)
		tclient_close(c[i]);
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
	RUN(test_read_your_writes_and_isolation);
	RUN(test_abort_discards);
	RUN(test_write_conflict);
	RUN(test_read_of_missing_node_conflicts);
	RUN(test_directory_conflicts_with_new_child);
	RUN(test_disjoint_transactions_both_commit);
	RUN(test_remove_and_recreate);
	RUN(test_transactions_belong_to_a_connection);
	RUN(test_concurrent_increments_lose_nothing);
	tclient_close(a);
	tclient_close(b);
	tstore_free(store);
	return test_exit_code();
}
