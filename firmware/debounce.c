/*
 * debounce: see debounce.h.
 */
#include "debounce.h"

void debounce_init(struct debounce *d, unsigned window_ms, bool initial_active)
{
	d->window_ms = window_ms;
	d->raw = d->stable = initial_active;
	d->pending = false;
	d->last_edge_ms = 0;
}

int64_t debounce_edge(struct debounce *d, bool active, int64_t now_ms)
{
	d->raw = active;
	d->pending = true;
	d->last_edge_ms = now_ms;
	return now_ms + d->window_ms;
}

int64_t debounce_deadline(const struct debounce *d)
{
	return d->pending ? d->last_edge_ms + d->window_ms : -1;
}

enum debounce_change debounce_settle(struct debounce *d, int64_t now_ms)
{
	if (!d->pending || now_ms < d->last_edge_ms + d->window_ms)
		return DEBOUNCE_NONE;
	d->pending = false;
	if (d->raw == d->stable)
		return DEBOUNCE_NONE; /* a bounce or glitch that came back */
	d->stable = d->raw;
	return d->stable ? DEBOUNCE_PRESSED : DEBOUNCE_RELEASED;
}
