/*
 * storage_sqlite: the default backend, one SQLite file (storage.h).
 *
 * WAL mode with synchronous=FULL: a commit returns once it is on disk, so a
 * report is answered 200 only when it is durable. One handle is one
 * connection; officed opens one for its committer and one for readers, and
 * the CLI (`officed kiosk add`) opens its own: writers wait up to 5 s for
 * each other (busy timeout) rather than fail. Migrations by user_version, as
 * in the kiosk's store.
 */
#include "storage_backend.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SQLITE_SCHEMA_VERSION 2

#define COL(name) #name " INTEGER NOT NULL,"
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE kiosks ("
	"  kiosk_id TEXT PRIMARY KEY,"
	"  site_id TEXT NOT NULL,"
	"  token_sha256 TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  revoked_at INTEGER NOT NULL DEFAULT 0,"
	"  last_contact INTEGER NOT NULL DEFAULT 0,"
	"  clock_offset INTEGER NOT NULL DEFAULT 0,"
	"  clock_synchronized INTEGER NOT NULL DEFAULT 0,"
	"  firmware TEXT NOT NULL DEFAULT '',"
	"  stock_level INTEGER NOT NULL DEFAULT 0,"
	"  stock_low_water INTEGER NOT NULL DEFAULT 0,"
	"  stock_low INTEGER NOT NULL DEFAULT 0,"
	"  health_reader TEXT NOT NULL DEFAULT '',"
	"  health_display TEXT NOT NULL DEFAULT '',"
	"  health_last_error TEXT NOT NULL DEFAULT '',"
	"  reports INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE days ("
	"  kiosk_id TEXT NOT NULL REFERENCES kiosks(kiosk_id),"
	"  day TEXT NOT NULL,"
	"  revision INTEGER NOT NULL,"
	"  clock_unsynced INTEGER NOT NULL," PROTOCOL_DAY_COUNTERS(COL)
	"  flag_unsynchronized INTEGER NOT NULL DEFAULT 0,"
	"  flag_clock_disagrees INTEGER NOT NULL DEFAULT 0,"
	"  received_at INTEGER NOT NULL,"
	"  PRIMARY KEY (kiosk_id, day)"
	") WITHOUT ROWID;"
	"CREATE INDEX days_day ON days(day);"
	"CREATE TABLE card_events ("
	"  kiosk_id TEXT NOT NULL,"
	"  card_id TEXT NOT NULL,"
	"  action TEXT NOT NULL CHECK (action IN ('issued', 'revoked')),"
	"  at INTEGER NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  PRIMARY KEY (kiosk_id, card_id, action, at)"
	") WITHOUT ROWID;"
	"CREATE INDEX card_events_received ON card_events(received_at);"
	"CREATE TABLE content (version INTEGER PRIMARY KEY, etag TEXT NOT NULL,"
	"  body TEXT NOT NULL, published_at INTEGER NOT NULL);"
	"CREATE TABLE content_base (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL,"
	"  imported_at INTEGER NOT NULL);",
	/* 1 -> 2: the dashboard's logins and deployment-wide settings */
	"CREATE TABLE users (name TEXT PRIMARY KEY, password TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL, changed_at INTEGER NOT NULL);"
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
};
#undef COL
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == SQLITE_SCHEMA_VERSION,
	       "one migration per schema version");

#define C_NAME(name) #name ","
#define C_PARAM(name) "?,"
#define C_KEEP_NEWEST(name) \
	#name " = CASE WHEN excluded.revision > days.revision THEN excluded." #name " ELSE days." #name " END,"
#define C_SELECT(name) ", " #name

#define KIOSK_COLUMNS                                                                      \
	"kiosk_id, site_id, token_sha256, created_at, revoked_at, last_contact, clock_offset," \
	" clock_synchronized, firmware, stock_level, stock_low_water, stock_low, health_reader," \
	" health_display, health_last_error, reports"

enum {
	Q_KIOSK_ADD,
	Q_KIOSK_REVOKE,
	Q_KIOSK_EXISTS,
	Q_KIOSK_EACH,
	Q_KIOSK_UPDATE,
	Q_DAY_UPSERT,
	Q_CARD_EVENT,
	Q_SITE_STOCK,
	Q_KIOSK_DAYS,
	Q_DAYS_EACH,
	Q_CONTENT_LATEST,
	Q_CONTENT_BASE_GET,
	Q_CONTENT_BASE_SET,
	Q_EVENTS_SINCE,
	Q_CONTENT_INSERT,
	Q_COUNT
};

