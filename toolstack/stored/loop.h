/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_LOOP_H
#define MICA_STORED_LOOP_H

/*
 * The daemon's event loop: one epoll set, one callback per file
 * descriptor.  Connections killed while a batch of events is handled are
 * freed only after the batch, so a callback never meets a freed source.
 */

#include <stdbool.h>
#include <stdint.h>

struct store;

struct loop_source {
	int fd;
	void (*ready)(struct loop_source *source, uint32_t events);
};

struct loop {
	int epoll_fd;
	bool stop;
	struct store *store;
};

int loop_init(struct loop *loop, struct store *store);
void loop_release(struct loop *loop);

/* Watches @source->fd for @events (EPOLLIN, EPOLLOUT).  Returns 0/-errno. */
int loop_add(struct loop *loop, struct loop_source *source, uint32_t events);
int loop_modify(struct loop *loop, struct loop_source *source, uint32_t events);
void loop_remove(struct loop *loop, struct loop_source *source);

/* Runs until loop->stop is set.  Returns 0 or -errno. */
int loop_run(struct loop *loop);

#endif
