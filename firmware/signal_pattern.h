/*
 * signal_pattern: what the buzzer and the status LEDs do for each result,
 * as a sequence of timed steps. Pure data and a pure player: no I/O, no
 * clock; kiosk_gpio.c plays a pattern with one timerfd, one step per
 * expiry, and never sleeps.
 *
 * The patterns are told apart by rhythm alone (most kiosk buzzers have one
 * tone), so a person who cannot read the screen still knows the result:
 *
 *   granted       two short beeps, green LED on
 *   denied        one long beep, red LED on
 *   out of stock  three medium beeps, red LED on
 *   error         six fast beeps, red LED flashing
 *   staff         one chirp, both LEDs on (a staff card, or a card recorded
 *                 by a staff command)
 *   restock       three chirps, green LED on
 *   help          one short beep, green LED on
 *
 * After the last step the LEDs go back to the kiosk's standing state
 * (signal_idle_leds()) and the buzzer is off.
 */
#ifndef KIOSK_SIGNAL_PATTERN_H
#define KIOSK_SIGNAL_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

enum signal_kind {
	SIGNAL_GRANTED,
	SIGNAL_DENIED,
	SIGNAL_OUT_OF_STOCK,
	SIGNAL_ERROR,
	SIGNAL_STAFF,
	SIGNAL_RESTOCK,
	SIGNAL_HELP,
	SIGNAL_COUNT
};

struct signal_step {
	bool buzzer, green, red;
	unsigned ms; /* how long this step lasts; > 0 */
};

struct signal_pattern {
	const struct signal_step *steps;
	size_t n; /* >= 1 */
};

/* The pattern of a kind (never NULL for kind < SIGNAL_COUNT). */
const struct signal_pattern *signal_pattern_of(enum signal_kind kind);

/*
 * The kind for a feedback result as the tap path names it ("grant",
 * "limit", "out_of_stock", "staff", "restock", ...). Unknown results are
 * errors: a person is never left with silence.
 */
enum signal_kind signal_kind_for_result(const char *result);

/* "granted", "denied", ... (for the watch stream and logs). */
const char *signal_kind_name(enum signal_kind kind);

/* The LEDs between patterns: green while the kiosk can hand out, red when it cannot. */
struct signal_leds {
	bool green, red;
};
struct signal_leds signal_idle_leds(bool in_service, bool reader_ok, bool stock_left);

/* Plays a pattern step by step. */
struct signal_player {
	const struct signal_pattern *pattern; /* NULL: idle */
	size_t step;
};

/* Starts kind; returns its first step. */
const struct signal_step *signal_player_start(struct signal_player *p, enum signal_kind kind);
/* The step after the current one, or NULL when the pattern is over (the player is idle again). */
const struct signal_step *signal_player_next(struct signal_player *p);

#endif
