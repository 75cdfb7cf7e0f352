/*
 * store: see store.h.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/*
 * Migrations: migrations[v] takes a database at user_version v to v + 1.
 * Each runs in its own transaction together with the user_version bump, so
 * a failed migration leaves the database as it was.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at INTEGER NOT NULL,"
	"  boot_id TEXT NOT NULL,"
	"  boot_ms INTEGER NOT NULL,"
	"  local_date TEXT NOT NULL,"
	"  clock_synced INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('handout','denied','restock','stock_set','not_taken','help')),"
	"  reason TEXT,"
	"  amount INTEGER NOT NULL DEFAULT 0,"
	"  stock_after INTEGER NOT NULL,"
	"  actor TEXT"
	");"
	"CREATE INDEX events_at ON events(at);"
	"CREATE TABLE card_handouts ("
	"  seq INTEGER PRIMARY KEY REFERENCES events(seq),"
	"  card_id TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  boot_id TEXT NOT NULL,"
	"  boot_ms INTEGER NOT NULL,"
	"  restamped INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX card_handouts_card ON card_handouts(card_id);"
	"CREATE INDEX card_handouts_at ON card_handouts(at);"
	"CREATE TABLE day_counters ("
	"  local_date TEXT PRIMARY KEY,"
	"  handouts INTEGER NOT NULL DEFAULT 0,"
	"  denied_limit INTEGER NOT NULL DEFAULT 0,"
	"  denied_revoked INTEGER NOT NULL DEFAULT 0,"
	"  denied_not_issued INTEGER NOT NULL DEFAULT 0,"
	"  denied_out_of_stock INTEGER NOT NULL DEFAULT 0,"
	"  denied_unusable_card INTEGER NOT NULL DEFAULT 0,"
	"  not_taken INTEGER NOT NULL DEFAULT 0,"
	"  restocked_sets INTEGER NOT NULL DEFAULT 0,"
	"  new_cards INTEGER NOT NULL DEFAULT 0,"
	"  help_requests INTEGER NOT NULL DEFAULT 0,"
	"  clock_unsynced INTEGER NOT NULL DEFAULT 0,"
	"  revision INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE stock (id INTEGER PRIMARY KEY CHECK (id = 1), level INTEGER NOT NULL CHECK (level >= 0));"
	"INSERT INTO stock(id, level) VALUES (1, 0);"
	"CREATE TABLE staff_cards (card_id TEXT PRIMARY KEY, enrolled_at INTEGER NOT NULL);"
	"CREATE TABLE card_status (card_id TEXT PRIMARY KEY,"
	"  status TEXT NOT NULL CHECK (status IN ('issued','revoked')), at INTEGER NOT NULL);"
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 1 -> 2: the content bundle (docs/content.md), and where a card's
	 * status came from, so a new bundle replaces only what the last one set
	 * and never a staff member's own decision. */
	"CREATE TABLE content (id INTEGER PRIMARY KEY CHECK (id = 1), version TEXT NOT NULL,"
	"  json TEXT NOT NULL, imported_at INTEGER NOT NULL);"
	"ALTER TABLE card_status ADD COLUMN source TEXT NOT NULL DEFAULT 'staff'"
	"  CHECK (source IN ('staff','content'));",
	/* 2 -> 3: what the office has acknowledged (firmware/store_sync.h).
	 * A store created empty asks the office what it holds before its first
	 * report (restore_pending); one upgraded with history never needs to. */
	"CREATE TABLE sync_days (local_date TEXT PRIMARY KEY,"
	"  acked_revision INTEGER NOT NULL DEFAULT 0,"
	"  rejected_revision INTEGER NOT NULL DEFAULT 0,"
	"  rejected_reason TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE sync_card_events (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  card_id TEXT NOT NULL, action TEXT NOT NULL CHECK (action IN ('issued','revoked')),"
	"  at INTEGER NOT NULL, acked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE sync_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  restore_pending INTEGER NOT NULL, last_success INTEGER NOT NULL DEFAULT 0,"
	"  last_attempt INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',"
	"  last_error_at INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL DEFAULT 0, body_cap INTEGER NOT NULL DEFAULT 0,"
	"  content_etag TEXT NOT NULL DEFAULT '', office_etag TEXT NOT NULL DEFAULT '',"
	"  clock_flagged INTEGER NOT NULL DEFAULT 0, nearby TEXT NOT NULL DEFAULT '[]');"
	"INSERT INTO sync_state (id, restore_pending) SELECT 1, NOT EXISTS (SELECT 1 FROM events);",
	/* 3 -> 4: a dispenser's set that nobody took gives the card its
	 * allowance back: its handout row is marked and stops counting for the
	 * policy, while the handout stays in the event log. And the staff log
	 * (firmware/store_staff.h): who enrolled, removed, issued or revoked a
	 * card. */
	"ALTER TABLE card_handouts ADD COLUMN not_taken INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE staff_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
	"  action TEXT NOT NULL CHECK (action IN ('enroll','remove','issue','revoke')),"
	"  card_id TEXT NOT NULL, actor TEXT NOT NULL);",
};
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

