/* SPDX-License-Identifier: MIT */
/*
 * console.h - MICA_HC_console_io: the hypervisor's own console.
 *
 *     long mica_console_io(uint32_t cmd, uint32_t count, uint64_t buf_gaddr);
 *
 * The hypervisor keeps a log ring of everything it prints (its own messages
 * and guests' MICA_CONSOLEIO_write output).  dom0 reads it; every domain may
 * write to it for early boot messages.  Per-domain consoles proper use the
 * shared ring in io/console.h, served by dom0's console daemon.
 */
#ifndef MICA_PUBLIC_CONSOLE_H
#define MICA_PUBLIC_CONSOLE_H

#include "mica.h"

/*
 * MICA_CONSOLEIO_write: print count bytes from buf_gaddr.
 *   Returns count (all bytes are accepted or dropped; never partial).
 * Notes:
 *   1. Every domain's text goes to the log and the serial line one line
 *      at a time, prefixed "(d<domid>) ".  Bytes outside printable ASCII
 *      (other than newline) are shown as '?'.  Other domains than dom0 may
 *      be rate-limited: bytes over the limit are dropped, not queued
 *      (guests must not rely on this channel once their ring console is
 *      up).
 *   2. At most MICA_CONSOLEIO_MAX_WRITE bytes per call.
 *   3. Preemptible (mica.h note 6): a continuation carries the bytes
 *      written so far in bits 32-63 of count, so a caller passes count
 *      zero-extended.
 * Errors: -MICA_EFAULT, -MICA_E2BIG (count too large), -MICA_EINVAL
 *   (bits 32-63 of count above its low half).
 */
#define MICA_CONSOLEIO_write 0
#define MICA_CONSOLEIO_MAX_WRITE 4096

/*
 * MICA_CONSOLEIO_read: read the hypervisor log (dom0 only).
 *   count must be sizeof(struct mica_console_read); buf_gaddr points at it.
 *   IN  buffer_gaddr, size  where to copy text, and how much room.
 *   IN  cursor  log position to read from: 0 = the oldest byte still held,
 *               otherwise the `cursor` a previous call returned.
 *   OUT cursor  position after the last byte copied (pass it next time).
 *   OUT length  bytes copied (0: nothing new).
 *   OUT lost    bytes between the requested position and the oldest byte
 *               still held, which the ring overwrote before they were read.
 *   Returns 0.
 * Notes:
 *   1. Positions count bytes since boot, so several readers never disturb
 *      each other and nothing is "consumed".
 *   2. MICA_VIRQ_CONSOLE (event_channel.h) is raised when text is added
 *      (and when serial input arrives for dom0, read with read_input).
 *   3. A call may copy less than is available when other work waits (it
 *      stops at a multiple of 4096 bytes); read until length is 0.
 *      (Write's note 3 is a different mechanism: a write never returns
 *      short.)
 * Errors: -MICA_EPERM (not dom0), -MICA_EFAULT, -MICA_EINVAL (count, pad).
 *
 * MICA_CONSOLEIO_read_input: read bytes typed on the hypervisor's serial
 *   console and switched to dom0 (dom0 only).
 *   buf_gaddr/count: the buffer.  Returns bytes read (0: none).
 * Errors: -MICA_EPERM, -MICA_EFAULT.
 */
#define MICA_CONSOLEIO_read 1
#define MICA_CONSOLEIO_read_input 2

struct mica_console_read {
	uint64_t buffer_gaddr; /* IN */
	uint32_t size; /* IN */
	uint32_t length; /* OUT */
	uint64_t cursor; /* IN/OUT */
	uint64_t lost; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_console_read) == 32, "mica_console_read");

#endif /* MICA_PUBLIC_CONSOLE_H */
