/*
 * storage: see storage.h. The logic both backends share lives here: a
 * batch's transaction, and publishing a bundle version.
 */
#include "storage_backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int storage_fail(struct storage *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}

void ingest_outcome_free(struct ingest_outcome *o)
{
	free(o->sites);
	o->sites = NULL;
	o->n_sites = 0;
}

int storage_open(const char *url, struct storage **out, char *err, size_t errlen)
{
	*out = NULL;
	if (strncmp(url, "sqlite:", 7) == 0)
		return storage_sqlite_open(url + 7, out, err, errlen);
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return storage_pg_open(url, out, err, errlen);
	snprintf(err, errlen, "unknown database URL scheme (expected sqlite:/path or postgresql://...)");
	return -1;
}

void storage_close(struct storage *s)
{
	if (s)
		s->be->close(s);
}

const char *storage_error(const struct storage *s) { return s->error; }
const char *storage_backend(const struct storage *s) { return s->be->name; }
int storage_ping(struct storage *s) { return s->be->ping(s); }

int storage_kiosk_add(struct storage *s, const char *kiosk_id, const char *site_id,
		      const uint8_t token_hash[TOKEN_HASH_LEN], int64_t now)
{
	if (!protocol_valid_id(kiosk_id) || !protocol_valid_id(site_id))
		return storage_fail(s, "kiosk and site ids are 1 to %d letters, digits, '.', '_' or '-'",
				    PROTOCOL_ID_MAX);
	char hex[TOKEN_HASH_HEX_LEN + 1];
	token_hash_hex(token_hash, hex);
	return s->be->kiosk_add(s, kiosk_id, site_id, hex, now);
}

int storage_kiosk_revoke(struct storage *s, const char *kiosk_id, int64_t now)
{
	return s->be->kiosk_revoke(s, kiosk_id, now);
}

int storage_kiosk_each(struct storage *s, int (*fn)(void *ctx, const struct storage_kiosk *k),
		       void *ctx)
{
	return s->be->kiosk_each(s, fn, ctx);
}

int storage_kiosk_days(struct storage *s, const char *kiosk_id, struct protocol_day **days,
		       size_t *n)
{
	return s->be->kiosk_days(s, kiosk_id, days, n);
}

int storage_days_each(struct storage *s, const char *from, const char *to,
		      int (*fn)(void *ctx, const struct storage_day *d), void *ctx)
{
	return s->be->days_each(s, from, to, fn, ctx);
}

int storage_content_latest(struct storage *s, int64_t *version, char *etag, size_t etag_len,
			   char **body)
{
	return s->be->content_latest(s, version, etag, etag_len, body);
}

/*
 * Inside a transaction that holds the content lock: builds and inserts the
 * next version from the base and the events since it. Without a base
 * (nothing imported yet) there is nothing to publish, and that is fine:
 * the events are kept and folded in at the first import.
 */
static int publish(struct storage *s, int64_t now, const char *zone, int64_t *version_out)
{
	char *base_text = NULL;
	int64_t imported_at = 0;
	if (s->be->content_base_get(s, &base_text, &imported_at) != 0)
		return -1;
	if (!base_text) {
		if (version_out)
			*version_out = 0;
		return 0;
	}
	json_t *base = json_loads(base_text, 0, NULL);
	free(base_text);
	if (!base)
		return storage_fail(s, "the stored content base is not JSON");
	struct content_card_event *events = NULL;
	size_t n = 0;
	int64_t latest = 0;
	char etag[CONTENT_ETAG_MAX];
	char *text = NULL;
	int rc = -1;
	if (s->be->card_events_since(s, imported_at, &events, &n) == 0 &&
	    s->be->content_latest(s, &latest, etag, sizeof(etag), NULL) == 0) {
		char why[256];
		if (content_build(base, events, n, latest + 1, now, zone, &text, etag, why,
				  sizeof(why)) != 0)
			storage_fail(s, "the bundle would not be valid: %s", why);
		else if (s->be->content_insert(s, latest + 1, etag, text, now) == 0)
			rc = 0;
	}
	if (rc == 0 && version_out)
		*version_out = latest + 1;
	free(text);
	free(events);
	json_decref(base);
	return rc;
}

