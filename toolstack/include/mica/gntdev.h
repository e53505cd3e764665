/* SPDX-License-Identifier: MIT */
/*
 * gntdev.h - the interfaces of /dev/mica/gntdev (map other domains' grants
 * into a process, copy to and from grants) and /dev/mica/gntalloc (grant
 * pages of one's own to another domain), for user-space back and front
 * ends.  docs/dom0-devices.md describes them; like evtchn.h, this header
 * is meant to be copied as is into the kernel's uapi headers.
 *
 * Both are character devices, mode 0600, root-owned.  Each open file owns
 * what it set up; releasing it undoes everything.
 *
 * /dev/mica/gntdev: MICA_GNTDEV_MAP records `count` grant refs of one
 * granting domain and returns an mmap offset; mmap(MAP_SHARED) of exactly
 * `count` pages at that offset maps the grants (the hypervisor's
 * map_grant_ref; mmap fails with its error, e.g. EACCES for a grant not
 * (or no longer) given to this domain or read-only while PROT_WRITE was
 * asked, ERANGE for a ref beyond the granter's table, ESRCH for no such
 * domain; nothing stays mapped then).  One mapping per offset at a time.
 * munmap(), the process's exit or exec unmap the grants; fork() does not
 * copy the mapping (the child sees no mapping there); mremap(),
 * mprotect(), madvise(MADV_DONTNEED) and partial munmap() of it are
 * refused (EINVAL; a refused mremap has unmapped the grants already: the
 * range then raises SIGBUS).
 * MICA_GNTDEV_UNMAP forgets a MAP (EBUSY while it is mmapped, EINVAL for
 * an offset never returned or already forgotten).  MICA_GNTDEV_COPY
 * copies bytes between the caller's memory and grants without mapping.
 *
 * /dev/mica/gntalloc: MICA_GNTALLOC_ALLOC allocates `count` zeroed pages
 * in this domain, grants each to `domid` and returns the refs and an mmap
 * offset; mmap(MAP_SHARED) of exactly those pages maps them (any number
 * of times).  MICA_GNTALLOC_DEALLOC revokes the grants and frees the
 * pages (a process's mappings keep the pages until munmap); EBUSY, with
 * every grant still in place, while the grantee still maps one.  On
 * release of the file, grants still mapped by the grantee are revoked as
 * soon as the grantee lets go.
 *
 * ioctls return 0 or -1 with errno: EINVAL (padding, flags, count 0 or
 * above MICA_GNTDEV_MAX_COUNT, unknown offset), EFAULT, ENOMEM, ENOSPC
 * (gntalloc: no free grant ref), EBUSY (above), ENOTTY.
 */
#ifndef MICA_GNTDEV_H
#define MICA_GNTDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MICA_GNTDEV_DEVICE "/dev/mica/gntdev"
#define MICA_GNTALLOC_DEVICE "/dev/mica/gntalloc"

/* Grants in one MAP or ALLOC; segments in one COPY. */
#define MICA_GNTDEV_MAX_COUNT 1024

/* MAP: map read-only (mmap with PROT_WRITE is then EACCES). ALLOC: grant
 * read-only. */
#define MICA_GNTDEV_READONLY (1u << 0)

/*
 * MICA_GNTDEV_MAP: refs[0..count-1] of domain domid, to be mmapped.
 *   IN  refs    user address of count __u32 grant refs.
 *   OUT offset  the mmap offset (a multiple of the page size).
 */
struct mica_gntdev_map {
	__u16 domid;
	__u16 flags; /* MICA_GNTDEV_READONLY */
	__u32 count;
	__u64 refs;
	__u64 offset; /* OUT */
};

/* MICA_GNTDEV_UNMAP: forget the MAP at offset (count as given to it). */
struct mica_gntdev_unmap {
	__u64 offset;
	__u32 count;
	__u32 pad0;
};

/*
 * One copy segment: len bytes between the caller's memory at `local`
 * (within one page) and bytes [offset, offset + len) of grant ref of
 * domid.  flags MICA_GNTDEV_COPY_TO_GRANT: local -> grant, else grant ->
 * local.  OUT status: 0 or a negative errno (the hypervisor's grant copy
 * status, or -EFAULT / -EINVAL for the local side).
 */
#define MICA_GNTDEV_COPY_TO_GRANT (1u << 0)

struct mica_gntdev_copy_segment {
	__u64 local;
	__u32 ref;
	__u16 domid;
	__u16 offset;
	__u16 len;
	__u16 flags;
	__s32 status; /* OUT */
};

/* MICA_GNTDEV_COPY: segs = user address of count segments; every segment
 * is attempted; the ioctl returns 0 and each status says how it went. */
struct mica_gntdev_copy {
	__u64 segs;
	__u32 count;
	__u32 pad0;
};

/*
 * MICA_GNTALLOC_ALLOC: count new pages granted to domid.
 *   OUT refs    user address of count __u32: the grant refs, in page order.
 *   OUT offset  the mmap offset of the pages.
 */
struct mica_gntalloc_alloc {
	__u16 domid;
	__u16 flags; /* MICA_GNTDEV_READONLY */
	__u32 count;
	__u64 refs;
	__u64 offset; /* OUT */
};

/* MICA_GNTALLOC_DEALLOC: revoke and free the ALLOC at offset. */
struct mica_gntalloc_dealloc {
	__u64 offset;
	__u32 count;
	__u32 pad0;
};

#define MICA_GNTDEV_IOC 'G'
#define MICA_GNTDEV_MAP _IOWR(MICA_GNTDEV_IOC, 0, struct mica_gntdev_map)
#define MICA_GNTDEV_UNMAP _IOW(MICA_GNTDEV_IOC, 1, struct mica_gntdev_unmap)
#define MICA_GNTDEV_COPY _IOW(MICA_GNTDEV_IOC, 2, struct mica_gntdev_copy)
#define MICA_GNTALLOC_ALLOC \
	_IOWR(MICA_GNTDEV_IOC, 8, struct mica_gntalloc_alloc)
#define MICA_GNTALLOC_DEALLOC \
	_IOW(MICA_GNTDEV_IOC, 9, struct mica_gntalloc_dealloc)

#endif /* MICA_GNTDEV_H */