/* Counter deltas: one statement adds any of them to a day and bumps its revision. */
#define COUNTER_COLUMN(name) #name ","
#define COUNTER_PARAM(name) "?,"
#define COUNTER_ADD(name) #name " = " #name " + excluded." #name ","
static const char day_add_sql[] =
	"INSERT INTO day_counters (local_date," STORE_DAY_COUNTERS(COUNTER_COLUMN)
	" clock_unsynced, revision) VALUES (?," STORE_DAY_COUNTERS(COUNTER_PARAM) " ?, 1)"
	" ON CONFLICT(local_date) DO UPDATE SET " STORE_DAY_COUNTERS(COUNTER_ADD)
	" clock_unsynced = clock_unsynced + excluded.clock_unsynced, revision = revision + 1";
#define COUNTER_SUM(name) "coalesce(sum(" #name "), 0),"
#define COUNTER_SELECT(name) #name ","

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_EVENT_INSERT,
	ST_CARD_INSERT,
	ST_CARD_SEEN,
	ST_CARD_HANDOUTS,
	ST_CARD_NOT_TAKEN,
	ST_CARD_RESTAMP,
	ST_CARD_STAFF,
	ST_CARD_STATUS,
	ST_DAY_ADD,
	ST_DAY_GET,
	ST_DAYS_SUM,
	ST_DAYS_EACH,
	ST_STOCK_GET,
	ST_STOCK_ADD,
	ST_STOCK_SET,
	ST_EVENTS_EACH,
	ST_LAST_SEQ,
	ST_PRUNE,
	ST_STAFF_ADD,
	ST_STATUS_SET,
	ST_SETTING_GET,
	ST_SETTING_SET,
	ST_CONTENT_GET,
	ST_CONTENT_PUT,
	ST_CONTENT_CARDS_CLEAR,
	ST_CONTENT_CARD_ADD,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_EVENT_INSERT] = "INSERT INTO events (at, boot_id, boot_ms, local_date, clock_synced, kind,"
			    " reason, amount, stock_after, actor) VALUES (?,?,?,?,?,?,?,?,?,?)",
	[ST_CARD_INSERT] = "INSERT INTO card_handouts (seq, card_id, at, boot_id, boot_ms) VALUES (?,?,?,?,?)",
	[ST_CARD_SEEN] = "SELECT 1 FROM card_handouts WHERE card_id = ? LIMIT 1",
	/* A set the dispenser released and nobody took does not count. */
	[ST_CARD_HANDOUTS] = "SELECT at, boot_id, boot_ms, restamped, seq FROM card_handouts WHERE card_id = ?"
			     " AND not_taken = 0 ORDER BY seq",
	[ST_CARD_NOT_TAKEN] = "UPDATE card_handouts SET not_taken = 1 WHERE seq = ?",
	[ST_CARD_RESTAMP] = "UPDATE card_handouts SET at = ?1, boot_id = ?2, boot_ms = ?3, restamped = 1"
			    " WHERE card_id = ?4 AND boot_id <> ?2 AND at > ?1",
	[ST_CARD_STAFF] = "SELECT 1 FROM staff_cards WHERE card_id = ?",
	[ST_CARD_STATUS] = "SELECT status FROM card_status WHERE card_id = ?",
	[ST_DAY_ADD] = day_add_sql,
	[ST_DAY_GET] = "SELECT local_date," STORE_DAY_COUNTERS(COUNTER_SELECT)
		       " clock_unsynced, revision FROM day_counters WHERE local_date = ?",
	[ST_DAYS_SUM] = "SELECT ''," STORE_DAY_COUNTERS(COUNTER_SUM)
			" coalesce(sum(clock_unsynced), 0), coalesce(max(revision), 0)"
			" FROM day_counters WHERE local_date BETWEEN ? AND ?",
	[ST_DAYS_EACH] = "SELECT local_date," STORE_DAY_COUNTERS(COUNTER_SELECT)
			 " clock_unsynced, revision FROM day_counters"
			 " WHERE local_date BETWEEN ? AND ? ORDER BY local_date",
	[ST_STOCK_GET] = "SELECT level FROM stock WHERE id = 1",
	[ST_STOCK_ADD] = "UPDATE stock SET level = level + ? WHERE id = 1 AND level + ? >= 0",
	[ST_STOCK_SET] = "UPDATE stock SET level = ? WHERE id = 1",
	[ST_EVENTS_EACH] = "SELECT seq, at, local_date, kind, coalesce(reason, ''), amount, stock_after,"
			   " clock_synced, coalesce(actor, '') FROM events"
			   " WHERE at >= ? AND seq > ? ORDER BY seq LIMIT ?",
	[ST_LAST_SEQ] = "SELECT coalesce(max(seq), 0) FROM events",
	[ST_PRUNE] = "DELETE FROM card_handouts WHERE (boot_id = ?1 AND boot_ms < ?2)"
		     " OR (boot_id <> ?1 AND at < ?3)",
	[ST_STAFF_ADD] = "INSERT OR IGNORE INTO staff_cards (card_id, enrolled_at) VALUES (?, ?)",
	[ST_STATUS_SET] = "INSERT INTO card_status (card_id, status, at) VALUES (?, ?, ?)"
			  " ON CONFLICT(card_id) DO UPDATE SET status = excluded.status, at = excluded.at,"
			  " source = 'staff'",
	[ST_SETTING_GET] = "SELECT value FROM settings WHERE key = ?",
	[ST_CONTENT_GET] = "SELECT json, version FROM content WHERE id = 1",
	[ST_CONTENT_PUT] = "INSERT INTO content (id, version, json, imported_at) VALUES (1, ?, ?, ?)"
			   " ON CONFLICT(id) DO UPDATE SET version = excluded.version,"
			   " json = excluded.json, imported_at = excluded.imported_at",
	[ST_CONTENT_CARDS_CLEAR] = "DELETE FROM card_status WHERE source = 'content'",
	/* A staff member's row for the same card stays: DO NOTHING. */
	[ST_CONTENT_CARD_ADD] = "INSERT INTO card_status (card_id, status, at, source)"
				" VALUES (?, ?, ?, 'content') ON CONFLICT(card_id) DO NOTHING",
	[ST_SETTING_SET] = "INSERT INTO settings (key, value) VALUES (?, ?)"
			   " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
};

