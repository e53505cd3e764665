/* SPDX-License-Identifier: MIT */
/*
 * Device models (public/hvm/ioreq.h): the test device of ioreq_dev.h is
 * served by dom0 (the PV guest ioreq_dm) through an ioreq server.  Port
 * and MMIO reads and writes of every width round trip; each access is one
 * request, in program order (the model's request counter); read-modify-
 * write instructions, movzx, xchg and rep movs/stos/ins/outs on the device
 * (through the instruction emulator, one request per access, rep across
 * exits); posted writes to a buffered range (no request each, in order
 * before the next read, requests again when the ring is full or its cons
 * is garbage); two vcpus at once, each with its own slot.  The model
 * misbehaves on command and only this domain's accesses notice: bogus
 * states (ignored), a changed answer (a bus error: all ones), an answer
 * in the other vcpu's slot (ignored), the server destroyed under a waiting
 * vcpu (a port or MMIO read: all ones, then a new server), and at the end an answer that never
 * comes: vcpu 1 stays blocked while vcpu 0 reports, and dom0 destroys the
 * domain.
 */
#include "hvm.h"

#include "../../guests/ioreq_dm/ioreq_dev.h"

const char test_title[] = "device models: ioreq round trips to dom0";

#define MMIO(off) (DEV_MMIO_BASE + (off))

static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static volatile unsigned int ap_started, ap_phase, ap_done, ap_errors;
static volatile unsigned int ap_blackhole_sent, ap_blackhole_back;

static inline uint8_t mmio_read8(uint64_t a)
{
	return *(volatile uint8_t *)a;
}
static inline uint16_t mmio_read16(uint64_t a)
{
	return *(volatile uint16_t *)a;
}
static inline uint32_t mmio_read32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}
static inline uint64_t mmio_read64(uint64_t a)
{
	return *(volatile uint64_t *)a;
}
static inline void mmio_write8(uint64_t a, uint8_t v)
{
	*(volatile uint8_t *)a = v;
}
static inline void mmio_write16(uint64_t a, uint16_t v)
{
	*(volatile uint16_t *)a = v;
}
static inline void mmio_write32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}
static inline void mmio_write64(uint64_t a, uint64_t v)
{
	*(volatile uint64_t *)a = v;
}

static uint64_t counter(void)
{
	return mmio_read64(MMIO(DEV_MMIO_COUNT));
}

static void send_ipi(unsigned int dest, uint32_t icr)
{
	lapic_write(LAPIC_ICR2, dest << 24);
	lapic_write(LAPIC_ICR, icr);
}

static bool wait_for(volatile unsigned int *p, unsigned int want)
{
	for (unsigned long i = 0; i < 400000000UL; i++) {
		if (*p >= want)
			return true;
		asm volatile("pause");
	}
	return false;
}

/* Until the model serves the ports (before, they read all ones). */
static bool device_ready(void)
{
	for (unsigned long i = 0; i < 2000000UL; i++) {
		if (inl(DEV_PORT_ID) == DEV_MAGIC)
			return true;
		for (unsigned int j = 0; j < 2000; j++)
			asm volatile("pause");
	}
	return false;
}

static void check(bool ok, const char *what, uint64_t got, uint64_t want)
{
	if (!ok)
		test_fail("%s: %lx, expected %lx", what, got, want);
}
#define CHECK_EQ(what, got, want)                 \
	do {                                      \
		uint64_t g_ = (got), w_ = (want); \
		check(g_ == w_, what, g_, w_);    \
	} while (0)

