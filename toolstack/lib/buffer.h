/* SPDX-License-Identifier: MIT */
#ifndef MICA_LIB_BUFFER_H
#define MICA_LIB_BUFFER_H

/*
 * A growable byte queue: bytes are appended at the tail and consumed from
 * the head.  Used for connection output and for building frames.
 */

#include <stddef.h>
#include <stdint.h>

struct buffer {
	uint8_t *data; /* owned; data[head .. head + len) is pending */
	size_t head, len, capacity;
};

/* Appends @len bytes; returns 0 or -ENOMEM (the buffer is unchanged). */
int buffer_append(struct buffer *buf, const void *bytes, size_t len);

/* Drops @len bytes (at most buf->len) from the head. */
void buffer_consume(struct buffer *buf, size_t len);

static inline const uint8_t *buffer_head(const struct buffer *buf)
{
	return buf->data + buf->head;
}

/* Releases the storage; the buffer is empty and reusable afterwards. */
void buffer_release(struct buffer *buf);

#endif
