/* SPDX-License-Identifier: MIT */
/* Guest side of events and time; see events.h. */
#include "events.h"

#include "boot.h"
#include "hypercall.h"
#include "layout.h"
#include "test.h"
#include "timeinfo.h"
#include "public/arch-x86/pv.h"
#include "public/errno.h"
#include "public/mmu.h"
#include "public/sched.h"
#include "public/version.h"

volatile struct mica_shared_info *shared_info;
volatile struct mica_vcpu_info *vcpu_info;
struct mica_evtchn_fifo_control *fifo_control;
mica_event_word_t *event_array[EVENTS_MAX_ARRAY_PAGES];
unsigned int event_array_pages;
void (*event_handler)(uint32_t port);
volatile uint64_t events_handled, upcalls_taken, events_skipped;

static uint8_t control_page[4096] __attribute__((aligned(4096)));
static uint8_t array_pages[EVENTS_MAX_ARRAY_PAGES][4096]
	__attribute__((aligned(4096)));
/* Control blocks of vcpus 1.. (events_init_control_vcpu). */
static uint8_t vcpu_control_pages[VCPU_MAX][4096]
	__attribute__((aligned(4096)));
static struct mica_evtchn_fifo_control *fifo_controls[VCPU_MAX];
static uint32_t local_heads[VCPU_MAX][MICA_EVTCHN_FIFO_PRIORITIES];

uint64_t virt_to_mfn(const void *va)
{
	uint64_t pfn = ((uint64_t)va - GUEST_VIRT_BASE) >> 12;

	return ((const uint64_t *)start_info->mfn_list)[pfn];
}

mica_event_word_t *event_word(uint32_t port)
{
	uint32_t page = port / MICA_EVTCHN_FIFO_WORDS_PER_PAGE;

	if (page >= event_array_pages)
		return NULL;
	return &event_array[page][port % MICA_EVTCHN_FIFO_WORDS_PER_PAGE];
}

/*
 * The FIFO consumer, G1-G5, of the vcpu it runs on (vcpu_self()), written
 * to survive its own corrupted queues: heads and links outside the array
 * end the queue.
 */
void event_upcall(void);
void event_upcall(void)
{
	unsigned int self = vcpu_self() % VCPU_MAX;
	volatile struct mica_vcpu_info *vi =
		self ? &shared_info->vcpu_info[self] : vcpu_info;
	struct mica_evtchn_fifo_control *ctl = self ? fifo_controls[self] :
						      fifo_control;
	uint32_t *local_head = local_heads[self];
	uint32_t ready;

	__atomic_fetch_add(&upcalls_taken, 1, __ATOMIC_RELAXED);
	vi->evtchn_upcall_pending = 0; /* G1 */
	if (!ctl)
		return;
	ready = __atomic_exchange_n(&ctl->ready, 0, __ATOMIC_SEQ_CST);
	while (ready) {
		unsigned int q = __builtin_ctz(ready);
		mica_event_word_t *w;
		uint32_t port, old;

		if (!local_head[q]) { /* G2 */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			local_head[q] = __atomic_load_n(&ctl->head[q],
							__ATOMIC_SEQ_CST);
		}
		port = local_head[q];
		w = port ? event_word(port) : NULL;
		if (!w) {
			local_head[q] = 0;
			ready &= ~(1u << q);
			continue;
		}
		/* G3 */
		old = __atomic_fetch_and(w,
					 ~(MICA_EVTCHN_FIFO_LINKED |
					   MICA_EVTCHN_FIFO_LINK_MASK),
					 __ATOMIC_SEQ_CST);
		local_head[q] = old & MICA_EVTCHN_FIFO_LINK_MASK;
		if (!local_head[q])
			ready &= ~(1u << q);
		/* G4 */
		if ((old & MICA_EVTCHN_FIFO_PENDING) &&
		    !(old & MICA_EVTCHN_FIFO_MASKED) &&
		    (__atomic_fetch_and(w, ~MICA_EVTCHN_FIFO_PENDING,
					__ATOMIC_SEQ_CST) &
		     MICA_EVTCHN_FIFO_PENDING)) {
			__atomic_fetch_add(&events_handled, 1,
					   __ATOMIC_RELAXED);
			if (event_handler)
				event_handler(port);
		} else {
			__atomic_fetch_add(&events_skipped, 1,
					   __ATOMIC_RELAXED);
		}
		/* G5: let urgent events pre-empt a long queue. */
		ready |= __atomic_exchange_n(&ctl->ready, 0, __ATOMIC_SEQ_CST);
	}
}

