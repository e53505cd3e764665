/* SPDX-License-Identifier: MIT */
#ifndef MICA_UUID_H
#define MICA_UUID_H

/*
 * Domain UUIDs.  A struct mica_uuid is 16 bytes in RFC 4122 order; its text
 * form is the usual lower-case 8-4-4-4-12 hex string.
 */

#include <stdbool.h>
#include <stdint.h>

struct mica_uuid {
	uint8_t bytes[16];
};

/* Length of the text form, without the terminating NUL. */
#define MICA_UUID_STRLEN 36

/* Fills @uuid with a new random (version 4) UUID. */
void mica_uuid_generate(struct mica_uuid *uuid);

/*
 * Parses the text form in @text (upper or lower case, nothing before or
 * after it).  Returns 0, or -EINVAL with @uuid unchanged.
 */
int mica_uuid_parse(const char *text, struct mica_uuid *uuid);

/* Writes the lower-case text form and a NUL into @out. */
void mica_uuid_format(const struct mica_uuid *uuid,
		      char out[MICA_UUID_STRLEN + 1]);

bool mica_uuid_is_nil(const struct mica_uuid *uuid);
bool mica_uuid_equal(const struct mica_uuid *a, const struct mica_uuid *b);

#endif
