/*
 * test_pn532_card: the simulated cards (board/sim/pn532/pn532_card.h),
 * driven with RF frames as a reader would send them.
 *
 * The NTAG memory map is checked against NXP's NTAG213/215 data sheet
 * (UID and BCC in pages 0-2, capability container, configuration pages);
 * BCC and CRC values are worked out by hand in the comments. The type A
 * state machine is checked against ISO/IEC 14443-3 (REQA does not wake a
 * halted card, WUPA does; an unexpected frame sends the card back to IDLE).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pn532_card.h"
#include "pn532_crc.h"

static const uint8_t ntag_uid[7] = {0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6};

static void make(struct pn532_card *c, enum pn532_card_type t, const uint8_t *id, size_t len)
{
	char err[128];
	assert_int_equal(pn532_card_init(c, t, id, len, NULL, NULL, 42, err, sizeof(err)), 0);
}

static enum pn532_card_reply frame(struct pn532_card *c, const uint8_t *tx, size_t len,
				   unsigned bits, bool crc, uint8_t *rx, size_t *rlen)
{
	bool rcrc;
	return pn532_card_a_frame(c, tx, len, bits, crc, rx, 64, rlen, &rcrc);
}

/* ANTICOLLISION and SELECT for every cascade level of a READY card; returns the SAK. */
static uint8_t select_all(struct pn532_card *c)
{
	uint8_t rx[64];
	size_t rlen;
	uint8_t sak = 0x04;
	for (unsigned level = 1; sak & 0x04; level++) {
		const uint8_t sel = (uint8_t)(0x91 + 2 * level);
		const uint8_t ac[2] = {sel, 0x20};
		assert_int_equal(frame(c, ac, 2, 0, false, rx, &rlen), PN532_REPLY_DATA);
		assert_int_equal(rlen, 5);
		uint8_t cmd[7] = {sel, 0x70};
		memcpy(cmd + 2, rx, 5);
		assert_int_equal(frame(c, cmd, 7, 0, true, rx, &rlen), PN532_REPLY_DATA);
		assert_int_equal(rlen, 1);
		sak = rx[0];
	}
	return sak;
}

/* WUPA, then select_all(). */
static uint8_t activate(struct pn532_card *c)
{
	uint8_t rx[64];
	size_t rlen;
	const uint8_t wupa = 0x52;
	assert_int_equal(frame(c, &wupa, 1, 7, false, rx, &rlen), PN532_REPLY_DATA);
	return select_all(c);
}

