/*
 * test_pn532_frame: the simulated PN532's UART framing
 * (board/sim/pn532/pn532_frame.h): the incremental parser of the host's
 * byte stream and the builders of the chip's frames.
 *
 * Expected bytes are written out by hand from the PN532 user manual's
 * frame format (and, for the frames libnfc sends, from the captures in
 * shared/notes/pn532-libnfc.md), never computed by the code under test.
 * Every stream is fed byte by byte, as a serial line delivers it, and the
 * resync cases check that a bad frame costs nothing but itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pn532_frame.h"

/* Parses "00 FF 0a" style hex into out; returns the byte count. */
static size_t hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		unsigned v;
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

#define MAX_EVENTS 16

struct events {
	struct pn532_frame ev[MAX_EVENTS];
	size_t n;
};

/* Feeds the hex stream one byte at a time and collects every event. */
static void feed(struct pn532_parser *p, const char *stream, struct events *out)
{
	uint8_t bytes[1024];
	const size_t n = hex(stream, bytes, sizeof(bytes));
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		pn532_parser_push(p, bytes[i]);
		while (out->n < MAX_EVENTS && pn532_parser_next(p, &out->ev[out->n]))
			out->n++;
	}
}

static void expect_info(const struct pn532_frame *f, const char *data_hex)
{
	uint8_t data[300];
	const size_t n = hex(data_hex, data, sizeof(data));
	assert_int_equal(f->kind, PN532_FRAME_INFO);
	assert_int_equal(f->tfi, PN532_TFI_HOST);
	assert_int_equal(f->len, n);
	assert_memory_equal(f->data, data, n);
}

static void test_normal_frame(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	/* GetFirmwareVersion, exactly as libnfc sends it. */
	feed(&p, "00 00 FF 02 FE D4 02 2A 00", &e);
	assert_int_equal(e.n, 1);
	expect_info(&e.ev[0], "02");
	assert_false(e.ev[0].extended);
	/* Diagnose with libnfc's "libnfc" test string. */
	feed(&p, "00 00 FF 09 F7 D4 00 00 6C 69 62 6E 66 63 BE 00", &e);
	assert_int_equal(e.n, 1);
	expect_info(&e.ev[0], "00 00 6C 69 62 6E 66 63");
	assert_int_equal(p.len, 0);
}

static void test_wakeup_preamble(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	/* libnfc's wake-up, then SAMConfiguration in the same write. */
	feed(&p,
	     "55 55 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	     "00 00 FF 03 FD D4 14 01 17 00",
	     &e);
	assert_int_equal(e.n, 1);
	expect_info(&e.ev[0], "14 01");
	assert_int_equal(p.preamble_bytes, 2 + 14 + 1);
	assert_int_equal(p.junk_bytes, 0);
	/* Other junk before a frame is skipped and counted as junk. */
	feed(&p, "13 37 FF 00 00 FF 02 FE D4 02 2A 00", &e);
	assert_int_equal(e.n, 1);
	expect_info(&e.ev[0], "02");
	assert_int_equal(p.junk_bytes, 3);
}

static void test_ack_nack(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	feed(&p, "00 00 FF 00 FF 00", &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ev[0].kind, PN532_FRAME_ACK);
	feed(&p, "00 00 FF FF 00 00", &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ev[0].kind, PN532_FRAME_NACK);
	/* An ACK right after a frame, in one write. */
	feed(&p, "00 00 FF 02 FE D4 02 2A 00 00 00 FF 00 FF 00", &e);
	assert_int_equal(e.n, 2);
	expect_info(&e.ev[0], "02");
	assert_int_equal(e.ev[1].kind, PN532_FRAME_ACK);
}

static void test_ack_recognised_without_postamble(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	/* The abort takes effect at its fourth byte, not a byte later. */
	feed(&p, "00 00 FF 00 FF", &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ev[0].kind, PN532_FRAME_ACK);
}

