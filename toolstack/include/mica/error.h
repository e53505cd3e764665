/* SPDX-License-Identifier: MIT */
#ifndef MICA_ERROR_H
#define MICA_ERROR_H

/*
 * The toolstack's error object: a positive errno value plus a message that
 * names the object and the cause ("store '/local/domain/5': permission
 * denied").  Functions that can fail return 0 or a negative errno and, when
 * the caller passes a struct mica_error, fill it in; callers that only need
 * the code may pass NULL.
 */

#define MICA_ERROR_MESSAGE_MAX 256

struct mica_error {
	int code; /* positive errno value; 0 means "no error" */
	char message[MICA_ERROR_MESSAGE_MAX];
};

/*
 * Records @code and a printf-style message in @err (which may be NULL) and
 * returns -@code, so a failing path can end with
 * "return mica_error_set(err, EINVAL, ...)".
 */
int mica_error_set(struct mica_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Puts a printf-style prefix and ": " in front of the message already in
 * @err, adding context on the way up ("domain 'web1': <cause>").  Returns
 * -err->code (or 0 for a NULL @err).
 */
int mica_error_prefix(struct mica_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Resets @err (which may be NULL) to "no error". */
void mica_error_clear(struct mica_error *err);

/*
 * The symbolic name of a positive errno value as used on the store wire
 * protocol ("ENOENT"), or NULL when the value has no name in the protocol.
 */
const char *mica_errno_name(int code);

/* The inverse of mica_errno_name(): a positive errno value, or 0. */
int mica_errno_from_name(const char *name);

#endif
