// SPDX-License-Identifier: MIT
/* Length-prefixed framing of JSON messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mica/error.h>
#include <mica/json.h>

#include "frame.h"

void frame_decoder_init(struct frame_decoder *dec, uint32_t limit)
{
	memset(dec, 0, sizeof(*dec));
	dec->limit = limit;
}

void frame_decoder_release(struct frame_decoder *dec)
{
	free(dec->payload);
	frame_decoder_init(dec, dec->limit);
}

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void store_le32(uint8_t *p, uint32_t value)
{
	p[0] = value & 0xff;
	p[1] = (value >> 8) & 0xff;
	p[2] = (value >> 16) & 0xff;
	p[3] = (value >> 24) & 0xff;
}

/* Starts the payload of the frame whose header is complete. */
static int frame_decoder_begin_payload(struct frame_decoder *dec)
{
	if (load_le32(dec->header + 4) != 0)
		return FRAME_MALFORMED;
	dec->payload_len = load_le32(dec->header);
	dec->payload_have = 0;
	if (dec->payload_len > dec->limit) {
		dec->skipping = 1;
		return FRAME_OVERSIZED;
	}
	dec->payload = malloc(dec->payload_len + 1);
	if (!dec->payload)
		return -ENOMEM;
	return FRAME_INCOMPLETE;
}

/* Back to "expecting a header", after a frame is taken or skipped. */
static void frame_decoder_next(struct frame_decoder *dec)
{
	dec->header_have = 0;
	dec->skipping = 0;
}

int frame_decoder_feed(struct frame_decoder *dec, const void *bytes, size_t len,
		       size_t *used)
{
	const uint8_t *in = bytes;
	size_t take, pos = 0;
	int ret;

	while (pos < len) {
		if (dec->header_have < FRAME_HEADER_SIZE) {
			take = FRAME_HEADER_SIZE - dec->header_have;
			if (take > len - pos)
				take = len - pos;
			memcpy(dec->header + dec->header_have, in + pos, take);
			dec->header_have += take;
			pos += take;
			if (dec->header_have < FRAME_HEADER_SIZE)
				break;
			ret = frame_decoder_begin_payload(dec);
			if (ret != FRAME_INCOMPLETE) {
				*used = pos;
				return ret;
			}
		}
		take = dec->payload_len - dec->payload_have;
		if (take > len - pos)
			take = len - pos;
		if (!dec->skipping)
			memcpy(dec->payload + dec->payload_have, in + pos,
			       take);
		dec->payload_have += take;
		pos += take;
		if (dec->payload_have < dec->payload_len)
			break;
		if (dec->skipping) {
			frame_decoder_next(dec);
			continue;
		}
		*used = pos;
		return FRAME_COMPLETE;
	}
	*used = pos;
	return FRAME_INCOMPLETE;
}

uint8_t *frame_decoder_take(struct frame_decoder *dec, uint32_t *len)
{
	uint8_t *payload = dec->payload;

	payload[dec->payload_len] = '\0';
	*len = dec->payload_len;
	dec->payload = NULL;
	frame_decoder_next(dec);
	return payload;
}

int frame_encode(const struct mica_json *message, uint32_t limit,
		 struct buffer *out, struct mica_error *err)
{
	uint8_t header[FRAME_HEADER_SIZE] = { 0 };
	size_t old_len = out->len;
	size_t text_len;
	char *text;
	int ret;

	ret = mica_json_format(message, 0, &text, &text_len, err);
	if (ret)
		return ret;
	if (text_len > limit) {
		ret = mica_error_set(err, E2BIG,
				     "message of %zu bytes exceeds %u",
				     text_len, limit);
		goto out_free_text;
	}
	store_le32(header, text_len);
	ret = buffer_append(out, header, sizeof(header));
	if (!ret)
		ret = buffer_append(out, text, text_len);
	if (ret) {
		out->len = old_len;
		mica_error_set(err, ENOMEM, "out of memory");
	}
out_free_text:
	free(text);
	return ret;
}
