// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the store's message parser.  The input is one message
 * payload (JSON text) as a peer would send it; it goes through JSON
 * parsing and request checking exactly as in the daemon.  Any crash, leak
 * or sanitizer report is a bug.
 */
#include <stddef.h>
#include <stdint.h>

#include <mica/error.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mica_error err;
	struct request req;

	if (request_parse(data, size, &req, &err) == 0)
		request_release(&req);
	return 0;
}
