/*
 * store: the kiosk's durable memory, one SQLite file.
 *
 * - WAL mode with synchronous=FULL: a call that commits returns only once
 *   the commit is on disk, so a handout is durable before any feedback.
 * - One writer: kioskd holds an exclusive lock file beside the database, so
 *   a second kioskd on the same store is refused with a clear error.
 * - Schema migrations by PRAGMA user_version; a database from a newer
 *   kioskd, a corrupt one, or a file that is not ours is refused, never
 *   recreated or overwritten.
 * - Prepared statements only.
 *
 * What it keeps:
 * - events: a log with a monotonic sequence number (handouts, denials,
 *   restocks, stock corrections, ...). No card identity is in it.
 * - card_handouts: the card_id of each handout, pruned once it can no
 *   longer affect the policy. This is the only table with card_ids of
 *   recipients, and it holds keyed hashes, never UIDs.
 * - day_counters: per local date, the counters DESIGN names, with a
 *   revision that grows with every change (the sync protocol sends it).
 * - stock, card lists (staff, issued, revoked) and settings.
 * - content: the office's content bundle as last imported (schema 2).
 * - sync state: what the office has acknowledged, rejected days, staff card
 *   events still to send (schema 3; firmware/store_sync.h).
 * - handouts a dispenser released and nobody took (marked, schema 4) and
 *   the staff log (schema 4; firmware/store_staff.h).
 *
 * Every function returns 0 on success or -1 with a message available from
 * store_error(); nothing is half-written (one transaction per change).
 */
#ifndef KIOSK_STORE_H
#define KIOSK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card_identity.h"
#include "clock.h"
#include "policy.h"
#include "tz.h"

/* The per-day counters, in DESIGN's order and with its names. */
#define STORE_DAY_COUNTERS(X)   \
	X(handouts)             \
	X(denied_limit)         \
	X(denied_revoked)       \
	X(denied_not_issued)    \
	X(denied_out_of_stock)  \
	X(denied_unusable_card) \
	X(not_taken)            \
	X(restocked_sets)       \
	X(new_cards)            \
	X(help_requests)

struct store_day {
	char date[TZ_DATE_LEN + 1];
#define STORE_DAY_FIELD(name) int64_t name;
	STORE_DAY_COUNTERS(STORE_DAY_FIELD)
#undef STORE_DAY_FIELD
	int64_t clock_unsynced; /* events that day recorded while the clock was not synchronized */
	int64_t revision;       /* grows with every change to the day */
};

/* When an event happened, on both clocks, and the local date it counts for. */
struct store_stamp {
	int64_t wall;
	int64_t boot_ms;
	char boot_id[CLOCK_BOOT_ID_LEN + 1];
	char local_date[TZ_DATE_LEN + 1];
	bool clock_synced;
};

struct store_event {
	int64_t seq;
	int64_t at;
	char local_date[TZ_DATE_LEN + 1];
	char kind[16];    /* handout, denied, restock, stock_set, not_taken, help */
	char reason[24];  /* denied: limit, revoked, not_issued, out_of_stock, unusable_card */
	int64_t amount;   /* change in stock (handout -1, restock +n, stock_set new - old) */
	int64_t stock_after;
	bool clock_synced;
	char actor[64];   /* staff actions: who ("uid 1000 (hanako)"); never a recipient */
};

struct store;

/* Schema version this build writes. */
#define STORE_SCHEMA_VERSION 4

/*
 * Opens (or, if the file does not exist, creates) the store at path, takes
 * the writer lock, migrates an older schema, and runs a quick integrity
 * check. On failure returns -1 with a one-line reason in err.
 */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
void store_close(struct store *store);
const char *store_error(const struct store *store);

/* Fills a stamp for now from the clock module in zone. */
void store_stamp_now(struct store_stamp *stamp, const char *zone);

/*
 * The card's retained handouts with their ages on this boot's clock (-1 for
 * another boot), as policy_decide() wants them. *out is malloc'd (free it).
 *
 * First, rows from an earlier boot stamped later than now (the clock was
 * wrong then, or is wrong now) are re-stamped to now on this boot's clock,
 * once: the policy counts them as made now, and re-stamping makes that
 * moment stay put, so the date a denial promises is the date it grants.
 */
int store_card_handouts(struct store *store, const card_id_t *card, const struct store_stamp *now,
			struct policy_handout **out, size_t *n);

/* Staff, revoked and issued flags of a card. */
int store_card_flags(struct store *store, const card_id_t *card, struct policy_card *flags);

/*
 * Commits a handout: the event, the card's row, one set less in stock, the
 * day's handouts (and new_cards if the card has no retained handout). Fails,
 * committing nothing, if the stock is empty. seq and stock_after may be NULL.
 */
int store_commit_handout(struct store *store, const card_id_t *card, const struct store_stamp *when,
			 int64_t *seq, int64_t *stock_after);

