/*
 * test_gpio_logic: the pure parts of the kiosk's physical side.
 *
 * Covers: the buzzer and LED patterns (every kind has one, results map to
 * the right kind, granted, denied, out of stock and error are told apart by
 * their beeps alone, the player walks every step and ends idle); the
 * standing LEDs; the debounce (a bouncing press is one press, a glitch is
 * none, an early settle waits); the dispenser's state machine (pulse then
 * wait, taken, not taken, taken during the pulse, no sensor, superseded,
 * busy); line specs; the fake GPIO's control lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "debounce.h"
#include "dispenser.h"
#include "gpio.h"
#include "gpio_fake.h"
#include "log.h"
#include "signal_pattern.h"

/* The buzzer's on-times of a pattern, in ms; returns how many. */
static size_t beeps(enum signal_kind kind, unsigned *out, size_t max)
{
	const struct signal_pattern *p = signal_pattern_of(kind);
	size_t n = 0;
	for (size_t i = 0; i < p->n && n < max; i++)
		if (p->steps[i].buzzer)
			out[n++] = p->steps[i].ms;
	return n;
}

static void test_every_kind_has_a_pattern(void **state)
{
	(void)state;
	for (int k = 0; k < SIGNAL_COUNT; k++) {
		const struct signal_pattern *p = signal_pattern_of((enum signal_kind)k);
		assert_non_null(p);
		assert_true(p->n >= 1);
		unsigned total = 0;
		for (size_t i = 0; i < p->n; i++) {
			assert_true(p->steps[i].ms > 0);
			total += p->steps[i].ms;
		}
		assert_true(total <= 2000); /* the next person may be waiting */
		assert_false(p->steps[p->n - 1].buzzer); /* ends quiet */
		assert_true(strlen(signal_kind_name((enum signal_kind)k)) > 0);
	}
}

static void test_results_map_to_kinds(void **state)
{
	(void)state;
	assert_int_equal(signal_kind_for_result("grant"), SIGNAL_GRANTED);
	assert_int_equal(signal_kind_for_result("limit"), SIGNAL_DENIED);
	assert_int_equal(signal_kind_for_result("revoked"), SIGNAL_DENIED);
	assert_int_equal(signal_kind_for_result("not_issued"), SIGNAL_DENIED);
	assert_int_equal(signal_kind_for_result("unusable_card"), SIGNAL_DENIED);
	assert_int_equal(signal_kind_for_result("out_of_stock"), SIGNAL_OUT_OF_STOCK);
	assert_int_equal(signal_kind_for_result("error"), SIGNAL_ERROR);
	assert_int_equal(signal_kind_for_result("out_of_service"), SIGNAL_ERROR);
	assert_int_equal(signal_kind_for_result("something new"), SIGNAL_ERROR);
	assert_int_equal(signal_kind_for_result(NULL), SIGNAL_ERROR);
	assert_int_equal(signal_kind_for_result("staff"), SIGNAL_STAFF);
	assert_int_equal(signal_kind_for_result("recorded"), SIGNAL_STAFF);
	assert_int_equal(signal_kind_for_result("restock"), SIGNAL_RESTOCK);
	assert_int_equal(signal_kind_for_result("help"), SIGNAL_HELP);
}

static void test_results_told_apart_by_beeps(void **state)
{
	(void)state;
	unsigned b[16];
	assert_int_equal(beeps(SIGNAL_GRANTED, b, 16), 2);
	assert_true(b[0] <= 200 && b[1] <= 200);
	assert_int_equal(beeps(SIGNAL_DENIED, b, 16), 1);
	assert_true(b[0] >= 500);
	assert_int_equal(beeps(SIGNAL_OUT_OF_STOCK, b, 16), 3);
	assert_int_equal(beeps(SIGNAL_ERROR, b, 16), 6);
	assert_true(b[0] < 100);
	/* Granted shows green and never red; the denials show red and never green. */
	const enum signal_kind red_kinds[] = {SIGNAL_DENIED, SIGNAL_OUT_OF_STOCK, SIGNAL_ERROR};
	const struct signal_pattern *g = signal_pattern_of(SIGNAL_GRANTED);
	for (size_t i = 0; i < g->n; i++)
		assert_true(g->steps[i].green && !g->steps[i].red);
	for (size_t k = 0; k < 3; k++) {
		const struct signal_pattern *p = signal_pattern_of(red_kinds[k]);
		for (size_t i = 0; i < p->n; i++)
			assert_false(p->steps[i].green);
	}
}

