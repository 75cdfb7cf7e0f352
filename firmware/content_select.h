/*
 * content_select: what the screens show from the content bundle, chosen by
 * distance from the kiosk and by opening hours at the kiosk's local time.
 * Pure: the bundle, the place and the local time in; choices out. No clock,
 * no time zone lookups (the caller breaks "now" down in the kiosk's zone).
 *
 * Rules (docs/content.md has the reasoning):
 *   - Distance is great-circle (haversine on a sphere of 6371.0088 km).
 *     A kiosk without coordinates keeps the bundle's order.
 *   - A window or site is closed on its closed_dates and on the bundle's
 *     holidays, whatever its weekly hours say.
 *   - "Open now" means open now and for at least SELECT_OPEN_MARGIN_MIN
 *     more minutes: a window that closes in 5 minutes is shown with its next
 *     opening instead, since a woman reading the screen cannot get there
 *     (or through) in time.
 *   - Windows: open now first, nearest first; then the rest by their next
 *     opening (within SELECT_LOOKAHEAD_DAYS), soonest first, then nearest.
 *   - Sessions: not yet over, and within SELECT_SESSION_RADIUS_M when the
 *     kiosk has coordinates; soonest first. A session already under way is
 *     shown (as "on now") while at least SELECT_OPEN_MARGIN_MIN minutes of
 *     it remain.
 *   - Sites (for "out of stock"): every site but the kiosk's own, open now
 *     first, then nearest first.
 */
#ifndef KIOSK_CONTENT_SELECT_H
#define KIOSK_CONTENT_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "content.h"

#define SELECT_OPEN_MARGIN_MIN 15
#define SELECT_LOOKAHEAD_DAYS 14
#define SELECT_SESSION_RADIUS_M 50000.0

struct select_place {
	bool has_coordinates;
	double lat, lon;
	const char *site_id; /* the kiosk's own site, left out of the site list */
};

/* A local moment in the kiosk's zone. */
struct select_time {
	content_date_t date;
	int wday;   /* 0 = Sunday */
	int minute; /* 0..1439 */
};

/* When a place is next open (next_date 0: not within the lookahead). */
struct select_opening {
	bool open_now;     /* and for at least SELECT_OPEN_MARGIN_MIN more minutes */
	uint16_t until;    /* open_now: when it closes today */
	content_date_t next_date;
	uint16_t next_open, next_close;
};

struct window_pick {
	const struct content_window *window;
	double distance_m; /* NaN without coordinates */
	struct select_opening when;
};

struct session_pick {
	const struct content_session *session;
	double distance_m;
	bool ongoing;
};

struct site_pick {
	const struct content_site *site;
	double distance_m;
	struct select_opening when;
};

/* Great-circle distance in metres. */
double select_distance_m(double lat1, double lon1, double lat2, double lon2);

/* Opening of a place with these hours and closed dates (holidays from c). */
struct select_opening select_opening_of(const struct content *c, const struct content_hours *h,
					const content_date_t *closed, size_t n_closed,
					const struct select_time *now);

/* Each fills at most max picks, best first, and returns how many. */
size_t select_windows(const struct content *c, const struct select_place *here,
		      const struct select_time *now, struct window_pick *out, size_t max);
size_t select_sessions(const struct content *c, const struct select_place *here,
		       const struct select_time *now, struct session_pick *out, size_t max);
size_t select_sites(const struct content *c, const struct select_place *here,
		    const struct select_time *now, struct site_pick *out, size_t max);

#endif
