/* SPDX-License-Identifier: MIT */
/*
 * The timekeeping and power ports of an HVM domain (public/hvm/hvm.h P11,
 * P12): the 8254 PIT (channel 0 on IRQ 0, channel 2 gated by port 0x61
 * for calibration), the RTC/CMOS at 0x70/0x71, the ACPI PM1a block and PM
 * timer at HVM_PM_BASE, and the reset control port 0xcf9.  All counters
 * are derived from Mica's system time; nothing here ticks unless a
 * guest-visible interrupt is due.  Runs under the domain's io_lock.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/shutdown.h>
#include <mica/time.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>
#include <asm/muldiv.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <public/sched.h>

#define PIT_HZ 1193182ULL
#define PM_TIMER_HZ 3579545ULL
#define NS 1000000000ULL
/* hvm.h P11: PIT channel 0 interrupts at most every 50 us. */
#define PIT_MIN_PERIOD_NS 50000ULL

#define PM1_SLP_EN (1u << 13)
#define PM1_SCI_EN 1u

/* ------------------------------------------------------------------
 * PIT
 * ---------------------------------------------------------------- */

static uint64_t pit_reload(const struct vpit_channel *c)
{
	return c->reload ? c->reload : 65536;
}

static uint64_t pit_ticks(const struct vpit_channel *c)
{
	return muldiv64(system_time_ns() - c->start_ns, PIT_HZ, NS);
}

static uint16_t pit_count(const struct vpit_channel *c)
{
	uint64_t r = pit_reload(c), t;

	if (!c->running)
		return c->reload;
	t = pit_ticks(c);
	switch (c->mode) {
	case 2:
		return (uint16_t)(r - t % r);
	case 3:
		return (uint16_t)((r - (2 * t) % r) & ~1ULL);
	default:
		return (uint16_t)(r - t); /* wraps past 0 like the chip */
	}
}

static bool pit_out(const struct vpit_channel *c)
{
	uint64_t r = pit_reload(c), t;

	if (!c->running)
		return c->mode != 0;
	t = pit_ticks(c);
	switch (c->mode) {
	case 2:
		return t % r != r - 1;
	case 3:
		return t % r < (r + 1) / 2;
	default:
		return t >= r;
	}
}

static uint64_t pit_period_ns(const struct vpit_channel *c)
{
	return MAX(muldiv64(pit_reload(c), NS, PIT_HZ), PIT_MIN_PERIOD_NS);
}

static void pit_timer_fn(void *data)
{
	struct hvm_platform *p = data;
	struct domain *d = p->d;
	unsigned long flags = spin_lock_irqsave(&d->arch.hvm->io_lock);
	struct vpit_channel *c = &p->pit[0];
	uint64_t now = system_time_ns();

	if (c->running && p->pit_next_ns && now >= p->pit_next_ns) {
		hvm_isa_irq(d, 0, true);
		hvm_isa_irq(d, 0, false);
		if (c->mode == 2 || c->mode == 3) {
			uint64_t next = p->pit_next_ns + pit_period_ns(c);

			p->pit_next_ns = next > now ? next :
						      now + pit_period_ns(c);
			timer_set(&p->pit_timer, p->pit_next_ns);
		} else {
			p->pit_next_ns = 0;
		}
	}
	spin_unlock_irqrestore(&d->arch.hvm->io_lock, flags);
}

static void pit_start(struct hvm_platform *p, unsigned int ch)
{
	struct vpit_channel *c = &p->pit[ch];

	c->start_ns = system_time_ns();
	c->running = ch != 2 || (p->port61 & 1);
	if (ch != 0)
		return;
	p->pit_next_ns =
		c->start_ns + (c->mode == 2 || c->mode == 3 ?
				       pit_period_ns(c) :
				       muldiv64(pit_reload(c), NS, PIT_HZ));
	timer_set(&p->pit_timer, p->pit_next_ns);
}

static void pit_control(struct hvm_platform *p, uint8_t val)
{
	unsigned int ch = val >> 6, access = (val >> 4) & 3;
	struct vpit_channel *c;

	if (ch == 3) { /* read-back: counts only (status is not kept) */
		for (ch = 0; ch < 3; ch++)
			if (!(val & 0x20) && (val & (2u << ch)) &&
			    !p->pit[ch].latched) {
				p->pit[ch].latched = true;
				p->pit[ch].latch = pit_count(&p->pit[ch]);
				p->pit[ch].read_hi = false;
			}
		return;
	}
	c = &p->pit[ch];
	if (!access) {
		if (!c->latched) {
			c->latched = true;
			c->latch = pit_count(c);
			c->read_hi = false;
		}
		return;
	}
	c->rw = (uint8_t)access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->write_hi = c->read_hi = c->latched = false;
	c->running = false;
	if (ch == 0) {
		timer_stop(&p->pit_timer);
		p->pit_next_ns = 0;
	}
}