/* Commits a denied tap with its reason (no card identity is stored). */
int store_commit_denial(struct store *store, enum policy_outcome reason,
			const struct store_stamp *when, int64_t *seq);

/* Adds sets to stock (restocked_sets counts them). actor names who did it. */
int store_restock(struct store *store, int64_t sets, const char *actor,
		  const struct store_stamp *when, int64_t *seq, int64_t *stock_after);

/* Sets the stock to a counted level (a correction, not a restock; like
 * every event it counts in the day's clock_unsynced). */
int store_stock_set(struct store *store, int64_t level, const char *actor,
		    const struct store_stamp *when, int64_t *seq);

int store_stock(struct store *store, int64_t *level);

/* The counters of one date (all zero if nothing happened that day). */
int store_day(struct store *store, const char *date, struct store_day *out);

/* Sums of the counters over [from, to] (dates as YYYY-MM-DD); date is left empty. */
int store_days_sum(struct store *store, const char *from, const char *to, struct store_day *sum);

/* Calls fn for every date in [from, to] that has counters, oldest first; fn returns non-zero to stop. */
int store_days_each(struct store *store, const char *from, const char *to,
		    int (*fn)(void *ctx, const struct store_day *day), void *ctx);

/*
 * Calls fn for events with at >= since and seq > after_seq, oldest first, at
 * most limit of them (0 = no limit); fn returns non-zero to stop.
 */
int store_events_each(struct store *store, int64_t since, int64_t after_seq, int64_t limit,
		      int (*fn)(void *ctx, const struct store_event *event), void *ctx);

/* The highest event sequence number (0 if none). */
int store_last_seq(struct store *store, int64_t *seq);

/*
 * Deletes card-level rows older than keep_seconds: rows of this boot by
 * their age on CLOCK_BOOTTIME, rows of earlier boots by their wall-clock
 * stamp. Callers prune only with a synchronized clock: a clock far in the
 * future would otherwise make every earlier boot's row look old.
 */
int store_prune_card_history(struct store *store, const struct store_stamp *now,
			     int64_t keep_seconds, int64_t *deleted);

/* Card lists (staff cards, issued and revoked cards). */
int store_staff_add(struct store *store, const card_id_t *card, int64_t at);
int store_card_set_status(struct store *store, const card_id_t *card, const char *status,
			  int64_t at); /* "issued" or "revoked" */

/* Settings: small key/value strings. A missing key gives "" and returns 0. */
int store_setting_get(struct store *store, const char *key, char *value, size_t len);
int store_setting_set(struct store *store, const char *key, const char *value);

/*
 * The content bundle (docs/content.md): the JSON text as imported, and its
 * version. *json is malloc'd and NUL-terminated (free it); NULL when the
 * kiosk has none yet, which is not an error.
 */
int store_content_get(struct store *store, char **json, size_t *len, char *version, size_t vlen);

/* A bundle's card lists (content.h's issued_cards and revoked_cards). */
struct store_content_cards {
	const char (*issued)[33];
	size_t n_issued;
	const char (*revoked)[33];
	size_t n_revoked;
};

/*
 * Replaces the stored bundle with json (already validated by the caller) in
 * one transaction, together with the card statuses the bundle sets: those
 * the last bundle set are replaced; a status a staff member set for a card
 * stays. cards may be NULL (no lists).
 */
int store_content_put(struct store *store, const char *json, size_t len, const char *version,
		      const struct store_content_cards *cards, int64_t at);

/*
 * A dispenser released the set of handout handout_seq and its sensor saw
 * nobody take it: marks the card's row so it no longer counts for the
 * policy (the card gets its allowance back), logs a "not_taken" event and
 * counts the day's not_taken. The handout itself stays in the event log and
 * in the day's handouts. A row already pruned is no error.
 */
int store_commit_not_taken(struct store *store, int64_t handout_seq, const struct store_stamp *when,
			   int64_t *seq);

/* Counts one opening of the help screen: a "help" event and the day's help_requests. */
int store_commit_help(struct store *store, const struct store_stamp *when, int64_t *seq);

/*
 * For the store's sub-modules (firmware/store_sync.c), which keep their
 * tables in the same file: the connection, and setting store_error()'s
 * message (returns -1). Nothing else should reach past this interface.
 */
struct sqlite3;
struct sqlite3_stmt;
struct sqlite3 *store_sqlite(struct store *store);
int store_set_error(struct store *store, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* store_set_error() with "WHAT: SQLite's last message". Returns -1. */
int store_fail_db(struct store *store, const char *what);
/* A prepared statement, or NULL with "preparing WHAT: ..." as the error. */
struct sqlite3_stmt *store_prepare(struct store *store, const char *sql, const char *what);
/* Runs SQL without results; on failure the error names the SQL. Returns 0 or -1. */
int store_exec(struct store *store, const char *sql);

/*
 * Test-only: called at named points inside a commit ("in_transaction"),
 * so a crash test can widen the window a kill lands in.
 */
void store_set_test_hook(struct store *store, void (*hook)(const char *point));

#endif
