/*
 * test_store: the kiosk's SQLite store (firmware/store.h).
 *
 * Covers: creating the schema (user_version, WAL) and reopening; the writer
 * lock; refusing, without touching, a file that is not a database, a
 * database from a newer kioskd, a foreign SQLite database and a corrupt
 * store; handouts (stock, day counters, new cards, revision, sequence) and
 * a handout refused for want of stock; denials per reason; restock and
 * stock corrections; clock_unsynced; card history ages across boots; card
 * flags; day sums and listings; the event log's filters; pruning; settings;
 * and that no raw UID ever reaches the database or its WAL.
 *
 * Every test gets its own directory from mkdtemp under /tmp (the store is
 * DIR/kiosk.db), removed afterwards. Time is controlled by building
 * struct store_stamp values by hand; the clock module is not used.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "card_identity.h"
#include "policy.h"
#include "store.h"

#define BOOT_A "11111111-1111-1111-1111-111111111111"
#define BOOT_B "22222222-2222-2222-2222-222222222222"
#define DAY1 "2024-06-01"
#define DAY2 "2024-06-02"
#define DAY3 "2024-06-03"
#define DAY5 "2024-06-05"
#define ACTOR "uid 1000 (hanako)"

struct fixture {
	char dir[64];
	char db[128];
	struct store *s;
};

/* ---- helpers ---- */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/kiosk.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	int rc = nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

static void open_store(struct fixture *f)
{
	char err[512] = "";
	if (store_open(f->db, &f->s, err, sizeof(err)) != 0)
		fail_msg("store_open(%s): %s", f->db, err);
	assert_non_null(f->s);
}

static void reopen_store(struct fixture *f)
{
	store_close(f->s);
	f->s = NULL;
	open_store(f);
}

static void sidecar(char *buf, size_t size, const struct fixture *f, const char *suffix)
{
	int n = snprintf(buf, size, "%s%s", f->db, suffix);
	assert_true(n > 0 && (size_t)n < size);
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Reads a whole file (NULL and *len 0 if it does not exist). */
static uint8_t *slurp(const char *path, size_t *len)
{
	*len = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long size = ftell(fp);
	assert_true(size >= 0);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	uint8_t *buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	*len = (size_t)size;
	return buf;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static bool contains(const uint8_t *hay, size_t hay_len, const void *needle, size_t len)
{
	return hay && len <= hay_len && memmem(hay, hay_len, needle, len) != NULL;
}

static struct store_stamp stamp(int64_t wall, int64_t boot_ms, const char *boot_id,
				const char *date, bool synced)
{
	struct store_stamp s;
	memset(&s, 0, sizeof(s));
	s.wall = wall;
	s.boot_ms = boot_ms;
	snprintf(s.boot_id, sizeof(s.boot_id), "%s", boot_id);
	snprintf(s.local_date, sizeof(s.local_date), "%s", date);
	s.clock_synced = synced;
	return s;
}

/* 2024-06-01 09:00 JST plus seconds, on boot A, synchronized. */
#define T0 ((int64_t)1717200000)
static struct store_stamp at(int64_t offset, const char *date)
{
	return stamp(T0 + offset, 1000000 + offset * 1000, BOOT_A, date, true);
}

static card_id_t card(char c)
{
	card_id_t id;
	memset(id.hex, c, CARD_ID_HEX_LEN);
	id.hex[CARD_ID_HEX_LEN] = '\0';
	return id;
}

static void restock(struct fixture *f, int64_t sets, const struct store_stamp *when)
{
	int64_t seq = 0, after = 0;
	if (store_restock(f->s, sets, ACTOR, when, &seq, &after) != 0)
		fail_msg("store_restock: %s", store_error(f->s));
}

static int64_t handout(struct fixture *f, const card_id_t *id, const struct store_stamp *when)
{
	int64_t seq = 0, after = -1;
	if (store_commit_handout(f->s, id, when, &seq, &after) != 0)
		fail_msg("store_commit_handout: %s", store_error(f->s));
	return seq;
}

static int64_t stock_level(struct fixture *f)
{
	int64_t level = -1;
	assert_int_equal(store_stock(f->s, &level), 0);
	return level;
}

static int64_t last_seq(struct fixture *f)
{
	int64_t seq = -1;
	assert_int_equal(store_last_seq(f->s, &seq), 0);
	return seq;
}

static struct store_day day(struct fixture *f, const char *date)
{
	struct store_day d;
	assert_int_equal(store_day(f->s, date, &d), 0);
	return d;
}

/* Collects events into an array. */
#define MAX_EVENTS 64
struct events {
	struct store_event ev[MAX_EVENTS];
	size_t n;
	size_t stop_after; /* 0 = never stop */
};

static int collect_event(void *ctx, const struct store_event *event)
{
	struct events *e = ctx;
	assert_true(e->n < MAX_EVENTS);
	e->ev[e->n++] = *event;
	return e->stop_after && e->n >= e->stop_after;
}

static struct events *events(struct fixture *f, int64_t since, int64_t after_seq, int64_t limit)
{
	static struct events e;
	memset(&e, 0, sizeof(e));
	if (store_events_each(f->s, since, after_seq, limit, collect_event, &e) != 0)
		fail_msg("store_events_each: %s", store_error(f->s));
	return &e;
}

static size_t count_handouts(struct fixture *f, const card_id_t *id, const struct store_stamp *now)
{
	struct policy_handout *h = NULL;
	size_t n = 99;
	assert_int_equal(store_card_handouts(f->s, id, now, &h, &n), 0);
	free(h);
	return n;
}

/* A bare SQLite connection, for checking and for making foreign files. */
static sqlite3 *raw_open(const char *path, int flags)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK)
		fail_msg("sqlite3_open_v2(%s): %s", path, db ? sqlite3_errmsg(db) : "?");
	return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fail_msg("%s: %s", sql, msg ? msg : "?");
	}
}

static void raw_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Expects store_open to refuse the file with a message containing needle. */
static void assert_open_refused(struct fixture *f, const char *needle)
{
	char err[512] = "";
	struct store *s = (struct store *)0x1;
	int rc = store_open(f->db, &s, err, sizeof(err));
	if (rc == 0) {
		store_close(s);
		fail_msg("store_open accepted %s", f->db);
	}
	assert_null(s);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", err, needle);
}

