/*
 * sync_client: see sync_client.h.
 *
 * One easy handle, reused for each request of a cycle (libcurl's multi
 * handle keeps the connection alive between them). The cycle is a small
 * state machine driven by what the store says is left to do (next_step):
 * every answer is written to the store first, then the next step is chosen
 * afresh, so a crash or kill at any point leaves nothing half-known.
 */
#include "sync_client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "clock.h"
#include "curl_loop.h"
#include "gzip.h"
#include "log.h"
#include "netwatch.h"
#include "protocol.h"
#include "store_sync.h"
#include "sync_report.h"

#define TOKEN_MIN 16
#define TOKEN_MAX 256
#define ANSWER_MAX (256 * 1024)         /* a report's answer or a refusal */
#define STATE_MAX (8 * 1024 * 1024)     /* a kiosk state: years of days */
#define CONTENT_DOWNLOAD_MAX (2 * 1024 * 1024)
#define DEFAULT_BODY_CAP 65536          /* until the office has said its own */
#define MIN_BODY_CAP 1024
#define FIRST_ATTEMPT_MS 1000
#define NETWORK_BACK_MS 1000
#define STORE_RETRY_MS 10000
#define REQUESTS_PER_CYCLE_MAX 2000

enum phase { PHASE_IDLE, PHASE_STATE, PHASE_REPORT, PHASE_CONTENT };

struct sync_client {
	struct event_loop *loop;
	struct kiosk *k;
	struct curl_loop *curl;
	struct netwatch *net;
	CURL *easy;
	struct curl_slist *headers;
	int timer_fd;
	int64_t deadline_ms;      /* when the timer fires; 0 disarmed */
	int64_t backoff_until_ms; /* no nudged attempt before this */
	uint64_t rng;

	char base_url[CONFIG_PATH_MAX];
	char url[CONFIG_PATH_MAX + 32];
	char auth[TOKEN_MAX + 32]; /* "Authorization: Bearer ..." */

	enum phase phase;
	bool again;     /* a trigger arrived during a cycle */
	bool again_now; /* ... and it was sync now */
	/* the request in flight */
	char *body;
	size_t body_len;
	char *answer;
	size_t answer_len, answer_max;
	bool answer_too_large;
	char etag[STORE_SYNC_ETAG_MAX];
	struct store_day *sent_days;
	size_t n_sent_days;
	int64_t *sent_events;
	size_t n_sent_events;
	/* this cycle */
	int requests;
	int reports;
	int64_t days_acked;
	int64_t rejected;
	int64_t cap_override; /* after a 413: the batch must shrink */
	bool content_tried;
	bool heartbeat_sent;
	char last_logged_error[STORE_SYNC_ERROR_MAX];
	int64_t same_error_count;
};

static void next_step(struct sync_client *c);

static int64_t mono_ms(void) { return clock_monotonic_ms(); }

static int64_t wall_now(void)
{
	struct clock_reading r;
	clock_read(&r);
	return r.wall;
}

