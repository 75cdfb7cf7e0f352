/*
 * web_pages: the figures' pages (web.h): overview, a site, the programme,
 * the kiosks, the exports. Every number is a sum of reported per-day
 * counters (figures.h); every text is escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "content.h"
#include "export.h"
#include "figures.h"
#include "log.h"
#include "office.h"
#include "web.h"

#define HTML "text/html; charset=utf-8"
#define SITE_DAYS 90

struct content *web_published(struct web *w)
{
	struct content_cache *cc = &w->o->content;
	pthread_mutex_lock(&w->o->reader_lock);
	if (content_cache_refresh(cc, w->o->reader, NULL) != 0) {
		atomic_fetch_add(&w->o->metrics.db_errors, 1);
		log_error("content: %s", storage_error(w->o->reader));
	}
	pthread_mutex_unlock(&w->o->reader_lock);
	pthread_mutex_lock(&cc->lock);
	struct content *c = NULL;
	char err[256];
	if (cc->version > 0 && content_parse(cc->body, cc->len, &c, err, sizeof(err)) != 0) {
		log_error("content: the published bundle does not parse: %s", err);
		c = NULL;
	}
	pthread_mutex_unlock(&cc->lock);
	return c;
}

const char *web_site_name(const struct content *c, const char *site_id)
{
	for (size_t i = 0; c && i < c->n_sites; i++) {
		if (strcmp(c->sites[i].id, site_id) == 0)
			return c->sites[i].name;
	}
	return "";
}

enum MHD_Result web_storage_failed(struct web *w, const char *what)
{
	atomic_fetch_add(&w->o->metrics.db_errors, 1);
	log_error("dashboard: %s", what);
	return web_message(w, MHD_HTTP_SERVICE_UNAVAILABLE, L(w, "Not available", "表示できません"),
			   L(w, "The database could not be read just now. Try again in a moment.",
			     "データベースを読めませんでした。しばらくしてからもう一度お試しください。"));
}

/* Loads the figures under the reader lock. */
static int load(struct web *w, struct figures *f)
{
	pthread_mutex_lock(&w->o->reader_lock);
	int rc = figures_load(f, w->o->reader, w->o->cfg.timezone, w->now, w->o->cfg.silence);
	pthread_mutex_unlock(&w->o->reader_lock);
	return rc;
}

static void site_link(struct out *o, const char *id)
{
	out_raw(o, "<a href=\"/site/");
	out_url(o, id);
	out_raw(o, "\">");
	out_text(o, id);
	out_raw(o, "</a>");
}

/* ---- overview ---- */

