/*
 * test_pn532_control: the simulator's control protocol
 * (board/sim/pn532/pn532_control.h): parsing every command and rejecting
 * what is malformed with a message that names the problem; executing
 * against a real chip with a fake clock; and the privacy rule that no
 * answer ever carries a card's UID.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pn532_control.h"

static struct pn532_ctl_context ctx;

static int setup(void **state)
{
	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.chip = pn532_chip_new(false, 1, 1000);
	ctx.rng = 5;
	ctx.pty_path = "/dev/pts/9";
	return ctx.chip ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pn532_chip_free(ctx.chip);
	return 0;
}

static void answer(uint64_t now, const char *line, char *out, size_t cap)
{
	pn532_ctl_handle_line(&ctx, now, line, out, cap);
}

static void expect_error(const char *line, const char *fragment)
{
	char out[PN532_CTL_ANSWER_MAX];
	answer(2000, line, out, sizeof(out));
	if (strncmp(out, "error: ", 7) != 0 || !strstr(out, fragment))
		fprintf(stderr, "%s -> %s\n", line, out);
	assert_int_equal(strncmp(out, "error: ", 7), 0);
	assert_non_null(strstr(out, fragment));
}

static void test_parse_tap_and_place(void **state)
{
	(void)state;
	struct pn532_ctl_request r;
	char err[256];
	assert_int_equal(pn532_ctl_parse("tap --uid 04a1b2c3d4e5f6", &r, err, sizeof(err)), 0);
	assert_int_equal(r.verb, PN532_CTL_TAP);
	assert_int_equal(r.type, PN532_CARD_NTAG213);
	assert_int_equal(r.uid_len, 7);
	assert_int_equal(r.ms, 300);
	assert_int_equal(pn532_ctl_parse("tap --uid 3C:5D:7E:9F --hold 1500", &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.type, PN532_CARD_CLASSIC);
	assert_int_equal(r.uid[0], 0x3C);
	assert_int_equal(r.ms, 1500);
	assert_int_equal(pn532_ctl_parse("place --uid 0123456789abcdef --pmm 00f1000000014300 "
					 "--system 88b4",
					 &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.verb, PN532_CTL_PLACE);
	assert_int_equal(r.type, PN532_CARD_FELICA);
	assert_true(r.pmm_given && r.system_given);
	assert_int_equal(r.system_code[0], 0x88);
	assert_int_equal(pn532_ctl_parse("place --type random", &r, err, sizeof(err)), 0);
	assert_int_equal(r.type, PN532_CARD_RANDOM);
	assert_int_equal(r.uid_len, 0);
	assert_int_equal(pn532_ctl_parse("  place\t--uid 04112233445566 --type uid7 ", &r, err,
					 sizeof(err)),
			 0);
	assert_int_equal(r.type, PN532_CARD_UID7);
}

static void test_parse_other_commands(void **state)
{
	(void)state;
	struct pn532_ctl_request r;
	char err[256];
	assert_int_equal(pn532_ctl_parse("remove", &r, err, sizeof(err)), 0);
	assert_int_equal(r.verb, PN532_CTL_REMOVE);
	assert_int_equal(pn532_ctl_parse("status", &r, err, sizeof(err)), 0);
	assert_int_equal(r.verb, PN532_CTL_STATUS);
	assert_int_equal(pn532_ctl_parse("hold 250", &r, err, sizeof(err)), 0);
	assert_int_equal(r.ms, 250);
	assert_int_equal(pn532_ctl_parse("fault late 400 --count 3", &r, err, sizeof(err)), 0);
	assert_int_equal(r.fault.kind, PN532_FAULT_LATE);
	assert_int_equal(r.fault.ms, 400);
	assert_int_equal(r.count, 3);
	assert_int_equal(pn532_ctl_parse("fault bad-checksum", &r, err, sizeof(err)), 0);
	assert_int_equal(r.fault.kind, PN532_FAULT_BAD_CHECKSUM);
	assert_int_equal(r.count, 1);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("", "empty command");
	expect_error("dance", "unknown command");
	expect_error("tap", "--uid is required");
	expect_error("tap --uid", "--uid needs a value");
	expect_error("tap --uid 04a1b", "--uid: expected");
	expect_error("tap --uid xyz1", "--uid: expected");
	expect_error("tap --uid 0102030405060708090a0b", "--uid: expected");
	expect_error("tap --uid 0102030405", "cannot tell the card type from a 5-byte UID");
	expect_error("tap --uid 04a1b2c3d4e5f6 --type ntag216", "unknown card type");
	expect_error("tap --uid 04a1b2c3d4e5f6 --hold -5", "--hold: expected milliseconds");
	expect_error("tap --uid 04a1b2c3d4e5f6 --hold 99999999999", "--hold");
	expect_error("place --uid 04a1b2c3d4e5f6 --hold 5", "unknown option --hold");
	expect_error("place --uid 04a1b2c3 --type ntag213", "7-byte UID");
	expect_error("place --uid 04a1b2c3 --pmm 0011223344556677", "FeliCa");
	expect_error("place --uid 0123456789abcdef --pmm 0011", "--pmm: expected 8 bytes");
	expect_error("place --uid 88a1b2c3", "cascade tag");
	expect_error("remove now", "remove takes no arguments");
	expect_error("hold", "hold needs milliseconds");
	expect_error("hold 1x", "hold needs milliseconds");
	expect_error("fault", "fault needs a kind");
	expect_error("fault meteor", "unknown fault meteor");
	expect_error("fault late", "fault late needs milliseconds");
	expect_error("fault late 100000", "fault late needs milliseconds");
	expect_error("fault nack --count 0", "--count: expected 1 to 1000");
	expect_error("fault nack --count", "--count");
	expect_error("fault nack --times 2", "unknown option --times");
	expect_error("tap --uid \x01", "control or non-ASCII");
	expect_error("status \xff", "control or non-ASCII");
	char long_line[PN532_CTL_LINE_MAX + 10];
	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	expect_error(long_line, "line too long");
	expect_error("a b c d e f g h i j k l m n o p q", "too many words");
}

static void test_tap_place_remove_hold(void **state)
{
	(void)state;
	char out[PN532_CTL_ANSWER_MAX];
	answer(123456789, "tap --uid 04a1b2c3d4e5f6 --hold 200", out, sizeof(out));
	assert_string_equal(out, "ok placed_us=123456789 type=ntag213 remove_at_us=123656789");
	assert_non_null(pn532_chip_card(ctx.chip));
	answer(123500000, "hold 100", out, sizeof(out));
	assert_string_equal(out, "ok remove_at_us=123756789");
	pn532_chip_advance(ctx.chip, 123756788);
	assert_non_null(pn532_chip_card(ctx.chip));
	pn532_chip_advance(ctx.chip, 123756789);
	assert_null(pn532_chip_card(ctx.chip));
	answer(123800000, "hold 100", out, sizeof(out));
	assert_string_equal(out, "error: no card in the field");
	answer(123900000, "place --uid 3c5d7e9f", out, sizeof(out));
	assert_string_equal(out, "ok placed_us=123900000 type=classic");
	/* A card placed to stay leaves MS after a hold. */
	answer(124000000, "hold 50", out, sizeof(out));
	assert_string_equal(out, "ok remove_at_us=124050000");
	answer(124010000, "remove", out, sizeof(out));
	assert_string_equal(out, "ok removed_us=124010000 removed=1");
	answer(124020000, "remove", out, sizeof(out));
	assert_string_equal(out, "ok removed_us=124020000 removed=0");
}