/* xorshift64*: the jitter needs spread, not secrecy. */
static double next_random(struct sync_client *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (double)((c->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* ---- the timer ---- */

/* Fires in ms; unless force, an earlier deadline already set stands. */
static void arm(struct sync_client *c, int64_t ms, bool force)
{
	if (ms < 1)
		ms = 1;
	int64_t deadline = mono_ms() + ms;
	if (!force && c->deadline_ms && c->deadline_ms <= deadline)
		return;
	struct itimerspec spec;
	memset(&spec, 0, sizeof(spec));
	spec.it_value.tv_sec = ms / 1000;
	spec.it_value.tv_nsec = (ms % 1000) * 1000000L;
	if (timerfd_settime(c->timer_fd, 0, &spec, NULL) == 0)
		c->deadline_ms = deadline;
}

static void start_cycle(struct sync_client *c)
{
	if (c->phase != PHASE_IDLE) {
		c->again = true;
		return;
	}
	c->again = c->again_now = false;
	c->requests = c->reports = 0;
	c->days_acked = c->rejected = 0;
	c->cap_override = 0;
	c->content_tried = c->heartbeat_sent = false;
	next_step(c);
}

static void on_timer(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct sync_client *c = arg;
	uint64_t expirations;
	if (read(fd, &expirations, sizeof(expirations)) != (ssize_t)sizeof(expirations))
		return;
	c->deadline_ms = 0;
	start_cycle(c);
}

/* ---- the end of a cycle ---- */

static void emit(struct sync_client *c, json_t *event)
{
	if (c->k->emit)
		c->k->emit(c->k->emit_ctx, event);
	json_decref(event);
}

static json_t *cycle_event(struct sync_client *c, const char *result)
{
	int64_t pending = 0, rejected = 0, events = 0;
	if (c->k->store)
		store_sync_counts(c->k->store, &pending, &rejected, &events);
	return json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I}", "event", "sync", "result", result,
			 "reports", c->reports, "days", (json_int_t)c->days_acked, "rejected",
			 (json_int_t)c->rejected, "pending", (json_int_t)pending, "rejected_days",
			 (json_int_t)rejected);
}

static void finish_ok(struct sync_client *c)
{
	c->phase = PHASE_IDLE;
	if (c->last_logged_error[0])
		log_info("sync: the office is reachable again");
	c->last_logged_error[0] = '\0';
	c->same_error_count = 0;
	c->backoff_until_ms = 0;
	log_debug("sync: done (%d reports, %lld days acknowledged)", c->reports,
		  (long long)c->days_acked);
	emit(c, cycle_event(c, "ok"));
	const struct kiosk_config *cfg = &c->k->cfg;
	if (c->again_now)
		arm(c, 1, true);
	else if (c->again)
		arm(c, (int64_t)cfg->office.report_delay * 1000, true);
	else
		arm(c, (int64_t)cfg->office.report_interval * 1000, true);
}

/*
 * An attempt failed. retryable: back off and try again; otherwise wait for
 * the next trigger (a periodic report, a change, sync now).
 */
static void finish_failed(struct sync_client *c, bool retryable, int64_t retry_after_s,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void finish_failed(struct sync_client *c, bool retryable, int64_t retry_after_s,
			  const char *fmt, ...)
{
	char msg[STORE_SYNC_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->phase = PHASE_IDLE;
	const struct kiosk_config *cfg = &c->k->cfg;
	struct store_sync_state st;
	int64_t failures = 1;
	if (c->k->store && store_sync_state(c->k->store, &st) == 0)
		failures = st.failures + 1;
	int64_t delay_ms = retryable ? backoff_delay_ms(cfg->office.backoff_base_ms,
							cfg->office.backoff_cap_ms, failures,
							next_random(c), retry_after_s * 1000)
				     : (int64_t)cfg->office.report_interval * 1000;
	int64_t now = wall_now();
	if (c->k->store &&
	    store_sync_failure(c->k->store, msg, now, failures,
			       retryable ? now + (delay_ms + 999) / 1000 : 0) != 0)
		log_error("sync: %s", store_error(c->k->store));
	/* One line per new error, then one per 100 repeats: an office down
	 * for a day must not fill the journal. */
	if (strcmp(msg, c->last_logged_error) != 0 || ++c->same_error_count % 100 == 0) {
		log_warn("sync: %s; %s", msg,
			 retryable ? "will retry" : "not retried until the next report is due");
		snprintf(c->last_logged_error, sizeof(c->last_logged_error), "%s", msg);
		if (c->same_error_count % 100 != 0)
			c->same_error_count = 0;
	}
	json_t *ev = cycle_event(c, "error");
	json_object_set_new(ev, "error", json_string(msg));
	json_object_set_new(ev, "retry_in_ms", json_integer(delay_ms));
	emit(c, ev);
	c->backoff_until_ms = retryable ? mono_ms() + delay_ms : 0;
	/* A `sync now` asked during this attempt gets its own attempt at once. */
	if (c->again_now) {
		c->backoff_until_ms = 0;
		delay_ms = 1;
	}
	arm(c, delay_ms, true);
}

/* ---- requests ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sync_client *c = arg;
	size_t n = size * nmemb;
	if (n > c->answer_max || c->answer_len > c->answer_max - n) {
		c->answer_too_large = true;
		return 0; /* libcurl aborts the transfer */
	}
	char *grown = realloc(c->answer, c->answer_len + n + 1);
	if (!grown)
		return 0;
	c->answer = grown;
	memcpy(c->answer + c->answer_len, data, n);
	c->answer_len += n;
	c->answer[c->answer_len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sync_client *c = arg;
	size_t n = size * nmemb;
	if (n > 5 && strncasecmp(data, "ETag:", 5) == 0) {
		const char *v = data + 5;
		size_t len = n - 5;
		while (len > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			len--;
		}
		while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
			len--;
		if (len < sizeof(c->etag)) {
			memcpy(c->etag, v, len);
			c->etag[len] = '\0';
		}
	}
	return n;
}

static void clear_request(struct sync_client *c)
{
	free(c->body);
	c->body = NULL;
	c->body_len = 0;
	free(c->answer);
	c->answer = NULL;
	c->answer_len = 0;
	c->answer_too_large = false;
	c->etag[0] = '\0';
	free(c->sent_days);
	c->sent_days = NULL;
	c->n_sent_days = 0;
	free(c->sent_events);
	c->sent_events = NULL;
	c->n_sent_events = 0;
	if (c->headers) {
		/* The list holds the token: wipe it before it goes back to malloc. */
		for (struct curl_slist *h = c->headers; h; h = h->next)
			explicit_bzero(h->data, strlen(h->data));
		curl_slist_free_all(c->headers);
		c->headers = NULL;
	}
}

/* Sets up the easy handle for path; body NULL means GET. Returns 0 or -1. */
static int begin_request(struct sync_client *c, enum phase phase, const char *path,
			 size_t answer_max, const char *if_none_match)
{
	const struct kiosk_config *cfg = &c->k->cfg;
	snprintf(c->url, sizeof(c->url), "%s%s", c->base_url, path);
	curl_easy_reset(c->easy);
	CURL *e = c->easy;
	curl_easy_setopt(e, CURLOPT_URL, c->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)cfg->office.connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)cfg->office.timeout);
	/* A stalled transfer ends well before the overall timeout would. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 10L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
			 (long)(cfg->office.timeout < 30 ? cfg->office.timeout : 30));
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->office.ca_file[0])
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->office.ca_file);
	if (cfg->office.pin[0])
		curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, cfg->office.pin);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "kioskd/" KIOSK_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)answer_max);
	c->answer_max = answer_max;

	struct curl_slist *h = curl_slist_append(NULL, c->auth);
	/* No "Expect: 100-continue" round trip for a body we send anyway. */
	h = h ? curl_slist_append(h, "Expect:") : NULL;
	if (h && c->body) {
		h = curl_slist_append(h, "Content-Type: application/json");
		h = h ? curl_slist_append(h, "Content-Encoding: gzip") : NULL;
	}
	if (h && if_none_match && if_none_match[0]) {
		char inm[STORE_SYNC_ETAG_MAX + 20];
		snprintf(inm, sizeof(inm), "If-None-Match: %s", if_none_match);
		h = curl_slist_append(h, inm);
	}
	if (!h)
		return -1;
	c->headers = h;
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	if (c->body) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
	}
	c->phase = phase;
	c->requests++;
	if (curl_loop_add(c->curl, e) != 0) {
		c->phase = PHASE_IDLE;
		return -1;
	}
	return 0;
}