enum MHD_Result page_overview(struct web *w)
{
	struct figures f;
	if (load(w, &f) != 0)
		return web_storage_failed(w, storage_error(w->o->reader));
	struct content *names = web_published(w);
	struct fig_counts last14[14];
	content_date_t from = content_date_add_days(f.today_d, -13);
	pthread_mutex_lock(&w->o->reader_lock);
	int rc = figures_days(&f, w->o->reader, NULL, from, 14, last14);
	pthread_mutex_unlock(&w->o->reader_lock);
	if (rc != 0) {
		figures_free(&f);
		content_free(names);
		return web_storage_failed(w, storage_error(w->o->reader));
	}
	struct out o;
	out_init(&o);
	page_begin(w, &o, L(w, "Overview", "概要"));
	size_t silent = 0, low = 0;
	for (size_t i = 0; i < f.n_sites; i++) {
		silent += f.sites[i].silent;
		low += f.sites[i].stock_low;
	}
	out_fmt(&o, "<p>%s <b id=\"today\">%s</b>. ", L(w, "Today is", "今日は"), f.today);
	out_fmt(&o, "%s <b id=\"total-today\">%lld</b>, %s <b id=\"total-month\">%lld</b>. "
		    "%s <b id=\"help-month\">%lld</b>.",
		L(w, "Sets handed out today:", "今日の配布数:"), (long long)f.total_today.n[FIG_handouts],
		L(w, "this month:", "今月:"), (long long)f.total_month.n[FIG_handouts],
		L(w, "Help requests this month:", "今月の相談案内の表示:"),
		(long long)f.total_month.n[FIG_help_requests]);
	if (low)
		out_fmt(&o, " <span class=\"low\">%s %zu</span>", L(w, "Sites low on stock:", "在庫が少ない拠点:"), low);
	if (silent)
		out_fmt(&o, " <span class=\"warn\">%s %zu</span>",
			L(w, "Kiosks silent:", "連絡のないキオスク:"), silent);
	out_raw(&o, "</p>");
	out_fmt(&o, "<div class=\"scroll\"><table id=\"sites\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		L(w, "Site", "拠点"), L(w, "Name", "名称"), L(w, "Kiosks", "キオスク"),
		L(w, "Today", "今日"), L(w, "This month", "今月"), L(w, "Stock", "在庫"),
		L(w, "Last contact", "最終連絡"), L(w, "Problems", "問題"),
		L(w, "Help today", "相談案内(今日)"), L(w, "Help this month", "相談案内(今月)"));
	for (size_t i = 0; i < f.n_sites; i++) {
		const struct fig_site *s = &f.sites[i];
		out_raw(&o, "<tr data-site=\"");
		out_text(&o, s->id);
		out_raw(&o, "\"><td>");
		site_link(&o, s->id);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, web_site_name(names, s->id));
		out_fmt(&o, "</td><td>%zu</td><td class=\"today\">%lld</td><td class=\"month\">%lld</td>",
			s->n_kiosks, (long long)s->today.n[FIG_handouts], (long long)s->month.n[FIG_handouts]);
		out_fmt(&o, "<td class=\"stock%s\">%lld%s</td>", s->stock_low ? " low" : "",
			(long long)s->stock, s->stock_low ? L(w, " low", " 少") : "");
		out_raw(&o, s->silent ? "<td class=\"warn\">" : "<td>");
		page_time(w, &o, s->last_contact);
		out_raw(&o, "</td><td class=\"t problems\">");
		if (s->silent)
			out_fmt(&o, "<span class=\"warn\">%zu %s</span> ", s->silent, L(w, "silent", "連絡なし"));
		if (s->trouble)
			out_fmt(&o, "<span class=\"warn\">%zu %s</span> ", s->trouble,
				L(w, "reader or sync trouble", "読取機・同期の不調"));
		if (s->flagged_days)
			out_fmt(&o, "<span class=\"warn\">%lld %s</span>", (long long)s->flagged_days,
				L(w, "days with clock doubts", "日 時計に疑い"));
		if (!s->silent && !s->trouble && !s->flagged_days)
			out_fmt(&o, "<span class=\"ok\">%s</span>", L(w, "none", "なし"));
		out_fmt(&o, "</td><td class=\"help-today\">%lld</td><td class=\"help-month\">%lld</td></tr>",
			(long long)s->today.n[FIG_help_requests], (long long)s->month.n[FIG_help_requests]);
	}
	out_fmt(&o, "</tbody><tfoot><tr><th>%s</th><td></td><td></td><td>%lld</td><td>%lld</td>"
		    "<td></td><td></td><td></td><td>%lld</td><td>%lld</td></tr></tfoot></table></div>",
		L(w, "Total", "合計"), (long long)f.total_today.n[FIG_handouts],
		(long long)f.total_month.n[FIG_handouts], (long long)f.total_today.n[FIG_help_requests],
		(long long)f.total_month.n[FIG_help_requests]);
	if (f.n_sites == 0)
		out_fmt(&o, "<p class=\"msg\">%s</p>",
			L(w, "No kiosk is registered yet (officed kiosk add ID --site SITE).",
			  "登録されたキオスクはまだありません（officed kiosk add ID --site SITE）。"));
	int64_t bars[14];
	for (int i = 0; i < 14; i++)
		bars[i] = last14[i].n[FIG_handouts];
	char a[11], b[11];
	fig_date_text(from, a);
	fig_date_text(f.today_d, b);
	out_fmt(&o, "<h2>%s</h2>", L(w, "The last 14 days, every site", "直近14日間（全拠点）"));
	chart_bars(&o, L(w, "Sets handed out per day", "1日ごとの配布数"), bars, 14, NULL, a, b,
		   L(w, "sets handed out", "配布数"), NULL);
	page_end(w, &o);
	figures_free(&f);
	content_free(names);
	return web_send(w, MHD_HTTP_OK, HTML, &o);
}

