// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the domain configuration parser.  Any input either
 * parses, and then its canonical text parses back to the same text, or
 * fails with -EINVAL and a message naming "fuzz.cfg".
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mica/config.h>
#include <mica/error.h>
#include <mica/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mica_config config, again;
	struct mica_error err;
	struct mica_json *json;
	char *text, *text2;
	int ret;

	ret = mica_config_parse((const char *)data, size, "fuzz.cfg", &config,
				&err);
	if (ret) {
		if (ret != -EINVAL || strncmp(err.message, "fuzz.cfg", 8))
			__builtin_trap();
		return 0;
	}
	text = mica_config_format(&config);
	json = mica_config_to_json(&config);
	if (!text || !json)
		__builtin_trap();
	mica_json_free(json);
	if (mica_config_parse(text, strlen(text), "canonical", &again, &err))
		__builtin_trap();
	text2 = mica_config_format(&again);
	if (!text2 || strcmp(text, text2))
		__builtin_trap();
	free(text2);
	free(text);
	mica_config_release(&again);
	mica_config_release(&config);
	return 0;
}
