/*
 * help_page: a site's public help page, /S/ID, what the kiosks' QR code
 * opens (web.h). No login, no cookies, no script, no third-party
 * resources, no client address logged; a few kilobytes of HTML with its
 * CSS inline, for a small phone on a slow connection. The site id is
 * matched without regard to case, because the QR code carries the URL
 * upper-cased (alphanumeric mode: DESIGN.md, Display).
 *
 * What it shows comes from the published bundle through the kiosks' own
 * selection (firmware/content_select.c, pure and linked here as is): the
 * nearest windows open now first, the next outreach sessions nearby, the
 * national hotlines. Languages: ja (default), easy (やさしい日本語), en.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "content_select.h"
#include "office.h"
#include "tz.h"
#include "web.h"

#define WINDOWS_SHOWN 5
#define SESSIONS_SHOWN 3

enum help_lang { H_JA, H_EASY, H_EN };
#define T(l, ja, easy, en) ((l) == H_JA ? (ja) : (l) == H_EASY ? (easy) : (en))

static void hhmm(struct out *o, unsigned minutes)
{
	out_fmt(o, "%02u:%02u", (minutes / 60) % 100, minutes % 60);
}

static void date_of(struct out *o, enum help_lang l, content_date_t d)
{
	static const char *const ja_wd[7] = {"日", "月", "火", "水", "木", "金", "土"};
	static const char *const en_wd[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	int wd = content_date_weekday(d);
	unsigned m = (unsigned)(d / 100 % 100), day = (unsigned)(d % 100);
	if (l == H_EN)
		out_fmt(o, "%s %u/%u", en_wd[wd], m, day);
	else
		out_fmt(o, "%u月%u日(%s)", m, day, ja_wd[wd]);
}

static void local_now(const char *zone, int64_t now, struct select_time *t)
{
	struct tm tm;
	tz_localtime(zone, now, &tm);
	t->date = content_date_make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	t->wday = tm.tm_wday;
	t->minute = tm.tm_hour * 60 + tm.tm_min;
}

static void distance(struct out *o, double m)
{
	if (m != m) /* NaN: no coordinates */
		return;
	if (m < 1000)
		out_fmt(o, " · %.0f m", m);
	else
		out_fmt(o, " · %.1f km", m / 1000);
}

static void tel(struct out *o, const char *number)
{
	out_raw(o, "<a href=\"tel:");
	for (const char *p = number; *p; p++) {
		if ((*p >= '0' && *p <= '9') || *p == '#' || *p == '+')
			out_bytes(o, p, 1);
	}
	out_raw(o, "\">");
	out_text(o, number);
	out_raw(o, "</a>");
}

static void lang_links(struct out *o, const char *site, enum help_lang l)
{
	static const char *const codes[3] = {"ja", "easy", "en"};
	static const char *const names[3] = {"日本語", "やさしい にほんご", "English"};
	out_raw(o, "<nav>");
	for (int i = 0; i < 3; i++) {
		if ((int)l == i) {
			out_fmt(o, "<b>%s</b> ", names[i]);
			continue;
		}
		out_raw(o, "<a href=\"/S/");
		out_url(o, site);
		out_fmt(o, "?l=%s\" hreflang=\"%s\">%s</a> ", codes[i], i == 2 ? "en" : "ja", names[i]);
	}
	out_raw(o, "</nav>");
}

static void hotlines(struct out *o, const struct content *c, enum help_lang l)
{
	out_fmt(o, "<h2>%s</h2><ul>", T(l, "全国の相談電話", "でんわで そうだん（ぜんこく）", "National hotlines"));
	for (size_t i = 0; c && i < c->n_hotlines; i++) {
		const struct content_hotline *h = &c->hotlines[i];
		out_raw(o, "<li><b>");
		out_text(o, h->name);
		out_raw(o, "</b> ");
		tel(o, h->number);
		if (h->hours[0]) {
			out_raw(o, " <small>");
			out_text(o, h->hours);
			out_raw(o, "</small>");
		}
		if (h->note[0]) {
			out_raw(o, "<br><small>");
			out_text(o, h->note);
			out_raw(o, "</small>");
		}
		out_raw(o, "</li>");
	}
	out_raw(o, "</ul>");
}