/* ---- a site ---- */

static const char *counter_label(struct web *w, int k)
{
	static const char *const en[FIG_COUNT] = {
		"Sets handed out", "Denied: limit reached", "Denied: revoked card",
		"Denied: not an issued card", "Denied: out of stock", "Denied: unusable card",
		"Released, not taken", "Sets restocked", "Cards new at a kiosk", "Help requests",
	};
	static const char *const ja[FIG_COUNT] = {
		"配布数", "不可: 上限", "不可: 失効カード", "不可: 登録外カード", "不可: 在庫切れ",
		"不可: 使えないカード", "取り忘れ", "補充数", "キオスクで新規のカード", "相談案内の表示",
	};
	return w->lang == LANG_JA ? ja[k] : en[k];
}

enum MHD_Result page_site(struct web *w, const char *site_id)
{
	struct figures f;
	if (load(w, &f) != 0)
		return web_storage_failed(w, storage_error(w->o->reader));
	int at = figures_site_index(&f, site_id);
	if (at < 0) {
		figures_free(&f);
		return web_message(w, MHD_HTTP_NOT_FOUND, "404",
				   L(w, "No kiosk is registered at that site.", "その拠点に登録されたキオスクはありません。"));
	}
	struct fig_counts days[SITE_DAYS];
	content_date_t from = content_date_add_days(f.today_d, -(SITE_DAYS - 1));
	pthread_mutex_lock(&w->o->reader_lock);
	int rc = figures_days(&f, w->o->reader, site_id, from, SITE_DAYS, days);
	pthread_mutex_unlock(&w->o->reader_lock);
	if (rc != 0) {
		figures_free(&f);
		return web_storage_failed(w, storage_error(w->o->reader));
	}
	const struct fig_site *s = &f.sites[at];
	struct content *names = web_published(w);
	struct out o;
	out_init(&o);
	char title[256];
	const char *name = web_site_name(names, s->id);
	snprintf(title, sizeof(title), "%s %s%s%s", L(w, "Site", "拠点"), s->id, name[0] ? " " : "", name);
	page_begin(w, &o, title);

