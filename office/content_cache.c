/*
 * content_cache: see content_cache.h.
 */
#include "content_cache.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"
#include "log.h"
#include "storage.h"

void content_cache_init(struct content_cache *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
}

void content_cache_free(struct content_cache *c)
{
	free(c->body);
	free(c->gz);
	free(c->sites);
	pthread_mutex_destroy(&c->lock);
}

int content_cache_refresh(struct content_cache *c, struct storage *s, const char *etag)
{
	int64_t version;
	char latest[CONTENT_ETAG_MAX];
	if (!etag) {
		if (storage_content_latest(s, &version, latest, sizeof(latest), NULL) != 0)
			return -1;
		etag = latest;
	}
	pthread_mutex_lock(&c->lock);
	bool same = strcmp(etag, c->etag) == 0;
	pthread_mutex_unlock(&c->lock);
	if (same || !etag[0])
		return 0;

	char *body = NULL;
	char loaded_etag[CONTENT_ETAG_MAX];
	if (storage_content_latest(s, &version, loaded_etag, sizeof(loaded_etag), &body) != 0)
		return -1;
	if (!body)
		return 0;
	size_t len = strlen(body);
	unsigned char *gz = NULL;
	size_t gz_len = 0;
	json_t *parsed = json_loadb(body, len, 0, NULL);
	size_t n_sites = 0;
	struct nearby_site *sites = parsed ? nearby_sites_from_bundle(parsed, &n_sites) : NULL;
	json_decref(parsed);
	if (gzip_compress(body, len, &gz, &gz_len) != 0 || !sites) {
		free(body);
		free(gz);
		free(sites);
		log_error("content: cannot cache version %lld (out of memory or not JSON)",
			  (long long)version);
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	free(c->body);
	free(c->gz);
	free(c->sites);
	c->version = version;
	memcpy(c->etag, loaded_etag, sizeof(c->etag));
	c->body = body;
	c->len = len;
	c->gz = gz;
	c->gz_len = gz_len;
	c->sites = sites;
	c->n_sites = n_sites;
	pthread_mutex_unlock(&c->lock);
	log_info("content: serving version %lld (%zu bytes, %zu gzipped)", (long long)version, len,
		 gz_len);
	return 0;
}
