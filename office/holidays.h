/*
 * holidays: the Cabinet Office's list of national holidays
 * (syukujitsu.csv: Shift_JIS, a header 国民の祝日・休日月日,国民の祝日・休日名称,
 * then rows like 2026/1/1,元日) into the content bundle's `holidays`, so
 * the kiosks show windows and sites as closed on them.
 *
 * The list goes back to 1955; the bundle keeps at most 1000 dates, so only
 * dates from January 1 of the year before `now` on are taken. They are
 * merged with the dates already in the bundle (sorted, without repeats),
 * so closures the office added by hand stay.
 */
#ifndef OFFICE_HOLIDAYS_H
#define OFFICE_HOLIDAYS_H

#include <jansson.h>
#include <stddef.h>

#include "content.h"

/*
 * Parses the file's bytes. Returns a JSON array of "YYYY-MM-DD" strings
 * on or after `since`, or NULL with "line N: ..." in err.
 * *total gets the number of holidays in the file.
 */
json_t *holidays_parse(const char *bytes, size_t len, content_date_t since, size_t *total,
		       char *err, size_t errlen);

/* Merges dates into base's "holidays" (sorted, unique). Returns how many were new. */
size_t holidays_merge(json_t *base, json_t *dates);

#endif
