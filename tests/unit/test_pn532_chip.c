/*
 * test_pn532_chip: the simulated PN532 (board/sim/pn532/pn532_chip.h),
 * driven through its byte interface with a fake clock, as libnfc drives it.
 *
 * Command payloads are those of shared/notes/pn532-libnfc.md (captured from
 * libnfc 1.8.0) and of the PN532 user manual; expected answers are written
 * out by hand. Timing is checked to the microsecond against figures worked
 * out here from the sources in docs/simulator.md (a REQA nobody answers
 * costs 85 + 1000 + 500 us, and so on), so a changed constant fails a test
 * rather than silently moving a benchmark.
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
#include "pn532_chip.h"
#include "pn532_crc.h"
#include "pn532_line.h"

#define T0 1000000ULL

static struct pn532_chip *chip;
static uint64_t now;

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

static void start(bool paced)
{
	chip = pn532_chip_new(paced, 7, T0);
	assert_non_null(chip);
	now = T0;
}

static int teardown(void **state)
{
	(void)state;
	pn532_chip_free(chip);
	chip = NULL;
	return 0;
}

static void at(uint64_t t)
{
	now = t;
	pn532_chip_advance(chip, now);
}

/*
 * Bytes written by the host at `now`. On a paced chip they arrive as the
 * UART delivers them, one every 86.8 us (the clock moves to the last one);
 * unpaced, all at once.
 */
static void deliver(const uint8_t *b, size_t n)
{
	const struct pn532_timing *t = pn532_chip_timing(chip);
	if (!t->paced) {
		pn532_chip_receive(chip, now, b, n);
		return;
	}
	const uint64_t s = now;
	for (size_t k = 0; k < n; k++) {
		now = pn532_timing_uart_done(t, 115200, s, k + 1);
		pn532_chip_receive(chip, now, b + k, 1);
	}
}

static void send_raw(const char *bytes_hex)
{
	uint8_t b[600];
	const size_t n = hex(bytes_hex, b, sizeof(b));
	deliver(b, n);
}

/* One command as libnfc frames it: 00 00 FF LEN LCS D4 data DCS 00. */
static void send(const char *data_hex)
{
	uint8_t data[300], frame[320];
	const size_t n = hex(data_hex, data, sizeof(data));
	const size_t len = pn532_frame_build(frame, sizeof(frame), PN532_TFI_HOST, data, n);
	assert_true(len > 0);
	deliver(frame, len);
}

/* Everything the chip has sent by now, concatenated. */
static size_t drain(uint8_t *buf, size_t cap)
{
	struct pn532_output o;
	size_t n = 0;
	while (pn532_chip_pop_output(chip, now, &o)) {
		assert_true(n + o.len <= cap);
		memcpy(buf + n, o.bytes, o.len);
		n += o.len;
	}
	return n;
}

static void expect_nothing(void)
{
	uint8_t buf[1024];
	assert_int_equal(drain(buf, sizeof(buf)), 0);
}

static void expect_bytes(const char *bytes_hex)
{
	uint8_t want[600], got[2048];
	const size_t n = hex(bytes_hex, want, sizeof(want));
	const size_t g = drain(got, sizeof(got));
	assert_int_equal(g, n);
	assert_memory_equal(got, want, n);
}

