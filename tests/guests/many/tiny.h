/* SPDX-License-Identifier: MIT */
/*
 * The tiny guest that dom0 loads into each domain it creates (tiny.S):
 * where it lives and what it reports.  Plain #defines, read by the
 * assembler too; main.c checks them against the ABI.
 */
#ifndef MANY_TINY_H
#define MANY_TINY_H

/* Hypercall and sub-op numbers (public/mica.h, event_channel.h, sched.h). */
#define TINY_HC_SCHED_OP 2
#define TINY_HC_EVENT_CHANNEL_OP 9
#define TINY_EVTCHNOP_SEND 5
#define TINY_SCHEDOP_BLOCK 1

/* The report page, written by the tiny guest, read by dom0. */
#define TINY_REPORT_COOKIE 0 /* the cookie dom0 passed in rdx */
#define TINY_REPORT_SEND 8 /* struct mica_evtchn_port_op for the send */
#define TINY_REPORT_SEND_RC 16 /* what the send returned */
#define TINY_REPORT_WAKEUPS 24 /* returns from SCHEDOP_block */

#endif
