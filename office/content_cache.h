/*
 * content_cache: the newest published bundle in memory, as JSON and gzipped,
 * with its sites' coordinates for the "nearby" answers.
 *
 * Reloaded from storage when the ETag the database reports differs from the
 * one held (after a publication by this instance or another sharing the
 * database). Readers copy what they need under the lock.
 */
#ifndef OFFICE_CONTENT_CACHE_H
#define OFFICE_CONTENT_CACHE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "publish.h"
#include "nearby.h"

struct storage;

struct content_cache {
	pthread_mutex_t lock;
	int64_t version; /* 0: nothing published yet */
	char etag[CONTENT_ETAG_MAX];
	char *body;
	size_t len;
	unsigned char *gz;
	size_t gz_len;
	struct nearby_site *sites;
	size_t n_sites;
};

void content_cache_init(struct content_cache *c);
void content_cache_free(struct content_cache *c);

/*
 * Loads the newest version from s unless etag (what the database says is
 * newest; NULL: ask s) is the one held. Returns 0 or -1.
 */
int content_cache_refresh(struct content_cache *c, struct storage *s, const char *etag);

#endif