struct store {
	sqlite3 *db;
	int lock_fd;
	sqlite3_stmt *stmt[ST_COUNT];
	char error[256];
	void (*test_hook)(const char *point);
};

static int fail(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct store *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_db(struct store *s, const char *what)
{
	return fail(s, "%s: %s", what, sqlite3_errmsg(s->db));
}

const char *store_error(const struct store *store) { return store->error; }

void store_set_test_hook(struct store *store, void (*hook)(const char *point)) { store->test_hook = hook; }

/* Resets a statement for its next use; sqlite3_reset's code repeats the step's. */
static sqlite3_stmt *stmt_get(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = s->stmt[id];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int exec_simple(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = stmt_get(s, id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, stmt_sql[id]);
}

static int begin(struct store *s) { return exec_simple(s, ST_BEGIN); }

static int commit(struct store *s)
{
	if (s->test_hook)
		s->test_hook("in_transaction");
	if (exec_simple(s, ST_COMMIT) == 0)
		return 0;
	char saved[sizeof(s->error)];
	memcpy(saved, s->error, sizeof(saved));
	exec_simple(s, ST_ROLLBACK);
	memcpy(s->error, saved, sizeof(saved));
	return -1;
}

static int rollback(struct store *s)
{
	char saved[sizeof(s->error)];
	memcpy(saved, s->error, sizeof(saved));
	if (sqlite3_get_autocommit(s->db) == 0)
		exec_simple(s, ST_ROLLBACK);
	memcpy(s->error, saved, sizeof(saved));
	return -1;
}

static int pragma_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		snprintf(out, len, "%s", v ? (const char *)v : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		out[0] = '\0';
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static void explain_open_error(struct store *s, int rc, const char *path, char *err, size_t errlen)
{
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		snprintf(err, errlen,
			 "%s is not a kiosk database or is corrupt (%s); it has not been touched: "
			 "move it aside (keep it for recovery) or restore a backup",
			 path, sqlite3_errstr(rc));
	else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		snprintf(err, errlen,
			 "%s is locked by another process (%s); waiting for it to let go", path,
			 sqlite3_errstr(rc));
	else
		snprintf(err, errlen, "cannot use %s: %s", path, sqlite3_errmsg(s->db));
}

/*
 * Reads the schema version without writing anything, and refuses what is
 * not ours to change: a newer schema, someone else's database, a corrupt
 * file. Nothing before this point may write to the file.
 */
static int check_schema(struct store *s, const char *path, bool exists, long *version,
			char *err, size_t errlen)
{
	char text[64];
	int rc = pragma_text(s->db, "PRAGMA user_version", text, sizeof(text));
	if (rc != SQLITE_OK) {
		explain_open_error(s, rc, path, err, errlen);
		return -1;
	}
	*version = strtol(text, NULL, 10);
	if (*version > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s has schema version %ld, newer than this kioskd understands (%d): "
			 "it was written by a newer kioskd; install that version again, or "
			 "restore a backup made by this one; it has not been touched",
			 path, *version, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (*version == 0) {
		char tables[16];
		rc = pragma_text(s->db, "SELECT count(*) FROM sqlite_master", tables, sizeof(tables));
		if (rc != SQLITE_OK) {
			explain_open_error(s, rc, path, err, errlen);
			return -1;
		}
		if (strcmp(tables, "0") != 0) {
			snprintf(err, errlen,
				 "%s is an SQLite database but not a kiosk store (it has tables "
				 "and no schema version); it has not been touched",
				 path);
			return -1;
		}
	}
	if (exists && *version > 0) {
		char check[256];
		rc = pragma_text(s->db, "PRAGMA quick_check", check, sizeof(check));
		if (rc != SQLITE_OK) {
			explain_open_error(s, rc, path, err, errlen);
			return -1;
		}
		if (strcmp(check, "ok") != 0) {
			snprintf(err, errlen,
				 "%s is corrupt (quick_check: %s); it has not been touched: move it "
				 "aside (keep it for recovery) or restore a backup",
				 path, check);
			return -1;
		}
	}
	return 0;
}

static int migrate(struct store *s, const char *path, long version, char *err, size_t errlen)
{
	for (long v = version; v < STORE_SCHEMA_VERSION; v++) {
		char *msg = NULL;
		char bump[64];
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %ld;", v + 1);
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, bump, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "%s: migrating schema %ld to %ld failed: %s; the "
				 "database is unchanged", path, v, v + 1, msg ? msg : "?");
			sqlite3_free(msg);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (version > 0) /* a new store is created, not migrated */
			log_info("store: migrated %s from schema %ld to %ld", path, v, v + 1);
	}
	return 0;
}

static int take_lock(struct store *s, const char *path, char *err, size_t errlen)
{
	char lock_path[4096];
	if ((size_t)snprintf(lock_path, sizeof(lock_path), "%s.lock", path) >= sizeof(lock_path)) {
		snprintf(err, errlen, "store path too long");
		return -1;
	}
	s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		snprintf(err, errlen, "cannot open lock file %s: %s", lock_path, strerror(errno));
		return -1;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen,
				 "%s is in use by another process (another kioskd?); only one "
				 "kioskd may use a store",
				 path);
		else
			snprintf(err, errlen, "cannot lock %s: %s", lock_path, strerror(errno));
		return -1;
	}
	return 0;
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->lock_fd = -1;
	*out = NULL;

	if (take_lock(s, path, err, errlen) != 0)
		goto fail;

	struct stat st;
	bool exists = stat(path, &st) == 0;
	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 0);
	/* Another process holding the database: wait briefly at open, then say so. */
	sqlite3_busy_timeout(s->db, 250);

	long version;
	if (check_schema(s, path, exists, &version, err, errlen) != 0)
		goto fail;

	char mode[16];
	rc = pragma_text(s->db, "PRAGMA journal_mode = WAL", mode, sizeof(mode));
	if (rc != SQLITE_OK || strcmp(mode, "wal") != 0) {
		if (rc != SQLITE_OK)
			explain_open_error(s, rc, path, err, errlen);
		else
			snprintf(err, errlen, "%s: cannot switch to WAL mode (journal mode %s)", path, mode);
		goto fail;
	}
	if (sqlite3_exec(s->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", NULL, NULL,
			 NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (migrate(s, path, version, err, errlen) != 0)
		goto fail;

	/* Can we write? A writer elsewhere (an admin's sqlite3 shell) would
	 * make every commit wait and fail; better to know now. */
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE; ROLLBACK;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		explain_open_error(s, rc, path, err, errlen);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 1000);

	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing statement %d: %s", path, i,
				 sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	*out = s;
	return 0;

fail:
	store_close(s);
	return -1;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->db)
		sqlite3_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

void store_stamp_now(struct store_stamp *stamp, const char *zone)
{
	struct clock_reading now;
	clock_read(&now);
	stamp->wall = now.wall;
	stamp->boot_ms = now.boot_ms;
	snprintf(stamp->boot_id, sizeof(stamp->boot_id), "%s", clock_boot_id());
	tz_local_date(zone, now.wall, stamp->local_date);
	stamp->clock_synced = clock_synchronized();
}

static void bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int store_card_handouts(struct store *s, const card_id_t *card, const struct store_stamp *now,
			struct policy_handout **out, size_t *n)
{
	sqlite3_stmt *st = stmt_get(s, ST_CARD_RESTAMP);
	sqlite3_bind_int64(st, 1, now->wall);
	bind_text(st, 2, now->boot_id);
	sqlite3_bind_int64(st, 3, now->boot_ms);
	bind_text(st, 4, card->hex);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail_db(s, "re-stamping card history");
	if (sqlite3_changes(s->db) > 0)
		log_info("store: a handout stamped in the future by a wrong clock now counts from now");

	size_t cap = 8, used = 0;
	struct policy_handout *list = malloc(cap * sizeof(*list));
	if (!list)
		return fail(s, "out of memory");
	st = stmt_get(s, ST_CARD_HANDOUTS);
	bind_text(st, 1, card->hex);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (used == cap) {
			struct policy_handout *bigger = realloc(list, 2 * cap * sizeof(*list));
			if (!bigger) {
				free(list);
				sqlite3_reset(st);
				return fail(s, "out of memory");
			}
			list = bigger;
			cap *= 2;
		}
		struct policy_handout *h = &list[used++];
		h->at = sqlite3_column_int64(st, 0);
		const char *boot = (const char *)sqlite3_column_text(st, 1);
		int64_t boot_ms = sqlite3_column_int64(st, 2);
		h->restamped = sqlite3_column_int(st, 3) != 0;
		h->seq = sqlite3_column_int64(st, 4);
		/* Same boot: measure the age on CLOCK_BOOTTIME, immune to clock jumps. */
		if (boot && strcmp(boot, now->boot_id) == 0 && boot_ms <= now->boot_ms)
			h->age = (now->boot_ms - boot_ms) / 1000;
		else
			h->age = -1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(list);
		return fail_db(s, "reading card history");
	}
	*out = list;
	*n = used;
	return 0;
}

