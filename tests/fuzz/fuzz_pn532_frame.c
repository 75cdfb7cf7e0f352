/*
 * fuzz_pn532_frame: arbitrary bytes from "the host" through the simulated
 * PN532's frame parser into the chip, on a fake clock.
 *
 * Input: one configuration byte, then the byte stream exactly as a host
 * would write it to the pty. The configuration picks paced or unpaced
 * timing, which card (if any) sits in the field, whether it leaves during
 * the run, and whether a fault is queued. Each byte arrives one UART byte
 * time after the previous one; every 32 bytes the clock also jumps ahead
 * (letting searches, polls and timeouts run), and at the end the clock
 * runs a minute on so every running command finishes.
 *
 * Checked besides "no crash, no sanitizer report": with no fault queued,
 * everything the chip sends is a well-formed frame (ACK, NACK, the error
 * frame, or a D5 response with correct LEN/LCS/DCS and postamble), and the
 * chip's clock and output queue behave (next event never in the past).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pn532_chip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_pn532_frame", LOG_LEVEL_ERROR);
	return 0;
}

static bool well_formed(const uint8_t *b, size_t n)
{
	static const uint8_t ack[6] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
	static const uint8_t nack[6] = {0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00};
	static const uint8_t err[8] = {0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00};
	if ((n == 6 && (memcmp(b, ack, 6) == 0 || memcmp(b, nack, 6) == 0)) ||
	    (n == 8 && memcmp(b, err, 8) == 0))
		return true;
	if (n < 9 || b[0] != 0x00 || b[1] != 0x00 || b[2] != 0xFF)
		return false;
	size_t hdr, len;
	if (b[3] == 0xFF && b[4] == 0xFF) {
		if ((uint8_t)(b[5] + b[6] + b[7]) != 0)
			return false;
		len = (size_t)b[5] << 8 | b[6];
		hdr = 8;
	} else {
		if ((uint8_t)(b[3] + b[4]) != 0)
			return false;
		len = b[3];
		hdr = 5;
	}
	if (hdr + len + 2 != n || len < 2 || b[hdr] != PN532_TFI_CHIP)
		return false;
	uint8_t sum = 0;
	for (size_t i = hdr; i < hdr + len + 1; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0 && b[n - 1] == 0x00;
}

static void drain(struct pn532_chip *c, uint64_t now, bool check)
{
	struct pn532_output o;
	while (pn532_chip_pop_output(c, now, &o)) {
		if (o.len == 0 || o.len > sizeof(o.bytes))
			abort();
		if (check && !well_formed(o.bytes, o.len))
			abort();
	}
	if (pn532_chip_next_event(c) < now)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t cfg = data[0];
	const bool paced = cfg & 0x01;
	uint64_t now = 1000;
	struct pn532_chip *c = pn532_chip_new(paced, cfg, now);
	if (!c)
		return 0;
	const bool faulty = (cfg >> 5) & 0x01;
	if (faulty) {
		const struct pn532_fault f = {(enum pn532_fault_kind)(1 + (cfg >> 6) % 6), 20};
		pn532_chip_add_fault(c, f, 3);
	}
	const unsigned card_kind = (cfg >> 1) & 0x07;
	if (card_kind) {
		static const enum pn532_card_type types[7] = {
			PN532_CARD_NTAG213, PN532_CARD_NTAG215, PN532_CARD_CLASSIC, PN532_CARD_UID7,
			PN532_CARD_UID10,   PN532_CARD_RANDOM,	PN532_CARD_FELICA};
		static const uint8_t id[10] = {0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x08, 0x09};
		static const size_t id_len[7] = {7, 7, 4, 7, 10, 0, 8};
		struct pn532_card card;
		char err[128];
		const enum pn532_card_type t = types[card_kind - 1];
		if (pn532_card_init(&card, t, id, id_len[card_kind - 1], NULL, NULL, cfg, err,
				    sizeof(err)) == 0)
			pn532_chip_place_card(c, now, &card,
					      (cfg & 0x10) ? now + 200000 : PN532_NEVER);
	}
	for (size_t i = 1; i < size; i++) {
		now += paced ? 87 : 1;
		pn532_chip_receive(c, now, data + i, 1);
		drain(c, now, !faulty);
		if (i % 32 == 0) {
			now += 50000;
			pn532_chip_advance(c, now);
			drain(c, now, !faulty);
		}
	}
	now += 60 * 1000000ULL;
	pn532_chip_advance(c, now);
	drain(c, now, !faulty);
	pn532_chip_free(c);
	return 0;
}
