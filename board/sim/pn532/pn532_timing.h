/*
 * pn532_timing: how long things take on the simulated board, in
 * microseconds. One place for every figure, each with its source, so that
 * docs/simulator.md and the code cannot disagree; the chip and the line
 * model ask here rather than carrying constants of their own.
 *
 * Paced timing follows the PN532 and the RF standards:
 *   UART            115200 baud 8N1: 10 bit times = 86.8 us per byte.
 *   ISO/IEC 14443-3 type A at 106 kbit/s: one bit (etu) is 128/fc with
 *                   fc = 13.56 MHz (9.44 us); a standard frame of n bytes
 *                   is a start bit, 9 bits per byte (8 data + parity) and
 *                   the end of communication: (2 + 9n) etu; the 7-bit short
 *                   frame (REQA/WUPA) is 9 etu; the frame delay time PCD to
 *                   PICC for these commands is 1236/fc (91.2 us); a PICC is
 *                   ready for a request at most 5 ms after it is powered;
 *                   a PCD takes HLTA as accepted when no answer came within
 *                   1 ms.
 *   JIS X 6319-4    FeliCa at 212/424 kbit/s: a bit is 64/fc or 32/fc; a
 *                   frame is a 48-bit preamble, 2 sync bytes, then LEN,
 *                   payload and a 2-byte CRC; Polling answers start in time
 *                   slots, the first 2.417 ms (32768/fc) after the command,
 *                   each 1.208 ms (16384/fc) long.
 *   PN532 (UM0701)  InAutoPoll's Period is in units of 150 ms;
 *                   RFConfiguration's timeout codes are 100 us x 2^(n-1).
 * and three figures no document gives, chosen conservatively (longer
 * rather than shorter): the firmware's turnaround per RF exchange, the
 * listening window after a REQA that nobody answers, and the HSU wake-up
 * time. docs/simulator.md lists them with the reasoning.
 *
 * Unpaced timing (for fast tests) makes every duration 0: no byte pacing,
 * no RF time, no guard time. Callers that step through attempts or polling
 * periods use at least 1 us per step so that retry arithmetic stays sound.
 */
#ifndef PN532_TIMING_H
#define PN532_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PN532_FC_HZ 13560000ULL
#define PN532_UART_BAUD_DEFAULT 115200U

struct pn532_timing {
	bool paced;
	uint64_t wakeup_us;	   /* HSU wake-up: bytes after the 0x55 are lost */
	uint64_t card_ready_us;	   /* ISO 14443-3: PICC ready 5 ms after power-up */
	uint64_t fw_turnaround_us; /* PN532 firmware per RF exchange (estimate) */
	uint64_t atqa_wait_us;	   /* listening after a REQA nobody answers (estimate) */
	uint64_t hlta_wait_us;	   /* ISO 14443-3: HLTA accepted after 1 ms of silence */
	uint64_t autopoll_unit_us; /* UM0701: InAutoPoll Period unit, 150 ms */
	uint64_t felica_card_us;   /* FeliCa card processing for non-polling commands */
};

/* Fills t with the paced (datasheet) or unpaced (all zero) figures. */
void pn532_timing_init(struct pn532_timing *t, bool paced);

/* Time for `cycles` periods of the 13.56 MHz carrier, rounded up; 0 unpaced. */
uint64_t pn532_timing_fc(const struct pn532_timing *t, uint64_t cycles);

/* ISO 14443-3 type A at 106 kbit/s. */
uint64_t pn532_timing_a_frame(const struct pn532_timing *t, size_t nbytes);
uint64_t pn532_timing_a_short(const struct pn532_timing *t);  /* 7-bit frame */
uint64_t pn532_timing_a_nibble(const struct pn532_timing *t); /* 4-bit ACK/NAK */
uint64_t pn532_timing_a_fdt(const struct pn532_timing *t);

/* FeliCa: nbytes counts LEN, payload and CRC; kbps is 212 or 424. */
uint64_t pn532_timing_f_frame(const struct pn532_timing *t, size_t nbytes, unsigned kbps);
uint64_t pn532_timing_f_slot0(const struct pn532_timing *t); /* 2.417 ms */
uint64_t pn532_timing_f_slot(const struct pn532_timing *t);  /* 1.208 ms */

/*
 * An RFConfiguration timeout code (fATR_RES_Timeout, fRetryTimeout) in us:
 * 100 us x 2^(code-1) for codes 1..16 (codes above 16 count as 16). Code 0
 * means "no timeout"; this returns UINT64_MAX for it (paced or not).
 */
uint64_t pn532_timing_rf_timeout(const struct pn532_timing *t, uint8_t code);

/*
 * The moment the k-th byte (k counted from 1) of a run that starts at
 * `start` has fully crossed a UART line at `baud` 8N1. Computed from the
 * run's start so that rounding never accumulates. Unpaced: start.
 */
uint64_t pn532_timing_uart_done(const struct pn532_timing *t, uint32_t baud, uint64_t start,
				uint64_t k);

#endif
