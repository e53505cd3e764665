/* SPDX-License-Identifier: MIT */
/*
 * The HVM guest's console: a 16550A UART at MICA_HVM_COM1_PORT
 * (public/hvm/hvm.h P1).  Transmitted bytes go to the domain's console
 * line (prefixed "(dN) " in Mica's log); the receiver is always empty and
 * the transmitter always ready, so a polling driver never waits.  The one
 * interrupt is "transmitter holding register empty" on ISA IRQ 4: owed
 * when it is enabled and after each byte sent, and withdrawn when the
 * guest reads it from IIR or sends another byte (a level on the line).
 */
#include <mica/domain.h>
#include <asm/hvm.h>
#include <asm/hvm_platform.h>
#include <public/hvm/hvm.h>

/* Register offsets (DLAB: line control bit 7 selects the divisor). */
#define UART_DATA 0 /* THR / RBR, DLL with DLAB */
#define UART_IER 1 /* DLM with DLAB */
#define UART_IIR 2 /* FCR on write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define LCR_DLAB 0x80
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */
#define IIR_NO_INT 0x01
#define IIR_THRE 0x02
#define IER_THRE 0x02
#define UART_IRQ 4
#define IIR_FIFO 0xc0
#define MSR_READY 0xb0 /* DCD, DSR, CTS */

static uint8_t uart_read(struct hvm_uart *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case UART_DATA:
		return dlab ? u->dll : 0;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		if (!dlab && (u->ier & IER_THRE) && u->thre_pending) {
			u->thre_pending = false; /* reading it acknowledges */
			return IIR_THRE | IIR_FIFO;
		}
		return IIR_NO_INT | IIR_FIFO;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT;
	case UART_MSR:
		return MSR_READY;
	default:
		return u->scr;
	}
}

static void uart_write(struct domain *d, struct hvm_uart *u, unsigned int reg,
		       uint8_t val)
{
	bool dlab = u->lcr & LCR_DLAB;
	char c = (char)val;

	switch (reg) {
	case UART_DATA:
		if (dlab) {
			u->dll = val;
		} else {
			domain_console_write(d, &c, 1);
			u->thre_pending = true; /* sent at once */
		}
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
		} else {
			if ((val & IER_THRE) && !(u->ier & IER_THRE))
				u->thre_pending = true;
			u->ier = val & 0x0f;
		}
		break;
	case UART_IIR:
		break; /* FIFO control: the FIFO is always empty */
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}

bool hvm_uart_io(struct vcpu *v, uint16_t port, bool in, uint32_t *val)
{
	struct hvm_domain *hd = v->domain->arch.hvm;
	unsigned long flags;

	if (port < MICA_HVM_COM1_PORT || port > MICA_HVM_COM1_PORT + 7)
		return false;
	flags = spin_lock_irqsave(&hd->io_lock);
	if (in)
		*val = uart_read(&hd->uart, port - MICA_HVM_COM1_PORT);
	else
		uart_write(v->domain, &hd->uart, port - MICA_HVM_COM1_PORT,
			   (uint8_t)*val);
	/* OUT2 in MCR gates the line on a PC. */
	hvm_isa_irq(v->domain, UART_IRQ,
		    (hd->uart.ier & IER_THRE) && hd->uart.thre_pending &&
			    (hd->uart.mcr & 0x08));
	spin_unlock_irqrestore(&hd->io_lock, flags);
	return true;
}
