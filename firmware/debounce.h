/*
 * debounce: a mechanical button's contacts bounce for a few milliseconds,
 * so one press arrives as a burst of edges. A press or release counts only
 * once the line has stayed at its new level for window_ms after its last
 * edge. Pure: the caller gives the time and arms a timer for the deadline
 * (kiosk_gpio.c uses a timerfd on the event loop), so nothing waits.
 *
 * A glitch shorter than the window (an edge and its return) is no change at
 * all: the level settles where it started.
 */
#ifndef KIOSK_DEBOUNCE_H
#define KIOSK_DEBOUNCE_H

#include <stdbool.h>
#include <stdint.h>

enum debounce_change {
	DEBOUNCE_NONE,
	DEBOUNCE_PRESSED,  /* settled active */
	DEBOUNCE_RELEASED, /* settled inactive */
};

struct debounce {
	unsigned window_ms;
	bool raw;           /* the level the last edge reported */
	bool stable;        /* the last settled level */
	bool pending;       /* an edge is waiting to settle */
	int64_t last_edge_ms;
};

void debounce_init(struct debounce *d, unsigned window_ms, bool initial_active);

/*
 * An edge: the line reads active (or not) at now_ms. Returns the time at
 * which debounce_settle() should be called.
 */
int64_t debounce_edge(struct debounce *d, bool active, int64_t now_ms);

/* The deadline of the edge waiting to settle, or -1 if none is. */
int64_t debounce_deadline(const struct debounce *d);

/*
 * Called at (or after) the deadline. Returns the settled change, if any.
 * Called early (a later edge moved the deadline), it returns DEBOUNCE_NONE
 * and the caller waits for debounce_deadline().
 */
enum debounce_change debounce_settle(struct debounce *d, int64_t now_ms);

#endif
