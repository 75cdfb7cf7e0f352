/*
 * http: see http.h.
 *
 * libmicrohttpd calls the access handler several times per request: first
 * with the headers (route, authentication and Content-Length are checked
 * there, before any body is read), then once per piece of the body, then
 * once with nothing more to read. A report is then validated and handed to
 * the committer with the connection suspended; the committer resumes it
 * once the report is durable, and the handler is called one last time to
 * send the answer.
 */
#include "http.h"

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "gzip.h"
#include "ingest.h"
#include "log.h"
#include "office.h"
#include "web.h"

#define TOKEN_MAX 256

enum route { R_REPORT, R_STATE, R_CONTENT, R_HEALTHZ, R_WEB_POST };

/*
 * One per request, made when libmicrohttpd first sees its URI (so every
 * request's latency is measured from its arrival), freed at completion.
 * `active` marks a request whose body is being read (a report or a
 * dashboard form); any other is answered on the first call.
 */
struct request {
	bool begun, active;
	enum metric_route metric;
	int64_t arrived_us;
	enum route route;
	struct cached_kiosk kiosk;
	bool gzip;
	bool too_large;
	char *body;
	size_t len, cap;
	int64_t started_ms;
	struct ingest_request *ingest; /* once handed to the committer */
	struct MHD_Connection *connection;
};

struct http_server {
	struct office *office;
	struct MHD_Daemon *daemon;
	gnutls_datum_t ticket_key; /* TLS session tickets, for this process's life */
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void) { return mono_us() / 1000; }

