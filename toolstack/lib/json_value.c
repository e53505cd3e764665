// SPDX-License-Identifier: MIT
/* JSON values: construction, inspection and freeing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_value.h"

static struct mica_json *json_new(enum mica_json_type type)
{
	struct mica_json *value = calloc(1, sizeof(*value));

	if (value)
		value->type = type;
	return value;
}

void mica_json_free(struct mica_json *value)
{
	size_t i;

	if (!value)
		return;
	switch (value->type) {
	case MICA_JSON_STRING:
		free(value->string.bytes);
		break;
	case MICA_JSON_ARRAY:
		for (i = 0; i < value->array.count; i++)
			mica_json_free(value->array.items[i]);
		free(value->array.items);
		break;
	case MICA_JSON_OBJECT:
		for (i = 0; i < value->object.count; i++) {
			free(value->object.members[i].key);
			mica_json_free(value->object.members[i].value);
		}
		free(value->object.members);
		break;
	default:
		break;
	}
	free(value);
}

struct mica_json *mica_json_new_null(void)
{
	return json_new(MICA_JSON_NULL);
}

struct mica_json *mica_json_new_bool(bool b)
{
	struct mica_json *value = json_new(MICA_JSON_BOOL);

	if (value)
		value->boolean = b;
	return value;
}

struct mica_json *mica_json_new_integer(int64_t n)
{
	struct mica_json *value = json_new(MICA_JSON_INTEGER);

	if (value)
		value->integer = n;
	return value;
}

struct mica_json *mica_json_new_string(const char *s, size_t len)
{
	struct mica_json *value = json_new(MICA_JSON_STRING);

	if (!value)
		return NULL;
	value->string.bytes = malloc(len + 1);
	if (!value->string.bytes) {
		free(value);
		return NULL;
	}
	memcpy(value->string.bytes, s, len);
	value->string.bytes[len] = '\0';
	value->string.len = len;
	return value;
}

struct mica_json *mica_json_new_cstring(const char *s)
{
	return mica_json_new_string(s, strlen(s));
}

struct mica_json *mica_json_new_array(void)
{
	return json_new(MICA_JSON_ARRAY);
}

struct mica_json *mica_json_new_object(void)
{
	return json_new(MICA_JSON_OBJECT);
}

/* Makes room for one more element of @size bytes in a growing array. */
static int json_grow(void **items, size_t *capacity, size_t count, size_t size)
{
	size_t wanted = *capacity ? *capacity * 2 : 4;
	void *bigger;

	if (count < *capacity)
		return 0;
	bigger = realloc(*items, wanted * size);
	if (!bigger)
		return -ENOMEM;
	*items = bigger;
	*capacity = wanted;
	return 0;
}

int mica_json_array_append(struct mica_json *array, struct mica_json *member)
{
	int ret;

	if (!member)
		return -ENOMEM;
	ret = -EINVAL;
	if (array->type != MICA_JSON_ARRAY)
		goto err_free_member;
	ret = json_grow((void **)&array->array.items, &array->array.capacity,
			array->array.count, sizeof(array->array.items[0]));
	if (ret)
		goto err_free_member;
	array->array.items[array->array.count++] = member;
	return 0;

err_free_member:
	mica_json_free(member);
	return ret;
}

void mica_json_array_sort(struct mica_json *array,
			  int (*compare)(const void *a, const void *b))
{
	if (array->type == MICA_JSON_ARRAY && array->array.count > 1)
		qsort(array->array.items, array->array.count,
		      sizeof(array->array.items[0]), compare);
}

int mica_json_object_add(struct mica_json *object, const char *key,
			 struct mica_json *member)
{
	struct json_member *slot;
	int ret;

