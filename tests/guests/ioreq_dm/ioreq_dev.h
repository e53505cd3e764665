/* SPDX-License-Identifier: MIT */
/*
 * The test device that the PV guest ioreq_dm (dom0) serves to the HVM
 * guest tests/hvm/ioreq through public/hvm/ioreq.h.  Shared by both.
 */
#ifndef IOREQ_DEV_H
#define IOREQ_DEV_H

/* Ports 0x510-0x52f. */
#define DEV_PORT_FIRST 0x510
#define DEV_PORT_LAST 0x52f
#define DEV_PORT_ID 0x510 /* 32-bit read: DEV_MAGIC */
#define DEV_PORT_REGS 0x514 /* 8 bytes of registers, any width */
#define DEV_PORT_FIFO 0x520 /* bytes: writes append, reads take in order */
#define DEV_PORT_CMD 0x524 /* 32-bit write: DEV_CMD_* for the next access */
#define DEV_PORT_VCPU 0x528 /* 32 bits, one register per vcpu */
#define DEV_MAGIC 0x4d494341u

/* MMIO: one page. */
#define DEV_MMIO_BASE 0xfeb00000UL
#define DEV_MMIO_LAST (DEV_MMIO_BASE + 0xfff)
#define DEV_MMIO_SCRATCH 0x000 /* 256 bytes, any width */
#define DEV_MMIO_SCRATCH_SIZE 0x100
#define DEV_MMIO_COUNT 0x100 /* 64-bit read: requests served before it */

/* MMIO, buffered (MICA_IOREQ_RANGE_BUFFERED): a second page. */
#define DEV_BUF_BASE 0xfeb01000UL
#define DEV_BUF_LAST (DEV_BUF_BASE + 0xfff)
#define DEV_BUF_SINK 0x000 /* 0x000-0x7ff: writes count and add up */
#define DEV_BUF_COUNT 0x800 /* 64-bit read: writes to the sink */
#define DEV_BUF_SUM 0x808 /* 64-bit read: their sum */

/* Commands: what the model does with the writer's next request. */
#define DEV_CMD_GARBAGE_STATE 1 /* bogus states and notifies, then answers */
#define DEV_CMD_CHANGE_ADDR 2 /* answers with addr changed: bus error */
#define DEV_CMD_CHANGE_VCPU 3 /* answers with vcpu changed: bus error */
#define DEV_CMD_WRONG_SLOT 4 /* answers another vcpu's slot first */
#define DEV_CMD_STALL 5 /* no answer; destroys and recreates the server */
#define DEV_CMD_BLACKHOLE 6 /* never answers */
#define DEV_CMD_FINISH 7 /* the guest is done: pause, destroy it */
#define DEV_CMD_DONE 8 /* the guest is done and shuts itself down */
#define DEV_CMD_LEAVE 9 /* the model shuts down now (its domain dies) */
#define DEV_CMD_GARBAGE_CONS 10 /* toggles a garbage ring cons */
#define DEV_CMD_RING_8_FREE \
	11 /* ring cons showing 8 free entries, kept
				* until DEV_CMD_GARBAGE_CONS */

#endif
