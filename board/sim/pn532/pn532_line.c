/*
 * pn532_line: see pn532_line.h. Two ring buffers of timed bytes; the times
 * of a run are computed from the run's start, so rounding never drifts.
 */
#include "pn532_line.h"

#include <string.h>

void pn532_line_init(struct pn532_line *l, const struct pn532_timing *timing)
{
	memset(l, 0, sizeof(*l));
	l->timing = timing;
	l->host_fifo_trigger = 1;
}

void pn532_line_set_host_fifo(struct pn532_line *l, unsigned trigger, uint32_t baud)
{
	l->host_fifo_trigger = trigger ? trigger : 1;
	/* 32 bit times, rounded up; nothing to wait for when unpaced. */
	l->host_rx_timeout_us = l->timing->paced && baud
					? (PN532_HOST_RX_TIMEOUT_BITS * 1000000ULL + baud - 1) / baud
					: 0;
}

void pn532_line_reset(struct pn532_line *l)
{
	const struct pn532_timing *t = l->timing;
	const unsigned long dropped = l->tx_dropped;
	const unsigned trigger = l->host_fifo_trigger;
	const uint64_t rx_timeout = l->host_rx_timeout_us;
	pn532_line_init(l, t);
	l->tx_dropped = dropped;
	l->host_fifo_trigger = trigger;
	l->host_rx_timeout_us = rx_timeout;
}

/*
 * When the host would be handed the bytes at the head of the tx queue, and
 * how many: the FIFO trigger, or the receive timeout after a byte that no
 * other byte follows within it, or a hang-up (the line drops at once).
 */
static uint64_t host_delivery(const struct pn532_line *l, size_t *count)
{
	*count = 0;
	for (size_t i = 0; i < l->tx_count; i++) {
		const struct pn532_line_byte *b = &l->tx[(l->tx_head + i) % PN532_LINE_QUEUE];
		if (l->host_fifo_trigger <= 1 || b->hangup_after || i + 1 == l->host_fifo_trigger) {
			*count = i + 1;
			return b->at;
		}
		uint64_t quiet_until = b->at + l->host_rx_timeout_us;
		bool last = i + 1 == l->tx_count;
		if (last || l->tx[(l->tx_head + i + 1) % PN532_LINE_QUEUE].at > quiet_until) {
			*count = i + 1;
			return quiet_until;
		}
	}
	return PN532_NEVER;
}

size_t pn532_line_rx_room(const struct pn532_line *l)
{
	return PN532_LINE_QUEUE - l->rx_count;
}

size_t pn532_line_rx_add(struct pn532_line *l, uint32_t baud, uint64_t now, const uint8_t *buf,
			 size_t n)
{
	const size_t room = pn532_line_rx_room(l);
	if (n > room)
		n = room;
	const uint64_t start = l->rx_free_at > now ? l->rx_free_at : now;
	for (size_t k = 0; k < n; k++) {
		struct pn532_line_byte *b = &l->rx[(l->rx_head + l->rx_count) % PN532_LINE_QUEUE];
		b->at = pn532_timing_uart_done(l->timing, baud, start, k + 1);
		b->byte = buf[k];
		b->hangup_after = false;
		l->rx_count++;
	}
	if (n)
		l->rx_free_at = pn532_timing_uart_done(l->timing, baud, start, n);
	return n;
}

bool pn532_line_rx_take(struct pn532_line *l, uint64_t now, uint8_t *byte, uint64_t *at)
{
	if (l->rx_count == 0 || l->rx[l->rx_head].at > now)
		return false;
	*byte = l->rx[l->rx_head].byte;
	*at = l->rx[l->rx_head].at;
	l->rx_head = (l->rx_head + 1) % PN532_LINE_QUEUE;
	l->rx_count--;
	return true;
}

void pn532_line_tx_add(struct pn532_line *l, uint32_t baud, const struct pn532_output *o)
{
	const uint64_t start = l->tx_free_at > o->due ? l->tx_free_at : o->due;
	size_t n = o->len;
	if (o->hangup_after < n)
		n = o->hangup_after;
	for (size_t k = 0; k < n; k++) {
		if (l->tx_count == PN532_LINE_QUEUE) {
			l->tx_dropped += n - k;
			break;
		}
		struct pn532_line_byte *b = &l->tx[(l->tx_head + l->tx_count) % PN532_LINE_QUEUE];
		b->at = pn532_timing_uart_done(l->timing, baud, start, k + 1);
		b->byte = o->bytes[k];
		b->hangup_after = o->hangup_after < o->len && k + 1 == n;
		l->tx_count++;
	}
	if (n)
		l->tx_free_at = pn532_timing_uart_done(l->timing, baud, start, n);
}

size_t pn532_line_tx_take(struct pn532_line *l, uint64_t now, uint8_t *buf, size_t cap,
			  bool *hangup)
{
	size_t n = 0;
	*hangup = false;
	size_t group;
	while (n < cap && host_delivery(l, &group) <= now) {
		for (size_t k = 0; k < group && n < cap; k++) {
			const struct pn532_line_byte *b = &l->tx[l->tx_head];
			buf[n++] = b->byte;
			l->tx_head = (l->tx_head + 1) % PN532_LINE_QUEUE;
			l->tx_count--;
			if (b->hangup_after) {
				*hangup = true;
				return n;
			}
		}
	}
	return n;
}

uint64_t pn532_line_next_event(const struct pn532_line *l)
{
	uint64_t next = PN532_NEVER;
	if (l->rx_count && l->rx[l->rx_head].at < next)
		next = l->rx[l->rx_head].at;
	size_t group;
	uint64_t tx = host_delivery(l, &group);
	if (tx < next)
		next = tx;
	return next;
}
