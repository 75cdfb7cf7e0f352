/*
 * web_content: content management in the dashboard (web.h): the windows
 * and sessions as published, forms to edit them, imports (CSV as kept in
 * Excel, or a whole JSON bundle), and a preview of what a kiosk shows.
 *
 * Every change is made to the last imported bundle (content_base), checked
 * whole as kiosks will check it (content_rows_check), and only then
 * published as a new version with storage_content_import(): kiosks fetch
 * it at their next sync (its ETag changes). A change with any problem
 * stores nothing and lists every problem by line and field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "content_rows.h"
#include "content_select.h"
#include "csv.h"
#include "log.h"
#include "office.h"
#include "tz.h"
#include "web.h"

#define HTML "text/html; charset=utf-8"

static const char *const wd_keys[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const int wd_index[7] = {1, 2, 3, 4, 5, 6, 0}; /* content_hours is Sunday-first */

static void hhmm(struct out *o, unsigned m) { out_fmt(o, "%02u:%02u", (m / 60) % 100, m % 60); }

static void date_text(struct out *o, content_date_t d)
{
	unsigned v = (unsigned)d;
	out_fmt(o, "%04u-%02u-%02u", v / 10000 % 10000, v / 100 % 100, v % 100);
}

static void hours_text(struct out *o, const struct content_hours *h, int wday)
{
	for (unsigned i = 0; i < h->n[wday]; i++) {
		if (i)
			out_raw(o, " ");
		hhmm(o, h->open[wday][i]);
		out_raw(o, "-");
		hhmm(o, h->close[wday][i]);
	}
}

static void input(struct out *o, const char *label, const char *name, const char *value,
		  const char *type)
{
	out_raw(o, "<label>");
	out_text(o, label);
	out_fmt(o, "<br><input name=\"%s\" id=\"f-%s\" type=\"%s\" value=\"", name, name, type);
	out_text(o, value ? value : "");
	out_raw(o, "\"></label>");
}

/* The window form, filled from win (NULL: a new window). */
static void window_form(struct web *w, struct out *o, const struct content_window *win)
{
	out_fmt(o, "<form method=\"post\" action=\"/content/window\" id=\"window-form\"><fieldset><legend>%s</legend>",
		win ? L(w, "Edit a window", "窓口を編集") : L(w, "Add a window", "窓口を追加"));
	page_csrf(w, o);
	struct out t;
	out_init(&t);
	input(o, "ID", "id", win ? win->id : "", "text");
	input(o, L(w, "Name", "名称"), "name", win ? win->name : "", "text");
	input(o, L(w, "Phone", "電話"), "phone", win ? win->phone : "", "text");
	input(o, L(w, "Address", "住所"), "address", win ? win->address : "", "text");
	char num[32];
	snprintf(num, sizeof(num), "%.6f", win ? win->lat : 0.0);
	input(o, L(w, "Latitude", "緯度"), "lat", win ? num : "", "text");
	snprintf(num, sizeof(num), "%.6f", win ? win->lon : 0.0);
	input(o, L(w, "Longitude", "経度"), "lon", win ? num : "", "text");
	for (size_t i = 0; win && i < win->n_topics; i++)
		out_fmt(&t, "%s%s", i ? ";" : "", win->topics[i]);
	input(o, L(w, "Topics (separated by ;)", "相談内容（;区切り）"), "topics", t.s, "text");
	out_free(&t);
	for (size_t i = 0; win && i < win->n_languages; i++)
		out_fmt(&t, "%s%s", i ? ";" : "", win->languages[i]);
	input(o, L(w, "Languages (ja;en)", "言語（ja;en）"), "languages", t.s, "text");
	out_free(&t);
	static const char *const en_wd[7] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
					     "Saturday", "Sunday"};
	static const char *const ja_wd[7] = {"月曜", "火曜", "水曜", "木曜", "金曜", "土曜", "日曜"};
	for (int d = 0; d < 7; d++) {
		if (win)
			hours_text(&t, &win->hours, wd_index[d]);
		char label[96];
		snprintf(label, sizeof(label), "%s %s", w->lang == LANG_JA ? ja_wd[d] : en_wd[d],
			 L(w, "(9:00-12:00 13:00-17:00)", "（例 9:00-12:00 13:00-17:00）"));
		input(o, label, wd_keys[d], t.s, "text");
		out_free(&t);
	}
	for (size_t i = 0; win && i < win->n_closed_dates; i++) {
		if (i)
			out_raw(&t, ";");
		date_text(&t, win->closed_dates[i]);
	}
	input(o, L(w, "Closed dates (YYYY-MM-DD;...)", "休業日（YYYY-MM-DD;...）"), "closed_dates", t.s, "text");
	out_free(&t);
	out_fmt(o, "<button type=\"submit\" id=\"save-window\">%s</button></fieldset></form>",
		L(w, "Save and publish", "保存して公開"));
}