static void ports(void)
{
	outb(DEV_PORT_REGS, 0x11);
	outb(DEV_PORT_REGS + 1, 0x22);
	outw(DEV_PORT_REGS + 2, 0x4433);
	CHECK_EQ("inl of the registers", inl(DEV_PORT_REGS), 0x44332211);
	outl(DEV_PORT_REGS + 4, 0x88776655);
	CHECK_EQ("inb", inb(DEV_PORT_REGS + 7), 0x88);
	CHECK_EQ("inw", inw(DEV_PORT_REGS + 3), 0x5544);
	CHECK_EQ("inl", inl(DEV_PORT_REGS + 4), 0x88776655);
	CHECK_EQ("the ID register", inl(DEV_PORT_ID), DEV_MAGIC);
	/* Not wholly inside the range: nobody's, all ones, no request */
	{
		uint64_t c0 = mmio_read64(DEV_MMIO_BASE + DEV_MMIO_COUNT);

		CHECK_EQ("inl across the range's end", inl(DEV_PORT_LAST - 1),
			 0xffffffffu);
		CHECK_EQ("inw below the range", inw(DEV_PORT_FIRST - 1),
			 0xffff);
		CHECK_EQ("requests for them",
			 mmio_read64(DEV_MMIO_BASE + DEV_MMIO_COUNT) - c0, 1);
	}
	/* in leaves the rest of rax alone (inb: bits 8-63) */
	{
		uint64_t rax = 0x1234567890abcdefULL;

		asm volatile("inb %%dx, %%al"
			     : "+a"(rax)
			     : "d"((uint16_t)(DEV_PORT_REGS + 7)));
		CHECK_EQ("rax after inb", rax, 0x1234567890abcd88ULL);
		asm volatile("inl %%dx, %%eax"
			     : "+a"(rax)
			     : "d"((uint16_t)DEV_PORT_ID));
		CHECK_EQ("rax after inl", rax, DEV_MAGIC);
	}
}

static void mmio(void)
{
	uint64_t c0, c1;
	uint32_t v32;
	uint64_t v64;

	mmio_write8(MMIO(0), 0xa1);
	mmio_write16(MMIO(2), 0xb3b2);
	mmio_write32(MMIO(4), 0xc7c6c5c4);
	mmio_write64(MMIO(8), 0xdfdedddcdbdad9d8ULL);
	CHECK_EQ("mmio read8", mmio_read8(MMIO(0)), 0xa1);
	CHECK_EQ("mmio read16", mmio_read16(MMIO(2)), 0xb3b2);
	CHECK_EQ("mmio read32", mmio_read32(MMIO(4)), 0xc7c6c5c4);
	CHECK_EQ("mmio read64", mmio_read64(MMIO(8)), 0xdfdedddcdbdad9d8ULL);
	CHECK_EQ("mmio read32 unaligned", mmio_read32(MMIO(3)), 0xc6c5c4b3);

	/* Order: each access is one request, in program order. */
	c0 = counter();
	mmio_write32(MMIO(16), 1);
	mmio_write32(MMIO(20), 2);
	(void)mmio_read32(MMIO(16));
	c1 = counter();
	CHECK_EQ("requests between two counter reads", c1 - c0, 4);

	/* Read-modify-write: two requests. */
	mmio_write32(MMIO(24), 0x0f0f0000);
	c0 = counter();
	asm volatile("orl $0xf0, (%0)" ::"r"(MMIO(24)) : "memory");
	c1 = counter();
	CHECK_EQ("orl on the device", mmio_read32(MMIO(24)), 0x0f0f00f0);
	CHECK_EQ("requests of an orl", c1 - c0, 3);
	v32 = 0x55aa55aa;
	asm volatile("xchgl %0, (%1)" : "+r"(v32) : "r"(MMIO(24)) : "memory");
	CHECK_EQ("xchg: old value", v32, 0x0f0f00f0);
	CHECK_EQ("xchg: new value", mmio_read32(MMIO(24)), 0x55aa55aa);
	asm volatile("movzbl (%1), %0" : "=r"(v32) : "r"(MMIO(27)));
	CHECK_EQ("movzx from the device", v32, 0x55);
	asm volatile("movsbq (%1), %0" : "=r"(v64) : "r"(MMIO(0)));
	CHECK_EQ("movsx from the device", v64, 0xffffffffffffffa1ULL);
	asm volatile("cmpl $0x55aa55aa, (%1); sete %b0"
		     : "=q"(v32)
		     : "r"(MMIO(24))
		     : "cc");
	CHECK_EQ("cmp with the device", v32 & 0xff, 1);
}

