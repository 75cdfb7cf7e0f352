/*
 * kiosk_cache: who a bearer token belongs to, without a database round trip
 * per request.
 *
 * The whole registry (id, site, token hash, revoked) is held in memory and
 * reloaded from storage when it is older than KIOSK_CACHE_TTL_MS, and when
 * a token is not found (a kiosk added a moment ago by `officed kiosk add`,
 * perhaps on another instance): an unknown token is refused (401) only
 * after a reload that began after the request arrived. Reloads run one at a
 * time and each serves every request that arrived before it began, so a
 * flood of made-up tokens costs at most one reload in flight. A revocation
 * therefore takes effect within KIOSK_CACHE_TTL_MS; the committer checks
 * again inside its transaction, so no report of a revoked kiosk is stored
 * after the revocation commits.
 *
 * The presented token is hashed (SHA-256) and compared with every stored
 * hash in constant time.
 */
#ifndef OFFICE_KIOSK_CACHE_H
#define OFFICE_KIOSK_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"
#include "token.h"

#define KIOSK_CACHE_TTL_MS 5000

struct storage;

struct cached_kiosk {
	char kiosk_id[PROTOCOL_ID_MAX + 1];
	char site_id[PROTOCOL_ID_MAX + 1];
	uint8_t token_hash[TOKEN_HASH_LEN];
	bool revoked;
};

struct kiosk_cache {
	pthread_rwlock_t lock;
	struct cached_kiosk *kiosks;
	size_t n;
	int64_t loaded_ms; /* CLOCK_MONOTONIC when the last load began; 0 never */
};

void kiosk_cache_init(struct kiosk_cache *c);
void kiosk_cache_free(struct kiosk_cache *c);

/* Reloads from storage (the caller holds whatever lock s needs). Returns 0 or -1. */
int kiosk_cache_load(struct kiosk_cache *c, struct storage *s);

/* Whether the cache is older than KIOSK_CACHE_TTL_MS (or never loaded). */
bool kiosk_cache_stale(struct kiosk_cache *c);

/* Whether the last load began after since_ms (CLOCK_MONOTONIC). */
bool kiosk_cache_loaded_after(struct kiosk_cache *c, int64_t since_ms);

/* CLOCK_MONOTONIC in milliseconds, the cache's clock. */
int64_t kiosk_cache_now_ms(void);

/*
 * Finds the active kiosk whose token this is. Returns true and fills *out;
 * false for an unknown or revoked token.
 */
bool kiosk_cache_find(struct kiosk_cache *c, const char *token, size_t len, struct cached_kiosk *out);

#endif
