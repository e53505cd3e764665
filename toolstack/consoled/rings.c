// SPDX-License-Identifier: MIT
/*
 * mica-consoled's consoles: each domain's ring (public/io/console.h),
 * found through MICA_DOMPARAM_CONSOLE_PFN and mapped with a foreign
 * mapping, its log LOGDIR/UUID.log, and a mark file LOGDIR/UUID.mark.
 *
 * Exactly-once logging across restarts: before appending ring bytes
 * [cons, prod) to the log, the daemon records in the mark file the ring
 * (domain id, gfn), cons and the log's size; after the append it releases
 * the bytes by advancing out_cons.  A daemon killed between the two leaves
 * a mark whose cons still equals the ring's out_cons: its successor cuts
 * the log back to the marked size and logs those bytes again, once.
 * Nothing else is kept, so output still in the ring survives any restart.
 *
 * The guest's indices are hostile: a producer more than the ring's size
 * ahead of the consumer marks that console broken (a message on stderr,
 * clients told at attach), and it is left alone until the domain or its
 * ring changes.  Other domains are not affected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mica/evtchn.h>
#include <mica/uuid.h>

#include "consoled.h"

#define LIST_BATCH 64
#define MARK_MAGIC "micamrk1"

struct log_mark {
	char magic[8];
	uint32_t domid;
	uint32_t cons;
	uint64_t ring_gfn;
	uint64_t log_size;
};

struct console consoles[MICA_DOMID_FIRST_RESERVED];
int evtchn_fd = -1;
/* Local port -> domain id (dom0's ports stay below the device's limit). */
static uint16_t port_domid[MICA_EVTCHN_RING_SIZE];

static void notify(const struct console *con)
{
	struct mica_evtchn_port_arg arg = { .port = con->port };

	if (con->port)
		ioctl(evtchn_fd, MICA_EVTCHN_NOTIFY, &arg);
}

static void console_release(struct console *con)
{
	if (con->port) {
		struct mica_evtchn_port_arg arg = { .port = con->port };

		ioctl(evtchn_fd, MICA_EVTCHN_UNBIND, &arg);
		port_domid[con->port] = 0;
	}
	if (con->ring)
		hv->ops->unmap_foreign(hv, (void *)con->ring, 1);
	free(con->in_backlog);
	if (con->state == CONSOLE_LIVE) {
		close(con->log_fd);
		close(con->mark_fd);
	}
	memset(con, 0, sizeof(*con));
}