/*
 * The event callback: the bounce frame is rcx, r11, rip, cs, rflags, rsp,
 * ss.  Save what C clobbers, align the stack, call event_upcall, and
 * return with MICA_HC_iret (which restores the upcall mask from rflags).
 */
/* clang-format off */
__asm__(".text\n"
	"	.globl event_entry\n"
	"event_entry:\n"
	"	pop %rcx\n"
	"	pop %r11\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	push %rsi\n	push %rdi\n	push %r8\n"
	"	push %r9\n	push %r10\n	push %r11\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	and $-16, %rsp\n"
	"	call event_upcall\n"
	"	mov %rbp, %rsp\n"
	"	pop %rbp\n"
	"	pop %r11\n	pop %r10\n	pop %r9\n"
	"	pop %r8\n	pop %rdi\n	pop %rsi\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	push $0\n"			/* MICA_IRET_* flags */
	"	jmp hypercall_page + 14 * 32\n");	/* MICA_HC_iret */
/* clang-format on */

void events_map_shared_info(void)
{
	uint64_t va = boot_mapping_end() - 4096;
	struct mica_callback_register reg = { 0 };

	if (HYPERCALL5(MICA_HC_update_va_mapping, va,
		       (start_info->shared_info_mfn << 12) | PTE_P | PTE_W,
		       MICA_UVMF_INVLPG, 0, 0))
		test_error("cannot map the shared-info page");
	shared_info = (void *)va;
	vcpu_info = &shared_info->vcpu_info[0];
	reg.type = MICA_CALLBACK_event;
	reg.address = (uint64_t)event_entry;
	if (HYPERCALL5(MICA_HC_callback_op, MICA_CALLBACKOP_register, &reg, 0,
		       0, 0))
		test_error("cannot register the event callback");
}

long events_init_control(void)
{
	struct mica_evtchn_init_control c = { 0 };
	long rc;

	c.control_gfn = virt_to_mfn(control_page);
	c.offset = 128;
	rc = evtchn_op(MICA_EVTCHNOP_init_control, &c);
	if (!rc)
		fifo_control = (void *)(control_page + 128);
	if (!rc && c.link_bits != MICA_EVTCHN_FIFO_LINK_BITS)
		test_fail("init_control: link_bits %u", c.link_bits);
	return rc;
}

long events_init_control_vcpu(unsigned int vcpu)
{
	struct mica_evtchn_init_control c = { 0 };
	long rc;

	if (!vcpu || vcpu >= VCPU_MAX)
		return vcpu ? -MICA_EINVAL : events_init_control();
	c.control_gfn = virt_to_mfn(vcpu_control_pages[vcpu]);
	c.offset = 64;
	c.vcpu = vcpu;
	rc = evtchn_op(MICA_EVTCHNOP_init_control, &c);
	if (!rc)
		fifo_controls[vcpu] = (void *)(vcpu_control_pages[vcpu] + 64);
	return rc;
}

long events_expand_array(void)
{
	struct mica_evtchn_expand_array e;
	long rc;

	if (event_array_pages == EVENTS_MAX_ARRAY_PAGES)
		return -MICA_ENOSPC;
	e.array_gfn = virt_to_mfn(array_pages[event_array_pages]);
	rc = evtchn_op(MICA_EVTCHNOP_expand_array, &e);
	if (!rc) {
		event_array[event_array_pages] =
			(void *)array_pages[event_array_pages];
		event_array_pages++;
	}
	return rc;
}

