/*
 * curl_loop: libcurl's multi interface driven by kioskd's one epoll loop.
 *
 * libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when
 * to call it back (CURLMOPT_TIMERFUNCTION); we watch those sockets in the
 * event loop and keep one timerfd for its timeouts. Nothing here blocks:
 * Debian's libcurl resolves names in a thread of its own, connects,
 * handshakes and transfers without blocking, so the tap path on the same
 * loop never waits for the network.
 */
#ifndef SYNC_CURL_LOOP_H
#define SYNC_CURL_LOOP_H

#include <curl/curl.h>

#include "event_loop.h"

struct curl_loop;

/* Called on the loop once a transfer has finished (result says how). */
typedef void (*curl_loop_done_fn)(void *ctx, CURL *easy, CURLcode result);

struct curl_loop *curl_loop_new(struct event_loop *loop, curl_loop_done_fn done, void *ctx);

/* Aborts every transfer (without calling done) and frees everything. */
void curl_loop_free(struct curl_loop *cl);

/* Starts a transfer. Returns 0, or -1. */
int curl_loop_add(struct curl_loop *cl, CURL *easy);

/* Stops a transfer that has not finished (done is not called). */
void curl_loop_remove(struct curl_loop *cl, CURL *easy);

#endif
