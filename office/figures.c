/*
 * figures: see figures.h.
 */
#include "figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage_backend.h"
#include "tz.h"

const char *const fig_counter_names[FIG_COUNT] = {
#define FIG_NAME(name) #name,
	PROTOCOL_DAY_COUNTERS(FIG_NAME)
#undef FIG_NAME
};

const char *const kiosk_state_names[KIOSK_STATES] = {"ok", "trouble", "silent", "never_reported",
						      "revoked"};

enum fig_kstate kiosk_state_of(const struct storage_kiosk *k, int64_t now, unsigned silence)
{
	if (k->revoked_at)
		return KIOSK_REVOKED;
	if (k->last_contact == 0)
		return KIOSK_NEVER;
	if (now - k->last_contact > (int64_t)silence)
		return KIOSK_SILENT;
	/* A reader that is not working, or an error the kiosk still reports. */
	if ((k->health_reader[0] && strcmp(k->health_reader, "ok") != 0) || k->health_last_error[0])
		return KIOSK_TROUBLE;
	return KIOSK_OK;
}

void fig_date_text(content_date_t d, char out[11])
{
	unsigned v = (unsigned)d;
	snprintf(out, 11, "%04u-%02u-%02u", v / 10000 % 10000, v / 100 % 100, v % 100);
}

int fig_date_parse(const char *text, content_date_t *out)
{
	int y, m, d, end = 0;
	if (strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &end) != 3 || end != 10)
		return -1;
	content_date_t v = content_date_make(y, m, d);
	/* Adding no days normalises a date that does not exist (02-30). */
	if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || content_date_add_days(v, 0) != v)
		return -1;
	*out = v;
	return 0;
}

int fig_month_parse(const char *text, int *year, int *month)
{
	int y, m, end = 0;
	if (strlen(text) != 7 || sscanf(text, "%4d-%2d%n", &y, &m, &end) != 2 || end != 7 || y < 2000 ||
	    y > 2099 || m < 1 || m > 12)
		return -1;
	*year = y;
	*month = m;
	return 0;
}

void fig_month_add(int *year, int *month, int months)
{
	int idx = *year * 12 + (*month - 1) + months;
	*year = idx / 12;
	*month = idx % 12 + 1;
}

static int cmp_site(const void *a, const void *b)
{
	return strcmp(((const struct fig_site *)a)->id, ((const struct fig_site *)b)->id);
}

int figures_site_index(const struct figures *f, const char *site_id)
{
	for (size_t i = 0; i < f->n_sites; i++) {
		if (strcmp(f->sites[i].id, site_id) == 0)
			return (int)i;
	}
	return -1;
}

/* The site of a kiosk (revoked ones keep counting where they were). */
static int site_of_kiosk(const struct figures *f, const char *kiosk_id)
{
	for (size_t i = 0; i < f->n_kiosks; i++) {
		if (strcmp(f->kiosks[i].k.kiosk_id, kiosk_id) == 0)
			return figures_site_index(f, f->kiosks[i].k.site_id);
	}
	return -1;
}

struct load_ctx {
	struct figures *f;
	int64_t now;
	unsigned silence;
	bool failed;
};

static int add_kiosk(void *arg, const struct storage_kiosk *k)
{
	struct load_ctx *c = arg;
	struct figures *f = c->f;
	struct fig_kiosk *grown = realloc(f->kiosks, (f->n_kiosks + 1) * sizeof(*grown));
	if (!grown) {
		c->failed = true;
		return 1;
	}
	f->kiosks = grown;
	struct fig_kiosk *fk = &f->kiosks[f->n_kiosks++];
	fk->k = *k;
	fk->state = kiosk_state_of(k, c->now, c->silence);
	int at = figures_site_index(f, k->site_id);
	if (at < 0) {
		struct fig_site *sites = realloc(f->sites, (f->n_sites + 1) * sizeof(*sites));
		if (!sites) {
			c->failed = true;
			return 1;
		}
		f->sites = sites;
		at = (int)f->n_sites++;
		memset(&f->sites[at], 0, sizeof(f->sites[at]));
		snprintf(f->sites[at].id, sizeof(f->sites[at].id), "%s", k->site_id);
	}
	struct fig_site *site = &f->sites[at];
	if (fk->state == KIOSK_REVOKED)
		return 0;
	site->n_kiosks++;
	site->stock += k->last_contact ? k->stock_level : 0;
	site->stock_low |= k->last_contact && k->stock_low;
	if (k->last_contact > site->last_contact)
		site->last_contact = k->last_contact;
	if (fk->state == KIOSK_SILENT || fk->state == KIOSK_NEVER)
		site->silent++;
	if (fk->state == KIOSK_TROUBLE)
		site->trouble++;
	return 0;
}

