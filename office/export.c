/*
 * export: see export.h.
 */
#include "export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"

/* Column headers, English and Japanese, in counter order. */
static const char *const counter_en[FIG_COUNT] = {
	"handouts", "denied_limit", "denied_revoked", "denied_not_issued", "denied_out_of_stock",
	"denied_unusable_card", "not_taken", "restocked_sets", "new_at_a_kiosk", "help_requests",
};
static const char *const counter_ja[FIG_COUNT] = {
	"配布数", "上限のため不可", "失効カード", "登録外カード", "在庫切れ",
	"使えないカード", "取り忘れ", "補充数", "キオスクで新規のカード", "相談案内の表示",
};

void csv_field(struct out *o, const char *text)
{
	if (!text)
		text = "";
	bool formula = text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@';
	bool quote = formula || strpbrk(text, ",\"\r\n") != NULL;
	if (!quote) {
		out_raw(o, text);
		return;
	}
	out_raw(o, "\"");
	if (formula)
		out_raw(o, "'");
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			out_raw(o, "\"\"");
		else
			out_bytes(o, p, 1);
	}
	out_raw(o, "\"");
}

static void header(struct out *o, const char *first, const char *first_ja, bool ja)
{
	out_raw(o, "\xEF\xBB\xBF"); /* the BOM */
	csv_field(o, ja ? first_ja : first);
	out_raw(o, ",");
	csv_field(o, ja ? "拠点ID" : "site_id");
	out_raw(o, ",");
	csv_field(o, ja ? "拠点名" : "site_name");
}

static void site_cells(struct out *o, const char *id, const struct content *names)
{
	out_raw(o, ",");
	csv_field(o, id);
	out_raw(o, ",");
	const char *name = "";
	for (size_t i = 0; names && i < names->n_sites; i++) {
		if (strcmp(names->sites[i].id, id) == 0)
			name = names->sites[i].name;
	}
	csv_field(o, name);
}

static void counter_cells(struct out *o, const struct fig_counts *c)
{
	for (int k = 0; k < FIG_COUNT; k++)
		out_fmt(o, ",%lld", (long long)c->n[k]);
}

static int export_days(struct storage *s, const struct export_request *r, struct figures *f,
		       struct out *o, char *err, size_t errlen)
{
	content_date_t from, to;
	if (r->from && r->from[0]) {
		if (fig_date_parse(r->from, &from) != 0) {
			snprintf(err, errlen, "from: \"%.20s\" is not a date (YYYY-MM-DD)", r->from);
			return -1;
		}
	} else {
		from = f->today_d / 100 * 100 + 1;
	}
	if (r->to && r->to[0]) {
		if (fig_date_parse(r->to, &to) != 0) {
			snprintf(err, errlen, "to: \"%.20s\" is not a date (YYYY-MM-DD)", r->to);
			return -1;
		}
	} else {
		to = f->today_d;
	}
	size_t n = 0;
	for (content_date_t d = from; d <= to && n <= EXPORT_DAYS_MAX; d = content_date_add_days(d, 1))
		n++;
	if (n == 0 || n > EXPORT_DAYS_MAX) {
		snprintf(err, errlen, "from must not be after to, and at most %d days apart",
			 EXPORT_DAYS_MAX);
		return -1;
	}
	header(o, "date", "日付", r->ja);
	for (int k = 0; k < FIG_COUNT; k++) {
		out_raw(o, ",");
		csv_field(o, r->ja ? counter_ja[k] : counter_en[k]);
	}
	out_raw(o, "\r\n");
	struct fig_counts *days = calloc(n, sizeof(*days));
	if (!days) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < f->n_sites; i++) {
		if (figures_days(f, s, f->sites[i].id, from, n, days) != 0) {
			free(days);
			snprintf(err, errlen, "storage: %s", storage_error(s));
			return -1;
		}
		for (size_t d = 0; d < n; d++) {
			char date[11];
			fig_date_text(content_date_add_days(from, (int)d), date);
			out_raw(o, date);
			site_cells(o, f->sites[i].id, r->names);
			counter_cells(o, &days[d]);
			out_raw(o, "\r\n");
		}
	}
	free(days);
	return 0;
}

/* The month range; defaults to the 12 months up to this one. */
static int month_range(const struct export_request *r, const struct figures *f, int *y, int *m,
		       size_t *n, char *err, size_t errlen)
{
	int ty = (int)(f->today_d / 10000), tm = (int)(f->today_d / 100 % 100);
	int fy = ty, fm = tm;
	fig_month_add(&fy, &fm, -11);
	if (r->from && r->from[0] && fig_month_parse(r->from, &fy, &fm) != 0) {
		snprintf(err, errlen, "from: \"%.20s\" is not a month (YYYY-MM)", r->from);
		return -1;
	}
	if (r->to && r->to[0] && fig_month_parse(r->to, &ty, &tm) != 0) {
		snprintf(err, errlen, "to: \"%.20s\" is not a month (YYYY-MM)", r->to);
		return -1;
	}
	int span = (ty * 12 + tm) - (fy * 12 + fm) + 1;
	if (span < 1 || span > EXPORT_MONTHS_MAX) {
		snprintf(err, errlen, "from must not be after to, and at most %d months apart",
			 EXPORT_MONTHS_MAX);
		return -1;
	}
	*y = fy;
	*m = fm;
	*n = (size_t)span;
	return 0;
}