static const char *reader_name(enum reader_state s)
{
	return s == READER_STATE_OK ? "ok" : s == READER_STATE_STARTING ? "starting" : "unavailable";
}

/* POSTs the next report: as many pending days as fit under the cap. */
static void request_report(struct sync_client *c)
{
	struct kiosk *k = c->k;
	struct store_sync_state st;
	struct store_day *days = NULL;
	struct store_card_event *events = NULL;
	size_t n_days = 0, n_events = 0;
	int64_t stock = 0;
	clear_request(c);
	if (store_sync_state(k->store, &st) != 0 ||
	    store_sync_pending_days(k->store, PROTOCOL_DAYS_MAX, &days, &n_days) != 0 ||
	    store_sync_card_events(k->store, SYNC_REPORT_CARD_EVENTS, &events, &n_events) != 0 ||
	    store_stock(k->store, &stock) != 0) {
		free(days);
		finish_failed(c, true, 0, "store: %s", store_error(k->store));
		return;
	}
	int64_t cap = st.body_cap >= MIN_BODY_CAP ? st.body_cap : DEFAULT_BODY_CAP;
	if (c->cap_override && c->cap_override < cap)
		cap = c->cap_override;
	struct sync_report_input in = {
		.kiosk_id = k->cfg.kiosk_id,
		.site_id = k->cfg.site_id,
		.firmware = KIOSK_VERSION,
		.now = wall_now(),
		.clock_synchronized = clock_synchronized(),
		.stock_level = stock,
		.stock_low_water = k->cfg.stock.low_water,
		.reader = reader_name(k->reader_state),
		.display = k->cfg.display.backend,
		.last_error = k->store_error,
		.days = days,
		.n_days = n_days,
		.events = events,
		.n_events = n_events,
		.body_cap = (size_t)cap,
	};
	struct sync_report_batch batch;
	char err[200];
	if (sync_report_build(&in, &batch, err, sizeof(err)) != 0) {
		free(days);
		free(events);
		finish_failed(c, false, 0, "%s", err);
		return;
	}
	/* Keep what was sent, to acknowledge exactly that. */
	c->sent_days = days;
	c->n_sent_days = batch.n_days;
	c->sent_events = calloc(batch.n_events ? batch.n_events : 1, sizeof(*c->sent_events));
	for (size_t i = 0; c->sent_events && i < batch.n_events; i++)
		c->sent_events[i] = events[i].id;
	c->n_sent_events = c->sent_events ? batch.n_events : 0;
	free(events);
	unsigned char *gz = NULL;
	size_t gz_len = 0;
	int rc = gzip_compress(batch.json, batch.len, &gz, &gz_len);
	free(batch.json);
	if (rc != 0 || !c->sent_events) {
		free(gz);
		finish_failed(c, true, 0, "out of memory building a report");
		return;
	}
	c->body = (char *)gz;
	c->body_len = gz_len;
	log_debug("sync: sending a report with %zu days and %zu card events (%zu bytes gzipped)",
		  batch.n_days, batch.n_events, gz_len);
	if (begin_request(c, PHASE_REPORT, "/v1/report", ANSWER_MAX, NULL) != 0)
		finish_failed(c, true, 0, "cannot start a request (out of memory)");
}

