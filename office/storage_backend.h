/*
 * storage_backend: what a storage backend provides (storage.c holds the
 * logic both share: the shape of a batch, publishing a bundle version).
 * Each backend's handle starts with a struct storage, so storage.c can reach
 * its vtable and error buffer.
 */
#ifndef OFFICE_STORAGE_BACKEND_H
#define OFFICE_STORAGE_BACKEND_H

#include "publish.h"
#include "storage.h"

struct storage_backend {
	const char *name;
	void (*close)(struct storage *s);
	int (*ping)(struct storage *s);
	int (*begin)(struct storage *s);
	int (*commit)(struct storage *s);
	void (*rollback)(struct storage *s);

	int (*kiosk_add)(struct storage *s, const char *kiosk_id, const char *site_id,
			 const char *token_hash_hex, int64_t now);
	int (*kiosk_revoke)(struct storage *s, const char *kiosk_id, int64_t now);
	int (*kiosk_each)(struct storage *s, int (*fn)(void *ctx, const struct storage_kiosk *k),
			  void *ctx);

	/* Inside a transaction: the kiosks' rows, days and card events of n
	 * reports; sets each job's status, held[] and card_events_held, and
	 * *new_events when a card event was not held before. */
	int (*ingest_rows)(struct storage *s, struct ingest_job **jobs, size_t n, bool *new_events);
	/* Inside or outside a transaction: every site's stock. */
	int (*site_stock)(struct storage *s, struct ingest_outcome *out);

	int (*kiosk_days)(struct storage *s, const char *kiosk_id, struct protocol_day **days,
			  size_t *n);
	int (*days_each)(struct storage *s, const char *from, const char *to,
			 int (*fn)(void *ctx, const struct storage_day *d), void *ctx);

	int (*content_latest)(struct storage *s, int64_t *version, char *etag, size_t etag_len,
			      char **body);
	/* Inside a transaction: serialises publishers (PostgreSQL: an advisory lock). */
	int (*content_lock)(struct storage *s);
	int (*content_base_get)(struct storage *s, char **body, int64_t *imported_at);
	int (*content_base_set)(struct storage *s, const char *body, int64_t imported_at);
	/* Events received at or after since, in time order. */
	int (*card_events_since)(struct storage *s, int64_t since, struct content_card_event **events,
				 size_t *n);
	int (*content_insert)(struct storage *s, int64_t version, const char *etag, const char *body,
			      int64_t now);

	/* Users: replace false inserts (fails if present), true updates (fails if absent). */
	int (*user_put)(struct storage *s, const char *name, const char *hash, int64_t now,
			bool replace);
	int (*user_remove)(struct storage *s, const char *name);
	int (*user_get)(struct storage *s, const char *name, char *hash, size_t len, bool *found);
	/* Settings: get (*value malloc'd or NULL), and insert unless present. */
	int (*setting_get)(struct storage *s, const char *key, char **value);
	int (*setting_add)(struct storage *s, const char *key, const char *value);
	int (*backup)(struct storage *s, const char *path);
};

struct storage {
	const struct storage_backend *be;
	char error[320];
};

int storage_fail(struct storage *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int storage_sqlite_open(const char *path, struct storage **out, char *err, size_t errlen);
int storage_pg_open(const char *url, struct storage **out, char *err, size_t errlen);

#endif