	/* Stock at each day's end, walked back from today's reported level:
	 * the office receives levels only with reports, so earlier days are
	 * reckoned from the handouts and restocks in between. */
	int64_t bars[SITE_DAYS], stock[SITE_DAYS];
	int64_t level = s->stock;
	struct fig_counts sum = {{0}};
	for (int i = SITE_DAYS - 1; i >= 0; i--) {
		bars[i] = days[i].n[FIG_handouts];
		stock[i] = level < 0 ? 0 : level;
		level += days[i].n[FIG_handouts] - days[i].n[FIG_restocked_sets];
		for (int k = 0; k < FIG_COUNT; k++)
			sum.n[k] += days[i].n[k];
	}
	char a[11], b[11];
	fig_date_text(from, a);
	fig_date_text(f.today_d, b);
	out_fmt(&o, "<h2>%s</h2>", L(w, "The last 90 days", "直近90日間"));
	chart_bars(&o, L(w, "Sets handed out per day, and stock", "1日ごとの配布数と在庫"), bars, SITE_DAYS,
		   stock, a, b, L(w, "sets handed out", "配布数"),
		   L(w, "stock at day's end (reckoned)", "日末の在庫（推計）"));
	out_fmt(&o, "<p>%s <b class=\"stock\">%lld</b>%s</p>", L(w, "Stock now:", "現在の在庫:"),
		(long long)s->stock, s->stock_low ? L(w, " <span class=\"low\">low</span>", " <span class=\"low\">少</span>") : "");
	out_fmt(&o, "<div class=\"scroll\"><table id=\"totals\"><thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		L(w, "In the last 90 days", "直近90日間"), L(w, "Count", "件数"), L(w, "This month", "今月"));
	for (int k = 0; k < FIG_COUNT; k++)
		out_fmt(&o, "<tr data-counter=\"%s\"><td>%s</td><td class=\"d90\">%lld</td><td class=\"month\">%lld</td></tr>",
			fig_counter_names[k], counter_label(w, k), (long long)sum.n[k], (long long)s->month.n[k]);
	out_raw(&o, "</tbody></table></div>");
	out_fmt(&o, "<h2>%s</h2><div class=\"scroll\"><table id=\"days\"><thead><tr><th>%s</th>",
		L(w, "Days with activity", "活動のあった日"), L(w, "Date", "日付"));
	for (int k = 0; k < FIG_COUNT; k++)
		out_fmt(&o, "<th>%s</th>", counter_label(w, k));
	out_fmt(&o, "<th>%s</th></tr></thead><tbody>", L(w, "Stock (reckoned)", "在庫（推計）"));
	for (int i = SITE_DAYS - 1; i >= 0; i--) {
		bool any = false;
		for (int k = 0; k < FIG_COUNT; k++)
			any |= days[i].n[k] != 0;
		if (!any)
			continue;
		char d[11];
		fig_date_text(content_date_add_days(from, i), d);
		out_fmt(&o, "<tr data-date=\"%s\"><td>%s</td>", d, d);
		for (int k = 0; k < FIG_COUNT; k++)
			out_fmt(&o, "<td class=\"%s\">%lld</td>", fig_counter_names[k], (long long)days[i].n[k]);
		out_fmt(&o, "<td>%lld</td></tr>", (long long)stock[i]);
	}
	out_raw(&o, "</tbody></table></div>");
	out_fmt(&o, "<h2>%s</h2><ul>", L(w, "Kiosks at this site", "この拠点のキオスク"));
	for (size_t i = 0; i < f.n_kiosks; i++) {
		if (strcmp(f.kiosks[i].k.site_id, s->id) != 0)
			continue;
		out_raw(&o, "<li>");
		out_text(&o, f.kiosks[i].k.kiosk_id);
		out_raw(&o, ": ");
		out_text(&o, kiosk_state_names[f.kiosks[i].state]);
		out_raw(&o, "</li>");
	}
	out_raw(&o, "</ul>");
	out_raw(&o, "<p><a href=\"/S/");
	out_url(&o, s->id);
	out_fmt(&o, "\">%s</a></p>", L(w, "The public help page of this site", "この拠点の公開相談案内ページ"));
	page_end(w, &o);
	figures_free(&f);
	content_free(names);
	return web_send(w, MHD_HTTP_OK, HTML, &o);
}

/* ---- the programme ---- */

static const int prog_counters[4] = {FIG_handouts, FIG_new_cards, FIG_help_requests,
				     FIG_denied_out_of_stock};

/* "+3 (+12%)", "-2 (-50%)", "+4" (nothing before), "0". */
static void change_cell(struct out *o, int64_t now, int64_t before)
{
	int64_t d = now - before;
	out_fmt(o, "<td class=\"change\">%+lld", (long long)d);
	if (before > 0 && d != 0)
		out_fmt(o, " (%+.0f%%)", 100.0 * (double)d / (double)before);
	out_raw(o, "</td>");
}

enum MHD_Result page_programme(struct web *w)
{
	struct figures f;
	if (load(w, &f) != 0)
		return web_storage_failed(w, storage_error(w->o->reader));
	int y = (int)(f.today_d / 10000), m = (int)(f.today_d / 100 % 100);
	const char *sel = web_arg(w, "month");
	if (sel && sel[0] && fig_month_parse(sel, &y, &m) != 0) {
		figures_free(&f);
		return web_message(w, MHD_HTTP_BAD_REQUEST, "400",
				   L(w, "month must be YYYY-MM, like 2026-11.", "month は 2026-11 のように YYYY-MM で指定してください。"));
	}
	/* 13 months ending with the chosen one: 12 shown, each with the one before. */
	int fy = y, fm = m;
	fig_month_add(&fy, &fm, -12);
	size_t n = 13;
	struct fig_counts *months = calloc((f.n_sites + 1) * n, sizeof(*months));
	pthread_mutex_lock(&w->o->reader_lock);
	int rc = months ? figures_months(&f, w->o->reader, fy, fm, n, months) : -1;
	pthread_mutex_unlock(&w->o->reader_lock);
	if (rc != 0) {
		free(months);
		figures_free(&f);
		return web_storage_failed(w, months ? storage_error(w->o->reader) : "out of memory");
	}
	struct content *names = web_published(w);
	struct out o;
	out_init(&o);
	page_begin(w, &o, L(w, "Programme figures", "事業の数字"));
	out_fmt(&o, "<form method=\"get\" action=\"/programme\"><label>%s <input name=\"month\" type=\"month\" "
		    "value=\"%04d-%02d\"></label> <button type=\"submit\">%s</button></form>",
		L(w, "Month", "月"), y % 10000, m % 100, L(w, "Show", "表示"));
	const char *head[4] = {L(w, "Sets handed out", "配布数"), L(w, "Cards new at a kiosk", "キオスクで新規のカード"),
			       L(w, "Help requests", "相談案内の表示"), L(w, "Out-of-stock denials", "在庫切れ")};
	out_fmt(&o, "<h2>%s</h2><div class=\"scroll\"><table id=\"months\"><thead><tr><th>%s</th>",
		L(w, "All sites, month by month", "全拠点・月別"), L(w, "Month", "月"));
	for (int k = 0; k < 4; k++)
		out_fmt(&o, "<th>%s</th><th>%s</th>", head[k], L(w, "change", "前月比"));
	out_raw(&o, "</tr></thead><tbody>");
	size_t total = f.n_sites * n;
	for (size_t j = n - 1; j >= 1; j--) {
		int yy = fy, mm = fm;
		fig_month_add(&yy, &mm, (int)j);
		out_fmt(&o, "<tr data-month=\"%04d-%02d\"><td>%04d-%02d</td>", yy % 10000, mm % 100, yy % 10000, mm % 100);
		for (int k = 0; k < 4; k++) {
			int64_t a = months[total + j].n[prog_counters[k]], b = months[total + j - 1].n[prog_counters[k]];
			out_fmt(&o, "<td class=\"%s\">%lld</td>", fig_counter_names[prog_counters[k]], (long long)a);
			change_cell(&o, a, b);
		}
		out_raw(&o, "</tr>");
	}
	out_raw(&o, "</tbody></table></div>");
	out_fmt(&o, "<h2>%s %04d-%02d</h2><div class=\"scroll\"><table id=\"bysite\"><thead><tr><th>%s</th><th>%s</th>",
		L(w, "Each site in", "拠点別"), y % 10000, m % 100, L(w, "Site", "拠点"), L(w, "Name", "名称"));
	for (int k = 0; k < 4; k++)
		out_fmt(&o, "<th>%s</th><th>%s</th>", head[k], L(w, "change", "前月比"));
	out_raw(&o, "</tr></thead><tbody>");
	for (size_t i = 0; i <= f.n_sites; i++) {
		const struct fig_counts *now = &months[i * n + n - 1], *before = &months[i * n + n - 2];
		if (i < f.n_sites) {
			out_raw(&o, "<tr data-site=\"");
			out_text(&o, f.sites[i].id);
			out_raw(&o, "\"><td>");
			site_link(&o, f.sites[i].id);
			out_raw(&o, "</td><td class=\"t\">");
			out_text(&o, web_site_name(names, f.sites[i].id));
			out_raw(&o, "</td>");
		} else {
			out_fmt(&o, "<tr data-site=\"\" class=\"total\"><th>%s</th><td></td>", L(w, "Total", "合計"));
		}
		for (int k = 0; k < 4; k++) {
			int64_t a = now->n[prog_counters[k]], b = before->n[prog_counters[k]];
			out_fmt(&o, "<td class=\"%s\">%lld</td>", fig_counter_names[prog_counters[k]], (long long)a);
			change_cell(&o, a, b);
		}
		out_raw(&o, "</tr>");
	}
	out_raw(&o, "</tbody></table></div>");
	out_fmt(&o, "<p>%s</p><p><a href=\"/export/programme.csv\" id=\"programme-csv\">%s</a></p>",
		L(w, "\"Cards new at a kiosk\" adds up each kiosk's new cards: one card can be new at two kiosks.",
		  "「キオスクで新規のカード」は各キオスクの新規カードの合計です（同じカードが2か所で新規になることがあります）。"),
		L(w, "Download this table for Excel (CSV)", "この表をExcel用にダウンロード（CSV）"));
	page_end(w, &o);
	free(months);
	figures_free(&f);
	content_free(names);
	return web_send(w, MHD_HTTP_OK, HTML, &o);
}

/* ---- kiosks ---- */

enum MHD_Result page_kiosks(struct web *w)
{
	struct figures f;
	if (load(w, &f) != 0)
		return web_storage_failed(w, storage_error(w->o->reader));
	struct out o;
	out_init(&o);
	page_begin(w, &o, L(w, "Kiosks", "キオスク"));
	out_fmt(&o, "<div class=\"scroll\"><table id=\"kiosks\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		L(w, "Kiosk", "キオスク"), L(w, "Site", "拠点"), L(w, "State", "状態"),
		L(w, "Registered", "登録"), L(w, "Last report", "最終報告"), L(w, "Firmware", "ファームウェア"),
		L(w, "Reader", "読取機"), L(w, "Display", "表示"), L(w, "Last error", "最後のエラー"),
		L(w, "Stock", "在庫"), L(w, "Clock", "時計"));
	for (size_t i = 0; i < f.n_kiosks; i++) {
		const struct fig_kiosk *k = &f.kiosks[i];
		bool bad = k->state != KIOSK_OK;
		out_raw(&o, "<tr data-kiosk=\"");
		out_text(&o, k->k.kiosk_id);
		out_raw(&o, "\"><td>");
		out_text(&o, k->k.kiosk_id);
		out_raw(&o, "</td><td>");
		site_link(&o, k->k.site_id);
		out_fmt(&o, "</td><td class=\"state%s\">", bad ? " warn" : "");
		out_text(&o, kiosk_state_names[k->state]);
		out_raw(&o, "</td><td>");
		page_time(w, &o, k->k.created_at);
		out_raw(&o, "</td><td>");
		page_time(w, &o, k->k.last_contact);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, k->k.firmware);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, k->k.health_reader);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, k->k.health_display);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, k->k.health_last_error);
		out_fmt(&o, "</td><td class=\"%s\">%lld</td><td>%s %+llds</td></tr>", k->k.stock_low ? "low" : "",
			(long long)k->k.stock_level,
			k->k.clock_synchronized ? L(w, "synchronized", "同期済") : L(w, "not synchronized", "未同期"),
			(long long)k->k.clock_offset);
	}
	out_raw(&o, "</tbody></table></div>");
	page_end(w, &o);
	figures_free(&f);
	return web_send(w, MHD_HTTP_OK, HTML, &o);
}

