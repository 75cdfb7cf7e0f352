/*
 * ingest: see ingest.h.
 */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "office.h"

struct ingest {
	struct office *office;
	struct storage *writer;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct ingest_request *head, *tail;
	bool stopping;
	int64_t failures_logged_at;
};

void ingest_request_free(struct ingest_request *req)
{
	if (!req)
		return;
	report_free(&req->job.report);
	free(req->job.held);
	json_decref(req->answer);
	free(req);
}

/* The live stock of the sites near this report's site. */
static void add_nearby(struct office *o, const struct ingest_outcome *out, const char *site_id,
		       struct report_answer *a)
{
	size_t picks[NEARBY_MAX];
	pthread_mutex_lock(&o->content.lock);
	size_t n = nearby_pick(o->content.sites, o->content.n_sites, site_id, NEARBY_RADIUS_KM,
			       NEARBY_MAX, picks);
	for (size_t i = 0; i < n; i++) {
		const char *id = o->content.sites[picks[i]].site_id;
		for (size_t j = 0; j < out->n_sites; j++) {
			if (strcmp(out->sites[j].site_id, id) != 0)
				continue;
			struct protocol_nearby *nb = &a->nearby[a->n_nearby++];
			memcpy(nb->site_id, id, sizeof(nb->site_id));
			nb->level = out->sites[j].level;
			nb->low = out->sites[j].low;
			nb->reported_at = out->sites[j].reported_at;
			break;
		}
	}
	pthread_mutex_unlock(&o->content.lock);
}

static json_t *answer_for(struct office *o, const struct ingest_request *req,
			  const struct ingest_outcome *out)
{
	const struct ingest_job *j = &req->job;
	struct report_answer a;
	memset(&a, 0, sizeof(a));
	a.server_time = office_now();
	a.body_cap = o->cfg.body_cap;
	memcpy(a.content_etag, out->content_etag, sizeof(a.content_etag));
	a.clock_flagged = j->flag_unsynchronized || j->flag_clock_disagrees;
	a.n_card_events = j->card_events_held;
	a.held = calloc(j->report.n_days ? j->report.n_days : 1, sizeof(*a.held));
	if (!a.held)
		return NULL;
	for (size_t i = 0; i < j->report.n_days; i++) {
		memcpy(a.held[i].date, j->report.days[i].date, sizeof(a.held[i].date));
		a.held[i].revision = j->held[i];
	}
	a.n_held = j->report.n_days;
	add_nearby(o, out, j->report.site_id, &a);
	json_t *answer = report_answer_to_json(&a);
	report_answer_free(&a);
	return answer;
}

static json_t *refusal(const char *text)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", text);
}

static void commit_batch(struct ingest *in, struct ingest_request **batch, size_t n)
{
	struct office *o = in->office;
	struct ingest_job *jobs[INGEST_BATCH_MAX];
	for (size_t i = 0; i < n; i++)
		jobs[i] = &batch[i]->job;
	struct ingest_outcome out;
	int rc = storage_ingest(in->writer, jobs, n, o->cfg.timezone, &out);
	if (rc != 0) {
		/* Logged at most every 10 s: a database that is down would
		 * otherwise write a line per report. */
		int64_t now = office_now();
		if (now - in->failures_logged_at >= 10) {
			log_error("storage: %s; answering 503 (kiosks will retry)",
				  storage_error(in->writer));
			in->failures_logged_at = now;
		}
	} else {
		if (out.published)
			log_info("content: kiosks' card events published as a new bundle version %s",
				 out.content_etag);
		if (out.content_etag[0] && content_cache_refresh(&o->content, in->writer,
								 out.content_etag) != 0)
			log_error("content: %s", storage_error(in->writer));
	}
	for (size_t i = 0; i < n; i++) {
		struct ingest_request *req = batch[i];
		if (rc != 0) {
			req->status = 503;
			req->answer = refusal("the office could not store the report now; try again");
		} else if (req->job.status == 401) {
			req->status = 401;
			req->answer = refusal("this kiosk has been revoked");
		} else {
			req->status = 200;
			req->answer = answer_for(o, req, &out);
			if (!req->answer) {
				req->status = 503;
				req->answer = refusal("out of memory");
			} else {
				atomic_fetch_add(&o->reports_stored, 1);
				log_debug("report from %s stored: %zu days, %zu card events",
					  req->job.report.kiosk_id, req->job.report.n_days,
					  req->job.report.n_card_events);
			}
		}
		req->done(req);
	}
	if (rc == 0)
		ingest_outcome_free(&out);
}

static void *committer(void *arg)
{
	struct ingest *in = arg;
	struct ingest_request *batch[INGEST_BATCH_MAX];
	for (;;) {
		pthread_mutex_lock(&in->lock);
		while (!in->head && !in->stopping)
			pthread_cond_wait(&in->wake, &in->lock);
		if (!in->head && in->stopping) {
			pthread_mutex_unlock(&in->lock);
			return NULL;
		}
		size_t n = 0;
		while (in->head && n < INGEST_BATCH_MAX) {
			batch[n++] = in->head;
			in->head = in->head->next;
		}
		if (!in->head)
			in->tail = NULL;
		pthread_mutex_unlock(&in->lock);
		commit_batch(in, batch, n);
	}
}

struct ingest *ingest_start(struct office *o, struct storage *writer)
{
	struct ingest *in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	in->office = o;
	in->writer = writer;
	pthread_mutex_init(&in->lock, NULL);
	pthread_cond_init(&in->wake, NULL);
	if (pthread_create(&in->thread, NULL, committer, in) != 0) {
		pthread_mutex_destroy(&in->lock);
		pthread_cond_destroy(&in->wake);
		free(in);
		return NULL;
	}
	return in;
}

void ingest_submit(struct ingest *in, struct ingest_request *req)
{
	req->next = NULL;
	pthread_mutex_lock(&in->lock);
	if (in->tail)
		in->tail->next = req;
	else
		in->head = req;
	in->tail = req;
	pthread_cond_signal(&in->wake);
	pthread_mutex_unlock(&in->lock);
}

void ingest_stop(struct ingest *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&in->lock);
	in->stopping = true;
	pthread_cond_signal(&in->wake);
	pthread_mutex_unlock(&in->lock);
	pthread_join(in->thread, NULL);
	storage_close(in->writer);
	pthread_mutex_destroy(&in->lock);
	pthread_cond_destroy(&in->wake);
	free(in);
}