static const char *const queries[Q_COUNT] = {
	[Q_KIOSK_ADD] = "INSERT INTO kiosks (kiosk_id, site_id, token_sha256, created_at)"
			" VALUES (?, ?, ?, ?)",
	[Q_KIOSK_REVOKE] = "UPDATE kiosks SET revoked_at = ?2 WHERE kiosk_id = ?1 AND revoked_at = 0",
	[Q_KIOSK_EXISTS] = "SELECT 1 FROM kiosks WHERE kiosk_id = ?",
	[Q_KIOSK_EACH] = "SELECT " KIOSK_COLUMNS " FROM kiosks ORDER BY kiosk_id",
	[Q_KIOSK_UPDATE] = "UPDATE kiosks SET last_contact = max(last_contact, ?2), clock_offset = ?3,"
			   " clock_synchronized = ?4, firmware = ?5, stock_level = ?6,"
			   " stock_low_water = ?7, stock_low = ?8, health_reader = ?9,"
			   " health_display = ?10, health_last_error = ?11, reports = reports + 1"
			   " WHERE kiosk_id = ?1 AND revoked_at = 0",
	[Q_DAY_UPSERT] = "INSERT INTO days (kiosk_id, day, revision, clock_unsynced,"
			 PROTOCOL_DAY_COUNTERS(C_NAME) " flag_unsynchronized, flag_clock_disagrees,"
			 " received_at) VALUES (?, ?, ?, ?," PROTOCOL_DAY_COUNTERS(C_PARAM) " ?, ?, ?)"
			 " ON CONFLICT (kiosk_id, day) DO UPDATE SET "
			 PROTOCOL_DAY_COUNTERS(C_KEEP_NEWEST) C_KEEP_NEWEST(clock_unsynced)
			 C_KEEP_NEWEST(received_at)
			 " flag_unsynchronized = max(days.flag_unsynchronized, excluded.flag_unsynchronized),"
			 " flag_clock_disagrees = max(days.flag_clock_disagrees, excluded.flag_clock_disagrees),"
			 " revision = max(days.revision, excluded.revision)"
			 " RETURNING revision",
	[Q_CARD_EVENT] = "INSERT OR IGNORE INTO card_events (kiosk_id, card_id, action, at, received_at)"
			 " VALUES (?, ?, ?, ?, ?)",
	[Q_SITE_STOCK] = "SELECT site_id, sum(stock_level), max(stock_low), max(last_contact) FROM kiosks"
			 " WHERE revoked_at = 0 AND last_contact > 0 GROUP BY site_id ORDER BY site_id",
	[Q_KIOSK_DAYS] = "SELECT kiosk_id, day, revision, clock_unsynced" PROTOCOL_DAY_COUNTERS(C_SELECT)
			 ", flag_unsynchronized, flag_clock_disagrees, received_at FROM days"
			 " WHERE kiosk_id = ? ORDER BY day",
	[Q_DAYS_EACH] = "SELECT kiosk_id, day, revision, clock_unsynced" PROTOCOL_DAY_COUNTERS(C_SELECT)
			", flag_unsynchronized, flag_clock_disagrees, received_at FROM days"
			" WHERE day BETWEEN ? AND ? ORDER BY day, kiosk_id",
	[Q_CONTENT_LATEST] = "SELECT version, etag, body FROM content ORDER BY version DESC LIMIT 1",
	[Q_CONTENT_BASE_GET] = "SELECT body, imported_at FROM content_base WHERE id = 1",
	[Q_CONTENT_BASE_SET] = "INSERT INTO content_base (id, body, imported_at) VALUES (1, ?, ?)"
			       " ON CONFLICT (id) DO UPDATE SET body = excluded.body,"
			       " imported_at = excluded.imported_at",
	[Q_EVENTS_SINCE] = "SELECT card_id, action, at FROM card_events WHERE received_at >= ?"
			   " ORDER BY at, kiosk_id, card_id, action",
	[Q_CONTENT_INSERT] = "INSERT INTO content (version, etag, body, published_at) VALUES (?, ?, ?, ?)",
};

