/*
 * protocol: the kiosk-office sync protocol, version 1 (docs/protocol.md).
 *
 * One module, linked by both ends, so that what kioskd writes and what
 * officed accepts cannot drift apart. Pure: no I/O, no clock, no globals.
 *
 * A report says "on this day I hold these counters, at this revision" for
 * every day the office has not yet acknowledged (counts travel as state,
 * never as deltas, so a resent report cannot count anything twice), plus the
 * kiosk's stock, health, clock state and staff card events (card_ids only:
 * a recipient's handout never leaves the kiosk as anything but a count).
 *
 * Parsing is strict and whole: report_parse() either fills a complete
 * struct report or fails naming the first field at fault ("days[3].handouts")
 * and, when the fault is inside a day, that day's index and date, so the
 * office can answer 400 with them and the kiosk can set that one day aside.
 * Unknown members are ignored (a newer kiosk may send more); duplicate keys
 * are refused.
 */
#ifndef SYNC_PROTOCOL_H
#define SYNC_PROTOCOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTOCOL_VERSION 1

/* The per-day counters, in DESIGN's order and with its names (the same list
 * as firmware/store.h's STORE_DAY_COUNTERS; sync_report.c copies one into the
 * other by name, so a counter missing from either fails to compile). */
#define PROTOCOL_DAY_COUNTERS(X) \
	X(handouts)              \
	X(denied_limit)          \
	X(denied_revoked)        \
	X(denied_not_issued)     \
	X(denied_out_of_stock)   \
	X(denied_unusable_card)  \
	X(not_taken)             \
	X(restocked_sets)        \
	X(new_cards)             \
	X(help_requests)

/* Limits, checked by report_parse(); the office answers 400 past them. */
#define PROTOCOL_ID_MAX 63           /* kiosk_id, site_id: [A-Za-z0-9._-]{1,63} */
#define PROTOCOL_TEXT_MAX 200        /* health texts, bytes of UTF-8 */
#define PROTOCOL_COUNTER_MAX 10000000 /* one counter on one day */
#define PROTOCOL_STOCK_MAX 1000000
#define PROTOCOL_REVISION_MAX ((int64_t)1 << 53) /* exact in any JSON reader */
#define PROTOCOL_TIME_MAX ((int64_t)1 << 40)     /* Unix seconds, year 36812 */
#define PROTOCOL_DAYS_MAX 1000        /* days in one report */
#define PROTOCOL_CARD_EVENTS_MAX 1000 /* card events in one report */
#define PROTOCOL_STATE_DAYS_MAX 5000  /* days in a kiosk state answer (13 years) */
#define PROTOCOL_DATE_MIN "2000-01-01"
#define PROTOCOL_DATE_MAX "2099-12-31"
#define PROTOCOL_NEARBY_MAX 16
#define PROTOCOL_CARD_ID_LEN 32

struct protocol_day {
	char date[11]; /* YYYY-MM-DD, the kiosk's local date */
	int64_t revision;
	int64_t clock_unsynced; /* events that day logged while the clock was not synchronized */
#define PROTOCOL_DAY_FIELD(name) int64_t name;
	PROTOCOL_DAY_COUNTERS(PROTOCOL_DAY_FIELD)
#undef PROTOCOL_DAY_FIELD
};

enum card_action {
	CARD_ACTION_ISSUED = 0,
	CARD_ACTION_REVOKED = 1,
};

struct protocol_card_event {
	char card_id[PROTOCOL_CARD_ID_LEN + 1];
	enum card_action action;
	int64_t at; /* Unix seconds, the kiosk's clock */
};

struct report {
	char kiosk_id[PROTOCOL_ID_MAX + 1];
	char site_id[PROTOCOL_ID_MAX + 1];
	char firmware[33];
	int64_t sent_at; /* Unix seconds, the kiosk's clock when it built the report */
	bool clock_synchronized;
	int64_t stock_level;
	int64_t stock_low_water;
	bool stock_low;
	char health_reader[16];  /* starting, ok, unavailable */
	char health_display[33]; /* free text, e.g. "ok", "none" */
	char health_last_error[PROTOCOL_TEXT_MAX + 1];
	struct protocol_day *days;
	size_t n_days;
	struct protocol_card_event *card_events;
	size_t n_card_events;
};

