/*
 * ingest: the committer, where reports become durable (group commit).
 *
 * HTTP threads validate a report, suspend its connection and hand it here.
 * One thread takes every report waiting, stores them all in one transaction
 * (storage_ingest), builds each one's answer, and only then lets each
 * connection answer. While a commit is on the disk, the reports arriving
 * queue up for the next one, so the number of commits per second stays what
 * the disk can do and the reports per commit grow with the load; no report
 * is ever answered before it is durable, and none waits for a timer.
 *
 * If the transaction fails every report of the batch is answered 503 (the
 * kiosk retries; counts are state, so nothing is counted twice).
 */
#ifndef OFFICE_INGEST_H
#define OFFICE_INGEST_H

#include <jansson.h>
#include <stddef.h>

#include "storage.h"

#define INGEST_BATCH_MAX 512

struct office;
struct ingest;

struct ingest_request {
	struct ingest_job job;   /* job.report is owned by the request */
	/* set by the committer before done() */
	int status;              /* 200, 401, 503 */
	json_t *answer;          /* the body to send */
	/* called on the committer thread once answer is set */
	void (*done)(struct ingest_request *req);
	void *ctx;
	struct ingest_request *next;
};

/* Starts the committer on its own storage handle (it takes ownership). */
struct ingest *ingest_start(struct office *o, struct storage *writer);

/* Queues a request; done() will be called exactly once, on another thread. */
void ingest_submit(struct ingest *in, struct ingest_request *req);

/* Finishes what is queued, then stops the thread and closes its storage. */
void ingest_stop(struct ingest *in);

/* Frees a request's report, held revisions and answer. */
void ingest_request_free(struct ingest_request *req);

#endif
