/*
 * protocol: see protocol.h and docs/protocol.md.
 *
 * The parser walks the JSON with small typed getters that know the path of
 * what they read, so every refusal names its field the same way. Integers
 * must be JSON integers (2.0 and "2" are not) within their documented range.
 */
#include "protocol.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- small checks ---- */

bool protocol_valid_id(const char *s)
{
	static const char id_chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
	size_t len = strlen(s);
	return len >= 1 && len <= PROTOCOL_ID_MAX && strspn(s, id_chars) == len;
}

bool protocol_valid_card_id(const char *s)
{
	return strlen(s) == PROTOCOL_CARD_ID_LEN &&
	       strspn(s, "0123456789abcdef") == PROTOCOL_CARD_ID_LEN;
}

bool protocol_valid_date(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	}
	if (strcmp(s, PROTOCOL_DATE_MIN) < 0 || strcmp(s, PROTOCOL_DATE_MAX) > 0)
		return false;
	int year = atoi(s), month = atoi(s + 5), day = atoi(s + 8);
	static const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12 || day < 1)
		return false;
	int max = days_in[month - 1];
	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		max = 29;
	return day <= max;
}

const char *protocol_card_action_name(enum card_action a)
{
	return a == CARD_ACTION_REVOKED ? "revoked" : "issued";
}

/* Printable UTF-8 with no control characters (jansson has checked UTF-8). */
static bool printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7F)
			return false;
	}
	return true;
}

/* ---- the parser's cursor ---- */

struct walk {
	struct protocol_error *err;
	int day_index; /* the day being read, -1 outside days */
	const char *date;
	char prefix[40]; /* "", "stock.", "days[3].", ... */
};

static int refuse(struct walk *w, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct walk *w, const char *name, const char *fmt, ...)
{
	struct protocol_error *e = w->err;
	snprintf(e->field, sizeof(e->field), "%s%s", w->prefix, name);
	char what[180];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(e->message, sizeof(e->message), "%s%s%s", e->field, e->field[0] ? " " : "", what);
	e->day_index = w->day_index;
	e->date[0] = '\0';
	if (w->date && protocol_valid_date(w->date))
		snprintf(e->date, sizeof(e->date), "%s", w->date);
	return -1;
}

static int get_int(struct walk *w, json_t *obj, const char *name, bool required, int64_t min,
		   int64_t max, int64_t def, int64_t *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v) {
		if (required)
			return refuse(w, name, "is required");
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return refuse(w, name, "must be a whole number from %lld to %lld", (long long)min,
			      (long long)max);
	*out = json_integer_value(v);
	return 0;
}

