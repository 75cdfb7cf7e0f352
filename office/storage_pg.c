/*
 * storage_pg: the PostgreSQL backend (libpq), for a deployment that runs
 * several officed instances on one database (storage.h).
 *
 * A batch is a handful of statements whatever its size: the reports are
 * handed to PostgreSQL as one JSON parameter and unpacked with
 * jsonb_to_recordset, so a group commit of 200 reports costs about as many
 * round trips as one report. Rows that share a key within a batch are
 * merged here first (ON CONFLICT DO UPDATE may not touch a row twice in one
 * statement): the highest revision of a day wins, as it would have anyway.
 *
 * Instances coordinate through the database alone: the schema is created
 * under an advisory lock, and publishing a bundle version takes a
 * transaction-scoped advisory lock so two instances never pick the same
 * version number. The URL may hold a password; it is never logged.
 */
#include "storage_backend.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_SCHEMA_VERSION 2
#define LOCK_SCHEMA "7177001"
#define LOCK_CONTENT "7177002"

#define COL(name) #name " bigint NOT NULL,"
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE kiosks ("
	"  kiosk_id text PRIMARY KEY,"
	"  site_id text NOT NULL,"
	"  token_sha256 text NOT NULL UNIQUE,"
	"  created_at bigint NOT NULL,"
	"  revoked_at bigint NOT NULL DEFAULT 0,"
	"  last_contact bigint NOT NULL DEFAULT 0,"
	"  clock_offset bigint NOT NULL DEFAULT 0,"
	"  clock_synchronized boolean NOT NULL DEFAULT false,"
	"  firmware text NOT NULL DEFAULT '',"
	"  stock_level bigint NOT NULL DEFAULT 0,"
	"  stock_low_water bigint NOT NULL DEFAULT 0,"
	"  stock_low boolean NOT NULL DEFAULT false,"
	"  health_reader text NOT NULL DEFAULT '',"
	"  health_display text NOT NULL DEFAULT '',"
	"  health_last_error text NOT NULL DEFAULT '',"
	"  reports bigint NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE days ("
	"  kiosk_id text NOT NULL REFERENCES kiosks(kiosk_id),"
	"  day text NOT NULL,"
	"  revision bigint NOT NULL,"
	"  clock_unsynced bigint NOT NULL," PROTOCOL_DAY_COUNTERS(COL)
	"  flag_unsynchronized boolean NOT NULL DEFAULT false,"
	"  flag_clock_disagrees boolean NOT NULL DEFAULT false,"
	"  received_at bigint NOT NULL,"
	"  PRIMARY KEY (kiosk_id, day)"
	");"
	"CREATE INDEX days_day ON days(day);"
	"CREATE TABLE card_events ("
	"  kiosk_id text NOT NULL,"
	"  card_id text NOT NULL,"
	"  action text NOT NULL CHECK (action IN ('issued', 'revoked')),"
	"  at bigint NOT NULL,"
	"  received_at bigint NOT NULL,"
	"  PRIMARY KEY (kiosk_id, card_id, action, at)"
	");"
	"CREATE INDEX card_events_received ON card_events(received_at);"
	"CREATE TABLE content (version bigint PRIMARY KEY, etag text NOT NULL, body text NOT NULL,"
	"  published_at bigint NOT NULL);"
	"CREATE TABLE content_base (id integer PRIMARY KEY CHECK (id = 1), body text NOT NULL,"
	"  imported_at bigint NOT NULL);",
	/* 1 -> 2: the dashboard's logins and deployment-wide settings */
	"CREATE TABLE users (name text PRIMARY KEY, password text NOT NULL,"
	"  created_at bigint NOT NULL, changed_at bigint NOT NULL);"
	"CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);",
};
#undef COL

#define C_NAME(name) ", " #name
#define C_TYPED(name) ", " #name " bigint"
#define C_KEEP_NEWEST(name) \
	#name " = CASE WHEN excluded.revision > days.revision THEN excluded." #name " ELSE days." #name " END, "

