/* SPDX-License-Identifier: MIT */
/*
 * The emulated local APIC of an HVM vcpu (public/hvm/hvm.h P7): the xAPIC
 * page at HVM_LAPIC_BASE (reached by instruction emulation on nested page
 * faults) and the x2APIC MSRs; ID, version, TPR/PPR, EOI, ISR/IRR/TMR,
 * LDR/DFR, the spurious vector, the LVTs, the timer (one-shot, periodic,
 * TSC-deadline) on a Mica timer, and the ICR for IPIs, INIT and SIPI.
 *
 * Locking: each APIC has a lock taken with interrupts off; IRR bits are
 * set by other vcpus, the I/O APIC and the timer, which then kick the
 * vcpu.  Everything else changes only on the vcpu's own exits.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/time.h>
#include <asm/cpu.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>
#include <asm/muldiv.h>
#include <asm/time.h>

#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_TPR 0x80
#define APIC_APR 0x90
#define APIC_PPR 0xa0
#define APIC_EOI 0xb0
#define APIC_RRD 0xc0
#define APIC_LDR 0xd0
#define APIC_DFR 0xe0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_LVT_CMCI 0x2f0
#define APIC_ICR 0x300
#define APIC_ICR2 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_ERROR 0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

#define NR_LVT 7 /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
#define LVT_MASKED (1u << 16)
#define LVT_LEVEL (1u << 15)
#define LVT_DM_SHIFT 8
#define TIMER_MODE_SHIFT 17
#define TIMER_ONESHOT 0
#define TIMER_PERIODIC 1
#define TIMER_TSC_DEADLINE 2
#define SVR_ENABLED (1u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_LEVEL_TRIG (1u << 15)
#define ICR_LOGICAL (1u << 11)

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_EXTD (1ULL << 10)
#define APIC_BASE_EN (1ULL << 11)
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff

/* The timer's input clock: 100 MHz, 10 ns per tick before the divider. */
#define APIC_TICK_NS 10
/* hvm.h P7: a periodic timer never fires more often than this. */
#define APIC_MIN_PERIOD_NS 50000

struct vlapic {
	struct vcpu *v;
	spinlock_t lock;
	uint64_t base_msr;
	uint32_t tpr, ldr, dfr, svr, esr;
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[NR_LVT];
	uint32_t isr[8], irr[8], tmr[8];
	/* Timer. */
	uint32_t tmict, tdcr;
	uint64_t period_ns; /* one count of TMICT at the current divider */
	uint64_t start_ns, deadline_ns; /* current period; 0: not running */
	uint64_t tsc_deadline;
	struct timer timer;
};

static unsigned int lvt_index(uint32_t reg)
{
	return reg == APIC_LVT_CMCI ? 0 : (reg - APIC_LVT_TIMER) / 0x10 + 1;
}

static bool x2apic(const struct vlapic *l)
{
	return l->base_msr & APIC_BASE_EXTD;
}

static bool sw_enabled(const struct vlapic *l)
{
	return (l->base_msr & APIC_BASE_EN) && (l->svr & SVR_ENABLED);
}

static uint32_t apic_id(const struct vlapic *l)
{
	return l->v->id;
}

