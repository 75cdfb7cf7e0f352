/*
 * service: kioskd's side of systemd's service manager (sd_notify.h).
 *
 * READY=1 once the store has been tried and the control socket listens (a
 * kiosk whose store is unavailable is still "ready": it serves, out of
 * service, and says why, rather than being restarted in a loop); a STATUS=
 * line whenever the kiosk's state changes; STOPPING=1 at shutdown; and,
 * when the unit sets WatchdogSec=, WATCHDOG=1 from a timer on the event
 * loop itself at half the interval. The keep-alive is sent by the loop, so
 * a loop wedged in a handler stops them and systemd restarts kioskd.
 *
 * Contract: without $NOTIFY_SOCKET nothing is sent and no timer is set.
 */
#ifndef KIOSK_SERVICE_H
#define KIOSK_SERVICE_H

#include "event_loop.h"
#include "kiosk.h"

struct service;

/*
 * Sends READY=1 and the first STATUS=, and starts the keep-alive and
 * status timer on loop. k is read on each tick and must outlive the
 * service. Returns NULL when not under a service manager or out of memory
 * (the daemon runs on; a failure is logged).
 */
struct service *service_start(struct event_loop *loop, const struct kiosk *k);

/* Sends STOPPING=1 and frees s (NULL is fine). */
void service_stop(struct service *s);

/* Re-reads the kiosk's state now (after a reload) and sends STATUS= if it changed. */
void service_status_changed(struct service *s);

#endif
