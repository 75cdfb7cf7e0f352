/*
 * content: see content.h and docs/content.md.
 *
 * Arrays are allocated at their final size (zeroed) before their items are
 * read, so a bundle that fails half-way is freed by content_free() like a
 * whole one: one cleanup path.
 */
#include "content.h"

#include <jansson.h>

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Caps: enough for a prefecture's windows and a programme's cards, small
 * enough that a kiosk parses a bundle in well under a second. */
#define MAX_HOTLINES 32
#define MAX_WINDOWS 1000
#define MAX_SESSIONS 2000
#define MAX_SITES 1000
#define MAX_DATES 1000
#define MAX_CARDS 20000
#define MAX_TAGS 16
#define MAX_MESSAGES_PER_LANGUAGE 256
#define MAX_LANGUAGES 8

#define LEN_ID 64
#define LEN_NAME 128
#define LEN_PHONE 32
#define LEN_TEXT 256
#define LEN_TAG 32
#define LEN_VERSION 64
#define LEN_URL 200
#define LEN_MESSAGE 512
#define LEN_KEY 64

struct ctx {
	char *err;
	size_t errlen;
};

static int fail(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/* Checks a display string: no control characters (jansson has checked UTF-8). */
static int check_text(struct ctx *x, const char *where, const char *s, size_t max, bool allow_empty)
{
	size_t len = strlen(s);
	if (len == 0 && !allow_empty)
		return fail(x, "%s: must not be empty", where);
	if (len > max)
		return fail(x, "%s: too long (%zu bytes; at most %zu)", where, len, max);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return fail(x, "%s: contains a control character", where);
	/* C1 controls (U+0080..U+009F) are C2 80..C2 9F in UTF-8. */
	for (const unsigned char *p = (const unsigned char *)s; p[0] && p[1]; p++)
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return fail(x, "%s: contains a control character", where);
	return 0;
}

/* A string member. required: missing is an error; else *out = "" . */
static int get_string(struct ctx *x, const json_t *obj, const char *key, const char *where,
		      bool required, size_t max, bool allow_empty, char **out)
{
	char path[160];
	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	json_t *v = json_object_get(obj, key);
	const char *s = "";
	if (!v) {
		if (required)
			return fail(x, "%s is required", path);
	} else if (!json_is_string(v)) {
		return fail(x, "%s: must be a string, not %s", path, type_name(v));
	} else {
		s = json_string_value(v);
		if (check_text(x, path, s, max, allow_empty || !required) != 0)
			return -1;
	}
	*out = strdup(s);
	return *out ? 0 : fail(x, "out of memory");
}

static int get_coordinate(struct ctx *x, const json_t *obj, const char *key, const char *where,
			  double limit, double *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return fail(x, "%s.%s is required", where, key);
	if (!json_is_number(v))
		return fail(x, "%s.%s: must be a number, not %s", where, key, type_name(v));
	double d = json_number_value(v);
	if (!isfinite(d) || d < -limit || d > limit)
		return fail(x, "%s.%s: %g is out of range (-%g to %g)", where, key, d, limit, limit);
	*out = d;
	return 0;
}

/* An array member with at most max items. Missing: error if required, else
 * NULL (an empty list). */
static int get_array(struct ctx *x, const json_t *obj, const char *key, const char *where,
		     bool required, size_t max, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return required ? fail(x, "%s%s%s is required", where, *where ? "." : "", key) : 0;
	if (!json_is_array(v))
		return fail(x, "%s%s%s: must be an array, not %s", where, *where ? "." : "", key,
			    type_name(v));
	if (json_array_size(v) > max)
		return fail(x, "%s%s%s: too many items (%zu; at most %zu)", where, *where ? "." : "",
			    key, json_array_size(v), max);
	*out = v;
	return 0;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

content_date_t content_date_make(int year, int month, int day)
{
	return (content_date_t)(year * 10000 + month * 100 + day);
}

/* Days since 1970-01-01 (Howard Hinnant's days_from_civil). */
static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static content_date_t civil_from_days(long z)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp + (mp < 10 ? 3 : -9);
	return content_date_make((int)(y + (m <= 2)), (int)m, (int)d);
}

content_date_t content_date_add_days(content_date_t date, int days)
{
	long z = days_from_civil(date / 10000, date / 100 % 100, date % 100);
	return civil_from_days(z + days);
}

int content_date_weekday(content_date_t date)
{
	long z = days_from_civil(date / 10000, date / 100 % 100, date % 100);
	return (int)((z % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
}

/* "YYYY-MM-DD", a real date from 2000 to 2199. */
static int parse_date(struct ctx *x, const char *where, const json_t *v, content_date_t *out)
{
	if (!json_is_string(v))
		return fail(x, "%s: must be a date string (YYYY-MM-DD), not %s", where, type_name(v));
	const char *s = json_string_value(v);
	int y, m, d;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    strspn(s, "0123456789") != 4 || strspn(s + 5, "0123456789") != 2 ||
	    strspn(s + 8, "0123456789") != 2 || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
	    y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return fail(x, "%s: \"%.12s\" is not a date (YYYY-MM-DD)", where, s);
	*out = content_date_make(y, m, d);
	return 0;
}

/* "HH:MM", 00:00 to 24:00. */
static int parse_time(struct ctx *x, const char *where, const json_t *v, uint16_t *out)
{
	if (!json_is_string(v))
		return fail(x, "%s: must be a time string (HH:MM), not %s", where, type_name(v));
	const char *s = json_string_value(v);
	if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return fail(x, "%s: \"%.8s\" is not a time (HH:MM)", where, s);
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return fail(x, "%s: \"%.8s\" is not a time (00:00 to 24:00)", where, s);
	*out = (uint16_t)(h * 60 + m);
	return 0;
}

static int compare_dates(const void *a, const void *b)
{
	content_date_t x = *(const content_date_t *)a, y = *(const content_date_t *)b;
	return (x > y) - (x < y);
}

/* A list of dates (sorted afterwards). */
static int get_dates(struct ctx *x, const json_t *obj, const char *key, const char *where,
		     bool required, content_date_t **out, size_t *n)
{
	json_t *arr;
	if (get_array(x, obj, key, where, required, MAX_DATES, &arr) != 0)
		return -1;
	*n = 0;
	if (!arr || json_array_size(arr) == 0)
		return 0;
	*out = calloc(json_array_size(arr), sizeof(**out));
	if (!*out)
		return fail(x, "out of memory");
	*n = json_array_size(arr);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		char path[160];
		snprintf(path, sizeof(path), "%s%s%s[%zu]", where, *where ? "." : "", key, i);
		if (parse_date(x, path, v, &(*out)[i]) != 0)
			return -1;
	}
	qsort(*out, *n, sizeof(**out), compare_dates);
	return 0;
}

static int get_tags(struct ctx *x, const json_t *obj, const char *key, const char *where,
		    char ***out, size_t *n)
{
	json_t *arr;
	*n = 0;
	if (get_array(x, obj, key, where, false, MAX_TAGS, &arr) != 0)
		return -1;
	if (!arr || json_array_size(arr) == 0)
		return 0;
	*out = calloc(json_array_size(arr), sizeof(char *));
	if (!*out)
		return fail(x, "out of memory");
	*n = json_array_size(arr);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		char path[160];
		snprintf(path, sizeof(path), "%s.%s[%zu]", where, key, i);
		if (!json_is_string(v))
			return fail(x, "%s: must be a string, not %s", path, type_name(v));
		if (check_text(x, path, json_string_value(v), LEN_TAG, false) != 0)
			return -1;
		(*out)[i] = strdup(json_string_value(v));
		if (!(*out)[i])
			return fail(x, "out of memory");
	}
	return 0;
}

static const char *const weekday_keys[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int get_hours(struct ctx *x, const json_t *obj, const char *where, struct content_hours *h)
{
	json_t *v = json_object_get(obj, "hours");
	memset(h, 0, sizeof(*h));
	if (!v)
		return fail(x, "%s.hours is required", where);
	if (!json_is_object(v))
		return fail(x, "%s.hours: must be an object, not %s", where, type_name(v));
	const char *day;
	json_t *spans;
	json_object_foreach(v, day, spans) {
		int wd = -1;
		for (int i = 0; i < 7; i++)
			if (strcmp(day, weekday_keys[i]) == 0)
				wd = i;
		if (wd < 0)
			return fail(x, "%s.hours: \"%.8s\" is not a weekday (mon, tue, wed, thu, fri, "
				    "sat, sun)", where, day);
		char path[160];
		snprintf(path, sizeof(path), "%s.hours.%s", where, day);
		if (!json_is_array(spans))
			return fail(x, "%s: must be an array of [open, close] pairs", path);
		if (json_array_size(spans) > CONTENT_SPANS_MAX)
			return fail(x, "%s: too many spans (at most %d)", path, CONTENT_SPANS_MAX);
		size_t i;
		json_t *span;
		json_array_foreach(spans, i, span) {
			char sp[200];
			snprintf(sp, sizeof(sp), "%s[%zu]", path, i);
			if (!json_is_array(span) || json_array_size(span) != 2)
				return fail(x, "%s: must be a pair [\"HH:MM\", \"HH:MM\"]", sp);
			uint16_t open, close;
			char tp[224];
			snprintf(tp, sizeof(tp), "%s[0]", sp);
			if (parse_time(x, tp, json_array_get(span, 0), &open) != 0)
				return -1;
			snprintf(tp, sizeof(tp), "%s[1]", sp);
			if (parse_time(x, tp, json_array_get(span, 1), &close) != 0)
				return -1;
			if (close <= open)
				return fail(x, "%s: closes before it opens (a span past midnight is two "
					    "spans, to 24:00 and from 00:00)", sp);
			for (unsigned k = 0; k < h->n[wd]; k++)
				if (open < h->close[wd][k] && h->open[wd][k] < close)
					return fail(x, "%s: overlaps another span", sp);
			h->open[wd][h->n[wd]] = open;
			h->close[wd][h->n[wd]] = close;
			h->n[wd]++;
		}
	}
	return 0;
}

static int get_object_item(struct ctx *x, const json_t *arr, size_t i, const char *what,
			   char *where, size_t wlen, json_t **out)
{
	snprintf(where, wlen, "%s[%zu]", what, i);
	*out = json_array_get(arr, i);
	if (!json_is_object(*out))
		return fail(x, "%s: must be an object, not %s", where, type_name(*out));
	return 0;
}

static int parse_hotlines(struct ctx *x, const json_t *root, struct content *c)
{
	json_t *arr;
	if (get_array(x, root, "hotlines", "", true, MAX_HOTLINES, &arr) != 0)
		return -1;
	c->hotlines = calloc(json_array_size(arr) + 1, sizeof(*c->hotlines));
	if (!c->hotlines)
		return fail(x, "out of memory");
	c->n_hotlines = json_array_size(arr);
	for (size_t i = 0; i < c->n_hotlines; i++) {
		char w[64];
		json_t *o;
		struct content_hotline *h = &c->hotlines[i];
		if (get_object_item(x, arr, i, "hotlines", w, sizeof(w), &o) != 0 ||
		    get_string(x, o, "name", w, true, LEN_NAME, false, &h->name) != 0 ||
		    get_string(x, o, "number", w, true, LEN_PHONE, false, &h->number) != 0 ||
		    get_string(x, o, "hours", w, false, LEN_TEXT, true, &h->hours) != 0 ||
		    get_string(x, o, "note", w, false, LEN_TEXT, true, &h->note) != 0)
			return -1;
	}
	return 0;
}

static int parse_windows(struct ctx *x, const json_t *root, struct content *c)
{
	json_t *arr;
	if (get_array(x, root, "windows", "", true, MAX_WINDOWS, &arr) != 0)
		return -1;
	c->windows = calloc(json_array_size(arr) + 1, sizeof(*c->windows));
	if (!c->windows)
		return fail(x, "out of memory");
	c->n_windows = json_array_size(arr);
	for (size_t i = 0; i < c->n_windows; i++) {
		char w[64];
		json_t *o;
		struct content_window *win = &c->windows[i];
		if (get_object_item(x, arr, i, "windows", w, sizeof(w), &o) != 0 ||
		    get_string(x, o, "id", w, true, LEN_ID, false, &win->id) != 0 ||
		    get_string(x, o, "name", w, true, LEN_NAME, false, &win->name) != 0 ||
		    get_string(x, o, "phone", w, true, LEN_PHONE, false, &win->phone) != 0 ||
		    get_string(x, o, "address", w, false, LEN_TEXT, true, &win->address) != 0 ||
		    get_coordinate(x, o, "lat", w, 90, &win->lat) != 0 ||
		    get_coordinate(x, o, "lon", w, 180, &win->lon) != 0 ||
		    get_tags(x, o, "topics", w, &win->topics, &win->n_topics) != 0 ||
		    get_tags(x, o, "languages", w, &win->languages, &win->n_languages) != 0 ||
		    get_hours(x, o, w, &win->hours) != 0 ||
		    get_dates(x, o, "closed_dates", w, false, &win->closed_dates,
			      &win->n_closed_dates) != 0)
			return -1;
	}
	return 0;
}

static int parse_sessions(struct ctx *x, const json_t *root, struct content *c)
{
	json_t *arr;
	if (get_array(x, root, "sessions", "", true, MAX_SESSIONS, &arr) != 0)
		return -1;
	c->sessions = calloc(json_array_size(arr) + 1, sizeof(*c->sessions));
	if (!c->sessions)
		return fail(x, "out of memory");
	c->n_sessions = json_array_size(arr);
	for (size_t i = 0; i < c->n_sessions; i++) {
		char w[64], p[96];
		json_t *o, *v;
		struct content_session *s = &c->sessions[i];
		if (get_object_item(x, arr, i, "sessions", w, sizeof(w), &o) != 0)
			return -1;
		static const char *const req[] = {"date", "start", "end"};
		for (size_t k = 0; k < 3; k++)
			if (!json_object_get(o, req[k]))
				return fail(x, "%s.%s is required", w, req[k]);
		snprintf(p, sizeof(p), "%s.date", w);
		if (parse_date(x, p, json_object_get(o, "date"), &s->date) != 0)
			return -1;
		snprintf(p, sizeof(p), "%s.start", w);
		if (parse_time(x, p, json_object_get(o, "start"), &s->start) != 0)
			return -1;
		snprintf(p, sizeof(p), "%s.end", w);
		v = json_object_get(o, "end");
		if (parse_time(x, p, v, &s->end) != 0)
			return -1;
		if (s->end <= s->start)
			return fail(x, "%s: ends before it starts", w);
		if (get_string(x, o, "place", w, true, LEN_NAME, false, &s->place) != 0 ||
		    get_string(x, o, "note", w, false, LEN_TEXT, true, &s->note) != 0 ||
		    get_coordinate(x, o, "lat", w, 90, &s->lat) != 0 ||
		    get_coordinate(x, o, "lon", w, 180, &s->lon) != 0)
			return -1;
	}
	return 0;
}

static int parse_sites(struct ctx *x, const json_t *root, struct content *c)
{
	json_t *arr;
	if (get_array(x, root, "sites", "", true, MAX_SITES, &arr) != 0)
		return -1;
	c->sites = calloc(json_array_size(arr) + 1, sizeof(*c->sites));
	if (!c->sites)
		return fail(x, "out of memory");
	c->n_sites = json_array_size(arr);
	for (size_t i = 0; i < c->n_sites; i++) {
		char w[64];
		json_t *o;
		struct content_site *s = &c->sites[i];
		if (get_object_item(x, arr, i, "sites", w, sizeof(w), &o) != 0 ||
		    get_string(x, o, "id", w, true, LEN_ID, false, &s->id) != 0 ||
		    get_string(x, o, "name", w, true, LEN_NAME, false, &s->name) != 0 ||
		    get_coordinate(x, o, "lat", w, 90, &s->lat) != 0 ||
		    get_coordinate(x, o, "lon", w, 180, &s->lon) != 0 ||
		    get_hours(x, o, w, &s->hours) != 0)
			return -1;
	}
	return 0;
}

static int parse_cards(struct ctx *x, const json_t *root, const char *key,
		       char (**out)[CONTENT_CARD_ID_LEN + 1], size_t *n)
{
	json_t *arr;
	if (get_array(x, root, key, "", true, MAX_CARDS, &arr) != 0)
		return -1;
	*out = calloc(json_array_size(arr) + 1, sizeof(**out));
	if (!*out)
		return fail(x, "out of memory");
	*n = json_array_size(arr);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_is_string(v) ? json_string_value(v) : "";
		if (strlen(s) != CONTENT_CARD_ID_LEN ||
		    strspn(s, "0123456789abcdef") != CONTENT_CARD_ID_LEN)
			return fail(x, "%s[%zu]: a card_id is %d lowercase hex digits", key, i,
				    CONTENT_CARD_ID_LEN);
		memcpy((*out)[i], s, CONTENT_CARD_ID_LEN + 1);
	}
	return 0;
}

static int parse_messages(struct ctx *x, const json_t *root, struct content *c)
{
	json_t *langs = json_object_get(root, "messages");
	if (!langs)
		return fail(x, "messages is required (an object, {} when there are none)");
	if (!json_is_object(langs))
		return fail(x, "messages: must be an object, not %s", type_name(langs));
	if (json_object_size(langs) > MAX_LANGUAGES)
		return fail(x, "messages: too many languages (at most %d)", MAX_LANGUAGES);
	size_t total = 0;
	const char *lang;
	json_t *texts;
	json_object_foreach(langs, lang, texts) {
		if (!json_is_object(texts))
			return fail(x, "messages.%.16s: must be an object of texts", lang);
		if (json_object_size(texts) > MAX_MESSAGES_PER_LANGUAGE)
			return fail(x, "messages.%.16s: too many texts (at most %d)", lang,
				    MAX_MESSAGES_PER_LANGUAGE);
		total += json_object_size(texts);
	}
	c->messages = calloc(total + 1, sizeof(*c->messages));
	if (!c->messages)
		return fail(x, "out of memory");
	json_object_foreach(langs, lang, texts) {
		if (strlen(lang) == 0 || strlen(lang) > 16 ||
		    strspn(lang, "abcdefghijklmnopqrstuvwxyz-") != strlen(lang))
			return fail(x, "messages: \"%.16s\" is not a language tag (like ja, ja-easy, en)",
				    lang);
		const char *key;
		json_t *text;
		json_object_foreach(texts, key, text) {
			char path[160];
			snprintf(path, sizeof(path), "messages.%s.%.64s", lang, key);
			if (strlen(key) == 0 || strlen(key) > LEN_KEY ||
			    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(key))
				return fail(x, "%s: a message key is lowercase letters, digits and '_'",
					    path);
			if (!json_is_string(text))
				return fail(x, "%s: must be a string, not %s", path, type_name(text));
			/* Texts may hold line breaks, nothing else below a space. */
			const char *s = json_string_value(text);
			if (strlen(s) > LEN_MESSAGE)
				return fail(x, "%s: too long (at most %d bytes)", path, LEN_MESSAGE);
			for (const unsigned char *p = (const unsigned char *)s; *p; p++)
				if ((*p < 0x20 && *p != '\n') || *p == 0x7F)
					return fail(x, "%s: contains a control character", path);
			struct content_message *m = &c->messages[c->n_messages++];
			m->language = strdup(lang);
			m->key = strdup(key);
			m->text = strdup(s);
			if (!m->language || !m->key || !m->text)
				return fail(x, "out of memory");
		}
	}
	return 0;
}

static int check_url_template(struct ctx *x, const char *t)
{
	if (!*t)
		return 0;
	if (strncasecmp(t, "https://", 8) != 0 && strncasecmp(t, "http://", 7) != 0)
		return fail(x, "help_url_template: must start with https:// (or be \"\" for no QR "
			    "code)");
	for (const char *p = t; *p; p++)
		if (*p <= ' ' || *p > '~')
			return fail(x, "help_url_template: only printable ASCII without spaces");
	const char *site = strstr(t, "{site}");
	if (site && strstr(site + 1, "{site}"))
		return fail(x, "help_url_template: \"{site}\" may appear once");
	return 0;
}

int content_parse(const char *json, size_t len, struct content **out, char *err, size_t errlen)
{
	struct ctx x = {err, errlen};
	*out = NULL;
	if (len > CONTENT_MAX_BYTES)
		return fail(&x, "the bundle is %zu bytes; at most %d", len, CONTENT_MAX_BYTES);
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jansson quotes the input after "near"; a bundle read from an
		 * arbitrary file must not be echoed back, so cut that off. */
		char *near = strstr(jerr.text, " near ");
		if (near)
			*near = '\0';
		return fail(&x, "not valid JSON: line %d, column %d: %s", jerr.line, jerr.column,
			    jerr.text);
	}
	struct content *c = calloc(1, sizeof(*c));
	if (!c) {
		json_decref(root);
		return fail(&x, "out of memory");
	}
	int rc = -1;
	if (!json_is_object(root)) {
		fail(&x, "the bundle must be a JSON object, not %s", type_name(root));
		goto done;
	}
	if (get_string(&x, root, "version", "", true, LEN_VERSION, false, &c->version) != 0 ||
	    get_string(&x, root, "generated_at", "", true, LEN_VERSION, false, &c->generated_at) != 0)
		goto done;
	if (!json_object_get(root, "help_url_template")) {
		fail(&x, "help_url_template is required (\"\" for no QR code)");
		goto done;
	}
	if (get_string(&x, root, "help_url_template", "", false, LEN_URL, true,
		       &c->help_url_template) != 0 ||
	    check_url_template(&x, c->help_url_template) != 0 ||
	    parse_hotlines(&x, root, c) != 0 || parse_windows(&x, root, c) != 0 ||
	    parse_sessions(&x, root, c) != 0 || parse_sites(&x, root, c) != 0 ||
	    get_dates(&x, root, "holidays", "", true, &c->holidays, &c->n_holidays) != 0 ||
	    parse_cards(&x, root, "issued_cards", &c->issued_cards, &c->n_issued_cards) != 0 ||
	    parse_cards(&x, root, "revoked_cards", &c->revoked_cards, &c->n_revoked_cards) != 0 ||
	    parse_messages(&x, root, c) != 0)
		goto done;
	rc = 0;
done:
	json_decref(root);
	if (rc != 0) {
		content_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static void free_tags(char **tags, size_t n)
{
	for (size_t i = 0; tags && i < n; i++)
		free(tags[i]);
	free(tags);
}

void content_free(struct content *c)
{
	if (!c)
		return;
	free(c->version);
	free(c->generated_at);
	free(c->help_url_template);
	for (size_t i = 0; c->hotlines && i < c->n_hotlines; i++) {
		free(c->hotlines[i].name);
		free(c->hotlines[i].number);
		free(c->hotlines[i].hours);
		free(c->hotlines[i].note);
	}
	free(c->hotlines);
	for (size_t i = 0; c->windows && i < c->n_windows; i++) {
		struct content_window *w = &c->windows[i];
		free(w->id);
		free(w->name);
		free(w->phone);
		free(w->address);
		free_tags(w->topics, w->n_topics);
		free_tags(w->languages, w->n_languages);
		free(w->closed_dates);
	}
	free(c->windows);
	for (size_t i = 0; c->sessions && i < c->n_sessions; i++) {
		free(c->sessions[i].place);
		free(c->sessions[i].note);
	}
	free(c->sessions);
	for (size_t i = 0; c->sites && i < c->n_sites; i++) {
		free(c->sites[i].id);
		free(c->sites[i].name);
	}
	free(c->sites);
	free(c->holidays);
	free(c->issued_cards);
	free(c->revoked_cards);
	for (size_t i = 0; c->messages && i < c->n_messages; i++) {
		free(c->messages[i].language);
		free(c->messages[i].key);
		free(c->messages[i].text);
	}
	free(c->messages);
	free(c);
}

bool content_hours_open_at(const struct content_hours *h, int wday, int minute)
{
	if (wday < 0 || wday > 6)
		return false;
	for (unsigned k = 0; k < h->n[wday]; k++)
		if (minute >= h->open[wday][k] && minute < h->close[wday][k])
			return true;
	return false;
}

bool content_date_in(const content_date_t *dates, size_t n, content_date_t date)
{
	return n > 0 && bsearch(&date, dates, n, sizeof(*dates), compare_dates) != NULL;
}

const char *content_message(const struct content *c, const char *language, const char *key)
{
	for (size_t i = 0; c && i < c->n_messages; i++)
		if (strcmp(c->messages[i].language, language) == 0 &&
		    strcmp(c->messages[i].key, key) == 0)
			return c->messages[i].text;
	return NULL;
}

int content_help_url(const struct content *c, const char *site_id, char *out, size_t len)
{
	if (!c || !c->help_url_template[0])
		return -1;
	const char *t = c->help_url_template;
	const char *at = strstr(t, "{site}");
	int n = at ? snprintf(out, len, "%.*s%s%s", (int)(at - t), t, site_id, at + 6)
		   : snprintf(out, len, "%s", t);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
