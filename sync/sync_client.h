/*
 * sync_client: kioskd's side of the sync protocol (docs/protocol.md), on
 * libcurl's multi interface in kioskd's one event loop (curl_loop.h), so the
 * tap path never waits for the network.
 *
 * When it talks to the office:
 *   - every [office] report_interval seconds (a heartbeat, even with no
 *     news: the office flags a kiosk that goes quiet);
 *   - report_delay seconds after a handout, restock or other change
 *     (sync_client_changed(); a burst of taps makes one report);
 *   - at once on `kioskctl sync now` (sync_client_now()) and when the
 *     network comes back after a failure (netwatch.h);
 *   - after a failure, with exponential backoff and full jitter
 *     (backoff.h), never sooner than the office's Retry-After.
 *
 * One sync is a cycle of requests, one at a time: first, for a store that
 * was created empty, GET /v1/kiosk/state and merge what the office holds;
 * then POST /v1/report until no day is pending (each report as many days as
 * fit under the office's body cap; 413 halves the batch; a 400 naming a day
 * sets that day aside and the rest go on); then, if the office has a newer
 * content bundle, GET /v1/content with If-None-Match. Retried on transport
 * errors, timeouts, 5xx and 429; other 4xx are logged, shown in status and
 * not retried until the next trigger.
 *
 * Everything it must not forget is in the store (store_sync.h). Each cycle
 * ends with a "sync" event on the watch stream. The token is sent only in
 * the Authorization header, over HTTPS (or to this machine), and is never
 * logged.
 */
#ifndef SYNC_SYNC_CLIENT_H
#define SYNC_SYNC_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "event_loop.h"
#include "kiosk.h"

struct sync_client;

/*
 * Starts the client when [office] url is set. Returns NULL with err empty
 * when no office is configured, or NULL with the reason in err (an
 * unreadable token file, one others may read); the kiosk then runs without
 * sync and says why in its status.
 */
struct sync_client *sync_client_start(struct event_loop *loop, struct kiosk *k, char *err,
				      size_t errlen);

/* Aborts any request in flight (the office's answer is simply not heard:
 * the same days go again next time) and frees everything. */
void sync_client_stop(struct sync_client *c);

/* The kiosk's counts changed (a handout, a restock): report soon. */
void sync_client_changed(struct sync_client *c);

/* `kioskctl sync now`: start a sync at once, forgetting any backoff.
 * Returns true if one was in flight: the requested one follows it. */
bool sync_client_now(struct sync_client *c);

/*
 * The "sync" member of the status answer. c may be NULL (no office, or the
 * client could not start: why_not says why). Reads the store for what is
 * pending.
 */
json_t *sync_client_status(struct sync_client *c, struct kiosk *k, const char *why_not);

#endif