	if (!member)
		return -ENOMEM;
	ret = -EINVAL;
	if (object->type != MICA_JSON_OBJECT)
		goto err_free_member;
	ret = -EEXIST;
	if (mica_json_object_get(object, key))
		goto err_free_member;
	ret = json_grow((void **)&object->object.members,
			&object->object.capacity, object->object.count,
			sizeof(object->object.members[0]));
	if (ret)
		goto err_free_member;
	slot = &object->object.members[object->object.count];
	slot->key = strdup(key);
	ret = -ENOMEM;
	if (!slot->key)
		goto err_free_member;
	slot->value = member;
	object->object.count++;
	return 0;

err_free_member:
	mica_json_free(member);
	return ret;
}

enum mica_json_type mica_json_type(const struct mica_json *value)
{
	return value->type;
}

bool mica_json_bool(const struct mica_json *value)
{
	return value->type == MICA_JSON_BOOL && value->boolean;
}

int64_t mica_json_integer(const struct mica_json *value)
{
	return value->type == MICA_JSON_INTEGER ? value->integer : 0;
}

const char *mica_json_string(const struct mica_json *value, size_t *len)
{
	if (value->type != MICA_JSON_STRING)
		return NULL;
	if (len)
		*len = value->string.len;
	return value->string.bytes;
}

size_t mica_json_length(const struct mica_json *value)
{
	if (value->type == MICA_JSON_ARRAY)
		return value->array.count;
	if (value->type == MICA_JSON_OBJECT)
		return value->object.count;
	return 0;
}

struct mica_json *mica_json_array_at(const struct mica_json *array, size_t i)
{
	if (array->type != MICA_JSON_ARRAY || i >= array->array.count)
		return NULL;
	return array->array.items[i];
}

const char *mica_json_object_key_at(const struct mica_json *object, size_t i)
{
	if (object->type != MICA_JSON_OBJECT || i >= object->object.count)
		return NULL;
	return object->object.members[i].key;
}

struct mica_json *mica_json_object_value_at(const struct mica_json *object,
					    size_t i)
{
	if (object->type != MICA_JSON_OBJECT || i >= object->object.count)
		return NULL;
	return object->object.members[i].value;
}

struct mica_json *mica_json_object_get(const struct mica_json *object,
				       const char *key)
{
	size_t i;

	if (object->type != MICA_JSON_OBJECT)
		return NULL;
	for (i = 0; i < object->object.count; i++)
		if (!strcmp(object->object.members[i].key, key))
			return object->object.members[i].value;
	return NULL;
}

int mica_json_get_integer(const struct mica_json *object, const char *key,
			  int64_t min, int64_t max, int64_t *out)
{
	const struct mica_json *member = mica_json_object_get(object, key);

	if (!member)
		return -ENOENT;
	if (member->type != MICA_JSON_INTEGER || member->integer < min ||
	    member->integer > max)
		return -EINVAL;
	*out = member->integer;
	return 0;
}

int mica_json_get_string(const struct mica_json *object, const char *key,
			 const char **out, size_t *len)
{
	const struct mica_json *member = mica_json_object_get(object, key);

	if (!member)
		return -ENOENT;
	if (member->type != MICA_JSON_STRING)
		return -EINVAL;
	if (!len && memchr(member->string.bytes, '\0', member->string.len))
		return -EINVAL;
	*out = member->string.bytes;
	if (len)
		*len = member->string.len;
	return 0;
}

int mica_json_get_bool(const struct mica_json *object, const char *key,
		       bool *out)
{
	const struct mica_json *member = mica_json_object_get(object, key);

	if (!member)
		return -ENOENT;
	if (member->type != MICA_JSON_BOOL)
		return -EINVAL;
	*out = member->boolean;
	return 0;
}

const char *mica_json_unknown_member(const struct mica_json *object,
				     const char *const *known)
{
	const char *key;
	size_t i, k;

	for (i = 0; i < mica_json_length(object); i++) {
		key = object->object.members[i].key;
		for (k = 0; known[k] && strcmp(known[k], key); k++)
			;
		if (!known[k])
			return key;
	}
	return NULL;
}
