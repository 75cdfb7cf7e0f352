/*
 * content: the content bundle the office publishes and every kiosk shows
 * (DESIGN.md, "Content bundle"; the schema is in docs/content.md). One
 * parser and one set of types for both ends: kioskd validates what it
 * imports or fetches with it, and officed will validate what it publishes
 * with the same code. So this module does no I/O and knows nothing of the
 * kiosk: JSON text in, a checked struct content out.
 *
 * The rules, in short:
 *   - the whole bundle is checked before anything is used; one bad field
 *     rejects it whole, with an error naming the field
 *     ("windows[3].hours.mon[0]: \"25:00\" is not a time (HH:MM)");
 *   - required fields must be present with the right type; unknown fields
 *     are ignored (a newer office may add some); duplicate keys are errors;
 *   - every string has a length cap and no control characters; every array
 *     a count cap; the whole text CONTENT_MAX_BYTES;
 *   - dates are real calendar dates (YYYY-MM-DD), times HH:MM from 00:00 to
 *     24:00, opening spans end after they start.
 *
 * A parsed bundle is immutable and may be shared between threads.
 */
#ifndef KIOSK_SYNC_CONTENT_H
#define KIOSK_SYNC_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTENT_MAX_BYTES (1024 * 1024)
#define CONTENT_SPANS_MAX 4      /* opening spans per weekday */
#define CONTENT_CARD_ID_LEN 32   /* lowercase hex, as card_identity makes them */

/* A civil date as YYYYMMDD (20261129): compares like the date. */
typedef int32_t content_date_t;

/* Opening hours: for each weekday (0 = Sunday, as struct tm's tm_wday),
 * up to CONTENT_SPANS_MAX spans [open, close) in minutes after midnight. */
struct content_hours {
	uint8_t n[7];
	uint16_t open[7][CONTENT_SPANS_MAX];
	uint16_t close[7][CONTENT_SPANS_MAX];
};

struct content_hotline {
	char *name, *number, *hours, *note; /* hours and note may be "" */
};

struct content_window {
	char *id, *name, *phone, *address; /* address may be "" */
	double lat, lon;
	char **topics;
	size_t n_topics;
	char **languages;
	size_t n_languages;
	struct content_hours hours;
	content_date_t *closed_dates; /* sorted */
	size_t n_closed_dates;
};

struct content_session {
	content_date_t date;
	uint16_t start, end; /* minutes after midnight, local time */
	char *place, *note;  /* note may be "" */
	double lat, lon;
};

struct content_site {
	char *id, *name;
	double lat, lon;
	struct content_hours hours;
};

struct content_message {
	char *language; /* "ja", "ja-easy", "en" or another tag */
	char *key;
	char *text;
};

struct content {
	char *version;
	char *generated_at;
	char *help_url_template; /* "" = no help page: no QR code */
	struct content_hotline *hotlines;
	size_t n_hotlines;
	struct content_window *windows;
	size_t n_windows;
	struct content_session *sessions;
	size_t n_sessions;
	struct content_site *sites;
	size_t n_sites;
	content_date_t *holidays; /* sorted */
	size_t n_holidays;
	char (*issued_cards)[CONTENT_CARD_ID_LEN + 1];
	size_t n_issued_cards;
	char (*revoked_cards)[CONTENT_CARD_ID_LEN + 1];
	size_t n_revoked_cards;
	struct content_message *messages;
	size_t n_messages;
};

/*
 * Parses and checks a bundle (len bytes, need not be NUL-terminated).
 * Returns 0 with *out (free with content_free), or -1 with one line in err
 * that names the field at fault and never quotes more than a few bytes of
 * the input.
 */
int content_parse(const char *json, size_t len, struct content **out, char *err, size_t errlen);
void content_free(struct content *c);

/* Is a place with these hours open at minute (0..1439) of weekday wday? */
bool content_hours_open_at(const struct content_hours *h, int wday, int minute);

/* Is date in the sorted list? */
bool content_date_in(const content_date_t *dates, size_t n, content_date_t date);

/* A bundle's message for (language, key), or NULL. */
const char *content_message(const struct content *c, const char *language, const char *key);

/*
 * The help URL for a site: help_url_template with "{site}" replaced by
 * site_id. Returns 0, or -1 if there is no template or the result does not
 * fit in len bytes.
 */
int content_help_url(const struct content *c, const char *site_id, char *out, size_t len);

/* Calendar helpers on content_date_t. */
content_date_t content_date_make(int year, int month, int day);
content_date_t content_date_add_days(content_date_t date, int days);
int content_date_weekday(content_date_t date); /* 0 = Sunday */

#endif