int store_card_flags(struct store *s, const card_id_t *card, struct policy_card *flags)
{
	flags->staff = flags->revoked = flags->issued = false;
	sqlite3_stmt *st = stmt_get(s, ST_CARD_STAFF);
	bind_text(st, 1, card->hex);
	int rc = sqlite3_step(st);
	flags->staff = rc == SQLITE_ROW;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail_db(s, "reading staff cards");

	st = stmt_get(s, ST_CARD_STATUS);
	bind_text(st, 1, card->hex);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 0);
		flags->revoked = status && strcmp(status, "revoked") == 0;
		flags->issued = status && strcmp(status, "issued") == 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail_db(s, "reading card status");
	return 0;
}

struct day_delta {
#define STORE_DAY_FIELD(name) int64_t name;
	STORE_DAY_COUNTERS(STORE_DAY_FIELD)
#undef STORE_DAY_FIELD
};

static int add_to_day(struct store *s, const struct store_stamp *when, const struct day_delta *d)
{
	sqlite3_stmt *st = stmt_get(s, ST_DAY_ADD);
	int i = 1;
	bind_text(st, i++, when->local_date);
#define BIND_COUNTER(name) sqlite3_bind_int64(st, i++, d->name);
	STORE_DAY_COUNTERS(BIND_COUNTER)
#undef BIND_COUNTER
	sqlite3_bind_int64(st, i, when->clock_synced ? 0 : 1);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "updating day counters");
}

