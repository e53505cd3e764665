/* SPDX-License-Identifier: MIT */
/*
 * errno.h - error numbers returned by Mica hypercalls.
 *
 * Hypercalls fail by returning a negative error number, -MICA_E*.  The values
 * are Linux's (asm-generic/errno-base.h and errno.h) so that a Linux guest or
 * the toolstack can pass them on unchanged; only the subset Mica uses is
 * defined here.  Append-only: a value, once defined, keeps its meaning.
 *
 * Include this header as "public/errno.h" (see mica.h): it deliberately does
 * not define `errno` and must not stand in for the C library's <errno.h>.
 *
 * The general meaning of each error across the ABI; the operation's own
 * comment says exactly when it returns which.
 */
#ifndef MICA_PUBLIC_ERRNO_H
#define MICA_PUBLIC_ERRNO_H

/* Caller lacks the privilege (not dom0, or not allowed on that object). */
#define MICA_EPERM 1
/* No such object: unbound grant, unknown VIRQ binding, missing entry. */
#define MICA_ENOENT 2
/* No such domain (or the domain is dying). */
#define MICA_ESRCH 3
/* Interrupted; only returned where an operation documents it. */
#define MICA_EINTR 4
/* I/O error (console, device ports). */
#define MICA_EIO 5
/* No such device or address: port/vcpu exists in range but is not set up. */
#define MICA_ENXIO 6
/* Argument list too long: a batch or count exceeds its documented maximum. */
#define MICA_E2BIG 7
/* Bad handle (grant mapping handle, like a bad file descriptor). */
#define MICA_EBADF 9
/* Try again: a transient condition (frame being paged/shared, ring busy). */
#define MICA_EAGAIN 11
/* The hypervisor (or the domain's allowance) has no memory for this. */
#define MICA_ENOMEM 12
/* Permission denied on a specific object (read-only grant mapped for write,
 * grant not issued to the caller). */
#define MICA_EACCES 13
/* A guest address could not be read or written. */
#define MICA_EFAULT 14
/* Object in use: type conflict on a frame, vcpu already up, port bound. */
#define MICA_EBUSY 16
/* Already exists: already pinned, already initialised, domid taken. */
#define MICA_EEXIST 17
/* Cross-domain operation not allowed on these domains. */
#define MICA_EXDEV 18
/* No such device (hardware feature absent: HVM without SVM/VMX). */
#define MICA_ENODEV 19
/* Invalid argument: bad flag, bad alignment, non-zero padding, bad value. */
#define MICA_EINVAL 22
/* A per-domain table is full (ports, grant mappings, ...). */
#define MICA_EMFILE 24
/* No space: a guest-provided table or buffer is too small. */
#define MICA_ENOSPC 28
/* Value out of range (frame number beyond the domain's limit). */
#define MICA_ERANGE 34
/* Unknown hypercall or sub-operation. */
#define MICA_ENOSYS 38
/* Nothing to return (empty log, no more domains after the cursor). */
#define MICA_ENODATA 61
/* A deadline had already passed when the request was made. */
#define MICA_ETIME 62
/* Interface version mismatch (domctl/sysctl interface_version). */
#define MICA_EPROTO 71
/* A value does not fit the field meant to hold it. */
#define MICA_EOVERFLOW 75
/* Supported in principle but not in this configuration. */
#define MICA_EOPNOTSUPP 95
/* Operation already in progress (domain already shutting down). */
#define MICA_EALREADY 114

#endif /* MICA_PUBLIC_ERRNO_H */
