/*
 * content_rows: consultation windows and outreach sessions as office staff
 * keep them, one per row (a CSV from Excel, or a dashboard form), turned
 * into the content bundle's JSON, and put into the imported bundle.
 *
 * Columns (a header row names them, in English or Japanese, any order):
 *
 *   windows:  id ID, name 名称, phone 電話, address 住所, lat 緯度, lon 経度,
 *             topics 相談内容, languages 言語, mon 月 .. sun 日, closed_dates 休業日
 *   sessions: date 日付, start 開始, end 終了, place 場所, lat 緯度, lon 経度, note 備考
 *
 * Hours per weekday: spans "9:00-12:00 13:00-17:15" ('-', '~', '〜' or
 * '～'; empty = closed). Lists (topics, languages, closed_dates) are
 * separated by ';', '、' or spaces. Dates YYYY-MM-DD or YYYY/M/D (what
 * Excel turns dates into), times H:MM or HH:MM.
 *
 * Every problem is reported as "line N, FIELD: what is wrong" (forms give
 * line 0 and say only the field); an import is all or nothing: the caller
 * stores nothing while any problem is reported. After the rows, the whole
 * bundle is checked by content_build() (the kiosks' own parser) and its
 * complaints about "windows[i]" or "sessions[i]" are given the row's line.
 */
#ifndef OFFICE_CONTENT_ROWS_H
#define OFFICE_CONTENT_ROWS_H

#include <jansson.h>
#include <stdint.h>

#include "html.h"

#define CONTENT_ROWS_ERRORS_MAX 100

/* Where a row's values come from: a CSV record or a form. */
typedef const char *(*row_get_fn)(void *ctx, const char *field);

struct row_errors {
	struct out text; /* one problem per line */
	size_t n;
};

void row_errors_init(struct row_errors *e);
void row_errors_free(struct row_errors *e);
void row_error(struct row_errors *e, int line, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* One window or session from its fields. NULL (with errors added) if bad. */
json_t *content_row_window(row_get_fn get, void *ctx, int line, struct row_errors *e);
json_t *content_row_session(row_get_fn get, void *ctx, int line, struct row_errors *e);

/*
 * A whole CSV (UTF-8 text) of kind "windows" or "sessions" into a JSON
 * array; lines[i] is item i's line. Returns the array, or NULL with errors.
 */
json_t *content_rows_csv(const char *text, const char *kind, int **lines, struct row_errors *e);

/*
 * Checks base (the imported bundle, modified by the caller) as it would be
 * published: help_url_template set from public_url when given, then
 * content_build(). lines maps items of `kind` to CSV lines (NULL: none).
 * Returns 0, or -1 with errors.
 */
int content_rows_check(json_t *base, const char *kind, const int *lines, const char *public_url,
		       const char *zone, int64_t now, struct row_errors *e);

#endif