static void test_fault_and_status(void **state)
{
	(void)state;
	char out[PN532_CTL_ANSWER_MAX];
	answer(5000, "fault garbage --count 2", out, sizeof(out));
	assert_string_equal(out, "ok fault=garbage count=2 pending=2");
	answer(5000, "fault late 120", out, sizeof(out));
	assert_string_equal(out, "ok fault=late count=1 pending=3");
	answer(6000, "status", out, sizeof(out));
	assert_int_equal(strncmp(out, "ok {\"card\":null,", 16), 0);
	assert_non_null(strstr(out, "\"faults_pending\":3"));
	assert_non_null(strstr(out, "\"field\":\"off\""));
	assert_non_null(strstr(out, "\"power\":\"lowvbat\""));
	assert_non_null(strstr(out, "\"pty\":\"/dev/pts/9\""));
	assert_int_equal(out[strlen(out) - 1], '}');
	for (int i = 0; i < PN532_FAULT_QUEUE_MAX; i++)
		answer(7000, "fault nack", out, sizeof(out));
	assert_string_equal(out, "error: too many faults queued (at most 16 kinds)");
}

static void test_no_uid_in_answers(void **state)
{
	(void)state;
	/* Each spelling of each UID, and no answer may contain any. */
	const char *uids[] = {"04a1b2c3d4e5f6", "3c5d7e9f", "0123456789abcdef",
			      "0411223344556677"};
	const char *cmds[] = {"tap --uid 04a1b2c3d4e5f6", "place --uid 3c5d7e9f",
			      "place --uid 0123456789abcdef", "status",
			      "tap --uid 04112233445566 --type uid7"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char out[PN532_CTL_ANSWER_MAX], status[PN532_CTL_ANSWER_MAX];
		answer(9000 + i, cmds[i], out, sizeof(out));
		answer(9000 + i, "status", status, sizeof(status));
		assert_int_equal(strncmp(out, "ok", 2), 0);
		for (size_t u = 0; u < sizeof(uids) / sizeof(uids[0]); u++) {
			char upper[32];
			size_t k;
			for (k = 0; uids[u][k] && k + 1 < sizeof(upper); k++)
				upper[k] = (char)(uids[u][k] >= 'a' ? uids[u][k] - 32 : uids[u][k]);
			upper[k] = '\0';
			assert_null(strstr(out, uids[u]));
			assert_null(strstr(out, upper));
			assert_null(strstr(status, uids[u]));
			assert_null(strstr(status, upper));
		}
		/* The type is there, the UID is not. */
		if (i != 3)
			assert_non_null(strstr(status, "\"card\":\""));
	}
}

int main(void)
{
	log_init("test_pn532_control", LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_tap_and_place),
		cmocka_unit_test(test_parse_other_commands),
		cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tap_place_remove_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_uid_in_answers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
