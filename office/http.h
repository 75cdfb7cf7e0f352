/*
 * http: officed's HTTP(S) API on libmicrohttpd (docs/protocol.md).
 *
 *   POST /v1/report       a kiosk's report          200, 400, 401, 403, 413, 415, 503
 *   GET  /v1/content      the content bundle        200, 304 (If-None-Match), 401, 404
 *   GET  /v1/kiosk/state  what the office holds     200, 401
 *   GET  /healthz         liveness and storage      200, 503
 *
 * Everything else is 404 (405 for a known path with the wrong method).
 * Bodies are capped before they grow: a Content-Length over the cap is
 * refused at once, and a body that grows past it is dropped. Connections
 * idle for [server] timeout seconds are closed, and an upload still
 * unfinished after twice that is cut off, so a stalled or trickling client
 * holds a connection for a bounded time. TLS is libmicrohttpd's own
 * (GnuTLS in Debian's build).
 */
#ifndef OFFICE_HTTP_H
#define OFFICE_HTTP_H

#include <stddef.h>

struct office;
struct http_server;

/*
 * Serves on listen_fd (bound and listening). cert and key are PEM text, or
 * NULL for plain HTTP. Returns NULL with a reason in err.
 */
struct http_server *http_start(struct office *o, int listen_fd, const char *cert, const char *key,
			       char *err, size_t errlen);

/* Stops taking connections (ingest may still answer the suspended ones). */
void http_quiesce(struct http_server *h);

void http_stop(struct http_server *h);

#endif