static int get_bool(struct walk *w, json_t *obj, const char *name, bool required, bool *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v) {
		if (required)
			return refuse(w, name, "is required");
		*out = false;
		return 0;
	}
	if (!json_is_boolean(v))
		return refuse(w, name, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

/* A string of at most max bytes into out[max + 1]; "" when absent and optional. */
static int get_text(struct walk *w, json_t *obj, const char *name, bool required, size_t max,
		    char *out)
{
	json_t *v = json_object_get(obj, name);
	out[0] = '\0';
	if (!v) {
		if (required)
			return refuse(w, name, "is required");
		return 0;
	}
	if (!json_is_string(v))
		return refuse(w, name, "must be a string");
	size_t len = json_string_length(v);
	const char *s = json_string_value(v);
	if (len > max || strlen(s) != len)
		return refuse(w, name, "must be at most %zu bytes (and hold no NUL)", max);
	if (!printable(s))
		return refuse(w, name, "must not hold control characters");
	memcpy(out, s, len + 1);
	return 0;
}

static int get_id(struct walk *w, json_t *obj, const char *name, char *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v)
		return refuse(w, name, "is required");
	if (!json_is_string(v) || !protocol_valid_id(json_string_value(v)) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return refuse(w, name, "must be an id of 1 to %d letters, digits, '.', '_' or '-'",
			      PROTOCOL_ID_MAX);
	snprintf(out, PROTOCOL_ID_MAX + 1, "%s", json_string_value(v));
	return 0;
}

static void set_prefix(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_prefix(struct walk *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->prefix, sizeof(w->prefix), fmt, ap);
	va_end(ap);
}

/* ---- days ---- */

static int parse_day(struct walk *w, json_t *obj, struct protocol_day *d)
{
	memset(d, 0, sizeof(*d));
	if (!json_is_object(obj)) {
		w->prefix[strlen(w->prefix) - 1] = '\0'; /* "days[3]" rather than "days[3]." */
		return refuse(w, "", "must be an object");
	}
	json_t *date = json_object_get(obj, "date");
	if (json_is_string(date))
		w->date = json_string_value(date);
	if (!date)
		return refuse(w, "date", "is required");
	if (!json_is_string(date) || !protocol_valid_date(json_string_value(date)))
		return refuse(w, "date", "must be a date as YYYY-MM-DD from %s to %s",
			      PROTOCOL_DATE_MIN, PROTOCOL_DATE_MAX);
	snprintf(d->date, sizeof(d->date), "%s", json_string_value(date));
	if (get_int(w, obj, "revision", true, 1, PROTOCOL_REVISION_MAX, 0, &d->revision) != 0 ||
	    get_int(w, obj, "clock_unsynced", false, 0, PROTOCOL_COUNTER_MAX, 0,
		    &d->clock_unsynced) != 0)
		return -1;
#define GET_COUNTER(name)                                                                  \
	if (get_int(w, obj, #name, true, 0, PROTOCOL_COUNTER_MAX, 0, &d->name) != 0) \
		return -1;
	PROTOCOL_DAY_COUNTERS(GET_COUNTER)
#undef GET_COUNTER
	return 0;
}

static int cmp_day_date(const void *a, const void *b)
{
	return strcmp(((const struct protocol_day *)a)->date, ((const struct protocol_day *)b)->date);
}

/* Parses an array of days; no date may appear twice. */
static int parse_days(struct walk *w, json_t *root, const char *name, bool required,
		      size_t max, struct protocol_day **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	json_t *days = json_object_get(root, name);
	if (!days) {
		if (required)
			return refuse(w, name, "is required");
		return 0;
	}
	if (!json_is_array(days))
		return refuse(w, name, "must be an array");
	size_t n = json_array_size(days);
	if (n > max)
		return refuse(w, name, "must hold at most %zu days (split the report)", max);
	if (n == 0)
		return 0;
	struct protocol_day *list = calloc(n, sizeof(*list));
	if (!list)
		return refuse(w, name, "could not be read (out of memory)");
	for (size_t i = 0; i < n; i++) {
		set_prefix(w, "%s[%zu].", name, i);
		w->day_index = (int)i;
		w->date = NULL;
		if (parse_day(w, json_array_get(days, i), &list[i]) != 0) {
			free(list);
			return -1;
		}
	}
	w->prefix[0] = '\0';
	w->day_index = -1;
	w->date = NULL;

	/* A date twice would make "the revision of that day" ambiguous. */
	struct protocol_day *sorted = malloc(n * sizeof(*sorted));
	if (!sorted) {
		free(list);
		return refuse(w, name, "could not be read (out of memory)");
	}
	memcpy(sorted, list, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_day_date);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(sorted[i].date, sorted[i - 1].date) == 0) {
			const char *dup = sorted[i].date;
			for (size_t j = n; j-- > 0;) {
				if (strcmp(list[j].date, dup) == 0) {
					w->day_index = (int)j;
					w->date = list[j].date;
					set_prefix(w, "%s[%zu].", name, j);
					break;
				}
			}
			free(sorted);
			refuse(w, "date", "repeats a date given earlier in the report");
			free(list);
			return -1;
		}
	}
	free(sorted);
	*out = list;
	*n_out = n;
	return 0;
}

/* ---- card events ---- */

static int parse_card_events(struct walk *w, json_t *root, struct report *r)
{
	json_t *events = json_object_get(root, "card_events");
	if (!events)
		return 0;
	if (!json_is_array(events))
		return refuse(w, "card_events", "must be an array");
	size_t n = json_array_size(events);
	if (n > PROTOCOL_CARD_EVENTS_MAX)
		return refuse(w, "card_events", "must hold at most %d events",
			      PROTOCOL_CARD_EVENTS_MAX);
	if (n == 0)
		return 0;
	r->card_events = calloc(n, sizeof(*r->card_events));
	if (!r->card_events)
		return refuse(w, "card_events", "could not be read (out of memory)");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(events, i);
		struct protocol_card_event *ce = &r->card_events[i];
		set_prefix(w, "card_events[%zu].", i);
		if (!json_is_object(e)) {
			set_prefix(w, "card_events[%zu]", i);
			return refuse(w, "", "must be an object");
		}
		json_t *id = json_object_get(e, "card_id");
		if (!json_is_string(id) || !protocol_valid_card_id(json_string_value(id)))
			return refuse(w, "card_id", "must be a card_id: 32 lowercase hex digits");
		memcpy(ce->card_id, json_string_value(id), PROTOCOL_CARD_ID_LEN + 1);
		json_t *action = json_object_get(e, "action");
		const char *a = json_string_value(action);
		if (a && strcmp(a, "issued") == 0)
			ce->action = CARD_ACTION_ISSUED;
		else if (a && strcmp(a, "revoked") == 0)
			ce->action = CARD_ACTION_REVOKED;
		else
			return refuse(w, "action", "must be \"issued\" or \"revoked\"");
		if (get_int(w, e, "at", true, 0, PROTOCOL_TIME_MAX, 0, &ce->at) != 0)
			return -1;
		r->n_card_events = i + 1;
	}
	w->prefix[0] = '\0';
	return 0;
}

