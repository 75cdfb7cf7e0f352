/*
 * metrics: officed's counters for /metrics (Prometheus text format 0.0.4).
 *
 *   officed_reports_received_total             reports whose body was read
 *   officed_reports_stored_total               reports durably stored
 *   officed_reports_rejected_total{reason}     refused: bad_request, unauthorized,
 *                                              forbidden, too_large, unsupported_media,
 *                                              unavailable
 *   officed_http_request_duration_seconds{route}  histogram, from the request's
 *                                              first byte to its completion
 *   officed_database_errors_total              storage calls that failed
 *   officed_login_failures_total, officed_logins_total
 *   officed_kiosks{state}                      counted from storage at each scrape
 *   officed_content_version                    the newest published bundle
 *
 * Counters are atomics bumped on the serving threads; a scrape reads them
 * without a lock (each value is exact, the set is near-simultaneous).
 */
#ifndef OFFICE_METRICS_H
#define OFFICE_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "html.h"

enum metric_reason {
	REJECT_BAD_REQUEST,
	REJECT_UNAUTHORIZED,
	REJECT_FORBIDDEN,
	REJECT_TOO_LARGE,
	REJECT_UNSUPPORTED,
	REJECT_UNAVAILABLE,
	REJECT_REASONS
};

enum metric_route {
	ROUTE_REPORT,
	ROUTE_CONTENT,
	ROUTE_STATE,
	ROUTE_HEALTHZ,
	ROUTE_DASHBOARD,
	ROUTE_HELP,
	ROUTE_METRICS,
	ROUTE_OTHER,
	ROUTES
};

#define METRIC_BUCKETS 12

struct metric_histogram {
	atomic_uint_least64_t bucket[METRIC_BUCKETS + 1]; /* the last is +Inf */
	atomic_uint_least64_t sum_us;
	atomic_uint_least64_t count;
};

struct metrics {
	atomic_uint_least64_t reports_received;
	atomic_uint_least64_t reports_stored;
	atomic_uint_least64_t rejected[REJECT_REASONS];
	atomic_uint_least64_t db_errors;
	atomic_uint_least64_t logins, login_failures;
	struct metric_histogram latency[ROUTES];
};

/* The reason label for an HTTP status a report was refused with (-1: none). */
int metrics_reason_of_status(unsigned status);
void metrics_rejected(struct metrics *m, unsigned status);
void metrics_observe(struct metrics *m, enum metric_route route, int64_t microseconds);

/* Appends the counters above (not the kiosk gauges) in the text format. */
void metrics_write(struct metrics *m, struct out *o);

#endif
