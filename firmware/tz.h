/*
 * tz: local dates and times in a named IANA time zone ("Asia/Tokyo").
 *
 * glibc has no per-call time zone, so this module switches TZ under a mutex
 * and only when the zone differs from the last one used; kioskd uses one
 * zone, so in practice TZ is set once. Zone names are checked against the
 * zoneinfo database by config.c: glibc silently treats an unknown name as UTC.
 */
#ifndef KIOSK_TZ_H
#define KIOSK_TZ_H

#include <stdint.h>
#include <time.h>

#define TZ_DATE_LEN 10 /* "YYYY-MM-DD" */

/*
 * Sets TZ to zone. Call once before any thread starts: the first setenv()
 * of a variable may move the environment array while another thread's
 * getenv() reads it (libnfc calls getenv at every log call, in the reader
 * thread); later switches only replace TZ's entry in place.
 */
void tz_init(const char *zone);

/* Breaks Unix time t down into local time in zone. */
void tz_localtime(const char *zone, int64_t t, struct tm *out);

/* The Unix time of a local time in zone (fields normalised as by mktime). */
int64_t tz_mktime(const char *zone, const struct tm *local);

/* Writes t's local date in zone as "YYYY-MM-DD" into out[TZ_DATE_LEN + 1]. */
void tz_local_date(const char *zone, int64_t t, char out[TZ_DATE_LEN + 1]);

/* The Unix time at which the local month after t's month begins. */
int64_t tz_next_month_start(const char *zone, int64_t t);

#endif
