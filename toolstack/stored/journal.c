// SPDX-License-Identifier: MIT
/* Snapshot and journal files: loading, appending, compacting. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mica/error.h>
#include <mica/json.h>

#include "buffer.h"
#include "change.h"
#include "domain.h"
#include "frame.h"
#include "journal.h"
#include "perms.h"
#include "store.h"

/* One commit's record may be far larger than a protocol message. */
#define JOURNAL_RECORD_MAX (64u << 20)
#define SNAPSHOT_FORMAT "mica-store-snapshot"
#define SNAPSHOT_VERSION 2 /* 2: 8-byte frame headers */

static char *path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *path = malloc(len);

	if (path)
		snprintf(path, len, "%s/%s", dir, name);
	return path;
}

static int write_all(int fd, const uint8_t *bytes, size_t len)
{
	ssize_t done;

	while (len) {
		done = write(fd, bytes, len);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return -errno;
		bytes += done;
		len -= done;
	}
	return 0;
}

/* Reads a whole file; -ENOENT if it does not exist. */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
	struct buffer buf = { 0 };
	uint8_t chunk[65536];
	ssize_t got;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			ret = got < 0 ? -errno : 0;
			break;
		}
		ret = buffer_append(&buf, chunk, got);
		if (ret)
			break;
	}
	close(fd);
	if (ret) {
		buffer_release(&buf);
		return ret;
	}
	*out = buf.data;
	*len = buf.len;
	return 0;
}

/*
 * Decodes the next frame of @bytes at *@pos as JSON.  Returns 1 with the
 * value, 0 at a clean end, or -EBADMSG for a truncated or unparseable
 * frame (*@pos is left at its start).
 */
static int next_record(const uint8_t *bytes, size_t len, size_t *pos,
		       struct mica_json **out)
{
	struct frame_decoder dec;
	uint8_t *payload;
	uint32_t size;
	size_t used;
	int status;

	if (*pos == len)
		return 0;
	frame_decoder_init(&dec, JOURNAL_RECORD_MAX);
	status = frame_decoder_feed(&dec, bytes + *pos, len - *pos, &used);
	if (status != FRAME_COMPLETE) {
		frame_decoder_release(&dec);
		return status == -ENOMEM ? -ENOMEM : -EBADMSG;
	}
	payload = frame_decoder_take(&dec, &size);
	status = mica_json_parse(payload, size, out, NULL);
	free(payload);
	if (status)
		return status == -ENOMEM ? -ENOMEM : -EBADMSG;
	*pos += used;
	return 1;
}

static int apply_change_json(struct store *store, const struct mica_json *json,
			     struct mica_error *err)
{
	struct change change;
	int ret;

	ret = change_from_json(json, &change, err);
	if (ret)
		return ret;
	ret = change_apply(store, &change);
	perms_put(change.perms);
	if (ret)
		return mica_error_set(err, -ret, "cannot apply change to '%s'",
				      change.path ? change.path : "(domain)");
	return 0;
}