/* ---- exports ---- */

enum MHD_Result page_exports(struct web *w)
{
	struct out o;
	out_init(&o);
	page_begin(w, &o, L(w, "Exports for Excel", "Excel用のCSV出力"));
	out_fmt(&o, "<p>%s</p>", L(w, "UTF-8 CSV files that Excel opens directly. Leave the dates empty for this month (days) or the last 12 months.",
				   "Excelでそのまま開けるCSV（UTF-8）です。日付を空欄にすると、今月（日別）または直近12か月になります。"));
	out_fmt(&o, "<form method=\"get\" action=\"/export/days.csv\" id=\"export-days\"><fieldset><legend>%s</legend>"
		    "<label>%s <input name=\"from\" type=\"date\"></label><label>%s <input name=\"to\" type=\"date\"></label>"
		    "<button type=\"submit\">%s</button></fieldset></form>",
		L(w, "Each site, per day", "拠点別・日別"), L(w, "From", "開始日"), L(w, "To", "終了日"),
		L(w, "Download", "ダウンロード"));
	const char *kinds[2][2] = {{"months", L(w, "Each site, per month", "拠点別・月別")},
				   {"programme", L(w, "Programme figures with month-on-month change", "事業の数字（前月比つき）")}};
	for (int i = 0; i < 2; i++)
		out_fmt(&o, "<form method=\"get\" action=\"/export/%s.csv\" id=\"export-%s\"><fieldset><legend>%s</legend>"
			    "<label>%s <input name=\"from\" type=\"month\"></label><label>%s <input name=\"to\" type=\"month\"></label>"
			    "<button type=\"submit\">%s</button></fieldset></form>",
			kinds[i][0], kinds[i][0], kinds[i][1], L(w, "From", "開始月"), L(w, "To", "終了月"),
			L(w, "Download", "ダウンロード"));
	page_end(w, &o);
	return web_send(w, MHD_HTTP_OK, HTML, &o);
}

