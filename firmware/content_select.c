/*
 * content_select: see content_select.h.
 */
#include "content_select.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EARTH_RADIUS_M 6371008.8

double select_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	if (a > 1)
		a = 1;
	return 2 * EARTH_RADIUS_M * asin(sqrt(a));
}

static bool closed_on(const struct content *c, const content_date_t *closed, size_t n_closed,
		      content_date_t date)
{
	return content_date_in(closed, n_closed, date) ||
	       content_date_in(c->holidays, c->n_holidays, date);
}

struct select_opening select_opening_of(const struct content *c, const struct content_hours *h,
					const content_date_t *closed, size_t n_closed,
					const struct select_time *now)
{
	struct select_opening o;
	memset(&o, 0, sizeof(o));
	bool closed_today = closed_on(c, closed, n_closed, now->date);
	if (!closed_today) {
		for (unsigned k = 0; k < h->n[now->wday]; k++) {
			int open = h->open[now->wday][k], close = h->close[now->wday][k];
			if (now->minute >= open && now->minute < close &&
			    close - now->minute >= SELECT_OPEN_MARGIN_MIN) {
				o.open_now = true;
				o.until = (uint16_t)close;
			}
		}
	}
	/* The next span that starts after now (today's later spans first). */
	for (int d = 0; d <= SELECT_LOOKAHEAD_DAYS; d++) {
		content_date_t date = content_date_add_days(now->date, d);
		if (closed_on(c, closed, n_closed, date))
			continue;
		int wday = (now->wday + d) % 7;
		int best = -1;
		for (unsigned k = 0; k < h->n[wday]; k++) {
			int open = h->open[wday][k];
			if (d == 0 && open <= now->minute)
				continue;
			if (best < 0 || open < h->open[wday][best])
				best = (int)k;
		}
		if (best >= 0) {
			o.next_date = date;
			o.next_open = h->open[wday][best];
			o.next_close = h->close[wday][best];
			break;
		}
	}
	return o;
}

static double distance_to(const struct select_place *here, double lat, double lon)
{
	return here->has_coordinates ? select_distance_m(here->lat, here->lon, lat, lon) : NAN;
}

/* Orders by distance; NaN (no coordinates) compares equal, keeping order. */
static int cmp_distance(double a, double b)
{
	if (isnan(a) || isnan(b))
		return 0;
	return (a > b) - (a < b);
}

static int cmp_opening(const struct select_opening *a, const struct select_opening *b)
{
	if (a->open_now != b->open_now)
		return a->open_now ? -1 : 1;
	if (a->open_now)
		return 0;
	if (a->next_date != b->next_date)
		return a->next_date < b->next_date ? -1 : 1;
	return (a->next_open > b->next_open) - (a->next_open < b->next_open);
}

/* A stable insertion: picks are few, and bundle order breaks ties. */
#define INSERT_SORTED(out, n, max, item, cmp)                                    \
	do {                                                                     \
		size_t pos_ = (n);                                               \
		while (pos_ > 0 && cmp(&(item), &(out)[pos_ - 1]) < 0)            \
			pos_--;                                                  \
		if (pos_ >= (max))                                               \
			break;                                                   \
		size_t last_ = (n) < (max) ? (n) : (max) - 1;                    \
		memmove(&(out)[pos_ + 1], &(out)[pos_], (last_ - pos_) * sizeof((out)[0])); \
		(out)[pos_] = (item);                                            \
		if ((n) < (max))                                                 \
			(n)++;                                                   \
	} while (0)

static int cmp_window(const struct window_pick *a, const struct window_pick *b)
{
	int c = cmp_opening(&a->when, &b->when);
	return c ? c : cmp_distance(a->distance_m, b->distance_m);
}

size_t select_windows(const struct content *c, const struct select_place *here,
		      const struct select_time *now, struct window_pick *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; c && max > 0 && i < c->n_windows; i++) {
		const struct content_window *w = &c->windows[i];
		struct window_pick p = {
			.window = w,
			.distance_m = distance_to(here, w->lat, w->lon),
			.when = select_opening_of(c, &w->hours, w->closed_dates, w->n_closed_dates, now),
		};
		if (!p.when.open_now && p.when.next_date == 0)
			continue; /* not open within the lookahead: nothing to offer */
		INSERT_SORTED(out, n, max, p, cmp_window);
	}
	return n;
}

static int cmp_session(const struct session_pick *a, const struct session_pick *b)
{
	const struct content_session *x = a->session, *y = b->session;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return cmp_distance(a->distance_m, b->distance_m);
}

size_t select_sessions(const struct content *c, const struct select_place *here,
		       const struct select_time *now, struct session_pick *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; c && max > 0 && i < c->n_sessions; i++) {
		const struct content_session *s = &c->sessions[i];
		if (s->date < now->date)
			continue;
		bool ongoing = false;
		if (s->date == now->date) {
			if (s->end - now->minute < SELECT_OPEN_MARGIN_MIN)
				continue; /* over, or nearly */
			ongoing = s->start <= now->minute;
		}
		struct session_pick p = {s, distance_to(here, s->lat, s->lon), ongoing};
		if (here->has_coordinates && p.distance_m > SELECT_SESSION_RADIUS_M)
			continue;
		INSERT_SORTED(out, n, max, p, cmp_session);
	}
	return n;
}

static int cmp_site(const struct site_pick *a, const struct site_pick *b)
{
	if (a->when.open_now != b->when.open_now)
		return a->when.open_now ? -1 : 1;
	return cmp_distance(a->distance_m, b->distance_m);
}

size_t select_sites(const struct content *c, const struct select_place *here,
		    const struct select_time *now, struct site_pick *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; c && max > 0 && i < c->n_sites; i++) {
		const struct content_site *s = &c->sites[i];
		if (here->site_id && strcmp(s->id, here->site_id) == 0)
			continue;
		struct site_pick p = {
			.site = s,
			.distance_m = distance_to(here, s->lat, s->lon),
			.when = select_opening_of(c, &s->hours, NULL, 0, now),
		};
		INSERT_SORTED(out, n, max, p, cmp_site);
	}
	return n;
}
