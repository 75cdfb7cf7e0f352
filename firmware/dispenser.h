/*
 * dispenser: the optional dispenser's state machine. Pure: events in, the
 * actions to take out; kiosk_gpio.c drives the relay line and one timerfd
 * from the actions, and commits a "not taken" to the store.
 *
 * The handout is committed before dispenser_release() is called (as
 * everywhere: the store first, then anything a person can see or take).
 *
 *   IDLE --release--> PULSING (relay on, pulse_ms)
 *   PULSING --timer--> relay off; with a sensor: WAITING (until timeout),
 *                      without: IDLE (the verdict is "released")
 *   WAITING --sensor active--> IDLE, verdict "taken"
 *   WAITING --timer (timeout)--> IDLE, verdict "not taken": the caller
 *                      gives the card its allowance back
 *   PULSING --sensor active--> taken already (the set fell through while
 *                      the relay was on); verdict "taken" when the pulse ends
 *
 * A release while WAITING ends the earlier wait as "superseded" (someone
 * is at the kiosk with a new card, so the sensor can no longer tell whose
 * set was taken); the earlier handout keeps counting. A release while
 * PULSING is refused as busy (taps cannot come that fast; the relay is
 * never held on longer than one pulse).
 */
#ifndef KIOSK_DISPENSER_H
#define KIOSK_DISPENSER_H

#include <stdbool.h>
#include <stdint.h>

enum dispenser_state {
	DISPENSER_IDLE,
	DISPENSER_PULSING,
	DISPENSER_WAITING,
};

enum dispenser_verdict {
	DISPENSER_NO_VERDICT,
	DISPENSER_RELEASED,   /* no sensor: the set was released, nothing more is known */
	DISPENSER_TAKEN,
	DISPENSER_NOT_TAKEN,  /* the sensor saw nothing before the timeout */
	DISPENSER_SUPERSEDED, /* a new release ended the wait */
	DISPENSER_BUSY,       /* release refused: a pulse is still on */
};

struct dispenser_action {
	bool set_relay;        /* drive the relay to relay_on */
	bool relay_on;
	int64_t timer_at;      /* arm the timer for this monotonic ms; 0: disarm; -1: leave */
	enum dispenser_verdict verdict;
	int64_t verdict_seq;   /* the handout the verdict is about */
};

struct dispenser {
	unsigned pulse_ms;
	unsigned timeout_ms;   /* how long the sensor may take after the pulse */
	bool has_sensor;
	enum dispenser_state state;
	int64_t seq;           /* the handout being dispensed */
	bool taken_early;      /* the sensor saw it during the pulse */
	int64_t deadline_ms;
};

void dispenser_init(struct dispenser *d, unsigned pulse_ms, unsigned timeout_ms, bool has_sensor);

/* A committed handout (its event seq) to release now. */
struct dispenser_action dispenser_release(struct dispenser *d, int64_t seq, int64_t now_ms);

/* The timer armed by an action fired. */
struct dispenser_action dispenser_timer(struct dispenser *d, int64_t now_ms);

/* The "taken" sensor settled active (a set went through). */
struct dispenser_action dispenser_sensor(struct dispenser *d, int64_t now_ms);

const char *dispenser_verdict_name(enum dispenser_verdict v);
const char *dispenser_state_name(enum dispenser_state s);

#endif
