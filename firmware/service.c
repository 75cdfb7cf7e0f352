/*
 * service: see service.h.
 */
#include "service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sd_notify.h"

/* Without a watchdog the status is still refreshed this often. */
#define STATUS_INTERVAL_MS 1000

struct service {
	struct event_loop *loop;
	const struct kiosk *kiosk;
	int timer;
	bool watchdog;
	bool warned; /* one log line for a notify socket that refuses, not one per tick */
	char status[384];
};

static void describe(const struct kiosk *k, char *out, size_t len)
{
	if (!k->store)
		snprintf(out, len, "OUT OF SERVICE: store unavailable: %s", k->store_error);
	else if (k->reader_state != READER_STATE_OK)
		snprintf(out, len, "serving; reader unavailable: %s",
			 k->reader_detail[0] ? k->reader_detail : "starting");
	else
		snprintf(out, len, "serving; reader ok");
}

static void send_checked(struct service *s, const char *message)
{
	if (sd_notify_send(message) < 0 && !s->warned) {
		log_warn("service manager: cannot send to $NOTIFY_SOCKET: %s", strerror(errno));
		s->warned = true;
	}
}

void service_status_changed(struct service *s)
{
	if (!s)
		return;
	char now[sizeof(s->status)];
	describe(s->kiosk, now, sizeof(now));
	if (strcmp(now, s->status) == 0)
		return;
	memcpy(s->status, now, sizeof(now));
	char message[sizeof(now) + 8];
	snprintf(message, sizeof(message), "STATUS=%s", now);
	send_checked(s, message);
}

static void on_tick(struct event_loop *loop, void *arg)
{
	(void)loop;
	struct service *s = arg;
	if (s->watchdog)
		send_checked(s, "WATCHDOG=1");
	service_status_changed(s);
}

struct service *service_start(struct event_loop *loop, const struct kiosk *k)
{
	const char *socket_name = getenv("NOTIFY_SOCKET");
	if (!socket_name || !*socket_name)
		return NULL;
	struct service *s = calloc(1, sizeof(*s));
	if (!s) {
		log_error("service manager: out of memory; not notifying");
		return NULL;
	}
	s->loop = loop;
	s->kiosk = k;
	uint64_t usec = sd_watchdog_usec();
	int64_t interval_ms = STATUS_INTERVAL_MS;
	if (usec > 0) {
		/* Half the interval, as sd_watchdog_enabled(3) advises: one late
		 * tick still arrives in time. */
		s->watchdog = true;
		interval_ms = (int64_t)(usec / 2000);
		if (interval_ms < 1)
			interval_ms = 1;
		if (interval_ms > STATUS_INTERVAL_MS)
			interval_ms = STATUS_INTERVAL_MS;
		log_info("watchdog: keep-alives every %lld ms (WatchdogSec %llu ms)",
			 (long long)interval_ms, (unsigned long long)(usec / 1000));
	}
	s->timer = event_loop_add_timer(loop, interval_ms, interval_ms, on_tick, s);
	if (s->timer < 0)
		log_error("service manager: cannot start the keep-alive timer: %s; "
			  "the watchdog will restart kioskd", strerror(errno));
	send_checked(s, "READY=1");
	service_status_changed(s);
	return s;
}

void service_stop(struct service *s)
{
	if (!s)
		return;
	send_checked(s, "STOPPING=1");
	if (s->timer >= 0)
		event_loop_remove_timer(s->loop, s->timer);
	free(s);
}
