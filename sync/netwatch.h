/*
 * netwatch: tells the sync client when the network may be back.
 *
 * A netlink socket (NETLINK_ROUTE) subscribed to link, address and route
 * changes, watched in the event loop. A kiosk waiting out its backoff after
 * the library's Wi-Fi dropped tries again as soon as an address or a route
 * appears, rather than up to 15 minutes later. Every change counts: telling
 * a real return from noise is not worth the code, since an extra attempt
 * costs one request.
 */
#ifndef SYNC_NETWATCH_H
#define SYNC_NETWATCH_H

#include "event_loop.h"

struct netwatch;

/* changed() is called on the loop after each batch of netlink messages. */
struct netwatch *netwatch_start(struct event_loop *loop, void (*changed)(void *ctx), void *ctx);
void netwatch_stop(struct netwatch *w);

#endif
