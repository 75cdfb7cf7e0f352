/*
 * screens: see screens.h. Each screen is a title and a few lines; the
 * layout helpers below handle the two panel sizes, so each screen says only
 * what it shows.
 */
#include "screens.h"

#include <stdio.h>
#include <string.h>

#include "messages.h"
#include "text.h"
#include "tz.h"

/* Colours of the RGB screens: light text on a dark ground (an OLED's look,
 * and calm), each kind of screen with its own title colour. */
#define RGB_BG 0x0B1320
#define RGB_FG 0xFFFFFF
#define RGB_DIM 0xB0BEC5
#define ACCENT_IDLE 0x1F4E79
#define ACCENT_GRANTED 0x2E7D32
#define ACCENT_DENIED 0xA15C00
#define ACCENT_READER 0x546E7A
#define ACCENT_STAFF 0x4A148C
#define ACCENT_HELP 0x00695C

/* Smallest QR modules we draw: 2 px on the OLED (about 0.34 mm: the trial's
 * zbarimg and phones read it held close), 3 px on larger screens. */
#define QR_MIN_MODULE_SMALL 2
#define QR_MIN_MODULE_LARGE 3

struct layout {
	struct canvas *c;
	struct font *f;
	const struct screen_env *env;
	bool large, mono;
	int W, H, pad, title_h, line_h, body_top;
	uint32_t bg, fg, dim, accent, title_fg;
	unsigned breaks; /* TEXT_BREAK_AT_SPACES for languages written with spaces */
	int y; /* next free line in the body */
	int x, w; /* the text column */
};

static const char *msg(const struct layout *L, enum message_id id)
{
	return messages_get(L->env->language, id, L->env->content);
}

static void layout_init(struct layout *L, struct canvas *c, const struct screen_env *env,
			uint32_t accent)
{
	memset(L, 0, sizeof(*L));
	L->c = c;
	L->env = env;
	L->W = c->width;
	L->H = c->height;
	L->large = c->height >= 160;
	L->f = L->large ? env->font_large : env->font_small;
	L->mono = c->format == CANVAS_MONO;
	int fh = font_height(L->f);
	L->pad = L->large ? 6 : 1;
	L->title_h = L->large ? fh + 10 : fh + 1;
	L->line_h = L->large ? fh + 3 : fh;
	L->body_top = L->title_h + (L->large ? 8 : 2);
	L->bg = L->mono ? 0 : RGB_BG;
	L->fg = L->mono ? 1 : RGB_FG;
	L->dim = L->mono ? 1 : RGB_DIM;
	L->accent = L->mono ? 1 : accent;
	L->title_fg = L->mono ? 0 : RGB_FG;
	L->breaks = env->language == LANGUAGE_JA_EASY ? TEXT_BREAK_AT_SPACES : 0;
	L->y = L->body_top;
	L->x = L->pad + (L->large ? 2 : 0);
	L->w = L->W - 2 * L->x;
	canvas_clear(c, L->bg);
}

static int lines_left(const struct layout *L)
{
	int left = (L->H - L->y) / L->line_h;
	return left > 0 ? left : 0;
}

/* A title bar across [x, x + w). */
static void title(struct layout *L, const char *text, int x, int w)
{
	canvas_fill_rect(L->c, x, 0, w, L->title_h, L->accent);
	int top = (L->title_h - font_height(L->f)) / 2;
	text_draw_wrapped(L->f, L->c, x + L->pad + (L->large ? 2 : 0), top,
			  w - 2 * L->pad - (L->large ? 2 : 0), 1, L->line_h, L->breaks, text,
			  L->title_fg, NULL);
}

/* Text in the column from the current line, at most max_lines. */
static void para(struct layout *L, const char *text, int max_lines, uint32_t color)
{
	int left = lines_left(L);
	if (max_lines <= 0 || max_lines > left)
		max_lines = left;
	int n = text_draw_wrapped(L->f, L->c, L->x, L->y, L->w, max_lines, L->line_h, L->breaks,
				  text, color, NULL);
	L->y += n * L->line_h;
}

static void line(struct layout *L, const char *text, uint32_t color) { para(L, text, 1, color); }

static void gap(struct layout *L)
{
	if (L->large)
		L->y += L->line_h / 2;
}

/* ---- dates and times ---- */