static void strings(void)
{
	static uint8_t out[300], in[300];
	static uint64_t q[8], q2[8];
	uint64_t c0, c1, n, d, s;

	/* rep stosl: 16 requests */
	c0 = counter();
	n = 16, d = MMIO(0x40);
	asm volatile("rep stosl"
		     : "+c"(n), "+D"(d)
		     : "a"(0x5a5a0000u)
		     : "memory");
	c1 = counter();
	CHECK_EQ("rep stosl: requests", c1 - c0, 17);
	CHECK_EQ("rep stosl: rcx", n, 0);
	CHECK_EQ("rep stosl: rdi", d, MMIO(0x80));
	for (unsigned int i = 0; i < 16; i++)
		CHECK_EQ("rep stosl: value", mmio_read32(MMIO(0x40 + 4 * i)),
			 0x5a5a0000u);
	/* rep movsb RAM -> device, rep movsq device -> RAM */
	for (unsigned int i = 0; i < 64; i++)
		out[i] = (uint8_t)(i * 7 + 3);
	n = 64, s = (uint64_t)out, d = MMIO(0x40);
	asm volatile("rep movsb" : "+c"(n), "+S"(s), "+D"(d)::"memory");
	CHECK_EQ("rep movsb to the device: rsi", s, (uint64_t)out + 64);
	n = 8, s = MMIO(0x40), d = (uint64_t)q;
	asm volatile("rep movsq" : "+c"(n), "+S"(s), "+D"(d)::"memory");
	if (memcmp(q, out, 64))
		test_fail("rep movs through the device changed the data");
	/* device -> device: two requests per iteration */
	c0 = counter();
	n = 16, s = MMIO(0x40), d = MMIO(0xc0);
	asm volatile("rep movsb" : "+c"(n), "+S"(s), "+D"(d)::"memory");
	c1 = counter();
	CHECK_EQ("rep movsb device to device: requests", c1 - c0, 33);
	n = 2, s = MMIO(0xc0), d = (uint64_t)q2;
	asm volatile("rep movsq" : "+c"(n), "+S"(s), "+D"(d)::"memory");
	if (memcmp(q2, out, 16))
		test_fail("rep movsb device to device: wrong data");
	/* rep outsb / insb through the FIFO port, across exits */
	for (unsigned int i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i ^ 0x5c);
	n = sizeof(out), s = (uint64_t)out;
	asm volatile("rep outsb"
		     : "+c"(n), "+S"(s)
		     : "d"((uint16_t)DEV_PORT_FIFO)
		     : "memory");
	CHECK_EQ("rep outsb: rcx", n, 0);
	n = sizeof(in), d = (uint64_t)in;
	asm volatile("rep insb"
		     : "+c"(n), "+D"(d)
		     : "d"((uint16_t)DEV_PORT_FIFO)
		     : "memory");
	CHECK_EQ("rep insb: rdi", d, (uint64_t)in + sizeof(in));
	if (memcmp(in, out, sizeof(in)))
		test_fail("rep outsb/insb through the FIFO: data or order");
	CHECK_EQ("the FIFO is empty", inb(DEV_PORT_FIFO), 0xee);
	/* rep insw of one register */
	outw(DEV_PORT_REGS, 0xbeef);
	n = 5, d = (uint64_t)q;
	asm volatile("rep insw"
		     : "+c"(n), "+D"(d)
		     : "d"((uint16_t)DEV_PORT_REGS)
		     : "memory");
	CHECK_EQ("rep insw", ((uint16_t *)q)[4], 0xbeef);
}

static uint64_t buf_read(unsigned int off)
{
	return mmio_read64(DEV_BUF_BASE + off);
}

