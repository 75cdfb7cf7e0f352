/*
 * content_rows: see content_rows.h.
 */
#include "content_rows.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "publish.h"

void row_errors_init(struct row_errors *e)
{
	out_init(&e->text);
	e->n = 0;
}

void row_errors_free(struct row_errors *e) { out_free(&e->text); }

void row_error(struct row_errors *e, int line, const char *field, const char *fmt, ...)
{
	e->n++;
	if (e->n > CONTENT_ROWS_ERRORS_MAX)
		return;
	if (line > 0)
		out_fmt(&e->text, "line %d, %s: ", line, field);
	else if (field)
		out_fmt(&e->text, "%s: ", field);
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_raw(&e->text, msg);
	out_raw(&e->text, "\n");
	if (e->n == CONTENT_ROWS_ERRORS_MAX)
		out_raw(&e->text, "(more problems not shown)\n");
}

/* A value shown inside a message: at most 40 bytes, no control characters. */
static const char *shown(const char *v, char *buf, size_t len)
{
	size_t j = 0;
	for (size_t i = 0; v[i] && j + 4 < len && i < 40; i++)
		buf[j++] = (unsigned char)v[i] < 0x20 ? '?' : v[i];
	buf[j] = '\0';
	return buf;
}

static const char *value(row_get_fn get, void *ctx, const char *field)
{
	const char *v = get(ctx, field);
	return v ? v : "";
}

/* Trimmed copy (spaces, tabs, full-width spaces). */
static char *trimmed(const char *v)
{
	while (*v == ' ' || *v == '\t' || strncmp(v, "\xE3\x80\x80", 3) == 0)
		v += *v == ' ' || *v == '\t' ? 1 : 3;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, v, n);
		s[n] = '\0';
	}
	return s;
}

static int text_field(json_t *o, row_get_fn get, void *ctx, const char *field, bool required,
		      int line, struct row_errors *e)
{
	char *v = trimmed(value(get, ctx, field));
	if (!v)
		return -1;
	if (!v[0] && required) {
		row_error(e, line, field, "is required");
		free(v);
		return -1;
	}
	json_object_set_new(o, field, json_string(v));
	free(v);
	return 0;
}

static int number_field(json_t *o, row_get_fn get, void *ctx, const char *field, double limit,
			int line, struct row_errors *e)
{
	char *v = trimmed(value(get, ctx, field)), *end, b[48];
	if (!v)
		return -1;
	double d = strtod(v, &end);
	if (!v[0] || *end || !isfinite(d) || d < -limit || d > limit) {
		row_error(e, line, field, "\"%s\" is not a number from %g to %g", shown(v, b, sizeof(b)),
			  -limit, limit);
		free(v);
		return -1;
	}
	json_object_set_new(o, field, json_real(d));
	free(v);
	return 0;
}

/* "9:00" or "09:00" (to 24:00) as "HH:MM" into out[6]. */
static int parse_hhmm(const char *s, size_t len, char out[6])
{
	unsigned h, m;
	int used = 0;
	char buf[8];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sscanf(buf, "%2u:%2u%n", &h, &m, &used) != 2 || (size_t)used != len || buf[len - 3] != ':' ||
	    h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	snprintf(out, 6, "%02u:%02u", h % 100, m % 100);
	return 0;
}