struct sqlite_storage {
	struct storage base; /* first: storage.c sees this */
	sqlite3 *db;
	sqlite3_stmt *q[Q_COUNT];
};

static struct sqlite_storage *me(struct storage *s) { return (struct sqlite_storage *)s; }

static int fail_db(struct storage *s, const char *what)
{
	return storage_fail(s, "%s: %s", what, sqlite3_errmsg(me(s)->db));
}

static sqlite3_stmt *q(struct storage *s, int id)
{
	sqlite3_stmt *st = me(s)->q[id];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static void text(sqlite3_stmt *st, int i, const char *v) { sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT); }

static int exec(struct storage *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(me(s)->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		storage_fail(s, "%s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static void sq_close(struct storage *s)
{
	struct sqlite_storage *m = me(s);
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(m->q[i]);
	sqlite3_close(m->db);
	free(m);
}

static int sq_ping(struct storage *s) { return exec(s, "SELECT 1"); }
static int sq_begin(struct storage *s) { return exec(s, "BEGIN IMMEDIATE"); }
static int sq_commit(struct storage *s) { return exec(s, "COMMIT"); }
static void sq_rollback(struct storage *s) { sqlite3_exec(me(s)->db, "ROLLBACK", NULL, NULL, NULL); }
static int sq_content_lock(struct storage *s)
{
	(void)s; /* BEGIN IMMEDIATE already made this the only writer */
	return 0;
}

static int step_done(struct storage *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, what);
}

static int sq_kiosk_add(struct storage *s, const char *kiosk_id, const char *site_id,
			const char *hash_hex, int64_t now)
{
	sqlite3_stmt *st = q(s, Q_KIOSK_EXISTS);
	text(st, 1, kiosk_id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return storage_fail(s, "kiosk %s is already registered (revoked kiosks keep their id)",
				    kiosk_id);
	st = q(s, Q_KIOSK_ADD);
	text(st, 1, kiosk_id);
	text(st, 2, site_id);
	text(st, 3, hash_hex);
	sqlite3_bind_int64(st, 4, now);
	return step_done(s, st, "adding kiosk");
}

static int sq_kiosk_revoke(struct storage *s, const char *kiosk_id, int64_t now)
{
	sqlite3_stmt *st = q(s, Q_KIOSK_EXISTS);
	text(st, 1, kiosk_id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return storage_fail(s, "no kiosk %s is registered", kiosk_id);
	st = q(s, Q_KIOSK_REVOKE);
	text(st, 1, kiosk_id);
	sqlite3_bind_int64(st, 2, now);
	return step_done(s, st, "revoking kiosk");
}

static void col_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	snprintf(out, len, "%s", v ? (const char *)v : "");
}

static int sq_kiosk_each(struct storage *s, int (*fn)(void *ctx, const struct storage_kiosk *k),
			 void *ctx)
{
	sqlite3_stmt *st = q(s, Q_KIOSK_EACH);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct storage_kiosk k;
		memset(&k, 0, sizeof(k));
		char hex[TOKEN_HASH_HEX_LEN + 1];
		col_text(st, 0, k.kiosk_id, sizeof(k.kiosk_id));
		col_text(st, 1, k.site_id, sizeof(k.site_id));
		col_text(st, 2, hex, sizeof(hex));
		if (token_hash_from_hex(hex, k.token_hash) != 0)
			memset(k.token_hash, 0, sizeof(k.token_hash));
		k.created_at = sqlite3_column_int64(st, 3);
		k.revoked_at = sqlite3_column_int64(st, 4);
		k.last_contact = sqlite3_column_int64(st, 5);
		k.clock_offset = sqlite3_column_int64(st, 6);
		k.clock_synchronized = sqlite3_column_int(st, 7) != 0;
		col_text(st, 8, k.firmware, sizeof(k.firmware));
		k.stock_level = sqlite3_column_int64(st, 9);
		k.stock_low_water = sqlite3_column_int64(st, 10);
		k.stock_low = sqlite3_column_int(st, 11) != 0;
		col_text(st, 12, k.health_reader, sizeof(k.health_reader));
		col_text(st, 13, k.health_display, sizeof(k.health_display));
		col_text(st, 14, k.health_last_error, sizeof(k.health_last_error));
		k.reports = sqlite3_column_int64(st, 15);
		if (fn(ctx, &k) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "listing kiosks");
}

static int ingest_one(struct storage *s, struct ingest_job *j, bool *new_events)
{
	const struct report *r = &j->report;
	sqlite3_stmt *st = q(s, Q_KIOSK_UPDATE);
	text(st, 1, r->kiosk_id);
	sqlite3_bind_int64(st, 2, j->received_at);
	sqlite3_bind_int64(st, 3, j->clock_offset);
	sqlite3_bind_int(st, 4, r->clock_synchronized);
	text(st, 5, r->firmware);
	sqlite3_bind_int64(st, 6, r->stock_level);
	sqlite3_bind_int64(st, 7, r->stock_low_water);
	sqlite3_bind_int(st, 8, r->stock_low);
	text(st, 9, r->health_reader);
	text(st, 10, r->health_display);
	text(st, 11, r->health_last_error);
	if (step_done(s, st, "updating kiosk") != 0)
		return -1;
	if (sqlite3_changes(me(s)->db) != 1) {
		j->status = 401; /* revoked since it was authenticated */
		return 0;
	}
	for (size_t i = 0; i < r->n_days; i++) {
		const struct protocol_day *d = &r->days[i];
		st = q(s, Q_DAY_UPSERT);
		int c = 1;
		text(st, c++, r->kiosk_id);
		text(st, c++, d->date);
		sqlite3_bind_int64(st, c++, d->revision);
		sqlite3_bind_int64(st, c++, d->clock_unsynced);
#define BIND(name) sqlite3_bind_int64(st, c++, d->name);
		PROTOCOL_DAY_COUNTERS(BIND)
#undef BIND
		sqlite3_bind_int(st, c++, j->flag_unsynchronized || d->clock_unsynced > 0);
		sqlite3_bind_int(st, c++, j->flag_clock_disagrees);
		sqlite3_bind_int64(st, c, j->received_at);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			j->held[i] = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return fail_db(s, "storing a day");
	}
	for (size_t i = 0; i < r->n_card_events; i++) {
		const struct protocol_card_event *e = &r->card_events[i];
		st = q(s, Q_CARD_EVENT);
		text(st, 1, r->kiosk_id);
		text(st, 2, e->card_id);
		text(st, 3, protocol_card_action_name(e->action));
		sqlite3_bind_int64(st, 4, e->at);
		sqlite3_bind_int64(st, 5, j->received_at);
		if (step_done(s, st, "storing a card event") != 0)
			return -1;
		if (sqlite3_changes(me(s)->db) > 0)
			*new_events = true;
	}
	j->card_events_held = r->n_card_events;
	j->status = 200;
	return 0;
}

static int sq_ingest_rows(struct storage *s, struct ingest_job **jobs, size_t n, bool *new_events)
{
	for (size_t i = 0; i < n; i++) {
		if (ingest_one(s, jobs[i], new_events) != 0)
			return -1;
	}
	/* "What it now holds" is after the whole batch: a later report in it
	 * may have raised a day an earlier one was answered for. */
	json_t *held = json_object();
	char key[PROTOCOL_ID_MAX + 16];
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct ingest_job *j = jobs[i];
			if (j->status != 200)
				continue;
			for (size_t d = 0; d < j->report.n_days; d++) {
				snprintf(key, sizeof(key), "%s/%s", j->report.kiosk_id,
					 j->report.days[d].date);
				json_t *h = json_object_get(held, key);
				if (pass == 1)
					j->held[d] = json_integer_value(h);
				else if (!h || json_integer_value(h) < j->held[d])
					json_object_set_new(held, key, json_integer(j->held[d]));
			}
		}
	}
	json_decref(held);
	return 0;
}

static int sq_site_stock(struct storage *s, struct ingest_outcome *out)
{
	sqlite3_stmt *st = q(s, Q_SITE_STOCK);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n_sites == cap) {
			size_t bigger = cap ? cap * 2 : 64;
			struct site_stock *grown = realloc(out->sites, bigger * sizeof(*grown));
			if (!grown) {
				sqlite3_reset(st);
				return storage_fail(s, "out of memory");
			}
			out->sites = grown;
			cap = bigger;
		}
		struct site_stock *site = &out->sites[out->n_sites++];
		col_text(st, 0, site->site_id, sizeof(site->site_id));
		site->level = sqlite3_column_int64(st, 1);
		site->low = sqlite3_column_int(st, 2) != 0;
		site->reported_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "reading site stock");
}