/* The file's bytes are as before, and no journal was left beside it. */
static void assert_untouched(struct fixture *f, const uint8_t *before, size_t before_len)
{
	size_t len;
	uint8_t *now = slurp(f->db, &len);
	assert_non_null(now);
	assert_int_equal(len, before_len);
	if (memcmp(now, before, len) != 0) {
		size_t i = 0;
		while (now[i] == before[i])
			i++;
		free(now);
		fail_msg("%s changed: first difference at byte %zu", f->db, i);
	}
	free(now);
	char p[160];
	sidecar(p, sizeof(p), f, "-wal");
	assert_false(file_exists(p));
	sidecar(p, sizeof(p), f, "-journal");
	assert_false(file_exists(p));
}

/* ---- opening ---- */

static void test_open_creates_schema(void **state)
{
	struct fixture *f = *state;
	assert_false(file_exists(f->db));
	open_store(f);
	assert_int_equal(stock_level(f), 0);
	assert_int_equal(last_seq(f), 0);
	store_close(f->s);
	f->s = NULL;

	sqlite3 *db = raw_open(f->db, SQLITE_OPEN_READONLY);
	char text[64];
	raw_text(db, "PRAGMA user_version", text, sizeof(text));
	assert_int_equal(strtol(text, NULL, 10), STORE_SCHEMA_VERSION);
	raw_text(db, "PRAGMA journal_mode", text, sizeof(text));
	assert_string_equal(text, "wal");
	raw_text(db,
		 "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
		 " ('events','card_handouts','day_counters','stock','staff_cards','card_status','settings')",
		 text, sizeof(text));
	assert_string_equal(text, "7");
	raw_text(db, "PRAGMA integrity_check", text, sizeof(text));
	assert_string_equal(text, "ok");
	sqlite3_close(db);
}

static void test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 5, &w);
	card_id_t a = card('a');
	int64_t seq1 = handout(f, &a, &w);
	assert_int_equal(store_setting_set(f->s, "content_etag", "\"v7\""), 0);
	reopen_store(f);

	assert_int_equal(stock_level(f), 4);
	assert_int_equal(last_seq(f), seq1);
	assert_int_equal(count_handouts(f, &a, &w), 1);
	struct store_day d = day(f, DAY1);
	assert_int_equal(d.handouts, 1);
	assert_int_equal(d.restocked_sets, 5);
	char v[32];
	assert_int_equal(store_setting_get(f->s, "content_etag", v, sizeof(v)), 0);
	assert_string_equal(v, "\"v7\"");

	/* The sequence carries on after a reopen. */
	int64_t seq2 = handout(f, &a, &w);
	assert_true(seq2 > seq1);
	reopen_store(f);
	assert_int_equal(stock_level(f), 3);
	assert_int_equal(day(f, DAY1).new_cards, 1);
}

static void test_second_open_refused(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	assert_open_refused(f, "another kioskd");

	/* The first is unharmed. */
	struct store_stamp w = at(0, DAY1);
	restock(f, 2, &w);
	assert_int_equal(stock_level(f), 2);

	/* Once it is closed, the store opens again. */
	reopen_store(f);
	assert_int_equal(stock_level(f), 2);
}

static void test_not_a_database(void **state)
{
	struct fixture *f = *state;
	char text[4096];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)("a kiosk's notes, not a database\n"[i % 32]);
	write_bytes(f->db, text, sizeof(text));
	assert_open_refused(f, "not a kiosk database or is corrupt");
	assert_untouched(f, (const uint8_t *)text, sizeof(text));
}