/* ---- answers ---- */

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return MHD_NO;
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"officed\"");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result refuse(struct office *o, struct MHD_Connection *c, unsigned status,
			      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum MHD_Result refuse(struct office *o, struct MHD_Connection *c, unsigned status,
			      const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	atomic_fetch_add(&o->requests_refused, 1);
	metrics_rejected(&o->metrics, status);
	json_t *body = json_pack("{s:b, s:s}", "ok", 0, "error", msg);
	if (status == MHD_HTTP_CONTENT_TOO_LARGE)
		json_object_set_new(body, "body_cap", json_integer(o->cfg.body_cap));
	return send_json(c, status, body);
}

/* ---- authentication ---- */

enum auth { AUTH_OK, AUTH_REFUSED, AUTH_RETRY };

/*
 * The kiosk whose bearer token this request carries. A token not in the
 * cache is looked for again in a reload that starts after the request came
 * (it may be a kiosk registered a moment ago); when the reload's rate limit
 * forbids one, the answer is "retry", never a false 401.
 */
static enum auth authenticate(struct office *o, struct MHD_Connection *c, struct cached_kiosk *out)
{
	int64_t arrived = kiosk_cache_now_ms();
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return AUTH_REFUSED;
	const char *token = auth + 7;
	while (*token == ' ')
		token++;
	size_t len = strlen(token);
	while (len > 0 && token[len - 1] == ' ')
		len--;
	if (len == 0 || len > TOKEN_MAX)
		return AUTH_REFUSED;
	if (kiosk_cache_find(&o->kiosks, token, len, out))
		return AUTH_OK;
	/* Reloads take turns under the lock; one that began after this request
	 * arrived already knows every kiosk registered before it. */
	pthread_mutex_lock(&o->reader_lock);
	int rc = 0;
	if (!kiosk_cache_loaded_after(&o->kiosks, arrived)) {
		rc = kiosk_cache_load(&o->kiosks, o->reader);
		if (rc != 0) {
			atomic_fetch_add(&o->metrics.db_errors, 1);
			log_error("kiosks: cannot reload the registry: %s", storage_error(o->reader));
		}
	}
	pthread_mutex_unlock(&o->reader_lock);
	if (kiosk_cache_find(&o->kiosks, token, len, out))
		return AUTH_OK;
	return rc == 0 ? AUTH_REFUSED : AUTH_RETRY;
}

static void refresh_kiosks_if_stale(struct office *o)
{
	if (!kiosk_cache_stale(&o->kiosks))
		return;
	pthread_mutex_lock(&o->reader_lock);
	if (kiosk_cache_stale(&o->kiosks) && kiosk_cache_load(&o->kiosks, o->reader) != 0) {
		atomic_fetch_add(&o->metrics.db_errors, 1);
		log_error("kiosks: cannot reload the registry: %s", storage_error(o->reader));
	}
	pthread_mutex_unlock(&o->reader_lock);
}

/* ---- GET routes ---- */

static enum MHD_Result serve_healthz(struct office *o, struct MHD_Connection *c)
{
	pthread_mutex_lock(&o->reader_lock);
	int rc = storage_ping(o->reader);
	char why[200];
	snprintf(why, sizeof(why), "%s", rc ? storage_error(o->reader) : "");
	pthread_mutex_unlock(&o->reader_lock);
	if (rc != 0) {
		atomic_fetch_add(&o->metrics.db_errors, 1);
		log_warn("healthz: storage: %s", why);
		return send_json(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				 json_pack("{s:b, s:s}", "ok", 0, "error", "storage unavailable"));
	}
	pthread_mutex_lock(&o->content.lock);
	json_int_t version = o->content.version;
	pthread_mutex_unlock(&o->content.lock);
	return send_json(c, MHD_HTTP_OK,
			 json_pack("{s:b, s:s, s:s, s:I, s:I}", "ok", 1, "version", OFFICED_VERSION,
				   "storage", storage_backend(o->reader), "content_version", version,
				   "reports_stored", (json_int_t)atomic_load(&o->reports_stored)));
}

static enum MHD_Result serve_state(struct office *o, struct MHD_Connection *c,
				   const struct cached_kiosk *k)
{
	struct kiosk_state st;
	memset(&st, 0, sizeof(st));
	memcpy(st.kiosk_id, k->kiosk_id, sizeof(st.kiosk_id));
	memcpy(st.site_id, k->site_id, sizeof(st.site_id));
	st.server_time = office_now();
	st.body_cap = o->cfg.body_cap;
	pthread_mutex_lock(&o->reader_lock);
	int rc = storage_kiosk_days(o->reader, k->kiosk_id, &st.days, &st.n_days);
	if (rc != 0) {
		atomic_fetch_add(&o->metrics.db_errors, 1);
		log_error("kiosk state for %s: %s", k->kiosk_id, storage_error(o->reader));
	}
	pthread_mutex_unlock(&o->reader_lock);
	if (rc != 0)
		return refuse(o, c, MHD_HTTP_SERVICE_UNAVAILABLE, "storage unavailable; try again");
	log_info("kiosk %s asked what the office holds: %zu days", k->kiosk_id, st.n_days);
	json_t *body = kiosk_state_to_json(&st);
	kiosk_state_free(&st);
	return send_json(c, MHD_HTTP_OK, body);
}

static bool accepts_gzip(struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	return ae && strstr(ae, "gzip") != NULL;
}

static enum MHD_Result serve_content(struct office *o, struct MHD_Connection *c)
{
	pthread_mutex_lock(&o->reader_lock);
	if (content_cache_refresh(&o->content, o->reader, NULL) != 0) {
		atomic_fetch_add(&o->metrics.db_errors, 1);
		log_error("content: %s", storage_error(o->reader));
	}
	pthread_mutex_unlock(&o->reader_lock);

	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	bool gz = accepts_gzip(c);
	pthread_mutex_lock(&o->content.lock);
	if (o->content.version == 0) {
		pthread_mutex_unlock(&o->content.lock);
		return refuse(o, c, MHD_HTTP_NOT_FOUND,
			      "no content has been published yet (officed content import FILE)");
	}
	char etag[CONTENT_ETAG_MAX];
	memcpy(etag, o->content.etag, sizeof(etag));
	struct MHD_Response *r;
	unsigned status;
	if (inm && strcmp(inm, etag) == 0) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_MODIFIED;
	} else if (gz) {
		r = MHD_create_response_from_buffer(o->content.gz_len, o->content.gz, MHD_RESPMEM_MUST_COPY);
		status = MHD_HTTP_OK;
	} else {
		r = MHD_create_response_from_buffer(o->content.len, o->content.body, MHD_RESPMEM_MUST_COPY);
		status = MHD_HTTP_OK;
	}
	pthread_mutex_unlock(&o->content.lock);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (status == MHD_HTTP_OK) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		if (gz)
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	}
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* ---- reports ---- */

