/*
 * gpio: the kiosk's GPIO lines, behind one small interface with two
 * backends: libgpiod (the v1.6 API Debian 12 ships) and a fake for tests
 * and the simulated board (gpio_fake.h).
 *
 * Lines are named in kioskd.conf's [gpio] section by line name or offset,
 * optionally on another chip: "GPIO18", "18", "gpiochip1:5". Outputs:
 * buzzer, green and red status LEDs, the dispenser's relay. Inputs: the
 * help button and the dispenser's "taken" sensor, both watched for edges
 * through file descriptors that kioskd's one event loop polls.
 *
 * A chip or line that does not exist, is busy (another program holds it)
 * or may not be opened is one clear log line naming the line, its role and
 * what to do; that line is then left out and everything else works (a
 * kiosk without a buzzer still serves taps). gpio_open() therefore fails
 * only when nothing is configured or memory runs out.
 *
 * All values here are logical: "on" and "active" mean what the role means
 * (a pressed button, a lit LED) whatever the wiring's polarity.
 */
#ifndef KIOSK_HAL_GPIO_H
#define KIOSK_HAL_GPIO_H

#include <stdbool.h>
#include <stddef.h>

enum gpio_output {
	GPIO_OUT_BUZZER,
	GPIO_OUT_LED_GREEN,
	GPIO_OUT_LED_RED,
	GPIO_OUT_RELAY,
	GPIO_OUTPUT_COUNT
};

enum gpio_input {
	GPIO_IN_HELP_BUTTON,
	GPIO_IN_TAKEN_SENSOR,
	GPIO_INPUT_COUNT
};

#define GPIO_SPEC_MAX 64
#define GPIO_CHIP_MAX 256
#define GPIO_ERROR_MAX 200

struct gpio_config {
	char chip[GPIO_CHIP_MAX];                         /* default chip; "fake:PATH" = the fake */
	char outputs[GPIO_OUTPUT_COUNT][GPIO_SPEC_MAX];   /* "" = not wired */
	char inputs[GPIO_INPUT_COUNT][GPIO_SPEC_MAX];     /* "" = not wired */
	bool input_active_low[GPIO_INPUT_COUNT];          /* wired to ground when active (pull-up) */
};

/* One settled-or-not edge on an input, as the backend saw it. */
struct gpio_edge {
	enum gpio_input input;
	bool active;
};

/* What became of one configured line. */
enum gpio_line_state {
	GPIO_LINE_UNUSED, /* not configured */
	GPIO_LINE_OK,
	GPIO_LINE_FAILED, /* configured, could not be had: see the error */
};

struct gpio;

/*
 * Requests every configured line. Failures are logged, one line each, and
 * recorded for gpio_line_error(); the rest are used. Returns NULL only if
 * no line is configured (nothing to do) or memory runs out.
 */
struct gpio *gpio_open(const struct gpio_config *cfg);
void gpio_close(struct gpio *g);

/* Drives an output. A line that is not there is silently nothing. Returns 0 or -1. */
int gpio_set(struct gpio *g, enum gpio_output o, bool on);

/* The file descriptors to poll for input edges (at most max). */
size_t gpio_fds(const struct gpio *g, int *fds, size_t max);

/*
 * Reads the edges waiting on fd (one of gpio_fds()) without blocking;
 * returns how many were stored in out (at most max), or -1 on error.
 */
int gpio_read(struct gpio *g, int fd, struct gpio_edge *out, size_t max);

/* The input's level now (false if not there). */
bool gpio_input_active(struct gpio *g, enum gpio_input i);

enum gpio_line_state gpio_output_state(const struct gpio *g, enum gpio_output o);
enum gpio_line_state gpio_input_state(const struct gpio *g, enum gpio_input i);
/* Why a line failed ("" if it did not). */
const char *gpio_output_error(const struct gpio *g, enum gpio_output o);
const char *gpio_input_error(const struct gpio *g, enum gpio_input i);

/* "buzzer", "led_green", "led_red", "relay"; "help_button", "taken_sensor" (the config keys). */
const char *gpio_output_name(enum gpio_output o);
const char *gpio_input_name(enum gpio_input i);

/*
 * Splits a line spec "[CHIP:]LINE" into the chip (default_chip when none
 * is given) and the line, which is a decimal offset (*offset >= 0) or a
 * name (*offset = -1). Returns 0, or -1 with the reason in err.
 */
int gpio_parse_spec(const char *spec, const char *default_chip, char *chip, size_t chiplen,
		    char *line, size_t linelen, int *offset, char *err, size_t errlen);

#endif
