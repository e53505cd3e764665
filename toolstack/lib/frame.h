/* SPDX-License-Identifier: MIT */
#ifndef MICA_LIB_FRAME_H
#define MICA_LIB_FRAME_H

/*
 * Store message framing, the same everywhere (guest rings, the Unix socket,
 * the daemon's state files): the ABI's struct mica_store_msg_header
 * (hypervisor/include/public/io/store.h), i.e. a little-endian 32-bit
 * payload length and a reserved 32-bit word that must be zero, then that
 * many bytes of JSON text.
 */

#include <stddef.h>
#include <stdint.h>

#include "buffer.h"

struct mica_error;
struct mica_json;

#define FRAME_HEADER_SIZE 8
/* No frame, in either direction, is ever longer than this. */
#define FRAME_PAYLOAD_MAX (1u << 20)

enum frame_status {
	FRAME_INCOMPLETE, /* all input consumed, no frame finished yet */
	FRAME_COMPLETE, /* a frame is ready: frame_decoder_take() it */
	FRAME_OVERSIZED, /* a header announced more than the limit */
	FRAME_MALFORMED, /* a reserved header word is not zero */
};

/*
 * Incremental decoder.  A frame longer than the limit is reported once as
 * FRAME_OVERSIZED and its payload is then discarded as it arrives, so the
 * stream stays in step and the peer can be told about the error.
 */
struct frame_decoder {
	uint32_t limit; /* largest payload accepted */
	uint8_t header[FRAME_HEADER_SIZE];
	size_t header_have;
	uint32_t payload_len; /* announced length of the current frame */
	uint32_t payload_have; /* bytes stored (or skipped) so far */
	uint8_t *payload; /* owned; NULL while skipping */
	int skipping;
};

void frame_decoder_init(struct frame_decoder *dec, uint32_t limit);
void frame_decoder_release(struct frame_decoder *dec);

/*
 * Consumes bytes from @bytes until a frame completes, a header is found
 * oversized or malformed, or input runs out; *@used says how many were
 * consumed.  Returns a frame_status, or -ENOMEM.  After FRAME_MALFORMED the
 * stream cannot be followed any further.
 */
int frame_decoder_feed(struct frame_decoder *dec, const void *bytes, size_t len,
		       size_t *used);

/*
 * Hands the completed frame's payload to the caller (free() it; it is
 * NUL-terminated for convenience) and its length in *@len.
 */
uint8_t *frame_decoder_take(struct frame_decoder *dec, uint32_t *len);

/* Announced length of the frame reported as FRAME_OVERSIZED. */
static inline uint32_t frame_decoder_oversized_len(struct frame_decoder *dec)
{
	return dec->payload_len;
}

/*
 * Appends @message to @out as one frame.
 * Returns 0, -E2BIG when the text would exceed @limit bytes, -ENOMEM or
 * -EINVAL (string not UTF-8), with @out unchanged on failure.
 */
int frame_encode(const struct mica_json *message, uint32_t limit,
		 struct buffer *out, struct mica_error *err);

#endif