static void report_done(struct ingest_request *req)
{
	struct request *rq = req->ctx;
	MHD_resume_connection(rq->connection);
}

/* The whole body is in: check it, then hand it to the committer. */
static enum MHD_Result finish_report(struct office *o, struct MHD_Connection *c, struct request *rq)
{
	atomic_fetch_add(&o->metrics.reports_received, 1);
	if (rq->too_large)
		return refuse(o, c, MHD_HTTP_CONTENT_TOO_LARGE,
			      "the body is over the office's cap of %u bytes; split the report",
			      o->cfg.body_cap);
	char *text = rq->body;
	size_t len = rq->len;
	char *inflated = NULL;
	if (rq->gzip) {
		switch (gunzip_capped(rq->body, rq->len, o->cfg.body_cap, &inflated, &len)) {
		case GUNZIP_OK:
			text = inflated;
			break;
		case GUNZIP_TOO_LARGE:
			return refuse(o, c, MHD_HTTP_CONTENT_TOO_LARGE,
				      "the inflated body is over the office's cap of %u bytes; split the "
				      "report",
				      o->cfg.body_cap);
		case GUNZIP_NOMEM:
			return refuse(o, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory; try again");
		case GUNZIP_BAD:
			return refuse(o, c, MHD_HTTP_BAD_REQUEST,
				      "the body is not valid gzip (Content-Encoding: gzip)");
		}
	}
	struct ingest_request *req = calloc(1, sizeof(*req));
	if (!req) {
		free(inflated);
		return refuse(o, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory; try again");
	}
	struct protocol_error perr;
	int rc = report_parse(text ? text : "", len, &req->job.report, &perr);
	free(inflated);
	if (rc != 0) {
		free(req);
		log_warn("report from %s refused (400): %s", rq->kiosk.kiosk_id, perr.message);
		atomic_fetch_add(&o->requests_refused, 1);
		metrics_rejected(&o->metrics, MHD_HTTP_BAD_REQUEST);
		return send_json(c, MHD_HTTP_BAD_REQUEST, protocol_error_to_json(&perr, 0));
	}
	const struct report *r = &req->job.report;
	if (strcmp(r->kiosk_id, rq->kiosk.kiosk_id) != 0 || strcmp(r->site_id, rq->kiosk.site_id) != 0) {
		bool kiosk = strcmp(r->kiosk_id, rq->kiosk.kiosk_id) != 0;
		log_warn("report refused (403): kiosk %s's token sent a report for %s %s",
			 rq->kiosk.kiosk_id, kiosk ? "kiosk" : "site", kiosk ? r->kiosk_id : r->site_id);
		enum MHD_Result res =
			kiosk ? refuse(o, c, MHD_HTTP_FORBIDDEN,
				       "this token belongs to kiosk %s; it may not send kiosk %s's data",
				       rq->kiosk.kiosk_id, r->kiosk_id)
			      : refuse(o, c, MHD_HTTP_FORBIDDEN,
				       "kiosk %s is registered at site %s, not site %s",
				       rq->kiosk.kiosk_id, rq->kiosk.site_id, r->site_id);
		ingest_request_free(req);
		return res;
	}
	int64_t now = office_now();
	req->job.received_at = now;
	req->job.clock_offset = r->sent_at - now;
	req->job.flag_unsynchronized = !r->clock_synchronized;
	req->job.flag_clock_disagrees = req->job.clock_offset > (int64_t)o->cfg.clock_tolerance ||
					req->job.clock_offset < -(int64_t)o->cfg.clock_tolerance;
	req->job.held = calloc(r->n_days ? r->n_days : 1, sizeof(*req->job.held));
	if (!req->job.held) {
		ingest_request_free(req);
		return refuse(o, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory; try again");
	}
	req->done = report_done;
	req->ctx = rq;
	rq->ingest = req;
	/* Suspended before it is queued, so the committer's resume never
	 * overtakes the suspension. */
	MHD_suspend_connection(c);
	ingest_submit(o->ingest, req);
	return MHD_YES;
}

/* A piece of the body: kept while it fits under the cap, dropped after. */
static enum MHD_Result take_body(struct office *o, struct request *rq, const char *data, size_t size)
{
	size_t body_cap = rq->route == R_WEB_POST ? o->cfg.upload_cap : o->cfg.body_cap;
	if (mono_ms() - rq->started_ms > 2000 * (int64_t)o->cfg.timeout) {
		log_warn("%s: upload still unfinished after %u s; connection closed",
			 rq->route == R_WEB_POST ? "dashboard" : rq->kiosk.kiosk_id, 2 * o->cfg.timeout);
		return MHD_NO;
	}
	if (rq->too_large)
		return MHD_YES;
	if (size > body_cap || rq->len > body_cap - size) {
		rq->too_large = true;
		free(rq->body);
		rq->body = NULL;
		rq->len = rq->cap = 0;
		return MHD_YES;
	}
	if (rq->len + size > rq->cap) {
		size_t cap = rq->cap ? rq->cap : 4096;
		while (cap < rq->len + size)
			cap *= 2;
		if (cap > body_cap)
			cap = body_cap;
		char *grown = realloc(rq->body, cap);
		if (!grown)
			return MHD_NO;
		rq->body = grown;
		rq->cap = cap;
	}
	memcpy(rq->body + rq->len, data, size);
	rq->len += size;
	return MHD_YES;
}

/* ---- the handler ---- */

/* A dashboard form's body is read (capped) and handed to web.c at its end. */
static enum MHD_Result begin_web(struct office *o, struct MHD_Connection *c, const char *url,
				 const char *method, struct request *rq)
{
	rq->metric = (strncmp(url, "/S/", 3) == 0 || strncmp(url, "/s/", 3) == 0) ? ROUTE_HELP
		     : strcmp(url, "/metrics") == 0				    ? ROUTE_METRICS
										    : ROUTE_DASHBOARD;
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return web_handle(o, c, url, method, NULL);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > o->cfg.upload_cap)
		return web_too_large(o, c, url);
	rq->route = R_WEB_POST;
	rq->started_ms = mono_ms();
	rq->connection = c;
	rq->active = true;
	return MHD_YES;
}

static enum MHD_Result finish_web(struct office *o, struct MHD_Connection *c, const char *url,
				  const char *method, struct request *rq)
{
	if (rq->too_large)
		return web_too_large(o, c, url);
	struct form form;
	int rc = web_parse_form(c, rq->body ? rq->body : "", rq->len, o->cfg.upload_cap, &form);
	enum MHD_Result res = rc == 0 ? web_handle(o, c, url, method, &form)
				      : web_bad_form(o, c, url, form.too_large);
	form_free(&form);
	return res;
}

/* First call for a request: route, method, authentication, headers. */
static enum MHD_Result begin_request(struct office *o, struct MHD_Connection *c, const char *url,
				     const char *method, struct request *rq)
{
	enum route route;
	const char *want;
	if (web_route(url))
		return begin_web(o, c, url, method, rq);
	if (strcmp(url, "/v1/report") == 0) {
		route = R_REPORT;
		want = MHD_HTTP_METHOD_POST;
	} else if (strcmp(url, "/v1/content") == 0) {
		route = R_CONTENT;
		want = MHD_HTTP_METHOD_GET;
	} else if (strcmp(url, "/v1/kiosk/state") == 0) {
		route = R_STATE;
		want = MHD_HTTP_METHOD_GET;
	} else if (strcmp(url, "/healthz") == 0) {
		route = R_HEALTHZ;
		want = MHD_HTTP_METHOD_GET;
	} else {
		rq->metric = ROUTE_OTHER;
		return refuse(o, c, MHD_HTTP_NOT_FOUND, "no such resource");
	}
	rq->metric = route == R_REPORT ? ROUTE_REPORT : route == R_STATE ? ROUTE_STATE
		     : route == R_CONTENT ? ROUTE_CONTENT : ROUTE_HEALTHZ;
	if (strcmp(method, want) != 0 &&
	    !(strcmp(want, MHD_HTTP_METHOD_GET) == 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)) {
		atomic_fetch_add(&o->requests_refused, 1);
		json_t *body = json_pack("{s:b, s:s}", "ok", 0, "error", "method not allowed");
		char *text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		struct MHD_Response *r = text ? MHD_create_response_from_buffer(
							strlen(text), text, MHD_RESPMEM_MUST_FREE)
					      : NULL;
		if (!r) {
			free(text);
			return MHD_NO;
		}
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, want);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
		MHD_destroy_response(r);
		return rc;
	}
	if (route == R_HEALTHZ)
		return serve_healthz(o, c);

	struct cached_kiosk kiosk;
	refresh_kiosks_if_stale(o);
	switch (authenticate(o, c, &kiosk)) {
	case AUTH_OK:
		break;
	case AUTH_RETRY:
		return refuse(o, c, MHD_HTTP_SERVICE_UNAVAILABLE, "cannot check the token now; try again");
	case AUTH_REFUSED:
		log_warn("%s %s: missing, unknown or revoked token (401)", method, url);
		return refuse(o, c, MHD_HTTP_UNAUTHORIZED,
			      "a valid kiosk token is required (Authorization: Bearer ...)");
	}
	if (route == R_STATE)
		return serve_state(o, c, &kiosk);
	if (route == R_CONTENT)
		return serve_content(o, c);

	/* R_REPORT: refuse what cannot be taken before reading any of it. */
	const char *ce = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
	bool gzip = ce && strcasecmp(ce, "gzip") == 0;
	if (ce && !gzip && strcasecmp(ce, "identity") != 0)
		return refuse(o, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
			      "Content-Encoding must be gzip or identity");
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct && strncasecmp(ct, "application/json", 16) != 0)
		return refuse(o, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > o->cfg.body_cap) {
		log_warn("report from %s refused (413): Content-Length %s is over the cap of %u",
			 kiosk.kiosk_id, cl, o->cfg.body_cap);
		return refuse(o, c, MHD_HTTP_CONTENT_TOO_LARGE,
			      "the body is over the office's cap of %u bytes; split the report",
			      o->cfg.body_cap);
	}
	rq->route = route;
	rq->kiosk = kiosk;
	rq->gzip = gzip;
	rq->started_ms = mono_ms();
	rq->connection = c;
	rq->active = true;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct office *o = cls;
	struct request *rq = *con_cls;
	if (!rq)
		return MHD_NO; /* out of memory when it arrived */
	if (!rq->begun) {
		rq->begun = true;
		enum MHD_Result rc = begin_request(o, c, url, method, rq);
		/* A request answered at once may still send a body: drop it unread. */
		if (!rq->active && *upload_data_size > 0)
			*upload_data_size = 0;
		return rc;
	}
	if (!rq->active) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->ingest) {
		/* Resumed by the committer: the report is durable (or refused). */
		if (rq->ingest->status == 200 || !rq->ingest->answer)
			return send_json(c, (unsigned)rq->ingest->status, json_incref(rq->ingest->answer));
		atomic_fetch_add(&o->requests_refused, 1);
		return send_json(c, (unsigned)rq->ingest->status, json_incref(rq->ingest->answer));
	}
	if (*upload_data_size > 0) {
		size_t size = *upload_data_size;
		*upload_data_size = 0;
		return take_body(o, rq, upload_data, size);
	}
	if (rq->route == R_WEB_POST) {
		rq->active = false;
		return finish_web(o, c, url, method, rq);
	}
	return finish_report(o, c, rq);
}

