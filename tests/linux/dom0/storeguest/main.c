/* SPDX-License-Identifier: MIT */
/*
 * The store guest of the dom0 system test (tests/linux/dom0/system.sh):
 * a PV test guest that `mica create` starts in dom0 and that talks to
 * mica-stored over its store ring (public/io/store.h) and event channel,
 * exactly as a guest's front end would: it reads its own domain id
 * (relative path "domid"), writes and reads back keys of its own
 * /local/domain/N, lists them, runs a transaction, is refused (EACCES)
 * another domain's keys (/local/domain/999, which dom0 writes first) and
 * dom0's, sets a watch and waits until dom0
 * writes the watched key.  Each check is a "storeguest: PASS: name" or
 * "FAIL" line on its console ring, which system.sh finds in
 * mica-consoled's log.  Then it echoes every line typed at `mica console`
 * back ("storeguest: echo: LINE") until it is destroyed; the line "read
 * greeting" also reads data/greeting from the store again (after dom0
 * restarted mica-stored: the ring is reconnected).
 *
 * Both ports stay masked: the guest waits with SCHEDOP_poll on their
 * PENDING bits (clearing them before it looks at the rings, so that no
 * notification is lost), and notifies the daemons after producing or
 * consuming.  Built with the runtime of tests/guests, outside its list.
 */
#include <stdarg.h>

#include "events.h"
#include "layout.h"
#include "test.h"
#include "public/arch-x86/layout.h"
#include "public/io/console.h"
#include "public/io/store.h"
#include "public/sched.h"

const char test_title[] = "dom0 system test's store guest";

#define M2P ((const uint64_t *)MICA_M2P_VIRT_START)
#define WAIT_NS (120ull * 1000000000ull)

static struct mica_console_ring *con;
static struct mica_store_ring *store;
static uint32_t con_port, store_port;
static unsigned int failures;

static void *ring_page(uint64_t mfn)
{
	return (void *)(GUEST_VIRT_BASE + (M2P[mfn] << 12));
}

static void clear_pending(uint32_t port)
{
	__atomic_and_fetch(event_word(port), ~MICA_EVTCHN_FIFO_PENDING,
			   __ATOMIC_SEQ_CST);
}

/* Sleeps until one of our ports is pending or @deadline passes. */
static void wait_ports(uint64_t deadline)
{
	uint32_t ports[2] = { store_port, con_port };
	struct mica_sched_poll poll = { (uint64_t)ports, 2, 0, deadline };

	events_mask();
	hypercall_sched_op(MICA_SCHEDOP_poll, &poll);
}

static void con_write(const char *s)
{
	uint64_t deadline = system_time() + WAIT_NS;
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		while (con->out_prod - __atomic_load_n(&con->out_cons,
						       __ATOMIC_ACQUIRE) >=
		       MICA_CONSOLE_OUT_SIZE) {
			clear_pending(con_port);
			if (con->out_prod - __atomic_load_n(&con->out_cons,
							    __ATOMIC_ACQUIRE) <
			    MICA_CONSOLE_OUT_SIZE)
				break;
			if (system_time() > deadline)
				test_error("console ring stays full");
			wait_ports(deadline);
		}
		con->out[MICA_CONSOLE_OUT_MASK(con->out_prod)] = s[i];
		__atomic_store_n(&con->out_prod, con->out_prod + 1,
				 __ATOMIC_RELEASE);
	}
	evtchn_send(con_port);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	memcpy(line, "storeguest: ", 12);
	va_start(ap, fmt);
	n = vsnprintf(line + 12, sizeof(line) - 15, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 15)
		n = sizeof(line) - 15;
	memcpy(line + 12 + n, "\r\n", 3);
	con_write(line);
	printk("%s", line);
}

static void check(bool ok, const char *name, const char *why)
{
	if (ok) {
		say("PASS: %s", name);
	} else {
		failures++;
		say("FAIL: %s: %s", name, why);
	}
}

/* ---- the store ring (bytes, then frames) ---- */

static void store_put(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t deadline = system_time() + WAIT_NS;

	while (len) {
		uint32_t cons =
			__atomic_load_n(&store->req_cons, __ATOMIC_ACQUIRE);
		uint32_t prod = store->req_prod;
		uint32_t room = MICA_STORE_RING_SIZE - (prod - cons);

		if (!room) {
			clear_pending(store_port);
			if (__atomic_load_n(&store->req_cons,
					    __ATOMIC_ACQUIRE) != cons)
				continue;
			if (system_time() > deadline)
				test_error("store request ring stays full");
			wait_ports(deadline);
			continue;
		}
		for (; room && len; room--, len--, prod++)
			store->req[MICA_STORE_RING_MASK(prod)] = *p++;
		__atomic_store_n(&store->req_prod, prod, __ATOMIC_RELEASE);
		evtchn_send(store_port);
	}
}