/* The session form, filled from s at index (s NULL: a new session). */
static void session_form(struct web *w, struct out *o, const struct content_session *s, size_t index)
{
	out_fmt(o, "<form method=\"post\" action=\"/content/session\" id=\"session-form\"><fieldset><legend>%s</legend>",
		s ? L(w, "Edit an outreach session", "出張相談会を編集") : L(w, "Add an outreach session", "出張相談会を追加"));
	page_csrf(w, o);
	/* The index names the session to replace; the page may be out of date,
	 * so the handler checks it is still there. */
	if (s)
		out_fmt(o, "<input type=\"hidden\" name=\"index\" value=\"%zu\">", index);
	struct out t;
	out_init(&t);
	if (s)
		date_text(&t, s->date);
	input(o, L(w, "Date", "日付"), "date", t.s ? t.s : "", "date");
	out_free(&t);
	if (s)
		hhmm(&t, s->start);
	input(o, L(w, "Start", "開始"), "start", t.s ? t.s : "", "time");
	out_free(&t);
	if (s)
		hhmm(&t, s->end);
	input(o, L(w, "End", "終了"), "end", t.s ? t.s : "", "time");
	out_free(&t);
	input(o, L(w, "Place", "場所"), "place", s ? s->place : "", "text");
	char num[32];
	snprintf(num, sizeof(num), "%.6f", s ? s->lat : 0.0);
	input(o, L(w, "Latitude", "緯度"), "lat", s ? num : "", "text");
	snprintf(num, sizeof(num), "%.6f", s ? s->lon : 0.0);
	input(o, L(w, "Longitude", "経度"), "lon", s ? num : "", "text");
	input(o, L(w, "Note", "備考"), "note", s ? s->note : "", "text");
	out_fmt(o, "<button type=\"submit\" id=\"save-session\">%s</button></fieldset></form>",
		s ? L(w, "Save and publish", "保存して公開") : L(w, "Add and publish", "追加して公開"));
}