static void fmt_time(unsigned minute, char *out, size_t len)
{
	snprintf(out, len, "%u:%02u", (minute / 60) % 100, minute % 60);
}

static void fmt_date(const struct layout *L, content_date_t date, char *out, size_t len)
{
	char m[8], d[8];
	snprintf(m, sizeof(m), "%d", (int)(date / 100 % 100));
	snprintf(d, sizeof(d), "%d", (int)(date % 100));
	int month = date / 100 % 100;
	struct message_arg args[] = {
		{"m", m},
		{"d", d},
		{"wd", msg(L, (enum message_id)(MSG_day_0 + content_date_weekday(date)))},
		{"mon", msg(L, (enum message_id)(MSG_month_1 + (month >= 1 && month <= 12 ? month - 1 : 0)))},
	};
	messages_format(out, len, msg(L, MSG_date_format), args, 4);
}

/* "today", "tomorrow" or the date. */
static void fmt_day(const struct layout *L, content_date_t date, content_date_t today, char *out,
		    size_t len)
{
	if (date == today)
		snprintf(out, len, "%s", msg(L, MSG_today));
	else if (date == content_date_add_days(today, 1))
		snprintf(out, len, "%s", msg(L, MSG_tomorrow));
	else
		fmt_date(L, date, out, len);
}

static struct select_time local_now(const struct screen_env *env)
{
	struct tm tm;
	tz_localtime(env->timezone, env->now, &tm);
	struct select_time t = {
		.date = content_date_make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday),
		.wday = tm.tm_wday,
		.minute = tm.tm_hour * 60 + tm.tm_min,
	};
	return t;
}

/* "open until 17:15" or "opens tomorrow 8:45". */
static void fmt_opening(const struct layout *L, const struct select_opening *o,
			content_date_t today, char *out, size_t len)
{
	char t[16], day[64];
	if (o->open_now) {
		fmt_time(o->until, t, sizeof(t));
		struct message_arg args[] = {{"time", t}};
		messages_format(out, len, msg(L, MSG_idle_open_until), args, 1);
		return;
	}
	fmt_time(o->next_open, t, sizeof(t));
	fmt_day(L, o->next_date, today, day, sizeof(day));
	struct message_arg args[] = {{"day", day}, {"time", t}};
	messages_format(out, len, msg(L, MSG_idle_opens_at), args, 2);
}

/* ---- the QR code ---- */

/*
 * Lays out a screen with the help QR code: on a small screen the code takes
 * the right side and the title and text share the left column; on a large
 * one the title spans the top and the code sits at the right below it.
 * Returns true if the code was drawn (else the column is the whole width).
 */
static bool qr_layout(struct layout *L, const char *title_text, struct screen_report *rep)
{
	char url[QR_URL_MAX + 1], err[160];
	rep->wants_qr = true;
	const struct screen_env *env = L->env;
	struct qr_code qr;
	if (content_help_url(env->content, env->place.site_id ? env->place.site_id : "", url,
			     sizeof(url)) != 0) {
		snprintf(rep->problem, sizeof(rep->problem), "no help URL in the content bundle");
		title(L, title_text, 0, L->W);
		return false;
	}
	if (qr_encode(url, &qr, err, sizeof(err)) != 0) {
		snprintf(rep->problem, sizeof(rep->problem), "%s", err);
		title(L, title_text, 0, L->W);
		return false;
	}
	int box = L->large ? L->H - L->title_h - 2 * L->pad : L->H;
	if (L->large && box > L->W * 45 / 100)
		box = L->W * 45 / 100;
	int module = qr_fit(&qr, box, L->large ? QR_MIN_MODULE_LARGE : QR_MIN_MODULE_SMALL);
	if (module == 0) {
		snprintf(rep->problem, sizeof(rep->problem),
			 "help URL too long to fit: %zu characters need QR version %d (%d modules "
			 "and a %d-module quiet zone), more than %d px at %d px a module",
			 strlen(qr.text), qr.version, qr.width, QR_QUIET_MODULES, box,
			 L->large ? QR_MIN_MODULE_LARGE : QR_MIN_MODULE_SMALL);
		qr_free(&qr);
		title(L, title_text, 0, L->W);
		return false;
	}
	int side = qr_side(&qr, module);
	int x, y;
	if (L->large) {
		title(L, title_text, 0, L->W);
		x = L->W - side - L->pad;
		y = L->title_h + (L->H - L->title_h - side) / 2;
		L->w = x - L->x - 2 * L->pad;
	} else {
		x = L->W - side;
		y = (L->H - side) / 2;
		L->w = x - L->x - 2;
		/* The title in the column, on its own bar, as many lines as it needs (2 at most). */
		struct text_line tl[2];
		size_t n = text_break(L->f, title_text, strlen(title_text), L->w, L->breaks, tl, 2);
		int rows = n > 2 ? 2 : (int)n;
		canvas_fill_rect(L->c, 0, 0, x - 1, rows * L->line_h + 1, L->accent);
		text_draw_wrapped(L->f, L->c, L->x, 1, L->w, rows, L->line_h, L->breaks, title_text,
				  L->title_fg, NULL);
		L->y = rows * L->line_h + 2;
	}
	qr_draw(&qr, L->c, x, y, module);
	rep->qr_drawn = true;
	rep->qr_x = x;
	rep->qr_y = y;
	rep->qr_side = side;
	rep->qr_module = module;
	rep->qr_version = qr.version;
	snprintf(rep->qr_text, sizeof(rep->qr_text), "%s", qr.text);
	qr_free(&qr);
	return true;
}

