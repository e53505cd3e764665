// SPDX-License-Identifier: MIT
/* The daemon's small modules: paths, hashing, perms, rings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mica/error.h>
#include <mica/json.h>

#include "harness.h"
#include "hashtable.h"
#include "list.h"
#include "path.h"
#include "perms.h"
#include "ring.h"
#include "siphash.h"

static void test_path_syntax(void)
{
	static const char *const good[] = {
		"/", "/a", "/local/domain/5", "/a-b_c.d@e", "/A/Z/0/9",
	};
	static const char *const bad[] = {
		"",
		"a",
		"//",
		"/a/",
		"/a//b",
		"/a b",
		"/a/./b",
		"/..",
		"/a/..",
		"/é",
		"/a\\b",
		"/a:b",
		"@introduceDomain",
	};
	char long_path[PATH_MAX_LEN + 2];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK_MSG(!path_check(good[i]), "'%s' refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(path_check(bad[i]) == -EINVAL, "'%s' accepted",
			  bad[i]);
	CHECK_INT(path_check_watch("@introduceDomain"), 0);
	CHECK_INT(path_check_watch("@releaseDomain"), 0);
	CHECK_INT(path_check_watch("@other"), -EINVAL);
	/* Components of 255 bytes are fine, 256 are not. */
	long_path[0] = '/';
	memset(long_path + 1, 'c', 256);
	long_path[257] = '\0';
	CHECK_INT(path_check(long_path), -EINVAL);
	long_path[256] = '\0';
	CHECK_INT(path_check(long_path), 0);
	/* Whole paths stop at PATH_MAX_LEN bytes. */
	for (i = 0; i < PATH_MAX_LEN + 1; i += 2)
		memcpy(long_path + i, "/x", 2);
	long_path[PATH_MAX_LEN] = '\0';
	CHECK_INT(path_check(long_path), 0);
	long_path[PATH_MAX_LEN] = 'x';
	long_path[PATH_MAX_LEN + 1] = '\0';
	CHECK_INT(path_check(long_path), -ENAMETOOLONG);
}

static void test_path_helpers(void)
{
	CHECK_INT(path_parent_len("/a/b"), 2);
	CHECK_INT(path_parent_len("/a"), 1);
	CHECK_INT(path_parent_len("/"), 0);
	CHECK_STR(path_basename("/a/bc"), "bc");
	CHECK_STR(path_basename("/"), "");
	CHECK(path_is_within("/a/b", "/a"));
	CHECK(path_is_within("/a", "/a"));
	CHECK(path_is_within("/a", "/"));
	CHECK(!path_is_within("/ab", "/a"));
	CHECK(!path_is_within("/a", "/a/b"));
}

/* The reference vector from the SipHash paper's appendix. */
static void test_siphash_vector(void)
{
	struct siphash_key key = { 0x0706050403020100ull,
				   0x0f0e0d0c0b0a0908ull };
	uint8_t message[15];
	int i;

	for (i = 0; i < 15; i++)
		message[i] = i;
	CHECK(siphash(&key, message, 15) == 0xa129ca6149be45e5ull);
	/* Keys matter. */
	key.k0 ^= 1;
	CHECK(siphash(&key, message, 15) != 0xa129ca6149be45e5ull);
}

struct item {
	struct hash_link link;
	int key;
};

static struct item *find(struct hashtable *table, int key)
{
	struct hash_link *pos;

	hashtable_for_each_match(pos, table,
				 (uint64_t)key * 0x9e3779b97f4a7c15ull)
	{
		struct item *item = container_of(pos, struct item, link);

		if (item->key == key)
			return item;
	}
	return NULL;
}

static void test_hashtable(void)
{
	enum { N = 20000 };
	struct hashtable table;
	struct item *items;
	int i;

	items = calloc(N, sizeof(*items));
	CHECK(items);
	CHECK_INT(hashtable_init(&table), 0);
	for (i = 0; i < N; i++) {
		items[i].key = i;
		hashtable_insert(&table, &items[i].link,
				 (uint64_t)i * 0x9e3779b97f4a7c15ull);
	}
	CHECK_INT(table.count, N);
	CHECK(table.mask + 1 >= N);
	for (i = 0; i < N; i += 2)
		hashtable_remove(&table, &items[i].link);
	for (i = 0; i < N; i++)
		CHECK_MSG((find(&table, i) != NULL) == (i % 2 == 1), "key %d",
			  i);
	hashtable_release(&table);
	free(items);
}

static struct perms *perms_parse(const char *text)
{
	struct mica_json *json = NULL;
	struct perms *perms = NULL;

	if (mica_json_parse(text, strlen(text), &json, NULL))
		return NULL;
	perms_from_json(json, &perms, NULL);
	mica_json_free(json);
	return perms;
}