static enum MHD_Result render(struct web *w, unsigned status, const struct row_errors *errors)
{
	struct content *c = web_published(w);
	int64_t version = 0;
	pthread_mutex_lock(&w->o->content.lock);
	version = w->o->content.version;
	pthread_mutex_unlock(&w->o->content.lock);
	struct out o;
	out_init(&o);
	page_begin(w, &o, L(w, "Content", "案内の内容"));
	out_fmt(&o, "<p>%s <b id=\"version\">%lld</b>. %s</p>", L(w, "Published version", "公開中の版"),
		(long long)version,
		L(w, "Kiosks fetch a new version at their next sync.", "キオスクは次の同期で新しい版を取得します。"));
	const char *published = web_arg(w, "published");
	if (published && !errors)
		out_fmt(&o, "<p class=\"msg\" id=\"published\">%s</p>",
			L(w, "Published. Kiosks will show it after their next sync.", "公開しました。次の同期のあとキオスクに表示されます。"));
	if (errors && errors->n) {
		out_fmt(&o, "<div class=\"err\" id=\"errors\"><p>%s</p><ul>",
			L(w, "Nothing was published. Correct these and try again:", "何も公開していません。次の点を直してもう一度お試しください:"));
		const char *p = errors->text.s ? errors->text.s : "";
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			char *line = strndup(p, len);
			out_raw(&o, "<li>");
			out_text(&o, line ? line : "");
			out_raw(&o, "</li>");
			free(line);
			p += len + (nl ? 1 : 0);
		}
		out_raw(&o, "</ul></div>");
	}
	/* Preview */
	out_fmt(&o, "<form method=\"get\" action=\"/content/preview\" id=\"preview-form\"><fieldset><legend>%s</legend>"
		    "<label>%s <input name=\"kiosk\" id=\"f-kiosk\" required></label>"
		    "<label>%s <input name=\"at\" type=\"datetime-local\"></label><button type=\"submit\">%s</button></fieldset></form>",
		L(w, "Preview what a kiosk shows", "キオスクの表示をプレビュー"), L(w, "Kiosk ID", "キオスクID"),
		L(w, "At (empty: now)", "日時（空欄は現在）"), L(w, "Preview", "プレビュー"));
	/* Import */
	out_fmt(&o, "<form method=\"post\" action=\"/content/import\" enctype=\"multipart/form-data\" id=\"import-form\">"
		    "<fieldset><legend>%s</legend>",
		L(w, "Import from a file", "ファイルから取り込む"));
	page_csrf(w, &o);
	out_fmt(&o, "<label>%s <select name=\"kind\" id=\"f-kind\"><option value=\"windows\">%s</option>"
		    "<option value=\"sessions\">%s</option><option value=\"bundle\">%s</option></select></label>"
		    "<label>%s <input type=\"file\" name=\"file\" id=\"f-file\" accept=\".csv,.json,text/csv,application/json\" required></label>"
		    "<button type=\"submit\" id=\"import\">%s</button></fieldset></form>",
		L(w, "What", "種類"), L(w, "Consultation windows (CSV)", "相談窓口（CSV）"),
		L(w, "Outreach sessions (CSV)", "出張相談会（CSV）"), L(w, "Whole bundle (JSON)", "全体（JSON）"),
		L(w, "File", "ファイル"), L(w, "Check and publish", "確認して公開"));
	/* Windows */
	out_fmt(&o, "<h2>%s</h2><div class=\"scroll\"><table id=\"windows\"><thead><tr><th>ID</th><th>%s</th><th>%s</th><th>%s</th>",
		L(w, "Consultation windows", "相談窓口"), L(w, "Name", "名称"), L(w, "Phone", "電話"),
		L(w, "Address", "住所"));
	for (int d = 0; d < 7; d++)
		out_fmt(&o, "<th>%s</th>", wd_keys[d]);
	out_raw(&o, "<th></th></tr></thead><tbody>");
	const char *edit = web_arg(w, "edit");
	const struct content_window *editing = NULL;
	for (size_t i = 0; c && i < c->n_windows; i++) {
		const struct content_window *win = &c->windows[i];
		if (edit && strcmp(edit, win->id) == 0)
			editing = win;
		out_raw(&o, "<tr><td class=\"t\">");
		out_text(&o, win->id);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, win->name);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, win->phone);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, win->address);
		out_raw(&o, "</td>");
		for (int d = 0; d < 7; d++) {
			out_raw(&o, "<td class=\"t\">");
			hours_text(&o, &win->hours, wd_index[d]);
			out_raw(&o, "</td>");
		}
		out_raw(&o, "<td class=\"t\"><a href=\"/content?edit=");
		out_url(&o, win->id);
		out_fmt(&o, "\">%s</a> <form method=\"post\" action=\"/content/window-delete\" style=\"display:inline\">",
			L(w, "edit", "編集"));
		page_csrf(w, &o);
		out_raw(&o, "<input type=\"hidden\" name=\"id\" value=\"");
		out_text(&o, win->id);
		out_fmt(&o, "\"><button type=\"submit\">%s</button></form></td></tr>", L(w, "delete", "削除"));
	}
	out_raw(&o, "</tbody></table></div>");
	window_form(w, &o, editing);
	/* Sessions */
	out_fmt(&o, "<h2>%s</h2><div class=\"scroll\"><table id=\"sessions\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th></th></tr></thead><tbody>",
		L(w, "Outreach sessions", "出張相談会"), L(w, "Date", "日付"), L(w, "Time", "時間"),
		L(w, "Place", "場所"), L(w, "Note", "備考"));
	for (size_t i = 0; c && i < c->n_sessions; i++) {
		const struct content_session *s = &c->sessions[i];
		out_raw(&o, "<tr><td>");
		date_text(&o, s->date);
		out_raw(&o, "</td><td>");
		hhmm(&o, s->start);
		out_raw(&o, "-");
		hhmm(&o, s->end);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, s->place);
		out_raw(&o, "</td><td class=\"t\">");
		out_text(&o, s->note);
		out_fmt(&o, "</td><td><a href=\"/content?edit_session=%zu\">%s</a> "
			    "<form method=\"post\" action=\"/content/session-delete\" style=\"display:inline\">",
			i, L(w, "edit", "編集"));
		page_csrf(w, &o);
		out_fmt(&o, "<input type=\"hidden\" name=\"index\" value=\"%zu\"><button type=\"submit\">%s</button></form></td></tr>",
			i, L(w, "delete", "削除"));
	}
	out_raw(&o, "</tbody></table></div>");
	const char *edit_session = web_arg(w, "edit_session");
	char *end = NULL;
	unsigned long si = edit_session ? strtoul(edit_session, &end, 10) : 0;
	const bool editing_session = c && edit_session && edit_session[0] && !*end && si < c->n_sessions;
	session_form(w, &o, editing_session ? &c->sessions[si] : NULL, editing_session ? (size_t)si : 0);
	page_end(w, &o);
	content_free(c);
	return web_send(w, status, HTML, &o);
}