enum {
	Q_KIOSK_ADD,
	Q_KIOSK_REVOKE,
	Q_KIOSK_EXISTS,
	Q_KIOSK_EACH,
	Q_KIOSKS_UPDATE,
	Q_DAYS_UPSERT,
	Q_CARD_EVENTS,
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

#define DAY_SELECT "SELECT kiosk_id, day, revision, clock_unsynced" PROTOCOL_DAY_COUNTERS(C_NAME) \
	", flag_unsynchronized, flag_clock_disagrees, received_at FROM days"

static const struct {
	const char *sql;
	int params;
} queries[Q_COUNT] = {
	[Q_KIOSK_ADD] = {"INSERT INTO kiosks (kiosk_id, site_id, token_sha256, created_at)"
			 " VALUES ($1, $2, $3, $4::bigint)", 4},
	[Q_KIOSK_REVOKE] = {"UPDATE kiosks SET revoked_at = $2::bigint WHERE kiosk_id = $1"
			    " AND revoked_at = 0", 2},
	[Q_KIOSK_EXISTS] = {"SELECT 1 FROM kiosks WHERE kiosk_id = $1", 1},
	[Q_KIOSK_EACH] = {"SELECT kiosk_id, site_id, token_sha256, created_at, revoked_at,"
			  " last_contact, clock_offset, clock_synchronized::int, firmware, stock_level,"
			  " stock_low_water, stock_low::int, health_reader, health_display,"
			  " health_last_error, reports FROM kiosks ORDER BY kiosk_id", 0},
	[Q_KIOSKS_UPDATE] = {"UPDATE kiosks k SET last_contact = greatest(k.last_contact, x.received_at),"
			     " clock_offset = x.clock_offset, clock_synchronized = x.clock_synchronized,"
			     " firmware = x.firmware, stock_level = x.stock_level,"
			     " stock_low_water = x.stock_low_water, stock_low = x.stock_low,"
			     " health_reader = x.health_reader, health_display = x.health_display,"
			     " health_last_error = x.health_last_error, reports = k.reports + x.n"
			     " FROM jsonb_to_recordset($1::jsonb) AS x(kiosk_id text, received_at bigint,"
			     " clock_offset bigint, clock_synchronized boolean, firmware text,"
			     " stock_level bigint, stock_low_water bigint, stock_low boolean,"
			     " health_reader text, health_display text, health_last_error text, n bigint)"
			     " WHERE k.kiosk_id = x.kiosk_id AND k.revoked_at = 0 RETURNING k.kiosk_id", 1},
	[Q_DAYS_UPSERT] = {"INSERT INTO days (kiosk_id, day, revision, clock_unsynced"
			   PROTOCOL_DAY_COUNTERS(C_NAME) ", flag_unsynchronized, flag_clock_disagrees,"
			   " received_at) SELECT kiosk_id, day, revision, clock_unsynced"
			   PROTOCOL_DAY_COUNTERS(C_NAME) ", flag_unsynchronized, flag_clock_disagrees,"
			   " received_at FROM jsonb_to_recordset($1::jsonb) AS x(kiosk_id text, day text,"
			   " revision bigint, clock_unsynced bigint" PROTOCOL_DAY_COUNTERS(C_TYPED)
			   ", flag_unsynchronized boolean, flag_clock_disagrees boolean, received_at bigint)"
			   " ON CONFLICT (kiosk_id, day) DO UPDATE SET "
			   PROTOCOL_DAY_COUNTERS(C_KEEP_NEWEST) C_KEEP_NEWEST(clock_unsynced)
			   C_KEEP_NEWEST(received_at)
			   " flag_unsynchronized = days.flag_unsynchronized OR excluded.flag_unsynchronized,"
			   " flag_clock_disagrees = days.flag_clock_disagrees OR excluded.flag_clock_disagrees,"
			   " revision = greatest(days.revision, excluded.revision)"
			   " RETURNING kiosk_id, day, revision", 1},
	[Q_CARD_EVENTS] = {"INSERT INTO card_events (kiosk_id, card_id, action, at, received_at)"
			   " SELECT kiosk_id, card_id, action, at, received_at"
			   " FROM jsonb_to_recordset($1::jsonb) AS x(kiosk_id text, card_id text,"
			   " action text, at bigint, received_at bigint)"
			   " ON CONFLICT DO NOTHING RETURNING 1", 1},
	[Q_SITE_STOCK] = {"SELECT site_id, sum(stock_level)::bigint, max(stock_low::int),"
			  " max(last_contact) FROM kiosks WHERE revoked_at = 0 AND last_contact > 0"
			  " GROUP BY site_id ORDER BY site_id", 0},
	[Q_KIOSK_DAYS] = {DAY_SELECT " WHERE kiosk_id = $1 ORDER BY day", 1},
	[Q_DAYS_EACH] = {DAY_SELECT " WHERE day BETWEEN $1 AND $2 ORDER BY day, kiosk_id", 2},
	[Q_CONTENT_LATEST] = {"SELECT version, etag FROM content ORDER BY version DESC LIMIT 1", 0},
	[Q_CONTENT_BASE_GET] = {"SELECT body, imported_at FROM content_base WHERE id = 1", 0},
	[Q_CONTENT_BASE_SET] = {"INSERT INTO content_base (id, body, imported_at) VALUES (1, $1, $2::bigint)"
				" ON CONFLICT (id) DO UPDATE SET body = excluded.body,"
				" imported_at = excluded.imported_at", 2},
	[Q_EVENTS_SINCE] = {"SELECT card_id, action, at FROM card_events WHERE received_at >= $1::bigint"
			    " ORDER BY at, kiosk_id, card_id, action", 1},
	[Q_CONTENT_INSERT] = {"INSERT INTO content (version, etag, body, published_at)"
			      " VALUES ($1::bigint, $2, $3, $4::bigint)", 4},
};

struct pg_storage {
	struct storage base; /* first: storage.c sees this */
	PGconn *conn;
	bool in_tx; /* never reconnect inside a transaction: the rest would autocommit */
};

static int reconnect_if_lost(struct storage *s);

static PGconn *conn(struct storage *s) { return ((struct pg_storage *)s)->conn; }

static const char *qname(int id)
{
	static const char *const names[Q_COUNT] = {"q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7",
						   "q8", "q9", "q10", "q11", "q12", "q13", "q14"};
	return names[id];
}

/* libpq's messages end with a newline; one log line wants none. */
static int fail_pg(struct storage *s, const char *what, const PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn(s));
	int rc = storage_fail(s, "%s: %s", what, msg && *msg ? msg : "(no message)");
	size_t n = strlen(s->error);
	while (n > 0 && (s->error[n - 1] == '\n' || s->error[n - 1] == ' '))
		s->error[--n] = '\0';
	return rc;
}