static void read_day(sqlite3_stmt *st, struct storage_day *d)
{
	memset(d, 0, sizeof(*d));
	int c = 0;
	col_text(st, c++, d->kiosk_id, sizeof(d->kiosk_id));
	col_text(st, c++, d->day.date, sizeof(d->day.date));
	d->day.revision = sqlite3_column_int64(st, c++);
	d->day.clock_unsynced = sqlite3_column_int64(st, c++);
#define READ(name) d->day.name = sqlite3_column_int64(st, c++);
	PROTOCOL_DAY_COUNTERS(READ)
#undef READ
	d->flag_unsynchronized = sqlite3_column_int(st, c++) != 0;
	d->flag_clock_disagrees = sqlite3_column_int(st, c++) != 0;
	d->received_at = sqlite3_column_int64(st, c);
}

static int sq_kiosk_days(struct storage *s, const char *kiosk_id, struct protocol_day **days,
			 size_t *n)
{
	*days = NULL;
	*n = 0;
	size_t cap = 0;
	sqlite3_stmt *st = q(s, Q_KIOSK_DAYS);
	text(st, 1, kiosk_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t bigger = cap ? cap * 2 : 64;
			struct protocol_day *grown = realloc(*days, bigger * sizeof(*grown));
			if (!grown) {
				sqlite3_reset(st);
				free(*days);
				*days = NULL;
				*n = 0;
				return storage_fail(s, "out of memory");
			}
			*days = grown;
			cap = bigger;
		}
		struct storage_day d;
		read_day(st, &d);
		(*days)[(*n)++] = d.day;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*days);
		*days = NULL;
		*n = 0;
		return fail_db(s, "reading days");
	}
	return 0;
}

