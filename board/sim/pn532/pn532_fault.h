/*
 * pn532_fault: the line and chip faults the control interface can inject,
 * queued until the commands they spoil arrive. Pure bookkeeping; the chip
 * (pn532_chip.c) applies them and the event loop performs a hang-up.
 *
 * Each queued fault applies to the next N commands the chip accepts, one
 * command each, in the order the faults were queued:
 *   garbage       a few junk bytes go out between the ACK and the response
 *   bad-checksum  the response's data checksum (DCS) is off by one
 *   nack          a NACK frame goes out instead of the ACK; the command is
 *                 not run (the chip "did not understand")
 *   silence       nothing at all: no ACK, no response; the command is not run
 *   late MS       the response goes out MS milliseconds later than it would
 *   disconnect    the pty hangs up half-way through the response; the
 *                 simulator then opens a new pty and re-points its link
 */
#ifndef PN532_FAULT_H
#define PN532_FAULT_H

#include <stddef.h>
#include <stdint.h>

enum pn532_fault_kind {
	PN532_FAULT_NONE,
	PN532_FAULT_GARBAGE,
	PN532_FAULT_BAD_CHECKSUM,
	PN532_FAULT_NACK,
	PN532_FAULT_SILENCE,
	PN532_FAULT_LATE,
	PN532_FAULT_DISCONNECT,
};

struct pn532_fault {
	enum pn532_fault_kind kind;
	uint32_t ms; /* PN532_FAULT_LATE */
};

#define PN532_FAULT_QUEUE_MAX 16
#define PN532_FAULT_COUNT_MAX 1000
#define PN532_FAULT_LATE_MAX_MS 60000

struct pn532_fault_queue {
	struct {
		struct pn532_fault fault;
		uint32_t count;
	} items[PN532_FAULT_QUEUE_MAX];
	size_t n;
};

const char *pn532_fault_name(enum pn532_fault_kind k);
/* "garbage", "bad-checksum", ... Returns 0, or -1 if unknown. */
int pn532_fault_parse(const char *name, enum pn532_fault_kind *out);

void pn532_fault_queue_init(struct pn532_fault_queue *q);
/* Queues a fault for the next count commands. Returns 0, or -1 if full or invalid. */
int pn532_fault_push(struct pn532_fault_queue *q, struct pn532_fault f, uint32_t count);
/* The fault for the command being accepted now (kind NONE if none is queued). */
struct pn532_fault pn532_fault_take(struct pn532_fault_queue *q);
/* How many command applications are still queued. */
unsigned long pn532_fault_pending(const struct pn532_fault_queue *q);

#endif