/* Inserts an event row; *seq gets its sequence number. */
static int insert_event(struct store *s, const struct store_stamp *when, const char *kind,
			const char *reason, int64_t amount, int64_t stock_after, const char *actor,
			int64_t *seq)
{
	sqlite3_stmt *st = stmt_get(s, ST_EVENT_INSERT);
	sqlite3_bind_int64(st, 1, when->wall);
	bind_text(st, 2, when->boot_id);
	sqlite3_bind_int64(st, 3, when->boot_ms);
	bind_text(st, 4, when->local_date);
	sqlite3_bind_int(st, 5, when->clock_synced);
	bind_text(st, 6, kind);
	bind_text(st, 7, reason);
	sqlite3_bind_int64(st, 8, amount);
	sqlite3_bind_int64(st, 9, stock_after);
	bind_text(st, 10, actor);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail_db(s, "logging event");
	if (seq)
		*seq = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int read_stock(struct store *s, int64_t *level)
{
	sqlite3_stmt *st = stmt_get(s, ST_STOCK_GET);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*level = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : fail_db(s, "reading stock");
}

/* Adds delta to the stock unless that would take it below zero (then fails). */
static int add_stock(struct store *s, int64_t delta, int64_t *after)
{
	sqlite3_stmt *st = stmt_get(s, ST_STOCK_ADD);
	sqlite3_bind_int64(st, 1, delta);
	sqlite3_bind_int64(st, 2, delta);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail_db(s, "updating stock");
	if (sqlite3_changes(s->db) != 1)
		return fail(s, "out of stock");
	return read_stock(s, after);
}

int store_stock(struct store *s, int64_t *level) { return read_stock(s, level); }

int store_commit_handout(struct store *s, const card_id_t *card, const struct store_stamp *when,
			 int64_t *seq_out, int64_t *stock_out)
{
	int64_t seq_value, stock_value;
	int64_t *seq = seq_out ? seq_out : &seq_value;
	int64_t *stock_after = stock_out ? stock_out : &stock_value;
	if (begin(s) != 0)
		return -1;
	struct day_delta d = {.handouts = 1};
	sqlite3_stmt *st = stmt_get(s, ST_CARD_SEEN);
	bind_text(st, 1, card->hex);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
	{
		fail_db(s, "reading card history");
		return rollback(s);
	}
	d.new_cards = rc == SQLITE_DONE;

	if (add_stock(s, -1, stock_after) != 0 ||
	    insert_event(s, when, "handout", NULL, -1, *stock_after, NULL, seq) != 0)
		return rollback(s);
	st = stmt_get(s, ST_CARD_INSERT);
	sqlite3_bind_int64(st, 1, *seq);
	bind_text(st, 2, card->hex);
	sqlite3_bind_int64(st, 3, when->wall);
	bind_text(st, 4, when->boot_id);
	sqlite3_bind_int64(st, 5, when->boot_ms);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
	{
		fail_db(s, "recording card handout");
		return rollback(s);
	}
	if (add_to_day(s, when, &d) != 0)
		return rollback(s);
	return commit(s);
}

int store_commit_denial(struct store *s, enum policy_outcome reason, const struct store_stamp *when,
			int64_t *seq)
{
	struct day_delta d = {0};
	switch (reason) {
	case POLICY_DENY_LIMIT:
		d.denied_limit = 1;
		break;
	case POLICY_DENY_REVOKED:
		d.denied_revoked = 1;
		break;
	case POLICY_DENY_NOT_ISSUED:
		d.denied_not_issued = 1;
		break;
	case POLICY_DENY_OUT_OF_STOCK:
		d.denied_out_of_stock = 1;
		break;
	case POLICY_DENY_UNUSABLE_CARD:
		d.denied_unusable_card = 1;
		break;
	case POLICY_GRANT:
	case POLICY_STAFF:
		return fail(s, "%s is not a denial", policy_outcome_name(reason));
	}
	int64_t stock;
	if (begin(s) != 0)
		return -1;
	if (read_stock(s, &stock) != 0 ||
	    insert_event(s, when, "denied", policy_outcome_name(reason), 0, stock, NULL, seq) != 0 ||
	    add_to_day(s, when, &d) != 0)
		return rollback(s);
	return commit(s);
}

int store_restock(struct store *s, int64_t sets, const char *actor, const struct store_stamp *when,
		  int64_t *seq, int64_t *stock_after)
{
	if (sets <= 0)
		return fail(s, "a restock adds at least one set");
	struct day_delta d = {.restocked_sets = sets};
	if (begin(s) != 0)
		return -1;
	if (add_stock(s, sets, stock_after) != 0 ||
	    insert_event(s, when, "restock", NULL, sets, *stock_after, actor, seq) != 0 ||
	    add_to_day(s, when, &d) != 0)
		return rollback(s);
	return commit(s);
}

int store_stock_set(struct store *s, int64_t level, const char *actor, const struct store_stamp *when,
		    int64_t *seq)
{
	if (level < 0)
		return fail(s, "stock cannot be negative");
	int64_t before;
	if (begin(s) != 0)
		return -1;
	if (read_stock(s, &before) != 0)
		return rollback(s);
	sqlite3_stmt *st = stmt_get(s, ST_STOCK_SET);
	sqlite3_bind_int64(st, 1, level);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
	{
		fail_db(s, "setting stock");
		return rollback(s);
	}
	struct day_delta none = {0};
	if (insert_event(s, when, "stock_set", NULL, level - before, level, actor, seq) != 0 ||
	    add_to_day(s, when, &none) != 0)
		return rollback(s);
	return commit(s);
}

static void read_day_row(sqlite3_stmt *st, struct store_day *day)
{
	int i = 0;
	const char *date = (const char *)sqlite3_column_text(st, i++);
	snprintf(day->date, sizeof(day->date), "%s", date ? date : "");
#define READ_COUNTER(name) day->name = sqlite3_column_int64(st, i++);
	STORE_DAY_COUNTERS(READ_COUNTER)
#undef READ_COUNTER
	day->clock_unsynced = sqlite3_column_int64(st, i++);
	day->revision = sqlite3_column_int64(st, i);
}

int store_day(struct store *s, const char *date, struct store_day *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->date, sizeof(out->date), "%s", date);
	sqlite3_stmt *st = stmt_get(s, ST_DAY_GET);
	bind_text(st, 1, date);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_day_row(st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_db(s, "reading day counters");
}

int store_days_sum(struct store *s, const char *from, const char *to, struct store_day *sum)
{
	memset(sum, 0, sizeof(*sum));
	sqlite3_stmt *st = stmt_get(s, ST_DAYS_SUM);
	bind_text(st, 1, from);
	bind_text(st, 2, to);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_day_row(st, sum);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : fail_db(s, "summing day counters");
}

int store_days_each(struct store *s, const char *from, const char *to,
		    int (*fn)(void *ctx, const struct store_day *day), void *ctx)
{
	sqlite3_stmt *st = stmt_get(s, ST_DAYS_EACH);
	bind_text(st, 1, from);
	bind_text(st, 2, to);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_day day;
		read_day_row(st, &day);
		if (fn(ctx, &day) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "reading day counters");
}

int store_events_each(struct store *s, int64_t since, int64_t after_seq, int64_t limit,
		      int (*fn)(void *ctx, const struct store_event *event), void *ctx)
{
	sqlite3_stmt *st = stmt_get(s, ST_EVENTS_EACH);
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, after_seq);
	sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.seq = sqlite3_column_int64(st, 0);
		ev.at = sqlite3_column_int64(st, 1);
		snprintf(ev.local_date, sizeof(ev.local_date), "%s",
			 (const char *)sqlite3_column_text(st, 2));
		snprintf(ev.kind, sizeof(ev.kind), "%s", (const char *)sqlite3_column_text(st, 3));
		snprintf(ev.reason, sizeof(ev.reason), "%s", (const char *)sqlite3_column_text(st, 4));
		ev.amount = sqlite3_column_int64(st, 5);
		ev.stock_after = sqlite3_column_int64(st, 6);
		ev.clock_synced = sqlite3_column_int(st, 7) != 0;
		snprintf(ev.actor, sizeof(ev.actor), "%s", (const char *)sqlite3_column_text(st, 8));
		if (fn(ctx, &ev) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "reading events");
}