/* ---- reports ---- */

void report_free(struct report *r)
{
	free(r->days);
	free(r->card_events);
	r->days = NULL;
	r->card_events = NULL;
	r->n_days = r->n_card_events = 0;
}

int report_from_json(json_t *root, struct report *r, struct protocol_error *err)
{
	memset(r, 0, sizeof(*r));
	memset(err, 0, sizeof(*err));
	struct walk w = {.err = err, .day_index = -1};
	if (!json_is_object(root))
		return refuse(&w, "", "a report must be one JSON object");
	int64_t version, sent_at;
	if (get_int(&w, root, "protocol", true, PROTOCOL_VERSION, PROTOCOL_VERSION, 0, &version) != 0 ||
	    get_id(&w, root, "kiosk_id", r->kiosk_id) != 0 ||
	    get_id(&w, root, "site_id", r->site_id) != 0 ||
	    get_text(&w, root, "firmware", false, sizeof(r->firmware) - 1, r->firmware) != 0 ||
	    get_int(&w, root, "sent_at", true, 0, PROTOCOL_TIME_MAX, 0, &sent_at) != 0 ||
	    get_bool(&w, root, "clock_synchronized", true, &r->clock_synchronized) != 0)
		return -1;
	r->sent_at = sent_at;

	json_t *stock = json_object_get(root, "stock");
	if (!json_is_object(stock))
		return refuse(&w, "stock", stock ? "must be an object" : "is required");
	set_prefix(&w, "stock.");
	if (get_int(&w, stock, "level", true, 0, PROTOCOL_STOCK_MAX, 0, &r->stock_level) != 0 ||
	    get_int(&w, stock, "low_water", false, 0, PROTOCOL_STOCK_MAX, 0, &r->stock_low_water) != 0 ||
	    get_bool(&w, stock, "low", false, &r->stock_low) != 0)
		return -1;
	w.prefix[0] = '\0';

	json_t *health = json_object_get(root, "health");
	if (health) {
		if (!json_is_object(health))
			return refuse(&w, "health", "must be an object");
		set_prefix(&w, "health.");
		if (get_text(&w, health, "reader", false, sizeof(r->health_reader) - 1,
			     r->health_reader) != 0 ||
		    get_text(&w, health, "display", false, sizeof(r->health_display) - 1,
			     r->health_display) != 0 ||
		    get_text(&w, health, "last_error", false, PROTOCOL_TEXT_MAX,
			     r->health_last_error) != 0)
			return -1;
		w.prefix[0] = '\0';
	}

	if (parse_days(&w, root, "days", true, PROTOCOL_DAYS_MAX, &r->days, &r->n_days) != 0 ||
	    parse_card_events(&w, root, r) != 0) {
		report_free(r);
		return -1;
	}
	return 0;
}

int report_parse(const char *text, size_t len, struct report *out, struct protocol_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		memset(out, 0, sizeof(*out));
		memset(err, 0, sizeof(*err));
		err->day_index = -1;
		snprintf(err->message, sizeof(err->message), "malformed JSON at line %d column %d: %s",
			 jerr.line, jerr.column, jerr.text);
		return -1;
	}
	int rc = report_from_json(root, out, err);
	json_decref(root);
	return rc;
}

json_t *protocol_day_to_json(const struct protocol_day *d)
{
	json_t *o = json_pack("{s:s, s:I, s:I}", "date", d->date, "revision", (json_int_t)d->revision,
			      "clock_unsynced", (json_int_t)d->clock_unsynced);
#define SET_COUNTER(name) json_object_set_new(o, #name, json_integer(d->name));
	PROTOCOL_DAY_COUNTERS(SET_COUNTER)
#undef SET_COUNTER
	return o;
}