static void hotlines(struct layout *L, size_t max)
{
	const struct content *c = L->env->content;
	size_t n = c ? c->n_hotlines : 0;
	if (n == 0) {
		para(L, msg(L, MSG_idle_no_hotlines), 0, L->fg);
		return;
	}
	for (size_t i = 0; i < n && i < max && lines_left(L) >= 2; i++) {
		const struct content_hotline *h = &c->hotlines[i];
		line(L, h->name, L->fg);
		/* The hours fit beside the number only on a large screen. */
		char buf[320];
		snprintf(buf, sizeof(buf), "%s %s", h->number, L->large ? h->hours : "");
		line(L, buf, L->dim);
		gap(L);
	}
}

/* ---- the screens ---- */

static void idle_windows(struct layout *L)
{
	title(L, msg(L, MSG_idle_windows_title), 0, L->W);
	struct select_time now = local_now(L->env);
	struct window_pick picks[4];
	size_t n = select_windows(L->env->content, &L->env->place, &now, picks, L->large ? 4 : 2);
	if (n == 0) {
		para(L, msg(L, MSG_idle_no_windows), 0, L->fg);
		return;
	}
	for (size_t i = 0; i < n && lines_left(L) >= (L->large ? 2 : 3); i++) {
		const struct content_window *w = picks[i].window;
		char when[160], buf[256];
		fmt_opening(L, &picks[i].when, now.date, when, sizeof(when));
		line(L, w->name, L->fg);
		if (L->large) {
			snprintf(buf, sizeof(buf), "%s %s", w->phone, when);
			line(L, buf, L->dim);
		} else {
			/* A 128-px line holds the number or the hours, not both. */
			line(L, w->phone, L->fg);
			line(L, when, L->dim);
		}
		gap(L);
	}
}

static void idle_session(struct layout *L)
{
	title(L, msg(L, MSG_idle_session_title), 0, L->W);
	struct select_time now = local_now(L->env);
	struct session_pick pick;
	if (select_sessions(L->env->content, &L->env->place, &now, &pick, 1) == 0) {
		para(L, msg(L, MSG_idle_no_session), 0, L->fg);
		return;
	}
	const struct content_session *s = pick.session;
	char start[16], end[16], day[64], when[160];
	fmt_time(s->start, start, sizeof(start));
	fmt_time(s->end, end, sizeof(end));
	fmt_day(L, s->date, now.date, day, sizeof(day));
	struct message_arg args[] = {{"day", day}, {"start", start}, {"end", end}};
	messages_format(when, sizeof(when),
			msg(L, pick.ongoing ? MSG_idle_session_now : MSG_idle_session_when), args, 3);
	para(L, when, 2, L->fg);
	para(L, s->place, 2, L->fg);
	if (s->note[0])
		para(L, s->note, 0, L->dim);
}

static void idle_howto(struct layout *L, struct screen_report *rep)
{
	qr_layout(L, msg(L, MSG_idle_howto_title), rep);
	para(L, msg(L, MSG_idle_howto_body), 0, L->fg);
}