/* Marks @domid's console broken, says why once, and lets clients go. */
static void console_break(uint16_t domid, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void console_break(uint16_t domid, const char *fmt, ...)
{
	struct console *con = &consoles[domid];
	uint64_t gfn = con->ring_gfn;
	uint8_t uuid[16];
	char why[sizeof(con->why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	memcpy(uuid, con->uuid, sizeof(uuid));
	console_release(con);
	clients_detach(domid);
	con->state = CONSOLE_BROKEN;
	con->ring_gfn = gfn;
	memcpy(con->uuid, uuid, sizeof(uuid));
	memcpy(con->why, why, sizeof(why));
	fprintf(stderr, "mica-consoled: domain %u: %s; console disconnected\n",
		domid, why);
}

static int open_in_log_dir(const char *uuid, const char *suffix, int flags,
			   char *path, size_t size)
{
	snprintf(path, size, "%s/%s.%s", log_dir, uuid, suffix);
	return open(path, flags | O_CREAT | O_CLOEXEC, 0640);
}

/* Undoes the append of a daemon killed before it released the bytes. */
static void recover(struct console *con, uint16_t domid)
{
	struct log_mark m;

	if (pread(con->mark_fd, &m, sizeof(m), 0) != sizeof(m) ||
	    memcmp(m.magic, MARK_MAGIC, sizeof(m.magic)) || m.domid != domid ||
	    m.ring_gfn != con->ring_gfn || m.cons != con->ring->out_cons ||
	    m.log_size >= con->log_size)
		return;
	if (!ftruncate(con->log_fd, (off_t)m.log_size))
		con->log_size = m.log_size;
}

static void drain(uint16_t domid);

/* Binds the port the builder offered (MICA_DOMPARAM_CONSOLE_EVTCHN). */
static void console_bind(uint16_t domid)
{
	struct console *con = &consoles[domid];
	struct mica_evtchn_bind_interdomain_arg bind = { .remote_domid =
								 domid };
	uint64_t port = 0;
	int ret;

	ret = hv->ops->get_param(hv, domid, MICA_DOMPARAM_CONSOLE_EVTCHN,
				 &port);
	if (ret || !port || port > UINT32_MAX) {
		console_break(domid, "no console event channel (%s)",
			      ret ? strerror(-ret) : "port 0");
		return;
	}
	bind.remote_port = (uint32_t)port;
	if (ioctl(evtchn_fd, MICA_EVTCHN_BIND_INTERDOMAIN, &bind) < 0) {
		console_break(domid, "cannot bind console port %u: %s",
			      bind.remote_port, strerror(errno));
		return;
	}
	if (bind.port >= MICA_EVTCHN_RING_SIZE) {
		ioctl(evtchn_fd, MICA_EVTCHN_UNBIND,
		      &(struct mica_evtchn_port_arg){ .port = bind.port });
		console_break(domid, "local port %u out of range", bind.port);
		return;
	}
	con->port = bind.port;
	port_domid[con->port] = domid;
	/* Output written before we were there. */
	drain(domid);
}

static void console_connect(const struct mica_domctl_domain_info *info,
			    uint64_t gfn)
{
	uint16_t domid = info->domid;
	struct console *con = &consoles[domid];
	char path[4096], uuid[MICA_UUID_STRLEN + 1];
	struct mica_uuid u;
	struct stat st;
	int err, ret;
	void *ring;

	con->ring_gfn = gfn;
	memcpy(con->uuid, info->uuid, sizeof(con->uuid));
	ring = hv->ops->map_foreign(hv, domid, &gfn, 1, 1, &err, &ret);
	if (!ring || ret) {
		if (ring)
			hv->ops->unmap_foreign(hv, ring, 1);
		console_break(domid, "cannot map console ring gfn %#llx: %s",
			      (unsigned long long)gfn,
			      strerror(ring ? -err : -ret));
		return;
	}
	con->ring = ring;
	memcpy(u.bytes, info->uuid, sizeof(u.bytes));
	mica_uuid_format(&u, uuid);
	con->log_fd = open_in_log_dir(uuid, "log", O_WRONLY | O_APPEND, path,
				      sizeof(path));
	if (con->log_fd < 0) {
		console_break(domid, "log %s: %s", path, strerror(errno));
		return;
	}
	con->mark_fd =
		open_in_log_dir(uuid, "mark", O_RDWR, path, sizeof(path));
	if (con->mark_fd < 0 || fstat(con->log_fd, &st)) {
		if (con->mark_fd >= 0)
			close(con->mark_fd);
		close(con->log_fd);
		console_break(domid, "%s: %s", path, strerror(errno));
		return;
	}
	con->log_size = (uint64_t)st.st_size;
	con->state = CONSOLE_LIVE;
	recover(con, domid);
	if (evtchn_fd >= 0)
		console_bind(domid);
}

void console_disconnect(uint16_t domid)
{
	console_release(&consoles[domid]);
	clients_detach(domid);
}

/* Connects @info's console if it has one (true) and it is new. */
static bool check(const struct mica_domctl_domain_info *info)
{
	uint16_t id = info->domid;
	struct console *con = &consoles[id];
	uint64_t gfn;

	if (hv->ops->get_param(hv, id, MICA_DOMPARAM_CONSOLE_PFN, &gfn) || !gfn)
		return false;
	/* Another ring, or another domain with this id. */
	if (con->state != CONSOLE_NONE &&
	    (con->ring_gfn != gfn ||
	     memcmp(con->uuid, info->uuid, sizeof(con->uuid))))
		console_disconnect(id);
	if (con->state == CONSOLE_NONE)
		console_connect(info, gfn);
	return true;
}

void console_check(uint16_t domid)
{
	struct mica_domctl_domain_info info;

	if (!domid || domid >= MICA_DOMID_FIRST_RESERVED)
		return;
	if (hv->ops->get_info(hv, domid, &info) || !check(&info)) {
		if (consoles[domid].state != CONSOLE_NONE)
			console_disconnect(domid);
	}
}

void consoles_scan(void)
{
	static bool seen[MICA_DOMID_FIRST_RESERVED];
	struct mica_domctl_domain_info buf[LIST_BATCH];
	uint16_t first = 1, next;
	uint32_t nr, k, id;

	memset(seen, 0, sizeof(seen));
	do {
		if (hv->ops->list(hv, first, buf, LIST_BATCH, &nr, &next))
			return;
		for (k = 0; k < nr; k++) {
			id = buf[k].domid;
			if (id && id < MICA_DOMID_FIRST_RESERVED)
				seen[id] = check(&buf[k]);
		}
		first = next;
	} while (next != MICA_DOMID_INVALID);
	for (id = 1; id < MICA_DOMID_FIRST_RESERVED; id++)
		if (consoles[id].state != CONSOLE_NONE && !seen[id])
			console_disconnect((uint16_t)id);
}

static int write_all(int fd, const uint8_t *bytes, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, bytes, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		bytes += n;
		len -= (size_t)n;
	}
	return 0;
}

static void drain(uint16_t domid)
{
	struct console *con = &consoles[domid];
	volatile struct mica_console_ring *r = con->ring;
	uint8_t buf[MICA_CONSOLE_OUT_SIZE];
	mica_console_idx_t cons = r->out_cons, prod = r->out_prod, i;
	uint32_t n = prod - cons;
	struct log_mark mark = { .magic = MARK_MAGIC };
	int ret;

	if (!n)
		return;
	if (n > MICA_CONSOLE_OUT_SIZE) {
		console_break(domid,
			      "bad console ring: out_prod %u is %u bytes "
			      "ahead of out_cons %u, more than the ring's %u",
			      prod, n, cons, MICA_CONSOLE_OUT_SIZE);
		return;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* bytes after the index */
	for (i = 0; i < n; i++)
		buf[i] = r->out[MICA_CONSOLE_OUT_MASK(cons + i)];
	mark.domid = domid;
	mark.cons = cons;
	mark.ring_gfn = con->ring_gfn;
	mark.log_size = con->log_size;
	if (pwrite(con->mark_fd, &mark, sizeof(mark), 0) != sizeof(mark))
		fprintf(stderr,
			"mica-consoled: domain %u: cannot write the log mark: "
			"%s (a restart may repeat output)\n",
			domid, strerror(errno));
	ret = write_all(con->log_fd, buf, n);
	if (ret) {
		/* Keep the bytes in the ring (the guest waits) rather than
		 * lose them; try again on the next round. */
		if (ftruncate(con->log_fd, (off_t)con->log_size))
			ret = -errno;
		if (!con->log_failing)
			fprintf(stderr,
				"mica-consoled: domain %u: log write failed: "
				"%s; output stays in the ring\n",
				domid, strerror(-ret));
		con->log_failing = true;
		return;
	}
	if (con->log_failing)
		fprintf(stderr, "mica-consoled: domain %u: log works again\n",
			domid);
	con->log_failing = false;
	con->log_size += n;
	clients_output(domid, buf, n);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* read before release */
	r->out_cons = cons + n;
	notify(con); /* a guest may wait for room */
}

void consoles_drain(void)
{
	unsigned int id;

	for (id = 1; id < MICA_DOMID_FIRST_RESERVED; id++)
		if (consoles[id].state == CONSOLE_LIVE)
			drain((uint16_t)id);
}

static void feed(uint16_t domid)
{
	struct console *con = &consoles[domid];
	volatile struct mica_console_ring *r = con->ring;
	mica_console_idx_t prod = r->in_prod, cons = r->in_cons;
	uint32_t queued = prod - cons;
	size_t i;

	if (queued > MICA_CONSOLE_IN_SIZE) {
		console_break(domid,
			      "bad console ring: in_cons %u is %u bytes "
			      "behind in_prod %u, more than the ring's %u",
			      cons, queued, prod, MICA_CONSOLE_IN_SIZE);
		return;
	}
	for (i = 0;
	     i < con->in_len && (uint32_t)(prod - cons) < MICA_CONSOLE_IN_SIZE;
	     i++)
		r->in[MICA_CONSOLE_IN_MASK(prod++)] = con->in_backlog[i];
	if (!i)
		return;
	memmove(con->in_backlog, con->in_backlog + i, con->in_len - i);
	con->in_len -= i;
	__atomic_thread_fence(__ATOMIC_RELEASE); /* bytes before the index */
	r->in_prod = prod;
	notify(con);
}

void console_event(uint32_t port)
{
	uint16_t domid = port < MICA_EVTCHN_RING_SIZE ? port_domid[port] : 0;

	if (!domid || consoles[domid].state != CONSOLE_LIVE)
		return;
	drain(domid);
	if (consoles[domid].state == CONSOLE_LIVE && consoles[domid].in_len)
		feed(domid);
}

void console_input(uint16_t domid, const uint8_t *bytes, size_t len)
{
	struct console *con = &consoles[domid];
	size_t room = CONSOLED_IN_BACKLOG - con->in_len;

	if (con->state != CONSOLE_LIVE)
		return;
	if (!con->in_backlog) {
		con->in_backlog = malloc(CONSOLED_IN_BACKLOG);
		if (!con->in_backlog)
			return; /* dropped, as when the backlog is full */
	}
	/* A guest that reads no input: what does not fit is dropped, as
	 * on a serial line. */
	if (len > room)
		len = room;
	memcpy(con->in_backlog + con->in_len, bytes, len);
	con->in_len += len;
	feed(domid);
}

void consoles_feed(void)
{
	unsigned int id;

	for (id = 1; id < MICA_DOMID_FIRST_RESERVED; id++)
		if (consoles[id].state == CONSOLE_LIVE && consoles[id].in_len)
			feed((uint16_t)id);
}