static void test_player_walks_every_step(void **state)
{
	(void)state;
	struct signal_player pl = {0};
	assert_null(signal_player_next(&pl)); /* idle */
	const struct signal_step *s = signal_player_start(&pl, SIGNAL_ERROR);
	size_t n = 1;
	assert_true(s->buzzer);
	while (signal_player_next(&pl))
		n++;
	assert_int_equal(n, signal_pattern_of(SIGNAL_ERROR)->n);
	assert_null(pl.pattern);
	/* A new pattern cuts the last one short. */
	signal_player_start(&pl, SIGNAL_GRANTED);
	signal_player_next(&pl);
	s = signal_player_start(&pl, SIGNAL_DENIED);
	assert_int_equal(pl.step, 0);
	assert_int_equal(s->ms, 600);
}

static void test_standing_leds(void **state)
{
	(void)state;
	struct signal_leds l = signal_idle_leds(true, true, true);
	assert_true(l.green && !l.red);
	l = signal_idle_leds(true, true, false);
	assert_true(!l.green && l.red);
	l = signal_idle_leds(false, true, true);
	assert_true(!l.green && l.red);
	l = signal_idle_leds(true, false, true);
	assert_true(!l.green && l.red);
}

static void test_debounce_bouncing_press_is_one(void **state)
{
	(void)state;
	struct debounce d;
	debounce_init(&d, 30, false);
	assert_int_equal(debounce_deadline(&d), -1);
	assert_int_equal(debounce_settle(&d, 1000), DEBOUNCE_NONE);
	/* Contacts bounce: on, off, on, off, on within a few ms. */
	int64_t t = 1000;
	bool levels[] = {true, false, true, false, true};
	int64_t deadline = 0;
	for (size_t i = 0; i < 5; i++)
		deadline = debounce_edge(&d, levels[i], t + (int64_t)i * 2);
	assert_int_equal(deadline, 1008 + 30);
	assert_int_equal(debounce_settle(&d, 1020), DEBOUNCE_NONE); /* early: wait */
	assert_int_equal(debounce_deadline(&d), 1038);
	assert_int_equal(debounce_settle(&d, 1038), DEBOUNCE_PRESSED);
	assert_int_equal(debounce_settle(&d, 1100), DEBOUNCE_NONE); /* once */
	/* Release, bouncing too. */
	debounce_edge(&d, false, 2000);
	debounce_edge(&d, true, 2001);
	debounce_edge(&d, false, 2003);
	assert_int_equal(debounce_settle(&d, 2040), DEBOUNCE_RELEASED);
}

static void test_debounce_glitch_is_nothing(void **state)
{
	(void)state;
	struct debounce d;
	debounce_init(&d, 30, false);
	debounce_edge(&d, true, 500);
	debounce_edge(&d, false, 505);
	assert_int_equal(debounce_settle(&d, 600), DEBOUNCE_NONE);
	assert_int_equal(debounce_deadline(&d), -1);
	/* Starting pressed (held at start): the first change is a release. */
	debounce_init(&d, 10, true);
	debounce_edge(&d, false, 0);
	assert_int_equal(debounce_settle(&d, 10), DEBOUNCE_RELEASED);
}

