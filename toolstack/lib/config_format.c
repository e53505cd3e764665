// SPDX-License-Identifier: MIT
/* A configuration back to canonical text, and to JSON. */
#include <stdio.h>
#include <stdlib.h>

#include <mica/config.h>
#include <mica/json.h>

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void put_key_string(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s = ", key);
	put_string(f, value);
	fputc('\n', f);
}

static void put_list(FILE *f, const char *key, char *const *items,
		     unsigned int n)
{
	unsigned int i;

	if (!n)
		return;
	fprintf(f, "%s = [", key);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : " ", f);
		put_string(f, items[i]);
	}
	fputs(" ]\n", f);
}

/* The largest unit that divides @bytes exactly: "2G", "1536M", "4100K". */
static void put_size(FILE *f, uint64_t bytes)
{
	static const char units[] = "TGMK";
	unsigned int i;

	for (i = 0; i < 4; i++) {
		unsigned int shift = 10 * (4 - i);

		if (!(bytes & ((1ULL << shift) - 1))) {
			fprintf(f, "%llu%c",
				(unsigned long long)(bytes >> shift), units[i]);
			return;
		}
	}
	fprintf(f, "%llu", (unsigned long long)bytes);
}

char *mica_config_format(const struct mica_config *config)
{
	char *text = NULL, uuid[MICA_UUID_STRLEN + 1];
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	put_key_string(f, "name", config->name);
	if (config->has_uuid) {
		mica_uuid_format(&config->uuid, uuid);
		put_key_string(f, "uuid", uuid);
	}
	put_key_string(f, "kernel", config->kernel);
	if (config->ramdisk)
		put_key_string(f, "ramdisk", config->ramdisk);
	put_key_string(f, "cmdline", config->cmdline);
	fputs("memory = ", f);
	put_size(f, config->memory);
	fprintf(f, "\nvcpus = %u\n", config->vcpus);
	put_key_string(f, "on_poweroff",
		       mica_config_action_name(config->on_poweroff));
	put_key_string(f, "on_reboot",
		       mica_config_action_name(config->on_reboot));
	put_key_string(f, "on_crash",
		       mica_config_action_name(config->on_crash));
	put_list(f, "disk", config->disks, config->nr_disks);
	put_list(f, "vif", config->vifs, config->nr_vifs);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static struct mica_json *string_list(char *const *items, unsigned int n)
{
	struct mica_json *list = mica_json_new_array();
	unsigned int i;

	for (i = 0; list && i < n; i++) {
		if (mica_json_array_append(list,
					   mica_json_new_cstring(items[i]))) {
			mica_json_free(list);
			return NULL;
		}
	}
	return list;
}

struct mica_json *mica_config_to_json(const struct mica_config *config)
{
	struct mica_json *o = mica_json_new_object();
	char uuid[MICA_UUID_STRLEN + 1];
	int ret;

	if (!o)
		return NULL;
	ret = mica_json_object_add(o, "name",
				   mica_json_new_cstring(config->name));
	if (!ret && config->has_uuid) {
		mica_uuid_format(&config->uuid, uuid);
		ret = mica_json_object_add(o, "uuid",
					   mica_json_new_cstring(uuid));
	}
	if (!ret)
		ret = mica_json_object_add(
			o, "kernel", mica_json_new_cstring(config->kernel));
	if (!ret && config->ramdisk)
		ret = mica_json_object_add(
			o, "ramdisk", mica_json_new_cstring(config->ramdisk));
	if (!ret)
		ret = mica_json_object_add(
			o, "cmdline", mica_json_new_cstring(config->cmdline));
	if (!ret)
		ret = mica_json_object_add(
			o, "memory_bytes",
			mica_json_new_integer((int64_t)config->memory));
	if (!ret)
		ret = mica_json_object_add(
			o, "vcpus", mica_json_new_integer(config->vcpus));
	if (!ret)
		ret = mica_json_object_add(
			o, "on_poweroff",
			mica_json_new_cstring(
				mica_config_action_name(config->on_poweroff)));
	if (!ret)
		ret = mica_json_object_add(
			o, "on_reboot",
			mica_json_new_cstring(
				mica_config_action_name(config->on_reboot)));
	if (!ret)
		ret = mica_json_object_add(
			o, "on_crash",
			mica_json_new_cstring(
				mica_config_action_name(config->on_crash)));
	if (!ret)
		ret = mica_json_object_add(o, "disk",
					   string_list(config->disks,
						       config->nr_disks));
	if (!ret)
		ret = mica_json_object_add(
			o, "vif", string_list(config->vifs, config->nr_vifs));
	if (ret) {
		mica_json_free(o);
		return NULL;
	}
	return o;
}