static void test_type_names(void **state)
{
	(void)state;
	enum pn532_card_type t;
	assert_int_equal(pn532_card_type_parse("ntag215", &t), 0);
	assert_int_equal(t, PN532_CARD_NTAG215);
	assert_string_equal(pn532_card_type_name(PN532_CARD_FELICA), "felica");
	assert_int_equal(pn532_card_type_parse("ntag216", &t), -1);
	const uint8_t four[4] = {0x3C, 0x5D, 0x7E, 0x9F};
	const uint8_t seven_other[7] = {0x08, 1, 2, 3, 4, 5, 6};
	const uint8_t ten[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	assert_int_equal(pn532_card_type_infer(4, four, &t), 0);
	assert_int_equal(t, PN532_CARD_CLASSIC);
	assert_int_equal(pn532_card_type_infer(7, ntag_uid, &t), 0);
	assert_int_equal(t, PN532_CARD_NTAG213);
	assert_int_equal(pn532_card_type_infer(7, seven_other, &t), 0);
	assert_int_equal(t, PN532_CARD_UID7);
	assert_int_equal(pn532_card_type_infer(8, ten, &t), 0);
	assert_int_equal(t, PN532_CARD_FELICA);
	assert_int_equal(pn532_card_type_infer(10, ten, &t), 0);
	assert_int_equal(t, PN532_CARD_UID10);
	assert_int_equal(pn532_card_type_infer(5, ten, &t), -1);
}

static void test_init_errors(void **state)
{
	(void)state;
	struct pn532_card c;
	char err[128];
	assert_int_equal(pn532_card_init(&c, PN532_CARD_NTAG213, ntag_uid, 4, NULL, NULL, 1, err,
					 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "7-byte UID"));
	const uint8_t ct[4] = {0x88, 1, 2, 3};
	assert_int_equal(pn532_card_init(&c, PN532_CARD_CLASSIC, ct, 4, NULL, NULL, 1, err,
					 sizeof(err)),
			 -1);
	const uint8_t pmm[8] = {0};
	assert_int_equal(pn532_card_init(&c, PN532_CARD_CLASSIC, ntag_uid, 4, pmm, NULL, 1, err,
					 sizeof(err)),
			 -1);
	assert_int_equal(pn532_card_init(&c, PN532_CARD_RANDOM, ntag_uid, 7, NULL, NULL, 1, err,
					 sizeof(err)),
			 -1);
}

static void test_ntag213_memory(void **state)
{
	(void)state;
	struct pn532_card c;
	make(&c, PN532_CARD_NTAG213, ntag_uid, 7);
	assert_int_equal(c.pages, 45);
	/* BCC0 = 88 ^ 04 ^ A1 ^ B2 = 9F; BCC1 = C3 ^ D4 ^ E5 ^ F6 = 04. */
	const uint8_t head[16] = {0x04, 0xA1, 0xB2, 0x9F, 0xC3, 0xD4, 0xE5, 0xF6,
				  0x04, 0x48, 0x00, 0x00, 0xE1, 0x10, 0x12, 0x00};
	assert_memory_equal(c.mem, head, 16);
	/* An empty NDEF message and the terminator: nothing about the card's purpose. */
	const uint8_t ndef[4] = {0x03, 0x00, 0xFE, 0x00};
	assert_memory_equal(c.mem + 16, ndef, 4);
	for (size_t i = 20; i < 40 * 4; i++)
		assert_int_equal(c.mem[i], 0);
	/* Pages 28h-2Ch: dynamic lock, CFG0 (AUTH0 FF), CFG1, PWD, PACK. */
	const uint8_t tail[20] = {0x00, 0x00, 0x00, 0xBD, 0x04, 0x00, 0x00, 0xFF, 0x00, 0x05,
				  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	assert_memory_equal(c.mem + 40 * 4, tail, 20);
	assert_int_equal(c.atqa[0], 0x00);
	assert_int_equal(c.atqa[1], 0x44);
	assert_int_equal(c.sak, 0x00);
}

static void test_ntag215_memory(void **state)
{
	(void)state;
	struct pn532_card c;
	make(&c, PN532_CARD_NTAG215, ntag_uid, 7);
	assert_int_equal(c.pages, 135);
	assert_int_equal(c.mem[14], 0x3E); /* 496 bytes of data area / 8 */
	assert_int_equal(c.mem[130 * 4 + 3], 0xBD);
	assert_int_equal(c.mem[131 * 4 + 3], 0xFF);
}

static void test_activation_and_read(void **state)
{
	(void)state;
	struct pn532_card c;
	uint8_t rx[64];
	size_t rlen;
	make(&c, PN532_CARD_NTAG213, ntag_uid, 7);
	/* Unpowered, it hears nothing. */
	const uint8_t wupa = 0x52;
	assert_int_equal(frame(&c, &wupa, 1, 7, false, rx, &rlen), PN532_REPLY_NONE);
	pn532_card_power_on(&c);
	assert_int_equal(activate(&c), 0x00);
	assert_int_equal(c.state, PN532_CARD_ACTIVE);

	const uint8_t read0[2] = {0x30, 0x00};
	assert_int_equal(frame(&c, read0, 2, 0, true, rx, &rlen), PN532_REPLY_DATA);
	assert_int_equal(rlen, 16);
	assert_memory_equal(rx, c.mem, 16);
	/* Page 43: pages 43, 44, then round to 0 and 1. */
	const uint8_t read43[2] = {0x30, 43};
	assert_int_equal(frame(&c, read43, 2, 0, true, rx, &rlen), PN532_REPLY_DATA);
	assert_memory_equal(rx, c.mem + 43 * 4, 8);
	assert_memory_equal(rx + 8, c.mem, 8);
	/* A READ without a valid CRC is not heard. */
	assert_int_equal(frame(&c, read0, 2, 0, false, rx, &rlen), PN532_REPLY_NONE);
	/* Past the end: NAK, and the tag drops back to IDLE. */
	const uint8_t read45[2] = {0x30, 45};
	assert_int_equal(frame(&c, read45, 2, 0, true, rx, &rlen), PN532_REPLY_NAK);
	assert_int_equal(rx[0], 0x00);
	assert_int_equal(c.state, PN532_CARD_IDLE);
}

static void test_get_version_fast_read_write(void **state)
{
	(void)state;
	struct pn532_card c;
	uint8_t rx[64];
	size_t rlen;
	make(&c, PN532_CARD_NTAG215, ntag_uid, 7);
	pn532_card_power_on(&c);
	activate(&c);
	const uint8_t gv = 0x60;
	assert_int_equal(frame(&c, &gv, 1, 0, true, rx, &rlen), PN532_REPLY_DATA);
	const uint8_t version[8] = {0x00, 0x04, 0x04, 0x02, 0x01, 0x00, 0x11, 0x03};
	assert_int_equal(rlen, 8);
	assert_memory_equal(rx, version, 8);

	const uint8_t write5[6] = {0xA2, 0x05, 0xDE, 0xAD, 0xBE, 0xEF};
	assert_int_equal(frame(&c, write5, 6, 0, true, rx, &rlen), PN532_REPLY_ACK);
	assert_int_equal(rx[0], 0x0A);
	const uint8_t fast[3] = {0x3A, 0x04, 0x06};
	assert_int_equal(frame(&c, fast, 3, 0, true, rx, &rlen), PN532_REPLY_DATA);
	assert_int_equal(rlen, 12);
	const uint8_t want[12] = {0x03, 0x00, 0xFE, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 0};
	assert_memory_equal(rx, want, 12);
	/* The UID pages are read-only. */
	const uint8_t write0[6] = {0xA2, 0x00, 1, 2, 3, 4};
	assert_int_equal(frame(&c, write0, 6, 0, true, rx, &rlen), PN532_REPLY_NAK);
	assert_int_equal(c.mem[0], 0x04);
}

static void test_halt_reqa_wupa(void **state)
{
	(void)state;
	struct pn532_card c;
	uint8_t rx[64];
	size_t rlen;
	const uint8_t four[4] = {0x3C, 0x5D, 0x7E, 0x9F};
	make(&c, PN532_CARD_CLASSIC, four, 4);
	pn532_card_power_on(&c);
	assert_int_equal(activate(&c), 0x08);
	const uint8_t hlta[2] = {0x50, 0x00};
	assert_int_equal(frame(&c, hlta, 2, 0, true, rx, &rlen), PN532_REPLY_NONE);
	assert_int_equal(c.state, PN532_CARD_HALT);
	const uint8_t reqa = 0x26, wupa = 0x52;
	assert_int_equal(frame(&c, &reqa, 1, 7, false, rx, &rlen), PN532_REPLY_NONE);
	assert_int_equal(frame(&c, &wupa, 1, 7, false, rx, &rlen), PN532_REPLY_DATA);
	assert_int_equal(rx[0], 0x04); /* ATQA 0004, least significant byte first */
	assert_int_equal(rx[1], 0x00);
	/* A second WUPA to a READY card is unexpected: back to HALT, where it came from. */
	assert_int_equal(frame(&c, &wupa, 1, 7, false, rx, &rlen), PN532_REPLY_NONE);
	assert_int_equal(c.state, PN532_CARD_HALT);
	/* A WUPA to an active card is unexpected too. */
	activate(&c);
	assert_int_equal(frame(&c, &wupa, 1, 7, false, rx, &rlen), PN532_REPLY_NONE);
	assert_int_equal(c.state, PN532_CARD_HALT);
	/* Classic without Crypto1: a READ gets a NAK. */
	activate(&c);
	const uint8_t read[2] = {0x30, 0x04};
	assert_int_equal(frame(&c, read, 2, 0, true, rx, &rlen), PN532_REPLY_NAK);
}

static void test_wrong_uid_select(void **state)
{
	(void)state;
	struct pn532_card c;
	uint8_t rx[64];
	size_t rlen;
	const uint8_t four[4] = {0x3C, 0x5D, 0x7E, 0x9F};
	make(&c, PN532_CARD_CLASSIC, four, 4);
	pn532_card_power_on(&c);
	const uint8_t wupa = 0x52;
	frame(&c, &wupa, 1, 7, false, rx, &rlen);
	/* SELECT with another UID: no SAK, back to IDLE. */
	const uint8_t sel[7] = {0x93, 0x70, 0x01, 0x02, 0x03, 0x04, 0x04};
	assert_int_equal(frame(&c, sel, 7, 0, true, rx, &rlen), PN532_REPLY_NONE);
	assert_int_equal(c.state, PN532_CARD_IDLE);
	/* Anticollision with a known first byte that is not ours: silence. */
	frame(&c, &wupa, 1, 7, false, rx, &rlen);
	const uint8_t ac_bad[3] = {0x93, 0x30, 0x11};
	assert_int_equal(frame(&c, ac_bad, 3, 0, false, rx, &rlen), PN532_REPLY_NONE);
	const uint8_t ac_good[3] = {0x93, 0x30, 0x3C};
	assert_int_equal(frame(&c, ac_good, 3, 0, false, rx, &rlen), PN532_REPLY_DATA);
	assert_int_equal(rlen, 4); /* 5D 7E 9F BCC */
	assert_int_equal(rx[3], 0x3C ^ 0x5D ^ 0x7E ^ 0x9F);
}

static void test_cascade_parts(void **state)
{
	(void)state;
	struct pn532_card c;
	uint8_t part[4];
	const uint8_t ten[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0x10};
	make(&c, PN532_CARD_UID10, ten, 10);
	assert_int_equal(pn532_card_cascade_levels(&c), 3);
	assert_true(pn532_card_cascade_part(&c, 1, part));
	const uint8_t l1[4] = {0x88, 1, 2, 3}, l2[4] = {0x88, 4, 5, 6}, l3[4] = {7, 8, 9, 0x10};
	assert_memory_equal(part, l1, 4);
	assert_true(pn532_card_cascade_part(&c, 2, part));
	assert_memory_equal(part, l2, 4);
	assert_true(pn532_card_cascade_part(&c, 3, part));
	assert_memory_equal(part, l3, 4);
	assert_false(pn532_card_cascade_part(&c, 4, part));
	pn532_card_power_on(&c);
	assert_int_equal(activate(&c), 0x20);
	assert_int_equal(c.atqa[1], 0x84);
}

static void test_iso_dep(void **state)
{
	(void)state;
	struct pn532_card c;
	uint8_t rx[64];
	size_t rlen;
	const uint8_t seven[7] = {0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
	make(&c, PN532_CARD_UID7, seven, 7);
	pn532_card_power_on(&c);
	assert_int_equal(activate(&c), 0x20);
	/* An R(NAK) before RATS is not ISO 14443-3: the card goes quiet. */
	const uint8_t rnak = 0xB2;
	assert_int_equal(frame(&c, &rnak, 1, 0, true, rx, &rlen), PN532_REPLY_NONE);
	assert_int_equal(c.state, PN532_CARD_IDLE);
	activate(&c);
	const uint8_t rats[2] = {0xE0, 0x50};
	assert_int_equal(frame(&c, rats, 2, 0, true, rx, &rlen), PN532_REPLY_DATA);
	const uint8_t ats[6] = {0x06, 0x75, 0x77, 0x81, 0x02, 0x80};
	assert_int_equal(rlen, 6);
	assert_memory_equal(rx, ats, 6);
	/* libnfc's presence check: R(NAK) block 0 gets R(ACK) with the card's block 1. */
	assert_int_equal(frame(&c, &rnak, 1, 0, true, rx, &rlen), PN532_REPLY_DATA);
	assert_int_equal(rlen, 1);
	assert_int_equal(rx[0], 0xA3);
	/* An I-block: SELECT gets 6A 82, anything else 6D 00. */
	const uint8_t select[6] = {0x02, 0x00, 0xA4, 0x04, 0x00, 0x00};
	assert_int_equal(frame(&c, select, 6, 0, true, rx, &rlen), PN532_REPLY_DATA);
	const uint8_t i_resp[3] = {0x02, 0x6A, 0x82};
	assert_int_equal(rlen, 3);
	assert_memory_equal(rx, i_resp, 3);
	/* S(DESELECT) is confirmed and halts the card. */
	const uint8_t deselect = 0xC2;
	assert_int_equal(frame(&c, &deselect, 1, 0, true, rx, &rlen), PN532_REPLY_DATA);
	assert_int_equal(rx[0], 0xC2);
	assert_int_equal(c.state, PN532_CARD_HALT);
}

static void test_random_uid(void **state)
{
	(void)state;
	struct pn532_card c;
	make(&c, PN532_CARD_RANDOM, NULL, 0);
	uint8_t seen[4][4];
	for (int i = 0; i < 4; i++) {
		pn532_card_power_on(&c);
		assert_int_equal(c.uid_len, 4);
		assert_int_equal(c.uid[0], 0x08);
		/* Within one power-up the UID holds, through any number of selections. */
		const uint8_t before[4] = {c.uid[0], c.uid[1], c.uid[2], c.uid[3]};
		activate(&c);
		assert_memory_equal(c.uid, before, 4);
		memcpy(seen[i], c.uid, 4);
		pn532_card_power_off(&c);
	}
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			assert_memory_not_equal(seen[i], seen[j], 4);
	/* A given UID serves the first power-up only. */
	const uint8_t given[4] = {0x08, 0x12, 0x34, 0x56};
	make(&c, PN532_CARD_RANDOM, given, 4);
	pn532_card_power_on(&c);
	assert_memory_equal(c.uid, given, 4);
	pn532_card_power_off(&c);
	pn532_card_power_on(&c);
	assert_memory_not_equal(c.uid, given, 4);
}

static void test_felica(void **state)
{
	(void)state;
	struct pn532_card c;
	const uint8_t idm[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
	const uint8_t pmm[8] = {0x00, 0xF1, 0x00, 0x00, 0x00, 0x01, 0x43, 0x00};
	const uint8_t sys[2] = {0x88, 0xB4};
	char err[128];
	assert_int_equal(pn532_card_init(&c, PN532_CARD_FELICA, idm, 8, pmm, sys, 1, err,
					 sizeof(err)),
			 0);
	uint8_t rx[64];
	size_t rlen;
	/* libnfc's polling payload: wildcard system code, system code requested. */
	const uint8_t poll[6] = {0x06, 0x00, 0xFF, 0xFF, 0x01, 0x00};
	assert_false(pn532_card_f_frame(&c, poll, 6, rx, sizeof(rx), &rlen)); /* unpowered */
	pn532_card_power_on(&c);
	assert_true(pn532_card_f_frame(&c, poll, 6, rx, sizeof(rx), &rlen));
	assert_int_equal(rlen, 0x14);
	assert_int_equal(rx[0], 0x14);
	assert_int_equal(rx[1], 0x01);
	assert_memory_equal(rx + 2, idm, 8);
	assert_memory_equal(rx + 10, pmm, 8);
	assert_memory_equal(rx + 18, sys, 2);
	/* No request code: no system code in the answer. */
	const uint8_t poll0[6] = {0x06, 0x00, 0xFF, 0xFF, 0x00, 0x00};
	assert_true(pn532_card_f_frame(&c, poll0, 6, rx, sizeof(rx), &rlen));
	assert_int_equal(rlen, 0x12);
	/* Another system code: silence; a per-byte wildcard matches. */
	const uint8_t poll_other[6] = {0x06, 0x00, 0x00, 0x03, 0x01, 0x00};
	assert_false(pn532_card_f_frame(&c, poll_other, 6, rx, sizeof(rx), &rlen));
	const uint8_t poll_half[6] = {0x06, 0x00, 0x88, 0xFF, 0x00, 0x00};
	assert_true(pn532_card_f_frame(&c, poll_half, 6, rx, sizeof(rx), &rlen));
	/* libnfc's presence check: Request Response must be 0B 05 IDm 00, 11 bytes. */
	uint8_t rr[10] = {0x0A, 0x04};
	memcpy(rr + 2, idm, 8);
	assert_true(pn532_card_f_frame(&c, rr, 10, rx, sizeof(rx), &rlen));
	assert_int_equal(rlen, 11);
	assert_int_equal(rx[0], 0x0B);
	assert_int_equal(rx[1], 0x05);
	assert_memory_equal(rx + 2, idm, 8);
	assert_int_equal(rx[10], 0x00);
	/* Addressed to another IDm, or with a lying LEN: silence. */
	rr[9] ^= 1;
	assert_false(pn532_card_f_frame(&c, rr, 10, rx, sizeof(rx), &rlen));
	rr[9] ^= 1;
	rr[0] = 0x0B;
	assert_false(pn532_card_f_frame(&c, rr, 10, rx, sizeof(rx), &rlen));
	/* Request System Code. */
	uint8_t rsc[10] = {0x0A, 0x0C};
	memcpy(rsc + 2, idm, 8);
	assert_true(pn532_card_f_frame(&c, rsc, 10, rx, sizeof(rx), &rlen));
	assert_int_equal(rx[1], 0x0D);
	assert_int_equal(rx[10], 0x01);
	assert_memory_equal(rx + 11, sys, 2);
	/* A FeliCa card ignores type A frames. */
	const uint8_t wupa = 0x52;
	assert_int_equal(frame(&c, &wupa, 1, 7, false, rx, &rlen), PN532_REPLY_NONE);
}

static void test_crc(void **state)
{
	(void)state;
	/* GET_VERSION's CRC_A as nfc-mfultralight sends it: 60 F8 32. */
	const uint8_t gv[3] = {0x60, 0xF8, 0x32};
	assert_true(pn532_crc_a_check(gv, 3));
	/* HLTA: 50 00 57 CD. */
	const uint8_t hlta[4] = {0x50, 0x00, 0x57, 0xCD};
	assert_true(pn532_crc_a_check(hlta, 4));
	const uint8_t bad[4] = {0x50, 0x00, 0x57, 0xCE};
	assert_false(pn532_crc_a_check(bad, 4));
	/* CRC-16/CCITT with initial value 0 (FeliCa): "123456789" -> 0x31C3. */
	assert_int_equal(pn532_crc_f((const uint8_t *)"123456789", 9), 0x31C3);
	uint8_t f[3] = {0x42, 0, 0};
	pn532_crc_f_append(f, 1, f + 1);
	assert_true(pn532_crc_f_check(f, 3));
}

int main(void)
{
	log_init("test_pn532_card", LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_ntag213_memory),
		cmocka_unit_test(test_ntag215_memory),
		cmocka_unit_test(test_activation_and_read),
		cmocka_unit_test(test_get_version_fast_read_write),
		cmocka_unit_test(test_halt_reqa_wupa),
		cmocka_unit_test(test_wrong_uid_select),
		cmocka_unit_test(test_cascade_parts),
		cmocka_unit_test(test_iso_dep),
		cmocka_unit_test(test_random_uid),
		cmocka_unit_test(test_felica),
		cmocka_unit_test(test_crc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
