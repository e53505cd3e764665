// SPDX-License-Identifier: MIT
/* Framing and the byte queue under it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mica/error.h>
#include <mica/json.h>

#include "buffer.h"
#include "frame.h"
#include "harness.h"

static struct mica_json *message(const char *text)
{
	struct mica_json *value = NULL;

	mica_json_parse(text, strlen(text), &value, NULL);
	return value;
}

static void test_buffer_queue(void)
{
	struct buffer buf = { 0 };
	char big[5000];
	int i;

	CHECK_INT(buffer_append(&buf, "hello", 5), 0);
	buffer_consume(&buf, 2);
	CHECK_INT(buf.len, 3);
	CHECK(!memcmp(buffer_head(&buf), "llo", 3));
	memset(big, 'z', sizeof(big));
	for (i = 0; i < 10; i++)
		CHECK_INT(buffer_append(&buf, big, sizeof(big)), 0);
	CHECK_INT(buf.len, 3 + 10 * sizeof(big));
	CHECK(!memcmp(buffer_head(&buf), "lloz", 4));
	buffer_consume(&buf, 1000000);
	CHECK_INT(buf.len, 0);
	buffer_release(&buf);
}

static void test_encode_header(void)
{
	struct mica_json *m = message("{\"a\":1}");
	struct buffer out = { 0 };

	/* Length, then a zero reserved word (struct mica_store_msg_header). */
	CHECK_INT(frame_encode(m, 100, &out, NULL), 0);
	CHECK_INT(out.len, 8 + 7);
	CHECK(!memcmp(buffer_head(&out),
		      "\x07\x00\x00\x00\x00\x00\x00\x00{\"a\":1}", 15));
	buffer_consume(&out, out.len);
	CHECK_INT(frame_encode(m, 6, &out, NULL), -E2BIG);
	CHECK_INT(out.len, 0);
	buffer_release(&out);
	mica_json_free(m);
}

/* Feeds @len bytes @step at a time; returns the frames' payloads joined by
 * '|', with "<big>" for oversized frames and "<bad>" for malformed ones. */
static char *decode_all(const uint8_t *bytes, size_t len, size_t step,
			uint32_t limit)
{
	static char result[4096];
	struct frame_decoder dec;
	size_t pos = 0, chunk, used;
	uint8_t *payload;
	uint32_t size;
	int status;

	result[0] = '\0';
	frame_decoder_init(&dec, limit);
	while (pos < len) {
		chunk = len - pos < step ? len - pos : step;
		status = frame_decoder_feed(&dec, bytes + pos, chunk, &used);
		pos += used;
		if (status == FRAME_COMPLETE) {
			payload = frame_decoder_take(&dec, &size);
			strncat(result, (char *)payload, size);
			strcat(result, "|");
			free(payload);
		} else if (status == FRAME_OVERSIZED) {
			strcat(result, "<big>|");
		} else if (status == FRAME_MALFORMED) {
			strcat(result, "<bad>|");
			break;
		}
	}
	frame_decoder_release(&dec);
	return result;
}

static void test_decode_any_split(void)
{
	const uint8_t stream[] = "\x03\x00\x00\x00\x00\x00\x00\x00one"
				 "\x00\x00\x00\x00\x00\x00\x00\x00"
				 "\x05\x00\x00\x00\x00\x00\x00\x00three";
	size_t step;

	for (step = 1; step <= sizeof(stream); step++)
		CHECK_STR(decode_all(stream, sizeof(stream) - 1, step, 100),
			  "one||three|");
}

static void test_decode_skips_oversized(void)
{
	uint8_t stream[8 + 300 + 8 + 2];
	size_t step;

	memcpy(stream, "\x2c\x01\x00\x00\x00\x00\x00\x00", 8); /* 300 B */
	memset(stream + 8, 'x', 300);
	memcpy(stream + 308, "\x02\x00\x00\x00\x00\x00\x00\x00ok", 10);
	for (step = 1; step <= sizeof(stream); step += 7)
		CHECK_STR(decode_all(stream, sizeof(stream), step, 100),
			  "<big>|ok|");
	/* A huge announced length is refused before any allocation. */
	CHECK_STR(decode_all((const uint8_t *)"\xff\xff\xff\xff\0\0\0\0", 8, 8,
			     100),
		  "<big>|");
}

static void test_decode_reserved_word(void)
{
	const uint8_t good[] = "\x02\x00\x00\x00\x00\x00\x00\x00hi";
	const uint8_t bad[] = "\x02\x00\x00\x00\x01\x00\x00\x00hi";

	CHECK_STR(decode_all(good, sizeof(good) - 1, 3, 100), "hi|");
	CHECK_STR(decode_all(bad, sizeof(bad) - 1, 3, 100), "<bad>|");
}

int main(void)
{
	RUN(test_buffer_queue);
	RUN(test_encode_header);
	RUN(test_decode_any_split);
	RUN(test_decode_skips_oversized);
	RUN(test_decode_reserved_word);
	return test_exit_code();
}