/* A response frame (TFI D5) carrying data_hex, optionally behind an ACK. */
static void expect_frame(bool ack, const char *data_hex)
{
	uint8_t data[300], want[400], got[2048];
	const size_t n = hex(data_hex, data, sizeof(data));
	size_t w = 0;
	if (ack)
		w = pn532_frame_build_ack(want, sizeof(want));
	w += pn532_frame_build(want + w, sizeof(want) - w, PN532_TFI_CHIP, data, n);
	const size_t g = drain(got, sizeof(got));
	if (g != w) {
		fprintf(stderr, "got %zu bytes:", g);
		for (size_t i = 0; i < g; i++)
			fprintf(stderr, " %02x", got[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(g, w);
	assert_memory_equal(got, want, w);
}

static void cmd(const char *data_hex, const char *response_hex)
{
	send(data_hex);
	expect_frame(true, response_hex);
}

static void expect_ack_only(void)
{
	expect_bytes("00 00 FF 00 FF 00");
}

static void expect_error_frame(void)
{
	expect_bytes("00 00 FF 00 FF 00 00 00 FF 01 FF 7F 81 00");
}

/* nfc_open's sequence from the notes, wake-up and SAMConfiguration in one write. */
static void libnfc_open(void)
{
	send_raw("55 55 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 FF 03 FD D4 14 01 17 00");
	expect_frame(true, "15");
	cmd("00 00 6C 69 62 6E 66 63", "01 00 6C 69 62 6E 66 63");
	cmd("02", "03 32 01 06 07");
	cmd("12 14", "13");
}

/* nfc_initiator_init's sequence from the notes (first write-back, field, retries). */
static void libnfc_initiator_init(void)
{
	cmd("06 63 02 63 03 63 0D 63 38 63 3D", "07 00 00 00 00 00");
	cmd("08 63 02 80 63 03 80", "09");
	cmd("32 01 00", "33");
	cmd("32 01 01", "33");
	cmd("32 05 FF FF FF", "33");
}

static void open_unpaced(void)
{
	start(false);
	libnfc_open();
	libnfc_initiator_init();
}

static void place(enum pn532_card_type type, const char *id_hex)
{
	uint8_t id[16];
	const size_t n = id_hex ? hex(id_hex, id, sizeof(id)) : 0;
	struct pn532_card card;
	char err[128];
	assert_int_equal(pn532_card_init(&card, type, id, n, NULL, NULL, 99, err, sizeof(err)), 0);
	assert_int_equal(pn532_chip_place_card(chip, now, &card, PN532_NEVER), 0);
}

#define NTAG "04 A1 B2 C3 D4 E5 F6"
#define NTAG_TARGET "01 00 44 00 07 " NTAG
#define CLASSIC "3C 5D 7E 9F"
#define IDM "01 23 45 67 89 AB CD EF"
#define PMM "01 20 22 04 27 67 4E FF"

/* ---- the figures ------------------------------------------------------- */

static void test_timing_figures(void **state)
{
	(void)state;
	struct pn532_timing t;
	pn532_timing_init(&t, true);
	/* 9 etu = 1152/fc = 84.96 us; 1236/fc = 91.15 us (rounded up). */
	assert_int_equal(pn532_timing_a_short(&t), 85);
	assert_int_equal(pn532_timing_a_fdt(&t), 92);
	/* (2 + 9n) etu: n = 2 -> 2560/fc = 188.8; 5 -> 443.7; 9 -> 783.5; 3 -> 273.7. */
	assert_int_equal(pn532_timing_a_frame(&t, 2), 189);
	assert_int_equal(pn532_timing_a_frame(&t, 5), 444);
	assert_int_equal(pn532_timing_a_frame(&t, 9), 784);
	assert_int_equal(pn532_timing_a_frame(&t, 3), 274);
	/* FeliCa at 212: (48 + 16 + 64) bits x 64/fc = 604.1 us; slots 2416.5 and 1208.3 us. */
	assert_int_equal(pn532_timing_f_frame(&t, 8, 212), 605);
	assert_int_equal(pn532_timing_f_frame(&t, 8, 424), 303);
	assert_int_equal(pn532_timing_f_slot0(&t), 2417);
	assert_int_equal(pn532_timing_f_slot(&t), 1209);
	/* RFConfiguration timeouts: code 0x0A = 51.2 ms, 0x0B = 102.4 ms, 0 = none. */
	assert_int_equal(pn532_timing_rf_timeout(&t, 0x0A), 51200);
	assert_int_equal(pn532_timing_rf_timeout(&t, 0x0B), 102400);
	assert_int_equal(pn532_timing_rf_timeout(&t, 0), PN532_NEVER);
	/* 115200 baud 8N1: 86.8 us a byte, computed from the run's start. */
	assert_int_equal(pn532_timing_uart_done(&t, 115200, 0, 1), 87);
	assert_int_equal(pn532_timing_uart_done(&t, 115200, 0, 10), 869);
	assert_int_equal(pn532_timing_uart_done(&t, 115200, 0, 1000), 86806);
	assert_int_equal(t.card_ready_us, 5000);
	assert_int_equal(t.autopoll_unit_us, 150000);
	/* Unpaced: all zero, but a missing timeout is still missing. */
	pn532_timing_init(&t, false);
	assert_int_equal(pn532_timing_a_frame(&t, 9), 0);
	assert_int_equal(pn532_timing_rf_timeout(&t, 0x0A), 0);
	assert_int_equal(pn532_timing_rf_timeout(&t, 0), PN532_NEVER);
	assert_int_equal(pn532_timing_uart_done(&t, 115200, 5, 10), 5);
}

/* An activation attempt with nobody answering: REQA, 1 ms listening, 0.5 ms firmware. */
#define EMPTY_A_US (85 + 1000 + 500)
/* A 7-byte UID: WUPA/ATQA, then ANTICOLLISION + SELECT at two cascade levels. */
#define WUPA_US (85 + 92 + 189 + 500)
#define LEVEL_US (189 + 92 + 444 + 500 + 784 + 92 + 274 + 500)
#define NTAG_ACTIVATION_US (WUPA_US + 2 * LEVEL_US)

/* ---- libnfc's sequences ------------------------------------------------ */

static void test_open_sequence(void **state)
{
	(void)state;
	start(false);
	libnfc_open();
	assert_int_equal(pn532_chip_power(chip), PN532_POWER_NORMAL);
	/* nfc_close: InRelease, field off, PowerDown. */
	cmd("52 00", "53 00");
	cmd("32 01 00", "33");
	cmd("16 F0", "17 00");
	assert_true(pn532_chip_asleep(chip));
	assert_int_equal(pn532_chip_power(chip), PN532_POWER_POWERDOWN);
	/* The next session wakes it the same way. */
	libnfc_open();
}

static void test_lowvbat_until_sam(void **state)
{
	(void)state;
	start(false);
	/* Asleep: a frame without the wake-up byte is lost. */
	send("02");
	expect_nothing();
	send_raw("55");
	/* Awake but in LowVBat: only SAMConfiguration is heard. */
	send("02");
	expect_nothing();
	cmd("14 01", "15");
	cmd("02", "03 32 01 06 07");
	struct pn532_stats st;
	pn532_chip_stats(chip, &st);
	assert_int_equal(st.ignored, 1);
	assert_int_equal(st.dropped_asleep, 9);
}

static void test_initiator_init_registers(void **state)
{
	(void)state;
	open_unpaced();
	assert_true(pn532_chip_field_on(chip));
	/* The write-back before the first search: TxAuto and Control get written. */
	cmd("06 63 02 63 03 63 05 63 38 63 3C 63 3D", "07 80 80 00 00 00 00");
	cmd("08 63 05 40 63 3C 10", "09");
	cmd("06 63 05 63 3C", "07 40 10");
}

static void test_registers_remembered(void **state)
{
	(void)state;
	open_unpaced();
	cmd("08 63 01 12 63 3E 34 FF B0 56 00 10 78", "09");
	cmd("06 63 01 63 3E FF B0 00 10", "07 12 34 56 78");
	assert_int_equal(pn532_chip_register(chip, 0x6301), 0x12);
	/* Reset values libnfc relies on: CRC off until it turns it on. */
	teardown(NULL);
	start(false);
	libnfc_open();
	cmd("06 63 02 63 03 63 0D 63 38 63 3D 63 3C", "07 00 00 00 00 00 00");
}

static void test_set_parameters_and_sam_errors(void **state)
{
	(void)state;
	open_unpaced();
	send("14 05");
	expect_error_frame();
	send("14 02");
	expect_error_frame(); /* virtual card mode needs a timeout */
	cmd("14 02 14", "15");
	cmd("14 01 00 01", "15");
	send("12");
	expect_error_frame();
}

/* ---- InListPassiveTarget ------------------------------------------------ */

static void test_list_ntag213(void **state)
{
	(void)state;
	open_unpaced();
	place(PN532_CARD_NTAG213, NTAG);
	cmd("4A 01 00", "4B 01 " NTAG_TARGET);
	/* nfc_initiator_list_passive_targets' next steps: deselect, search again. */
	cmd("44 00", "45 00");
	cmd("4A 01 00", "4B 01 " NTAG_TARGET);
	/* MaxTg 2 with one card in the field: one target. */
	cmd("4A 02 00", "4B 01 " NTAG_TARGET);
}

static void test_list_no_card(void **state)
{
	(void)state;
	open_unpaced();
	cmd("32 05 00 01 02", "33");
	cmd("4A 01 00", "4B 00");
	cmd("4A 01 01 00 FF FF 01 00", "4B 00");
	cmd("4A 01 03 00", "4B 00");
	cmd("4A 01 04", "4B 00");
	/* A type A card is no answer to type B or Jewel. */
	place(PN532_CARD_NTAG213, NTAG);
	cmd("4A 01 03 00", "4B 00");
	cmd("4A 01 04", "4B 00");
	cmd("4A 01 01 00 FF FF 01 00", "4B 00");
}

static void test_list_classic_uid7_uid10(void **state)
{
	(void)state;
	open_unpaced();
	place(PN532_CARD_CLASSIC, CLASSIC);
	cmd("4A 01 00", "4B 01 01 00 04 08 04 " CLASSIC);
	/* ISO 14443-4 with automatic RATS (libnfc's SetParameters 14): the ATS follows. */
	place(PN532_CARD_UID7, "04 11 22 33 44 55 66");
	cmd("4A 01 00", "4B 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	cmd("12 04", "13"); /* RATS off */
	cmd("4A 01 00", "4B 01 01 03 44 20 07 04 11 22 33 44 55 66");
	place(PN532_CARD_UID10, "01 02 03 04 05 06 07 08 09 10");
	cmd("4A 01 00", "4B 01 01 03 84 20 0A 01 02 03 04 05 06 07 08 09 10");
}

static void test_list_felica(void **state)
{
	(void)state;
	open_unpaced();
	place(PN532_CARD_FELICA, IDM);
	/* The length byte counts itself: 0x14 with the system code, 0x12 without. */
	cmd("4A 01 01 00 FF FF 01 00", "4B 01 01 14 01 " IDM " " PMM " 00 03");
	cmd("4A 01 02 00 FF FF 01 00", "4B 01 01 14 01 " IDM " " PMM " 00 03");
	cmd("4A 01 01 00 FF FF 00 00", "4B 01 01 12 01 " IDM " " PMM);
	/* Polling for another system code: no answer. */
	cmd("32 05 00 01 00", "33");
	cmd("4A 01 01 00 12 34 01 00", "4B 00");
	/* A FeliCa card is no type A card. */
	cmd("4A 01 00", "4B 00");
	/* Bad initiator data for FeliCa: the syntax error frame. */
	send("4A 01 01 00 FF FF 01");
	expect_error_frame();
}

static void test_list_by_uid(void **state)
{
	(void)state;
	open_unpaced();
	cmd("32 05 FF 01 02", "33");
	place(PN532_CARD_NTAG213, NTAG);
	/* libnfc cascades a 7-byte UID: 88 + UID. */
	cmd("4A 01 00 88 " NTAG, "4B 01 " NTAG_TARGET);
	cmd("4A 01 00 88 04 A1 B2 C3 D4 E5 F7", "4B 00");
	cmd("4A 01 00 04 A1 B2 C3", "4B 00"); /* a 4-byte name for a 7-byte card */
	place(PN532_CARD_CLASSIC, CLASSIC);
	cmd("4A 01 00 " CLASSIC, "4B 01 01 00 04 08 04 " CLASSIC);
	cmd("4A 01 00 3C 5D 7E 9E", "4B 00");
	place(PN532_CARD_UID10, "01 02 03 04 05 06 07 08 09 10");
	cmd("4A 01 00 88 01 02 03 88 04 05 06 07 08 09 10",
	    "4B 01 01 03 84 20 0A 01 02 03 04 05 06 07 08 09 10 06 75 77 81 02 80");
	/* Initiator data of a length no UID has: the syntax error frame. */
	send("4A 01 00 01 02 03");
	expect_error_frame();
}

static void test_random_uid_per_power_up(void **state)
{
	(void)state;
	open_unpaced();
	place(PN532_CARD_RANDOM, NULL);
	uint8_t got[64];
	send("4A 01 00");
	size_t n = drain(got, sizeof(got));
	/* ACK, header, D5 4B 01 01 00 04 20 04 08 xx xx xx ATS... */
	assert_true(n > 6 + 5 + 10);
	const uint8_t *t = got + 6 + 5;
	assert_int_equal(t[0], 0xD5);
	assert_int_equal(t[6], 0x20);
	assert_int_equal(t[7], 0x04);
	assert_int_equal(t[8], 0x08);
	uint8_t first[4];
	memcpy(first, t + 8, 4);
	/* Selected again while it stays powered: the same UID (a re-select by UID works). */
	cmd("44 00", "45 00");
	send("4A 01 00");
	n = drain(got, sizeof(got));
	assert_memory_equal(t + 8, first, 4);
	char name[64];
	snprintf(name, sizeof(name), "4A 01 00 %02X %02X %02X %02X", first[0], first[1], first[2],
		 first[3]);
	send(name);
	n = drain(got, sizeof(got));
	assert_int_equal(t[1], 0x4B);
	assert_int_equal(t[2], 0x01);
	/* The field off and on (every nfc_initiator_init does it): a new UID. */
	cmd("32 01 00", "33");
	cmd("32 01 01", "33");
	send("4A 01 00");
	n = drain(got, sizeof(got));
	assert_int_equal(t[8], 0x08);
	assert_memory_not_equal(t + 8, first, 4);
	uint8_t second[4];
	memcpy(second, t + 8, 4);
	/* Taken away and tapped again: new again. */
	pn532_chip_remove_card(chip, now);
	place(PN532_CARD_RANDOM, NULL);
	send("4A 01 00");
	n = drain(got, sizeof(got));
	assert_memory_not_equal(t + 8, second, 4);
	(void)n;
}

/* ---- retries and timing --------------------------------------------------- */

static void open_paced(void)
{
	start(true);
	libnfc_open();
	libnfc_initiator_init();
}

static void test_finite_retries_answer_after_n_plus_1(void **state)
{
	(void)state;
	open_paced();
	/* MxRtyPassiveActivation 2 (libnfc without infinite select): three attempts. */
	cmd("32 05 00 01 02", "33");
	send("4A 01 00");
	expect_ack_only();
	const uint64_t start_at = now;
	assert_int_equal(pn532_chip_next_event(chip), start_at + 3 * EMPTY_A_US);
	at(start_at + 3 * EMPTY_A_US - 1);
	expect_nothing();
	at(start_at + 3 * EMPTY_A_US);
	expect_frame(false, "4B 00");
	/* MxRtyPassiveActivation 0: one attempt. */
	cmd("32 05 00 01 00", "33");
	send("4A 01 00");
	expect_ack_only();
	at(now + EMPTY_A_US - 1);
	expect_nothing();
	at(now + 1);
	expect_frame(false, "4B 00");
	/* FeliCa: command 605 us, first slot 2417 us, one slot 1209 us, firmware 500 us. */
	send("4A 01 01 00 FF FF 01 00");
	expect_ack_only();
	at(now + 605 + 2417 + 1209 + 500 - 1);
	expect_nothing();
	at(now + 1);
	expect_frame(false, "4B 00");
}

static void test_found_after_activation_time(void **state)
{
	(void)state;
	open_paced();
	cmd("32 05 00 01 02", "33");
	place(PN532_CARD_NTAG213, NTAG);
	/* Powered at placement (the field is on); ready 5 ms later. */
	at(now + 5000);
	send("4A 01 00");
	expect_ack_only();
	at(now + NTAG_ACTIVATION_US - 1);
	expect_nothing();
	at(now + 1);
	expect_frame(false, "4B 01 " NTAG_TARGET);
}

/* The derived figures docs/simulator.md quotes. */
static void test_activation_times(void **state)
{
	(void)state;
	open_paced();
	cmd("32 05 00 01 00", "33");
	const struct {
		enum pn532_card_type type;
		const char *id, *list, *answer;
		uint64_t us;
	} cases[] = {
		{PN532_CARD_CLASSIC, CLASSIC, "4A 01 00", "4B 01 01 00 04 08 04 " CLASSIC, 3741},
		{PN532_CARD_UID7, "04 11 22 33 44 55 66", "4A 01 00",
		 "4B 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80", 8871},
		{PN532_CARD_FELICA, IDM, "4A 01 02 00 FF FF 00 00", "4B 01 01 12 01 " IDM " " PMM,
		 4429},
		{PN532_CARD_FELICA, IDM, "4A 01 01 00 FF FF 00 00", "4B 01 01 12 01 " IDM " " PMM,
		 4731},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		place(cases[i].type, cases[i].id);
		at(now + 5000);
		send(cases[i].list);
		expect_ack_only();
		at(now + cases[i].us - 1);
		expect_nothing();
		at(now + 1);
		expect_frame(false, cases[i].answer);
	}
	/* An NTAG READ with the card there: 359 + 92 + 1549 + 500 us. */
	place(PN532_CARD_NTAG213, NTAG);
	at(now + 5000);
	send("4A 01 00");
	at(now + NTAG_ACTIVATION_US);
	expect_frame(true, "4B 01 " NTAG_TARGET);
	send("40 01 30 04");
	expect_ack_only();
	at(now + 2500 - 1);
	expect_nothing();
	at(now + 1);
	expect_frame(false, "41 00 03 00 FE 00 00 00 00 00 00 00 00 00 00 00 00 00");
}

static void test_card_not_ready_before_guard_time(void **state)
{
	(void)state;
	open_paced();
	cmd("32 05 00 01 00", "33"); /* one attempt */
	/* The command's 11 bytes take 957 us: the attempt comes 4 ms too early. */
	place(PN532_CARD_NTAG213, NTAG);
	send("4A 01 00");
	expect_ack_only();
	at(now + EMPTY_A_US);
	expect_frame(false, "4B 00");
}

static void test_infinite_retries_wait_for_card(void **state)
{
	(void)state;
	open_paced();
	/* The field went on at initiator_init; libnfc leaves MaxRetries at FF FF FF. */
	send("4A 01 00");
	expect_ack_only();
	const uint64_t a0 = now;
	at(a0 + 10 * 1000000ULL);
	expect_nothing();
	assert_true(pn532_chip_busy(chip));
	/* Nothing will change without a card: no wake-ups while waiting. */
	assert_int_equal(pn532_chip_next_event(chip), PN532_NEVER);
	at(a0 + 10 * 1000000ULL + 123);
	place(PN532_CARD_NTAG213, NTAG);
	const uint64_t ready = now + 5000;
	/* Attempts fall every EMPTY_A_US from a0; the first at or after `ready` finds it. */
	const uint64_t k = (ready - a0 + EMPTY_A_US - 1) / EMPTY_A_US;
	const uint64_t found_at = a0 + k * EMPTY_A_US;
	at(found_at + NTAG_ACTIVATION_US - 1);
	expect_nothing();
	at(found_at + NTAG_ACTIVATION_US);
	expect_frame(false, "4B 01 " NTAG_TARGET);
	assert_false(pn532_chip_busy(chip));
}

/*
 * A card placed just before a search starts, ready during its first
 * attempt: found by the second. (The simulator once slept until the end
 * of time here, because the card was ready before the next attempt began.)
 */
static void test_card_ready_during_first_attempt(void **state)
{
	(void)state;
	open_paced();
	place(PN532_CARD_NTAG213, NTAG);
	const uint64_t ready = now + 5000;
	at(now + 4000);
	send("4A 01 00");
	expect_ack_only();
	const uint64_t a0 = now;
	assert_true(a0 < ready && ready <= a0 + EMPTY_A_US);
	const uint64_t found_at = a0 + EMPTY_A_US;
	at(found_at + NTAG_ACTIVATION_US - 1);
	expect_nothing();
	at(found_at + NTAG_ACTIVATION_US);
	expect_frame(false, "4B 01 " NTAG_TARGET);
}

static void test_card_leaving_before_ready_is_not_found(void **state)
{
	(void)state;
	open_paced();
	send("4A 01 00");
	expect_ack_only();
	struct pn532_card card;
	char err[64];
	uint8_t uid[7] = {0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6};
	assert_int_equal(pn532_card_init(&card, PN532_CARD_NTAG213, uid, 7, NULL, NULL, 1, err,
					 sizeof(err)),
			 0);
	/* Tapped for 3 ms: gone before it could answer (5 ms). */
	pn532_chip_place_card(chip, now, &card, now + 3000);
	at(now + 1000000);
	expect_nothing();
	assert_null(pn532_chip_card(chip));
	assert_true(pn532_chip_busy(chip));
}

static void test_ack_aborts_search(void **state)
{
	(void)state;
	open_paced();
	send("4A 01 00");
	expect_ack_only();
	at(now + 100000);
	send_raw("00 00 FF 00 FF 00");
	expect_nothing();
	assert_false(pn532_chip_busy(chip));
	place(PN532_CARD_NTAG213, NTAG);
	at(now + 1000000);
	expect_nothing();
	struct pn532_stats st;
	pn532_chip_stats(chip, &st);
	assert_int_equal(st.aborted, 1);
}

static void test_new_command_replaces_search(void **state)
{
	(void)state;
	open_paced();
	send("4A 01 00");
	expect_ack_only();
	at(now + 400000); /* libnfc gave up after ~356 ms and moves on */
	cmd("02", "03 32 01 06 07");
	place(PN532_CARD_NTAG213, NTAG);
	at(now + 1000000);
	expect_nothing();
	struct pn532_stats st;
	pn532_chip_stats(chip, &st);
	assert_int_equal(st.replaced, 1);
}

/* ---- InAutoPoll ----------------------------------------------------------- */

static void test_autopoll_answers_at_period_end(void **state)
{
	(void)state;
	open_paced();
	place(PN532_CARD_NTAG213, NTAG);
	at(now + 5000);
	/* PollNr 1, Period 1 (150 ms), MIFARE: found at once, told at the period's end. */
	send("60 01 01 10");
	expect_ack_only();
	const uint64_t t = now;
	at(t + 150000 - 1);
	expect_nothing();
	at(t + 150000);
	expect_frame(false, "61 01 10 0C " NTAG_TARGET);
	/* nfc-poll's list: 20 polls of 300 ms; ISO14443-4A first (not this tag), MIFARE second. */
	send("60 14 02 20 10 03 11 12 04 03");
	expect_ack_only();
	const uint64_t u = now;
	at(u + 600000 - 1);
	expect_nothing();
	at(u + 600000);
	expect_frame(false, "61 01 10 0C " NTAG_TARGET);
}

static void test_autopoll_nothing(void **state)
{
	(void)state;
	open_paced();
	/* PollNr 2 x Period 1 x 2 types: 61 00 after 600 ms. */
	send("60 02 01 10 11");
	expect_ack_only();
	const uint64_t t = now;
	at(t + 600000 - 1);
	expect_nothing();
	at(t + 600000);
	expect_frame(false, "61 00");
}

static void test_autopoll_card_arrives(void **state)
{
	(void)state;
	open_paced();
	send("60 05 01 10 11");
	expect_ack_only();
	const uint64_t t = now;
	/* In the FeliCa period (150-300 ms): the next MIFARE period (300-450 ms) finds it. */
	at(t + 200000);
	place(PN532_CARD_NTAG213, NTAG);
	at(t + 450000 - 1);
	expect_nothing();
	at(t + 450000);
	expect_frame(false, "61 01 10 0C " NTAG_TARGET);
	/* FeliCa in the second period of a poll. */
	pn532_chip_remove_card(chip, now);
	place(PN532_CARD_FELICA, IDM);
	at(now + 5000);
	send("60 01 01 10 11");
	expect_ack_only();
	at(now + 300000);
	expect_frame(false, "61 01 11 13 01 12 01 " IDM " " PMM);
	/* The ISO 14443-4 type gets the ATS. */
	place(PN532_CARD_UID7, "04 11 22 33 44 55 66");
	at(now + 5000);
	send("60 01 01 20");
	expect_ack_only();
	at(now + 150000);
	expect_frame(false, "61 01 20 12 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
}

static void test_autopoll_abort_and_replace(void **state)
{
	(void)state;
	open_paced();
	send("60 FF 01 10");
	expect_ack_only();
	at(now + 50000);
	send_raw("00 00 FF 00 FF 00");
	place(PN532_CARD_NTAG213, NTAG);
	at(now + 1000000);
	expect_nothing();
	send("60 FF 01 11");
	expect_ack_only();
	at(now + 10000);
	cmd("02", "03 32 01 06 07");
	at(now + 1000000);
	expect_nothing();
	/* Endless polling with nothing to find: parked, no wake-ups. */
	pn532_chip_remove_card(chip, now);
	send("60 FF 01 10 11");
	expect_ack_only();
	at(now + 1);
	assert_int_equal(pn532_chip_next_event(chip), PN532_NEVER);
	/* Bad arguments: the syntax error frame. */
	send("60 01 00 10");
	expect_error_frame();
	send("60 01 01 05");
	expect_error_frame();
	send("60 00 01 10");
	expect_error_frame();
}

static void test_autopoll_unpaced_ends_at_once(void **state)
{
	(void)state;
	open_unpaced();
	/* Unpaced, a polling period lasts 1 us: four of them end 4 us later. */
	send("60 02 02 10 11");
	expect_ack_only();
	at(now + 3);
	expect_nothing();
	at(now + 1);
	expect_frame(false, "61 00");
	place(PN532_CARD_FELICA, IDM);
	send("60 02 02 10 11");
	expect_ack_only();
	at(now + 2);
	expect_frame(false, "61 01 11 13 01 12 01 " IDM " " PMM);
}

/* ---- data exchange -------------------------------------------------------- */

static void list_ntag(void)
{
	place(PN532_CARD_NTAG213, NTAG);
	cmd("4A 01 00", "4B 01 " NTAG_TARGET);
}

static void test_ntag_read(void **state)
{
	(void)state;
	open_unpaced();
	list_ntag();
	cmd("40 01 30 00", "41 00 04 A1 B2 9F C3 D4 E5 F6 04 48 00 00 E1 10 12 00");
	cmd("40 01 30 04", "41 00 03 00 FE 00 00 00 00 00 00 00 00 00 00 00 00 00");
	/* Wrap-around: page 43 reads 43, 44, 0, 1; page 44 reads 44, 0, 1, 2. */
	cmd("40 01 30 2B", "41 00 00 00 00 00 00 00 00 00 04 A1 B2 9F C3 D4 E5 F6");
	cmd("40 01 30 2C", "41 00 00 00 00 00 04 A1 B2 9F C3 D4 E5 F6 04 48 00 00");
	/* Page 45 does not exist: the tag NAKs (the chip reports 14). */
	cmd("40 01 30 2D", "41 14");
	/* No such target. */
	cmd("40 02 30 00", "41 27");
}

static void test_get_version_raw(void **state)
{
	(void)state;
	open_unpaced();
	list_ntag();
	/* nfc-mfultralight: CRC off, easy framing off, 60 + CRC_A through InCommunicateThru. */
	cmd("08 63 02 00 63 03 00", "09");
	uint8_t version[10] = {0x00, 0x04, 0x04, 0x02, 0x01, 0x00, 0x0F, 0x03};
	pn532_crc_a_append(version, 8, version + 8);
	char want[128];
	snprintf(want, sizeof(want), "43 00 00 04 04 02 01 00 0F 03 %02X %02X", version[8],
		 version[9]);
	cmd("42 60 F8 32", want);
	/* A wrong CRC: the tag does not hear it. */
	cmd("42 60 F8 33", "43 01");
	/* CRC on again: the chip adds and strips it. */
	cmd("08 63 02 80 63 03 80", "09");
	cmd("42 60", "43 00 00 04 04 02 01 00 0F 03");
	cmd("40 01 60", "41 00 00 04 04 02 01 00 0F 03");
	/* Control's last-bits field reads 0 after a whole-byte answer. */
	cmd("06 63 3C", "07 00");
}

static void test_raw_anticollision(void **state)
{
	(void)state;
	open_unpaced();
	place(PN532_CARD_CLASSIC, CLASSIC);
	/* nfc-anticol style: CRC off, 7 bits of WUPA, then ANTICOLLISION and SELECT by hand. */
	cmd("08 63 02 00 63 03 00 63 3D 07", "09");
	cmd("42 52", "43 00 04 00");
	cmd("08 63 3D 00", "09");
	cmd("42 93 20", "43 00 " CLASSIC " 80");
	cmd("42 93 70 " CLASSIC " 80 BA AA", "43 00 08 B6 DD");
	cmd("42 50 00 57 CD", "43 01"); /* HLTA has no answer */
}

static void test_card_gone_times_out(void **state)
{
	(void)state;
	open_paced();
	place(PN532_CARD_NTAG213, NTAG);
	at(now + 5000);
	send("4A 01 00");
	at(now + NTAG_ACTIVATION_US);
	expect_frame(true, "4B 01 " NTAG_TARGET);
	pn532_chip_remove_card(chip, now);
	/* READ (4 bytes with CRC: 38 etu = 359 us), 51.2 ms fRetryTimeout, firmware. */
	send("40 01 30 00");
	expect_ack_only();
	at(now + 359 + 51200 + 500 - 1);
	expect_nothing();
	at(now + 1);
	expect_frame(false, "41 01");
	/* MaxRtyCOM 2: three sends, three timeouts. */
	cmd("32 04 02", "33");
	send("40 01 30 00");
	expect_ack_only();
	at(now + 3 * 359 + 3 * 51200 + 500);
	expect_frame(false, "41 01");
	/* fRetryTimeout 0 means no timeout: the chip waits until the host aborts. */
	cmd("32 02 00 0B 00", "33");
	send("40 01 30 00");
	expect_ack_only();
	at(now + 60 * 1000000ULL);
	expect_nothing();
	send_raw("00 00 FF 00 FF 00");
	assert_false(pn532_chip_busy(chip));
}

static void test_felica_presence(void **state)
{
	(void)state;
	open_unpaced();
	place(PN532_CARD_FELICA, IDM);
	cmd("4A 01 01 00 FF FF 01 00", "4B 01 01 14 01 " IDM " " PMM " 00 03");
	cmd("40 01 0A 04 " IDM, "41 00 0B 05 " IDM " 00");
	pn532_chip_remove_card(chip, now);
	cmd("40 01 0A 04 " IDM, "41 01");
}

static void test_classic_presence_reselect(void **state)
{
	(void)state;
	open_unpaced();
	cmd("32 05 00 01 02", "33");
	place(PN532_CARD_CLASSIC, CLASSIC);
	cmd("4A 01 00", "4B 01 01 00 04 08 04 " CLASSIC);
	/* libnfc's MIFARE Classic ping: select it again by UID (it is ACTIVE: the first WUPA idles it). */
	cmd("4A 01 00 " CLASSIC, "4B 01 01 00 04 08 04 " CLASSIC);
	cmd("4A 01 00 " CLASSIC, "4B 01 01 00 04 08 04 " CLASSIC);
	pn532_chip_remove_card(chip, now);
	cmd("4A 01 00 " CLASSIC, "4B 00");
	/* Classic without Crypto1: authentication fails. */
	place(PN532_CARD_CLASSIC, CLASSIC);
	cmd("4A 01 00", "4B 01 01 00 04 08 04 " CLASSIC);
	cmd("40 01 60 04 FF FF FF FF FF FF " CLASSIC, "41 14");
}

static void test_iso_dep_presence(void **state)
{
	(void)state;
	open_unpaced();
	place(PN532_CARD_UID7, "04 11 22 33 44 55 66");
	cmd("4A 01 00", "4B 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	/* libnfc's ISO 14443-4 ping on a PN532: R(NAK) through InCommunicateThru. */
	cmd("42 B2", "43 00 A3");
	/* InDataExchange wraps an APDU in an I-block. */
	cmd("40 01 00 A4 04 00 00", "41 00 6A 82");
	cmd("40 01 90 60 00 00 00", "41 00 6D 00");
	cmd("44 01", "45 00"); /* S(DESELECT) */
	cmd("40 01 00 A4 04 00 00", "41 27");
	cmd("54 01", "55 00"); /* InSelect brings it back, with RATS */
	cmd("40 01 00 A4 04 00 00", "41 00 6A 82");
	pn532_chip_remove_card(chip, now);
	cmd("42 B2", "43 01");
	cmd("54 01", "55 00");
	cmd("44 01", "45 00");
	cmd("54 01", "55 01");
	cmd("52 00", "53 00");
	cmd("54 01", "55 27");
}

/* ---- housekeeping, errors, the host link ------------------------------------- */

static void test_general_status_and_diagnose(void **state)
{
	(void)state;
	open_unpaced();
	cmd("04", "05 00 00 00 00");
	list_ntag();
	cmd("04", "05 00 00 01 01 00 00 00 00");
	cmd("00 01", "01 00");
	cmd("00 06", "01 00");
	cmd("00 00", "01 00");
	send("00 09");
	expect_error_frame();
	cmd("0C", "0D 3F 06 00");
	cmd("0E 81 00", "0F");
	cmd("0C", "0D 01 06 00");
}

static void test_unknown_and_malformed_commands(void **state)
{
	(void)state;
	open_unpaced();
	const char *bad[] = {
		"FE",	       /* no such command */
		"8C 00",       /* target mode is not modelled */
		"02 00",       /* GetFirmwareVersion takes nothing */
		"06 63",       /* half a register address */
		"08 63 02",    /* a register without its value */
		"32 01",       /* RFConfiguration field without a value */
		"32 07 00",    /* no such configuration item */
		"4A 03 00",    /* MaxTg 3 */
		"4A 01 09",    /* no such baud rate / type */
		"4A 01",       /* no BrTy */
		"44",	       /* InDeselect without Tg */
		"10 09",       /* no such baud rate */
		"16",	       /* PowerDown without WakeUpEnable */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		send(bad[i]);
		expect_error_frame();
	}
	/* A frame with a TFI and nothing else: acknowledged, then the error frame. */
	send_raw("00 00 FF 01 FF D4 2C 00");
	expect_error_frame();
	/* The chip carries on. */
	cmd("02", "03 32 01 06 07");
	struct pn532_stats st;
	pn532_chip_stats(chip, &st);
	assert_int_equal(st.error_frames, sizeof(bad) / sizeof(bad[0]) + 1);
}

static void test_nack_resends_last_response(void **state)
{
	(void)state;
	open_unpaced();
	cmd("02", "03 32 01 06 07");
	send_raw("00 00 FF FF 00 00");
	expect_frame(false, "03 32 01 06 07");
	send_raw("00 00 FF FF 00 00");
	expect_frame(false, "03 32 01 06 07");
}

static void test_bad_frames_dropped(void **state)
{
	(void)state;
	open_unpaced();
	send_raw("00 00 FF 02 FE D4 02 2B 00");   /* bad DCS */
	send_raw("00 00 FF 02 FD D4 02 2A 00");   /* bad LCS */
	send_raw("00 00 FF 02 FE D4 02 2A 01");   /* bad postamble */
	send_raw("00 00 FF 02 FE D5 02 29 00");   /* not a host frame */
	expect_nothing();
	struct pn532_stats st;
	pn532_chip_stats(chip, &st);
	assert_int_equal(st.bad_frames, 4);
	cmd("02", "03 32 01 06 07");
}

static void test_set_serial_baud_rate(void **state)
{
	(void)state;
	open_unpaced();
	cmd("10 06", "11");
	assert_int_equal(pn532_chip_baud(chip), 460800);
	cmd("10 04", "11");
	assert_int_equal(pn532_chip_baud(chip), 115200);
}

static struct pn532_output pop_one(void)
{
	struct pn532_output o;
	assert_true(pn532_chip_pop_output(chip, now, &o));
	return o;
}

static void test_faults(void **state)
{
	(void)state;
	open_paced();
	const struct pn532_fault silence = {PN532_FAULT_SILENCE, 0};
	const struct pn532_fault nack = {PN532_FAULT_NACK, 0};
	const struct pn532_fault garbage = {PN532_FAULT_GARBAGE, 0};
	const struct pn532_fault bad = {PN532_FAULT_BAD_CHECKSUM, 0};
	const struct pn532_fault late = {PN532_FAULT_LATE, 330};
	const struct pn532_fault hangup = {PN532_FAULT_DISCONNECT, 0};
	assert_int_equal(pn532_chip_add_fault(chip, silence, 2), 0);
	assert_int_equal(pn532_chip_add_fault(chip, nack, 1), 0);
	assert_int_equal(pn532_chip_add_fault(chip, garbage, 1), 0);
	assert_int_equal(pn532_chip_add_fault(chip, bad, 1), 0);
	assert_int_equal(pn532_chip_add_fault(chip, late, 1), 0);
	assert_int_equal(pn532_chip_add_fault(chip, hangup, 1), 0);
	assert_int_equal(pn532_chip_faults_pending(chip), 7);

	send("02");
	expect_nothing();
	send("02");
	expect_nothing();
	send("02");
	expect_bytes("00 00 FF FF 00 00");
	send("02");
	struct pn532_output o = pop_one();
	assert_int_equal(o.len, 6); /* ACK */
	o = pop_one();
	assert_int_equal(o.len, 8); /* junk */
	assert_true(o.bytes[0] != 0x00);
	expect_frame(false, "03 32 01 06 07");
	send("02");
	expect_bytes("00 00 FF 00 FF 00 00 00 FF 06 FA D5 03 32 01 06 07 E9 00");
	send("02");
	expect_ack_only();
	at(now + 330000 - 1);
	expect_nothing();
	at(now + 1);
	expect_frame(false, "03 32 01 06 07");
	send("02");
	o = pop_one();
	assert_int_equal(o.hangup_after, SIZE_MAX);
	o = pop_one();
	assert_int_equal(o.len, 13);
	assert_int_equal(o.hangup_after, 6);
	assert_int_equal(pn532_chip_faults_pending(chip), 0);
	send("02");
	expect_frame(true, "03 32 01 06 07");
	struct pn532_stats st;
	pn532_chip_stats(chip, &st);
	assert_int_equal(st.faults_applied, 7);
	/* Too many kinds queued: refused. */
	for (int i = 0; i < PN532_FAULT_QUEUE_MAX; i++)
		assert_int_equal(pn532_chip_add_fault(chip, nack, 1), 0);
	assert_int_equal(pn532_chip_add_fault(chip, nack, 1), -1);
}

static void test_link_reset(void **state)
{
	(void)state;
	open_paced();
	send("4A 01 00");
	send_raw("00 00 FF 03");
	pn532_chip_link_reset(chip, now);
	expect_nothing();
	assert_false(pn532_chip_busy(chip));
	/* The half frame is gone; the next frame stands on its own. */
	cmd("02", "03 32 01 06 07");
}

static void test_powerdown_and_hsu_wakeup(void **state)
{
	(void)state;
	open_paced();
	struct pn532_stats before, after;
	pn532_chip_stats(chip, &before);
	/* The first wake-up (in libnfc_open) lost bytes 2..12 of the preamble too. */
	assert_int_equal(before.dropped_asleep, 11);
	cmd("16 F0", "17 00");
	assert_true(pn532_chip_asleep(chip));
	assert_false(pn532_chip_field_on(chip));
	send("02");
	expect_nothing();
	/*
	 * libnfc's wake-up at 115200 baud: the first 0x55 wakes the chip; bytes 2..12
	 * arrive within the next millisecond and are lost; the frame comes after.
	 */
	send_raw("55 55 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 FF 02 FE D4 02 2A 00");
	expect_frame(true, "03 32 01 06 07");
	pn532_chip_stats(chip, &after);
	assert_int_equal(after.dropped_asleep - before.dropped_asleep, 9 + 11);
	assert_int_equal(pn532_chip_power(chip), PN532_POWER_NORMAL);
	/* A frame that starts inside the wake-up window is lost with it. */
	cmd("16 F0", "17 00");
	send_raw("55 00 00 FF 02 FE D4 02 2A 00");
	expect_nothing();
}

/* ---- the serial line's timing ----------------------------------------------- */

static void test_line_pacing(void **state)
{
	(void)state;
	struct pn532_timing t;
	pn532_timing_init(&t, true);
	static struct pn532_line line;
	pn532_line_init(&line, &t);
	const uint8_t host[3] = {0x00, 0x00, 0xFF};
	assert_int_equal(pn532_line_rx_add(&line, 115200, 1000, host, 3), 3);
	uint8_t b;
	uint64_t when;
	assert_false(pn532_line_rx_take(&line, 1086, &b, &when));
	assert_int_equal(pn532_line_next_event(&line), 1087);
	assert_true(pn532_line_rx_take(&line, 1087, &b, &when));
	assert_int_equal(when, 1087);
	assert_true(pn532_line_rx_take(&line, 2000, &b, &when));
	assert_int_equal(when, 1174);
	assert_true(pn532_line_rx_take(&line, 2000, &b, &when));
	assert_int_equal(when, 1261);
	/* A second write while the line is busy queues behind it. */
	pn532_line_rx_add(&line, 115200, 1100, host, 1);
	assert_true(pn532_line_rx_take(&line, 5000, &b, &when));
	assert_int_equal(when, 1261 + 87);

	struct pn532_output o = {.due = 2000, .len = 6, .hangup_after = SIZE_MAX};
	memcpy(o.bytes, "\x00\x00\xFF\x00\xFF\x00", 6);
	pn532_line_tx_add(&line, 115200, &o);
	uint8_t out[16];
	bool hangup;
	assert_int_equal(pn532_line_tx_take(&line, 2086, out, sizeof(out), &hangup), 0);
	assert_int_equal(pn532_line_tx_take(&line, 2087, out, sizeof(out), &hangup), 1);
	assert_int_equal(pn532_line_tx_take(&line, 2000 + 521, out, sizeof(out), &hangup), 5);
	/* A hang-up after 3 bytes: 3 bytes, then the hang-up, and nothing more. */
	o.due = 3000;
	o.hangup_after = 3;
	pn532_line_tx_add(&line, 115200, &o);
	assert_int_equal(pn532_line_tx_take(&line, 9000, out, sizeof(out), &hangup), 3);
	assert_true(hangup);
	assert_int_equal(pn532_line_tx_take(&line, 9000, out, sizeof(out), &hangup), 0);
	assert_false(hangup);
	/* Unpaced: everything at once. */
	pn532_timing_init(&t, false);
	pn532_line_reset(&line);
	o.hangup_after = SIZE_MAX;
	pn532_line_tx_add(&line, 115200, &o);
	assert_int_equal(pn532_line_tx_take(&line, 3000, out, sizeof(out), &hangup), 6);
}

int main(void)
{
	log_init("test_pn532_chip", LOG_LEVEL_ERROR);
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timing_figures),
		T(test_open_sequence),
		T(test_lowvbat_until_sam),
		T(test_initiator_init_registers),
		T(test_registers_remembered),
		T(test_set_parameters_and_sam_errors),
		T(test_list_ntag213),
		T(test_list_no_card),
		T(test_list_classic_uid7_uid10),
		T(test_list_felica),
		T(test_list_by_uid),
		T(test_random_uid_per_power_up),
		T(test_finite_retries_answer_after_n_plus_1),
		T(test_found_after_activation_time),
		T(test_activation_times),
		T(test_card_not_ready_before_guard_time),
		T(test_infinite_retries_wait_for_card),
		T(test_card_ready_during_first_attempt),
		T(test_card_leaving_before_ready_is_not_found),
		T(test_ack_aborts_search),
		T(test_new_command_replaces_search),
		T(test_autopoll_answers_at_period_end),
		T(test_autopoll_nothing),
		T(test_autopoll_card_arrives),
		T(test_autopoll_abort_and_replace),
		T(test_autopoll_unpaced_ends_at_once),
		T(test_ntag_read),
		T(test_get_version_raw),
		T(test_raw_anticollision),
		T(test_card_gone_times_out),
		T(test_felica_presence),
		T(test_classic_presence_reselect),
		T(test_iso_dep_presence),
		T(test_general_status_and_diagnose),
		T(test_unknown_and_malformed_commands),
		T(test_nack_resends_last_response),
		T(test_bad_frames_dropped),
		T(test_set_serial_baud_rate),
		T(test_faults),
		T(test_link_reset),
		T(test_powerdown_and_hsu_wakeup),
		cmocka_unit_test(test_line_pacing),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