enum MHD_Result page_content(struct web *w) { return render(w, MHD_HTTP_OK, NULL); }

static const char *form_lookup(void *ctx, const char *field)
{
	return form_get(ctx, field);
}

/* The last import, as JSON; NULL (with an error) when there is none. */
static json_t *load_base(struct web *w, struct row_errors *e)
{
	char *text = NULL;
	pthread_mutex_lock(&w->o->reader_lock);
	int rc = storage_content_base(w->o->reader, &text);
	if (rc != 0) {
		atomic_fetch_add(&w->o->metrics.db_errors, 1);
		row_error(e, 0, NULL, "storage: %s", storage_error(w->o->reader));
	}
	pthread_mutex_unlock(&w->o->reader_lock);
	if (rc != 0)
		return NULL;
	if (!text) {
		row_error(e, 0, NULL, "%s",
			  L(w, "No bundle has been imported yet: import a whole bundle (JSON) first.",
			    "まだ内容が取り込まれていません。まず全体（JSON）を取り込んでください。"));
		return NULL;
	}
	json_t *base = json_loads(text, 0, NULL);
	free(text);
	if (!base)
		row_error(e, 0, NULL, "the stored bundle is not JSON");
	return base;
}

static int64_t publish(struct web *w, json_t *base, struct row_errors *e)
{
	int64_t version = 0;
	pthread_mutex_lock(&w->o->reader_lock);
	if (storage_content_import(w->o->reader, base, w->now, w->o->cfg.timezone, &version) != 0) {
		atomic_fetch_add(&w->o->metrics.db_errors, 1);
		row_error(e, 0, NULL, "storage: %s", storage_error(w->o->reader));
		version = 0;
	} else if (content_cache_refresh(&w->o->content, w->o->reader, NULL) != 0) {
		log_warn("content: %s", storage_error(w->o->reader));
	}
	pthread_mutex_unlock(&w->o->reader_lock);
	return version;
}

