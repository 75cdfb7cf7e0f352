/*
 * pn532_line: the serial line between host and chip, as time. A pty moves
 * bytes instantly; a PN532's HSU moves one byte every 86.8 us at 115200
 * baud 8N1. This module gives every byte the moment it would have finished
 * crossing a real line, both ways, so that the chip acts on a host frame
 * only when its last byte would have arrived, and the host sees the chip's
 * answer no sooner than the wire allows. Pure: the caller owns the pty and
 * the clock. With unpaced timing every byte is due the moment it is queued.
 *
 * Host to chip (rx): bytes read from the pty at `now` occupy the line one
 * after another from max(now, line free); they are handed to the chip as
 * each one completes. Chip to host (tx): an output (pn532_chip.h) starts at
 * max(its due time, line free); each byte is written to the pty when it
 * completes. An output that carries a hang-up stops the line after its
 * hang-up byte; the rest of it is never sent.
 *
 * The host's receiver. A host does not see each byte as it lands: its UART
 * (the Raspberry Pi's PL011, like most) collects bytes in a FIFO and
 * interrupts when the FIFO reaches its trigger level (Linux's amba-pl011
 * sets half of 16: 8 bytes) or when no byte has arrived for 32 bit times
 * (the receive timeout, 278 us at 115200 baud); only then does the tty
 * layer wake the reader. pn532_line_set_host_fifo() makes tx delivery
 * follow that rule: a byte is never delivered before it has crossed the
 * line, and the last bytes of a frame come 32 bit times after it, so this
 * makes latency slightly worse, never better, and the host's wake-ups
 * realistic. Trigger 1 (the default) delivers each byte as it lands.
 */
#ifndef PN532_LINE_H
#define PN532_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pn532_chip.h"
#include "pn532_timing.h"

#define PN532_LINE_QUEUE 4096

struct pn532_line_byte {
	uint64_t at;
	uint8_t byte;
	bool hangup_after;
};

struct pn532_line {
	const struct pn532_timing *timing;
	uint64_t rx_free_at, tx_free_at;
	struct pn532_line_byte rx[PN532_LINE_QUEUE], tx[PN532_LINE_QUEUE];
	size_t rx_head, rx_count, tx_head, tx_count;
	unsigned long tx_dropped; /* the tx queue was full */
	unsigned host_fifo_trigger;  /* bytes; 1 = each byte as it lands */
	uint64_t host_rx_timeout_us; /* idle time that flushes a partial FIFO */
};

#define PN532_HOST_FIFO_TRIGGER 8   /* amba-pl011: RX interrupt at half of 16 */
#define PN532_HOST_RX_TIMEOUT_BITS 32 /* PL011 TRM: receive timeout */

/* Delivers chip-to-host bytes as a host UART would (see above). */
void pn532_line_set_host_fifo(struct pn532_line *l, unsigned trigger, uint32_t baud);

void pn532_line_init(struct pn532_line *l, const struct pn532_timing *timing);
/* Forgets everything in flight (the pty was replaced). */
void pn532_line_reset(struct pn532_line *l);

/* How many more host bytes the rx queue takes (read no more than this). */
size_t pn532_line_rx_room(const struct pn532_line *l);
/* Queues host bytes read at now. Returns how many were taken (<= room). */
size_t pn532_line_rx_add(struct pn532_line *l, uint32_t baud, uint64_t now, const uint8_t *buf,
			 size_t n);
/* Takes the next host byte that has arrived by now, with its arrival time. */
bool pn532_line_rx_take(struct pn532_line *l, uint64_t now, uint8_t *byte, uint64_t *at);

/* Queues a chip output for transmission. */
void pn532_line_tx_add(struct pn532_line *l, uint32_t baud, const struct pn532_output *o);
/*
 * Takes up to cap bytes whose transmission is complete by now. If the last
 * byte taken is a hang-up point, *hangup is set and nothing after it is
 * taken: the caller writes the bytes, then hangs up.
 */
size_t pn532_line_tx_take(struct pn532_line *l, uint64_t now, uint8_t *buf, size_t cap,
			  bool *hangup);

/* The next time a queued byte completes, or PN532_NEVER. */
uint64_t pn532_line_next_event(const struct pn532_line *l);

#endif
