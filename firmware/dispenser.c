/*
 * dispenser: see dispenser.h.
 */
#include "dispenser.h"

static struct dispenser_action no_action(void)
{
	struct dispenser_action a = {.timer_at = -1, .verdict = DISPENSER_NO_VERDICT};
	return a;
}

void dispenser_init(struct dispenser *d, unsigned pulse_ms, unsigned timeout_ms, bool has_sensor)
{
	d->pulse_ms = pulse_ms ? pulse_ms : 1;
	d->timeout_ms = timeout_ms;
	d->has_sensor = has_sensor;
	d->state = DISPENSER_IDLE;
	d->seq = 0;
	d->taken_early = false;
	d->deadline_ms = 0;
}

struct dispenser_action dispenser_release(struct dispenser *d, int64_t seq, int64_t now_ms)
{
	struct dispenser_action a = no_action();
	if (d->state == DISPENSER_PULSING) {
		a.verdict = DISPENSER_BUSY;
		a.verdict_seq = seq;
		return a;
	}
	if (d->state == DISPENSER_WAITING) {
		a.verdict = DISPENSER_SUPERSEDED;
		a.verdict_seq = d->seq;
	}
	d->state = DISPENSER_PULSING;
	d->seq = seq;
	d->taken_early = false;
	d->deadline_ms = now_ms + d->pulse_ms;
	a.set_relay = true;
	a.relay_on = true;
	a.timer_at = d->deadline_ms;
	return a;
}

struct dispenser_action dispenser_timer(struct dispenser *d, int64_t now_ms)
{
	struct dispenser_action a = no_action();
	if (d->state == DISPENSER_IDLE || now_ms < d->deadline_ms) {
		if (d->state != DISPENSER_IDLE)
			a.timer_at = d->deadline_ms; /* early: wait on */
		return a;
	}
	if (d->state == DISPENSER_PULSING) {
		a.set_relay = true;
		a.relay_on = false;
		if (d->has_sensor && !d->taken_early) {
			d->state = DISPENSER_WAITING;
			d->deadline_ms = now_ms + d->timeout_ms;
			a.timer_at = d->deadline_ms;
			return a;
		}
		a.verdict = d->has_sensor ? DISPENSER_TAKEN : DISPENSER_RELEASED;
	} else {
		a.verdict = DISPENSER_NOT_TAKEN;
	}
	a.verdict_seq = d->seq;
	a.timer_at = 0;
	d->state = DISPENSER_IDLE;
	return a;
}

struct dispenser_action dispenser_sensor(struct dispenser *d, int64_t now_ms)
{
	(void)now_ms;
	struct dispenser_action a = no_action();
	if (d->state == DISPENSER_PULSING) {
		d->taken_early = true;
	} else if (d->state == DISPENSER_WAITING) {
		a.verdict = DISPENSER_TAKEN;
		a.verdict_seq = d->seq;
		a.timer_at = 0;
		d->state = DISPENSER_IDLE;
	}
	return a;
}

const char *dispenser_verdict_name(enum dispenser_verdict v)
{
	switch (v) {
	case DISPENSER_NO_VERDICT:
		return "none";
	case DISPENSER_RELEASED:
		return "released";
	case DISPENSER_TAKEN:
		return "taken";
	case DISPENSER_NOT_TAKEN:
		return "not_taken";
	case DISPENSER_SUPERSEDED:
		return "superseded";
	case DISPENSER_BUSY:
		return "busy";
	}
	return "unknown";
}

const char *dispenser_state_name(enum dispenser_state s)
{
	switch (s) {
	case DISPENSER_IDLE:
		return "idle";
	case DISPENSER_PULSING:
		return "pulsing";
	case DISPENSER_WAITING:
		return "waiting";
	}
	return "unknown";
}
