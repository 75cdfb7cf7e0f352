/*
 * kiosk_cache: see kiosk_cache.h.
 */
#include "kiosk_cache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage.h"

int64_t kiosk_cache_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kiosk_cache_init(struct kiosk_cache *c)
{
	memset(c, 0, sizeof(*c));
	pthread_rwlock_init(&c->lock, NULL);
}

void kiosk_cache_free(struct kiosk_cache *c)
{
	free(c->kiosks);
	c->kiosks = NULL;
	pthread_rwlock_destroy(&c->lock);
}

struct load {
	struct cached_kiosk *list;
	size_t n, cap;
	bool failed;
};

static int add(void *ctx, const struct storage_kiosk *k)
{
	struct load *l = ctx;
	if (l->n == l->cap) {
		size_t bigger = l->cap ? l->cap * 2 : 64;
		struct cached_kiosk *grown = realloc(l->list, bigger * sizeof(*grown));
		if (!grown) {
			l->failed = true;
			return 1;
		}
		l->list = grown;
		l->cap = bigger;
	}
	struct cached_kiosk *c = &l->list[l->n++];
	memcpy(c->kiosk_id, k->kiosk_id, sizeof(c->kiosk_id));
	memcpy(c->site_id, k->site_id, sizeof(c->site_id));
	memcpy(c->token_hash, k->token_hash, sizeof(c->token_hash));
	c->revoked = k->revoked_at != 0;
	return 0;
}

int kiosk_cache_load(struct kiosk_cache *c, struct storage *s)
{
	int64_t began = kiosk_cache_now_ms();
	struct load l = {0};
	if (storage_kiosk_each(s, add, &l) != 0 || l.failed) {
		free(l.list);
		return -1;
	}
	pthread_rwlock_wrlock(&c->lock);
	free(c->kiosks);
	c->kiosks = l.list;
	c->n = l.n;
	c->loaded_ms = began;
	pthread_rwlock_unlock(&c->lock);
	return 0;
}

bool kiosk_cache_stale(struct kiosk_cache *c)
{
	pthread_rwlock_rdlock(&c->lock);
	int64_t loaded = c->loaded_ms;
	pthread_rwlock_unlock(&c->lock);
	return loaded == 0 || kiosk_cache_now_ms() - loaded >= KIOSK_CACHE_TTL_MS;
}

bool kiosk_cache_loaded_after(struct kiosk_cache *c, int64_t since_ms)
{
	pthread_rwlock_rdlock(&c->lock);
	int64_t loaded = c->loaded_ms;
	pthread_rwlock_unlock(&c->lock);
	return loaded > since_ms;
}

bool kiosk_cache_find(struct kiosk_cache *c, const char *token, size_t len, struct cached_kiosk *out)
{
	uint8_t hash[TOKEN_HASH_LEN];
	token_hash(token, len, hash);
	bool found = false;
	pthread_rwlock_rdlock(&c->lock);
	/* Every entry is compared, found or not, each in constant time. */
	for (size_t i = 0; i < c->n; i++) {
		if (token_hash_equal(hash, c->kiosks[i].token_hash) && !found) {
			*out = c->kiosks[i];
			found = true;
		}
	}
	pthread_rwlock_unlock(&c->lock);
	return found && !out->revoked;
}