static void test_extended_frame(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	/* InDataExchange with 300 data bytes: LEN 0x0130 = TFI + 40 01 + 300 bytes - 1. */
	uint8_t data[303];
	data[0] = 0x40;
	data[1] = 0x01;
	for (size_t i = 2; i < 262; i++)
		data[i] = (uint8_t)i;
	uint8_t frame[400];
	const size_t n = pn532_frame_build(frame, sizeof(frame), PN532_TFI_HOST, data, 262);
	assert_int_equal(n, 262 + 11);
	/* The header by hand: LEN 263 = 0x0107, LCS = -(0x01 + 0x07) = 0xF8. */
	const uint8_t hdr[] = {0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x01, 0x07, 0xF8, 0xD4};
	assert_memory_equal(frame, hdr, sizeof(hdr));
	size_t events = 0;
	struct pn532_frame f;
	for (size_t i = 0; i < n; i++) {
		pn532_parser_push(&p, frame[i]);
		while (pn532_parser_next(&p, &f)) {
			events++;
			assert_int_equal(f.kind, PN532_FRAME_INFO);
			assert_true(f.extended);
			assert_int_equal(f.len, 262);
			assert_memory_equal(f.data, data, 262);
		}
	}
	assert_int_equal(events, 1);
	/* A short body may come in an extended frame too. */
	feed(&p, "00 00 FF FF FF 00 02 FE D4 02 2A 00", &e);
	assert_int_equal(e.n, 1);
	expect_info(&e.ev[0], "02");
	assert_true(e.ev[0].extended);
}

static void test_bad_lcs_resyncs(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	/* LEN 02 with LCS FD is wrong; the real frame right behind it still counts. */
	feed(&p, "00 00 FF 02 FD 00 00 FF 02 FE D4 02 2A 00", &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.ev[0].kind, PN532_FRAME_BAD);
	assert_int_equal(e.ev[0].error, PN532_FRAME_BAD_LCS);
	expect_info(&e.ev[1], "02");
	/* A start code inside a bad header is found again: "00 FF 00 FF" is an ACK. */
	feed(&p, "00 FF 00 00 FF 00 FF 00", &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.ev[0].error, PN532_FRAME_BAD_LCS);
	assert_int_equal(e.ev[1].kind, PN532_FRAME_ACK);
}

static void test_bad_dcs_dropped(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	feed(&p, "00 00 FF 02 FE D4 02 2B 00 00 00 FF 02 FE D4 02 2A 00", &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.ev[0].kind, PN532_FRAME_BAD);
	assert_int_equal(e.ev[0].error, PN532_FRAME_BAD_DCS);
	expect_info(&e.ev[1], "02");
	/* The data of a dropped frame is not rescanned for frames. */
	feed(&p, "00 00 FF 07 F9 D4 00 00 00 FF 00 FF 00 00", &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ev[0].error, PN532_FRAME_BAD_DCS);
}

static void test_bad_postamble(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	/* The postamble slot holds the next frame's first 00: nothing is lost. */
	feed(&p, "00 00 FF 02 FE D4 02 2A 01 00 00 FF 02 FE D4 02 2A 00", &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.ev[0].kind, PN532_FRAME_BAD);
	assert_int_equal(e.ev[0].error, PN532_FRAME_BAD_POSTAMBLE);
	expect_info(&e.ev[1], "02");
}

static void test_bad_tfi(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	/* A chip frame (D5) echoed back is not a command. */
	feed(&p, "00 00 FF 02 FE D5 03 28 00", &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ev[0].error, PN532_FRAME_BAD_TFI);
	/* LEN 0 with LCS 0 is no frame at all. */
	feed(&p, "00 00 FF 00 00 00", &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ev[0].error, PN532_FRAME_BAD_LCS);
}

static void test_too_long(void **state)
{
	(void)state;
	struct pn532_parser p;
	struct events e;
	pn532_parser_init(&p);
	/* LEN 0x1000 is more than any PN532 frame: rejected at the header. */
	feed(&p, "00 00 FF FF FF 10 00 F0 D4 00 00 FF 02 FE D4 02 2A 00", &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.ev[0].error, PN532_FRAME_TOO_LONG);
	expect_info(&e.ev[1], "02");
	assert_true(p.len <= sizeof(p.buf));
}

static void test_split_reads(void **state)
{
	(void)state;
	/* The same stream, cut at every point, gives the same events. */
	const char *stream = "55 00 00 00 FF 03 FD D4 14 01 17 00 00 00 FF 00 FF 00 "
			     "00 00 FF 04 FC D4 4A 01 00 E1 00";
	uint8_t bytes[64];
	const size_t n = hex(stream, bytes, sizeof(bytes));
	for (size_t cut = 0; cut <= n; cut++) {
		struct pn532_parser p;
		pn532_parser_init(&p);
		struct pn532_frame f[4];
		size_t got = 0;
		for (size_t i = 0; i < n; i++) {
			pn532_parser_push(&p, bytes[i]);
			if (i + 1 == cut || i + 1 == n)
				while (got < 4 && pn532_parser_next(&p, &f[got]))
					got++;
		}
		assert_int_equal(got, 3);
		expect_info(&f[0], "14 01");
		assert_int_equal(f[1].kind, PN532_FRAME_ACK);
		expect_info(&f[2], "4A 01 00");
	}
}