/* Runs a prepared query; returns the result (PGRES_COMMAND_OK or TUPLES_OK) or NULL. */
static PGresult *run(struct storage *s, int id, const char *const *params, const char *what)
{
	if (!((struct pg_storage *)s)->in_tx && reconnect_if_lost(s) != 0)
		return NULL;
	PGresult *res = PQexecPrepared(conn(s), qname(id), queries[id].params, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fail_pg(s, what, res);
		PQclear(res);
		return NULL;
	}
	return res;
}

static int exec_sql(struct storage *s, const char *sql)
{
	PGresult *res = PQexec(conn(s), sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : fail_pg(s, sql, res);
	PQclear(res);
	return rc;
}

static void pg_close(struct storage *s)
{
	struct pg_storage *m = (struct pg_storage *)s;
	if (m->conn)
		PQfinish(m->conn);
	free(m);
}

static int prepare_all(struct storage *s)
{
	for (int i = 0; i < Q_COUNT; i++) {
		PGresult *res = PQprepare(conn(s), qname(i), queries[i].sql, queries[i].params, NULL);
		int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			fail_pg(s, "preparing a query", res);
		PQclear(res);
		if (!ok)
			return -1;
	}
	return 0;
}

/*
 * A connection lost since the last use (PostgreSQL restarted) is opened
 * again, with its prepared statements, before the next transaction.
 */
static int reconnect_if_lost(struct storage *s)
{
	if (PQstatus(conn(s)) == CONNECTION_OK)
		return 0;
	PQreset(conn(s));
	if (PQstatus(conn(s)) != CONNECTION_OK)
		return fail_pg(s, "PostgreSQL connection lost", NULL);
	if (exec_sql(s, "SET client_min_messages = warning") != 0)
		return -1;
	return prepare_all(s);
}

static int pg_ping(struct storage *s)
{
	if (reconnect_if_lost(s) != 0)
		return -1;
	return exec_sql(s, "SELECT 1");
}

static int pg_begin(struct storage *s)
{
	if (reconnect_if_lost(s) != 0 || exec_sql(s, "BEGIN") != 0)
		return -1;
	((struct pg_storage *)s)->in_tx = true;
	return 0;
}

static int pg_commit(struct storage *s)
{
	((struct pg_storage *)s)->in_tx = false;
	return exec_sql(s, "COMMIT");
}

static void pg_rollback(struct storage *s)
{
	((struct pg_storage *)s)->in_tx = false;
	PQclear(PQexec(conn(s), "ROLLBACK"));
}
static int pg_content_lock(struct storage *s) { return exec_sql(s, "SELECT pg_advisory_xact_lock(" LOCK_CONTENT ")"); }

static void i64(char *buf, size_t len, int64_t v) { snprintf(buf, len, "%lld", (long long)v); }

static bool exists(struct storage *s, const char *kiosk_id, int *err)
{
	const char *p[] = {kiosk_id};
	PGresult *res = run(s, Q_KIOSK_EXISTS, p, "looking up kiosk");
	*err = res ? 0 : -1;
	bool found = res && PQntuples(res) > 0;
	PQclear(res);
	return found;
}

static int pg_kiosk_add(struct storage *s, const char *kiosk_id, const char *site_id,
			const char *hash_hex, int64_t now)
{
	int err;
	if (exists(s, kiosk_id, &err))
		return storage_fail(s, "kiosk %s is already registered (revoked kiosks keep their id)",
				    kiosk_id);
	if (err)
		return -1;
	char t[24];
	i64(t, sizeof(t), now);
	const char *p[] = {kiosk_id, site_id, hash_hex, t};
	PGresult *res = run(s, Q_KIOSK_ADD, p, "adding kiosk");
	PQclear(res);
	return res ? 0 : -1;
}

static int pg_kiosk_revoke(struct storage *s, const char *kiosk_id, int64_t now)
{
	int err;
	if (!exists(s, kiosk_id, &err))
		return err ? -1 : storage_fail(s, "no kiosk %s is registered", kiosk_id);
	char t[24];
	i64(t, sizeof(t), now);
	const char *p[] = {kiosk_id, t};
	PGresult *res = run(s, Q_KIOSK_REVOKE, p, "revoking kiosk");
	PQclear(res);
	return res ? 0 : -1;
}

static int64_t col_i64(const PGresult *res, int row, int col) { return strtoll(PQgetvalue(res, row, col), NULL, 10); }

static void col_text(const PGresult *res, int row, int col, char *out, size_t len)
{
	snprintf(out, len, "%s", PQgetvalue(res, row, col));
}

static int pg_kiosk_each(struct storage *s, int (*fn)(void *ctx, const struct storage_kiosk *k),
			 void *ctx)
{
	PGresult *res = run(s, Q_KIOSK_EACH, NULL, "listing kiosks");
	if (!res)
		return -1;
	for (int r = 0; r < PQntuples(res); r++) {
		struct storage_kiosk k;
		memset(&k, 0, sizeof(k));
		col_text(res, r, 0, k.kiosk_id, sizeof(k.kiosk_id));
		col_text(res, r, 1, k.site_id, sizeof(k.site_id));
		if (token_hash_from_hex(PQgetvalue(res, r, 2), k.token_hash) != 0)
			memset(k.token_hash, 0, sizeof(k.token_hash));
		k.created_at = col_i64(res, r, 3);
		k.revoked_at = col_i64(res, r, 4);
		k.last_contact = col_i64(res, r, 5);
		k.clock_offset = col_i64(res, r, 6);
		k.clock_synchronized = col_i64(res, r, 7) != 0;
		col_text(res, r, 8, k.firmware, sizeof(k.firmware));
		k.stock_level = col_i64(res, r, 9);
		k.stock_low_water = col_i64(res, r, 10);
		k.stock_low = col_i64(res, r, 11) != 0;
		col_text(res, r, 12, k.health_reader, sizeof(k.health_reader));
		col_text(res, r, 13, k.health_display, sizeof(k.health_display));
		col_text(res, r, 14, k.health_last_error, sizeof(k.health_last_error));
		k.reports = col_i64(res, r, 15);
		if (fn(ctx, &k) != 0)
			break;
	}
	PQclear(res);
	return 0;
}

/* Runs a query whose one parameter is the JSON text of rows. */
static PGresult *run_json(struct storage *s, int id, json_t *rows, const char *what)
{
	char *text = json_dumps(rows, JSON_COMPACT);
	if (!text) {
		storage_fail(s, "%s: out of memory", what);
		return NULL;
	}
	const char *p[] = {text};
	PGresult *res = run(s, id, p, what);
	free(text);
	return res;
}

/*
 * The batch's kiosks, one row each (a kiosk's last report in the batch
 * wins); returns the set of kiosks updated (not revoked) as a JSON object.
 */
static json_t *update_kiosks(struct storage *s, struct ingest_job **jobs, size_t n)
{
	json_t *by_kiosk = json_object();
	for (size_t i = 0; i < n; i++) {
		const struct report *r = &jobs[i]->report;
		json_t *prev = json_object_get(by_kiosk, r->kiosk_id);
		json_int_t count = prev ? json_integer_value(json_object_get(prev, "n")) + 1 : 1;
		json_object_set_new(
			by_kiosk, r->kiosk_id,
			json_pack("{s:s, s:I, s:I, s:b, s:s, s:I, s:I, s:b, s:s, s:s, s:s, s:I}", "kiosk_id",
				  r->kiosk_id, "received_at", (json_int_t)jobs[i]->received_at,
				  "clock_offset", (json_int_t)jobs[i]->clock_offset,
				  "clock_synchronized", r->clock_synchronized, "firmware", r->firmware,
				  "stock_level", (json_int_t)r->stock_level, "stock_low_water",
				  (json_int_t)r->stock_low_water, "stock_low", r->stock_low,
				  "health_reader", r->health_reader, "health_display", r->health_display,
				  "health_last_error", r->health_last_error, "n", count));
	}
	json_t *rows = json_array();
	const char *key;
	json_t *v;
	json_object_foreach(by_kiosk, key, v)
		json_array_append(rows, v);
	json_decref(by_kiosk);
	PGresult *res = run_json(s, Q_KIOSKS_UPDATE, rows, "updating kiosks");
	json_decref(rows);
	if (!res)
		return NULL;
	json_t *updated = json_object();
	for (int r = 0; r < PQntuples(res); r++)
		json_object_set_new(updated, PQgetvalue(res, r, 0), json_true());
	PQclear(res);
	return updated;
}

static int pg_ingest_rows(struct storage *s, struct ingest_job **jobs, size_t n, bool *new_events)
{
	json_t *updated = update_kiosks(s, jobs, n);
	if (!updated)
		return -1;
	/* Days, merged by (kiosk, day): the highest revision, flags or-ed. */
	json_t *by_key = json_object();
	json_t *events = json_array();
	for (size_t i = 0; i < n; i++) {
		struct ingest_job *j = jobs[i];
		const struct report *r = &j->report;
		if (!json_object_get(updated, r->kiosk_id)) {
			j->status = 401;
			continue;
		}
		j->status = 200;
		for (size_t d = 0; d < r->n_days; d++) {
			const struct protocol_day *day = &r->days[d];
			char key[PROTOCOL_ID_MAX + 16];
			snprintf(key, sizeof(key), "%s/%s", r->kiosk_id, day->date);
			bool unsynced = j->flag_unsynchronized || day->clock_unsynced > 0;
			json_t *prev = json_object_get(by_key, key);
			if (prev) {
				unsynced = unsynced || json_is_true(json_object_get(prev, "flag_unsynchronized"));
				bool disagrees = j->flag_clock_disagrees ||
						 json_is_true(json_object_get(prev, "flag_clock_disagrees"));
				json_object_set_new(prev, "flag_unsynchronized", json_boolean(unsynced));
				json_object_set_new(prev, "flag_clock_disagrees", json_boolean(disagrees));
				if (json_integer_value(json_object_get(prev, "revision")) >= day->revision)
					continue;
			}
			json_t *row = protocol_day_to_json(day);
			json_object_set_new(row, "kiosk_id", json_string(r->kiosk_id));
			json_object_set_new(row, "day", json_string(day->date));
			json_object_del(row, "date");
			json_object_set_new(row, "received_at", json_integer(j->received_at));
			json_object_set_new(row, "flag_unsynchronized",
					    prev ? json_incref(json_object_get(prev, "flag_unsynchronized"))
						 : json_boolean(unsynced));
			json_object_set_new(row, "flag_clock_disagrees",
					    prev ? json_incref(json_object_get(prev, "flag_clock_disagrees"))
						 : json_boolean(j->flag_clock_disagrees));
			json_object_set_new(by_key, key, row);
		}
		for (size_t e = 0; e < r->n_card_events; e++) {
			const struct protocol_card_event *ce = &r->card_events[e];
			json_array_append_new(events,
					      json_pack("{s:s, s:s, s:s, s:I, s:I}", "kiosk_id", r->kiosk_id,
							"card_id", ce->card_id, "action",
							protocol_card_action_name(ce->action), "at",
							(json_int_t)ce->at, "received_at",
							(json_int_t)j->received_at));
		}
		j->card_events_held = r->n_card_events;
	}
	json_decref(updated);

	int rc = 0;
	json_t *rows = json_array();
	const char *key;
	json_t *v;
	json_object_foreach(by_key, key, v)
		json_array_append(rows, v);
	json_t *held = json_object(); /* "kiosk/day" -> revision held now */
	if (json_array_size(rows) > 0) {
		PGresult *res = run_json(s, Q_DAYS_UPSERT, rows, "storing days");
		if (!res) {
			rc = -1;
		} else {
			for (int r = 0; r < PQntuples(res); r++) {
				char k[PROTOCOL_ID_MAX + 16];
				snprintf(k, sizeof(k), "%s/%s", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
				json_object_set_new(held, k, json_integer(col_i64(res, r, 2)));
			}
			PQclear(res);
		}
	}
	json_decref(rows);
	json_decref(by_key);
	if (rc == 0 && json_array_size(events) > 0) {
		PGresult *res = run_json(s, Q_CARD_EVENTS, events, "storing card events");
		if (!res)
			rc = -1;
		else if (PQntuples(res) > 0)
			*new_events = true;
		PQclear(res);
	}
	json_decref(events);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct ingest_job *j = jobs[i];
		if (j->status != 200)
			continue;
		for (size_t d = 0; d < j->report.n_days; d++) {
			char k[PROTOCOL_ID_MAX + 16];
			snprintf(k, sizeof(k), "%s/%s", j->report.kiosk_id, j->report.days[d].date);
			json_t *h = json_object_get(held, k);
			j->held[d] = h ? json_integer_value(h) : 0;
		}
	}
	json_decref(held);
	return rc;
}

static int pg_site_stock(struct storage *s, struct ingest_outcome *out)
{
	PGresult *res = run(s, Q_SITE_STOCK, NULL, "reading site stock");
	if (!res)
		return -1;
	int n = PQntuples(res);
	out->sites = calloc(n > 0 ? (size_t)n : 1, sizeof(*out->sites));
	if (!out->sites) {
		PQclear(res);
		return storage_fail(s, "out of memory");
	}
	for (int r = 0; r < n; r++) {
		struct site_stock *site = &out->sites[r];
		col_text(res, r, 0, site->site_id, sizeof(site->site_id));
		site->level = col_i64(res, r, 1);
		site->low = col_i64(res, r, 2) != 0;
		site->reported_at = col_i64(res, r, 3);
	}
	out->n_sites = (size_t)n;
	PQclear(res);
	return 0;
}

static void read_day(const PGresult *res, int r, struct storage_day *d)
{
	memset(d, 0, sizeof(*d));
	int c = 0;
	col_text(res, r, c++, d->kiosk_id, sizeof(d->kiosk_id));
	col_text(res, r, c++, d->day.date, sizeof(d->day.date));
	d->day.revision = col_i64(res, r, c++);
	d->day.clock_unsynced = col_i64(res, r, c++);
#define READ(name) d->day.name = col_i64(res, r, c++);
	PROTOCOL_DAY_COUNTERS(READ)
#undef READ
	d->flag_unsynchronized = PQgetvalue(res, r, c++)[0] == 't';
	d->flag_clock_disagrees = PQgetvalue(res, r, c++)[0] == 't';
	d->received_at = col_i64(res, r, c);
}

static int pg_kiosk_days(struct storage *s, const char *kiosk_id, struct protocol_day **days,
			 size_t *n)
{
	*days = NULL;
	*n = 0;
	const char *p[] = {kiosk_id};
	PGresult *res = run(s, Q_KIOSK_DAYS, p, "reading days");
	if (!res)
		return -1;
	int rows = PQntuples(res);
	*days = calloc(rows > 0 ? (size_t)rows : 1, sizeof(**days));
	if (!*days) {
		PQclear(res);
		return storage_fail(s, "out of memory");
	}
	for (int r = 0; r < rows; r++) {
		struct storage_day d;
		read_day(res, r, &d);
		(*days)[r] = d.day;
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

static int pg_days_each(struct storage *s, const char *from, const char *to,
			int (*fn)(void *ctx, const struct storage_day *d), void *ctx)
{
	const char *p[] = {from && *from ? from : "0000-00-00", to && *to ? to : "9999-99-99"};
	PGresult *res = run(s, Q_DAYS_EACH, p, "reading days");
	if (!res)
		return -1;
	for (int r = 0; r < PQntuples(res); r++) {
		struct storage_day d;
		read_day(res, r, &d);
		if (fn(ctx, &d) != 0)
			break;
	}
	PQclear(res);
	return 0;
}

static int pg_content_latest(struct storage *s, int64_t *version, char *etag, size_t etag_len,
			     char **body)
{
	*version = 0;
	if (etag_len)
		etag[0] = '\0';
	if (body)
		*body = NULL;
	PGresult *res = run(s, Q_CONTENT_LATEST, NULL, "reading content");
	if (!res)
		return -1;
	if (PQntuples(res) > 0) {
		*version = col_i64(res, 0, 0);
		col_text(res, 0, 1, etag, etag_len);
	}
	PQclear(res);
	if (body && *version > 0) {
		char v[24];
		i64(v, sizeof(v), *version);
		const char *p[] = {v};
		res = PQexecParams(conn(s), "SELECT body FROM content WHERE version = $1::bigint", 1,
				   NULL, p, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
			fail_pg(s, "reading content", res);
			PQclear(res);
			return -1;
		}
		*body = strdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		if (!*body)
			return storage_fail(s, "out of memory");
	}
	return 0;
}

static int pg_content_base_get(struct storage *s, char **body, int64_t *imported_at)
{
	*body = NULL;
	PGresult *res = run(s, Q_CONTENT_BASE_GET, NULL, "reading content base");
	if (!res)
		return -1;
	if (PQntuples(res) > 0) {
		*body = strdup(PQgetvalue(res, 0, 0));
		*imported_at = col_i64(res, 0, 1);
	}
	int rc = PQntuples(res) > 0 && !*body ? storage_fail(s, "out of memory") : 0;
	PQclear(res);
	return rc;
}

static int pg_content_base_set(struct storage *s, const char *body, int64_t imported_at)
{
	char t[24];
	i64(t, sizeof(t), imported_at);
	const char *p[] = {body, t};
	PGresult *res = run(s, Q_CONTENT_BASE_SET, p, "storing content base");
	PQclear(res);
	return res ? 0 : -1;
}

static int pg_card_events_since(struct storage *s, int64_t since, struct content_card_event **events,
				size_t *n)
{
	*events = NULL;
	*n = 0;
	char t[24];
	i64(t, sizeof(t), since);
	const char *p[] = {t};
	PGresult *res = run(s, Q_EVENTS_SINCE, p, "reading card events");
	if (!res)
		return -1;
	int rows = PQntuples(res);
	*events = calloc(rows > 0 ? (size_t)rows : 1, sizeof(**events));
	if (!*events) {
		PQclear(res);
		return storage_fail(s, "out of memory");
	}
	for (int r = 0; r < rows; r++) {
		struct content_card_event *e = &(*events)[r];
		col_text(res, r, 0, e->card_id, sizeof(e->card_id));
		e->action = strcmp(PQgetvalue(res, r, 1), "revoked") == 0 ? CARD_ACTION_REVOKED
									  : CARD_ACTION_ISSUED;
		e->at = col_i64(res, r, 2);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

static int pg_content_insert(struct storage *s, int64_t version, const char *etag, const char *body,
			     int64_t now)
{
	char v[24], t[24];
	i64(v, sizeof(v), version);
	i64(t, sizeof(t), now);
	const char *p[] = {v, etag, body, t};
	PGresult *res = run(s, Q_CONTENT_INSERT, p, "publishing content");
	PQclear(res);
	return res ? 0 : -1;
}

/*
 * Users, settings: rare, so plain parameterised statements rather than
 * prepared ones. Returns the result or NULL (with the error set).
 */
static PGresult *run_params(struct storage *s, const char *sql, int n, const char *const *p,
			    const char *what)
{
	if (!((struct pg_storage *)s)->in_tx && reconnect_if_lost(s) != 0)
		return NULL;
	PGresult *res = PQexecParams(conn(s), sql, n, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fail_pg(s, what, res);
		PQclear(res);
		return NULL;
	}
	return res;
}

static int pg_user_put(struct storage *s, const char *name, const char *hash, int64_t now,
		       bool replace)
{
	char t[24];
	i64(t, sizeof(t), now);
	const char *p[] = {name, hash, t};
	PGresult *res = run_params(s, replace ? "UPDATE users SET password = $2, changed_at = $3::bigint"
						" WHERE name = $1"
					      : "INSERT INTO users (name, password, created_at, changed_at)"
						" VALUES ($1, $2, $3::bigint, $3::bigint)"
						" ON CONFLICT (name) DO NOTHING",
				   3, p, "storing a user");
	if (!res)
		return -1;
	bool changed = atoi(PQcmdTuples(res)) > 0;
	PQclear(res);
	if (!changed)
		return storage_fail(s, replace ? "there is no user %s" : "user %s exists already", name);
	return 0;
}

static int pg_user_remove(struct storage *s, const char *name)
{
	const char *p[] = {name};
	PGresult *res = run_params(s, "DELETE FROM users WHERE name = $1", 1, p, "removing a user");
	if (!res)
		return -1;
	bool changed = atoi(PQcmdTuples(res)) > 0;
	PQclear(res);
	return changed ? 0 : storage_fail(s, "there is no user %s", name);
}

static int select_text(struct storage *s, const char *sql, const char *param, char **out,
		       const char *what)
{
	*out = NULL;
	const char *p[] = {param};
	PGresult *res = run_params(s, sql, 1, p, what);
	if (!res)
		return -1;
	if (PQntuples(res) > 0 && !(*out = strdup(PQgetvalue(res, 0, 0)))) {
		PQclear(res);
		return storage_fail(s, "out of memory");
	}
	PQclear(res);
	return 0;
}

static int pg_user_get(struct storage *s, const char *name, char *hash, size_t len, bool *found)
{
	char *v;
	if (select_text(s, "SELECT password FROM users WHERE name = $1", name, &v, "reading a user") != 0)
		return -1;
	*found = v != NULL;
	snprintf(hash, len, "%s", v ? v : "");
	free(v);
	return 0;
}

static int pg_setting_get(struct storage *s, const char *key, char **value)
{
	return select_text(s, "SELECT value FROM settings WHERE key = $1", key, value,
			   "reading a setting");
}

static int pg_setting_add(struct storage *s, const char *key, const char *value)
{
	const char *p[] = {key, value};
	PGresult *res = run_params(s, "INSERT INTO settings (key, value) VALUES ($1, $2)"
				      " ON CONFLICT (key) DO NOTHING", 2, p, "storing a setting");
	PQclear(res);
	return res ? 0 : -1;
}

static int pg_backup(struct storage *s, const char *path)
{
	(void)path;
	return storage_fail(s, "officed backup copies SQLite databases; back up PostgreSQL with "
			    "pg_dump (docs/office.md, \"Backups\")");
}

static const struct storage_backend pg_backend = {
	.name = "postgresql",
	.close = pg_close,
	.ping = pg_ping,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.kiosk_add = pg_kiosk_add,
	.kiosk_revoke = pg_kiosk_revoke,
	.kiosk_each = pg_kiosk_each,
	.ingest_rows = pg_ingest_rows,
	.site_stock = pg_site_stock,
	.kiosk_days = pg_kiosk_days,
	.days_each = pg_days_each,
	.content_latest = pg_content_latest,
	.content_lock = pg_content_lock,
	.content_base_get = pg_content_base_get,
	.content_base_set = pg_content_base_set,
	.card_events_since = pg_card_events_since,
	.content_insert = pg_content_insert,
	.user_put = pg_user_put,
	.user_remove = pg_user_remove,
	.user_get = pg_user_get,
	.setting_get = pg_setting_get,
	.setting_add = pg_setting_add,
	.backup = pg_backup,
};

/* Creates or upgrades the schema; instances starting together take turns. */
static int migrate(struct storage *s, char *err, size_t errlen)
{
	int version = -1;
	if (exec_sql(s, "BEGIN") != 0 ||
	    exec_sql(s, "SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ")") != 0 ||
	    exec_sql(s, "CREATE TABLE IF NOT EXISTS officed_schema (version integer NOT NULL)") != 0)
		goto fail;
	PGresult *res = PQexec(conn(s), "SELECT version FROM officed_schema");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fail_pg(s, "reading the schema version", res);
		PQclear(res);
		goto fail;
	}
	version = PQntuples(res) > 0 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	if (version > PG_SCHEMA_VERSION) {
		storage_fail(s, "the database has schema version %d, newer than this officed knows "
			     "(%d); not touched", version, PG_SCHEMA_VERSION);
		goto fail;
	}
	for (int v = version; v < PG_SCHEMA_VERSION; v++) {
		if (exec_sql(s, migrations[v]) != 0)
			goto fail;
	}
	if (version < PG_SCHEMA_VERSION) {
		char sql[96];
		snprintf(sql, sizeof(sql), "DELETE FROM officed_schema; INSERT INTO officed_schema VALUES (%d)",
			 PG_SCHEMA_VERSION);
		if (exec_sql(s, sql) != 0)
			goto fail;
	}
	if (exec_sql(s, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "postgresql: %s", s->error);
	pg_rollback(s);
	return -1;
}

int storage_pg_open(const char *url, struct storage **out, char *err, size_t errlen)
{
	struct pg_storage *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->base.be = &pg_backend;
	struct storage *s = &m->base;
	m->conn = PQconnectdb(url);
	if (!m->conn || PQstatus(m->conn) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password. */
		fail_pg(s, "cannot connect to PostgreSQL", NULL);
		snprintf(err, errlen, "%s", s->error);
		pg_close(s);
		return -1;
	}
	/* Quiet the server's NOTICEs (CREATE TABLE IF NOT EXISTS ...). */
	if (exec_sql(s, "SET client_min_messages = warning") != 0 || migrate(s, err, errlen) != 0) {
		if (!err[0])
			snprintf(err, errlen, "%s", s->error);
		pg_close(s);
		return -1;
	}
	if (prepare_all(s) != 0) {
		snprintf(err, errlen, "postgresql: %s", s->error);
		pg_close(s);
		return -1;
	}
	*out = s;
	return 0;
}