static int export_months(struct storage *s, const struct export_request *r, struct figures *f,
			 struct out *o, char *err, size_t errlen)
{
	int y, m;
	size_t n;
	if (month_range(r, f, &y, &m, &n, err, errlen) != 0)
		return -1;
	struct fig_counts *months = calloc((f->n_sites + 1) * n, sizeof(*months));
	if (!months || figures_months(f, s, y, m, n, months) != 0) {
		snprintf(err, errlen, "%s", months ? storage_error(s) : "out of memory");
		free(months);
		return -1;
	}
	header(o, "month", "月", r->ja);
	for (int k = 0; k < FIG_COUNT; k++) {
		out_raw(o, ",");
		csv_field(o, r->ja ? counter_ja[k] : counter_en[k]);
	}
	out_raw(o, "\r\n");
	for (size_t i = 0; i < f->n_sites; i++) {
		int yy = y, mm = m;
		for (size_t j = 0; j < n; j++) {
			out_fmt(o, "%04d-%02d", yy % 10000, mm % 100);
			site_cells(o, f->sites[i].id, r->names);
			counter_cells(o, &months[i * n + j]);
			out_raw(o, "\r\n");
			fig_month_add(&yy, &mm, 1);
		}
	}
	free(months);
	return 0;
}

/* The programme's four figures. */
static const int programme_counters[4] = {FIG_handouts, FIG_new_cards, FIG_help_requests,
					  FIG_denied_out_of_stock};

static int export_programme(struct storage *s, const struct export_request *r, struct figures *f,
			    struct out *o, char *err, size_t errlen)
{
	int y, m;
	size_t n;
	if (month_range(r, f, &y, &m, &n, err, errlen) != 0)
		return -1;
	/* One month more before the first, for its change. */
	int py = y, pm = m;
	fig_month_add(&py, &pm, -1);
	size_t cols = n + 1;
	struct fig_counts *months = calloc((f->n_sites + 1) * cols, sizeof(*months));
	if (!months || figures_months(f, s, py, pm, cols, months) != 0) {
		snprintf(err, errlen, "%s", months ? storage_error(s) : "out of memory");
		free(months);
		return -1;
	}
	static const char *const en[4][2] = {{"sets_handed_out", "change"},
					     {"cards_new_at_a_kiosk", "change"},
					     {"help_requests", "change"},
					     {"out_of_stock_denials", "change"}};
	static const char *const ja[4][2] = {{"配布数", "前月比"},
					     {"キオスクで新規のカード", "前月比"},
					     {"相談案内の表示", "前月比"},
					     {"在庫切れ", "前月比"}};
	header(o, "month", "月", r->ja);
	for (int k = 0; k < 4; k++) {
		for (int c = 0; c < 2; c++) {
			out_raw(o, ",");
			csv_field(o, r->ja ? ja[k][c] : en[k][c]);
		}
	}
	out_raw(o, "\r\n");
	for (size_t row = 0; row <= f->n_sites; row++) {
		int yy = y, mm = m;
		for (size_t j = 1; j < cols; j++) {
			const struct fig_counts *now = &months[row * cols + j];
			const struct fig_counts *before = &months[row * cols + j - 1];
			out_fmt(o, "%04d-%02d", yy % 10000, mm % 100);
			if (row < f->n_sites) {
				site_cells(o, f->sites[row].id, r->names);
			} else {
				out_raw(o, ",");
				csv_field(o, r->ja ? "合計" : "total");
				out_raw(o, ",");
			}
			for (int k = 0; k < 4; k++) {
				int64_t a = now->n[programme_counters[k]], b = before->n[programme_counters[k]];
				out_fmt(o, ",%lld,%+lld", (long long)a, (long long)(a - b));
			}
			out_raw(o, "\r\n");
			fig_month_add(&yy, &mm, 1);
		}
	}
	free(months);
	return 0;
}

int export_csv(struct storage *s, const struct export_request *r, struct out *o, char *err,
	       size_t errlen)
{
	struct figures f;
	if (figures_load(&f, s, r->zone, r->now, r->silence) != 0) {
		snprintf(err, errlen, "storage: %s", storage_error(s));
		return -1;
	}
	int rc;
	if (strcmp(r->kind, "days") == 0)
		rc = export_days(s, r, &f, o, err, errlen);
	else if (strcmp(r->kind, "months") == 0)
		rc = export_months(s, r, &f, o, err, errlen);
	else if (strcmp(r->kind, "programme") == 0)
		rc = export_programme(s, r, &f, o, err, errlen);
	else {
		snprintf(err, errlen, "no such export (days, months or programme)");
		rc = -1;
	}
	figures_free(&f);
	if (rc == 0 && out_failed(o)) {
		snprintf(err, errlen, "the export is too large");
		rc = -1;
	}
	return rc;
}