static int sq_days_each(struct storage *s, const char *from, const char *to,
			int (*fn)(void *ctx, const struct storage_day *d), void *ctx)
{
	sqlite3_stmt *st = q(s, Q_DAYS_EACH);
	text(st, 1, from && *from ? from : "0000-00-00");
	text(st, 2, to && *to ? to : "9999-99-99");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct storage_day d;
		read_day(st, &d);
		if (fn(ctx, &d) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "reading days");
}

static int sq_content_latest(struct storage *s, int64_t *version, char *etag, size_t etag_len,
			     char **body)
{
	*version = 0;
	if (etag_len)
		etag[0] = '\0';
	if (body)
		*body = NULL;
	sqlite3_stmt *st = q(s, Q_CONTENT_LATEST);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int64(st, 0);
		col_text(st, 1, etag, etag_len);
		if (body) {
			const unsigned char *b = sqlite3_column_text(st, 2);
			*body = strdup(b ? (const char *)b : "");
			if (!*body)
				rc = SQLITE_NOMEM;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_db(s, "reading content");
}

static int sq_content_base_get(struct storage *s, char **body, int64_t *imported_at)
{
	*body = NULL;
	sqlite3_stmt *st = q(s, Q_CONTENT_BASE_GET);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_text(st, 0);
		*body = strdup(b ? (const char *)b : "");
		*imported_at = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW && !*body)
		return storage_fail(s, "out of memory");
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_db(s, "reading content base");
}

static int sq_content_base_set(struct storage *s, const char *body, int64_t imported_at)
{
	sqlite3_stmt *st = q(s, Q_CONTENT_BASE_SET);
	text(st, 1, body);
	sqlite3_bind_int64(st, 2, imported_at);
	return step_done(s, st, "storing content base");
}

