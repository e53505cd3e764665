/* SPDX-License-Identifier: MIT */
#ifndef MICA_LIB_JSON_VALUE_H
#define MICA_LIB_JSON_VALUE_H

/* The layout of struct mica_json, shared by the JSON module's files only. */

#include <mica/json.h>

struct json_member {
	char *key; /* NUL-terminated, owned */
	struct mica_json *value; /* owned */
};

struct mica_json {
	enum mica_json_type type;
	union {
		bool boolean;
		int64_t integer;
		struct {
			char *bytes; /* owned, NUL-terminated after len bytes */
			size_t len;
		} string;
		struct {
			struct mica_json **items;
			size_t count, capacity;
		} array;
		struct {
			struct json_member *members;
			size_t count, capacity;
		} object;
	};
};

#endif