int store_last_seq(struct store *s, int64_t *seq)
{
	sqlite3_stmt *st = stmt_get(s, ST_LAST_SEQ);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : fail_db(s, "reading events");
}

int store_prune_card_history(struct store *s, const struct store_stamp *now, int64_t keep_seconds,
			     int64_t *deleted)
{
	sqlite3_stmt *st = stmt_get(s, ST_PRUNE);
	bind_text(st, 1, now->boot_id);
	sqlite3_bind_int64(st, 2, now->boot_ms - keep_seconds * 1000);
	sqlite3_bind_int64(st, 3, now->wall - keep_seconds);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail_db(s, "pruning card history");
	*deleted = sqlite3_changes(s->db);
	return 0;
}

int store_staff_add(struct store *s, const card_id_t *card, int64_t at)
{
	sqlite3_stmt *st = stmt_get(s, ST_STAFF_ADD);
	bind_text(st, 1, card->hex);
	sqlite3_bind_int64(st, 2, at);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "adding staff card");
}

int store_card_set_status(struct store *s, const card_id_t *card, const char *status, int64_t at)
{
	if (strcmp(status, "issued") != 0 && strcmp(status, "revoked") != 0)
		return fail(s, "card status must be issued or revoked");
	sqlite3_stmt *st = stmt_get(s, ST_STATUS_SET);
	bind_text(st, 1, card->hex);
	bind_text(st, 2, status);
	sqlite3_bind_int64(st, 3, at);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "setting card status");
}

