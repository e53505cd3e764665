/* SPDX-License-Identifier: MIT */
/*
 * fs: a file-system workload on a fresh tmpfs (mounted by this program under
 * /tmp, unmounted at the end): many files created, written in odd-sized
 * chunks, fsync'ed, read back and compared; renames (plain, replacing,
 * RENAME_NOREPLACE, RENAME_EXCHANGE), unlinks, directory listings, links,
 * pread/pwrite against an in-memory model, truncation, shared file
 * mappings, ENOSPC on a full tmpfs and concurrent writers in child
 * processes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "wl.h"

enum { dirs = 8, files = 256 };

static char root[64];

/* The expected content of file i: a size and a generator. */
static size_t file_size(int i)
{
	static const size_t sizes[] = { 0,    1,     511,   4096,
					4097, 12345, 65536, 70001 };

	return sizes[i % 8] + (size_t)(i / 8) * 3;
}

static void file_content(int i, unsigned char *buf, size_t n)
{
	uint64_t s = 0x1234567ull + (uint64_t)i * 977;
	size_t k;

	for (k = 0; k < n; k++)
		buf[k] = (unsigned char)wl_rand(&s);
}

static void path_of(char *out, size_t len, int dir, const char *name, int i)
{
	snprintf(out, len, "%s/d%d/%s%d", root, dir, name, i);
}

/* Writes buf in chunks of varying size; 0 on success. */
static int write_all(int fd, const unsigned char *buf, size_t n)
{
	size_t done = 0, chunk = 1;

	while (done < n) {
		size_t len = chunk < n - done ? chunk : n - done;
		ssize_t w = write(fd, buf + done, len);

		if (w <= 0)
			return -1;
		done += (size_t)w;
		chunk = chunk * 3 + 7;
		if (chunk > 20000)
			chunk = 13;
	}
	return 0;
}

/* 1 if the file at path has exactly file i's content. */
static int file_matches(const char *path, int i, unsigned char *want,
			unsigned char *got)
{
	size_t n = file_size(i);
	int fd = open(path, O_RDONLY);
	ssize_t r;
	struct stat st;

	if (fd < 0)
		return 0;
	file_content(i, want, n);
	r = read(fd, got, n + 1);
	if (fstat(fd, &st))
		r = -1;
	close(fd);
	return r == (ssize_t)n && st.st_size == (off_t)n &&
	       !memcmp(want, got, n);
}

static unsigned char *want, *got;

static void create_files(void)
{
	char path[128];
	int i, bad = 0;

	for (i = 0; i < dirs; i++) {
		snprintf(path, sizeof(path), "%s/d%d", root, i);
		if (mkdir(path, 0755))
			wl_die("mkdir");
	}
	for (i = 0; i < files; i++) {
		int fd;

		path_of(path, sizeof(path), i % dirs, "f", i);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		file_content(i, want, file_size(i));
		if (fd < 0 || write_all(fd, want, file_size(i)) || fsync(fd) ||
		    fdatasync(fd) || close(fd))
			bad++;
	}
	sync();
	wl_check(!bad, "256 files created, written in odd chunks, fsync'ed",
		 "%d failed", bad);
	for (i = 0; i < files; i++) {
		path_of(path, sizeof(path), i % dirs, "f", i);
		bad += !file_matches(path, i, want, got);
	}
	wl_check(!bad, "256 files read back: sizes and contents", "%d bad",
		 bad);
}

/* Entries of directory path whose name starts with first (0: any but
 * "." and ".."); -1 if it cannot be opened. */
static int count_entries(const char *path, char first)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += first ? e->d_name[0] == first : e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* count_entries() of the numbered directory d<dir>. */
static int count_dir(int dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/d%d", root, dir);
	return count_entries(path, 0);
}