/* A database as a newer kioskd (also in WAL mode) would leave it. */
static void make_newer_database(struct fixture *f, bool wal)
{
	sqlite3 *db = raw_open(f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (wal)
		raw_exec(db, "PRAGMA journal_mode = WAL");
	raw_exec(db, "CREATE TABLE events (seq INTEGER PRIMARY KEY, at INTEGER, future TEXT);"
		     "INSERT INTO events (at, future) VALUES (1, 'x');");
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
	raw_exec(db, sql);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	make_newer_database(f, false);
	assert_open_refused(f, "newer");
}

/*
 * store.h: "a database from a newer kioskd, a corrupt one, or a file that is
 * not ours is refused, never recreated or overwritten". A rollback-journal
 * database must keep its bytes (and its journal mode).
 */
static void test_newer_schema_untouched(void **state)
{
	struct fixture *f = *state;
	make_newer_database(f, false);
	size_t len;
	uint8_t *before = slurp(f->db, &len);
	assert_open_refused(f, "newer");
	assert_untouched(f, before, len);
	free(before);
}

static void test_newer_schema_wal_untouched(void **state)
{
	struct fixture *f = *state;
	make_newer_database(f, true);
	size_t len;
	uint8_t *before = slurp(f->db, &len);
	assert_open_refused(f, "newer");
	assert_untouched(f, before, len);
	free(before);
}

static void make_foreign_database(struct fixture *f)
{
	sqlite3 *db = raw_open(f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	raw_exec(db, "CREATE TABLE recipes (name TEXT, minutes INTEGER);"
		     "INSERT INTO recipes VALUES ('miso soup', 15);");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_foreign_database_refused(void **state)
{
	struct fixture *f = *state;
	make_foreign_database(f);
	assert_open_refused(f, "not a kiosk store");
	/* Its table is still there and no kiosk table was added. */
	sqlite3 *db = raw_open(f->db, SQLITE_OPEN_READONLY);
	char text[64];
	raw_text(db, "SELECT count(*) FROM sqlite_master", text, sizeof(text));
	assert_string_equal(text, "1");
	raw_text(db, "SELECT name FROM recipes", text, sizeof(text));
	assert_string_equal(text, "miso soup");
	sqlite3_close(db);
}

static void test_foreign_database_untouched(void **state)
{
	struct fixture *f = *state;
	make_foreign_database(f);
	size_t len;
	uint8_t *before = slurp(f->db, &len);
	assert_open_refused(f, "not a kiosk store");
	assert_untouched(f, before, len);
	free(before);
}

static void test_corrupt_database(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 1000, &w);
	for (int i = 0; i < 400; i++) {
		card_id_t id = card((char)('a' + i % 6));
		struct store_stamp t = at(i, DAY1);
		handout(f, &id, &t);
	}
	store_close(f->s);
	f->s = NULL;

	size_t len;
	uint8_t *bytes = slurp(f->db, &len);
	assert_true(len >= 4 * 4096);
	memset(bytes + 4096, 0xff, 4096);
	write_bytes(f->db, bytes, len);

	assert_open_refused(f, "corrupt");
	assert_untouched(f, bytes, len);
	free(bytes);
}

static void test_empty_file_becomes_store(void **state)
{
	/* An empty file (e.g. made by touch) is a new database, not a foreign one. */
	struct fixture *f = *state;
	write_bytes(f->db, "", 0);
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 1, &w);
	assert_int_equal(stock_level(f), 1);
}

/* ---- handouts ---- */

static void test_commit_handout(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 3, &w);
	struct store_day d0 = day(f, DAY1);
	assert_int_equal(d0.restocked_sets, 3);
	int64_t rev = d0.revision;
	int64_t seq_prev = last_seq(f);

	card_id_t a = card('a'), b = card('b');
	int64_t seq = 0, after = 0;
	struct store_stamp t1 = at(10, DAY1);
	assert_int_equal(store_commit_handout(f->s, &a, &t1, &seq, &after), 0);
	assert_int_equal(after, 2);
	assert_true(seq > seq_prev);
	assert_int_equal(seq, last_seq(f));
	struct store_day d = day(f, DAY1);
	assert_int_equal(d.handouts, 1);
	assert_int_equal(d.new_cards, 1);
	assert_true(d.revision > rev);
	rev = d.revision;
	seq_prev = seq;

	/* The same card again: not new. */
	struct store_stamp t2 = at(20, DAY1);
	assert_int_equal(store_commit_handout(f->s, &a, &t2, &seq, &after), 0);
	assert_int_equal(after, 1);
	assert_true(seq > seq_prev);
	d = day(f, DAY1);
	assert_int_equal(d.handouts, 2);
	assert_int_equal(d.new_cards, 1);
	assert_true(d.revision > rev);
	rev = d.revision;
	seq_prev = seq;

	/* Another card, on another day. */
	struct store_stamp t3 = at(86400, DAY2);
	assert_int_equal(store_commit_handout(f->s, &b, &t3, &seq, &after), 0);
	assert_int_equal(after, 0);
	assert_true(seq > seq_prev);
	assert_int_equal(day(f, DAY1).revision, rev);
	d = day(f, DAY2);
	assert_int_equal(d.handouts, 1);
	assert_int_equal(d.new_cards, 1);
	assert_int_equal(d.denied_limit + d.denied_out_of_stock + d.restocked_sets, 0);

	/* The handout events. */
	struct events *e = events(f, 0, 0, 0);
	assert_int_equal(e->n, 4);
	assert_string_equal(e->ev[1].kind, "handout");
	assert_int_equal(e->ev[1].amount, -1);
	assert_int_equal(e->ev[1].stock_after, 2);
	assert_int_equal(e->ev[1].at, T0 + 10);
	assert_string_equal(e->ev[1].local_date, DAY1);
	assert_string_equal(e->ev[1].reason, "");
	assert_string_equal(e->ev[1].actor, "");
	assert_string_equal(e->ev[3].local_date, DAY2);
	for (size_t i = 1; i < e->n; i++)
		assert_true(e->ev[i].seq > e->ev[i - 1].seq);
}

static void test_commit_handout_out_of_stock(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 1, &w);
	card_id_t a = card('a'), c = card('c');
	handout(f, &a, &w);
	assert_int_equal(stock_level(f), 0);

	struct store_day before = day(f, DAY1);
	int64_t seq_before = last_seq(f);
	int64_t seq = 12345, after = 12345;
	struct store_stamp t = at(60, DAY1);
	assert_int_equal(store_commit_handout(f->s, &c, &t, &seq, &after), -1);
	assert_non_null(strstr(store_error(f->s), "out of stock"));

	assert_int_equal(stock_level(f), 0);
	assert_int_equal(last_seq(f), seq_before);
	assert_int_equal(events(f, 0, 0, 0)->n, 2);
	struct store_day now = day(f, DAY1);
	assert_memory_equal(&now, &before, sizeof(now));
	assert_int_equal(count_handouts(f, &c, &t), 0);
	/* Nothing on a day that had nothing either. */
	struct store_stamp t2 = at(86400, DAY2);
	assert_int_equal(store_commit_handout(f->s, &c, &t2, &seq, &after), -1);
	assert_int_equal(day(f, DAY2).revision, 0);

	/* The store still works, and c is still new. */
	restock(f, 1, &t);
	handout(f, &c, &t);
	assert_int_equal(day(f, DAY1).new_cards, 2);
}

/* ---- denials ---- */

static void test_commit_denial_counters(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 4, &w);

	static const struct {
		enum policy_outcome reason;
		const char *name;
	} cases[] = {
		{POLICY_DENY_LIMIT, "limit"},
		{POLICY_DENY_REVOKED, "revoked"},
		{POLICY_DENY_NOT_ISSUED, "not_issued"},
		{POLICY_DENY_OUT_OF_STOCK, "out_of_stock"},
		{POLICY_DENY_UNUSABLE_CARD, "unusable_card"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store_day before = day(f, DAY1);
		int64_t seq = 0;
		struct store_stamp t = at((int64_t)i + 1, DAY1);
		assert_int_equal(store_commit_denial(f->s, cases[i].reason, &t, &seq), 0);
		assert_int_equal(seq, last_seq(f));
		struct store_day d = day(f, DAY1);
		assert_int_equal(d.denied_limit - before.denied_limit, i == 0);
		assert_int_equal(d.denied_revoked - before.denied_revoked, i == 1);
		assert_int_equal(d.denied_not_issued - before.denied_not_issued, i == 2);
		assert_int_equal(d.denied_out_of_stock - before.denied_out_of_stock, i == 3);
		assert_int_equal(d.denied_unusable_card - before.denied_unusable_card, i == 4);
		assert_int_equal(d.handouts, 0);
		assert_int_equal(d.new_cards, 0);
		assert_int_equal(d.restocked_sets, 4);
		assert_true(d.revision > before.revision);

		struct events *e = events(f, 0, seq - 1, 0);
		assert_int_equal(e->n, 1);
		assert_string_equal(e->ev[0].kind, "denied");
		assert_string_equal(e->ev[0].reason, cases[i].name);
		assert_int_equal(e->ev[0].amount, 0);
		assert_int_equal(e->ev[0].stock_after, 4);
	}
	assert_int_equal(stock_level(f), 4);
}