static void test_undrained_push_never_overflows(void **state)
{
	(void)state;
	struct pn532_parser p;
	pn532_parser_init(&p);
	/* A caller that never drains: the buffer holds its size and no more. */
	for (size_t i = 0; i < 3 * sizeof(p.buf); i++)
		pn532_parser_push(&p, (uint8_t)(i * 7));
	assert_true(p.len <= sizeof(p.buf));
	struct pn532_frame f;
	while (pn532_parser_next(&p, &f))
		;
	assert_true(p.len < sizeof(p.buf));
}

static void test_builders(void **state)
{
	(void)state;
	uint8_t out[300], want[300];
	size_t n = pn532_frame_build_ack(out, sizeof(out));
	assert_int_equal(n, hex("00 00 FF 00 FF 00", want, sizeof(want)));
	assert_memory_equal(out, want, n);
	n = pn532_frame_build_nack(out, sizeof(out));
	assert_int_equal(n, hex("00 00 FF FF 00 00", want, sizeof(want)));
	assert_memory_equal(out, want, n);
	n = pn532_frame_build_error(out, sizeof(out));
	assert_int_equal(n, hex("00 00 FF 01 FF 7F 81 00", want, sizeof(want)));
	assert_memory_equal(out, want, n);
	/* SAMConfiguration's answer: D5 15. */
	n = pn532_frame_build_response(out, sizeof(out), 0x14, NULL, 0);
	assert_int_equal(n, hex("00 00 FF 02 FE D5 15 16 00", want, sizeof(want)));
	assert_memory_equal(out, want, n);
	/* GetFirmwareVersion's answer, as the notes show it. */
	const uint8_t fw[] = {0x32, 0x01, 0x06, 0x07};
	n = pn532_frame_build_response(out, sizeof(out), 0x02, fw, sizeof(fw));
	assert_int_equal(n, hex("00 00 FF 06 FA D5 03 32 01 06 07 E8 00", want, sizeof(want)));
	assert_memory_equal(out, want, n);
	/* Too small a buffer or too much data: nothing is written past cap. */
	assert_int_equal(pn532_frame_build_ack(out, 5), 0);
	assert_int_equal(pn532_frame_build_response(out, 8, 0x02, fw, sizeof(fw)), 0);
	uint8_t big[PN532_FRAME_DATA_MAX + 1] = {0};
	assert_int_equal(pn532_frame_build(out, sizeof(out), 0xD5, big, sizeof(big)), 0);
}

static void test_builder_extended_when_long(void **state)
{
	(void)state;
	uint8_t data[260], out[300];
	memset(data, 0xAB, sizeof(data));
	data[0] = 0x41;
	const size_t n = pn532_frame_build(out, sizeof(out), PN532_TFI_CHIP, data, 255);
	/* LEN 256 does not fit a byte: extended, LEN 01 00, LCS FF. */
	assert_int_equal(n, 255 + 11);
	assert_int_equal(out[3], 0xFF);
	assert_int_equal(out[4], 0xFF);
	assert_int_equal(out[5], 0x01);
	assert_int_equal(out[6], 0x00);
	assert_int_equal(out[7], 0xFF);
	/* 254 data bytes still fit a normal frame (LEN FF, LCS 01). */
	const size_t m = pn532_frame_build(out, sizeof(out), PN532_TFI_CHIP, data, 254);
	assert_int_equal(m, 254 + 8);
	assert_int_equal(out[3], 0xFF);
	assert_int_equal(out[4], 0x01);
}

static void test_error_names(void **state)
{
	(void)state;
	assert_string_equal(pn532_frame_error_name(PN532_FRAME_BAD_DCS), "bad data checksum");
	assert_string_equal(pn532_frame_error_name((enum pn532_frame_error)99), "?");
}

int main(void)
{
	log_init("test_pn532_frame", LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_frame),
		cmocka_unit_test(test_wakeup_preamble),
		cmocka_unit_test(test_ack_nack),
		cmocka_unit_test(test_ack_recognised_without_postamble),
		cmocka_unit_test(test_extended_frame),
		cmocka_unit_test(test_bad_lcs_resyncs),
		cmocka_unit_test(test_bad_dcs_dropped),
		cmocka_unit_test(test_bad_postamble),
		cmocka_unit_test(test_bad_tfi),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_split_reads),
		cmocka_unit_test(test_undrained_push_never_overflows),
		cmocka_unit_test(test_builders),
		cmocka_unit_test(test_builder_extended_when_long),
		cmocka_unit_test(test_error_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