static int highest(const uint32_t *bits)
{
	for (int i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

static bool test_bit(const uint32_t *bits, unsigned int v)
{
	return bits[v / 32] & (1u << (v % 32));
}

static void set_bit(uint32_t *bits, unsigned int v)
{
	bits[v / 32] |= 1u << (v % 32);
}

static void clear_bit(uint32_t *bits, unsigned int v)
{
	bits[v / 32] &= ~(1u << (v % 32));
}

static uint32_t ppr(const struct vlapic *l)
{
	int isrv = highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

/* Sets vector in the IRR (locked) and wakes the vcpu. */
static void accept_irq(struct vlapic *l, unsigned int vector, bool level)
{
	unsigned long flags;

	if (vector < 16) {
		flags = spin_lock_irqsave(&l->lock);
		l->esr |= 1u << 6; /* illegal vector received */
		spin_unlock_irqrestore(&l->lock, flags);
		return;
	}
	flags = spin_lock_irqsave(&l->lock);
	if (!sw_enabled(l)) {
		spin_unlock_irqrestore(&l->lock, flags);
		return; /* a disabled APIC drops fixed interrupts */
	}
	set_bit(l->irr, vector);
	if (level)
		set_bit(l->tmr, vector);
	else
		clear_bit(l->tmr, vector);
	spin_unlock_irqrestore(&l->lock, flags);
	/* Even for the current vcpu: it may be on its way to block in
	 * hvm_handle_hlt, past its last look at the IRR. */
	vcpu_kick(l->v);
}

/* ------------------------------------------------------------------
 * Timer
 * ---------------------------------------------------------------- */

static unsigned int timer_mode(const struct vlapic *l)
{
	return (l->lvt[1] >> TIMER_MODE_SHIFT) & 3;
}

static unsigned int divider(uint32_t tdcr)
{
	unsigned int code = (tdcr & 3) | ((tdcr >> 1) & 4);

	return code == 7 ? 1 : 2u << code;
}

static void timer_fire(void *data)
{
	struct vlapic *l = data;
	unsigned long flags = spin_lock_irqsave(&l->lock);
	uint32_t lvt = l->lvt[1];
	uint64_t now = system_time_ns();

	/* Stopped, or re-armed while this ran late: not due yet. */
	if (!l->deadline_ns || now < l->deadline_ns) {
		spin_unlock_irqrestore(&l->lock, flags);
		return;
	}
	if (timer_mode(l) == TIMER_PERIODIC && l->period_ns) {
		uint64_t next = l->deadline_ns + l->period_ns;

		if (next <= now) /* fell behind: skip, never catch up */
			next = now + l->period_ns;
		l->start_ns = next - l->period_ns;
		l->deadline_ns = next;
		timer_set(&l->timer, next);
	} else {
		l->deadline_ns = 0;
		l->tsc_deadline = 0;
	}
	spin_unlock_irqrestore(&l->lock, flags);
	if (!(lvt & LVT_MASKED))
		accept_irq(l, lvt & 0xff, false);
}

/* Locked: (re)starts the one-shot or periodic countdown from TMICT. */
static void timer_start_count(struct vlapic *l)
{
	uint64_t now = system_time_ns();

	timer_stop(&l->timer);
	l->tsc_deadline = 0;
	l->deadline_ns = 0;
	if (!l->tmict || timer_mode(l) == TIMER_TSC_DEADLINE)
		return;
	l->period_ns = (uint64_t)l->tmict * divider(l->tdcr) * APIC_TICK_NS;
	if (timer_mode(l) == TIMER_PERIODIC &&
	    l->period_ns < APIC_MIN_PERIOD_NS)
		l->period_ns = APIC_MIN_PERIOD_NS;
	l->start_ns = now;
	l->deadline_ns = now + l->period_ns;
	timer_set(&l->timer, l->deadline_ns);
}

static uint32_t timer_current_count(const struct vlapic *l)
{
	uint64_t now = system_time_ns(), tick;

	if (!l->deadline_ns || timer_mode(l) == TIMER_TSC_DEADLINE ||
	    now >= l->deadline_ns)
		return 0;
	tick = (uint64_t)divider(l->tdcr) * APIC_TICK_NS;
	return (uint32_t)MIN((l->deadline_ns - now) / tick, (uint64_t)l->tmict);
}

/* Locked. */
static void timer_set_tsc_deadline(struct vlapic *l, uint64_t tsc)
{
	uint64_t now_tsc = rdtsc(), now = system_time_ns();

	timer_stop(&l->timer);
	l->tsc_deadline = tsc;
	l->deadline_ns = 0;
	if (!tsc || timer_mode(l) != TIMER_TSC_DEADLINE)
		return;
	l->deadline_ns = now + (tsc > now_tsc ?
					muldiv64(tsc - now_tsc, 1000000000ULL,
						 time_info.tsc_hz) :
					0);
	if (l->deadline_ns < now) /* saturated: far future */
		l->deadline_ns = UINT64_MAX;
	timer_set(&l->timer, l->deadline_ns);
}

/* ------------------------------------------------------------------
 * Interrupt acceptance
 * ---------------------------------------------------------------- */

int vlapic_pending(struct vcpu *v)
{
	struct vlapic *l = v->arch.hvm->vlapic;
	unsigned long flags = spin_lock_irqsave(&l->lock);
	int vec = highest(l->irr);

	if (vec >= 0 && ((uint32_t)vec & 0xf0) <= (ppr(l) & 0xf0))
		vec = -1;
	spin_unlock_irqrestore(&l->lock, flags);
	return vec;
}

void vlapic_set_irq(struct vcpu *v, unsigned int vector)
{
	accept_irq(v->arch.hvm->vlapic, vector, false);
}

void vlapic_accept(struct vcpu *v, unsigned int vector)
{
	struct vlapic *l = v->arch.hvm->vlapic;
	unsigned long flags = spin_lock_irqsave(&l->lock);

	clear_bit(l->irr, vector);
	set_bit(l->isr, vector);
	spin_unlock_irqrestore(&l->lock, flags);
}

bool vlapic_accepts_pic(struct vcpu *v)
{
	struct vlapic *l = v->arch.hvm->vlapic;
	uint32_t lint0 = l->lvt[4];

	if (!(l->base_msr & APIC_BASE_EN))
		return true; /* a disabled APIC passes INTR through */
	return sw_enabled(l) && !(lint0 & LVT_MASKED) &&
	       ((lint0 >> LVT_DM_SHIFT) & 7) == APIC_DM_EXTINT;
}

static void eoi(struct vlapic *l)
{
	unsigned long flags = spin_lock_irqsave(&l->lock);
	int vec = highest(l->isr);
	bool level = false;

	if (vec >= 0) {
		clear_bit(l->isr, (unsigned int)vec);
		level = test_bit(l->tmr, (unsigned int)vec);
	}
	spin_unlock_irqrestore(&l->lock, flags);
	if (level)
		vioapic_eoi(l->v->domain, (unsigned int)vec);
}

/* ------------------------------------------------------------------
 * Delivery (IPIs and the I/O APIC), INIT and SIPI
 * ---------------------------------------------------------------- */

static bool matches(struct vlapic *l, uint32_t dest, bool logical)
{
	uint32_t ldr;

	if (x2apic(l)) {
		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == apic_id(l);
		ldr = ((apic_id(l) >> 4) << 16) | (1u << (apic_id(l) & 0xf));
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == apic_id(l);
	ldr = l->ldr >> 24;
	if ((l->dfr >> 28) == 0xf) /* flat */
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf); /* cluster */
}

static void send_init(struct vcpu *t)
{
	struct hvm_vcpu *h = t->arch.hvm;

	if (__atomic_load_n(&h->wait_sipi, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&h->init_pending, true, __ATOMIC_RELEASE);
	if (t != current_vcpu())
		vcpu_kick(t);
}

static void send_sipi(struct vcpu *t, unsigned int vector)
{
	struct hvm_vcpu *h = t->arch.hvm;

	/* A vcpu waiting for it starts, once; one that has an INIT still
	 * to apply starts right after it. */
	if (__atomic_exchange_n(&h->wait_sipi, false, __ATOMIC_ACQ_REL)) {
		h->sipi_vector = (uint8_t)vector;
		__atomic_store_n(&h->start_pending, true, __ATOMIC_RELEASE);
		vcpu_up(t);
	} else if (__atomic_load_n(&h->init_pending, __ATOMIC_ACQUIRE)) {
		h->sipi_vector = (uint8_t)vector;
		__atomic_store_n(&h->start_pending, true, __ATOMIC_RELEASE);
		if (t != current_vcpu())
			vcpu_kick(t);
	}
}

static void deliver_one(struct vcpu *t, struct vcpu *self, unsigned int mode,
			unsigned int vector, bool level)
{
	switch (mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		accept_irq(t->arch.hvm->vlapic, vector, level);
		break;
	case APIC_DM_INIT:
		if (t != self) /* hvm.h P8: an INIT to oneself is ignored */
			send_init(t);
		break;
	case APIC_DM_STARTUP:
		send_sipi(t, vector);
		break;
	case APIC_DM_NMI:
		__atomic_store_n(&t->arch.hvm->nmi_pending, true,
				 __ATOMIC_RELEASE);
		if (t != self)
			vcpu_kick(t);
		break;
	default:
		break; /* SMI, ExtINT: not delivered (hvm.h P8) */
	}
}

void vlapic_deliver(struct domain *d, struct vcpu *self, uint32_t dest,
		    bool logical_dest, unsigned int shorthand,
		    unsigned int mode, unsigned int vector, bool level)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *t = d->vcpus[i];
		bool hit;

		if (!t || !t->arch.hvm || !t->arch.hvm->vlapic)
			continue;
		switch (shorthand) {
		case 1: /* Self takes only fixed IPIs: an NMI is dropped */
			hit = t == self && mode != APIC_DM_NMI;
			break;
		case 2:
			hit = true;
			break;
		case 3:
			hit = t != self;
			break;
		default:
			hit = matches(t->arch.hvm->vlapic, dest, logical_dest);
			break;
		}
		if (!hit)
			continue;
		deliver_one(t, self, mode, vector, level);
		if (mode == APIC_DM_LOWEST && !shorthand)
			break; /* the first match takes it */
	}
}

static void write_icr(struct vlapic *l, uint32_t lo, uint32_t dest)
{
	unsigned int mode = (lo >> 8) & 7;

	/* The INIT level de-assert of old MP start-up code does nothing. */
	if (mode == APIC_DM_INIT && (lo & ICR_LEVEL_TRIG) &&
	    !(lo & ICR_LEVEL_ASSERT))
		return;
	vlapic_deliver(l->v->domain, l->v, dest, lo & ICR_LOGICAL,
		       (lo >> 18) & 3, mode, lo & 0xff, false);
}

/* The vcpu's own INIT and SIPI work, on its CPU before each entry. */
void vlapic_vcpu_pre_run(struct vcpu *v)
{
	struct hvm_vcpu *h = v->arch.hvm;

	if (__atomic_exchange_n(&h->init_pending, false, __ATOMIC_ACQ_REL)) {
		struct vlapic *l = h->vlapic;
		unsigned long flags = spin_lock_irqsave(&l->lock);

		timer_stop(&l->timer);
		memset(l->irr, 0, sizeof(l->irr));
		memset(l->isr, 0, sizeof(l->isr));
		memset(l->tmr, 0, sizeof(l->tmr));
		for (unsigned int i = 0; i < NR_LVT; i++)
			l->lvt[i] = LVT_MASKED;
		l->svr = 0xff;
		l->tpr = l->tmict = l->tdcr = 0;
		l->deadline_ns = 0;
		spin_unlock_irqrestore(&l->lock, flags);
		if (!__atomic_load_n(&h->start_pending, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&h->wait_sipi, true, __ATOMIC_RELEASE);
			vcpu_stop(v);
			return;
		}
	}
	if (__atomic_exchange_n(&h->start_pending, false, __ATOMIC_ACQ_REL))
		hvm_backend->vcpu_reset_real_mode(
			v, (uint16_t)(h->sipi_vector << 8), 0);
}

/* ------------------------------------------------------------------
 * Register access (offsets of the xAPIC page; x2APIC MSRs map here)
 * ---------------------------------------------------------------- */

static uint32_t reg_read(struct vlapic *l, uint32_t reg)
{
	if (reg >= APIC_ISR && reg < APIC_ISR + 0x80)
		return l->isr[(reg - APIC_ISR) / 0x10];
	if (reg >= APIC_TMR && reg < APIC_TMR + 0x80)
		return l->tmr[(reg - APIC_TMR) / 0x10];
	if (reg >= APIC_IRR && reg < APIC_IRR + 0x80)
		return l->irr[(reg - APIC_IRR) / 0x10];
	if (reg == APIC_LVT_CMCI ||
	    (reg >= APIC_LVT_TIMER && reg <= APIC_LVT_ERROR))
		return l->lvt[lvt_index(reg)];
	switch (reg) {
	case APIC_ID:
		return x2apic(l) ? apic_id(l) : apic_id(l) << 24;
	case APIC_VERSION:
		/* Integrated APIC 0x14, 7 LVT entries (max index 6), no EOI
		 * broadcast suppression. */
		return 0x14 | ((NR_LVT - 1) << 16);
	case APIC_TPR:
		return l->tpr;
	case APIC_PPR:
		return ppr(l);
	case APIC_LDR:
		return x2apic(l) ? ((apic_id(l) >> 4) << 16) |
					   (1u << (apic_id(l) & 0xf)) :
				   l->ldr;
	case APIC_DFR:
		return l->dfr;
	case APIC_SVR:
		return l->svr;
	case APIC_ESR:
		return l->esr;
	case APIC_ICR:
		return l->icr_lo;
	case APIC_ICR2:
		return l->icr_hi;
	case APIC_TMICT:
		return l->tmict;
	case APIC_TMCCT:
		return timer_current_count(l);
	case APIC_TDCR:
		return l->tdcr;
	default:
		return 0; /* reserved and write-only registers read 0 */
	}
}

/* Locked by the caller; EOI, ICR and self-IPI are write_reg's. */
static void reg_write(struct vlapic *l, uint32_t reg, uint32_t val)
{
	if (reg == APIC_LVT_CMCI ||
	    (reg >= APIC_LVT_TIMER && reg <= APIC_LVT_ERROR)) {
		unsigned int i = lvt_index(reg);
		uint32_t old_mode = timer_mode(l);

		if (!(l->svr & SVR_ENABLED))
			val |= LVT_MASKED;
		l->lvt[i] = val & (i == 1 ? 0x700ff | (3u << 17) : 0x1f7ff);
		if (i == 1 && timer_mode(l) != old_mode) {
			/* Changing the mode stops the timer. */
			timer_stop(&l->timer);
			l->deadline_ns = 0;
			l->tsc_deadline = 0;
			l->tmict = 0;
		}
		return;
	}
	switch (reg) {
	case APIC_TPR:
		l->tpr = val & 0xff;
		break;
	case APIC_LDR:
		if (!x2apic(l))
			l->ldr = val & 0xff000000u;
		break;
	case APIC_DFR:
		if (!x2apic(l))
			l->dfr = val | 0x0fffffffu;
		break;
	case APIC_SVR:
		l->svr = val & 0x1ff;
		if (!(val & SVR_ENABLED))
			for (unsigned int i = 0; i < NR_LVT; i++)
				l->lvt[i] |= LVT_MASKED;
		break;
	case APIC_ESR:
		l->esr = 0;
		break;
	case APIC_ICR2:
		if (!x2apic(l))
			l->icr_hi = val & 0xff000000u;
		break;
	case APIC_TMICT:
		if (timer_mode(l) == TIMER_TSC_DEADLINE)
			break;
		l->tmict = val;
		timer_start_count(l);
		break;
	case APIC_TDCR:
		l->tdcr = val & 0xb;
		break;
	default:
		break; /* read-only and reserved registers ignore writes */
	}
}

/* Any register write, with the lock taken here. */
static void write_reg(struct vlapic *l, uint32_t reg, uint64_t val)
{
	unsigned long flags;

	switch (reg) {
	case APIC_EOI:
		eoi(l);
		return;
	case APIC_ICR:
		if (x2apic(l)) {
			l->icr_lo = (uint32_t)val & ~(1u << 12);
			l->icr_hi = (uint32_t)(val >> 32);
			write_icr(l, l->icr_lo, l->icr_hi);
		} else {
			l->icr_lo = (uint32_t)val & ~(1u << 12);
			write_icr(l, l->icr_lo, l->icr_hi >> 24);
		}
		return;
	case APIC_SELF_IPI:
		accept_irq(l, val & 0xff, false);
		return;
	default:
		flags = spin_lock_irqsave(&l->lock);
		reg_write(l, reg, (uint32_t)val);
		spin_unlock_irqrestore(&l->lock, flags);
	}
}

bool vlapic_xapic_mmio_enabled(struct vcpu *v)
{
	struct vlapic *l = v->arch.hvm->vlapic;

	return l && (l->base_msr & APIC_BASE_EN) && !x2apic(l);
}

/* hvm.h P7: aligned 32-bit accesses to the first 4 bytes of a 16-byte
 * register; any other access reads 0 and writes nothing. */
void vlapic_mmio(struct vcpu *v, uint64_t offset, unsigned int size, bool write,
		 uint64_t *val)
{
	struct vlapic *l = v->arch.hvm->vlapic;
	uint32_t reg = (uint32_t)offset;
	unsigned long flags;

	if (size != 4 || (reg & 0xf) || reg == APIC_SELF_IPI) {
		if (!write)
			*val = 0;
		return;
	}
	if (write) {
		write_reg(l, reg, (uint32_t)*val);
		return;
	}
	flags = spin_lock_irqsave(&l->lock);
	*val = reg_read(l, reg);
	spin_unlock_irqrestore(&l->lock, flags);
}

static bool x2apic_msr_valid(uint32_t reg, bool write)
{
	switch (reg) {
	case APIC_ID:
	case APIC_VERSION:
	case APIC_PPR:
	case APIC_LDR:
	case APIC_TMCCT:
		return !write;
	case APIC_EOI:
	case APIC_SELF_IPI:
		return write;
	case APIC_TPR:
	case APIC_SVR:
	case APIC_ESR:
	case APIC_ICR:
	case APIC_LVT_CMCI:
	case APIC_TMICT:
	case APIC_TDCR:
		return true;
	default:
		if (reg >= APIC_LVT_TIMER && reg <= APIC_LVT_ERROR)
			return true;
		return !write && reg >= APIC_ISR && reg < APIC_IRR + 0x80;
	}
}

static int apic_base_write(struct vlapic *l, uint64_t val)
{
	uint64_t keep = l->base_msr & APIC_BASE_BSP;

	/* The base cannot move; EXTD needs EN; x2APIC -> xAPIC only
	 * through disabled (the architectural rules). */
	if ((val & ~(APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_EN)) !=
		    HVM_LAPIC_BASE ||
	    (val & (APIC_BASE_EXTD | APIC_BASE_EN)) == APIC_BASE_EXTD ||
	    (x2apic(l) && (val & APIC_BASE_EN) && !(val & APIC_BASE_EXTD)))
		return -1;
	l->base_msr = (val & ~APIC_BASE_BSP) | keep;
	return 0;
}

bool vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val,
		int *rc)
{
	struct vlapic *l = v->arch.hvm->vlapic;
	uint32_t reg = (msr - MSR_X2APIC_FIRST) << 4;
	unsigned long flags;

	*rc = 0;
	if (msr == MSR_APIC_BASE) {
		flags = spin_lock_irqsave(&l->lock);
		if (write)
			*rc = apic_base_write(l, *val);
		else
			*val = l->base_msr;
		spin_unlock_irqrestore(&l->lock, flags);
		return true;
	}
	if (msr == MSR_TSC_DEADLINE) {
		flags = spin_lock_irqsave(&l->lock);
		if (write)
			timer_set_tsc_deadline(l, *val);
		else
			*val = timer_mode(l) == TIMER_TSC_DEADLINE ?
				       l->tsc_deadline :
				       0;
		spin_unlock_irqrestore(&l->lock, flags);
		return true;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return false;
	if (!x2apic(l) || !x2apic_msr_valid(reg, write) ||
	    (write && reg != APIC_ICR && (*val >> 32)) ||
	    (write && reg == APIC_EOI && *val) ||
	    (write && reg == APIC_SELF_IPI && (*val >> 8))) {
		*rc = -1;
		return true;
	}
	if (write) {
		write_reg(l, reg, *val);
		return true;
	}
	flags = spin_lock_irqsave(&l->lock);
	*val = reg == APIC_ICR ? ((uint64_t)l->icr_hi << 32) | l->icr_lo :
				 reg_read(l, reg);
	spin_unlock_irqrestore(&l->lock, flags);
	return true;
}

/* ------------------------------------------------------------------
 * Life cycle
 * ---------------------------------------------------------------- */

int vlapic_create(struct vcpu *v)
{
	struct vlapic *l = xzalloc(sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->v = v;
	spin_lock_init(&l->lock);
	l->base_msr = HVM_LAPIC_BASE | APIC_BASE_EN |
		      (v->id == 0 ? APIC_BASE_BSP : 0);
	l->dfr = 0xffffffffu;
	for (unsigned int i = 0; i < NR_LVT; i++)
		l->lvt[i] = LVT_MASKED;
	if (v->id == 0) {
		/* What a PC's firmware leaves on the boot CPU: enabled,
		 * virtual-wire mode (LINT0 ExtINT from the PIC, LINT1 NMI). */
		l->svr = SVR_ENABLED | 0xff;
		l->lvt[4] = APIC_DM_EXTINT << LVT_DM_SHIFT;
		l->lvt[5] = APIC_DM_NMI << LVT_DM_SHIFT;
	} else {
		l->svr = 0xff;
		v->arch.hvm->wait_sipi = true;
	}
	timer_init(&l->timer, timer_fire, l, v->processor);
	v->arch.hvm->vlapic = l;
	return 0;
}

void vlapic_destroy(struct vcpu *v)
{
	struct vlapic *l = v->arch.hvm->vlapic;

	if (!l)
		return;
	timer_kill(&l->timer);
	xfree(l);
	v->arch.hvm->vlapic = NULL;
}