static void test_perms_access(void)
{
	struct perms *p =
		perms_parse("{\"owner\":5,\"default\":\"read\",\"acl\":["
			    "{\"domain\":7,\"access\":\"none\"},"
			    "{\"domain\":8,\"access\":\"write\"}]}");

	CHECK(p);
	CHECK_INT(perms_access(p, 0), ACCESS_BOTH);
	CHECK_INT(perms_access(p, 5), ACCESS_BOTH);
	CHECK_INT(perms_access(p, 6), ACCESS_READ);
	CHECK_INT(perms_access(p, 7), ACCESS_NONE);
	CHECK_INT(perms_access(p, 8), ACCESS_WRITE);
	CHECK(!perms_can_read(p, 8));
	perms_put(p);
}

static void test_perms_json(void)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"owner\":-1}",
		"{\"owner\":32752}",
		"{\"owner\":1,\"default\":\"all\"}",
		"{\"owner\":1,\"extra\":1}",
		"{\"owner\":1,\"acl\":{}}",
		"{\"owner\":1,\"acl\":[{\"domain\":2}]}",
		"{\"owner\":1,\"acl\":[{\"domain\":2,\"access\":\"read\"},"
		"{\"domain\":2,\"access\":\"both\"}]}",
	};
	const char *text = "{\"owner\":3,\"default\":\"none\",\"acl\":"
			   "[{\"domain\":4,\"access\":\"both\"}]}";
	struct mica_json *json, *back;
	struct perms *p, *q;
	char *out;
	size_t i;

	p = perms_parse(text);
	CHECK(p);
	json = perms_to_json(p);
	CHECK(json);
	CHECK_INT(mica_json_format(json, 0, &out, NULL, NULL), 0);
	CHECK_STR(out, text);
	free(out);
	CHECK_INT(perms_from_json(json, &q, NULL), 0);
	CHECK(perms_equal(p, q));
	perms_put(q);
	mica_json_free(json);
	perms_put(p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json = NULL;
		CHECK(!mica_json_parse(bad[i], strlen(bad[i]), &json, NULL));
		CHECK_MSG(perms_from_json(json, &q, NULL) == -EINVAL,
			  "'%s' accepted", bad[i]);
		mica_json_free(json);
	}
	/* Default access is "none" when left out. */
	p = perms_parse("{\"owner\":2}");
	CHECK(p);
	CHECK_INT(p->other, ACCESS_NONE);
	back = perms_to_json(p);
	CHECK(back);
	mica_json_free(back);
	perms_put(p);
}

static void test_ring_wraps(void)
{
	static struct mica_store_ring ring;
	uint8_t in[700], out[700];
	uint32_t start = UINT32_MAX - 300; /* indices wrap at 2^32 too */
	int round, i;

	ring.req_prod = ring.req_cons = start;
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 700; i++)
			in[i] = round * 7 + i;
		CHECK_INT(ring_produce(ring.req, &ring.req_prod, &ring.req_cons,
				       in, sizeof(in)),
			  700);
		CHECK_INT(ring_consume(ring.req, &ring.req_cons, &ring.req_prod,
				       out, sizeof(out)),
			  700);
		CHECK(!memcmp(in, out, sizeof(in)));
	}
	CHECK(ring.req_prod == (uint32_t)(start + 20 * 700));
}

static void test_ring_full_and_hostile(void)
{
	static struct mica_store_ring ring;
	uint8_t data[MICA_STORE_RING_SIZE + 10] = { 0 };

	memset(&ring, 0, sizeof(ring));
	CHECK_INT(ring_produce(ring.rsp, &ring.rsp_prod, &ring.rsp_cons, data,
			       sizeof(data)),
		  MICA_STORE_RING_SIZE);
	CHECK_INT(ring_produce(ring.rsp, &ring.rsp_prod, &ring.rsp_cons, data,
			       1),
		  0);
	/* A consumer index the producer never reached is a lie. */
	ring.rsp_cons = 5000;
	CHECK_INT(ring_produce(ring.rsp, &ring.rsp_prod, &ring.rsp_cons, data,
			       1),
		  -EPROTO);
	ring.req_prod = ring.req_cons + MICA_STORE_RING_SIZE + 1;
	CHECK_INT(ring_consume(ring.req, &ring.req_cons, &ring.req_prod, data,
			       sizeof(data)),
		  -EPROTO);
}

int main(void)
{
	RUN(test_path_syntax);
	RUN(test_path_helpers);
	RUN(test_siphash_vector);
	RUN(test_hashtable);
	RUN(test_perms_access);
	RUN(test_perms_json);
	RUN(test_ring_wraps);
	RUN(test_ring_full_and_hostile);
	return test_exit_code();
}