static int sq_card_events_since(struct storage *s, int64_t since, struct content_card_event **events,
				size_t *n)
{
	*events = NULL;
	*n = 0;
	size_t cap = 0;
	sqlite3_stmt *st = q(s, Q_EVENTS_SINCE);
	sqlite3_bind_int64(st, 1, since);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t bigger = cap ? cap * 2 : 64;
			struct content_card_event *grown = realloc(*events, bigger * sizeof(*grown));
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			*events = grown;
			cap = bigger;
		}
		struct content_card_event *e = &(*events)[(*n)++];
		col_text(st, 0, e->card_id, sizeof(e->card_id));
		const unsigned char *a = sqlite3_column_text(st, 1);
		e->action = a && strcmp((const char *)a, "revoked") == 0 ? CARD_ACTION_REVOKED
									  : CARD_ACTION_ISSUED;
		e->at = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*events);
		*events = NULL;
		*n = 0;
		return fail_db(s, "reading card events");
	}
	return 0;
}

static int sq_content_insert(struct storage *s, int64_t version, const char *etag, const char *body,
			     int64_t now)
{
	sqlite3_stmt *st = q(s, Q_CONTENT_INSERT);
	sqlite3_bind_int64(st, 1, version);
	text(st, 2, etag);
	text(st, 3, body);
	sqlite3_bind_int64(st, 4, now);
	return step_done(s, st, "publishing content");
}

/*
 * Users, settings and backups are rare: each prepares its statement when
 * it runs rather than holding one for the connection's life.
 */
static int run_once(struct storage *s, const char *sql, const char *a, const char *b, int64_t t,
		    const char *what, int *changes)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(me(s)->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail_db(s, what);
	int n = sqlite3_bind_parameter_count(st);
	if (n >= 1)
		text(st, 1, a);
	if (n >= 2)
		text(st, 2, b);
	if (n >= 3)
		sqlite3_bind_int64(st, 3, t);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail_db(s, what);
	if (changes)
		*changes = sqlite3_changes(me(s)->db);
	return 0;
}

static int sq_user_put(struct storage *s, const char *name, const char *hash, int64_t now,
		       bool replace)
{
	int changes = 0;
	if (run_once(s, replace ? "UPDATE users SET password = ?2, changed_at = ?3 WHERE name = ?1"
				: "INSERT OR IGNORE INTO users (name, password, created_at, changed_at)"
				  " VALUES (?1, ?2, ?3, ?3)",
		     name, hash, now, "storing a user", &changes) != 0)
		return -1;
	if (changes == 0)
		return storage_fail(s, replace ? "there is no user %s" : "user %s exists already", name);
	return 0;
}

static int sq_user_remove(struct storage *s, const char *name)
{
	int changes = 0;
	if (run_once(s, "DELETE FROM users WHERE name = ?1", name, NULL, 0, "removing a user",
		     &changes) != 0)
		return -1;
	return changes ? 0 : storage_fail(s, "there is no user %s", name);
}

/* One text column of the first row of sql with one parameter; *out NULL if no row. */
static int select_text(struct storage *s, const char *sql, const char *param, char **out,
		       const char *what)
{
	*out = NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(me(s)->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail_db(s, what);
	text(st, 1, param);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		*out = strdup(v ? v : "");
		rc = *out ? SQLITE_DONE : SQLITE_NOMEM;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, what);
}

static int sq_user_get(struct storage *s, const char *name, char *hash, size_t len, bool *found)
{
	char *v;
	if (select_text(s, "SELECT password FROM users WHERE name = ?1", name, &v,
			"reading a user") != 0)
		return -1;
	*found = v != NULL;
	snprintf(hash, len, "%s", v ? v : "");
	free(v);
	return 0;
}

static int sq_setting_get(struct storage *s, const char *key, char **value)
{
	return select_text(s, "SELECT value FROM settings WHERE key = ?1", key, value,
			   "reading a setting");
}

static int sq_setting_add(struct storage *s, const char *key, const char *value)
{
	return run_once(s, "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)", key, value,
			0, "storing a setting", NULL);
}

/*
 * SQLite's online backup API copies the pages while other connections go
 * on writing (it restarts if one does); the result is one consistent
 * snapshot, written to a new file that is renamed into place only once
 * complete.
 */
