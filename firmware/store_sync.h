/*
 * store_sync: the sync client's durable memory, in the kiosk's store
 * (tables sync_days, sync_card_events and sync_state; schema 3).
 *
 * The sync client keeps its place here, never in memory alone, so a kiosk
 * that loses power mid-sync knows on restart exactly what the office has:
 *
 * - per day, the revision the office acknowledged holding. A day is pending
 *   while its revision in day_counters is higher. Counts are state, so
 *   resending a day the office already has is harmless, and a day whose
 *   acknowledgement was lost is simply sent again.
 * - per day, a revision the office refused (400) and why. That revision is
 *   not sent again; the day stays flagged in status and is sent again only
 *   once it changes. The other days go on.
 * - staff card events (card_ids only) until the office holds them.
 * - the last success, the last error, consecutive failures and when to try
 *   next (so a restart does not hammer an office that is down), the office's
 *   body cap, the content ETag held and the one the office has, the nearby
 *   sites' stock.
 * - restore_pending: set when the store was created empty. Before its first
 *   report such a kiosk asks the office what it holds and adds it to its own
 *   counters (store_sync_restore), so a replaced SD card neither loses nor
 *   doubles anything.
 *
 * Every function returns 0, or -1 with store_error() set; every change is
 * one transaction.
 */
#ifndef KIOSK_STORE_SYNC_H
#define KIOSK_STORE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_SYNC_ERROR_MAX 240
#define STORE_SYNC_ETAG_MAX 80

struct store_sync_state {
	bool restore_pending;
	int64_t last_success;  /* Unix time; 0 never */
	int64_t last_attempt;
	char last_error[STORE_SYNC_ERROR_MAX]; /* "" after a success */
	int64_t last_error_at;
	int64_t failures;      /* consecutive */
	int64_t next_attempt;  /* Unix time of the next retry after a failure; 0 none */
	int64_t body_cap;      /* the office's, from its last answer; 0 unknown */
	char content_etag[STORE_SYNC_ETAG_MAX]; /* of the bundle this kiosk holds */
	char office_etag[STORE_SYNC_ETAG_MAX];  /* of the newest the office has */
	bool clock_flagged;    /* the office flagged our clock in its last answer */
	char nearby[2048];     /* the office's "nearby" array, as JSON text */
};

int store_sync_state(struct store *store, struct store_sync_state *out);

/*
 * Up to max days to send, oldest first: changed since the office's last
 * acknowledgement and not refused at their current revision. *days is
 * malloc'd (free it), *n may be 0.
 */
int store_sync_pending_days(struct store *store, size_t max, struct store_day **days, size_t *n);

/* How many days are pending and how many are flagged as refused. */
int store_sync_counts(struct store *store, int64_t *pending, int64_t *rejected,
		      int64_t *card_events);

struct store_sync_rejected {
	char date[TZ_DATE_LEN + 1];
	int64_t revision;
	char reason[STORE_SYNC_ERROR_MAX];
};

/* Calls fn for each day the office refused at its current revision. */
int store_sync_rejected_each(struct store *store,
			     int (*fn)(void *ctx, const struct store_sync_rejected *r), void *ctx);

/* A staff card event waiting to be sent. */
struct store_card_event {
	int64_t id;
	card_id_t card;
	char action[8]; /* "issued" or "revoked" */
	int64_t at;
};

/*
 * Records a staff action on a card: its status in the kiosk's card list
 * (policy sees it at once) and an event for the office, in one transaction.
 * action is "issued" or "revoked".
 */
int store_card_event(struct store *store, const card_id_t *card, const char *action, int64_t at);

/* Up to max unsent card events, oldest first. *events is malloc'd. */
int store_sync_card_events(struct store *store, size_t max, struct store_card_event **events,
			   size_t *n);

/* The office's answer to one report, to be kept. */
struct store_sync_ack {
	const char (*dates)[TZ_DATE_LEN + 1]; /* the days sent ... */
	const int64_t *revisions;             /* ... at the revisions sent */
	size_t n_days;
	const int64_t *card_event_ids;        /* the card events sent */
	size_t n_card_events;
	int64_t at;
	int64_t body_cap;
	const char *office_etag;
	bool clock_flagged;
	const char *nearby; /* JSON text */
};

/*
 * A report was answered 200: the days are acknowledged at the revisions
 * sent (a day that changed meanwhile stays pending), the card events are
 * sent, the error and the failure count are cleared.
 */
int store_sync_success(struct store *store, const struct store_sync_ack *ack);

/* The office refused this revision of a day (400): flag it, send the rest. */
int store_sync_reject_day(struct store *store, const char *date, int64_t revision,
			  const char *reason);

/* An attempt failed. next_attempt 0: no automatic retry. */
int store_sync_failure(struct store *store, const char *error, int64_t at, int64_t failures,
		       int64_t next_attempt);

/* The bundle with this ETag is now the kiosk's (after store_content_put). */
int store_sync_set_content_etag(struct store *store, const char *etag);

/* Forgets the failure count and the retry time (the network came back, sync now). */
int store_sync_reset_backoff(struct store *store);

/*
 * A restored kiosk's start: adds what the office holds (counters and
 * revisions) to each day the kiosk has (taps since the store was created),
 * marks those revisions acknowledged, and clears restore_pending, in one
 * transaction. The office's revision plus the kiosk's own is higher than
 * what the office holds, so the merged day replaces the office's copy.
 */
int store_sync_restore(struct store *store, const struct store_day *office_days, size_t n);

#endif
