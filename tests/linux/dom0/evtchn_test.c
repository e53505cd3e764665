// SPDX-License-Identifier: MIT
/*
 * evtchn_test: /dev/mica/evtchn from dom0 user space (docs/dom0-devices.md).
 * Two open files play the two ends of a channel within dom0: one offers a
 * port (BIND_UNBOUND), the other binds to it (BIND_INTERDOMAIN).  Notify
 * fires the other end (poll, read); a fired port stays quiet until it is
 * written back, then the event that came meanwhile fires; ports another
 * file owns, bad sizes, padding and ioctls are refused; closing a file
 * with bound ports closes them (event-channel status through privcmd).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mica/evtchn.h>
#include <mica/privcmd.h>

#include "public/event_channel.h"

#include "check.h"

static int priv;

/* The port's state in dom0 (MICA_EVTCHN_STATE_*), or -1. */
static int port_state(uint32_t port)
{
	struct mica_evtchn_status st = { .dom = MICA_DOMID_SELF, .port = port };
	struct mica_privcmd_hypercall c = {
		.op = MICA_HC_event_channel_op,
		.arg = { MICA_EVTCHNOP_status, (uint64_t)(uintptr_t)&st },
	};

	if (ioctl(priv, MICA_PRIVCMD_HYPERCALL, &c))
		return -1;
	return (int)st.state;
}

/* Waits up to ms for fd to become readable: 1, or 0 on timeout. */
static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static long notify(int fd, uint32_t port)
{
	struct mica_evtchn_port_arg a = { .port = port };

	return ioctl(fd, MICA_EVTCHN_NOTIFY, &a);
}