static void request_state(struct sync_client *c)
{
	clear_request(c);
	log_debug("sync: this store started empty; asking the office what it holds first");
	if (begin_request(c, PHASE_STATE, "/v1/kiosk/state", STATE_MAX, NULL) != 0)
		finish_failed(c, true, 0, "cannot start a request (out of memory)");
}

static void request_content(struct sync_client *c, const char *have)
{
	clear_request(c);
	c->content_tried = true;
	if (begin_request(c, PHASE_CONTENT, "/v1/content", CONTENT_DOWNLOAD_MAX, have) != 0)
		finish_failed(c, true, 0, "cannot start a request (out of memory)");
}

/*
 * What to do next, from what the store says: the office's state for a
 * restored kiosk; reports while anything is pending (and at least one per
 * cycle, a heartbeat); the content bundle if the office has a newer one.
 */
static void next_step(struct sync_client *c)
{
	struct kiosk *k = c->k;
	if (!k->store && !kiosk_store_retry(k)) {
		c->phase = PHASE_IDLE;
		arm(c, STORE_RETRY_MS, true);
		return;
	}
	if (c->requests >= REQUESTS_PER_CYCLE_MAX) {
		finish_failed(c, true, 0, "too many requests in one sync (%d); pausing", c->requests);
		return;
	}
	struct store_sync_state st;
	int64_t pending = 0, rejected = 0, events = 0;
	if (store_sync_state(k->store, &st) != 0 ||
	    store_sync_counts(k->store, &pending, &rejected, &events) != 0) {
		finish_failed(c, true, 0, "store: %s", store_error(k->store));
		return;
	}
	if (st.restore_pending)
		request_state(c);
	else if (pending > 0 || events > 0 || !c->heartbeat_sent)
		request_report(c);
	else if (st.office_etag[0] && strcmp(st.office_etag, st.content_etag) != 0 && !c->content_tried)
		request_content(c, st.content_etag);
	else
		finish_ok(c);
}

/* ---- answers ---- */