/* YYYY-MM-DD or YYYY/M/D as "YYYY-MM-DD" into out[11]. */
static int parse_date(const char *s, size_t len, char out[11])
{
	unsigned y, m, d;
	int used = 0;
	char buf[16];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	/* One separator throughout: 2026/1/1 or 2026-01-01, never 2026/01-01. */
	bool slash = strchr(buf, '/') != NULL;
	if (slash && strchr(buf, '-'))
		return -1;
	for (char *q = buf; *q; q++) {
		if (*q == '/')
			*q = '-';
	}
	if (sscanf(buf, "%4u-%2u-%2u%n", &y, &m, &d, &used) != 3 || (size_t)used != len || y < 2000 || y > 2099 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	snprintf(out, 11, "%04u-%02u-%02u", y % 10000, m % 100, d % 100);
	return 0;
}

/* Splits a list on ';', ',', '、', spaces; calls fn for each item. */
static int split_list(const char *v, int (*fn)(void *ctx, const char *item, size_t len), void *ctx)
{
	const char *p = v;
	while (*p) {
		size_t sep = 0;
		if (*p == ';' || *p == ',' || *p == ' ' || *p == '\t')
			sep = 1;
		else if (strncmp(p, "\xE3\x80\x81", 3) == 0 || strncmp(p, "\xE3\x80\x80", 3) == 0)
			sep = 3; /* 、 and the full-width space */
		if (sep) {
			p += sep;
			continue;
		}
		size_t len = 0;
		while (p[len] && p[len] != ';' && p[len] != ',' && p[len] != ' ' && p[len] != '\t' &&
		       strncmp(p + len, "\xE3\x80\x81", 3) != 0 && strncmp(p + len, "\xE3\x80\x80", 3) != 0)
			len++;
		if (fn(ctx, p, len) != 0)
			return -1;
		p += len;
	}
	return 0;
}

struct list_ctx {
	json_t *arr;
	bool dates;
};

static int add_item(void *arg, const char *item, size_t len)
{
	struct list_ctx *c = arg;
	if (c->dates) {
		char d[11];
		if (parse_date(item, len, d) != 0)
			return -1;
		json_array_append_new(c->arr, json_string(d));
		return 0;
	}
	json_array_append_new(c->arr, json_stringn(item, len));
	return 0;
}

static int list_field(json_t *o, row_get_fn get, void *ctx, const char *field, bool dates, int line,
		      struct row_errors *e)
{
	const char *v = value(get, ctx, field);
	struct list_ctx c = {.arr = json_array(), .dates = dates};
	char b[48];
	if (split_list(v, add_item, &c) != 0) {
		row_error(e, line, field, "\"%s\" is not a list of dates (YYYY-MM-DD or YYYY/M/D)",
			  shown(v, b, sizeof(b)));
		json_decref(c.arr);
		return -1;
	}
	json_object_set_new(o, field, c.arr);
	return 0;
}

/* Each dash-like separator, turned to '-'. */
static void dashes(char *s)
{
	static const char *const wide[] = {"\xE3\x80\x9C", "\xEF\xBD\x9E", "\xE2\x80\x93", "\xEF\xBC\x8D"};
	for (size_t k = 0; k < sizeof(wide) / sizeof(wide[0]); k++) {
		char *at;
		while ((at = strstr(s, wide[k])) != NULL) {
			*at = '-';
			memmove(at + 1, at + 3, strlen(at + 3) + 1);
		}
	}
	for (char *p = s; *p; p++) {
		if (*p == '~')
			*p = '-';
	}
}

struct spans_ctx {
	json_t *arr;
};

static int add_span(void *arg, const char *item, size_t len)
{
	struct spans_ctx *c = arg;
	const char *dash = memchr(item, '-', len);
	char a[6], b[6];
	if (!dash || parse_hhmm(item, (size_t)(dash - item), a) != 0 ||
	    parse_hhmm(dash + 1, len - (size_t)(dash - item) - 1, b) != 0)
		return -1;
	json_array_append_new(c->arr, json_pack("[s, s]", a, b));
	return 0;
}

static const char *const weekdays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int hours_field(json_t *o, row_get_fn get, void *ctx, int line, struct row_errors *e)
{
	json_t *hours = json_object();
	int rc = 0;
	for (int d = 0; d < 7; d++) {
		char *v = trimmed(value(get, ctx, weekdays[d])), b[48];
		if (!v) {
			rc = -1;
			break;
		}
		dashes(v);
		struct spans_ctx c = {.arr = json_array()};
		if (split_list(v, add_span, &c) != 0) {
			row_error(e, line, weekdays[d],
				  "\"%s\" is not opening hours like 9:00-12:00 13:00-17:15", shown(v, b, sizeof(b)));
			json_decref(c.arr);
			rc = -1;
		} else if (json_array_size(c.arr) > 0) {
			json_object_set_new(hours, weekdays[d], c.arr);
		} else {
			json_decref(c.arr);
		}
		free(v);
	}
	json_object_set_new(o, "hours", hours);
	return rc;
}

json_t *content_row_window(row_get_fn get, void *ctx, int line, struct row_errors *e)
{
	json_t *o = json_object();
	size_t before = e->n;
	text_field(o, get, ctx, "id", true, line, e);
	text_field(o, get, ctx, "name", true, line, e);
	text_field(o, get, ctx, "phone", true, line, e);
	text_field(o, get, ctx, "address", false, line, e);
	number_field(o, get, ctx, "lat", 90, line, e);
	number_field(o, get, ctx, "lon", 180, line, e);
	list_field(o, get, ctx, "topics", false, line, e);
	list_field(o, get, ctx, "languages", false, line, e);
	hours_field(o, get, ctx, line, e);
	list_field(o, get, ctx, "closed_dates", true, line, e);
	if (e->n != before) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int time_field(json_t *o, row_get_fn get, void *ctx, const char *field, int line,
		      struct row_errors *e)
{
	char *v = trimmed(value(get, ctx, field)), t[6], b[48];
	if (!v)
		return -1;
	int rc = parse_hhmm(v, strlen(v), t);
	if (rc != 0)
		row_error(e, line, field, "\"%s\" is not a time (H:MM)", shown(v, b, sizeof(b)));
	else
		json_object_set_new(o, field, json_string(t));
	free(v);
	return rc;
}

json_t *content_row_session(row_get_fn get, void *ctx, int line, struct row_errors *e)
{
	json_t *o = json_object();
	size_t before = e->n;
	char *v = trimmed(value(get, ctx, "date")), d[11], b[48];
	if (v && parse_date(v, strlen(v), d) == 0)
		json_object_set_new(o, "date", json_string(d));
	else
		row_error(e, line, "date", "\"%s\" is not a date (YYYY-MM-DD or YYYY/M/D)",
			  shown(v ? v : "", b, sizeof(b)));
	free(v);
	time_field(o, get, ctx, "start", line, e);
	time_field(o, get, ctx, "end", line, e);
	json_t *st = json_object_get(o, "start"), *en = json_object_get(o, "end");
	if (st && en && strcmp(json_string_value(en), json_string_value(st)) <= 0)
		row_error(e, line, "end", "ends before it starts");
	text_field(o, get, ctx, "place", true, line, e);
	number_field(o, get, ctx, "lat", 90, line, e);
	number_field(o, get, ctx, "lon", 180, line, e);
	text_field(o, get, ctx, "note", false, line, e);
	if (e->n != before) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- CSV ---- */

struct column {
	const char *name, *ja;
};

static const struct column window_columns[] = {
	{"id", "ID"}, {"name", "名称"}, {"phone", "電話"}, {"address", "住所"}, {"lat", "緯度"},
	{"lon", "経度"}, {"topics", "相談内容"}, {"languages", "言語"}, {"mon", "月"}, {"tue", "火"},
	{"wed", "水"}, {"thu", "木"}, {"fri", "金"}, {"sat", "土"}, {"sun", "日"},
	{"closed_dates", "休業日"}, {NULL, NULL},
};
static const struct column session_columns[] = {
	{"date", "日付"}, {"start", "開始"}, {"end", "終了"}, {"place", "場所"}, {"lat", "緯度"},
	{"lon", "経度"}, {"note", "備考"}, {NULL, NULL},
};

struct record_ctx {
	const struct csv_record *rec;
	const char *const *names; /* canonical name of each column, NULL unknown */
};

static const char *record_get(void *arg, const char *field)
{
	struct record_ctx *c = arg;
	for (size_t i = 0; i < c->rec->n; i++) {
		if (c->names[i] && strcmp(c->names[i], field) == 0)
			return c->rec->fields[i];
	}
	return NULL;
}

json_t *content_rows_csv(const char *text, const char *kind, int **lines, struct row_errors *e)
{
	*lines = NULL;
	bool windows = strcmp(kind, "windows") == 0;
	const struct column *cols = windows ? window_columns : session_columns;
	struct csv csv;
	char err[256];
	if (csv_parse(text, &csv, err, sizeof(err)) != 0) {
		row_error(e, 0, NULL, "%s", err);
		return NULL;
	}
	if (csv.n < 1) {
		row_error(e, 0, NULL, "the file is empty (a header row naming the columns is needed)");
		csv_free(&csv);
		return NULL;
	}
	const struct csv_record *head = &csv.records[0];
	const char *names[CSV_FIELDS_MAX] = {0};
	for (size_t i = 0; i < head->n; i++) {
		char *h = trimmed(head->fields[i]);
		for (size_t k = 0; h && cols[k].name; k++) {
			if (strcasecmp(h, cols[k].name) == 0 || strcmp(h, cols[k].ja) == 0)
				names[i] = cols[k].name;
		}
		if (!names[i] && h && h[0]) {
			char b[48];
			row_error(e, head->line, "header", "unknown column \"%s\"", shown(h, b, sizeof(b)));
		}
		free(h);
	}
	for (size_t k = 0; cols[k].name; k++) {
		bool found = false;
		for (size_t i = 0; i < head->n; i++)
			found |= names[i] && strcmp(names[i], cols[k].name) == 0;
		bool optional = windows ? (strcmp(cols[k].name, "address") == 0 ||
					   strcmp(cols[k].name, "closed_dates") == 0 ||
					   strcmp(cols[k].name, "topics") == 0 ||
					   strcmp(cols[k].name, "languages") == 0 || k >= 8)
					: strcmp(cols[k].name, "note") == 0;
		if (!found && !optional)
			row_error(e, head->line, "header", "the column \"%s\" (%s) is missing", cols[k].name,
				  cols[k].ja);
	}
	if (e->n) {
		csv_free(&csv);
		return NULL;
	}
	json_t *arr = json_array();
	*lines = calloc(csv.n, sizeof(int));
	if (!*lines) {
		row_error(e, 0, NULL, "out of memory");
		json_decref(arr);
		csv_free(&csv);
		return NULL;
	}
	for (size_t r = 1; r < csv.n; r++) {
		struct record_ctx c = {.rec = &csv.records[r], .names = names};
		json_t *item = windows ? content_row_window(record_get, &c, c.rec->line, e)
				       : content_row_session(record_get, &c, c.rec->line, e);
		if (item) {
			(*lines)[json_array_size(arr)] = c.rec->line;
			json_array_append_new(arr, item);
		}
	}
	csv_free(&csv);
	if (e->n) {
		json_decref(arr);
		free(*lines);
		*lines = NULL;
		return NULL;
	}
	return arr;
}

int content_rows_check(json_t *base, const char *kind, const int *lines, const char *public_url,
		       const char *zone, int64_t now, struct row_errors *e)
{
	if (public_url && public_url[0]) {
		char url[200];
		snprintf(url, sizeof(url), "%s/S/{site}", public_url);
		json_object_set_new(base, "help_url_template", json_string(url));
	}
	char *text = NULL, etag[CONTENT_ETAG_MAX], why[320];
	if (content_build(base, NULL, 0, 1, now, zone, &text, etag, why, sizeof(why)) == 0) {
		free(text);
		return 0;
	}
	/* "windows[3].hours.mon[0]: ..." -> "line 5, windows[3].hours.mon[0]: ..." */
	size_t klen = kind ? strlen(kind) : 0;
	unsigned long idx;
	if (lines && kind && strncmp(why, kind, klen) == 0 && why[klen] == '[' &&
	    sscanf(why + klen + 1, "%lu", &idx) == 1 && idx < json_array_size(json_object_get(base, kind)))
		row_error(e, lines[idx], kind, "%s", why);
	else
		row_error(e, 0, NULL, "%s", why);
	return -1;
}
