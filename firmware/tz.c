/*
 * tz: see tz.h.
 */
#include "tz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static char tz_current[128];

/* Called with tz_lock held. */
static void tz_switch(const char *zone)
{
	if (strcmp(zone, tz_current) == 0 && tz_current[0] != '\0')
		return;
	setenv("TZ", zone, 1);
	tzset();
	snprintf(tz_current, sizeof(tz_current), "%s", zone);
}

void tz_init(const char *zone)
{
	pthread_mutex_lock(&tz_lock);
	tz_switch(zone);
	pthread_mutex_unlock(&tz_lock);
}

void tz_localtime(const char *zone, int64_t t, struct tm *out)
{
	time_t tt = (time_t)t;
	pthread_mutex_lock(&tz_lock);
	tz_switch(zone);
	if (!localtime_r(&tt, out))
		memset(out, 0, sizeof(*out));
	pthread_mutex_unlock(&tz_lock);
}

int64_t tz_mktime(const char *zone, const struct tm *local)
{
	struct tm tm = *local;
	tm.tm_isdst = -1;
	pthread_mutex_lock(&tz_lock);
	tz_switch(zone);
	time_t t = mktime(&tm);
	pthread_mutex_unlock(&tz_lock);
	return (int64_t)t;
}

void tz_local_date(const char *zone, int64_t t, char out[TZ_DATE_LEN + 1])
{
	struct tm tm;
	tz_localtime(zone, t, &tm);
	int year = tm.tm_year + 1900;
	if (year < 0 || year > 9999)
		year = 0; /* outside what a kiosk's clock can say; keeps the width fixed */
	snprintf(out, TZ_DATE_LEN + 1, "%04u-%02u-%02u", (unsigned)year % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

int64_t tz_next_month_start(const char *zone, int64_t t)
{
	struct tm tm;
	tz_localtime(zone, t, &tm);
	struct tm next = {0};
	next.tm_year = tm.tm_year + (tm.tm_mon == 11);
	next.tm_mon = (tm.tm_mon + 1) % 12;
	next.tm_mday = 1;
	return tz_mktime(zone, &next);
}