static void handle_report_ok(struct sync_client *c)
{
	struct report_answer a;
	char err[200];
	if (report_answer_parse(c->answer ? c->answer : "", c->answer_len, &a, err, sizeof(err)) != 0) {
		finish_failed(c, true, 0, "%s", err);
		return;
	}
	if (a.n_held != c->n_sent_days) {
		report_answer_free(&a);
		finish_failed(c, true, 0, "the office answered for %zu days, not the %zu sent", a.n_held,
			      c->n_sent_days);
		return;
	}
	char(*dates)[TZ_DATE_LEN + 1] = calloc(c->n_sent_days ? c->n_sent_days : 1, sizeof(*dates));
	int64_t *revs = calloc(c->n_sent_days ? c->n_sent_days : 1, sizeof(*revs));
	size_t n_ack = 0;
	for (size_t i = 0; dates && revs && i < c->n_sent_days; i++) {
		const struct store_day *d = &c->sent_days[i];
		if (strcmp(a.held[i].date, d->date) != 0 || a.held[i].revision < d->revision) {
			/* Not what was sent: leave the day pending; it goes again. */
			log_warn("sync: the office's answer for %s (revision %lld) does not acknowledge "
				 "revision %lld; it will be sent again",
				 d->date, (long long)a.held[i].revision, (long long)d->revision);
			continue;
		}
		if (a.held[i].revision > d->revision)
			log_warn("sync: the office holds revision %lld of %s, newer than this kiosk's "
				 "%lld (was this store restored from an old backup?)",
				 (long long)a.held[i].revision, d->date, (long long)d->revision);
		memcpy(dates[n_ack], d->date, sizeof(dates[n_ack]));
		revs[n_ack++] = d->revision;
	}
	json_t *nearby = json_array();
	for (size_t i = 0; i < a.n_nearby; i++)
		json_array_append_new(nearby, json_pack("{s:s, s:I, s:b, s:I}", "site_id",
							a.nearby[i].site_id, "level",
							(json_int_t)a.nearby[i].level, "low", a.nearby[i].low,
							"reported_at",
							(json_int_t)a.nearby[i].reported_at));
	char *nearby_text = json_dumps(nearby, JSON_COMPACT);
	json_decref(nearby);
	struct store_sync_ack ack = {
		.dates = (const char(*)[TZ_DATE_LEN + 1])dates,
		.revisions = revs,
		.n_days = n_ack,
		.card_event_ids = c->sent_events,
		.n_card_events = a.n_card_events == c->n_sent_events ? c->n_sent_events : 0,
		.at = wall_now(),
		.body_cap = a.body_cap,
		.office_etag = a.content_etag,
		.clock_flagged = a.clock_flagged,
		.nearby = nearby_text && strlen(nearby_text) < 2000 ? nearby_text : "[]",
	};
	int rc = dates && revs ? store_sync_success(c->k->store, &ack) : -1;
	free(nearby_text);
	free(dates);
	free(revs);
	report_answer_free(&a);
	if (rc != 0) {
		finish_failed(c, true, 0, "store: %s", dates ? store_error(c->k->store) : "out of memory");
		return;
	}
	c->reports++;
	c->days_acked += (int64_t)n_ack;
	c->heartbeat_sent = true;
	next_step(c);
}

/* 400 naming a day: set that day aside at the revision sent; the rest go on. */
static void handle_refused_day(struct sync_client *c, const struct refusal *r)
{
	const struct store_day *d = &c->sent_days[r->day_index];
	log_warn("sync: the office refused day %s (revision %lld): %s; it is kept here and flagged, "
		 "and the other days go on",
		 d->date, (long long)d->revision, r->error);
	if (store_sync_reject_day(c->k->store, d->date, d->revision, r->error) != 0) {
		finish_failed(c, true, 0, "store: %s", store_error(c->k->store));
		return;
	}
	c->rejected++;
	next_step(c);
}

static void handle_report(struct sync_client *c, long status, int64_t retry_after)
{
	struct refusal r;
	refusal_parse(c->answer, c->answer_len, &r);
	if (status == 200) {
		handle_report_ok(c);
	} else if (status == 413) {
		int64_t sent = (int64_t)c->n_sent_days;
		int64_t cap = c->cap_override ? c->cap_override : DEFAULT_BODY_CAP;
		struct store_sync_state st;
		if (store_sync_state(c->k->store, &st) == 0 && st.body_cap >= MIN_BODY_CAP &&
		    !c->cap_override)
			cap = st.body_cap;
		int64_t smaller = r.body_cap >= MIN_BODY_CAP && r.body_cap < cap ? r.body_cap : cap / 2;
		if (sent <= 1 || smaller < MIN_BODY_CAP) {
			finish_failed(c, false, 0, "the office refused a report of %lld day%s as too "
				      "large (413)", (long long)sent, sent == 1 ? "" : "s");
			return;
		}
		log_info("sync: the office's cap is smaller than this report (413); splitting it "
			 "(at most %lld bytes)", (long long)smaller);
		c->cap_override = smaller;
		next_step(c);
	} else if (status == 400 && r.day_index >= 0 && (size_t)r.day_index < c->n_sent_days) {
		handle_refused_day(c, &r);
	} else if (status >= 500 || status == 429) {
		finish_failed(c, true, retry_after, "the office answered %ld%s%s", status,
			      r.error[0] ? ": " : "", r.error);
	} else {
		finish_failed(c, false, 0, "the office refused the report (%ld)%s%s", status,
			      r.error[0] ? ": " : "", r.error);
	}
}