enum MHD_Result page_export_csv(struct web *w, const char *file)
{
	char kind[16];
	const char *dot = strstr(file, ".csv");
	if (!dot || dot[4] || (size_t)(dot - file) >= sizeof(kind))
		return web_message(w, MHD_HTTP_NOT_FOUND, "404", L(w, "No such export.", "その出力はありません。"));
	memcpy(kind, file, (size_t)(dot - file));
	kind[dot - file] = '\0';
	struct content *names = web_published(w);
	struct export_request r = {.kind = kind, .from = web_arg(w, "from"), .to = web_arg(w, "to"),
				   .ja = w->lang == LANG_JA, .zone = w->o->cfg.timezone,
				   .silence = w->o->cfg.silence, .now = w->now, .names = names};
	struct out o;
	out_init(&o);
	char err[256];
	pthread_mutex_lock(&w->o->reader_lock);
	int rc = export_csv(w->o->reader, &r, &o, err, sizeof(err));
	pthread_mutex_unlock(&w->o->reader_lock);
	content_free(names);
	if (rc != 0) {
		out_free(&o);
		return web_message(w, MHD_HTTP_BAD_REQUEST, L(w, "Export", "CSV出力"), err);
	}
	return web_send(w, MHD_HTTP_OK, "text/csv; charset=utf-8", &o);
}

