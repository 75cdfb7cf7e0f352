/*
 * store_staff: see store_staff.h.
 *
 * Staff actions are rare (a few a day), so statements are prepared per
 * call, as in store_sync.c.
 */
#include "store_staff.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* The store's shared helpers, under the short names this file uses. */
static int fail_db(struct store *s, const char *what) { return store_fail_db(s, what); }
static sqlite3_stmt *prepare(struct store *s, const char *sql) { return store_prepare(s, sql, "a staff statement"); }
static int exec(struct store *s, const char *sql) { return store_exec(s, sql); }

static int rollback(struct store *s)
{
	sqlite3_exec(store_sqlite(s), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int commit(struct store *s)
{
	if (exec(s, "COMMIT") == 0)
		return 0;
	return rollback(s);
}

/* Steps a statement that returns no row and finalizes it; *changes gets the rows changed. */
static int run(struct store *s, sqlite3_stmt *st, const char *what, int *changes)
{
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		fail_db(s, what);
	else if (changes)
		*changes = sqlite3_changes(store_sqlite(s));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int insert_log(struct store *s, const char *action, const char *card_id, const char *actor,
		      int64_t at, int64_t *log_id)
{
	sqlite3_stmt *st = prepare(s, "INSERT INTO staff_log (at, action, card_id, actor)"
				      " VALUES (?, ?, ?, ?)");
	if (st) {
		sqlite3_bind_int64(st, 1, at);
		sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, card_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, actor, -1, SQLITE_TRANSIENT);
	}
	if (run(s, st, "writing the staff log", NULL) != 0)
		return -1;
	if (log_id)
		*log_id = sqlite3_last_insert_rowid(store_sqlite(s));
	return 0;
}

int store_staff_enroll(struct store *s, const card_id_t *card, const char *actor, int64_t at,
		       bool *added, int64_t *log_id)
{
	*added = false;
	if (log_id)
		*log_id = 0;
	if (exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	sqlite3_stmt *st = prepare(s, "INSERT OR IGNORE INTO staff_cards (card_id, enrolled_at)"
				      " VALUES (?, ?)");
	if (st) {
		sqlite3_bind_text(st, 1, card->hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, at);
	}
	int changes = 0;
	if (run(s, st, "adding staff card", &changes) != 0)
		return rollback(s);
	if (changes == 0) {
		/* One already: nothing changed, nothing to log. */
		rollback(s);
		return 0;
	}
	if (insert_log(s, "enroll", card->hex, actor, at, log_id) != 0)
		return rollback(s);
	*added = true;
	return commit(s);
}

int store_staff_remove(struct store *s, const card_id_t *card, const char *actor, int64_t at,
		       bool *removed)
{
	*removed = false;
	if (exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	sqlite3_stmt *st = prepare(s, "DELETE FROM staff_cards WHERE card_id = ?");
	if (st)
		sqlite3_bind_text(st, 1, card->hex, -1, SQLITE_TRANSIENT);
	int changes = 0;
	if (run(s, st, "removing staff card", &changes) != 0)
		return rollback(s);
	if (changes == 0) {
		rollback(s);
		return 0;
	}
	if (insert_log(s, "remove", card->hex, actor, at, NULL) != 0)
		return rollback(s);
	*removed = true;
	return commit(s);
}

int store_staff_each(struct store *s, int (*fn)(void *ctx, const char *card_id, int64_t enrolled_at),
		     void *ctx)
{
	sqlite3_stmt *st = prepare(s, "SELECT card_id, enrolled_at FROM staff_cards"
				      " ORDER BY enrolled_at, card_id");
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(st, 0);
		if (fn(ctx, id ? (const char *)id : "", sqlite3_column_int64(st, 1)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		fail_db(s, "reading staff cards");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_staff_log(struct store *s, const char *action, const card_id_t *card, const char *actor,
		    int64_t at, int64_t *log_id)
{
	if (strcmp(action, "issue") != 0 && strcmp(action, "revoke") != 0)
		return store_set_error(s, "staff log: \"%s\" is not issue or revoke", action);
	return insert_log(s, action, card->hex, actor, at, log_id);
}

static void text_col(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	snprintf(out, len, "%s", v ? (const char *)v : "");
}

int store_staff_log_each(struct store *s, int64_t limit, int64_t only_id,
			 int (*fn)(void *ctx, const struct store_staff_entry *e), void *ctx)
{
	sqlite3_stmt *st = prepare(s, "SELECT id, at, action, card_id, actor FROM"
				      " (SELECT * FROM staff_log WHERE ?2 <= 0 OR id = ?2"
				      "  ORDER BY id DESC LIMIT ?1) ORDER BY id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, limit > 0 ? limit : -1);
	sqlite3_bind_int64(st, 2, only_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_staff_entry e;
		memset(&e, 0, sizeof(e));
		e.id = sqlite3_column_int64(st, 0);
		e.at = sqlite3_column_int64(st, 1);
		text_col(st, 2, e.action, sizeof(e.action));
		text_col(st, 3, e.card_id, sizeof(e.card_id));
		text_col(st, 4, e.actor, sizeof(e.actor));
		if (fn(ctx, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		fail_db(s, "reading the staff log");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