enum MHD_Result page_content_post(struct web *w, const char *action)
{
	struct row_errors e;
	row_errors_init(&e);
	json_t *base = NULL;
	const char *kind = NULL;
	int *lines = NULL;
	if (strcmp(action, "import") == 0 && form_get(w->form, "kind") &&
	    strcmp(form_get(w->form, "kind"), "bundle") == 0) {
		const char *file = form_get(w->form, "file");
		json_error_t jerr;
		base = file ? json_loads(file, JSON_REJECT_DUPLICATES, &jerr) : NULL;
		if (!base)
			row_error(&e, file ? jerr.line : 0, "JSON", "%s", file ? jerr.text : "no file was sent");
	} else {
		base = load_base(w, &e);
	}
	if (base && strcmp(action, "window") == 0) {
		kind = "windows";
		json_t *win = content_row_window(form_lookup, (void *)(uintptr_t)w->form, 0, &e);
		json_t *arr = json_object_get(base, "windows");
		if (win && json_is_array(arr)) {
			const char *id = json_string_value(json_object_get(win, "id"));
			size_t i;
			for (i = 0; i < json_array_size(arr); i++) {
				const char *other = json_string_value(json_object_get(json_array_get(arr, i), "id"));
				if (other && strcmp(other, id) == 0)
					break;
			}
			if (i < json_array_size(arr))
				json_array_set_new(arr, i, win);
			else
				json_array_append_new(arr, win);
		} else {
			json_decref(win);
		}
	} else if (base && strcmp(action, "window-delete") == 0) {
		const char *id = form_get(w->form, "id");
		json_t *arr = json_object_get(base, "windows");
		bool found = false;
		for (size_t i = 0; id && i < json_array_size(arr); i++) {
			const char *other = json_string_value(json_object_get(json_array_get(arr, i), "id"));
			if (other && strcmp(other, id) == 0) {
				json_array_remove(arr, i);
				found = true;
				break;
			}
		}
		if (!found)
			row_error(&e, 0, "id", "there is no such window");
	} else if (base && strcmp(action, "session") == 0) {
		json_t *s = content_row_session(form_lookup, (void *)(uintptr_t)w->form, 0, &e);
		json_t *arr = json_object_get(base, "sessions");
		/* With an index the form edits that session; without, it adds one. */
		const char *index = form_get(w->form, "index");
		char *end = NULL;
		unsigned long i = index && index[0] ? strtoul(index, &end, 10) : 0;
		if (index && index[0] && (*end || i >= json_array_size(arr))) {
			row_error(&e, 0, "index", "there is no such session (the page may be out of date)");
			json_decref(s);
		} else if (s && json_is_array(arr) && index && index[0]) {
			json_array_set_new(arr, i, s);
		} else if (s && json_is_array(arr)) {
			json_array_append_new(arr, s);
		} else {
			json_decref(s);
		}
	} else if (base && strcmp(action, "session-delete") == 0) {
		const char *index = form_get(w->form, "index");
		json_t *arr = json_object_get(base, "sessions");
		char *end = NULL;
		unsigned long i = index ? strtoul(index, &end, 10) : 0;
		if (!index || !index[0] || *end || i >= json_array_size(arr))
			row_error(&e, 0, "index", "there is no such session (the page may be out of date)");
		else
			json_array_remove(arr, i);
	} else if (base && strcmp(action, "import") == 0) {
		kind = form_get(w->form, "kind");
		const char *file = form_get(w->form, "file");
		if (!kind || (strcmp(kind, "windows") != 0 && strcmp(kind, "sessions") != 0)) {
			row_error(&e, 0, "kind", "choose windows, sessions or bundle");
		} else if (!file || !file[0]) {
			row_error(&e, 0, "file", "no file was sent");
		} else {
			char *text = NULL, err[256];
			if (csv_to_utf8(file, strlen(file), &text, err, sizeof(err)) != 0) {
				row_error(&e, 0, "file", "%s", err);
			} else {
				json_t *arr = content_rows_csv(text, kind, &lines, &e);
				if (arr)
					json_object_set_new(base, kind, arr);
			}
			free(text);
		}
	} else if (base) {
		json_decref(base);
		row_errors_free(&e);
		return web_message(w, MHD_HTTP_NOT_FOUND, "404", L(w, "No such action.", "その操作はありません。"));
	}
	if (base && e.n == 0)
		content_rows_check(base, kind, lines, w->o->cfg.public_url, w->o->cfg.timezone, w->now, &e);
	int64_t version = base && e.n == 0 ? publish(w, base, &e) : 0;
	free(lines);
	json_decref(base);
	if (e.n || version == 0) {
		log_info("dashboard: %s's content change (%s) refused: %zu problem%s", w->session.user, action,
			 e.n, e.n == 1 ? "" : "s");
		enum MHD_Result rc = render(w, MHD_HTTP_BAD_REQUEST, &e);
		row_errors_free(&e);
		return rc;
	}
	row_errors_free(&e);
	log_info("dashboard: %s published content version %lld (%s)", w->session.user, (long long)version,
		 action);
	char location[64];
	snprintf(location, sizeof(location), "/content?published=%lld", (long long)version);
	return web_redirect(w, location);
}

/* ---- preview ---- */