static void handle_state(struct sync_client *c, long status, int64_t retry_after)
{
	if (status != 200) {
		struct refusal r;
		refusal_parse(c->answer, c->answer_len, &r);
		finish_failed(c, status >= 500 || status == 429, retry_after,
			      "asking the office what it holds: %ld%s%s", status, r.error[0] ? ": " : "",
			      r.error);
		return;
	}
	struct kiosk_state s;
	struct protocol_error perr;
	if (kiosk_state_parse(c->answer ? c->answer : "", c->answer_len, &s, &perr) != 0) {
		finish_failed(c, true, 0, "the office's kiosk state is malformed: %s", perr.message);
		return;
	}
	if (strcmp(s.kiosk_id, c->k->cfg.kiosk_id) != 0) {
		kiosk_state_free(&s);
		finish_failed(c, false, 0, "the office answered for kiosk %s, not this one", s.kiosk_id);
		return;
	}
	struct store_day *days = calloc(s.n_days ? s.n_days : 1, sizeof(*days));
	for (size_t i = 0; days && i < s.n_days; i++) {
		const struct protocol_day *p = &s.days[i];
		struct store_day *d = &days[i];
		snprintf(d->date, sizeof(d->date), "%s", p->date);
		d->revision = p->revision;
		d->clock_unsynced = p->clock_unsynced;
#define COPY(name) d->name = p->name;
		STORE_DAY_COUNTERS(COPY)
#undef COPY
	}
	int rc = days ? store_sync_restore(c->k->store, days, s.n_days) : -1;
	size_t n = s.n_days;
	free(days);
	kiosk_state_free(&s);
	if (rc != 0) {
		finish_failed(c, true, 0, "store: %s", days ? store_error(c->k->store) : "out of memory");
		return;
	}
	log_info("sync: took over %zu days the office holds; counting on from there", n);
	next_step(c);
}

/* Hands a downloaded bundle to the display's importer (kiosk_content_import),
 * the one place a bundle is checked, stored and shown. */
