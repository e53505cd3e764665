/* SPDX-License-Identifier: MIT */
#ifndef MICA_CONSOLE_H
#define MICA_CONSOLE_H

/*
 * mica-consoled's client protocol, over a Unix stream socket (mode 0600):
 * the client sends one line "attach DOMID\n"; the daemon answers "ok\n"
 * (then the stream carries the domain's console output one way and
 * keyboard input the other, raw bytes) or "error: MESSAGE\n" and closes.
 * Several clients may attach to one domain: each sees all output from the
 * moment it attached, and input from any of them reaches the guest.  The
 * connection ends when the domain goes away.
 */

#define MICA_CONSOLED_DEFAULT_SOCKET "/run/mica/consoled.sock"
#define MICA_CONSOLED_DEFAULT_LOG_DIR "/var/log/mica/console"
/* Ctrl-]: typed in `mica console`, detaches. */
#define MICA_CONSOLE_ESCAPE 0x1d

#endif
