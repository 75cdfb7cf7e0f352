/*
 * export: the CSV files for Excel (the dashboard's /export/KIND.csv and
 * `officed export KIND`), built from figures.h.
 *
 *   days        one row per site per day in [from, to] (YYYY-MM-DD), every day
 *               listed, zeros included
 *   months      one row per site per month in [from, to] (YYYY-MM)
 *   programme   per month: each site's and the total's sets handed out, cards
 *               new at a kiosk, help requests and out-of-stock denials, each
 *               with its change from the month before
 *
 * UTF-8 with a byte-order mark (Excel on Japanese Windows otherwise reads
 * Shift_JIS), CRLF line ends, RFC 4180 quoting, Japanese headers when ja.
 * Text that Excel would take for a formula (starting = + - @) is prefixed
 * with an apostrophe. Dates are YYYY-MM-DD, months YYYY-MM.
 */
#ifndef OFFICE_EXPORT_H
#define OFFICE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content.h"
#include "html.h"
#include "storage.h"

#define EXPORT_DAYS_MAX 1100
#define EXPORT_MONTHS_MAX 120

struct export_request {
	const char *kind;     /* "days", "months", "programme" */
	const char *from, *to; /* NULL or "" for the defaults: this month / the last 12 months */
	bool ja;
	const char *zone;
	unsigned silence;
	int64_t now;
	const struct content *names; /* site names (may be NULL) */
};

/* Writes the CSV into o. Returns 0, or -1 with a message for the user in err. */
int export_csv(struct storage *s, const struct export_request *r, struct out *o, char *err,
	       size_t errlen);

/* One CSV field (quoted when it must be, formula-safe), no separator. */
void csv_field(struct out *o, const char *text);

#endif