json_t *report_to_json(const struct report *r)
{
	json_t *days = json_array();
	for (size_t i = 0; i < r->n_days; i++)
		json_array_append_new(days, protocol_day_to_json(&r->days[i]));
	json_t *events = json_array();
	for (size_t i = 0; i < r->n_card_events; i++) {
		const struct protocol_card_event *e = &r->card_events[i];
		json_array_append_new(events, json_pack("{s:s, s:s, s:I}", "card_id", e->card_id,
							"action", protocol_card_action_name(e->action),
							"at", (json_int_t)e->at));
	}
	return json_pack("{s:i, s:s, s:s, s:s, s:I, s:b, s:{s:I, s:I, s:b}, s:{s:s, s:s, s:s},"
			 " s:o, s:o}",
			 "protocol", PROTOCOL_VERSION, "kiosk_id", r->kiosk_id, "site_id",
			 r->site_id, "firmware", r->firmware, "sent_at", (json_int_t)r->sent_at,
			 "clock_synchronized", r->clock_synchronized, "stock", "level",
			 (json_int_t)r->stock_level, "low_water", (json_int_t)r->stock_low_water,
			 "low", r->stock_low, "health", "reader", r->health_reader, "display",
			 r->health_display, "last_error", r->health_last_error, "days", days,
			 "card_events", events);
}

/* ---- answers ---- */

json_t *report_answer_to_json(const struct report_answer *a)
{
	json_t *held = json_array();
	for (size_t i = 0; i < a->n_held; i++)
		json_array_append_new(held, json_pack("{s:s, s:I}", "date", a->held[i].date,
						      "revision", (json_int_t)a->held[i].revision));
	json_t *nearby = json_array();
	for (size_t i = 0; i < a->n_nearby; i++) {
		const struct protocol_nearby *n = &a->nearby[i];
		json_array_append_new(nearby, json_pack("{s:s, s:I, s:b, s:I}", "site_id", n->site_id,
							"level", (json_int_t)n->level, "low", n->low,
							"reported_at", (json_int_t)n->reported_at));
	}
	return json_pack("{s:b, s:i, s:I, s:I, s:s, s:b, s:o, s:I, s:o}", "ok", 1, "protocol",
			 PROTOCOL_VERSION, "server_time", (json_int_t)a->server_time, "body_cap",
			 (json_int_t)a->body_cap, "content_etag", a->content_etag, "clock_flagged",
			 a->clock_flagged, "held", held, "card_events_held",
			 (json_int_t)a->n_card_events, "nearby", nearby);
}

void report_answer_free(struct report_answer *a)
{
	free(a->held);
	a->held = NULL;
	a->n_held = 0;
}

int report_answer_parse(const char *text, size_t len, struct report_answer *a, char *err,
			size_t errlen)
{
	memset(a, 0, sizeof(*a));
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *held = json_object_get(root, "held");
	json_t *nearby = json_object_get(root, "nearby");
	json_t *etag = json_object_get(root, "content_etag");
	json_t *cap = json_object_get(root, "body_cap");
	if (!json_is_object(root) || !json_is_true(json_object_get(root, "ok")) ||
	    !json_is_array(held) || !json_is_integer(cap) || json_integer_value(cap) < 1024 ||
	    (etag && (!json_is_string(etag) || json_string_length(etag) >= sizeof(a->content_etag))) ||
	    (nearby && !json_is_array(nearby)) || json_array_size(held) > PROTOCOL_DAYS_MAX) {
		snprintf(err, errlen, "the office's answer is not a protocol %d answer",
			 PROTOCOL_VERSION);
		json_decref(root);
		return -1;
	}
	a->body_cap = json_integer_value(cap);
	a->server_time = json_integer_value(json_object_get(root, "server_time"));
	a->clock_flagged = json_is_true(json_object_get(root, "clock_flagged"));
	a->n_card_events = (size_t)json_integer_value(json_object_get(root, "card_events_held"));
	if (etag)
		snprintf(a->content_etag, sizeof(a->content_etag), "%s", json_string_value(etag));
	size_t n = json_array_size(held);
	a->held = calloc(n ? n : 1, sizeof(*a->held));
	if (!a->held) {
		json_decref(root);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *h = json_array_get(held, i);
		const char *date = json_string_value(json_object_get(h, "date"));
		json_t *rev = json_object_get(h, "revision");
		if (!date || !protocol_valid_date(date) || !json_is_integer(rev)) {
			report_answer_free(a);
			json_decref(root);
			snprintf(err, errlen, "the office's answer has a malformed held[%zu]", i);
			return -1;
		}
		snprintf(a->held[i].date, sizeof(a->held[i].date), "%s", date);
		a->held[i].revision = json_integer_value(rev);
	}
	a->n_held = n;
	size_t i;
	json_t *s;
	json_array_foreach(nearby, i, s)
	{
		const char *site = json_string_value(json_object_get(s, "site_id"));
		if (a->n_nearby == PROTOCOL_NEARBY_MAX || !site || !protocol_valid_id(site))
			continue;
		struct protocol_nearby *out = &a->nearby[a->n_nearby++];
		snprintf(out->site_id, sizeof(out->site_id), "%s", site);
		out->level = json_integer_value(json_object_get(s, "level"));
		out->low = json_is_true(json_object_get(s, "low"));
		out->reported_at = json_integer_value(json_object_get(s, "reported_at"));
	}
	json_decref(root);
	return 0;
}