/* Where a report was found wanting: the first fault, for a 400 answer. */
struct protocol_error {
	char field[64];    /* "days[3].handouts", "stock.level", "" (the body as a whole) */
	char message[256]; /* a sentence naming the field */
	int day_index;     /* the day at fault, or -1 when the fault is not inside a day */
	char date[11];     /* that day's date if it is a well-formed one, else "" */
};

/*
 * Encodes a report as a new JSON object (the caller owns it). Pure: the
 * values are written as they are; report_parse() is the one that judges.
 */
json_t *report_to_json(const struct report *r);

/* One day as the report writes it (used by the kiosk to measure a batch). */
json_t *protocol_day_to_json(const struct protocol_day *d);

/*
 * Parses and validates a report from len bytes of JSON text. On success
 * returns 0 and fills *out (free its arrays with report_free()). On failure
 * returns -1, fills *err, and leaves *out empty.
 */
int report_parse(const char *text, size_t len, struct report *out, struct protocol_error *err);

/* Same, from an already parsed JSON value. */
int report_from_json(json_t *root, struct report *out, struct protocol_error *err);

void report_free(struct report *r);

/* True if s is a valid YYYY-MM-DD date (2026-02-30 is not). */
bool protocol_valid_date(const char *s);

/* True if s is a well-formed kiosk or site id. */
bool protocol_valid_id(const char *s);

/* True if s is 32 lowercase hex digits. */
bool protocol_valid_card_id(const char *s);

const char *protocol_card_action_name(enum card_action a);

/* ---- the office's answer to a report ---- */

struct protocol_held {
	char date[11];
	int64_t revision; /* the revision the office now holds for that day */
};

struct protocol_nearby {
	char site_id[PROTOCOL_ID_MAX + 1];
	int64_t level; /* the site's stock: the sum of its kiosks' last reports */
	bool low;      /* any of its kiosks at or below its low-water mark */
	int64_t reported_at;
};

struct report_answer {
	int64_t server_time;
	int64_t body_cap; /* the largest report body (JSON, before gzip) the office takes */
	char content_etag[80];
	bool clock_flagged; /* the office flagged this report's clock */
	struct protocol_held *held;
	size_t n_held;
	size_t n_card_events; /* how many of the report's card events the office holds */
	struct protocol_nearby nearby[PROTOCOL_NEARBY_MAX];
	size_t n_nearby;
};

json_t *report_answer_to_json(const struct report_answer *a);

/*
 * Parses the office's 200 answer. Returns 0, or -1 with a reason in err.
 * free the held array with report_answer_free().
 */
int report_answer_parse(const char *text, size_t len, struct report_answer *out, char *err,
			size_t errlen);
void report_answer_free(struct report_answer *a);

/* ---- the office's refusal (400, 413, ...) ---- */

/* {"ok": false, "error": ..., "field": ..., "day_index": ..., "date": ..., "body_cap": ...} */
json_t *protocol_error_to_json(const struct protocol_error *e, int64_t body_cap);

struct refusal {
	char error[256];
	char field[64];
	int day_index; /* -1: not a day */
	char date[11];
	int64_t body_cap; /* 0 if not given */
};

/* Parses a refusal body; anything unreadable leaves the defaults (no day). */
void refusal_parse(const char *text, size_t len, struct refusal *out);

/* ---- what the office holds for a kiosk (a restored kiosk asks first) ---- */

struct kiosk_state {
	char kiosk_id[PROTOCOL_ID_MAX + 1];
	char site_id[PROTOCOL_ID_MAX + 1];
	int64_t server_time;
	int64_t body_cap;
	struct protocol_day *days;
	size_t n_days;
};

json_t *kiosk_state_to_json(const struct kiosk_state *s);

/* Parses and validates (every day as strictly as in a report). Returns 0 or -1. */
int kiosk_state_parse(const char *text, size_t len, struct kiosk_state *out,
		      struct protocol_error *err);
void kiosk_state_free(struct kiosk_state *s);

#endif