/* Every request's state is made here, on arrival. The URI is not logged:
 * the help pages' visitors leave no trace. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)uri;
	(void)c;
	struct request *rq = calloc(1, sizeof(*rq));
	if (rq) {
		rq->arrived_us = mono_us();
		rq->metric = ROUTE_OTHER;
	}
	return rq;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)c;
	(void)toe;
	struct office *o = cls;
	struct request *rq = *con_cls;
	if (!rq)
		return;
	metrics_observe(&o->metrics, rq->metric, mono_us() - rq->arrived_us);
	ingest_request_free(rq->ingest);
	free(rq->body);
	free(rq);
	*con_cls = NULL;
}

/*
 * TLS session resumption. Kiosks connect anew for each report, minutes
 * apart; resuming with a session ticket skips the certificate's signature
 * and verification, most of a handshake's cost on a Raspberry Pi.
 * libmicrohttpd does not enable GnuTLS's tickets itself, but tells us of a
 * new connection after it has made the TLS session and before the handshake:
 * the one place to enable them. The ticket key lives only in memory and
 * changes with every start.
 */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)socket_context;
	struct http_server *h = cls;
	if (code != MHD_CONNECTION_NOTIFY_STARTED || !h->ticket_key.data)
		return;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci && ci->tls_session &&
	    gnutls_session_ticket_enable_server(ci->tls_session, &h->ticket_key) != GNUTLS_E_SUCCESS)
		log_warn("http: TLS session tickets could not be enabled on a connection");
}