/* Takes @len bytes of the reply ring, waiting for them; false on timeout. */
static bool store_get(void *data, size_t len, uint64_t deadline)
{
	uint8_t *p = data;

	while (len) {
		uint32_t prod =
			__atomic_load_n(&store->rsp_prod, __ATOMIC_ACQUIRE);
		uint32_t cons = store->rsp_cons;

		if (prod - cons > MICA_STORE_RING_SIZE)
			test_error("store reply ring indices broken");
		if (prod == cons) {
			clear_pending(store_port);
			if (__atomic_load_n(&store->rsp_prod,
					    __ATOMIC_ACQUIRE) != cons)
				continue;
			if (system_time() > deadline)
				return false;
			wait_ports(deadline);
			continue;
		}
		for (; cons != prod && len; len--, cons++)
			*p++ = store->rsp[MICA_STORE_RING_MASK(cons)];
		__atomic_store_n(&store->rsp_cons, cons, __ATOMIC_RELEASE);
		evtchn_send(store_port); /* room for the daemon */
	}
	return true;
}

static char msg[MICA_STORE_MAX_PAYLOAD + 1];
static uint32_t next_id = 1;
/* Watch events met while waiting for a reply. */
static char events_seen[8][256];
static unsigned int nr_events;

/* Reads the next message into msg; false on timeout. */
static bool store_next(uint64_t deadline)
{
	struct mica_store_msg_header h;

	if (!store_get(&h, sizeof(h), deadline))
		return false;
	if (h.reserved || !h.length || h.length > MICA_STORE_MAX_PAYLOAD)
		test_error("bad store frame (length %u)", h.length);
	if (!store_get(msg, h.length, deadline))
		test_error("store frame cut short");
	msg[h.length] = '\0';
	return true;
}

static void keep_event(void)
{
	if (nr_events < 8) {
		size_t n = strnlen(msg, sizeof(events_seen[0]) - 1);

		memcpy(events_seen[nr_events], msg, n);
		events_seen[nr_events][n] = '\0';
		nr_events++;
	}
}