int store_setting_get(struct store *s, const char *key, char *value, size_t len)
{
	sqlite3_stmt *st = stmt_get(s, ST_SETTING_GET);
	bind_text(st, 1, key);
	int rc = sqlite3_step(st);
	const unsigned char *v = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	snprintf(value, len, "%s", v ? (const char *)v : "");
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_db(s, "reading setting");
}

int store_setting_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = stmt_get(s, ST_SETTING_SET);
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail_db(s, "writing setting");
}

int store_content_get(struct store *s, char **json, size_t *len, char *version, size_t vlen)
{
	*json = NULL;
	*len = 0;
	if (vlen)
		version[0] = '\0';
	sqlite3_stmt *st = stmt_get(s, ST_CONTENT_GET);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		if (vlen)
			snprintf(version, vlen, "%s", v ? v : "");
		*json = malloc((size_t)n + 1);
		if (!*json) {
			sqlite3_reset(st);
			return fail(s, "out of memory");
		}
		memcpy(*json, text ? text : "", (size_t)n);
		(*json)[n] = '\0';
		*len = (size_t)n;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_db(s, "reading content");
}

static int add_content_cards(struct store *s, const struct store_content_cards *cards,
			     const char *status, int64_t at)
{
	const char(*list)[33] = strcmp(status, "revoked") == 0 ? cards->revoked : cards->issued;
	size_t n = strcmp(status, "revoked") == 0 ? cards->n_revoked : cards->n_issued;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = stmt_get(s, ST_CONTENT_CARD_ADD);
		bind_text(st, 1, list[i]);
		bind_text(st, 2, status);
		sqlite3_bind_int64(st, 3, at);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return fail_db(s, "recording content card lists");
	}
	return 0;
}