static void test_commit_denial_rejects_non_denials(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	int64_t seq = 777;
	assert_int_equal(store_commit_denial(f->s, POLICY_GRANT, &w, &seq), -1);
	assert_non_null(strstr(store_error(f->s), "grant"));
	assert_int_equal(store_commit_denial(f->s, POLICY_STAFF, &w, &seq), -1);
	assert_int_equal(last_seq(f), 0);
	assert_int_equal(day(f, DAY1).revision, 0);
}

/* ---- stock ---- */

static void test_restock_and_stock_set(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp t1 = at(0, DAY1);
	int64_t seq = 0, after = 0;
	assert_int_equal(store_restock(f->s, 10, ACTOR, &t1, &seq, &after), 0);
	assert_int_equal(after, 10);
	assert_int_equal(stock_level(f), 10);
	int64_t restock_seq = seq;

	struct store_stamp t2 = at(60, DAY1);
	assert_int_equal(store_stock_set(f->s, 7, "uid 1001 (taro)", &t2, &seq), 0);
	assert_true(seq > restock_seq);
	assert_int_equal(stock_level(f), 7);

	struct store_stamp t3 = at(120, DAY1);
	assert_int_equal(store_restock(f->s, 5, ACTOR, &t3, &seq, &after), 0);
	assert_int_equal(after, 12);

	struct store_day d = day(f, DAY1);
	assert_int_equal(d.restocked_sets, 15); /* the correction is not a restock */
	assert_int_equal(d.handouts, 0);

	struct events *e = events(f, 0, 0, 0);
	assert_int_equal(e->n, 3);
	assert_string_equal(e->ev[0].kind, "restock");
	assert_int_equal(e->ev[0].amount, 10);
	assert_int_equal(e->ev[0].stock_after, 10);
	assert_string_equal(e->ev[0].actor, ACTOR);
	assert_string_equal(e->ev[1].kind, "stock_set");
	assert_int_equal(e->ev[1].amount, -3);
	assert_int_equal(e->ev[1].stock_after, 7);
	assert_string_equal(e->ev[1].actor, "uid 1001 (taro)");
	assert_int_equal(e->ev[1].at, T0 + 60);
	assert_string_equal(e->ev[2].kind, "restock");
	assert_int_equal(e->ev[2].amount, 5);
	assert_int_equal(e->ev[2].stock_after, 12);

	/* Upwards too, and to zero. */
	assert_int_equal(store_stock_set(f->s, 20, ACTOR, &t3, &seq), 0);
	assert_int_equal(store_stock_set(f->s, 0, ACTOR, &t3, &seq), 0);
	e = events(f, 0, e->ev[2].seq, 0);
	assert_int_equal(e->n, 2);
	assert_int_equal(e->ev[0].amount, 8);
	assert_int_equal(e->ev[0].stock_after, 20);
	assert_int_equal(e->ev[1].amount, -20);
	assert_int_equal(e->ev[1].stock_after, 0);
	assert_int_equal(stock_level(f), 0);
}

static void test_stock_rejects_bad_amounts(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 4, &w);
	struct store_day before = day(f, DAY1);
	int64_t seq_before = last_seq(f);
	int64_t seq = 0, after = 0;

	assert_int_equal(store_stock_set(f->s, -1, ACTOR, &w, &seq), -1);
	assert_non_null(strstr(store_error(f->s), "negative"));
	assert_int_equal(store_restock(f->s, 0, ACTOR, &w, &seq, &after), -1);
	assert_true(store_error(f->s)[0] != '\0');
	assert_int_equal(store_restock(f->s, -5, ACTOR, &w, &seq, &after), -1);

	assert_int_equal(stock_level(f), 4);
	assert_int_equal(last_seq(f), seq_before);
	struct store_day now = day(f, DAY1);
	assert_memory_equal(&now, &before, sizeof(now));
}

/* ---- clock_unsynced ---- */

static void test_clock_unsynced(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp synced = at(0, DAY1);
	struct store_stamp unsynced = stamp(T0 + 5, 1005000, BOOT_A, DAY1, false);
	int64_t seq = 0, after = 0;
	card_id_t a = card('a');

	restock(f, 3, &synced);
	assert_int_equal(day(f, DAY1).clock_unsynced, 0);
	assert_int_equal(store_restock(f->s, 2, ACTOR, &unsynced, &seq, &after), 0);
	assert_int_equal(day(f, DAY1).clock_unsynced, 1);
	handout(f, &a, &unsynced);
	assert_int_equal(day(f, DAY1).clock_unsynced, 2);
	handout(f, &a, &synced);
	assert_int_equal(day(f, DAY1).clock_unsynced, 2);
	assert_int_equal(store_commit_denial(f->s, POLICY_DENY_LIMIT, &unsynced, &seq), 0);
	assert_int_equal(day(f, DAY1).clock_unsynced, 3);
	assert_int_equal(store_commit_denial(f->s, POLICY_DENY_LIMIT, &synced, &seq), 0);
	assert_int_equal(day(f, DAY1).clock_unsynced, 3);
	/* Another day is not affected. */
	assert_int_equal(day(f, DAY2).clock_unsynced, 0);

	struct events *e = events(f, 0, 0, 0);
	assert_int_equal(e->n, 6);
	assert_true(e->ev[0].clock_synced);
	assert_false(e->ev[1].clock_synced);
	assert_false(e->ev[2].clock_synced);
	assert_true(e->ev[3].clock_synced);
	assert_false(e->ev[4].clock_synced);
	assert_true(e->ev[5].clock_synced);
}