/* Posted writes: no request each, yet in order before the next read. */
static void buffered(void)
{
	uint64_t c0, c1, n0, s0, sum = 0, n, d;

	n0 = buf_read(DEV_BUF_COUNT);
	s0 = buf_read(DEV_BUF_SUM);
	c0 = counter();
	for (unsigned int i = 1; i <= 100; i++) {
		mmio_write32(DEV_BUF_BASE + 4 * (i % 64), i);
		sum += i;
	}
	c1 = counter();
	CHECK_EQ("requests for 100 posted writes", c1 - c0, 1);
	CHECK_EQ("posted writes the model saw", buf_read(DEV_BUF_COUNT) - n0,
		 100);
	CHECK_EQ("their sum", buf_read(DEV_BUF_SUM) - s0, sum);
	/* More than the ring holds: the rest wait as requests */
	for (unsigned int i = 0; i < 600; i++) {
		mmio_write8(DEV_BUF_BASE + (i % 256), (uint8_t)i);
		sum += (uint8_t)i;
	}
	mmio_write64(DEV_BUF_BASE + 0x100, 0x100000000ULL);
	sum += 0x100000000ULL;
	n = 64, d = DEV_BUF_BASE + 0x200;
	asm volatile("rep stosl" : "+c"(n), "+D"(d) : "a"(7u) : "memory");
	sum += 64 * 7;
	CHECK_EQ("posted writes beyond the ring", buf_read(DEV_BUF_COUNT) - n0,
		 100 + 600 + 1 + 64);
	CHECK_EQ("their sum", buf_read(DEV_BUF_SUM) - s0, sum);
	/* A garbage cons: the ring looks full, writes become requests */
	outl(DEV_PORT_CMD, DEV_CMD_GARBAGE_CONS);
	c0 = counter();
	for (unsigned int i = 0; i < 10; i++)
		mmio_write32(DEV_BUF_BASE, 1);
	c1 = counter();
	CHECK_EQ("requests for writes with a garbage cons", c1 - c0, 11);
	outl(DEV_PORT_CMD, DEV_CMD_GARBAGE_CONS); /* fixed */
	c0 = counter();
	for (unsigned int i = 0; i < 10; i++)
		mmio_write32(DEV_BUF_BASE, 1);
	c1 = counter();
	CHECK_EQ("requests for writes with cons fixed", c1 - c0, 1);
	/* A rep whose first 8 writes are posted, the rest requests */
	outl(DEV_PORT_CMD, DEV_CMD_RING_8_FREE);
	c0 = counter();
	n = 20, d = DEV_BUF_BASE + 0x300;
	asm volatile("rep stosl" : "+c"(n), "+D"(d) : "a"(1u) : "memory");
	c1 = counter();
	CHECK_EQ("requests of a rep filling the ring", c1 - c0, 13);
	outl(DEV_PORT_CMD, DEV_CMD_GARBAGE_CONS); /* toggled: cons fixed */
	CHECK_EQ("writes of the rep", buf_read(DEV_BUF_COUNT) - n0,
		 100 + 600 + 1 + 64 + 20 + 20);
}

/* Both vcpus at once, each with its own register and scratch bytes. */
static unsigned int hammer(unsigned int id)
{
	unsigned int errors = 0;

	for (unsigned int k = 0; k < 300; k++) {
		uint32_t v = (id << 24) | k;
		uint64_t a = MMIO(0xe0 + 8 * id);

		outl(DEV_PORT_VCPU, v);
		mmio_write64(a, ((uint64_t)v << 32) | ~v);
		if (inl(DEV_PORT_VCPU) != v)
			errors++;
		if (mmio_read64(a) != (((uint64_t)v << 32) | ~v))
			errors++;
	}
	return errors;
}