static void rename_unlink(void)
{
	char from[128], to[128];
	int i, bad = 0, n = 0;

	/* every third file moves to the next directory under a new name */
	for (i = 0; i < files; i += 3) {
		path_of(from, sizeof(from), i % dirs, "f", i);
		path_of(to, sizeof(to), (i + 1) % dirs, "moved", i);
		bad += rename(from, to) != 0;
	}
	for (i = 0; i < files; i += 3) {
		path_of(from, sizeof(from), i % dirs, "f", i);
		path_of(to, sizeof(to), (i + 1) % dirs, "moved", i);
		bad += access(from, F_OK) == 0 ||
		       !file_matches(to, i, want, got);
	}
	wl_check(!bad, "renames across directories keep contents", "%d bad",
		 bad);

	/* every fourth remaining file is unlinked */
	bad = 0;
	for (i = 1; i < files; i += 4) {
		if (i % 3 == 0)
			continue;
		path_of(from, sizeof(from), i % dirs, "f", i);
		bad += unlink(from) != 0;
		bad += open(from, O_RDONLY) != -1 || errno != ENOENT;
	}
	for (i = 0; i < dirs; i++)
		n += count_dir(i);
	{
		int want_n = 0;

		for (i = 0; i < files; i++)
			want_n += !(i % 3 != 0 && i % 4 == 1);
		wl_check(!bad && n == want_n,
			 "unlinks: files gone (ENOENT), directory listings "
			 "count the rest",
			 "%d bad, %d entries, want %d", bad, n, want_n);
	}

	/* rename over an existing file replaces it atomically */
	path_of(from, sizeof(from), 2, "f", 2);
	path_of(to, sizeof(to), 4, "f", 4);
	bad = rename(from, to) || !file_matches(to, 2, want, got);
	wl_check(!bad, "rename over an existing file replaces it", "");

	/* files 10 and 7 are still in place (neither moved nor unlinked) */
	path_of(from, sizeof(from), 10 % dirs, "f", 10);
	path_of(to, sizeof(to), 7, "f", 7);
	bad = renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) != -1 ||
	      errno != EEXIST;
	bad += renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE) != 0 ||
	       !file_matches(from, 7, want, got) ||
	       !file_matches(to, 10, want, got);
	wl_check(!bad, "renameat2: NOREPLACE refuses (EEXIST), EXCHANGE swaps",
		 "%d bad", bad);
}

static void links(void)
{
	char a[128], b[128], c[128], target[128];
	struct stat st;
	ssize_t n;
	int fd, bad = 0;

	/* file 14 is still in place */
	path_of(a, sizeof(a), 14 % dirs, "f", 14);
	path_of(b, sizeof(b), 0, "hard", 14);
	path_of(c, sizeof(c), 1, "sym", 14);
	bad += link(a, b) || stat(a, &st) || st.st_nlink != 2;
	bad += symlink(a, c) ||
	       (n = readlink(c, target, sizeof(target) - 1)) < 0;
	if (!bad) {
		target[n] = 0;
		bad += strcmp(target, a) || !file_matches(c, 14, want, got);
	}
	/* an unlinked but open file stays readable */
	fd = open(a, O_RDONLY);
	bad += fd < 0 || unlink(a) || unlink(b) || access(c, F_OK) == 0;
	if (fd >= 0) {
		bad += fstat(fd, &st) || st.st_nlink != 0 ||
		       read(fd, got, 1) != 1;
		close(fd);
	}
	wl_check(
		!bad,
		"hard and symbolic links, an unlinked open file stays readable",
		"%d bad", bad);
}

/* pread/pwrite at pseudo-random offsets against a model; truncation. */
static void random_io(void)
{
	size_t n = 1 << 20;
	unsigned char *model = calloc(1, n), *buf = malloc(n);
	char path[128];
	uint64_t s = 42;
	int fd, i, bad = 0;

	snprintf(path, sizeof(path), "%s/random", root);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	if (fd < 0 || !model || !buf)
		wl_die("random_io setup");
	if (ftruncate(fd, (off_t)n))
		bad++;
	for (i = 0; i < 2000; i++) {
		size_t off = wl_rand(&s) % n, len = wl_rand(&s) % 3000 + 1, k;

		if (len > n - off)
			len = n - off;
		for (k = 0; k < len; k++)
			model[off + k] = (unsigned char)(i + k);
		bad += pwrite(fd, model + off, len, (off_t)off) != (ssize_t)len;
		if (i % 100 == 0)
			bad += fsync(fd) != 0;
	}
	bad += pread(fd, buf, n, 0) != (ssize_t)n || memcmp(buf, model, n);
	wl_check(!bad, "2000 pwrites at random offsets match a model (pread)",
		 "%d bad", bad);

	bad = ftruncate(fd, 1000) || ftruncate(fd, 9000) ||
	      pread(fd, buf, 9000, 0) != 9000 || memcmp(buf, model, 1000);
	for (i = 1000; !bad && i < 9000; i++)
		bad += buf[i] != 0;
	wl_check(!bad, "ftruncate shrink then grow: the new tail reads zero",
		 "");

	/* a shared mapping and read/write see each other */
	{
		unsigned char *m = mmap(NULL, 9000, PROT_READ | PROT_WRITE,
					MAP_SHARED, fd, 0);

		bad = m == MAP_FAILED;
		if (!bad) {
			memset(m + 100, 0xab, 50);
			bad += msync(m, 9000, MS_SYNC) ||
			       pread(fd, buf, 50, 100) != 50 ||
			       buf[0] != 0xab || buf[49] != 0xab;
			bad += pwrite(fd, "xyz", 3, 8000) != 3 ||
			       memcmp(m + 8000, "xyz", 3);
			munmap(m, 9000);
		}
		wl_check(!bad, "MAP_SHARED file mapping and read/write agree",
			 "");
	}
	close(fd);
	unlink(path);
	free(model);
	free(buf);
}