/*
 * store.h: clock_unsynced counts "events that day recorded while the clock
 * was not synchronized"; a stock correction is such an event.
 */
static void test_clock_unsynced_stock_set(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp unsynced = stamp(T0, 1000000, BOOT_A, DAY1, false);
	int64_t seq = 0;
	assert_int_equal(store_stock_set(f->s, 9, ACTOR, &unsynced, &seq), 0);
	struct events *e = events(f, 0, 0, 0);
	assert_int_equal(e->n, 1);
	assert_false(e->ev[0].clock_synced);
	assert_int_equal(day(f, DAY1).clock_unsynced, 1);
}

/* ---- card history ---- */

static void test_card_handouts_ages(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 10, &w);
	card_id_t a = card('a'), b = card('b');

	struct store_stamp h1 = stamp(T0 + 1, 1000, BOOT_A, DAY1, true);
	struct store_stamp h2 = stamp(T0 + 2, 61500, BOOT_A, DAY1, true);
	struct store_stamp h3 = stamp(T0 - 86400, 5000, BOOT_B, DAY1, true);
	struct store_stamp h4 = stamp(T0 + 4, 999999, BOOT_A, DAY1, true); /* later than now */
	struct store_stamp h5 = stamp(T0 + 5, 100000, BOOT_A, DAY1, true); /* exactly now */
	handout(f, &a, &h1);
	handout(f, &a, &h2);
	handout(f, &a, &h3);
	handout(f, &a, &h4);
	handout(f, &a, &h5);
	handout(f, &b, &h1);

	struct store_stamp now = stamp(T0 + 1000, 100000, BOOT_A, DAY1, true);
	struct policy_handout *h = NULL;
	size_t n = 0;
	assert_int_equal(store_card_handouts(f->s, &a, &now, &h, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(h[0].at, T0 + 1);
	assert_int_equal(h[0].age, 99); /* (100000 - 1000) / 1000 */
	assert_int_equal(h[1].at, T0 + 2);
	assert_int_equal(h[1].age, 38); /* (100000 - 61500) / 1000, truncated */
	assert_int_equal(h[2].at, T0 - 86400);
	assert_int_equal(h[2].age, -1); /* another boot */
	assert_int_equal(h[3].at, T0 + 4);
	assert_int_equal(h[3].age, -1); /* boot_ms after now's: a clock anomaly */
	assert_int_equal(h[4].at, T0 + 5);
	assert_int_equal(h[4].age, 0);
	free(h);

	/* From boot B's point of view, only its own row has an age. */
	struct store_stamp now_b = stamp(T0 + 2000, 15000, BOOT_B, DAY1, true);
	assert_int_equal(store_card_handouts(f->s, &a, &now_b, &h, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(h[0].age, -1);
	assert_int_equal(h[1].age, -1);
	assert_int_equal(h[2].age, 10);
	assert_int_equal(h[3].age, -1);
	assert_int_equal(h[4].age, -1);
	free(h);

	/* A card with no history. */
	card_id_t z = card('0');
	h = NULL;
	n = 99;
	assert_int_equal(store_card_handouts(f->s, &z, &now, &h, &n), 0);
	assert_int_equal(n, 0);
	free(h);
	assert_int_equal(count_handouts(f, &b, &now), 1);
}

static void test_card_handouts_many(void **state)
{
	/* More rows than the initial buffer holds. */
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 100, &w);
	card_id_t a = card('a');
	for (int i = 0; i < 40; i++) {
		struct store_stamp t = at(i, DAY1);
		handout(f, &a, &t);
	}
	struct store_stamp now = at(100, DAY1);
	struct policy_handout *h = NULL;
	size_t n = 0;
	assert_int_equal(store_card_handouts(f->s, &a, &now, &h, &n), 0);
	assert_int_equal(n, 40);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(h[i].at, T0 + (int64_t)i);
		assert_int_equal(h[i].age, 100 - (int64_t)i);
	}
	free(h);
}

static void test_card_flags(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	card_id_t a = card('a'), s = card('5');
	struct policy_card c;
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(store_card_flags(f->s, &a, &c), 0);
	assert_false(c.staff);
	assert_false(c.issued);
	assert_false(c.revoked);

	assert_int_equal(store_staff_add(f->s, &s, T0), 0);
	assert_int_equal(store_staff_add(f->s, &s, T0 + 1), 0); /* twice is fine */
	assert_int_equal(store_card_flags(f->s, &s, &c), 0);
	assert_true(c.staff);
	assert_false(c.issued);
	assert_false(c.revoked);

	assert_int_equal(store_card_set_status(f->s, &a, "issued", T0), 0);
	assert_int_equal(store_card_flags(f->s, &a, &c), 0);
	assert_false(c.staff);
	assert_true(c.issued);
	assert_false(c.revoked);

	assert_int_equal(store_card_set_status(f->s, &a, "revoked", T0 + 10), 0);
	assert_int_equal(store_card_flags(f->s, &a, &c), 0);
	assert_false(c.issued);
	assert_true(c.revoked);

	assert_int_equal(store_card_set_status(f->s, &a, "lost", T0 + 20), -1);
	assert_true(store_error(f->s)[0] != '\0');
	assert_int_equal(store_card_flags(f->s, &a, &c), 0);
	assert_true(c.revoked);

	/* The staff card is untouched by the other card's status. */
	assert_int_equal(store_card_flags(f->s, &s, &c), 0);
	assert_true(c.staff);
	assert_false(c.revoked);
}

/* ---- days ---- */

struct day_list {
	struct store_day days[8];
	size_t n;
	size_t stop_after;
};

static int collect_day(void *ctx, const struct store_day *d)
{
	struct day_list *l = ctx;
	assert_true(l->n < 8);
	l->days[l->n++] = *d;
	return l->stop_after && l->n >= l->stop_after;
}

static void fill_days(struct fixture *f)
{
	card_id_t a = card('a'), b = card('b');
	struct store_stamp d1 = at(0, DAY1), d3 = at(2 * 86400, DAY3), d5 = at(4 * 86400, DAY5);
	int64_t seq;
	restock(f, 10, &d1);
	handout(f, &a, &d1);
	handout(f, &b, &d1);
	assert_int_equal(store_commit_denial(f->s, POLICY_DENY_LIMIT, &d1, &seq), 0);
	handout(f, &a, &d3);
	assert_int_equal(store_commit_denial(f->s, POLICY_DENY_REVOKED, &d3, &seq), 0);
	restock(f, 4, &d5);
	handout(f, &b, &d5);
}

static void test_store_day_empty(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	fill_days(f);
	struct store_day d;
	memset(&d, 0x55, sizeof(d));
	assert_int_equal(store_day(f->s, DAY2, &d), 0);
	assert_string_equal(d.date, DAY2);
	struct store_day zero;
	memset(&zero, 0, sizeof(zero));
	snprintf(zero.date, sizeof(zero.date), "%s", DAY2);
	assert_memory_equal(&d, &zero, sizeof(d));

	d = day(f, DAY1);
	assert_string_equal(d.date, DAY1);
	assert_int_equal(d.handouts, 2);
	assert_int_equal(d.new_cards, 2);
	assert_int_equal(d.denied_limit, 1);
	assert_int_equal(d.restocked_sets, 10);
	assert_int_equal(d.revision, 4);
}

static void test_days_sum(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	fill_days(f);
	struct store_day sum;
	assert_int_equal(store_days_sum(f->s, DAY1, DAY3, &sum), 0);
	assert_string_equal(sum.date, "");
	assert_int_equal(sum.handouts, 3);
	assert_int_equal(sum.new_cards, 2);
	assert_int_equal(sum.denied_limit, 1);
	assert_int_equal(sum.denied_revoked, 1);
	assert_int_equal(sum.restocked_sets, 10);

	assert_int_equal(store_days_sum(f->s, DAY1, DAY5, &sum), 0);
	assert_int_equal(sum.handouts, 4);
	assert_int_equal(sum.restocked_sets, 14);

	assert_int_equal(store_days_sum(f->s, DAY3, DAY3, &sum), 0);
	assert_int_equal(sum.handouts, 1);
	assert_int_equal(sum.new_cards, 0);
	assert_int_equal(sum.denied_revoked, 1);
	assert_int_equal(sum.denied_limit, 0);

	/* A range with nothing in it. */
	assert_int_equal(store_days_sum(f->s, "2024-07-01", "2024-07-31", &sum), 0);
	assert_int_equal(sum.handouts, 0);
	assert_int_equal(sum.restocked_sets, 0);
	assert_int_equal(sum.revision, 0);
}

static void test_days_each(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	fill_days(f);
	struct day_list l;
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_days_each(f->s, "2024-05-01", "2024-06-30", collect_day, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.days[0].date, DAY1);
	assert_string_equal(l.days[1].date, DAY3);
	assert_string_equal(l.days[2].date, DAY5);
	assert_int_equal(l.days[0].handouts, 2);
	assert_int_equal(l.days[1].handouts, 1);
	assert_int_equal(l.days[1].denied_revoked, 1);
	assert_int_equal(l.days[2].restocked_sets, 4);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_days_each(f->s, DAY2, DAY3, collect_day, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.days[0].date, DAY3);

	/* fn stops the walk. */
	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	assert_int_equal(store_days_each(f->s, DAY1, DAY5, collect_day, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.days[1].date, DAY3);
}

/* ---- events ---- */

static void test_events_each_filters(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	int64_t seqs[5];
	struct store_stamp t0 = at(100, DAY1);
	int64_t after;
	assert_int_equal(store_restock(f->s, 10, ACTOR, &t0, &seqs[0], &after), 0);
	for (int i = 1; i < 5; i++) {
		struct store_stamp t = at(100 * (i + 1), DAY1);
		assert_int_equal(store_commit_denial(f->s, POLICY_DENY_OUT_OF_STOCK, &t, &seqs[i]), 0);
	}
	/* An event stamped earlier than the others (the clock went back): seq still grows. */
	struct store_stamp early = at(50, DAY1);
	int64_t seq_early;
	assert_int_equal(store_commit_denial(f->s, POLICY_DENY_LIMIT, &early, &seq_early), 0);
	assert_true(seq_early > seqs[4]);

	struct events *e = events(f, 0, 0, 0);
	assert_int_equal(e->n, 6);
	assert_int_equal(e->ev[5].seq, seq_early);
	assert_int_equal(e->ev[5].at, T0 + 50);

	/* since: at >= since */
	e = events(f, T0 + 300, 0, 0);
	assert_int_equal(e->n, 3);
	assert_int_equal(e->ev[0].seq, seqs[2]);
	assert_int_equal(e->ev[0].at, T0 + 300);
	assert_int_equal(e->ev[2].seq, seqs[4]);

	/* after_seq: seq > after_seq */
	e = events(f, 0, seqs[1], 0);
	assert_int_equal(e->n, 4);
	assert_int_equal(e->ev[0].seq, seqs[2]);
	assert_int_equal(e->ev[3].seq, seq_early);

	/* limit */
	e = events(f, 0, 0, 2);
	assert_int_equal(e->n, 2);
	assert_int_equal(e->ev[0].seq, seqs[0]);
	assert_int_equal(e->ev[1].seq, seqs[1]);

	/* all three */
	e = events(f, T0 + 200, seqs[2], 1);
	assert_int_equal(e->n, 1);
	assert_int_equal(e->ev[0].seq, seqs[3]);

	/* nothing */
	e = events(f, 0, seq_early, 0);
	assert_int_equal(e->n, 0);
	e = events(f, T0 + 10000, 0, 0);
	assert_int_equal(e->n, 0);

	/* fn stops the walk. */
	static struct events stop;
	memset(&stop, 0, sizeof(stop));
	stop.stop_after = 3;
	assert_int_equal(store_events_each(f->s, 0, 0, 0, collect_event, &stop), 0);
	assert_int_equal(stop.n, 3);
}

/* ---- pruning ---- */

/* Prunes, as a later boot would, every earlier boot's row stamped before cutoff. */
static int prune_before(struct fixture *f, int64_t cutoff, int64_t *deleted)
{
	struct store_stamp later_boot = stamp(cutoff + 100, 5000, BOOT_B, DAY3, true);
	return store_prune_card_history(f->s, &later_boot, 100, deleted);
}

static void test_prune_card_history(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 10, &w);
	card_id_t a = card('a'), b = card('b');
	struct store_stamp t1 = stamp(1000, 1000, BOOT_A, DAY1, true);
	struct store_stamp t2 = stamp(2000, 2000, BOOT_A, DAY1, true);
	struct store_stamp t3 = stamp(3000, 3000, BOOT_A, DAY2, true);
	handout(f, &a, &t1);
	handout(f, &b, &t1);
	handout(f, &a, &t2);
	handout(f, &a, &t3);
	struct store_day d1 = day(f, DAY1), d2 = day(f, DAY2);
	int64_t seq = last_seq(f);
	size_t n_events = events(f, 0, 0, 0)->n;
	struct store_stamp now = stamp(4000, 4000, BOOT_A, DAY2, true);

	int64_t deleted = -1;
	assert_int_equal(prune_before(f, 2000, &deleted), 0);
	assert_int_equal(deleted, 2); /* a and b at 1000; at 2000 is not before 2000 */
	assert_int_equal(count_handouts(f, &a, &now), 2);
	assert_int_equal(count_handouts(f, &b, &now), 0);

	assert_int_equal(prune_before(f, 2000, &deleted), 0);
	assert_int_equal(deleted, 0);

	/* Counters and the event log stay. */
	struct store_day d1_after = day(f, DAY1), d2_after = day(f, DAY2);
	assert_memory_equal(&d1_after, &d1, sizeof(d1));
	assert_memory_equal(&d2_after, &d2, sizeof(d2));
	assert_int_equal(last_seq(f), seq);
	assert_int_equal(events(f, 0, 0, 0)->n, n_events);
	assert_int_equal(stock_level(f), 6);

	/* Once its history is gone, b counts as new again (within retained history). */
	handout(f, &b, &now);
	assert_int_equal(day(f, DAY2).new_cards, d2.new_cards + 1);

	assert_int_equal(prune_before(f, 1000000, &deleted), 0);
	assert_int_equal(deleted, 3);
	assert_int_equal(count_handouts(f, &a, &now), 0);
	/* A new sequence number after pruning is still higher than all before. */
	assert_int_equal(prune_before(f, 0, &deleted), 0);
	assert_int_equal(deleted, 0);
	int64_t s2 = handout(f, &a, &now);
	assert_true(s2 > seq);
}

/*
 * Rows of this boot are pruned by their age on the boot clock, not by their
 * wall stamp: a handout stamped 1970-something by a clock that had not
 * synced yet is still recent, and must stay while it can limit the card.
 */
static void test_prune_this_boot_by_boot_clock(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 10, &w);
	card_id_t a = card('a'), b = card('b');
	struct store_stamp wrong_clock = stamp(1000, 50000000, BOOT_A, DAY1, false);
	struct store_stamp old = stamp(T0, 10000000, BOOT_A, DAY1, true);
	handout(f, &a, &wrong_clock); /* wall says long ago; boot clock says 100 s ago */
	handout(f, &b, &old);         /* 40,100 s ago on the boot clock */
	struct store_stamp now = stamp(T0 + 40100, 50100000, BOOT_A, DAY2, true);
	int64_t deleted = -1;
	assert_int_equal(store_prune_card_history(f->s, &now, 3600, &deleted), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(count_handouts(f, &a, &now), 1);
	assert_int_equal(count_handouts(f, &b, &now), 0);
}

/*
 * A row from an earlier boot stamped in the future is re-stamped to the
 * moment it is first seen, once: the age then counts from there, so the
 * lockout the policy derives from it does not slide with every tap.
 */
static void test_future_row_restamped_once(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 10, &w);
	card_id_t a = card('a');
	struct store_stamp ahead = stamp(T0 + 365 * 86400, 7000, BOOT_A, DAY1, false);
	handout(f, &a, &ahead);

	struct store_stamp first = stamp(T0, 20000, BOOT_B, DAY1, true);
	struct policy_handout *h = NULL;
	size_t n = 0;
	assert_int_equal(store_card_handouts(f->s, &a, &first, &h, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].at, T0);
	assert_int_equal(h[0].age, 0);
	assert_true(h[0].restamped);
	free(h);

	/* A day later on the same boot: a day old, not re-stamped again. */
	struct store_stamp later = stamp(T0 + 86400, 20000 + 86400000, BOOT_B, DAY2, true);
	assert_int_equal(store_card_handouts(f->s, &a, &later, &h, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].at, T0);
	assert_int_equal(h[0].age, 86400);
	free(h);

	/* A row of this boot stamped ahead is left alone: its age is known. */
	card_id_t b = card('b');
	struct store_stamp ahead_now = stamp(T0 + 365 * 86400, 20000 + 86400000, BOOT_B, DAY2, false);
	handout(f, &b, &ahead_now);
	assert_int_equal(store_card_handouts(f->s, &b, &later, &h, &n), 0);
	assert_int_equal(h[0].at, T0 + 365 * 86400);
	assert_int_equal(h[0].age, 0);
	assert_false(h[0].restamped);
	free(h);
}