json_t *protocol_error_to_json(const struct protocol_error *e, int64_t body_cap)
{
	json_t *o = json_pack("{s:b, s:s}", "ok", 0, "error", e->message);
	if (e->field[0])
		json_object_set_new(o, "field", json_string(e->field));
	if (e->day_index >= 0)
		json_object_set_new(o, "day_index", json_integer(e->day_index));
	if (e->date[0])
		json_object_set_new(o, "date", json_string(e->date));
	if (body_cap > 0)
		json_object_set_new(o, "body_cap", json_integer(body_cap));
	return o;
}

void refusal_parse(const char *text, size_t len, struct refusal *out)
{
	memset(out, 0, sizeof(*out));
	out->day_index = -1;
	json_t *root = text ? json_loadb(text, len, 0, NULL) : NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	const char *s = json_string_value(json_object_get(root, "error"));
	if (s)
		snprintf(out->error, sizeof(out->error), "%s", s);
	s = json_string_value(json_object_get(root, "field"));
	if (s)
		snprintf(out->field, sizeof(out->field), "%s", s);
	s = json_string_value(json_object_get(root, "date"));
	if (s && protocol_valid_date(s))
		snprintf(out->date, sizeof(out->date), "%s", s);
	json_t *i = json_object_get(root, "day_index");
	if (json_is_integer(i) && json_integer_value(i) >= 0 &&
	    json_integer_value(i) < PROTOCOL_DAYS_MAX)
		out->day_index = (int)json_integer_value(i);
	json_t *cap = json_object_get(root, "body_cap");
	if (json_is_integer(cap) && json_integer_value(cap) > 0)
		out->body_cap = json_integer_value(cap);
	json_decref(root);
}

/* ---- kiosk state ---- */

json_t *kiosk_state_to_json(const struct kiosk_state *s)
{
	json_t *days = json_array();
	for (size_t i = 0; i < s->n_days; i++)
		json_array_append_new(days, protocol_day_to_json(&s->days[i]));
	return json_pack("{s:b, s:i, s:s, s:s, s:I, s:I, s:o}", "ok", 1, "protocol",
			 PROTOCOL_VERSION, "kiosk_id", s->kiosk_id, "site_id", s->site_id,
			 "server_time", (json_int_t)s->server_time, "body_cap",
			 (json_int_t)s->body_cap, "days", days);
}

void kiosk_state_free(struct kiosk_state *s)
{
	free(s->days);
	s->days = NULL;
	s->n_days = 0;
}

int kiosk_state_parse(const char *text, size_t len, struct kiosk_state *s,
		      struct protocol_error *err)
{
	memset(s, 0, sizeof(*s));
	memset(err, 0, sizeof(*err));
	struct walk w = {.err = err, .day_index = -1};
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	int64_t version;
	int rc = -1;
	if (!json_is_object(root))
		refuse(&w, "", "the kiosk state must be one JSON object");
	else if (get_int(&w, root, "protocol", true, PROTOCOL_VERSION, PROTOCOL_VERSION, 0,
			 &version) == 0 &&
		 get_id(&w, root, "kiosk_id", s->kiosk_id) == 0 &&
		 get_id(&w, root, "site_id", s->site_id) == 0 &&
		 get_int(&w, root, "server_time", true, 0, PROTOCOL_TIME_MAX, 0, &s->server_time) == 0 &&
		 get_int(&w, root, "body_cap", true, 1024, INT32_MAX, 0, &s->body_cap) == 0 &&
		 parse_days(&w, root, "days", true, PROTOCOL_STATE_DAYS_MAX, &s->days, &s->n_days) == 0)
		rc = 0;
	json_decref(root);
	return rc;
}