static void ap_main(unsigned int id)
{
	(void)id;
	ap_started = 1;
	wait_for(&ap_phase, 1);
	ap_errors = hammer(1);
	ap_done = 1;
	wait_for(&ap_phase, 2);
	/* The last request: the model never answers. */
	outl(DEV_PORT_CMD, DEV_CMD_BLACKHOLE);
	ap_blackhole_sent = 1;
	(void)inl(DEV_PORT_ID);
	ap_blackhole_back = 1;
	for (;;)
		asm volatile("pause");
}

static void smp(void)
{
	unsigned int errors;

	ap_main_fn = ap_main;
	ap_stack_top = (uint64_t)&ap_stack[sizeof(ap_stack)];
	lapic_write(LAPIC_SVR, 0x1ff);
	send_ipi(1, 0x4500);
	send_ipi(1, 0x0600 | 0x08);
	if (!wait_for(&ap_started, 1)) {
		test_fail("vcpu 1 did not start");
		return;
	}
	ap_phase = 1;
	errors = hammer(0);
	if (!wait_for(&ap_done, 1))
		test_fail("vcpu 1 did not finish its accesses");
	if (errors || ap_errors)
		test_fail("two vcpus at once: %u wrong values on vcpu 0, %u "
			  "on vcpu 1",
			  errors, ap_errors);
}

static void hostile(void)
{
	outl(DEV_PORT_CMD, DEV_CMD_GARBAGE_STATE);
	CHECK_EQ("after bogus states", inl(DEV_PORT_ID), DEV_MAGIC);
	outl(DEV_PORT_CMD, DEV_CMD_CHANGE_ADDR);
	CHECK_EQ("an answer with another address", inl(DEV_PORT_ID),
		 0xffffffffu);
	CHECK_EQ("the next answer", inl(DEV_PORT_ID), DEV_MAGIC);
	outl(DEV_PORT_CMD, DEV_CMD_CHANGE_VCPU);
	CHECK_EQ("an answer with another vcpu", mmio_read64(MMIO(8)), ~0ULL);
	CHECK_EQ("the next MMIO answer", mmio_read64(MMIO(8)),
		 0xdfdedddcdbdad9d8ULL);
	outl(DEV_PORT_CMD, DEV_CMD_WRONG_SLOT);
	CHECK_EQ("after an answer in the other slot", inb(DEV_PORT_REGS + 7),
		 0x88);
	/* The server goes under us: no device, then a new server. */
	outl(DEV_PORT_CMD, DEV_CMD_STALL);
	CHECK_EQ("a read whose server went", inl(DEV_PORT_ID), 0xffffffffu);
	if (!device_ready()) {
		test_fail("no new server after the old one went");
		return;
	}
	CHECK_EQ("MMIO through the new server", mmio_read64(MMIO(8)),
		 0xdfdedddcdbdad9d8ULL);
	/* The same under an emulated access: it completes, all ones. */
	outl(DEV_PORT_CMD, DEV_CMD_STALL);
	CHECK_EQ("an MMIO read whose server went", mmio_read64(MMIO(8)), ~0ULL);
	if (!device_ready())
		test_fail("no new server after the old one went (MMIO)");
}

void test_main(void)
{
	if (hvm_start_info->nr_vcpus < 2) {
		test_error("needs 2 vcpus");
		return;
	}
	if (!device_ready()) {
		test_fail("the device model never served the ID port");
		return;
	}
	ports();
	mmio();
	strings();
	buffered();
	smp();
	hostile();
	/* vcpu 1's request is never answered: it must wait, blocked. */
	ap_phase = 2;
	if (!wait_for(&ap_blackhole_sent, 1))
		test_fail("vcpu 1 did not send its last request");
	for (unsigned long i = 0; i < 20000000UL; i++)
		asm volatile("pause");
	if (ap_blackhole_back)
		test_fail("vcpu 1 got an answer the model never gave");
	/* The verdict now: dom0 destroys this domain after the command. */
	test_pass();
	test_print_result();
	outl(DEV_PORT_CMD, DEV_CMD_FINISH);
	for (;;)
		asm volatile("pause");
}