int store_content_put(struct store *s, const char *json, size_t len, const char *version,
		      const struct store_content_cards *cards, int64_t at)
{
	if (len > (size_t)INT32_MAX)
		return fail(s, "content too large");
	if (begin(s) != 0)
		return -1;
	sqlite3_stmt *st = stmt_get(s, ST_CONTENT_PUT);
	bind_text(st, 1, version);
	sqlite3_bind_text(st, 2, json, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, at);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fail_db(s, "storing content");
		return rollback(s);
	}
	if (exec_simple(s, ST_CONTENT_CARDS_CLEAR) != 0)
		return rollback(s);
	/* Revoked first: a card on both lists is revoked. */
	if (cards && (add_content_cards(s, cards, "revoked", at) != 0 ||
		      add_content_cards(s, cards, "issued", at) != 0))
		return rollback(s);
	return commit(s);
}

int store_commit_not_taken(struct store *s, int64_t handout_seq, const struct store_stamp *when,
			   int64_t *seq)
{
	struct day_delta d = {.not_taken = 1};
	int64_t stock;
	if (begin(s) != 0)
		return -1;
	sqlite3_stmt *st = stmt_get(s, ST_CARD_NOT_TAKEN);
	sqlite3_bind_int64(st, 1, handout_seq);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fail_db(s, "marking the handout not taken");
		return rollback(s);
	}
	/* The set left the magazine: the stock stays as the handout left it. */
	if (read_stock(s, &stock) != 0 ||
	    insert_event(s, when, "not_taken", NULL, 0, stock, NULL, seq) != 0 ||
	    add_to_day(s, when, &d) != 0)
		return rollback(s);
	return commit(s);
}

int store_commit_help(struct store *s, const struct store_stamp *when, int64_t *seq)
{
	struct day_delta d = {.help_requests = 1};
	int64_t stock;
	if (begin(s) != 0)
		return -1;
	if (read_stock(s, &stock) != 0 ||
	    insert_event(s, when, "help", NULL, 0, stock, NULL, seq) != 0 ||
	    add_to_day(s, when, &d) != 0)
		return rollback(s);
	return commit(s);
}

/* For the store's own sub-modules (store_sync.c): see store.h. */
struct sqlite3 *store_sqlite(struct store *s) { return s->db; }

int store_set_error(struct store *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}

int store_fail_db(struct store *s, const char *what)
{
	return store_set_error(s, "%s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *store_prepare(struct store *s, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_set_error(s, "preparing %s: %s", what, sqlite3_errmsg(s->db));
		return NULL;
	}
	return st;
}

int store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_set_error(s, "%s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}
