/*
 * control: the staff control socket (docs/control.md).
 *
 * A Unix stream socket, mode 0660, group from [control] group. Each peer's
 * credentials (SO_PEERCRED) are checked on connect: root, kioskd's own user
 * and members of the configured group are served; anyone else gets one
 * error line and is disconnected. Requests and answers are one JSON object
 * per line; a line longer than CONTROL_LINE_MAX is refused.
 *
 * {"cmd": "watch"} turns a connection into a stream of events (one JSON
 * object per line, no card identity). A watcher that does not read is
 * disconnected once CONTROL_WATCH_BACKLOG bytes are queued for it rather
 * than ever blocking the loop.
 */
#ifndef KIOSK_CONTROL_H
#define KIOSK_CONTROL_H

#include <jansson.h>
#include <stddef.h>

#include "event_loop.h"
#include "kiosk.h"

#define CONTROL_LINE_MAX 4096
#define CONTROL_WATCH_BACKLOG (256 * 1024)

struct control_server;

/*
 * Binds the socket (replacing a stale one; refusing if another kioskd answers
 * on it). Returns NULL with a reason in err.
 */
struct control_server *control_start(struct event_loop *loop, struct kiosk *kiosk,
				     const char *path, const char *group, char *err,
				     size_t errlen);
void control_stop(struct control_server *server);

/* Sends an event to every watcher (a kiosk_emit_fn; ctx is the server). */
void control_broadcast(void *server, json_t *event);

#endif
