/*
 * pn532_chip: the simulated PN532 (firmware v1.6, UM0701-02) as a pure
 * state machine driven by (time, input): bytes from the host, cards
 * placed and removed, faults queued. It never sleeps and does no I/O; it
 * says what it sends and when ("this frame is due at T"), and what time
 * it next needs to be woken at. Times are microseconds on any monotonic
 * clock the caller likes (CLOCK_MONOTONIC in pn532-sim, a counter in the
 * tests). Every input is untrusted: a malformed frame is dropped and
 * counted, an unknown command or bad parameters get the chip's
 * application-level error frame; nothing crashes it.
 *
 * What it models:
 *   power       LowVBat at power-on (asleep until a 0x55 wakes it, then
 *               only SAMConfiguration is heard), Normal after
 *               SAMConfiguration, PowerDown after PowerDown (a 0x55 wakes
 *               it into Normal). Bytes arriving during the wake-up time
 *               are lost, as on the HSU.
 *   host link   ACK then response for each command; an ACK from the host
 *               aborts the running command (nothing more is sent for it);
 *               a NACK asks for the last response again; a new command
 *               while one is running replaces it (the running one is
 *               abandoned without an answer: the host has given up on it).
 *   registers   the whole 64 KiB register space remembers what is
 *               written; the CIU registers (0x6301-0x633E) start at
 *               plausible reset values. TxMode/RxMode (0x6302/0x6303) bit 7
 *               decides whether InCommunicateThru appends/checks CRCs,
 *               their framing and speed bits which technology it talks to;
 *               BitFraming (0x633D) bits 2-0 give the last byte's bit count;
 *               Control (0x633C) bits 2-0 report the last byte received.
 *   RF          the field (RFConfiguration item 1; initiator commands
 *               switch it on), timings (item 2: ATR_RES and the retry
 *               timeout for data exchanges), MaxRtyCOM (item 4), MaxRetries
 *               (item 5: MxRtyPassiveActivation N makes N+1 activation
 *               attempts, 0xFF searches until a card is found).
 *   targets     one card in the field at a time (pn532_card.h); the chip
 *               activates it through real ISO 14443-3 / JIS X 6319-4
 *               frames, keeps it as target 1, exchanges data with it, and
 *               times out (status 0x01) when it has gone.
 *   commands    Diagnose, GetFirmwareVersion (IC 32, v1.6, support 07),
 *               GetGeneralStatus, Read/WriteRegister, Read/WriteGPIO,
 *               SetSerialBaudRate, SetParameters, SAMConfiguration,
 *               PowerDown, RFConfiguration, InListPassiveTarget,
 *               InAutoPoll, InDataExchange, InCommunicateThru, InDeselect,
 *               InRelease, InSelect, and InJumpForDEP / InJumpForPSL /
 *               InATR / InPSL (no DEP target ever answers). Target-mode
 *               and test commands get the error frame.
 *   timing      pn532_timing.h: activation attempts and data exchanges take
 *               their RF time; InAutoPoll answers only when a polling
 *               period (Period x 150 ms) ends.
 */
#ifndef PN532_CHIP_H
#define PN532_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pn532_card.h"
#include "pn532_fault.h"
#include "pn532_frame.h"
#include "pn532_timing.h"

#define PN532_NEVER UINT64_MAX

/* One piece of output: bytes the chip starts sending at `due`. */
struct pn532_output {
	uint64_t due;
	size_t len;
	/* Hang the line up after this many bytes (a disconnect fault); SIZE_MAX: no. */
	size_t hangup_after;
	uint8_t bytes[PN532_FRAME_MAX];
};

enum pn532_power {
	PN532_POWER_LOWVBAT,
	PN532_POWER_NORMAL,
	PN532_POWER_POWERDOWN,
};

