/*
 * storage: everything officed keeps, behind one small interface with two
 * backends chosen by the database URL:
 *
 *   sqlite:/var/lib/officed/office.db   one file, WAL, synchronous=FULL (default)
 *   postgresql://user@host:port/db      libpq; several officed may share it
 *
 * Both backends pass the same tests (tests/unit/test_office_storage.c runs
 * its cases on each). What is kept:
 *
 *   kiosks       registry (id, site, SHA-256 of the token, revoked) and the
 *                last thing each kiosk said: contact time, clock, stock, health
 *   days         per (kiosk, local date): the counters of the highest
 *                revision received, and two sticky flags: the kiosk's clock
 *                was not synchronized, or disagreed with the office's
 *   card_events  staff card events from the kiosks (card_ids only)
 *   content      published bundle versions; content_base, the last import
 *   users        office staff who may log in to the dashboard (scrypt hashes)
 *   settings     deployment-wide values, e.g. the dashboard's session key
 *
 * Every function returns 0, or -1 with one line in storage_error(). A
 * storage handle is used by one thread at a time (officed gives its
 * committer and its readers a handle each).
 */
#ifndef OFFICE_STORAGE_H
#define OFFICE_STORAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"
#include "token.h"

struct storage;

struct storage_kiosk {
	char kiosk_id[PROTOCOL_ID_MAX + 1];
	char site_id[PROTOCOL_ID_MAX + 1];
	uint8_t token_hash[TOKEN_HASH_LEN];
	int64_t created_at;
	int64_t revoked_at;   /* 0: active */
	int64_t last_contact; /* 0: never reported */
	int64_t clock_offset; /* the kiosk's clock minus ours at the last report */
	bool clock_synchronized;
	char firmware[33];
	int64_t stock_level, stock_low_water;
	bool stock_low;
	char health_reader[16];
	char health_display[33];
	char health_last_error[PROTOCOL_TEXT_MAX + 1];
	int64_t reports; /* reports stored */
};

/* One stored (kiosk, day). */
struct storage_day {
	char kiosk_id[PROTOCOL_ID_MAX + 1];
	struct protocol_day day;
	bool flag_unsynchronized; /* a report of this day came from an unsynchronized clock */
	bool flag_clock_disagrees; /* ... or from a clock far from the office's */
	int64_t received_at;
};

/*
 * One report on its way into the database, with what the backend tells
 * about it. ingest.c fills the input half and reads the output half.
 */
struct ingest_job {
	/* in */
	struct report report; /* validated; report.kiosk_id is the authenticated kiosk */
	int64_t received_at;
	bool flag_unsynchronized;
	bool flag_clock_disagrees;
	int64_t clock_offset;
	/* out */
	int status;               /* 200; 401 when the kiosk was revoked meanwhile */
	int64_t *held;            /* [report.n_days]: the revision now held for each day */
	size_t card_events_held;  /* events of this report now stored (new or already there) */
};

/* What a batch leaves behind, for the answers. */
struct site_stock {
	char site_id[PROTOCOL_ID_MAX + 1];
	int64_t level;
	bool low;
	int64_t reported_at;
};

struct ingest_outcome {
	char content_etag[80]; /* the newest published bundle's ETag ("" if none) */
	bool published;        /* this batch's card events published a new bundle version */
	struct site_stock *sites; /* every site's stock after the batch (malloc'd) */
	size_t n_sites;
};

void ingest_outcome_free(struct ingest_outcome *o);

int storage_open(const char *url, struct storage **out, char *err, size_t errlen);
void storage_close(struct storage *s);
const char *storage_error(const struct storage *s);
const char *storage_backend(const struct storage *s); /* "sqlite" or "postgresql" */

/* A cheap round trip (for /healthz). */
int storage_ping(struct storage *s);

/* ---- the kiosk registry ---- */

/* Fails (naming the kiosk) if the id exists, revoked or not. */
int storage_kiosk_add(struct storage *s, const char *kiosk_id, const char *site_id,
		      const uint8_t token_hash[TOKEN_HASH_LEN], int64_t now);
/* Fails if there is no such kiosk; revoking twice keeps the first time. */
int storage_kiosk_revoke(struct storage *s, const char *kiosk_id, int64_t now);
/* Calls fn for every kiosk in id order; fn returns non-zero to stop. */
int storage_kiosk_each(struct storage *s, int (*fn)(void *ctx, const struct storage_kiosk *k),
		       void *ctx);

/* ---- reports ---- */

/*
 * Stores n reports in ONE transaction (group commit): for each, the kiosk's
 * last contact, clock, stock and health; each day unless the office already
 * holds a higher or equal revision of it; its card events unless already
 * held. If a report's kiosk is revoked, that report (only) is skipped with
 * status 401. If any new card event arrived, a new bundle version is
 * published in the same transaction. Either every report of the batch is
 * stored or (on failure, -1) none is.
 */
int storage_ingest(struct storage *s, struct ingest_job **jobs, size_t n, const char *zone,
		   struct ingest_outcome *outcome);

/* The days the office holds for a kiosk, oldest first (a restored kiosk's start). */
int storage_kiosk_days(struct storage *s, const char *kiosk_id, struct protocol_day **days,
		       size_t *n);

/* Every stored day of every kiosk in [from, to] (dates; "" for open ends). */
int storage_days_each(struct storage *s, const char *from, const char *to,
		      int (*fn)(void *ctx, const struct storage_day *d), void *ctx);

/* ---- content ---- */

/*
 * The newest published version: *version (0 if none), its ETag, and (if
 * body is not NULL) its JSON text, malloc'd.
 */
int storage_content_latest(struct storage *s, int64_t *version, char *etag, size_t etag_len,
			   char **body);

/*
 * Publishes an imported bundle (already validated, BUNDLE_IMPORT) as the new
 * base and a new version with the card events received since folded in.
 */
int storage_content_import(struct storage *s, json_t *bundle, int64_t now, const char *zone,
			   int64_t *version);

/* The last imported bundle (*body malloc'd), or *body NULL if none yet. */
int storage_content_base(struct storage *s, char **body);

/* ---- office staff (the dashboard's logins) ---- */

#define STORAGE_USER_MAX 63
#define STORAGE_PASSWORD_HASH_MAX 200

/* Adds a user (fails naming it if it exists) or, replace true, changes an
 * existing user's password hash (fails if there is no such user). */
int storage_user_put(struct storage *s, const char *name, const char *hash, int64_t now,
		     bool replace);
/* Fails if there is no such user. */
int storage_user_remove(struct storage *s, const char *name);
/* The user's password hash; *found false (and 0) when there is none. */
int storage_user_get(struct storage *s, const char *name, char hash[STORAGE_PASSWORD_HASH_MAX],
		     bool *found);

/*
 * A deployment-wide secret of len bytes (at most 64) named name: made from
 * getrandom(2) and stored the first time it is asked for, the same for
 * every instance after (a race between two first askers keeps one).
 */
int storage_secret(struct storage *s, const char *name, uint8_t *out, size_t len);

/* ---- operations ---- */

/*
 * Copies the whole database to path while officed keeps running (SQLite's
 * online backup API; the copy is a consistent snapshot). PostgreSQL: fails
 * with a message pointing at pg_dump.
 */
int storage_backup(struct storage *s, const char *path);

#endif
