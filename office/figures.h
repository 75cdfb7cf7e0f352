/*
 * figures: what the dashboard, the CSV exports and /metrics count, added
 * up from storage (the kiosks' registry and their per-day counters) by
 * site and by day or month. Pure arithmetic over storage_kiosk_each() and
 * storage_days_each(), so both backends give the same figures.
 *
 * Counts only: a site's figures are the sums of its kiosks' per-day
 * counters, the same numbers the kiosks reported (principle 3: never who
 * took what where).
 */
#ifndef OFFICE_FIGURES_H
#define OFFICE_FIGURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content.h"
#include "storage.h"

enum fig_counter {
#define FIG_ENUM(name) FIG_##name,
	PROTOCOL_DAY_COUNTERS(FIG_ENUM)
#undef FIG_ENUM
	FIG_COUNT
};

/* The counters' names as in the protocol ("handouts", ...). */
extern const char *const fig_counter_names[FIG_COUNT];

struct fig_counts {
	int64_t n[FIG_COUNT];
};

enum fig_kstate { KIOSK_OK, KIOSK_TROUBLE, KIOSK_SILENT, KIOSK_NEVER, KIOSK_REVOKED, KIOSK_STATES };
extern const char *const kiosk_state_names[KIOSK_STATES]; /* "ok", "trouble", ... */

struct fig_kiosk {
	struct storage_kiosk k;
	enum fig_kstate state;
};

struct fig_site {
	char id[PROTOCOL_ID_MAX + 1];
	size_t n_kiosks;       /* active (not revoked) */
	int64_t stock;         /* sum of the active kiosks' last reported levels */
	bool stock_low;        /* any of them reported low stock */
	int64_t last_contact;  /* newest report of any of them; 0 never */
	size_t silent;         /* active kiosks silent longer than [office] silence (or never heard) */
	size_t trouble;        /* active kiosks reporting a reader or sync problem */
	struct fig_counts today, month;
	int64_t flagged_days;  /* days this month from an unsynchronized or disagreeing clock */
};

struct figures {
	char today[11];        /* YYYY-MM-DD in the office's zone */
	content_date_t today_d;
	struct fig_kiosk *kiosks;
	size_t n_kiosks;
	struct fig_site *sites; /* every site with a registered kiosk, by id */
	size_t n_sites;
	struct fig_counts total_today, total_month;
};

/* A kiosk's state at now. */
enum fig_kstate kiosk_state_of(const struct storage_kiosk *k, int64_t now, unsigned silence);

/* Loads the kiosks and this month's days. Returns 0, or -1 (storage_error). */
int figures_load(struct figures *f, struct storage *s, const char *zone, int64_t now,
		 unsigned silence);
void figures_free(struct figures *f);

/* The index of a site in f->sites, or -1. */
int figures_site_index(const struct figures *f, const char *site_id);

/*
 * Per-day sums for one site (site_id NULL: every site) over n days from
 * `from`: out[i] is day from + i (zeroed first). Returns 0 or -1.
 */
int figures_days(const struct figures *f, struct storage *s, const char *site_id,
		 content_date_t from, size_t n, struct fig_counts *out);

/*
 * Per-month sums for every site over n months from (year, month):
 * out[site * n + m], with the total of all sites in row f->n_sites
 * (out has (n_sites + 1) * n entries, zeroed first). Returns 0 or -1.
 */
int figures_months(const struct figures *f, struct storage *s, int year, int month, size_t n,
		   struct fig_counts *out);

/* "YYYY-MM-DD" of a date. */
void fig_date_text(content_date_t d, char out[11]);
/* Parses "YYYY-MM-DD" (a real date). Returns 0 or -1. */
int fig_date_parse(const char *text, content_date_t *out);
/* Parses "YYYY-MM". Returns 0 or -1. */
int fig_month_parse(const char *text, int *year, int *month);
/* Adds months to (year, month). */
void fig_month_add(int *year, int *month, int months);

#endif