static void add_counts(struct fig_counts *to, const struct protocol_day *d)
{
#define FIG_ADD(name) to->n[FIG_##name] += d->name;
	PROTOCOL_DAY_COUNTERS(FIG_ADD)
#undef FIG_ADD
}

static int add_month_day(void *arg, const struct storage_day *d)
{
	struct figures *f = arg;
	int at = site_of_kiosk(f, d->kiosk_id);
	if (at < 0)
		return 0;
	struct fig_site *site = &f->sites[at];
	add_counts(&site->month, &d->day);
	add_counts(&f->total_month, &d->day);
	if (strcmp(d->day.date, f->today) == 0) {
		add_counts(&site->today, &d->day);
		add_counts(&f->total_today, &d->day);
	}
	if (d->flag_unsynchronized || d->flag_clock_disagrees)
		site->flagged_days++;
	return 0;
}

int figures_load(struct figures *f, struct storage *s, const char *zone, int64_t now,
		 unsigned silence)
{
	memset(f, 0, sizeof(*f));
	tz_local_date(zone, now, f->today);
	if (fig_date_parse(f->today, &f->today_d) != 0)
		return storage_fail(s, "the office's date %s is out of range", f->today);
	struct load_ctx c = {.f = f, .now = now, .silence = silence};
	if (storage_kiosk_each(s, add_kiosk, &c) != 0 || c.failed) {
		if (c.failed)
			storage_fail(s, "out of memory");
		figures_free(f);
		return -1;
	}
	if (f->n_sites > 1)
		qsort(f->sites, f->n_sites, sizeof(*f->sites), cmp_site);
	char first[11];
	memcpy(first, f->today, 8);
	memcpy(first + 8, "01", 3);
	if (storage_days_each(s, first, f->today, add_month_day, f) != 0) {
		figures_free(f);
		return -1;
	}
	return 0;
}

void figures_free(struct figures *f)
{
	free(f->kiosks);
	free(f->sites);
	memset(f, 0, sizeof(*f));
}

struct days_ctx {
	const struct figures *f;
	int site; /* -1 every site */
	content_date_t from;
	size_t n;
	struct fig_counts *out;
};

static int add_day(void *arg, const struct storage_day *d)
{
	struct days_ctx *c = arg;
	int at = site_of_kiosk(c->f, d->kiosk_id);
	if (at < 0 || (c->site >= 0 && at != c->site))
		return 0;
	content_date_t date;
	if (fig_date_parse(d->day.date, &date) != 0)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		if (content_date_add_days(c->from, (int)i) == date) {
			add_counts(&c->out[i], &d->day);
			break;
		}
	}
	return 0;
}

int figures_days(const struct figures *f, struct storage *s, const char *site_id,
		 content_date_t from, size_t n, struct fig_counts *out)
{
	memset(out, 0, n * sizeof(*out));
	if (n == 0)
		return 0;
	struct days_ctx c = {.f = f, .site = site_id ? figures_site_index(f, site_id) : -1,
			     .from = from, .n = n, .out = out};
	if (site_id && c.site < 0)
		return 0;
	char a[11], b[11];
	fig_date_text(from, a);
	fig_date_text(content_date_add_days(from, (int)n - 1), b);
	return storage_days_each(s, a, b, add_day, &c);
}

struct months_ctx {
	const struct figures *f;
	int year, month;
	size_t n;
	struct fig_counts *out;
};

static int add_month(void *arg, const struct storage_day *d)
{
	struct months_ctx *c = arg;
	int at = site_of_kiosk(c->f, d->kiosk_id);
	int y, m;
	if (at < 0 || sscanf(d->day.date, "%4d-%2d", &y, &m) != 2)
		return 0;
	int idx = (y * 12 + m - 1) - (c->year * 12 + c->month - 1);
	if (idx < 0 || (size_t)idx >= c->n)
		return 0;
	add_counts(&c->out[(size_t)at * c->n + (size_t)idx], &d->day);
	add_counts(&c->out[c->f->n_sites * c->n + (size_t)idx], &d->day);
	return 0;
}

int figures_months(const struct figures *f, struct storage *s, int year, int month, size_t n,
		   struct fig_counts *out)
{
	memset(out, 0, (f->n_sites + 1) * n * sizeof(*out));
	if (n == 0)
		return 0;
	struct months_ctx c = {.f = f, .year = year, .month = month, .n = n, .out = out};
	int ly = year, lm = month;
	fig_month_add(&ly, &lm, (int)n - 1);
	char a[11], b[11];
	fig_date_text(content_date_make(year, month, 1), a);
	fig_date_text(content_date_make(ly, lm, 31), b);
	return storage_days_each(s, a, b, add_month, &c);
}