/* Sends one request (JSON members after "id") and waits for its reply. */
static const char *request(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const char *request(const char *fmt, ...)
{
	char body[700], id_key[32];
	struct mica_store_msg_header h = { 0 };
	uint64_t deadline = system_time() + WAIT_NS;
	uint32_t id = next_id++;
	va_list ap;
	int n;

	n = snprintf(body, sizeof(body), "{\"id\":%u,", id);
	va_start(ap, fmt);
	n += vsnprintf(body + n, sizeof(body) - n - 1, fmt, ap);
	va_end(ap);
	memcpy(body + n, "}", 2);
	n++;
	h.length = n;
	store_put(&h, sizeof(h));
	store_put(body, n);
	snprintf(id_key, sizeof(id_key), "{\"id\":%u,", id);
	for (;;) {
		if (!store_next(deadline))
			test_error("no store reply to %s", body);
		if (!strncmp(msg, id_key, strlen(id_key)))
			return msg;
		if (strstr(msg, "\"event\""))
			keep_event();
	}
}

static bool ok(const char *reply)
{
	return strstr(reply, "\"ok\":true") != NULL;
}

static bool error_is(const char *reply, const char *name)
{
	char key[48];

	snprintf(key, sizeof(key), "\"error\":\"%s\"", name);
	return strstr(reply, key) != NULL;
}

/* The "value" of a reply, copied into @out. */
static const char *value_of(const char *reply, char *out, size_t size)
{
	const char *v = strstr(reply, "\"value\":\"");
	size_t i = 0;

	out[0] = '\0';
	if (!v)
		return out;
	for (v += 9; *v && *v != '"' && i + 1 < size; v++)
		out[i++] = *v;
	out[i] = '\0';
	return out;
}

/* Waits for a watch event on @path with @token; false after the wait. */
static bool wait_event(const char *path, const char *token, uint64_t ns)
{
	char want[300];
	uint64_t deadline = system_time() + ns;

	snprintf(want, sizeof(want), "\"path\":\"%s\",\"token\":\"%s\"", path,
		 token);
	for (unsigned int i = 0; i < nr_events; i++) {
		if (strstr(events_seen[i], want)) {
			events_seen[i][0] = '\0';
			return true;
		}
	}
	while (store_next(deadline)) {
		if (strstr(msg, "\"event\"") && strstr(msg, want))
			return true;
	}
	return false;
}

static void store_checks(void)
{
	char domid[16], v[128], path[128];
	const char *r;

	r = request("\"op\":\"read\",\"path\":\"domid\"");
	value_of(r, domid, sizeof(domid));
	check(ok(r) && domid[0], "store-read-own-domid", r);
	say("domid %s", domid);

	r = request("\"op\":\"write\",\"path\":\"data/greeting\","
		    "\"value\":\"hello from %s\"",
		    domid);
	check(ok(r), "store-write-own", r);
	snprintf(path, sizeof(path), "/local/domain/%s/data/greeting", domid);
	r = request("\"op\":\"read\",\"path\":\"%s\"", path);
	snprintf(v, sizeof(v), "hello from %s", domid);
	{
		char got[128];

		check(ok(r) && !strcmp(value_of(r, got, sizeof(got)), v),
		      "store-read-back-own", r);
	}
	r = request("\"op\":\"directory\",\"path\":\"data\"");
	check(ok(r) && strstr(r, "\"greeting\""), "store-directory-own", r);

	r = request("\"op\":\"tx-start\"");
	{
		const char *t = strstr(r, "\"tx\":");
		unsigned long tx = 0;

		for (t = t ? t + 5 : ""; *t >= '0' && *t <= '9'; t++)
			tx = tx * 10 + (unsigned long)(*t - '0');
		check(ok(r) && tx, "store-tx-start", r);
		r = request("\"op\":\"write\",\"tx\":%lu,\"path\":\"data/tx\","
			    "\"value\":\"in-tx\"",
			    tx);
		check(ok(r), "store-tx-write", r);
		r = request("\"op\":\"tx-commit\",\"tx\":%lu", tx);
		check(ok(r), "store-tx-commit", r);
	}

	/* Another domain's keys and dom0's: refused, and not revealed. */
	r = request("\"op\":\"read\",\"path\":\"/vm\"");
	check(error_is(r, "EACCES"), "store-eacces-read-vm", r);
	r = request("\"op\":\"read\",\"path\":\"/mica/name\"");
	check(error_is(r, "EACCES"), "store-eacces-read-names", r);
	r = request("\"op\":\"write\",\"path\":\"/local/domain/0/evil\","
		    "\"value\":\"x\"");
	check(error_is(r, "EACCES"), "store-eacces-write-dom0", r);
	/* Written by dom0 before the guest started (system.sh). */
	r = request("\"op\":\"read\",\"path\":\"/local/domain/999/name\"");
	check(error_is(r, "EACCES"), "store-eacces-read-other", r);
	r = request("\"op\":\"write\",\"path\":\"/local/domain/999/name\","
		    "\"value\":\"evil\"");
	check(error_is(r, "EACCES"), "store-eacces-write-other", r);
	r = request("\"op\":\"directory\",\"path\":\"/local/domain\"");
	check(error_is(r, "EACCES"), "store-eacces-list-domains", r);
	r = request("\"op\":\"introduce\",\"domain\":77");
	check(error_is(r, "EPERM"), "store-eperm-introduce", r);

	/* A watch fires once at once, then when dom0 writes the key. */
	snprintf(path, sizeof(path), "/local/domain/%s/data/trigger", domid);
	r = request("\"op\":\"watch\",\"path\":\"data/trigger\","
		    "\"token\":\"trig\"");
	check(ok(r), "store-watch-set", r);
	check(wait_event(path, "trig", 10000000000ull),
	      "store-watch-fires-at-once", "no first event");
	say("waiting for dom0 to write %s", path);
	check(wait_event(path, "trig", WAIT_NS), "store-watch-fires-on-write",
	      "no event within 120 s");
	r = request("\"op\":\"read\",\"path\":\"data/trigger\"");
	say("trigger is '%s'", value_of(r, v, sizeof(v)));
	say("store checks done, %u failed", failures);
}

/* Echoes each line typed at the console. */
static void echo_input(void)
{
	char line[200];
	size_t len = 0;

	for (;;) {
		uint32_t prod, cons;

		clear_pending(con_port);
		prod = __atomic_load_n(&con->in_prod, __ATOMIC_ACQUIRE);
		cons = con->in_cons;
		if (prod - cons > MICA_CONSOLE_IN_SIZE)
			test_error("console input ring indices broken");
		if (prod == cons) {
			wait_ports(0);
			continue;
		}
		for (; cons != prod; cons++) {
			char c = (char)con->in[MICA_CONSOLE_IN_MASK(cons)];

			if (c == '\r' || c == '\n') {
				line[len] = '\0';
				if (len)
					say("echo: %s", line);
				if (!strcmp(line, "read greeting"))
					say("greeting: %s",
					    value_of(request("\"op\":\"read\","
							     "\"path\":\"data/"
							     "greeting\""),
						     line, sizeof(line)));
				len = 0;
			} else if (len + 1 < sizeof(line)) {
				line[len++] = c;
			}
		}
		__atomic_store_n(&con->in_cons, cons, __ATOMIC_RELEASE);
		evtchn_send(con_port);
	}
}

void test_main(void)
{
	if (!start_info->console_mfn || !start_info->store_mfn ||
	    !start_info->console_evtchn || !start_info->store_evtchn)
		test_error("no console or store ring or port in start_info");
	con = ring_page(start_info->console_mfn);
	store = ring_page(start_info->store_mfn);
	con_port = start_info->console_evtchn;
	store_port = start_info->store_evtchn;
	events_setup();
	say("hello, console port %u, store port %u", con_port, store_port);
	store_checks();
	say("echoing console input");
	echo_input();
}
