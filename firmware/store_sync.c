/*
 * store_sync: see store_sync.h.
 *
 * The sync client runs a few times a minute at most, so statements are
 * prepared per call rather than cached; what matters here is that every
 * change is one transaction.
 */
#include "store_sync.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNTER_COLUMN(name) ", d." #name
#define COUNTER_NAME(name) #name ","
#define COUNTER_PARAM(name) "?,"
#define COUNTER_ADD(name) #name " = " #name " + excluded." #name ","

/* The store's shared helpers, under the short names this file uses. */
static int fail_db(struct store *s, const char *what) { return store_fail_db(s, what); }
static sqlite3_stmt *prepare(struct store *s, const char *sql) { return store_prepare(s, sql, "a sync statement"); }
static int exec(struct store *s, const char *sql) { return store_exec(s, sql); }

static int begin(struct store *s) { return exec(s, "BEGIN IMMEDIATE"); }

static int commit(struct store *s)
{
	if (exec(s, "COMMIT") == 0)
		return 0;
	sqlite3_exec(store_sqlite(s), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int rollback(struct store *s)
{
	sqlite3_exec(store_sqlite(s), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Steps a statement that returns no row, then finalizes it. */
static int run(struct store *s, sqlite3_stmt *st, const char *what)
{
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		fail_db(s, what);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void text_col(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	snprintf(out, len, "%s", v ? (const char *)v : "");
}

int store_sync_state(struct store *s, struct store_sync_state *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = prepare(s, "SELECT restore_pending, last_success, last_attempt, last_error,"
				      " last_error_at, failures, next_attempt, body_cap, content_etag,"
				      " office_etag, clock_flagged, nearby FROM sync_state WHERE id = 1");
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->restore_pending = sqlite3_column_int(st, 0) != 0;
		out->last_success = sqlite3_column_int64(st, 1);
		out->last_attempt = sqlite3_column_int64(st, 2);
		text_col(st, 3, out->last_error, sizeof(out->last_error));
		out->last_error_at = sqlite3_column_int64(st, 4);
		out->failures = sqlite3_column_int64(st, 5);
		out->next_attempt = sqlite3_column_int64(st, 6);
		out->body_cap = sqlite3_column_int64(st, 7);
		text_col(st, 8, out->content_etag, sizeof(out->content_etag));
		text_col(st, 9, out->office_etag, sizeof(out->office_etag));
		out->clock_flagged = sqlite3_column_int(st, 10) != 0;
		text_col(st, 11, out->nearby, sizeof(out->nearby));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail_db(s, "reading sync state");
}

/* Days whose revision the office has not acknowledged and has not refused. */
#define PENDING_WHERE                                                         \
	" FROM day_counters d LEFT JOIN sync_days y ON y.local_date = d.local_date" \
	" WHERE d.revision > coalesce(y.acked_revision, 0)"                         \
	" AND d.revision <> coalesce(y.rejected_revision, 0)"

int store_sync_pending_days(struct store *s, size_t max, struct store_day **days, size_t *n)
{
	*days = NULL;
	*n = 0;
	sqlite3_stmt *st = prepare(s, "SELECT d.local_date" STORE_DAY_COUNTERS(COUNTER_COLUMN)
				      ", d.clock_unsynced, d.revision" PENDING_WHERE
				      " ORDER BY d.local_date LIMIT ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t bigger = cap ? cap * 2 : 32;
			struct store_day *grown = realloc(*days, bigger * sizeof(*grown));
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			*days = grown;
			cap = bigger;
		}
		struct store_day *d = &(*days)[(*n)++];
		memset(d, 0, sizeof(*d));
		int c = 0;
		text_col(st, c++, d->date, sizeof(d->date));
#define READ(name) d->name = sqlite3_column_int64(st, c++);
		STORE_DAY_COUNTERS(READ)
#undef READ
		d->clock_unsynced = sqlite3_column_int64(st, c++);
		d->revision = sqlite3_column_int64(st, c);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*days);
		*days = NULL;
		*n = 0;
		return rc == SQLITE_NOMEM ? store_set_error(s, "out of memory")
					  : fail_db(s, "reading days to send");
	}
	return 0;
}

static int count(struct store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = prepare(s, sql);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail_db(s, "counting sync state");
}

int store_sync_counts(struct store *s, int64_t *pending, int64_t *rejected, int64_t *card_events)
{
	return count(s, "SELECT count(*)" PENDING_WHERE, pending) != 0 ||
			       count(s, "SELECT count(*) FROM day_counters d JOIN sync_days y"
					" ON y.local_date = d.local_date"
					" WHERE d.revision = y.rejected_revision",
				     rejected) != 0 ||
			       count(s, "SELECT count(*) FROM sync_card_events WHERE acked = 0",
				     card_events) != 0
		       ? -1
		       : 0;
}

int store_sync_rejected_each(struct store *s,
			     int (*fn)(void *ctx, const struct store_sync_rejected *r), void *ctx)
{
	sqlite3_stmt *st = prepare(s, "SELECT y.local_date, y.rejected_revision, y.rejected_reason"
				      " FROM sync_days y JOIN day_counters d ON d.local_date = y.local_date"
				      " WHERE d.revision = y.rejected_revision ORDER BY y.local_date");
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_sync_rejected r;
		text_col(st, 0, r.date, sizeof(r.date));
		r.revision = sqlite3_column_int64(st, 1);
		text_col(st, 2, r.reason, sizeof(r.reason));
		if (fn(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "reading refused days");
}

int store_card_event(struct store *s, const card_id_t *card, const char *action, int64_t at)
{
	if (strcmp(action, "issued") != 0 && strcmp(action, "revoked") != 0)
		return store_set_error(s, "a card event is \"issued\" or \"revoked\"");
	if (begin(s) != 0)
		return -1;
	sqlite3_stmt *st = prepare(s, "INSERT INTO card_status (card_id, status, at, source)"
				      " VALUES (?1, ?2, ?3, 'staff') ON CONFLICT(card_id) DO UPDATE SET"
				      " status = excluded.status, at = excluded.at, source = 'staff'");
	if (st) {
		sqlite3_bind_text(st, 1, card->hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, at);
	}
	if (run(s, st, "recording card status") != 0)
		return rollback(s);
	st = prepare(s, "INSERT INTO sync_card_events (card_id, action, at) VALUES (?, ?, ?)");
	if (st) {
		sqlite3_bind_text(st, 1, card->hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, at);
	}
	if (run(s, st, "queueing card event") != 0)
		return rollback(s);
	return commit(s);
}

int store_sync_card_events(struct store *s, size_t max, struct store_card_event **events, size_t *n)
{
	*events = NULL;
	*n = 0;
	sqlite3_stmt *st = prepare(s, "SELECT id, card_id, action, at FROM sync_card_events"
				      " WHERE acked = 0 ORDER BY id LIMIT ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t bigger = cap ? cap * 2 : 16;
			struct store_card_event *grown = realloc(*events, bigger * sizeof(*grown));
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			*events = grown;
			cap = bigger;
		}
		struct store_card_event *e = &(*events)[(*n)++];
		memset(e, 0, sizeof(*e));
		e->id = sqlite3_column_int64(st, 0);
		text_col(st, 1, e->card.hex, sizeof(e->card.hex));
		text_col(st, 2, e->action, sizeof(e->action));
		e->at = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*events);
		*events = NULL;
		*n = 0;
		return fail_db(s, "reading card events");
	}
	return 0;
}

/* acked_revision only ever grows: a late answer never takes a day back. */
static int ack_day(struct store *s, const char *date, int64_t revision)
{
	sqlite3_stmt *st = prepare(s, "INSERT INTO sync_days (local_date, acked_revision) VALUES (?1, ?2)"
				      " ON CONFLICT(local_date) DO UPDATE SET"
				      " acked_revision = max(acked_revision, excluded.acked_revision)");
	if (st) {
		sqlite3_bind_text(st, 1, date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, revision);
	}
	return run(s, st, "acknowledging a day");
}

int store_sync_success(struct store *s, const struct store_sync_ack *ack)
{
	if (begin(s) != 0)
		return -1;
	for (size_t i = 0; i < ack->n_days; i++) {
		if (ack_day(s, ack->dates[i], ack->revisions[i]) != 0)
			return rollback(s);
	}
	for (size_t i = 0; i < ack->n_card_events; i++) {
		sqlite3_stmt *st = prepare(s, "UPDATE sync_card_events SET acked = 1 WHERE id = ?");
		if (st)
			sqlite3_bind_int64(st, 1, ack->card_event_ids[i]);
		if (run(s, st, "acknowledging a card event") != 0)
			return rollback(s);
	}
	sqlite3_stmt *st = prepare(s, "UPDATE sync_state SET last_success = ?1, last_attempt = ?1,"
				      " last_error = '', failures = 0, next_attempt = 0, body_cap = ?2,"
				      " office_etag = ?3, clock_flagged = ?4, nearby = ?5 WHERE id = 1");
	if (st) {
		sqlite3_bind_int64(st, 1, ack->at);
		sqlite3_bind_int64(st, 2, ack->body_cap);
		sqlite3_bind_text(st, 3, ack->office_etag ? ack->office_etag : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 4, ack->clock_flagged);
		sqlite3_bind_text(st, 5, ack->nearby ? ack->nearby : "[]", -1, SQLITE_TRANSIENT);
	}
	if (run(s, st, "recording a sync") != 0)
		return rollback(s);
	/* Acknowledged card events are history; keep the table small. */
	if (exec(s, "DELETE FROM sync_card_events WHERE acked = 1") != 0)
		return rollback(s);
	return commit(s);
}

int store_sync_reject_day(struct store *s, const char *date, int64_t revision, const char *reason)
{
	sqlite3_stmt *st = prepare(s, "INSERT INTO sync_days (local_date, rejected_revision, rejected_reason)"
				      " VALUES (?1, ?2, ?3) ON CONFLICT(local_date) DO UPDATE SET"
				      " rejected_revision = excluded.rejected_revision,"
				      " rejected_reason = excluded.rejected_reason");
	if (st) {
		sqlite3_bind_text(st, 1, date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, revision);
		sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
	}
	return run(s, st, "flagging a refused day");
}

int store_sync_failure(struct store *s, const char *error, int64_t at, int64_t failures,
		       int64_t next_attempt)
{
	sqlite3_stmt *st = prepare(s, "UPDATE sync_state SET last_attempt = ?1, last_error = ?2,"
				      " last_error_at = ?1, failures = ?3, next_attempt = ?4 WHERE id = 1");
	if (st) {
		sqlite3_bind_int64(st, 1, at);
		sqlite3_bind_text(st, 2, error, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, failures);
		sqlite3_bind_int64(st, 4, next_attempt);
	}
	return run(s, st, "recording a sync failure");
}

int store_sync_set_content_etag(struct store *s, const char *etag)
{
	sqlite3_stmt *st = prepare(s, "UPDATE sync_state SET content_etag = ? WHERE id = 1");
	if (st)
		sqlite3_bind_text(st, 1, etag, -1, SQLITE_TRANSIENT);
	return run(s, st, "recording the content ETag");
}

int store_sync_reset_backoff(struct store *s)
{
	return exec(s, "UPDATE sync_state SET failures = 0, next_attempt = 0 WHERE id = 1");
}

int store_sync_restore(struct store *s, const struct store_day *days, size_t n)
{
	if (begin(s) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct store_day *d = &days[i];
		sqlite3_stmt *st = prepare(
			s, "INSERT INTO day_counters (local_date," STORE_DAY_COUNTERS(COUNTER_NAME)
			   " clock_unsynced, revision) VALUES (?," STORE_DAY_COUNTERS(COUNTER_PARAM)
			   " ?, ?) ON CONFLICT(local_date) DO UPDATE SET "
			   STORE_DAY_COUNTERS(COUNTER_ADD)
			   " clock_unsynced = clock_unsynced + excluded.clock_unsynced,"
			   " revision = revision + excluded.revision");
		if (st) {
			int c = 1;
			sqlite3_bind_text(st, c++, d->date, -1, SQLITE_TRANSIENT);
#define BIND(name) sqlite3_bind_int64(st, c++, d->name);
			STORE_DAY_COUNTERS(BIND)
#undef BIND
			sqlite3_bind_int64(st, c++, d->clock_unsynced);
			sqlite3_bind_int64(st, c, d->revision);
		}
		if (run(s, st, "restoring a day") != 0 || ack_day(s, d->date, d->revision) != 0)
			return rollback(s);
	}
	if (exec(s, "UPDATE sync_state SET restore_pending = 0 WHERE id = 1") != 0)
		return rollback(s);
	return commit(s);
}