static int install_content(struct sync_client *c, char *why, size_t whylen)
{
	char path[CONFIG_PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/content.download.json", c->k->cfg.data_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t done = 0;
	while (fd >= 0 && done < c->answer_len) {
		ssize_t n = write(fd, c->answer + done, c->answer_len - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (fd < 0 || done != c->answer_len) {
		snprintf(why, whylen, "cannot write the download in data_dir: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	json_t *r = kiosk_content_import(c->k, path, "the office");
	unlink(path);
	int rc = json_is_true(json_object_get(r, "ok")) ? 0 : -1;
	if (rc != 0)
		snprintf(why, whylen, "%s", json_string_value(json_object_get(r, "error"))
						    ? json_string_value(json_object_get(r, "error"))
						    : "refused");
	json_decref(r);
	return rc;
}

static void handle_content(struct sync_client *c, long status, int64_t retry_after)
{
	char why[STORE_SYNC_ERROR_MAX];
	if (status == 304 || status == 404) {
		/* 304: ours is current. 404: nothing published yet. */
		if (status == 304 && c->etag[0])
			store_sync_set_content_etag(c->k->store, c->etag);
		next_step(c);
		return;
	}
	if (status != 200) {
		finish_failed(c, status >= 500 || status == 429, retry_after,
			      "fetching the content bundle: %ld", status);
		return;
	}
	if (install_content(c, why, sizeof(why)) != 0) {
		finish_failed(c, false, 0, "the office's content bundle was not taken: %s", why);
		return;
	}
	if (store_sync_set_content_etag(c->k->store, c->etag) != 0)
		log_error("sync: %s", store_error(c->k->store));
	log_info("sync: content bundle %s installed", c->etag);
	next_step(c);
}

static void on_done(void *ctx, CURL *easy, CURLcode result)
{
	struct sync_client *c = ctx;
	enum phase phase = c->phase;
	long status = 0;
	curl_off_t retry_after = 0;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after);
	if (result != CURLE_OK) {
		if (c->answer_too_large)
			finish_failed(c, true, 0, "the office's answer is larger than %zu bytes",
				      c->answer_max);
		else
			finish_failed(c, true, 0, "%s: %s", c->url, curl_easy_strerror(result));
		return;
	}
	switch (phase) {
	case PHASE_REPORT:
		handle_report(c, status, (int64_t)retry_after);
		break;
	case PHASE_STATE:
		handle_state(c, status, (int64_t)retry_after);
		break;
	case PHASE_CONTENT:
		handle_content(c, status, (int64_t)retry_after);
		break;
	case PHASE_IDLE:
		break;
	}
}

/* ---- starting, stopping, triggers ---- */

/*
 * The token: one line of at least 16 characters in a file only its owner
 * may read, like the deployment key.
 */
static int read_token(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "[office] token_file %s: %s (install the token `officed kiosk "
			 "add` printed, mode 0600)", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(err, errlen, "[office] token_file %s may be read by group or others (mode %04o): "
			 "chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	char buf[TOKEN_MAX + 4];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	size_t len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789-._~+/=";
	bool ok = len >= TOKEN_MIN && len <= TOKEN_MAX && strspn(buf, allowed) == len &&
		  len < outlen;
	if (ok)
		memcpy(out, buf, len + 1);
	explicit_bzero(buf, sizeof(buf));
	if (!ok)
		snprintf(err, errlen, "[office] token_file %s does not hold a token (one line of %d to "
			 "%d characters)", path, TOKEN_MIN, TOKEN_MAX);
	return ok ? 0 : -1;
}

static void network_changed(void *ctx)
{
	struct sync_client *c = ctx;
	if (c->backoff_until_ms == 0 || c->phase != PHASE_IDLE)
		return;
	log_info("sync: the network changed; trying the office again");
	c->backoff_until_ms = 0;
	if (c->k->store)
		store_sync_reset_backoff(c->k->store);
	arm(c, NETWORK_BACK_MS, true);
}

struct sync_client *sync_client_start(struct event_loop *loop, struct kiosk *k, char *err,
				      size_t errlen)
{
	err[0] = '\0';
	const struct kiosk_config *cfg = &k->cfg;
	if (!cfg->office.url[0])
		return NULL;
	struct sync_client *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->loop = loop;
	c->k = k;
	c->timer_fd = -1;
	char token[TOKEN_MAX + 1];
	if (read_token(cfg->office.token_file, token, sizeof(token), err, errlen) != 0) {
		free(c);
		return NULL;
	}
	snprintf(c->auth, sizeof(c->auth), "Authorization: Bearer %s", token);
	explicit_bzero(token, sizeof(token));
	snprintf(c->base_url, sizeof(c->base_url), "%s", cfg->office.url);
	size_t n = strlen(c->base_url);
	while (n > 0 && c->base_url[n - 1] == '/')
		c->base_url[--n] = '\0';
	if (getrandom(&c->rng, sizeof(c->rng), GRND_NONBLOCK) != (ssize_t)sizeof(c->rng) || !c->rng)
		c->rng = (uint64_t)mono_ms() * 0x9E3779B97F4A7C15ULL + (uint64_t)getpid();

	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	c->easy = curl_easy_init();
	c->curl = curl_loop_new(loop, on_done, c);
	if (c->timer_fd < 0 || !c->easy || !c->curl ||
	    event_loop_add(loop, c->timer_fd, EPOLLIN, on_timer, c) != 0) {
		snprintf(err, errlen, "cannot set up libcurl on the event loop");
		explicit_bzero(c->auth, sizeof(c->auth));
		if (c->easy)
			curl_easy_cleanup(c->easy);
		curl_loop_free(c->curl);
		if (c->timer_fd >= 0)
			close(c->timer_fd);
		free(c);
		return NULL;
	}
	c->net = netwatch_start(loop, network_changed, c);
	if (!c->net)
		log_warn("sync: cannot watch the network (netlink); retries follow the backoff only");

	/* A kiosk restarted while backing off keeps to its schedule. */
	int64_t first = FIRST_ATTEMPT_MS;
	struct store_sync_state st;
	if (k->store && store_sync_state(k->store, &st) == 0 && st.failures > 0 && st.next_attempt) {
		int64_t wait = (st.next_attempt - wall_now()) * 1000;
		if (wait > (int64_t)cfg->office.backoff_cap_ms)
			wait = cfg->office.backoff_cap_ms;
		if (wait > first) {
			first = wait;
			c->backoff_until_ms = mono_ms() + wait;
		}
	}
	arm(c, first, true);
	log_info("sync: reporting to %s every %u s", c->base_url, cfg->office.report_interval);
	return c;
}

void sync_client_stop(struct sync_client *c)
{
	if (!c)
		return;
	if (c->phase != PHASE_IDLE)
		curl_loop_remove(c->curl, c->easy);
	clear_request(c);
	curl_easy_cleanup(c->easy);
	curl_loop_free(c->curl);
	netwatch_stop(c->net);
	event_loop_remove(c->loop, c->timer_fd);
	close(c->timer_fd);
	explicit_bzero(c->auth, sizeof(c->auth));
	free(c);
}

void sync_client_changed(struct sync_client *c)
{
	if (!c)
		return;
	if (c->phase != PHASE_IDLE) {
		c->again = true;
		return;
	}
	/* While backing off, the retry will carry this change too. */
	if (c->backoff_until_ms && mono_ms() < c->backoff_until_ms)
		return;
	arm(c, (int64_t)c->k->cfg.office.report_delay * 1000, false);
}

bool sync_client_now(struct sync_client *c)
{
	if (!c)
		return false;
	c->backoff_until_ms = 0;
	if (c->k->store)
		store_sync_reset_backoff(c->k->store);
	if (c->phase != PHASE_IDLE) {
		c->again = c->again_now = true;
		/* The cycle in flight goes on; another follows at once. */
		return true;
	}
	arm(c, 1, true);
	return false;
}

/* ---- status ---- */

static json_t *time_or_null(struct kiosk *k, int64_t t)
{
	if (t <= 0)
		return json_null();
	char text[40];
	kiosk_format_time(k, t, text, sizeof(text));
	return json_string(text);
}

static int add_rejected(void *ctx, const struct store_sync_rejected *r)
{
	json_array_append_new((json_t *)ctx, json_pack("{s:s, s:I, s:s}", "date", r->date, "revision",
						       (json_int_t)r->revision, "reason", r->reason));
	return 0;
}

json_t *sync_client_status(struct sync_client *c, struct kiosk *k, const char *why_not)
{
	json_t *s = json_object();
	bool configured = k->cfg.office.url[0] != '\0';
	json_object_set_new(s, "configured", json_boolean(configured));
	if (configured)
		json_object_set_new(s, "url", json_string(k->cfg.office.url));
	const char *state = !c ? "disabled"
			    : c->phase != PHASE_IDLE ? "syncing"
			    : c->backoff_until_ms && mono_ms() < c->backoff_until_ms ? "backoff"
										  : "idle";
	json_object_set_new(s, "state", json_string(state));
	if (!c && why_not && why_not[0])
		json_object_set_new(s, "error", json_string(why_not));
	struct store_sync_state st;
	int64_t pending = 0, rejected = 0, events = 0;
	if (!k->store || store_sync_state(k->store, &st) != 0 ||
	    store_sync_counts(k->store, &pending, &rejected, &events) != 0) {
		json_object_set_new(s, "last_success", json_null());
		json_object_set_new(s, "last_error", json_null());
		return s;
	}
	json_object_set_new(s, "last_success", time_or_null(k, st.last_success));
	json_object_set_new(s, "last_attempt", time_or_null(k, st.last_attempt));
	json_object_set_new(s, "last_error", st.last_error[0] ? json_string(st.last_error) : json_null());
	json_object_set_new(s, "last_error_at",
			    st.last_error[0] ? time_or_null(k, st.last_error_at) : json_null());
	json_object_set_new(s, "failures", json_integer(st.failures));
	json_object_set_new(s, "next_attempt", st.failures ? time_or_null(k, st.next_attempt)
							   : json_null());
	json_object_set_new(s, "pending_days", json_integer(pending));
	json_object_set_new(s, "pending_card_events", json_integer(events));
	json_t *list = json_array();
	store_sync_rejected_each(k->store, add_rejected, list);
	json_object_set_new(s, "rejected_days", list);
	json_object_set_new(s, "restore_pending", json_boolean(st.restore_pending));
	json_object_set_new(s, "body_cap", json_integer(st.body_cap));
	json_object_set_new(s, "content_etag", json_string(st.content_etag));
	json_object_set_new(s, "clock_flagged", json_boolean(st.clock_flagged));
	json_t *nearby = json_loads(st.nearby, 0, NULL);
	json_object_set_new(s, "nearby", json_is_array(nearby) ? nearby : json_array());
	if (!json_is_array(nearby))
		json_decref(nearby);
	return s;
}
