/*
 * kiosk_gpio: the kiosk's physical side on kioskd's one event loop: the
 * buzzer and status LEDs (signal_pattern.h), the help button (debounce.h,
 * then the help screen, counted once per opening by kiosk_help()), and the
 * optional dispenser (dispenser.h): relay pulse, "taken" sensor, and a
 * "not taken" committed to the store when the sensor saw nothing.
 *
 * Every wait is a timerfd on the loop (a pattern's steps, a button's
 * settling, the relay pulse and the taken timeout); nothing sleeps.
 * Lines that cannot be had were logged by gpio_open() and are simply not
 * driven: the kiosk goes on serving taps.
 */
#ifndef KIOSK_KIOSK_GPIO_H
#define KIOSK_KIOSK_GPIO_H

#include <jansson.h>
#include <stdint.h>

#include "event_loop.h"
#include "kiosk.h"

/* Opens the [gpio] lines (if any are configured) and watches them on loop. */
void kiosk_gpio_start(struct kiosk *k, struct event_loop *loop);
/* Turns every output off and lets the lines go. */
void kiosk_gpio_stop(struct kiosk *k);
/* After a reload: restarts if [gpio] changed (a dispense in progress is finished first:
 * its relay is switched off and its wait ends without a verdict). */
void kiosk_gpio_reload(struct kiosk *k, const struct kiosk_config *old);

/* Plays the pattern for a feedback result ("grant", "limit", "staff", ...). */
void kiosk_gpio_signal(struct kiosk *k, const char *result);
/* Releases one set for handout handout_seq (already committed). */
void kiosk_gpio_dispense(struct kiosk *k, int64_t handout_seq);
/* The kiosk's state changed (reader, stock, store): sets the standing LEDs. */
void kiosk_gpio_refresh(struct kiosk *k);

/* The "gpio" member of the status answer. */
json_t *kiosk_gpio_status_json(struct kiosk *k);

#endif
