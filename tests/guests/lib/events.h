/* SPDX-License-Identifier: MIT */
/*
 * Guest side of events (public/event_channel.h, shared_info.h) and time
 * (time.h) for the tests: the shared-info mapping, the event callback, a
 * FIFO consumer following G1-G5, and hypercall wrappers.
 */
#ifndef GUEST_EVENTS_H
#define GUEST_EVENTS_H

#include <stdint.h>

#include "public/event_channel.h"
#include "public/shared_info.h"
#include "public/vcpu.h"
#include "vcpu.h" /* vcpu_op */

#define EVENTS_MAX_ARRAY_PAGES 8

extern volatile struct mica_shared_info *shared_info;
/* vcpu 0's vcpu_info (moves with MICA_VCPUOP_register_info). */
extern volatile struct mica_vcpu_info *vcpu_info;
extern struct mica_evtchn_fifo_control *fifo_control;
extern mica_event_word_t *event_array[EVENTS_MAX_ARRAY_PAGES];
extern unsigned int event_array_pages;

/* Called for each event the consumer takes (PENDING cleared, G4), on the
 * vcpu whose queue held it (vcpu_self() tells which). */
extern void (*event_handler)(uint32_t port);
/* Events handled, upcalls taken, and queue entries skipped (G4). */
extern volatile uint64_t events_handled, upcalls_taken, events_skipped;

/* Maps shared info at a spare page and registers the event callback. */
void events_map_shared_info(void);
/* Registers vcpu 0's control block (MICA_EVTCHNOP_init_control). */
long events_init_control(void);
/* Registers a control block for another vcpu (1 .. VCPU_MAX - 1) from a
 * page of the library's; the consumer serves each vcpu from its own. */
long events_init_control_vcpu(unsigned int vcpu);
/* The event callback's entry point (for a vcpu context's callback[]). */
void event_entry(void);
/* Adds array page number events_array_pages (expand_array). */
long events_expand_array(void);
/* All of the above plus one array page; test_error on failure. */
void events_setup(void);

/* The word of a port, NULL if no array page covers it. */
mica_event_word_t *event_word(uint32_t port);

/* Virtual IF of the calling vcpu: mask / unmask (rule 3 of shared_info.h: a pending upcall
 * is taken through a hypercall). */
void events_mask(void);
void events_unmask(void);
/* M1/M2 on a port. */
void port_mask(uint32_t port);
void port_unmask(uint32_t port);

/* Hypercall wrappers. */
long evtchn_op(uint32_t cmd, void *arg);
long evtchn_send(uint32_t port);
long evtchn_close(uint32_t port);
long evtchn_bind_ipi(uint32_t vcpu, uint32_t *port);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port);
/* A loopback pair: *a unbound offered to ourselves, *b bound to it. */
long evtchn_loopback(uint32_t *a, uint32_t *b);

/* Sleeps about ns nanoseconds (SCHEDOP_poll with a timeout on a port of
 * our own that nobody signals); events stay deliverable afterwards. */
void events_sleep(uint64_t ns);

/* System time in ns from the vcpu time info (time.h). */
uint64_t system_time(void);
/* Frame number (mfn) of a guest virtual address in the image. */
uint64_t virt_to_mfn(const void *va);

#endif /* GUEST_EVENTS_H */