/* A 512 KiB tmpfs fills up with ENOSPC, and unlink gives the space back. */
static void enospc(void)
{
	char dir[96], path[128];
	unsigned char block[4096];
	struct statfs before, full, after;
	ssize_t w = 0;
	size_t total = 0;
	int fd, bad = 0;

	snprintf(dir, sizeof(dir), "%s/small", root);
	if (mkdir(dir, 0755) || mount("tmpfs", dir, "tmpfs", 0, "size=512k")) {
		wl_check(0, "ENOSPC on a full tmpfs", "mount: %s",
			 strerror(errno));
		return;
	}
	statfs(dir, &before);
	snprintf(path, sizeof(path), "%s/fill", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	memset(block, 0x77, sizeof(block));
	while (fd >= 0 && (w = write(fd, block, sizeof(block))) > 0)
		total += (size_t)w;
	bad = fd < 0 || w != -1 || errno != ENOSPC || total > 512 * 1024 ||
	      total < 256 * 1024;
	statfs(dir, &full);
	close(fd);
	unlink(path);
	statfs(dir, &after);
	bad += full.f_bfree != 0 || after.f_bfree != before.f_bfree;
	wl_check(!bad,
		 "a full 512 KiB tmpfs: write fails with ENOSPC, unlink frees "
		 "the space",
		 "wrote %zu bytes, free blocks %lu/%lu/%lu", total,
		 (unsigned long)before.f_bfree, (unsigned long)full.f_bfree,
		 (unsigned long)after.f_bfree);
	bad = umount(dir) || rmdir(dir);
	wl_check(!bad, "the small tmpfs unmounts", "%s", strerror(errno));
}

/* 4 processes create/write/verify/rename/unlink in their own directories. */
static void concurrent(void)
{
	pid_t pids[4];
	int p, bad = 0;

	for (p = 0; p < 4; p++) {
		pids[p] = wl_fork();
		if (pids[p] == 0) {
			char d[96], a[128], b[128];
			int i, errs = 0;

			snprintf(d, sizeof(d), "%s/c%d", root, p);
			if (mkdir(d, 0755))
				_exit(2);
			for (i = 0; i < 100; i++) {
				int k = p * 1000 + i, fd;

				snprintf(a, sizeof(a), "%s/t%d", d, i);
				snprintf(b, sizeof(b), "%s/n%d", d, i);
				fd = open(a, O_CREAT | O_WRONLY, 0600);
				file_content(k, want, file_size(k));
				errs += fd < 0 ||
					write_all(fd, want, file_size(k)) ||
					close(fd) || rename(a, b) ||
					!file_matches(b, k, want, got);
				if (i % 2)
					errs += unlink(b) != 0;
			}
			_exit(errs ? 1 : 0);
		}
	}
	for (p = 0; p < 4; p++)
		bad += wl_wait(pids[p]) != 0;
	for (p = 0; p < 4; p++) {
		char d[96];

		snprintf(d, sizeof(d), "%s/c%d", root, p);
		bad += count_entries(d, 'n') != 50;
	}
	wl_check(!bad, "4 processes x 100 files concurrently, 50 kept each",
		 "%d bad", bad);
}

/* Removes everything under path (depth first); 0 on success. */
static int remove_tree(const char *path)
{
	struct dirent *e;
	DIR *d = opendir(path);
	char sub[512];
	int bad = 0;

	if (!d)
		return unlink(path);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		bad += remove_tree(sub) != 0;
	}
	closedir(d);
	return bad || rmdir(path);
}

static void cleanup(void)
{
	char d[96];
	int bad = 0, i;

	snprintf(d, sizeof(d), "%s/d0", root);
	bad += rmdir(d) != -1 || errno != ENOTEMPTY;
	for (i = 0; i < dirs; i++) {
		snprintf(d, sizeof(d), "%s/d%d", root, i);
		bad += remove_tree(d) != 0;
	}
	for (i = 0; i < 4; i++) {
		snprintf(d, sizeof(d), "%s/c%d", root, i);
		bad += remove_tree(d) != 0;
	}
	bad += count_dir(0) != -1;
	bad += umount(root) != 0 || rmdir(root) != 0;
	wl_check(!bad,
		 "rmdir of a full directory fails (ENOTEMPTY); the tree is "
		 "removed and the tmpfs unmounted",
		 "%d bad", bad);
}

int main(void)
{
	wl_start("fs");
	want = malloc(1 << 20);
	got = malloc(1 << 20);
	snprintf(root, sizeof(root), "/tmp/fs-workload.%d", (int)getpid());
	if (!want || !got || mkdir(root, 0755))
		wl_die("mkdir under /tmp");
	if (mount("tmpfs", root, "tmpfs", 0, "size=64m,mode=755")) {
		wl_check(0, "mount a tmpfs", "%s", strerror(errno));
		rmdir(root);
		return wl_finish();
	}
	create_files();
	rename_unlink();
	links();
	random_io();
	enospc();
	concurrent();
	cleanup();
	return wl_finish();
}