struct pn532_stats {
	unsigned long bytes_in;
	unsigned long dropped_asleep; /* bytes that arrived while asleep/waking */
	unsigned long frames;	      /* well-formed information frames */
	unsigned long acks, nacks;    /* from the host */
	unsigned long bad_frames;
	unsigned long ignored;	      /* frames not heard in LowVBat */
	unsigned long commands;	      /* commands run */
	unsigned long responses;      /* response frames sent */
	unsigned long error_frames;   /* application-level error frames sent */
	unsigned long aborted;	      /* commands aborted by the host's ACK */
	unsigned long replaced;	      /* commands abandoned for a new one */
	unsigned long faults_applied;
	unsigned long outputs_dropped; /* output queue full (a flood of NACKs) */
	unsigned long link_resets;
	unsigned long preamble_bytes; /* 0x55/0x00 skipped before frames */
	unsigned long junk_bytes;     /* other bytes skipped before frames */
};

struct pn532_chip;

/* A chip at power-on (LowVBat, field off, no card) at time now. NULL if out of memory. */
struct pn532_chip *pn532_chip_new(bool paced, uint64_t seed, uint64_t now);
void pn532_chip_free(struct pn532_chip *c);

/*
 * Bytes from the host that finished arriving at `now` (each byte should be
 * given its own arrival time when the line is paced). Times earlier than
 * the chip's own clock are taken as its clock.
 */
void pn532_chip_receive(struct pn532_chip *c, uint64_t now, const uint8_t *buf, size_t n);

/* Runs everything due up to and including now (activation attempts, answers, card removal). */
void pn532_chip_advance(struct pn532_chip *c, uint64_t now);

/* The next time the chip needs pn532_chip_advance(), or PN532_NEVER. */
uint64_t pn532_chip_next_event(const struct pn532_chip *c);

/* Takes the oldest output due by now. Returns false when there is none. */
bool pn532_chip_pop_output(struct pn532_chip *c, uint64_t now, struct pn532_output *out);

/*
 * Puts a card in the field at now (replacing any card there); it leaves by
 * itself at remove_at (PN532_NEVER: it stays). Returns 0.
 */
int pn532_chip_place_card(struct pn532_chip *c, uint64_t now, const struct pn532_card *card,
			  uint64_t remove_at);
/* Takes the card away at now. Returns false if there was none. */
bool pn532_chip_remove_card(struct pn532_chip *c, uint64_t now);
/*
 * Keeps the card extra_us longer than it would have stayed (a card placed
 * to stay leaves extra_us from now). Returns 0 with the new leaving time,
 * or -1 if no card is in the field.
 */
int pn532_chip_hold(struct pn532_chip *c, uint64_t now, uint64_t extra_us, uint64_t *remove_at);

/* Queues a fault for the next count commands (pn532_fault.h). Returns 0 or -1. */
int pn532_chip_add_fault(struct pn532_chip *c, struct pn532_fault f, uint32_t count);
unsigned long pn532_chip_faults_pending(const struct pn532_chip *c);

/*
 * The host link was hung up and replaced (a new pty): whatever was half
 * received or about to be sent is gone and the running command with it.
 * The chip itself keeps its power state, registers and card.
 */
void pn532_chip_link_reset(struct pn532_chip *c, uint64_t now);

/* Introspection for the control interface and the tests. */
void pn532_chip_stats(const struct pn532_chip *c, struct pn532_stats *out);
const struct pn532_timing *pn532_chip_timing(const struct pn532_chip *c);
uint8_t pn532_chip_register(const struct pn532_chip *c, uint16_t addr);
bool pn532_chip_field_on(const struct pn532_chip *c);
enum pn532_power pn532_chip_power(const struct pn532_chip *c);
const char *pn532_chip_power_name(enum pn532_power p);
bool pn532_chip_asleep(const struct pn532_chip *c);
bool pn532_chip_busy(const struct pn532_chip *c);
/* The card in the field, or NULL. */
const struct pn532_card *pn532_chip_card(const struct pn532_chip *c);
/* The UART rate the host link runs at (SetSerialBaudRate changes it). */
uint32_t pn532_chip_baud(const struct pn532_chip *c);

#endif
