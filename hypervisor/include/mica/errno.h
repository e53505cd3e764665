/* SPDX-License-Identifier: MIT */
/*
 * Error numbers used inside the hypervisor.  Functions return 0 or a negative
 * value from this list; the numbers are Linux's, as in the public ABI.
 */
#ifndef MICA_ERRNO_H
#define MICA_ERRNO_H

#define EPERM 1
#define ESRCH 3
#define ENOENT 2
#define EIO 5
#define EBADF 9
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define EOVERFLOW 75

#endif