void events_setup(void)
{
	events_map_shared_info();
	if (events_init_control() || events_expand_array())
		test_error("cannot register the FIFO control block and array");
}

/* The vcpu_info of the vcpu this runs on. */
static volatile struct mica_vcpu_info *self_info(void)
{
	unsigned int self = vcpu_self();

	return self ? &shared_info->vcpu_info[self] : vcpu_info;
}

void events_mask(void)
{
	self_info()->evtchn_upcall_mask = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void events_unmask(void)
{
	volatile struct mica_vcpu_info *vi = self_info();

	vi->evtchn_upcall_mask = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vi->evtchn_upcall_pending)
		hypercall_version(MICA_VERSION_GET, NULL); /* delivers it */
}

void port_mask(uint32_t port)
{
	__atomic_fetch_or(event_word(port), MICA_EVTCHN_FIFO_MASKED,
			  __ATOMIC_SEQ_CST);
}

void port_unmask(uint32_t port)
{
	struct mica_evtchn_port_op op = { port, 0 };

	if (__atomic_and_fetch(event_word(port), ~MICA_EVTCHN_FIFO_MASKED,
			       __ATOMIC_SEQ_CST) &
	    MICA_EVTCHN_FIFO_PENDING)
		evtchn_op(MICA_EVTCHNOP_unmask, &op);
}

long evtchn_op(uint32_t cmd, void *arg)
{
	return HYPERCALL5(MICA_HC_event_channel_op, cmd, arg, 0, 0, 0);
}

long evtchn_send(uint32_t port)
{
	struct mica_evtchn_port_op op = { port, 0 };

	return evtchn_op(MICA_EVTCHNOP_send, &op);
}

long evtchn_close(uint32_t port)
{
	struct mica_evtchn_port_op op = { port, 0 };

	return evtchn_op(MICA_EVTCHNOP_close, &op);
}

long evtchn_bind_ipi(uint32_t vcpu, uint32_t *port)
{
	struct mica_evtchn_bind_ipi b = { vcpu, 0 };
	long rc = evtchn_op(MICA_EVTCHNOP_bind_ipi, &b);

	*port = b.port;
	return rc;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port)
{
	struct mica_evtchn_bind_virq b = { virq, vcpu, 0, 0 };
	long rc = evtchn_op(MICA_EVTCHNOP_bind_virq, &b);

	*port = b.port;
	return rc;
}

long evtchn_loopback(uint32_t *a, uint32_t *b)
{
	struct mica_evtchn_alloc_unbound u = { MICA_DOMID_SELF, MICA_DOMID_SELF,
					       0 };
	struct mica_evtchn_bind_interdomain i = { 0 };
	long rc = evtchn_op(MICA_EVTCHNOP_alloc_unbound, &u);

	if (rc)
		return rc;
	i.remote_dom = MICA_DOMID_SELF;
	i.remote_port = u.port;
	rc = evtchn_op(MICA_EVTCHNOP_bind_interdomain, &i);
	*a = u.port;
	*b = i.local_port;
	return rc;
}

void events_sleep(uint64_t ns)
{
	static uint32_t quiet_port, other_end;
	struct mica_sched_poll poll = { (uint64_t)&quiet_port, 1, 0, 0 };
	uint8_t was_masked = self_info()->evtchn_upcall_mask;

	if (!quiet_port && evtchn_loopback(&quiet_port, &other_end)) {
		test_error("events_sleep: no port to poll");
		return;
	}
	poll.timeout = system_time() + ns;
	events_mask();
	hypercall_sched_op(MICA_SCHEDOP_poll, &poll);
	if (!was_masked)
		events_unmask();
}

uint64_t system_time(void)
{
	return time_info_ns(&vcpu_info->time);
}