/* libmicrohttpd's own complaints, into our log. */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warn("http: %s", line);
}

struct http_server *http_start(struct office *o, int listen_fd, const char *cert, const char *key,
			       char *err, size_t errlen)
{
	struct http_server *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->office = o;
	unsigned threads = o->cfg.threads;
	if (threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus > 0 ? (unsigned)cpus : 1;
	}
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
			 MHD_USE_TURBO;
	if (cert)
		flags |= MHD_USE_TLS;
	/* MHD_OPTION_ARRAY so that the TLS options are there only with TLS. */
	struct MHD_OptionItem opts[16];
	size_t n = 0;
	/* The logger first, or libmicrohttpd warns that it is not. */
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, o->cfg.timeout, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, o->cfg.max_connections, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, 16 * 1024, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, o};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, NULL};
	if (cert) {
		if (gnutls_session_ticket_key_generate(&h->ticket_key) != GNUTLS_E_SUCCESS) {
			h->ticket_key.data = NULL;
			log_warn("http: no TLS session tickets (key generation failed); full handshakes only");
		}
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, h};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)cert};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)key};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
						    (void *)(uintptr_t)"NORMAL:-VERS-TLS1.0:-VERS-TLS1.1"};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, o, MHD_OPTION_ARRAY, opts,
				     MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err, errlen, "libmicrohttpd would not start (see the log above)");
		if (h->ticket_key.data)
			gnutls_free(h->ticket_key.data);
		free(h);
		return NULL;
	}
	return h;
}

void http_quiesce(struct http_server *h)
{
	if (h)
		MHD_quiesce_daemon(h->daemon);
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	if (h->ticket_key.data) {
		gnutls_memset(h->ticket_key.data, 0, h->ticket_key.size);
		gnutls_free(h->ticket_key.data);
	}
	free(h);
}
