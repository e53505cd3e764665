/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_PATH_H
#define MICA_STORED_PATH_H

/*
 * Store paths.  A node path is "/" or a sequence of "/component", where a
 * component is 1..PATH_COMPONENT_MAX characters from [A-Za-z0-9_.@-] and is
 * neither "." nor "..".  Paths are at most PATH_MAX_LEN bytes.  Every path
 * has exactly one spelling, so paths compare and hash as plain strings.
 */

#include <stdbool.h>
#include <stddef.h>

#define PATH_MAX_LEN 1024
#define PATH_COMPONENT_MAX 255

/* Lifecycle watch paths: not nodes, only valid for watch and unwatch. */
#define PATH_INTRODUCE_DOMAIN "@introduceDomain"
#define PATH_RELEASE_DOMAIN "@releaseDomain"

/* 0 if @path is a valid node path, else -EINVAL or -ENAMETOOLONG. */
int path_check(const char *path);

/* As path_check(), also accepting the two lifecycle watch paths. */
int path_check_watch(const char *path);

bool path_is_special(const char *path);

/*
 * Length of the parent's path within @path ("/a/b" -> 2, "/a" -> 1); the
 * root has no parent and gives 0.
 */
size_t path_parent_len(const char *path);

/* The last component ("/a/b" -> "b"); "" for the root. */
const char *path_basename(const char *path);

/* True if @ancestor is @path or one of its ancestors. */
bool path_is_within(const char *path, const char *ancestor);

#endif