static void test_dispenser_taken(void **state)
{
	(void)state;
	struct dispenser d;
	dispenser_init(&d, 300, 20000, true);
	struct dispenser_action a = dispenser_release(&d, 7, 1000);
	assert_true(a.set_relay && a.relay_on);
	assert_int_equal(a.timer_at, 1300);
	assert_int_equal(a.verdict, DISPENSER_NO_VERDICT);
	assert_int_equal(d.state, DISPENSER_PULSING);
	a = dispenser_timer(&d, 1200); /* early */
	assert_false(a.set_relay);
	assert_int_equal(a.timer_at, 1300);
	a = dispenser_timer(&d, 1300);
	assert_true(a.set_relay && !a.relay_on);
	assert_int_equal(a.timer_at, 21300);
	assert_int_equal(d.state, DISPENSER_WAITING);
	a = dispenser_sensor(&d, 5000);
	assert_int_equal(a.verdict, DISPENSER_TAKEN);
	assert_int_equal(a.verdict_seq, 7);
	assert_int_equal(a.timer_at, 0);
	assert_int_equal(d.state, DISPENSER_IDLE);
	a = dispenser_sensor(&d, 6000); /* someone waves at an idle sensor */
	assert_int_equal(a.verdict, DISPENSER_NO_VERDICT);
}

static void test_dispenser_not_taken(void **state)
{
	(void)state;
	struct dispenser d;
	dispenser_init(&d, 300, 20000, true);
	dispenser_release(&d, 9, 0);
	dispenser_timer(&d, 300);
	struct dispenser_action a = dispenser_timer(&d, 20299);
	assert_int_equal(a.verdict, DISPENSER_NO_VERDICT);
	a = dispenser_timer(&d, 20300);
	assert_int_equal(a.verdict, DISPENSER_NOT_TAKEN);
	assert_int_equal(a.verdict_seq, 9);
	assert_false(a.set_relay);
	assert_int_equal(d.state, DISPENSER_IDLE);
	assert_string_equal(dispenser_verdict_name(a.verdict), "not_taken");
}

static void test_dispenser_taken_during_pulse(void **state)
{
	(void)state;
	struct dispenser d;
	dispenser_init(&d, 300, 20000, true);
	dispenser_release(&d, 3, 0);
	struct dispenser_action a = dispenser_sensor(&d, 100);
	assert_int_equal(a.verdict, DISPENSER_NO_VERDICT);
	a = dispenser_timer(&d, 300);
	assert_true(a.set_relay && !a.relay_on);
	assert_int_equal(a.verdict, DISPENSER_TAKEN);
	assert_int_equal(d.state, DISPENSER_IDLE);
}

static void test_dispenser_without_sensor(void **state)
{
	(void)state;
	struct dispenser d;
	dispenser_init(&d, 500, 20000, false);
	dispenser_release(&d, 4, 0);
	struct dispenser_action a = dispenser_timer(&d, 500);
	assert_true(a.set_relay && !a.relay_on);
	assert_int_equal(a.verdict, DISPENSER_RELEASED);
	assert_int_equal(d.state, DISPENSER_IDLE);
}

static void test_dispenser_superseded_and_busy(void **state)
{
	(void)state;
	struct dispenser d;
	dispenser_init(&d, 300, 20000, true);
	dispenser_release(&d, 1, 0);
	struct dispenser_action a = dispenser_release(&d, 2, 100);
	assert_int_equal(a.verdict, DISPENSER_BUSY);
	assert_int_equal(a.verdict_seq, 2);
	assert_false(a.set_relay); /* the relay is never held longer than a pulse */
	dispenser_timer(&d, 300);
	a = dispenser_release(&d, 3, 1000);
	assert_int_equal(a.verdict, DISPENSER_SUPERSEDED);
	assert_int_equal(a.verdict_seq, 1);
	assert_true(a.set_relay && a.relay_on);
	assert_int_equal(d.seq, 3);
}

