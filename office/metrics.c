/*
 * metrics: see metrics.h.
 */
#include "metrics.h"

static const char *const reason_names[REJECT_REASONS] = {
	"bad_request", "unauthorized", "forbidden", "too_large", "unsupported_media", "unavailable",
};
static const char *const route_names[ROUTES] = {
	"report", "content", "kiosk_state", "healthz", "dashboard", "help", "metrics", "other",
};
/* Upper bounds in seconds: ingest answers in milliseconds, pages in tens. */
static const double bucket_le[METRIC_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
						 0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

int metrics_reason_of_status(unsigned status)
{
	switch (status) {
	case 400: return REJECT_BAD_REQUEST;
	case 401: return REJECT_UNAUTHORIZED;
	case 403: return REJECT_FORBIDDEN;
	case 413: return REJECT_TOO_LARGE;
	case 415: return REJECT_UNSUPPORTED;
	case 503: return REJECT_UNAVAILABLE;
	default: return -1;
	}
}

void metrics_rejected(struct metrics *m, unsigned status)
{
	int r = metrics_reason_of_status(status);
	if (r >= 0)
		atomic_fetch_add(&m->rejected[r], 1);
}

void metrics_observe(struct metrics *m, enum metric_route route, int64_t microseconds)
{
	if ((unsigned)route >= ROUTES)
		route = ROUTE_OTHER;
	if (microseconds < 0)
		microseconds = 0;
	struct metric_histogram *h = &m->latency[route];
	double s = (double)microseconds / 1e6;
	size_t b = 0;
	while (b < METRIC_BUCKETS && s > bucket_le[b])
		b++;
	atomic_fetch_add(&h->bucket[b], 1);
	atomic_fetch_add(&h->sum_us, (uint_least64_t)microseconds);
	atomic_fetch_add(&h->count, 1);
}

static unsigned long long get(atomic_uint_least64_t *v)
{
	return (unsigned long long)atomic_load(v);
}

void metrics_write(struct metrics *m, struct out *o)
{
	out_raw(o, "# HELP officed_reports_received_total Reports whose body officed read.\n"
		   "# TYPE officed_reports_received_total counter\n");
	out_fmt(o, "officed_reports_received_total %llu\n", get(&m->reports_received));
	out_raw(o, "# HELP officed_reports_stored_total Reports durably stored.\n"
		   "# TYPE officed_reports_stored_total counter\n");
	out_fmt(o, "officed_reports_stored_total %llu\n", get(&m->reports_stored));
	out_raw(o, "# HELP officed_reports_rejected_total Kiosk API requests refused, by reason.\n"
		   "# TYPE officed_reports_rejected_total counter\n");
	for (int r = 0; r < REJECT_REASONS; r++)
		out_fmt(o, "officed_reports_rejected_total{reason=\"%s\"} %llu\n", reason_names[r],
			get(&m->rejected[r]));
	out_raw(o, "# HELP officed_database_errors_total Storage operations that failed.\n"
		   "# TYPE officed_database_errors_total counter\n");
	out_fmt(o, "officed_database_errors_total %llu\n", get(&m->db_errors));
	out_raw(o, "# HELP officed_logins_total Dashboard logins.\n"
		   "# TYPE officed_logins_total counter\n");
	out_fmt(o, "officed_logins_total %llu\n", get(&m->logins));
	out_raw(o, "# HELP officed_login_failures_total Dashboard logins refused.\n"
		   "# TYPE officed_login_failures_total counter\n");
	out_fmt(o, "officed_login_failures_total %llu\n", get(&m->login_failures));
	out_raw(o, "# HELP officed_http_request_duration_seconds Time from a request's arrival to "
		   "its completion.\n"
		   "# TYPE officed_http_request_duration_seconds histogram\n");
	for (int r = 0; r < ROUTES; r++) {
		struct metric_histogram *h = &m->latency[r];
		unsigned long long cumulative = 0;
		for (int b = 0; b < METRIC_BUCKETS; b++) {
			cumulative += get(&h->bucket[b]);
			out_fmt(o, "officed_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				route_names[r], bucket_le[b], cumulative);
		}
		cumulative += get(&h->bucket[METRIC_BUCKETS]);
		out_fmt(o, "officed_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
			route_names[r], cumulative);
		out_fmt(o, "officed_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route_names[r],
			(double)get(&h->sum_us) / 1e6);
		out_fmt(o, "officed_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
			route_names[r], cumulative);
	}
}
