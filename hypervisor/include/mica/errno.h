/* SPDX-License-Identifier: MIT */
/*
 * Error numbers used inside the hypervisor: the public ABI's (public/errno.h)
 * under their usual names.  Functions return 0 or a negative value from this
 * list, which reaches a guest unchanged.
 */
#ifndef MICA_ERRNO_H
#define MICA_ERRNO_H

#include <public/errno.h>

#define E2BIG MICA_E2BIG
#define EACCES MICA_EACCES
#define EAGAIN MICA_EAGAIN
#define EALREADY MICA_EALREADY
#define EBADF MICA_EBADF
#define EBUSY MICA_EBUSY
#define EEXIST MICA_EEXIST
#define EFAULT MICA_EFAULT
#define EINTR MICA_EINTR
#define EINVAL MICA_EINVAL
#define EIO MICA_EIO
#define EMFILE MICA_EMFILE
#define ENODATA MICA_ENODATA
#define ENODEV MICA_ENODEV
#define ENOENT MICA_ENOENT
#define ENOMEM MICA_ENOMEM
#define ENOSPC MICA_ENOSPC
#define ENOSYS MICA_ENOSYS
#define ENXIO MICA_ENXIO
#define EOPNOTSUPP MICA_EOPNOTSUPP
#define EOVERFLOW MICA_EOVERFLOW
#define EPERM MICA_EPERM
#define EPROTO MICA_EPROTO
#define ERANGE MICA_ERANGE
#define ESRCH MICA_ESRCH
#define ETIME MICA_ETIME
#define EXDEV MICA_EXDEV

#endif