int main(void)
{
	struct mica_evtchn_bind_unbound_arg ub = { .remote_domid = 0 };
	struct mica_evtchn_bind_interdomain_arg bi = { .remote_domid = 0 };
	struct mica_evtchn_port_arg pa = { 0 };
	int a, b, c;
	uint32_t got[4], pa_port, pb_port;
	long rc;

	priv = open(MICA_PRIVCMD_DEVICE, O_RDWR | O_CLOEXEC);
	a = open(MICA_EVTCHN_DEVICE, O_RDWR | O_CLOEXEC);
	b = open(MICA_EVTCHN_DEVICE, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	CHECK("evtchn-open", priv >= 0 && a >= 0 && b >= 0, "%s",
	      strerror(errno));
	if (priv < 0 || a < 0 || b < 0)
		return checks_done("evtchn_test");
	mlockall(MCL_CURRENT | MCL_FUTURE);

	/* a offers a port to dom0; b binds to it. */
	rc = ioctl(a, MICA_EVTCHN_BIND_UNBOUND, &ub);
	CHECK("evtchn-bind-unbound",
	      rc > 0 && rc == (long)ub.port &&
		      port_state(ub.port) == MICA_EVTCHN_STATE_unbound,
	      "rc %ld (%s), port %u, state %d", rc, strerror(errno), ub.port,
	      port_state(ub.port));
	pa_port = ub.port;
	bi.remote_port = pa_port;
	rc = ioctl(b, MICA_EVTCHN_BIND_INTERDOMAIN, &bi);
	pb_port = bi.port;
	CHECK("evtchn-bind-interdomain",
	      rc > 0 && rc == (long)pb_port && pb_port != pa_port &&
		      port_state(pb_port) == MICA_EVTCHN_STATE_interdomain &&
		      port_state(pa_port) == MICA_EVTCHN_STATE_interdomain,
	      "rc %ld (%s), port %u", rc, strerror(errno), pb_port);

	/* Nothing fired yet. */
	CHECK_ERRNO("evtchn-read-empty-nonblock", read(b, got, 4), EAGAIN);
	CHECK("evtchn-poll-empty", !readable(a, 50), "a readable");

	/* b notifies: a's port fires. */
	CHECK("evtchn-notify", notify(b, pb_port) == 0, "%s", strerror(errno));
	CHECK("evtchn-poll-fired", readable(a, 2000), "a not readable");
	rc = read(a, got, sizeof(got));
	CHECK("evtchn-read-fired", rc == 4 && got[0] == pa_port,
	      "read %ld, port %u (want %u)", rc, got[0], pa_port);

	/* Fired ports stay masked until written back. */
	notify(b, pb_port);
	CHECK("evtchn-masked-until-rearmed", !readable(a, 200),
	      "fired again without a write");
	CHECK("evtchn-rearm", write(a, &pa_port, 4) == 4, "%s",
	      strerror(errno));
	CHECK("evtchn-pending-fires-after-rearm",
	      readable(a, 2000) && read(a, got, 4) == 4 && got[0] == pa_port,
	      "the event sent while masked was lost");
	write(a, &pa_port, 4);

	/* And the other way. */
	notify(a, pa_port);
	CHECK("evtchn-reverse",
	      readable(b, 2000) && read(b, got, 4) == 4 && got[0] == pb_port,
	      "b did not see a's event");
	write(b, &pb_port, 4);

	/* Refusals. */
	CHECK_ERRNO("evtchn-notify-foreign-port", notify(a, pb_port), EINVAL);
	pa.port = pb_port;
	CHECK_ERRNO("evtchn-unbind-foreign-port",
		    ioctl(a, MICA_EVTCHN_UNBIND, &pa), EINVAL);
	CHECK_ERRNO("evtchn-rearm-foreign-port", write(a, &pb_port, 4), EINVAL);
	CHECK_ERRNO("evtchn-write-partial-port", write(a, &pa_port, 3), EINVAL);
	CHECK_ERRNO("evtchn-read-short", read(a, got, 2), EINVAL);
	CHECK_ERRNO("evtchn-bad-ioctl", ioctl(a, _IO('E', 77), 0), ENOTTY);
	CHECK_ERRNO("evtchn-bad-pointer",
		    ioctl(a, MICA_EVTCHN_BIND_UNBOUND, (void *)16), EFAULT);
	ub.pad0 = 1;
	CHECK_ERRNO("evtchn-padding", ioctl(a, MICA_EVTCHN_BIND_UNBOUND, &ub),
		    EINVAL);
	bi.remote_domid = 4000;
	CHECK_ERRNO("evtchn-bind-no-such-domain",
		    ioctl(a, MICA_EVTCHN_BIND_INTERDOMAIN, &bi), ESRCH);
	bi.remote_domid = 0;
	bi.remote_port = pb_port; /* already bound */
	rc = ioctl(a, MICA_EVTCHN_BIND_INTERDOMAIN, &bi);
	CHECK("evtchn-bind-bound-port-refused", rc == -1,
	      "bound to an interdomain port: %ld", rc);

	/* Unbind, and ownership cleanup on close. */
	c = open(MICA_EVTCHN_DEVICE, O_RDWR | O_CLOEXEC);
	ub.pad0 = 0;
	rc = ioctl(c, MICA_EVTCHN_BIND_UNBOUND, &ub);
	pa.port = ub.port;
	CHECK("evtchn-unbind",
	      rc > 0 && ioctl(c, MICA_EVTCHN_UNBIND, &pa) == 0 &&
		      port_state(ub.port) == MICA_EVTCHN_STATE_closed,
	      "rc %ld, state %d", rc, port_state(ub.port));
	CHECK_ERRNO("evtchn-unbind-twice", ioctl(c, MICA_EVTCHN_UNBIND, &pa),
		    EINVAL);
	for (int i = 0; i < 3; i++)
		ioctl(c, MICA_EVTCHN_BIND_UNBOUND, &ub);
	uint32_t last = ub.port;

	close(c);
	CHECK("evtchn-close-frees-ports",
	      port_state(last) == MICA_EVTCHN_STATE_closed, "state %d",
	      port_state(last));
	close(a);
	CHECK("evtchn-close-with-bound-ports",
	      port_state(pa_port) == MICA_EVTCHN_STATE_closed &&
		      port_state(pb_port) == MICA_EVTCHN_STATE_unbound,
	      "states %d %d", port_state(pa_port), port_state(pb_port));
	close(b);
	CHECK("evtchn-close-last",
	      port_state(pb_port) == MICA_EVTCHN_STATE_closed, "state %d",
	      port_state(pb_port));
	return checks_done("evtchn_test");
}
