// SPDX-License-Identifier: MIT
/* Growable byte queue. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

int buffer_append(struct buffer *buf, const void *bytes, size_t len)
{
	size_t capacity;
	uint8_t *bigger;

	if (len > SIZE_MAX / 2 - buf->len)
		return -ENOMEM;
	if (buf->head && buf->head + buf->len + len > buf->capacity) {
		/* Slide pending bytes down before growing. */
		memmove(buf->data, buf->data + buf->head, buf->len);
		buf->head = 0;
	}
	if (buf->len + len > buf->capacity) {
		capacity = buf->capacity ? buf->capacity : 256;
		while (capacity < buf->len + len)
			capacity *= 2;
		bigger = realloc(buf->data, capacity);
		if (!bigger)
			return -ENOMEM;
		buf->data = bigger;
		buf->capacity = capacity;
	}
	memcpy(buf->data + buf->head + buf->len, bytes, len);
	buf->len += len;
	return 0;
}

void buffer_consume(struct buffer *buf, size_t len)
{
	if (len > buf->len)
		len = buf->len;
	buf->head += len;
	buf->len -= len;
	if (!buf->len)
		buf->head = 0;
}

void buffer_release(struct buffer *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->head = buf->len = buf->capacity = 0;
}
