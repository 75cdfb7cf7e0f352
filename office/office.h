/*
 * office: officed's running state, shared by its parts (one header for the
 * daemon's types, as OpenBSD daemons do):
 *
 *   http.c          libmicrohttpd: routes, authentication, bodies, answers
 *   ingest.c        the committer thread: group commit of reports
 *   kiosk_cache.c   who a bearer token belongs to (refreshed from storage)
 *   content_cache.c the newest published bundle, plain and gzipped
 *   storage*.c      the database
 *   web*.c          the office staff's dashboard, help pages, /metrics (web.h)
 *
 * Threads: libmicrohttpd's pool serves connections; one committer thread
 * writes reports; readers (kiosk state, content, health, the caches) share
 * a second storage handle under reader_lock.
 */
#ifndef OFFICE_OFFICE_H
#define OFFICE_OFFICE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "content_cache.h"
#include "kiosk_cache.h"
#include "metrics.h"
#include "office_config.h"
#include "session.h"
#include "storage.h"

#define OFFICED_VERSION "0.1.0"

struct ingest;
struct http_server;

struct office {
	struct office_config cfg;
	struct storage *reader;
	pthread_mutex_t reader_lock;
	struct kiosk_cache kiosks;
	struct content_cache content;
	struct ingest *ingest;
	struct http_server *http;

	/* For the log's summary and /healthz. */
	atomic_uint_least64_t reports_stored;
	atomic_uint_least64_t requests_refused;

	/* The dashboard (web.h): the deployment's session key, from storage at
	 * start; login attempts; and /metrics. */
	uint8_t session_key[SESSION_KEY_LEN];
	struct login_limit *logins;
	struct metrics metrics;
};

/* Unix time now (wall clock). */
int64_t office_now(void);

#endif