/* ---- /metrics ---- */

struct state_count {
	uint64_t n[KIOSK_STATES];
	int64_t now;
	unsigned silence;
};

static int count_state(void *arg, const struct storage_kiosk *k)
{
	struct state_count *c = arg;
	c->n[kiosk_state_of(k, c->now, c->silence)]++;
	return 0;
}

enum MHD_Result page_metrics(struct web *w)
{
	struct state_count states = {.now = w->now, .silence = w->o->cfg.silence};
	pthread_mutex_lock(&w->o->reader_lock);
	int rc = storage_kiosk_each(w->o->reader, count_state, &states);
	if (rc != 0) {
		atomic_fetch_add(&w->o->metrics.db_errors, 1);
		log_error("metrics: %s", storage_error(w->o->reader));
	}
	pthread_mutex_unlock(&w->o->reader_lock);
	struct out o;
	out_init(&o);
	atomic_store(&w->o->metrics.reports_stored, atomic_load(&w->o->reports_stored));
	metrics_write(&w->o->metrics, &o);
	if (rc == 0) {
		out_raw(&o, "# HELP officed_kiosks Registered kiosks by state.\n# TYPE officed_kiosks gauge\n");
		for (int s = 0; s < KIOSK_STATES; s++)
			out_fmt(&o, "officed_kiosks{state=\"%s\"} %llu\n", kiosk_state_names[s],
				(unsigned long long)states.n[s]);
	}
	pthread_mutex_lock(&w->o->content.lock);
	long long version = (long long)w->o->content.version;
	pthread_mutex_unlock(&w->o->content.lock);
	out_fmt(&o, "# HELP officed_content_version The newest published content version.\n"
		    "# TYPE officed_content_version gauge\nofficed_content_version %lld\n", version);
	out_fmt(&o, "# HELP officed_up Whether officed could read its database for this scrape.\n"
		    "# TYPE officed_up gauge\nofficed_up %d\n", rc == 0);
	return web_send(w, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &o);
}