static int snapshot_load(struct journal *journal, struct mica_error *err)
{
	struct mica_json *record = NULL;
	bool ended = false;
	size_t len, pos = 0;
	uint8_t *bytes;
	int64_t n, count = 0;
	const char *format;
	int ret;

	ret = read_file(journal->snapshot_path, &bytes, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return mica_error_set(err, -ret, "cannot read %s",
				      journal->snapshot_path);
	ret = next_record(bytes, len, &pos, &record);
	if (ret != 1 || mica_json_get_string(record, "format", &format, NULL) ||
	    strcmp(format, SNAPSHOT_FORMAT) ||
	    mica_json_get_integer(record, "version", SNAPSHOT_VERSION,
				  SNAPSHOT_VERSION, &n) ||
	    mica_json_get_integer(record, "seq", 0, INT64_MAX, &n)) {
		ret = mica_error_set(err, EBADMSG, "%s: bad header",
				     journal->snapshot_path);
		goto out;
	}
	journal->seq = n;
	for (;;) {
		mica_json_free(record);
		record = NULL;
		ret = next_record(bytes, len, &pos, &record);
		if (ret != 1)
			break;
		if (mica_json_object_get(record, "end")) {
			ended = !mica_json_get_integer(record, "count", count,
						       count, &n);
			break;
		}
		ret = apply_change_json(journal->store, record, err);
		if (ret) {
			mica_error_prefix(err, "%s", journal->snapshot_path);
			goto out;
		}
		count++;
	}
	ret = 0;
	if (!ended || pos != len)
		ret = mica_error_set(err, EBADMSG, "%s: truncated or corrupt",
				     journal->snapshot_path);
out:
	mica_json_free(record);
	free(bytes);
	return ret;
}

static int journal_replay_record(struct journal *journal,
				 const struct mica_json *record,
				 struct mica_error *err)
{
	const struct mica_json *changes;
	int64_t seq;
	size_t i;
	int ret;

	changes = mica_json_object_get(record, "changes");
	if (mica_json_get_integer(record, "seq", 1, INT64_MAX, &seq) ||
	    !changes || mica_json_type(changes) != MICA_JSON_ARRAY)
		return mica_error_set(err, EBADMSG, "bad record");
	if ((uint64_t)seq <= journal->seq)
		return 0; /* already in the snapshot */
	for (i = 0; i < mica_json_length(changes); i++) {
		ret = apply_change_json(journal->store,
					mica_json_array_at(changes, i), err);
		if (ret)
			return mica_error_prefix(err, "record %lld",
						 (long long)seq);
	}
	journal->seq = seq;
	return 0;
}

static int journal_replay(struct journal *journal, struct mica_error *err)
{
	struct mica_json *record;
	size_t len, pos = 0;
	uint8_t *bytes;
	int ret;

	ret = read_file(journal->journal_path, &bytes, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return mica_error_set(err, -ret, "cannot read %s",
				      journal->journal_path);
	while ((ret = next_record(bytes, len, &pos, &record)) == 1) {
		ret = journal_replay_record(journal, record, err);
		mica_json_free(record);
		if (ret) {
			mica_error_prefix(err, "%s", journal->journal_path);
			goto out;
		}
	}
	if (ret == -EBADMSG) {
		/* The compaction that follows loading drops the torn tail. */
		store_warn(journal->store,
			   "%s: ignoring %zu bytes of torn record at the end",
			   journal->journal_path, len - pos);
		ret = 0;
	} else if (ret) {
		ret = mica_error_set(err, -ret, "out of memory");
	}
out:
	free(bytes);
	return ret;
}

/* Appends @message as a frame to @out and writes @out once it is large. */
static int snapshot_emit(int fd, struct buffer *out, struct mica_json *message,
			 bool flush)
{
	int ret;

	if (!message)
		return -ENOMEM;
	ret = frame_encode(message, JOURNAL_RECORD_MAX, out, NULL);
	mica_json_free(message);
	if (ret)
		return ret;
	if (!flush && out->len < (256u << 10))
		return 0;
	ret = write_all(fd, buffer_head(out), out->len);
	buffer_consume(out, out->len);
	return ret;
}

static int snapshot_write_nodes(int fd, struct buffer *out,
				const struct node *node, int64_t *count)
{
	const struct change change = {
		.kind = CHANGE_WRITE,
		.path = node->path,
		.value = node->value,
		.value_len = node->value_len,
		.perms = node->perms,
	};
	struct list *pos;
	int ret;

	ret = snapshot_emit(fd, out, change_to_json(&change), false);
	(*count)++;
	list_for_each(pos, &node->children) {
		if (ret)
			break;
		ret = snapshot_write_nodes(
			fd, out, list_entry(pos, struct node, sibling), count);
	}
	return ret;
}

static int snapshot_write_domains(int fd, struct buffer *out,
				  const struct store *store, int64_t *count)
{
	struct change change = { .kind = CHANGE_INTRODUCE };
	const struct domain *domain;
	struct hash_link *link;
	size_t i;
	int ret;

	for (i = 0; i <= store->domains.mask; i++) {
		for (link = store->domains.buckets[i]; link;
		     link = link->next) {
			domain = container_of(link, struct domain, link);
			if (!domain->introduced || domain->domid == 0)
				continue;
			change.domid = domain->domid;
			ret = snapshot_emit(fd, out, change_to_json(&change),
					    false);
			if (ret)
				return ret;
			(*count)++;
		}
	}
	return 0;
}

static struct mica_json *snapshot_header(uint64_t seq)
{
	struct mica_json *header = mica_json_new_object();
	int ret;

	if (!header)
		return NULL;
	ret = mica_json_object_add(header, "format",
				   mica_json_new_cstring(SNAPSHOT_FORMAT));
	ret = ret   ?:
		      mica_json_object_add(
			      header, "version",
			      mica_json_new_integer(SNAPSHOT_VERSION));
	ret = ret   ?:
		      mica_json_object_add(header, "seq",
					   mica_json_new_integer(seq));
	if (ret) {
		mica_json_free(header);
		return NULL;
	}
	return header;
}

static struct mica_json *snapshot_trailer(int64_t count)
{
	struct mica_json *trailer = mica_json_new_object();

	if (trailer &&
	    (mica_json_object_add(trailer, "end", mica_json_new_bool(true)) ||
	     mica_json_object_add(trailer, "count",
				  mica_json_new_integer(count)))) {
		mica_json_free(trailer);
		return NULL;
	}
	return trailer;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = fsync(fd) ? -errno : 0;
	close(fd);
	return ret;
}

int journal_compact(struct journal *journal, struct mica_error *err)
{
	struct store *store = journal->store;
	struct buffer out = { 0 };
	int64_t count = 0;
	int fd, ret;

	fd = open(journal->snapshot_tmp_path,
		  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return mica_error_set(err, EIO, "cannot create %s: %s",
				      journal->snapshot_tmp_path,
				      strerror(errno));
	ret = snapshot_emit(fd, &out, snapshot_header(journal->seq), false);
	ret = ret ?: snapshot_write_domains(fd, &out, store, &count);
	ret = ret ?: snapshot_write_nodes(fd, &out, store->tree.root, &count);
	ret = ret ?: snapshot_emit(fd, &out, snapshot_trailer(count), true);
	buffer_release(&out);
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	if (!ret && rename(journal->snapshot_tmp_path, journal->snapshot_path))
		ret = -errno;
	ret = ret ?: fsync_dir(journal->dir);
	if (ret) {
		unlink(journal->snapshot_tmp_path);
		return mica_error_set(err, EIO, "cannot write %s: %s",
				      journal->snapshot_path, strerror(-ret));
	}
	/* The snapshot now holds everything: the journal can go. */
	if (ftruncate(journal->fd, 0) || fsync(journal->fd))
		return mica_error_set(err, EIO, "cannot truncate %s: %s",
				      journal->journal_path, strerror(errno));
	journal->size = 0;
	return 0;
}

void journal_maybe_compact(struct journal *journal)
{
	struct mica_error err;

	if ((size_t)journal->size < journal->store->config.compact_bytes)
		return;
	/* Not fatal: the journal still holds everything. */
	if (journal_compact(journal, &err))
		store_warn(journal->store, "compaction failed: %s",
			   err.message);
}

static struct mica_json *
journal_record(uint64_t seq, const struct change *changes, size_t count)
{
	struct mica_json *record = mica_json_new_object();
	struct mica_json *list = mica_json_new_array();
	size_t i;
	int ret;

	if (!record || !list)
		goto err_free;
	for (i = 0; i < count; i++)
		if (mica_json_array_append(list, change_to_json(&changes[i])))
			goto err_free;
	ret = mica_json_object_add(record, "seq", mica_json_new_integer(seq));
	ret = ret ?: mica_json_object_add(record, "changes", list);
	list = NULL;
	if (ret)
		goto err_free;
	return record;

err_free:
	mica_json_free(list);
	mica_json_free(record);
	return NULL;
}

int journal_append(struct journal *journal, const struct change *changes,
		   size_t count, struct mica_error *err)
{
	struct buffer out = { 0 };
	struct mica_json *record;
	int ret;

	record = journal_record(journal->seq + 1, changes, count);
	if (!record)
		return mica_error_set(err, ENOMEM, "out of memory");
	ret = frame_encode(record, JOURNAL_RECORD_MAX, &out, err);
	mica_json_free(record);
	if (ret)
		return ret;
	ret = write_all(journal->fd, buffer_head(&out), out.len);
	if (!ret && journal->store->config.fsync && fdatasync(journal->fd))
		ret = -errno;
	if (ret) {
		/* Leave no partial record behind for the next start. */
		if (ftruncate(journal->fd, journal->size))
			store_warn(journal->store, "cannot trim %s",
				   journal->journal_path);
		ret = mica_error_set(err, EIO, "cannot write %s: %s",
				     journal->journal_path, strerror(-ret));
	} else {
		journal->size += out.len;
		journal->seq++;
	}
	buffer_release(&out);
	return ret;
}

void journal_close(struct journal *journal)
{
	if (!journal)
		return;
	if (journal->fd >= 0)
		close(journal->fd);
	free(journal->journal_path);
	free(journal->snapshot_tmp_path);
	free(journal->snapshot_path);
	free(journal->dir);
	free(journal);
}

int journal_open(struct store *store, struct mica_error *err)
{
	const char *dir = store->config.state_dir;
	struct journal *journal;
	int ret;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return mica_error_set(err, errno, "cannot create %s: %s", dir,
				      strerror(errno));
	journal = calloc(1, sizeof(*journal));
	if (!journal)
		return mica_error_set(err, ENOMEM, "out of memory");
	journal->store = store;
	journal->fd = -1;
	journal->dir = strdup(dir);
	journal->snapshot_path = path_join(dir, "store.snapshot");
	journal->snapshot_tmp_path = path_join(dir, "store.snapshot.tmp");
	journal->journal_path = path_join(dir, "store.journal");
	if (!journal->dir || !journal->snapshot_path ||
	    !journal->snapshot_tmp_path || !journal->journal_path) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto err_close;
	}
	ret = snapshot_load(journal, err);
	ret = ret ?: journal_replay(journal, err);
	if (ret)
		goto err_close;
	journal->fd = open(journal->journal_path,
			   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (journal->fd < 0) {
		ret = mica_error_set(err, errno, "cannot open %s: %s",
				     journal->journal_path, strerror(errno));
		goto err_close;
	}
	ret = journal_compact(journal, err);
	if (ret)
		goto err_close;
	store->journal = journal;
	return 0;

err_close:
	journal_close(journal);
	return ret;
}