enum MHD_Result page_help(struct web *w, const char *site_in)
{
	const char *lq = web_arg(w, "l");
	enum help_lang l = H_JA;
	if (lq && strcmp(lq, "easy") == 0)
		l = H_EASY;
	else if (lq && strcmp(lq, "en") == 0)
		l = H_EN;
	struct content *c = web_published(w);
	const struct content_site *site = NULL;
	for (size_t i = 0; c && i < c->n_sites; i++) {
		if (strcasecmp(c->sites[i].id, site_in) == 0)
			site = &c->sites[i];
	}
	struct out o;
	out_init(&o);
	out_fmt(&o, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		    "<meta name=\"referrer\" content=\"no-referrer\"><meta name=\"robots\" content=\"noindex\"><title>",
		l == H_EN ? "en" : "ja");
	out_text(&o, T(l, "相談できるところ", "そうだん できる ところ", "Where to get help"));
	out_raw(&o, "</title><style>body{font-family:sans-serif;margin:0 auto;padding:.6em;max-width:36em;"
		    "line-height:1.5;color:#111;background:#fff}h1{font-size:1.3em}h2{font-size:1.1em;margin:1em 0 .3em}"
		    "ul{padding-left:1.1em}li{margin:.5em 0}a{color:#0645ad}nav{font-size:.9em}"
		    ".open{color:#0a6b0a;font-weight:bold}small{color:#444}</style></head><body>");
	lang_links(&o, site ? site->id : site_in, l);
	out_raw(&o, "<h1>");
	out_text(&o, T(l, "相談できるところ", "そうだん できる ところ", "Where to get help"));
	out_raw(&o, "</h1>");
	if (site) {
		out_raw(&o, "<p><small>");
		out_text(&o, T(l, "近くの窓口（", "ちかくの まどぐち（", "Near "));
		out_text(&o, site->name);
		out_text(&o, T(l, "）", "）", ""));
		out_raw(&o, "</small></p>");
		struct select_place here = {.has_coordinates = true, .lat = site->lat, .lon = site->lon,
					    .site_id = site->id};
		struct select_time now;
		local_now(w->o->cfg.timezone, w->now, &now);
		struct window_pick wp[WINDOWS_SHOWN];
		size_t nw = select_windows(c, &here, &now, wp, WINDOWS_SHOWN);
		out_fmt(&o, "<h2>%s</h2><ul id=\"windows\">",
			T(l, "相談窓口", "そうだんの まどぐち", "Consultation windows"));
		for (size_t i = 0; i < nw; i++) {
			const struct content_window *win = wp[i].window;
			out_raw(&o, "<li><b>");
			out_text(&o, win->name);
			out_raw(&o, "</b><br>");
			tel(&o, win->phone);
			distance(&o, wp[i].distance_m);
			out_raw(&o, "<br>");
			if (wp[i].when.open_now) {
				out_fmt(&o, "<span class=\"open\">%s ", T(l, "いま開いています", "いま あいています", "Open now"));
				out_text(&o, T(l, "（", "（", "(until "));
				hhmm(&o, wp[i].when.until);
				out_text(&o, T(l, "まで）", "まで）", ")"));
				out_raw(&o, "</span>");
			} else if (wp[i].when.next_date) {
				out_text(&o, T(l, "次に開く日: ", "つぎに あく ひ: ", "Next open: "));
				date_of(&o, l, wp[i].when.next_date);
				out_raw(&o, " ");
				hhmm(&o, wp[i].when.next_open);
				out_raw(&o, "–");
				hhmm(&o, wp[i].when.next_close);
			}
			if (win->address[0]) {
				out_raw(&o, "<br><small>");
				out_text(&o, win->address);
				out_raw(&o, "</small>");
			}
			out_raw(&o, "</li>");
		}
		if (nw == 0)
			out_fmt(&o, "<li>%s</li>", T(l, "登録された窓口はありません。", "まどぐちの じょうほうが ありません。",
						     "No windows are listed."));
		out_raw(&o, "</ul>");
		struct session_pick sp[SESSIONS_SHOWN];
		size_t ns = select_sessions(c, &here, &now, sp, SESSIONS_SHOWN);
		out_fmt(&o, "<h2>%s</h2><ul id=\"sessions\">",
			T(l, "出張相談会", "ちかくで そうだん できる ひ", "Outreach sessions"));
		for (size_t i = 0; i < ns; i++) {
			const struct content_session *s = sp[i].session;
			out_raw(&o, "<li>");
			date_of(&o, l, s->date);
			out_raw(&o, " ");
			hhmm(&o, s->start);
			out_raw(&o, "–");
			hhmm(&o, s->end);
			if (sp[i].ongoing)
				out_fmt(&o, " <span class=\"open\">%s</span>", T(l, "開催中", "いま やっています", "on now"));
			out_raw(&o, "<br><b>");
			out_text(&o, s->place);
			out_raw(&o, "</b>");
			distance(&o, sp[i].distance_m);
			if (s->note[0]) {
				out_raw(&o, "<br><small>");
				out_text(&o, s->note);
				out_raw(&o, "</small>");
			}
			out_raw(&o, "</li>");
		}
		if (ns == 0)
			out_fmt(&o, "<li>%s</li>", T(l, "予定された相談会はありません。", "いまは よていが ありません。",
						     "No sessions are planned."));
		out_raw(&o, "</ul>");
	} else {
		out_fmt(&o, "<p>%s</p>", T(l, "この場所の案内は見つかりませんでした。", "この ばしょの あんないが ありません。",
					   "There is no page for this place."));
	}
	hotlines(&o, c, l);
	out_fmt(&o, "<p><small>%s</small></p></body></html>\n",
		T(l, "このページは記録を取りません。", "この ページは きろくを とりません。",
		  "This page keeps no record of your visit."));
	content_free(c);
	return web_send(w, site ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, "text/html; charset=utf-8", &o);
}
