// SPDX-License-Identifier: MIT
/* The epoll event loop. */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "store.h"

int loop_init(struct loop *loop, struct store *store)
{
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0)
		return -errno;
	loop->stop = false;
	loop->store = store;
	return 0;
}

void loop_release(struct loop *loop)
{
	close(loop->epoll_fd);
}

static int loop_ctl(struct loop *loop, int op, struct loop_source *source,
		    uint32_t events)
{
	struct epoll_event event = { .events = events, .data.ptr = source };

	return epoll_ctl(loop->epoll_fd, op, source->fd, &event) ? -errno : 0;
}

int loop_add(struct loop *loop, struct loop_source *source, uint32_t events)
{
	return loop_ctl(loop, EPOLL_CTL_ADD, source, events);
}

int loop_modify(struct loop *loop, struct loop_source *source, uint32_t events)
{
	return loop_ctl(loop, EPOLL_CTL_MOD, source, events);
}

void loop_remove(struct loop *loop, struct loop_source *source)
{
	epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, source->fd, NULL);
}

int loop_run(struct loop *loop)
{
	struct epoll_event events[64];
	struct loop_source *source;
	int n, i;

	while (!loop->stop) {
		n = epoll_wait(loop->epoll_fd, events, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			source = events[i].data.ptr;
			source->ready(source, events[i].events);
		}
		store_reap(loop->store);
	}
	return 0;
}