/* ---- settings ---- */

static void test_settings(void **state)
{
	struct fixture *f = *state;
	open_store(f);
	char v[64];
	memset(v, 'x', sizeof(v));
	assert_int_equal(store_setting_get(f->s, "missing", v, sizeof(v)), 0);
	assert_string_equal(v, "");

	assert_int_equal(store_setting_set(f->s, "office_ack", "2024-06-01:7"), 0);
	assert_int_equal(store_setting_get(f->s, "office_ack", v, sizeof(v)), 0);
	assert_string_equal(v, "2024-06-01:7");
	assert_int_equal(store_setting_set(f->s, "office_ack", "2024-06-02:1"), 0);
	assert_int_equal(store_setting_get(f->s, "office_ack", v, sizeof(v)), 0);
	assert_string_equal(v, "2024-06-02:1");
	assert_int_equal(store_setting_set(f->s, "empty", ""), 0);
	assert_int_equal(store_setting_get(f->s, "empty", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(store_setting_set(f->s, "ja", "旭川市"), 0);
	assert_int_equal(store_setting_get(f->s, "ja", v, sizeof(v)), 0);
	assert_string_equal(v, "旭川市");

	/* A short buffer gets a terminated prefix. */
	char small[5];
	assert_int_equal(store_setting_get(f->s, "office_ack", small, sizeof(small)), 0);
	assert_string_equal(small, "2024");

	reopen_store(f);
	assert_int_equal(store_setting_get(f->s, "office_ack", v, sizeof(v)), 0);
	assert_string_equal(v, "2024-06-02:1");
	assert_int_equal(store_setting_get(f->s, "OFFICE_ACK", v, sizeof(v)), 0);
	assert_string_equal(v, "");
}

/* ---- privacy ---- */

static void hex_of(const uint8_t *bytes, size_t len, bool upper, char *out)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static void assert_no_uid(const char *path, const uint8_t *bytes, size_t len,
			  const uint8_t *uid, size_t uid_len)
{
	char hex[2 * NFC_UID_MAX + 1];
	if (contains(bytes, len, uid, uid_len))
		fail_msg("%s contains a raw UID", path);
	hex_of(uid, uid_len, false, hex);
	if (contains(bytes, len, hex, strlen(hex)))
		fail_msg("%s contains a UID as hex (%s)", path, hex);
	hex_of(uid, uid_len, true, hex);
	if (contains(bytes, len, hex, strlen(hex)))
		fail_msg("%s contains a UID as upper-case hex (%s)", path, hex);
}

static void test_privacy_no_uid_on_disk(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum card_tech_byte tech;
		uint8_t uid[NFC_UID_MAX];
		size_t len;
	} cards[] = {
		{CARD_TECH_ISO14443A, {0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6}, 7},
		{CARD_TECH_FELICA, {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}, 8},
		{CARD_TECH_ISO14443A, {0x5e, 0x1f, 0x9d, 0x3c}, 4},
		{CARD_TECH_ISO14443A, {0x04, 0x77, 0x21, 0x9a, 0x0b, 0xcc, 0xe3, 0x40, 0x6d, 0x18}, 10},
	};
	const size_t n_cards = sizeof(cards) / sizeof(cards[0]);
	struct card_key key;
	for (size_t i = 0; i < CARD_KEY_LEN; i++)
		key.bytes[i] = (uint8_t)i;
	card_id_t ids[4];
	assert_true(n_cards <= 4);

	open_store(f);
	struct store_stamp w = at(0, DAY1);
	restock(f, 50, &w);
	for (size_t i = 0; i < n_cards; i++) {
		assert_int_equal(card_id_compute(&key, cards[i].tech, cards[i].uid, cards[i].len, &ids[i]),
				 0);
		for (int k = 0; k < 3; k++) {
			struct store_stamp t = at((int64_t)(i * 10 + (size_t)k), DAY1);
			handout(f, &ids[i], &t);
		}
	}
	assert_int_equal(store_staff_add(f->s, &ids[2], T0), 0);
	assert_int_equal(store_card_set_status(f->s, &ids[3], "issued", T0), 0);
	assert_int_equal(store_card_set_status(f->s, &ids[1], "revoked", T0), 0);

	/* While open: the database and its WAL. */
	char wal[160];
	sidecar(wal, sizeof(wal), f, "-wal");
	size_t db_len, wal_len;
	uint8_t *db_bytes = slurp(f->db, &db_len);
	uint8_t *wal_bytes = slurp(wal, &wal_len);
	assert_non_null(db_bytes);
	assert_non_null(wal_bytes);
	/* The scan sees the data: the card_ids themselves are there. */
	bool seen = false;
	for (size_t i = 0; i < n_cards; i++)
		seen = seen || contains(db_bytes, db_len, ids[i].hex, CARD_ID_HEX_LEN) ||
		       contains(wal_bytes, wal_len, ids[i].hex, CARD_ID_HEX_LEN);
	assert_true(seen);
	for (size_t i = 0; i < n_cards; i++) {
		assert_no_uid(f->db, db_bytes, db_len, cards[i].uid, cards[i].len);
		assert_no_uid(wal, wal_bytes, wal_len, cards[i].uid, cards[i].len);
	}
	free(db_bytes);
	free(wal_bytes);

	/* After close (the WAL checkpointed into the database). */
	store_close(f->s);
	f->s = NULL;
	db_bytes = slurp(f->db, &db_len);
	wal_bytes = slurp(wal, &wal_len);
	assert_non_null(db_bytes);
	assert_true(contains(db_bytes, db_len, ids[0].hex, CARD_ID_HEX_LEN));
	for (size_t i = 0; i < n_cards; i++) {
		assert_no_uid(f->db, db_bytes, db_len, cards[i].uid, cards[i].len);
		assert_no_uid(wal, wal_bytes, wal_len, cards[i].uid, cards[i].len);
	}
	free(db_bytes);
	free(wal_bytes);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_creates_schema),
		T(test_reopen_keeps_data),
		T(test_second_open_refused),
		T(test_not_a_database),
		T(test_newer_schema_refused),
		T(test_newer_schema_untouched),
		T(test_newer_schema_wal_untouched),
		T(test_foreign_database_refused),
		T(test_foreign_database_untouched),
		T(test_corrupt_database),
		T(test_empty_file_becomes_store),
		T(test_commit_handout),
		T(test_commit_handout_out_of_stock),
		T(test_commit_denial_counters),
		T(test_commit_denial_rejects_non_denials),
		T(test_restock_and_stock_set),
		T(test_stock_rejects_bad_amounts),
		T(test_clock_unsynced),
		T(test_clock_unsynced_stock_set),
		T(test_card_handouts_ages),
		T(test_card_handouts_many),
		T(test_card_flags),
		T(test_store_day_empty),
		T(test_days_sum),
		T(test_days_each),
		T(test_events_each_filters),
		T(test_prune_card_history),
		T(test_prune_this_boot_by_boot_clock),
		T(test_future_row_restamped_once),
		T(test_settings),
		T(test_privacy_no_uid_on_disk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