static void test_line_specs(void **state)
{
	(void)state;
	char chip[64], line[64], err[128];
	int offset;
	assert_int_equal(gpio_parse_spec("GPIO18", "gpiochip0", chip, sizeof(chip), line,
					 sizeof(line), &offset, err, sizeof(err)), 0);
	assert_string_equal(chip, "gpiochip0");
	assert_string_equal(line, "GPIO18");
	assert_int_equal(offset, -1);
	assert_int_equal(gpio_parse_spec("gpiochip1:5", "gpiochip0", chip, sizeof(chip), line,
					 sizeof(line), &offset, err, sizeof(err)), 0);
	assert_string_equal(chip, "gpiochip1");
	assert_int_equal(offset, 5);
	const char *bad[] = {"", ":", "chip:", ":5", "a:b:c", "GPIO 18", "GPIO18;", "123456",
			     "x\nGPIO1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gpio_parse_spec(bad[i], "gpiochip0", chip, sizeof(chip), line,
						 sizeof(line), &offset, err, sizeof(err)), -1);
	/* Too long for the caller's buffers. */
	char small[4];
	assert_int_equal(gpio_parse_spec("GPIO18", "gpiochip0", small, sizeof(small), line,
					 sizeof(line), &offset, err, sizeof(err)), -1);
}

static void test_fake_control_lines(void **state)
{
	(void)state;
	struct gpio_fake_command c;
	struct gpio_edge e[GPIO_FAKE_EDGES_MAX];
	char err[128];
	const char *ok = "press help_button 3";
	assert_int_equal(gpio_fake_parse_line(ok, strlen(ok), &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, GPIO_FAKE_PRESS);
	assert_int_equal(c.input, GPIO_IN_HELP_BUTTON);
	assert_int_equal(c.bounces, 3);
	size_t n = gpio_fake_edges(&c, e);
	assert_int_equal(n, 7);
	assert_true(e[6].active);
	const char *pulse = "pulse taken_sensor\r";
	assert_int_equal(gpio_fake_parse_line(pulse, strlen(pulse), &c, err, sizeof(err)), 0);
	assert_int_equal(gpio_fake_edges(&c, e), 2);
	assert_true(e[0].active && !e[1].active);
	assert_int_equal(gpio_fake_parse_line("  # note", 8, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, GPIO_FAKE_NOTHING);
	const char *bad[] = {"push help_button", "press", "press door", "press help_button 101",
			     "release help_button 2", "press help_button x", "pulse taken_sensor 1",
			     "press help_button 1 2", "press help_button -1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gpio_fake_parse_line(bad[i], strlen(bad[i]), &c, err, sizeof(err)), -1);
	/* Not NUL-terminated: only len bytes are read. */
	const char buf[] = {'p', 'u', 'l', 's', 'e', ' ', 'h', 'e', 'l', 'p', '_', 'b', 'u', 't',
			    't', 'o', 'n', 'X'};
	assert_int_equal(gpio_fake_parse_line(buf, sizeof(buf) - 1, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, GPIO_FAKE_PULSE);
	char big[GPIO_FAKE_LINE_MAX + 2];
	memset(big, 'a', sizeof(big));
	assert_int_equal(gpio_fake_parse_line(big, sizeof(big), &c, err, sizeof(err)), -1);
}

int main(void)
{
	log_init("test_gpio_logic", LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_has_a_pattern),
		cmocka_unit_test(test_results_map_to_kinds),
		cmocka_unit_test(test_results_told_apart_by_beeps),
		cmocka_unit_test(test_player_walks_every_step),
		cmocka_unit_test(test_standing_leds),
		cmocka_unit_test(test_debounce_bouncing_press_is_one),
		cmocka_unit_test(test_debounce_glitch_is_nothing),
		cmocka_unit_test(test_dispenser_taken),
		cmocka_unit_test(test_dispenser_not_taken),
		cmocka_unit_test(test_dispenser_taken_during_pulse),
		cmocka_unit_test(test_dispenser_without_sensor),
		cmocka_unit_test(test_dispenser_superseded_and_busy),
		cmocka_unit_test(test_line_specs),
		cmocka_unit_test(test_fake_control_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