static void granted(struct layout *L)
{
	title(L, msg(L, MSG_granted_title), 0, L->W);
	para(L, msg(L, MSG_granted_body), 0, L->fg);
}

static void denied(struct layout *L, const struct screen_state *s)
{
	enum message_id t = MSG_denied_title, body = MSG_denied_limit_body;
	switch (s->denial) {
	case DENIAL_LIMIT:
		break;
	case DENIAL_REVOKED:
		body = MSG_denied_revoked_body;
		break;
	case DENIAL_NOT_ISSUED:
		body = MSG_denied_not_issued_body;
		break;
	case DENIAL_UNUSABLE_CARD:
		body = MSG_denied_unusable_body;
		break;
	case DENIAL_OUT_OF_SERVICE:
		t = MSG_out_of_service_title;
		body = MSG_out_of_service_body;
		break;
	case DENIAL_ERROR:
		t = MSG_error_title;
		body = MSG_error_body;
		break;
	}
	title(L, msg(L, t), 0, L->W);
	if (s->denial != DENIAL_LIMIT) {
		para(L, msg(L, body), 0, L->fg);
		return;
	}
	struct tm tm;
	tz_localtime(L->env->timezone, s->next_eligible, &tm);
	char date[96], text[320];
	fmt_date(L, content_date_make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday), date,
		 sizeof(date));
	struct message_arg args[] = {{"date", date}};
	messages_format(text, sizeof(text), msg(L, body), args, 1);
	para(L, text, 0, L->fg);
}

static void out_of_stock(struct layout *L)
{
	title(L, msg(L, MSG_out_of_stock_title), 0, L->W);
	struct select_time now = local_now(L->env);
	struct site_pick picks[4];
	size_t n = select_sites(L->env->content, &L->env->place, &now, picks, L->large ? 4 : 2);
	if (n == 0) {
		para(L, msg(L, MSG_out_of_stock_none), 0, L->fg);
		return;
	}
	line(L, msg(L, MSG_out_of_stock_body), L->dim);
	for (size_t i = 0; i < n && lines_left(L) >= 1; i++) {
		line(L, picks[i].site->name, L->fg);
		if (L->large && lines_left(L) >= 1) {
			char when[160];
			fmt_opening(L, &picks[i].when, now.date, when, sizeof(when));
			line(L, when, L->dim);
		}
	}
}

static void staff(struct layout *L, const struct screen_state *s)
{
	title(L, msg(L, MSG_staff_title), 0, L->W);
	char n[32], text[160];
	snprintf(n, sizeof(n), "%lld", (long long)s->stock);
	struct message_arg a1[] = {{"n", n}};
	messages_format(text, sizeof(text), msg(L, MSG_staff_stock), a1, 1);
	line(L, text, L->fg);
	snprintf(n, sizeof(n), "%lld", (long long)s->today_handouts);
	messages_format(text, sizeof(text), msg(L, MSG_staff_today), a1, 1);
	line(L, text, L->fg);
	enum message_id state = s->sync == SCREEN_SYNC_OK        ? MSG_staff_sync_ok
				 : s->sync == SCREEN_SYNC_PENDING ? MSG_staff_sync_pending
				 : s->sync == SCREEN_SYNC_FAILING ? MSG_staff_sync_failing
								  : MSG_staff_sync_none;
	struct message_arg a2[] = {{"state", msg(L, state)}};
	messages_format(text, sizeof(text), msg(L, MSG_staff_sync), a2, 1);
	line(L, text, L->fg);
	if (s->stock_low)
		line(L, msg(L, MSG_staff_low), L->fg);
}

static void help(struct layout *L, struct screen_report *rep)
{
	if (qr_layout(L, msg(L, MSG_help_title), rep)) {
		para(L, msg(L, MSG_help_body), 0, L->fg);
		return;
	}
	/* No code: the phone numbers are the way to help. */
	if (strstr(rep->problem, "too long"))
		line(L, msg(L, MSG_help_qr_unavailable), L->dim);
	line(L, msg(L, MSG_help_no_qr), L->fg);
	hotlines(L, L->large ? 4 : 2);
}

