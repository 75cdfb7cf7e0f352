/*
 * gpio_fake: the GPIO lines' test double and the simulated board's GPIO.
 *
 * [gpio] chip = "fake:PREFIX". The fake chip has the lines a Raspberry Pi's
 * gpiochip0 names GPIO0..GPIO27 (offsets 0..27); a line spec may name the
 * chip "fake" or none. Requesting a line twice, or one listed in the
 * environment variable KIOSKD_FAKE_GPIO_BUSY (comma-separated names, as if
 * another program held them), fails as busy, like the real chip.
 *
 * Every change of an output is appended to PREFIX.log, one line each:
 *
 *   MS ROLE LINE VALUE      e.g. "1234567 buzzer GPIO18 1"
 *
 * MS is CLOCK_MONOTONIC in milliseconds, so a test can measure a pattern.
 * Inputs are driven through a FIFO at PREFIX.ctl (created mode 0600), one
 * command per line, in logical levels (active = pressed / taken):
 *
 *   press ROLE [BOUNCES]   ROLE becomes active; with BOUNCES (0..100), the
 *                          contact bounces that many times first
 *                          (active, inactive, ... active)
 *   release ROLE           ROLE becomes inactive
 *   pulse ROLE             active, then inactive (a set falling past the sensor)
 *   # comment
 *
 * ROLE is help_button or taken_sensor. A malformed line is logged and skipped.
 */
#ifndef KIOSK_HAL_GPIO_FAKE_H
#define KIOSK_HAL_GPIO_FAKE_H

#include <stddef.h>

#include "gpio.h"

#define GPIO_FAKE_LINE_MAX 128
#define GPIO_FAKE_LINES 28
#define GPIO_FAKE_BOUNCES_MAX 100
/* At most this many edges come of one command (a press with the most bounces). */
#define GPIO_FAKE_EDGES_MAX (2 * GPIO_FAKE_BOUNCES_MAX + 2)

enum gpio_fake_verb {
	GPIO_FAKE_NOTHING, /* blank line or comment */
	GPIO_FAKE_PRESS,
	GPIO_FAKE_RELEASE,
	GPIO_FAKE_PULSE,
};

struct gpio_fake_command {
	enum gpio_fake_verb verb;
	enum gpio_input input;
	unsigned bounces;
};

/*
 * Parses one control line (len bytes, need not be NUL-terminated, without
 * its newline). Returns 0, or -1 with a reason in err.
 */
int gpio_fake_parse_line(const char *line, size_t len, struct gpio_fake_command *out, char *err,
			 size_t errlen);

/*
 * The edges a command makes, in order, into out (room for
 * GPIO_FAKE_EDGES_MAX). Returns how many.
 */
size_t gpio_fake_edges(const struct gpio_fake_command *cmd, struct gpio_edge *out);

#endif