static int sq_backup(struct storage *s, const char *path)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.partial", path) >= sizeof(tmp))
		return storage_fail(s, "backup path too long");
	unlink(tmp);
	sqlite3 *dst = NULL;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		storage_fail(s, "%s: %s", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", me(s)->db, "main");
	int rc = SQLITE_ERROR;
	if (b) {
		do {
			rc = sqlite3_backup_step(b, 256);
			if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
				sqlite3_sleep(20);
		} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
		sqlite3_backup_finish(b);
	}
	if (rc != SQLITE_DONE) {
		storage_fail(s, "backup to %s failed: %s", path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		unlink(tmp);
		return -1;
	}
	/* The copy is in rollback-journal mode: one self-contained file. */
	sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (sqlite3_close(dst) != SQLITE_OK || rename(tmp, path) != 0) {
		unlink(tmp);
		return storage_fail(s, "backup: cannot put %s in place: %s", path, strerror(errno));
	}
	return 0;
}

static const struct storage_backend sqlite_backend = {
	.name = "sqlite",
	.close = sq_close,
	.ping = sq_ping,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.kiosk_add = sq_kiosk_add,
	.kiosk_revoke = sq_kiosk_revoke,
	.kiosk_each = sq_kiosk_each,
	.ingest_rows = sq_ingest_rows,
	.site_stock = sq_site_stock,
	.kiosk_days = sq_kiosk_days,
	.days_each = sq_days_each,
	.content_latest = sq_content_latest,
	.content_lock = sq_content_lock,
	.content_base_get = sq_content_base_get,
	.content_base_set = sq_content_base_set,
	.card_events_since = sq_card_events_since,
	.content_insert = sq_content_insert,
	.user_put = sq_user_put,
	.user_remove = sq_user_remove,
	.user_get = sq_user_get,
	.setting_get = sq_setting_get,
	.setting_add = sq_setting_add,
	.backup = sq_backup,
};

static int migrate(struct storage *s, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(me(s)->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(me(s)->db));
		return -1;
	}
	int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (version < 0 || version > SQLITE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is not one this officed knows (%d): "
			 "it is from a newer officed, or not an office database; not touched",
			 path, version, SQLITE_SCHEMA_VERSION);
		return -1;
	}
	if (version == 0) {
		/* A file with tables but no schema version is someone else's. */
		if (sqlite3_prepare_v2(me(s)->db, "SELECT count(*) FROM sqlite_master", -1, &st,
				       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(me(s)->db));
			return -1;
		}
		int tables = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_finalize(st);
		if (tables != 0) {
			snprintf(err, errlen, "%s is an SQLite database but not an office database "
				 "(it has tables and no schema version); not touched", path);
			return -1;
		}
	}
	for (int v = version; v < SQLITE_SCHEMA_VERSION; v++) {
		char bump[48];
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		if (exec(s, "BEGIN IMMEDIATE") != 0 || exec(s, migrations[v]) != 0 ||
		    exec(s, bump) != 0 || exec(s, "COMMIT") != 0) {
			snprintf(err, errlen, "%s: migrating schema %d to %d failed: %s", path, v, v + 1,
				 s->error);
			sq_rollback(s);
			return -1;
		}
	}
	return 0;
}

int storage_sqlite_open(const char *path, struct storage **out, char *err, size_t errlen)
{
	struct sqlite_storage *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->base.be = &sqlite_backend;
	struct storage *s = &m->base;
	if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, m->db ? sqlite3_errmsg(m->db) : "out of memory");
		sq_close(s);
		return -1;
	}
	sqlite3_busy_timeout(m->db, 5000);
	/* Nothing is written before migrate() has seen the file is ours. */
	if (migrate(s, path, err, errlen) != 0) {
		sq_close(s);
		return -1;
	}
	if (exec(s, "PRAGMA journal_mode = WAL") != 0 ||
	    exec(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON") != 0) {
		snprintf(err, errlen, "%s: %s", path, s->error);
		sq_close(s);
		return -1;
	}
	for (int i = 0; i < Q_COUNT; i++) {
		if (sqlite3_prepare_v3(m->db, queries[i], -1, SQLITE_PREPARE_PERSISTENT, &m->q[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing query %d: %s", path, i,
				 sqlite3_errmsg(m->db));
			sq_close(s);
			return -1;
		}
	}
	*out = s;
	return 0;
}
