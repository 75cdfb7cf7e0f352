/*
 * pn532_control: the simulator's control protocol, the test bench's hand
 * on the simulated world (cards in and out of the field, faults on the
 * line). Pure: a line of text in, an action on the chip and a line of text
 * out; the socket plumbing is in pn532_sim_main.c.
 *
 * Wire form: one command per line, words separated by blanks, exactly the
 * words of the CLI (`pn532-sim ctl tap --uid 04a1b2c3d4e5f6` sends
 * "tap --uid 04a1b2c3d4e5f6\n"). One answer line per command, starting
 * "ok" or "error: ". Commands:
 *
 *   tap --uid HEX [--type T] [--hold MS] [--pmm HEX] [--system HEX]
 *       place a card and take it away MS later (default 300)
 *       -> ok placed_us=N type=T remove_at_us=M
 *   place --uid HEX [--type T] [--pmm HEX] [--system HEX]
 *       place a card and leave it            -> ok placed_us=N type=T
 *   remove                                   -> ok removed_us=N removed=1|0
 *   hold MS   keep the card MS longer        -> ok remove_at_us=N
 *   fault KIND [MS] [--count N]
 *       KIND: garbage, bad-checksum, nack, silence, late MS, disconnect;
 *       applies to the next N commands (default 1)
 *       -> ok fault=KIND count=N pending=P
 *   status    -> ok {"card":"ntag213",...}   (one line of JSON)
 *
 * Types: ntag213, ntag215, classic, uid7, uid10, random (--uid optional),
 * felica (--uid is the 8-byte IDm). Without --type the UID's length picks
 * one (pn532_card_type_infer). HEX is hex digits, optionally with ':'
 * between bytes. N, MS: decimal. The *_us times are CLOCK_MONOTONIC
 * microseconds as the simulator's clock reads them: placed_us is the very
 * instant the card entered the field, for measuring tap latency.
 *
 * Nothing this module says ever carries a card's UID: the kiosk project
 * keeps UIDs out of every log and message, and `status` names only the
 * card's type.
 */
#ifndef PN532_CONTROL_H
#define PN532_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pn532_card.h"
#include "pn532_chip.h"
#include "pn532_fault.h"

#define PN532_CTL_LINE_MAX 512
#define PN532_CTL_ANSWER_MAX 1024
#define PN532_CTL_HOLD_DEFAULT_MS 300
#define PN532_CTL_MS_MAX 86400000ULL /* a day */

enum pn532_ctl_verb {
	PN532_CTL_TAP,
	PN532_CTL_PLACE,
	PN532_CTL_REMOVE,
	PN532_CTL_HOLD,
	PN532_CTL_FAULT,
	PN532_CTL_STATUS,
};

struct pn532_ctl_request {
	enum pn532_ctl_verb verb;
	bool type_given, pmm_given, system_given;
	enum pn532_card_type type;
	uint8_t uid[PN532_CARD_UID_MAX];
	size_t uid_len;
	uint8_t pmm[8], system_code[2];
	uint64_t ms; /* tap --hold, hold MS */
	struct pn532_fault fault;
	uint32_t count;
};

/* What the executor needs besides the chip. */
struct pn532_ctl_context {
	struct pn532_chip *chip;
	uint64_t rng;		/* seeds random-UID cards */
	unsigned long hangups;	/* pty hang-ups performed (disconnect faults) */
	const char *pty_path;	/* the current slave, for status */
};

/*
 * Parses one command line (without the newline). Returns 0, or -1 with a
 * message in err that names the problem.
 */
int pn532_ctl_parse(const char *line, struct pn532_ctl_request *req, char *err, size_t errlen);

/* Runs a parsed request at time now and writes the answer line (no newline). */
void pn532_ctl_execute(struct pn532_ctl_context *ctx, uint64_t now,
		       const struct pn532_ctl_request *req, char *answer, size_t cap);

/* Parse and execute in one: what the socket server calls per line. */
void pn532_ctl_handle_line(struct pn532_ctl_context *ctx, uint64_t now, const char *line,
			   char *answer, size_t cap);

#endif
