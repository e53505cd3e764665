// SPDX-License-Identifier: MIT
/* Loading a configuration file: reading it, resolving relative paths. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mica/config.h>
#include <mica/error.h>

/* Larger files are refused: a configuration is a few hundred bytes. */
#define CONFIG_FILE_MAX (1u << 20)

/* Makes *@path absolute by putting @dir (with its '/') in front. */
static int resolve(char **path, const char *file, size_t dir_len,
		   struct mica_error *err)
{
	char *abs;

	if (!*path || (*path)[0] == '/')
		return 0;
	abs = malloc(dir_len + strlen(*path) + 1);
	if (!abs)
		return mica_error_set(err, ENOMEM, "out of memory");
	memcpy(abs, file, dir_len);
	strcpy(abs + dir_len, *path);
	free(*path);
	*path = abs;
	return 0;
}

int mica_config_load(const char *path, struct mica_config *config,
		     struct mica_error *err)
{
	const char *slash;
	char *text, *cwd = NULL, *file;
	size_t len, dir_len;
	FILE *f;
	int ret;

	memset(config, 0, sizeof(*config));
	f = fopen(path, "r");
	if (!f)
		return mica_error_set(err, errno, "%s: %s", path,
				      strerror(errno));
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		return mica_error_set(err, ENOMEM, "out of memory");
	}
	errno = 0;
	len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	ret = ferror(f) ?
		      mica_error_set(err, errno ? errno : EIO, "%s: %s", path,
				     errno ? strerror(errno) : "read error") :
	      len > CONFIG_FILE_MAX ?
		      mica_error_set(err, EFBIG,
				     "%s: larger than 1 MiB: not a "
				     "configuration file",
				     path) :
		      0;
	fclose(f);
	if (!ret)
		ret = mica_config_parse(text, len, path, config, err);
	free(text);
	if (ret)
		return ret;
	/* Relative kernel and ramdisk paths are relative to the file. */
	if (path[0] != '/') {
		cwd = getcwd(NULL, 0);
		if (!cwd || asprintf(&file, "%s/%s", cwd, path) < 0) {
			free(cwd);
			mica_config_release(config);
			return mica_error_set(err, ENOMEM, "out of memory");
		}
		free(cwd);
	} else {
		file = strdup(path);
		if (!file) {
			mica_config_release(config);
			return mica_error_set(err, ENOMEM, "out of memory");
		}
	}
	slash = strrchr(file, '/');
	dir_len = (size_t)(slash - file) + 1;
	ret = resolve(&config->kernel, file, dir_len, err);
	if (!ret)
		ret = resolve(&config->ramdisk, file, dir_len, err);
	free(file);
	if (ret)
		mica_config_release(config);
	return ret;
}