static void pit_write(struct hvm_platform *p, unsigned int ch, uint8_t val)
{
	struct vpit_channel *c = &p->pit[ch];

	switch (c->rw) {
	case 1:
		c->reload = val;
		break;
	case 2:
		c->reload = (uint16_t)(val << 8);
		break;
	case 3:
		if (!c->write_hi) {
			c->write_lo = val;
			c->write_hi = true;
			return;
		}
		c->write_hi = false;
		c->reload = (uint16_t)(c->write_lo | (val << 8));
		break;
	default:
		return; /* not programmed yet */
	}
	pit_start(p, ch);
}

static uint8_t pit_read(struct hvm_platform *p, unsigned int ch)
{
	struct vpit_channel *c = &p->pit[ch];
	uint16_t v = c->latched ? c->latch : pit_count(c);
	uint8_t b;

	if (c->rw == 1 || (c->rw == 3 && !c->read_hi)) {
		b = (uint8_t)v;
		if (c->rw == 3) {
			c->read_hi = true;
			return b;
		}
	} else {
		b = (uint8_t)(v >> 8);
		c->read_hi = false;
	}
	c->latched = false;
	return b;
}

/* ------------------------------------------------------------------
 * RTC / CMOS
 * ---------------------------------------------------------------- */

static uint8_t bcd(const struct hvm_platform *p, unsigned int v)
{
	return (p->cmos[0x0b] & 0x04) ? (uint8_t)v :
					(uint8_t)(((v / 10) << 4) | (v % 10));
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil(uint64_t days, unsigned int *y, unsigned int *m,
		  unsigned int *d)
{
	uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp;

	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (unsigned int)(yoe + era * 400 + (*m <= 2));
}

static uint8_t rtc_read(struct hvm_platform *p, unsigned int reg)
{
	uint64_t secs = wallclock_boot_seconds() + system_time_ns() / NS;
	uint64_t days = secs / 86400, s = secs % 86400;
	unsigned int y, m, d, h = (unsigned int)(s / 3600);

	civil(days, &y, &m, &d);
	switch (reg) {
	case 0x00:
		return bcd(p, (unsigned int)(s % 60));
	case 0x02:
		return bcd(p, (unsigned int)(s / 60 % 60));
	case 0x04:
		if (p->cmos[0x0b] & 0x02)
			return bcd(p, h);
		return (uint8_t)(bcd(p, h % 12 ? h % 12 : 12) |
				 (h >= 12 ? 0x80 : 0));
	case 0x06:
		return bcd(p, (unsigned int)((days + 4) % 7 + 1));
	case 0x07:
		return bcd(p, d);
	case 0x08:
		return bcd(p, m);
	case 0x09:
		return bcd(p, y % 100);
	case 0x0a:
		return p->cmos[0x0a] & 0x7f; /* never update-in-progress */
	case 0x0c:
		return 0; /* no RTC interrupts (hvm.h P11) */
	case 0x0d:
		return 0x80; /* valid RAM and time */
	case 0x32:
		return bcd(p, y / 100);
	default:
		return p->cmos[reg];
	}
}

static void rtc_write(struct hvm_platform *p, unsigned int reg, uint8_t val)
{
	switch (reg) {
	case 0x00:
	case 0x02:
	case 0x04:
	case 0x06:
	case 0x07:
	case 0x08:
	case 0x09:
	case 0x0c:
	case 0x0d:
	case 0x32:
		break; /* the clock follows Mica's; flags are read-only */
	case 0x0b:
		p->cmos[reg] = val & 0x7e; /* SET and interrupt bits: none */
		break;
	default:
		p->cmos[reg] = val;
		break;
	}
}

/* ------------------------------------------------------------------
 * ACPI PM1a (status, enable, control) and PM timer
 * ---------------------------------------------------------------- */

/* A byte of the block; tmr is the PM timer sampled once per access, so a
 * multi-byte read is never torn. */
static uint8_t pm_read(struct hvm_platform *p, unsigned int off, uint32_t tmr)
{
	switch (off) {
	case 0:
	case 1:
		return (uint8_t)(p->pm1_sts >> ((off & 1) * 8));
	case 2:
	case 3:
		return (uint8_t)(p->pm1_en >> ((off & 1) * 8));
	case 4:
	case 5:
		return (uint8_t)((p->pm1_cnt | PM1_SCI_EN) >> ((off & 1) * 8));
	case 8:
	case 9:
	case 10:
		return (uint8_t)(tmr >> ((off - 8) * 8));
	default:
		return 0;
	}
}

static void pm_write(struct vcpu *v, struct hvm_platform *p, unsigned int off,
		     unsigned int size, uint32_t val)
{
	for (unsigned int i = 0; i < size; i++, off++) {
		uint8_t b = (uint8_t)(val >> (i * 8));
		unsigned int sh = (off & 1) * 8;

		if (off < 2)
			p->pm1_sts &=
				(uint16_t) ~(b << sh); /* write 1 clears */
		else if (off < 4)
			p->pm1_en = (uint16_t)((p->pm1_en & ~(0xff << sh)) |
					       (b << sh));
		else if (off < 6)
			p->pm1_cnt = (uint16_t)((p->pm1_cnt & ~(0xff << sh)) |
						(b << sh));
	}
	if ((p->pm1_cnt & PM1_SLP_EN) &&
	    ((p->pm1_cnt >> 10) & 7) == HVM_SLP_TYP_S5) {
		pr_info("domain %u (%s): ACPI S5 (power off)\n", v->domain->id,
			v->domain->name);
		domain_shutdown(v->domain, MICA_SHUTDOWN_poweroff);
	}
	p->pm1_cnt &= (uint16_t)~PM1_SLP_EN;
}

/* ------------------------------------------------------------------
 * Dispatch
 * ---------------------------------------------------------------- */

bool vpt_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
	    uint32_t *val)
{
	struct hvm_platform *p = v->domain->arch.hvm->platform;

	if (port >= HVM_PM_BASE && port < HVM_PM_BASE + 12) {
		unsigned int off = port - HVM_PM_BASE;

		if (off + size > 12)
			return false;
		if (in) {
			uint32_t tmr = (uint32_t)muldiv64(system_time_ns(),
							  PM_TIMER_HZ, NS) &
				       0xffffff;

			*val = 0;
			for (unsigned int i = 0; i < size; i++)
				*val |= (uint32_t)pm_read(p, off + i, tmr)
					<< (i * 8);
		} else {
			pm_write(v, p, off, size, *val);
		}
		return true;
	}
	if (size != 1)
		return false;
	switch (port) {
	case 0x40:
	case 0x42:
		if (in)
			*val = pit_read(p, port - 0x40);
		else
			pit_write(p, port - 0x40, (uint8_t)*val);
		return true;
	case 0x41:
		return false; /* channel 1 (refresh) is not wired */
	case 0x43:
		if (!in)
			pit_control(p, (uint8_t)*val);
		else
			*val = 0xff;
		return true;
	case 0x61:
		if (in) {
			*val = (p->port61 & 3) |
			       (pit_out(&p->pit[2]) ? 0x20 : 0) |
			       ((system_time_ns() / 15000) & 1 ? 0x10 : 0);
		} else {
			bool rise = (*val & 1) && !(p->port61 & 1);

			p->port61 = (uint8_t)(*val & 3);
			if (rise)
				pit_start(p, 2);
			else if (!(*val & 1))
				p->pit[2].running = false;
		}
		return true;
	case 0x70:
		if (in)
			*val = 0xff; /* write-only index */
		else
			p->cmos_index = (uint8_t)(*val & 0x7f);
		return true;
	case 0x71:
		if (in)
			*val = rtc_read(p, p->cmos_index);
		else
			rtc_write(p, p->cmos_index, (uint8_t)*val);
		return true;
	case 0xcf9:
		if (in) {
			*val = 0;
		} else if (*val & 0x04) {
			pr_info("domain %u (%s): reset through port cf9\n",
				v->domain->id, v->domain->name);
			domain_shutdown(v->domain, MICA_SHUTDOWN_reboot);
		}
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------------------
 * The platform's life cycle
 * ---------------------------------------------------------------- */

int hvm_platform_create(struct domain *d)
{
	struct hvm_platform *p = xzalloc(sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->d = d;
	vpic_reset(p);
	for (unsigned int i = 0; i < HVM_IOAPIC_PINS; i++)
		p->ioapic_redir[i] = 1ULL << 16; /* masked */
	p->cmos[0x0a] = 0x26;
	p->cmos[0x0b] = 0x02; /* 24-hour, BCD */
	p->cmos[0x0d] = 0x80;
	timer_init(&p->pit_timer, pit_timer_fn, p, this_cpu()->cpu_id);
	d->arch.hvm->platform = p;
	return 0;
}

void hvm_platform_destroy(struct domain *d)
{
	struct hvm_platform *p = d->arch.hvm->platform;

	if (!p)
		return;
	timer_kill(&p->pit_timer);
	xfree(p);
	d->arch.hvm->platform = NULL;
}