void screens_render(struct canvas *c, const struct screen_state *s, const struct screen_env *env,
		    struct screen_report *rep)
{
	struct screen_report scratch;
	if (!rep)
		rep = &scratch;
	memset(rep, 0, sizeof(*rep));
	uint32_t accent = ACCENT_IDLE;
	switch (s->kind) {
	case SCREEN_IDLE: accent = ACCENT_IDLE; break;
	case SCREEN_GRANTED: accent = ACCENT_GRANTED; break;
	case SCREEN_DENIED:
	case SCREEN_OUT_OF_STOCK: accent = ACCENT_DENIED; break;
	case SCREEN_READER_UNAVAILABLE: accent = ACCENT_READER; break;
	case SCREEN_STAFF: accent = ACCENT_STAFF; break;
	case SCREEN_HELP: accent = ACCENT_HELP; break;
	}
	struct layout L;
	layout_init(&L, c, env, accent);
	switch (s->kind) {
	case SCREEN_IDLE:
		switch (s->page) {
		case IDLE_PAGE_WINDOWS:
		case IDLE_PAGE_COUNT:
			idle_windows(&L);
			break;
		case IDLE_PAGE_SESSION:
			idle_session(&L);
			break;
		case IDLE_PAGE_HOTLINES:
			title(&L, msg(&L, MSG_idle_hotlines_title), 0, L.W);
			hotlines(&L, L.large ? 5 : 2);
			break;
		case IDLE_PAGE_HOWTO:
			idle_howto(&L, rep);
			break;
		}
		/* Burn-in: the whole idle picture moves a pixel or two over time. */
		canvas_shift(c, s->shift_x, s->shift_y, L.bg);
		if (rep->qr_drawn) {
			rep->qr_x += s->shift_x;
			rep->qr_y += s->shift_y;
		}
		break;
	case SCREEN_GRANTED:
		granted(&L);
		break;
	case SCREEN_DENIED:
		denied(&L, s);
		break;
	case SCREEN_OUT_OF_STOCK:
		out_of_stock(&L);
		break;
	case SCREEN_READER_UNAVAILABLE:
		title(&L, msg(&L, MSG_reader_title), 0, L.W);
		para(&L, msg(&L, MSG_reader_body), 0, L.fg);
		break;
	case SCREEN_STAFF:
		staff(&L, s);
		break;
	case SCREEN_HELP:
		help(&L, rep);
		break;
	}
}

const char *screen_name(const struct screen_state *s)
{
	static const char *const idle[] = {"idle-windows", "idle-session", "idle-hotlines",
					   "idle-howto"};
	static const char *const denial[] = {"denied-limit",   "denied-revoked",
					     "denied-not-issued", "denied-unusable-card",
					     "out-of-service", "error"};
	switch (s->kind) {
	case SCREEN_IDLE:
		return (unsigned)s->page < IDLE_PAGE_COUNT ? idle[s->page] : "idle";
	case SCREEN_GRANTED:
		return "granted";
	case SCREEN_DENIED:
		return (unsigned)s->denial <= DENIAL_ERROR ? denial[s->denial] : "denied";
	case SCREEN_OUT_OF_STOCK:
		return "out-of-stock";
	case SCREEN_READER_UNAVAILABLE:
		return "reader-unavailable";
	case SCREEN_STAFF:
		return "staff";
	case SCREEN_HELP:
		return "help";
	}
	return "unknown";
}

size_t screens_all(struct screen_state *out, size_t max)
{
	struct screen_state all[16];
	size_t n = 0;
	memset(all, 0, sizeof(all));
	for (int p = 0; p < IDLE_PAGE_COUNT; p++) {
		all[n].kind = SCREEN_IDLE;
		all[n++].page = (enum screen_idle_page)p;
	}
	all[n++].kind = SCREEN_GRANTED;
	for (int d = DENIAL_LIMIT; d <= DENIAL_ERROR; d++) {
		all[n].kind = SCREEN_DENIED;
		all[n++].denial = (enum screen_denial)d;
	}
	all[n++].kind = SCREEN_OUT_OF_STOCK;
	all[n++].kind = SCREEN_READER_UNAVAILABLE;
	all[n].kind = SCREEN_STAFF;
	all[n].stock = 7;
	all[n].today_handouts = 12;
	all[n++].stock_low = true;
	all[n++].kind = SCREEN_HELP;
	for (size_t i = 0; i < n && i < max; i++)
		out[i] = all[i];
	return n;
}