int storage_ingest(struct storage *s, struct ingest_job **jobs, size_t n, const char *zone,
		   struct ingest_outcome *outcome)
{
	memset(outcome, 0, sizeof(*outcome));
	bool new_events = false;
	int64_t now = 0;
	for (size_t i = 0; i < n; i++) {
		if (jobs[i]->received_at > now)
			now = jobs[i]->received_at;
	}
	if (s->be->begin(s) != 0)
		return -1;
	int64_t version = 0, published = 0;
	if (s->be->ingest_rows(s, jobs, n, &new_events) != 0 ||
	    (new_events && (s->be->content_lock(s) != 0 || publish(s, now, zone, &published) != 0)) ||
	    s->be->content_latest(s, &version, outcome->content_etag, sizeof(outcome->content_etag),
				  NULL) != 0 ||
	    s->be->site_stock(s, outcome) != 0) {
		s->be->rollback(s);
		ingest_outcome_free(outcome);
		return -1;
	}
	if (s->be->commit(s) != 0) {
		s->be->rollback(s);
		ingest_outcome_free(outcome);
		return -1;
	}
	outcome->published = published > 0;
	return 0;
}

int storage_content_import(struct storage *s, json_t *bundle, int64_t now, const char *zone,
			   int64_t *version)
{
	char *text = json_dumps(bundle, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return storage_fail(s, "out of memory");
	int rc = -1;
	if (s->be->begin(s) == 0) {
		if (s->be->content_lock(s) == 0 && s->be->content_base_set(s, text, now) == 0 &&
		    publish(s, now, zone, version) == 0 && s->be->commit(s) == 0)
			rc = 0;
		else
			s->be->rollback(s);
	}
	free(text);
	return rc;
}

int storage_content_base(struct storage *s, char **body)
{
	int64_t imported_at;
	return s->be->content_base_get(s, body, &imported_at);
}

static bool valid_user(const char *name)
{
	return protocol_valid_id(name) && strlen(name) <= STORAGE_USER_MAX;
}

int storage_user_put(struct storage *s, const char *name, const char *hash, int64_t now,
		     bool replace)
{
	if (!valid_user(name))
		return storage_fail(s, "user names are 1 to %d letters, digits, '.', '_' or '-'",
				    STORAGE_USER_MAX);
	return s->be->user_put(s, name, hash, now, replace);
}

int storage_user_remove(struct storage *s, const char *name)
{
	return s->be->user_remove(s, name);
}

int storage_user_get(struct storage *s, const char *name, char hash[STORAGE_PASSWORD_HASH_MAX],
		     bool *found)
{
	*found = false;
	hash[0] = '\0';
	if (!valid_user(name))
		return 0;
	return s->be->user_get(s, name, hash, STORAGE_PASSWORD_HASH_MAX, found);
}

static int parse_hex(const char *h, uint8_t *out, size_t len)
{
	if (strlen(h) != 2 * len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int storage_secret(struct storage *s, const char *name, uint8_t *out, size_t len)
{
	if (len == 0 || len > 64)
		return storage_fail(s, "a secret is 1 to 64 bytes");
	char *value = NULL;
	if (s->be->setting_get(s, name, &value) != 0)
		return -1;
	if (!value) {
		uint8_t fresh[64];
		char hex[129];
		if (getrandom(fresh, len, 0) != (ssize_t)len)
			return storage_fail(s, "getrandom: cannot make the secret %s", name);
		for (size_t i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02x", fresh[i]);
		explicit_bzero(fresh, sizeof(fresh));
		/* Inserted unless another instance was first; then read what won. */
		int rc = s->be->setting_add(s, name, hex);
		explicit_bzero(hex, sizeof(hex));
		if (rc != 0 || s->be->setting_get(s, name, &value) != 0)
			return -1;
		if (!value)
			return storage_fail(s, "the secret %s was not stored", name);
	}
	int rc = parse_hex(value, out, len);
	explicit_bzero(value, strlen(value));
	free(value);
	return rc == 0 ? 0 : storage_fail(s, "the stored secret %s is damaged", name);
}

int storage_backup(struct storage *s, const char *path)
{
	return s->be->backup(s, path);
}