enum MHD_Result page_preview(struct web *w)
{
	const char *kiosk_id = web_arg(w, "kiosk");
	const char *at = web_arg(w, "at");
	char site_id[PROTOCOL_ID_MAX + 1] = "";
	struct kiosk_cache *kc = &w->o->kiosks;
	pthread_rwlock_rdlock(&kc->lock);
	for (size_t i = 0; kiosk_id && i < kc->n; i++) {
		if (strcmp(kc->kiosks[i].kiosk_id, kiosk_id) == 0)
			snprintf(site_id, sizeof(site_id), "%s", kc->kiosks[i].site_id);
	}
	pthread_rwlock_unlock(&kc->lock);
	if (!site_id[0])
		return web_message(w, MHD_HTTP_NOT_FOUND, L(w, "Preview", "プレビュー"),
				   L(w, "No such kiosk is registered.", "そのキオスクは登録されていません。"));
	int64_t t = w->now;
	if (at && at[0]) {
		struct tm tm = {0};
		char *end = strptime(at, "%Y-%m-%dT%H:%M", &tm);
		if (!end || *end) {
			return web_message(w, MHD_HTTP_BAD_REQUEST, L(w, "Preview", "プレビュー"),
					   L(w, "The time must be like 2026-12-01T14:05.", "日時は 2026-12-01T14:05 の形で指定してください。"));
		}
		t = tz_mktime(w->o->cfg.timezone, &tm);
	}
	struct content *c = web_published(w);
	const struct content_site *site = NULL;
	for (size_t i = 0; c && i < c->n_sites; i++) {
		if (strcmp(c->sites[i].id, site_id) == 0)
			site = &c->sites[i];
	}
	struct select_place here = {.has_coordinates = site != NULL, .lat = site ? site->lat : 0,
				    .lon = site ? site->lon : 0, .site_id = site_id};
	struct tm tm;
	tz_localtime(w->o->cfg.timezone, t, &tm);
	struct select_time now = {.date = content_date_make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday),
				  .wday = tm.tm_wday, .minute = tm.tm_hour * 60 + tm.tm_min};
	struct out o;
	out_init(&o);
	page_begin(w, &o, L(w, "Preview", "プレビュー"));
	out_raw(&o, "<p>");
	out_text(&o, L(w, "Kiosk ", "キオスク "));
	out_text(&o, kiosk_id);
	out_text(&o, L(w, " at site ", "（拠点 "));
	out_text(&o, site_id);
	out_text(&o, L(w, ", ", "）、"));
	page_time(w, &o, t);
	out_raw(&o, "</p>");
	if (!site)
		out_fmt(&o, "<p class=\"msg\">%s</p>",
			L(w, "The bundle has no coordinates for this site: the kiosk keeps the bundle's order.",
			  "この拠点の座標が内容にないため、キオスクは内容の順に表示します。"));
	struct window_pick wp[3];
	size_t nw = c ? select_windows(c, &here, &now, wp, 3) : 0;
	out_fmt(&o, "<h2>%s</h2><ol id=\"preview-windows\">", L(w, "Windows shown (nearest, open now first)", "表示される窓口（開いている窓口を先に、近い順）"));
	for (size_t i = 0; i < nw; i++) {
		out_raw(&o, "<li>");
		out_text(&o, wp[i].window->name);
		out_raw(&o, " ");
		out_text(&o, wp[i].window->phone);
		if (wp[i].distance_m == wp[i].distance_m)
			out_fmt(&o, " (%.1f km)", wp[i].distance_m / 1000);
		if (wp[i].when.open_now) {
			out_fmt(&o, " <b>%s ", L(w, "open now, until", "開いています"));
			hhmm(&o, wp[i].when.until);
			out_raw(&o, "</b>");
		} else if (wp[i].when.next_date) {
			out_fmt(&o, " %s ", L(w, "next open", "次は"));
			date_text(&o, wp[i].when.next_date);
			out_raw(&o, " ");
			hhmm(&o, wp[i].when.next_open);
		}
		out_raw(&o, "</li>");
	}
	out_raw(&o, "</ol>");
	struct session_pick sp[2];
	size_t ns = c ? select_sessions(c, &here, &now, sp, 2) : 0;
	out_fmt(&o, "<h2>%s</h2><ol id=\"preview-sessions\">", L(w, "Next sessions", "次の出張相談会"));
	for (size_t i = 0; i < ns; i++) {
		out_raw(&o, "<li>");
		date_text(&o, sp[i].session->date);
		out_raw(&o, " ");
		hhmm(&o, sp[i].session->start);
		out_raw(&o, "-");
		hhmm(&o, sp[i].session->end);
		out_raw(&o, " ");
		out_text(&o, sp[i].session->place);
		out_raw(&o, "</li>");
	}
	out_raw(&o, "</ol>");
	page_end(w, &o);
	content_free(c);
	return web_send(w, MHD_HTTP_OK, HTML, &o);
}
