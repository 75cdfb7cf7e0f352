/*
 * kiosk_display: the kiosk's side of its screen and its content bundle
 * (declared in kiosk.h). Runs on the event loop; everything slow (drawing,
 * I2C) is in display_service's thread.
 *
 *   - Result screens: kiosk_give_feedback() (kiosk.c) calls
 *     kiosk_display_result(), which hands the screen for the tap's result to
 *     the display service and returns at once; only then is the "feedback"
 *     event sent. The screen says the result and, for a limit, the date the
 *     card is next eligible, nothing else about the card.
 *   - Help: `kioskctl help` (later the help button) opens the help screen;
 *     each opening counts once in the day's help_requests. Asking again while
 *     it is open keeps it open and counts nothing.
 *   - Content: the bundle is kept in the store; kioskd shows the stored one,
 *     or the built-in default (content_default.h) until it has one. An import
 *     is validated whole first: a bundle with any fault is refused and the
 *     one in use stays.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "content.h"
#include "content_default.h"
#include "display_service.h"
#include "kiosk.h"
#include "log.h"
#include "screens.h"
#include "sync_client.h"
#include "tz.h"

struct kiosk_display {
	struct display_service *service; /* NULL: backend none */
	struct display_service_config cfg;
	int64_t help_until_ms;           /* the help screen is open until then */
	char content_version[80];
	bool content_is_default;
	struct display_status seen;      /* what the watch stream was last told */
};

static void emit_event(struct kiosk *k, json_t *event)
{
	if (k->emit)
		k->emit(k->emit_ctx, event);
	json_decref(event);
}

/* The stored bundle, or the default. Never NULL unless out of memory. */
static struct content *load_content(struct kiosk *k, struct kiosk_display *kd)
{
	char err[256], version[80];
	struct content *c = NULL;
	char *json = NULL;
	size_t len = 0;
	if (k->store && store_content_get(k->store, &json, &len, version, sizeof(version)) != 0)
		log_error("content: cannot read the stored bundle: %s", store_error(k->store));
	if (json && content_parse(json, len, &c, err, sizeof(err)) != 0)
		log_error("content: the stored bundle %s no longer passes the checks (%s); showing "
			  "the built-in default", version, err);
	free(json);
	kd->content_is_default = c == NULL;
	if (!c && content_parse(content_default_json, strlen(content_default_json), &c, err,
				sizeof(err)) != 0)
		log_error("content: the built-in default is invalid: %s", err); /* a test catches this */
	snprintf(kd->content_version, sizeof(kd->content_version), "%s", c ? c->version : "");
	return c;
}

void kiosk_display_start(struct kiosk *k)
{
	struct kiosk_display *kd = k->display;
	if (!kd) {
		kd = calloc(1, sizeof(*kd));
		if (!kd) {
			log_error("display: out of memory; running without a screen");
			return;
		}
		k->display = kd;
	}
	display_service_config_from(&kd->cfg, &k->cfg);
	struct content *c = load_content(k, kd);
	if (strcmp(k->cfg.display.backend, "none") == 0) {
		content_free(c);
		return;
	}
	kd->service = display_service_start(&kd->cfg, c);
	if (kd->service)
		display_service_set_reader(kd->service, k->reader_state != READER_STATE_UNAVAILABLE);
}

void kiosk_display_stop(struct kiosk *k)
{
	if (!k->display)
		return;
	display_service_stop(k->display->service);
	free(k->display);
	k->display = NULL;
}

int kiosk_display_fd(const struct kiosk *k)
{
	return k->display && k->display->service ? display_service_fd(k->display->service) : -1;
}

bool kiosk_display_reload(struct kiosk *k)
{
	struct kiosk_display *kd = k->display;
	if (!kd)
		return false;
	struct display_service_config next;
	display_service_config_from(&next, &k->cfg);
	bool same_device = memcmp(&next.display, &kd->cfg.display, sizeof(next.display)) == 0 &&
			   strcmp(next.font_small, kd->cfg.font_small) == 0 &&
			   strcmp(next.font_large, kd->cfg.font_large) == 0;
	if (same_device && kd->service) {
		display_service_reconfigure(kd->service, &next);
		kd->cfg = next;
		return false;
	}
	if (same_device)
		return false; /* still "none" */
	/* Another backend, bus or font: start the display afresh. */
	log_info("reload: display settings changed; restarting the display");
	display_service_stop(kd->service);
	kd->service = NULL;
	memset(&kd->seen, 0, sizeof(kd->seen));
	kiosk_display_start(k);
	return true;
}

void kiosk_display_reader(struct kiosk *k, bool available)
{
	if (k->display && k->display->service)
		display_service_set_reader(k->display->service, available);
}

/* Stock and today's handouts for the staff screen (counts, no person). */
static void staff_figures(struct kiosk *k, struct screen_state *s)
{
	if (!k->store)
		return;
	char today[TZ_DATE_LEN + 1];
	struct clock_reading now;
	clock_read(&now);
	tz_local_date(k->cfg.timezone, now.wall, today);
	struct store_day day;
	if (store_stock(k->store, &s->stock) == 0 && store_day(k->store, today, &day) == 0)
		s->today_handouts = day.handouts;
	s->stock_low = s->stock <= (int64_t)k->cfg.stock.low_water;
	/* How the reports stand, from what the sync client reads from the store. */
	s->sync = SCREEN_SYNC_NONE;
	if (k->sync) {
		json_t *st = sync_client_status(k->sync, k, k->sync_why_not);
		if (json_is_string(json_object_get(st, "last_error")))
			s->sync = SCREEN_SYNC_FAILING;
		else if (json_integer_value(json_object_get(st, "pending_days")) > 0 ||
			 json_integer_value(json_object_get(st, "pending_card_events")) > 0)
			s->sync = SCREEN_SYNC_PENDING;
		else
			s->sync = SCREEN_SYNC_OK;
		json_decref(st);
	}
}

void kiosk_display_result(struct kiosk *k, const char *result, const struct policy_decision *d)
{
	struct kiosk_display *kd = k->display;
	if (!kd)
		return;
	kd->help_until_ms = 0; /* a tap replaces the help screen */
	if (!kd->service)
		return;
	struct screen_state s;
	memset(&s, 0, sizeof(s));
	s.kind = SCREEN_DENIED;
	if (strcmp(result, "grant") == 0) {
		s.kind = SCREEN_GRANTED;
	} else if (strcmp(result, "limit") == 0) {
		s.denial = DENIAL_LIMIT;
		s.next_eligible = d ? d->next_eligible : 0;
	} else if (strcmp(result, "revoked") == 0) {
		s.denial = DENIAL_REVOKED;
	} else if (strcmp(result, "not_issued") == 0) {
		s.denial = DENIAL_NOT_ISSUED;
	} else if (strcmp(result, "unusable_card") == 0) {
		s.denial = DENIAL_UNUSABLE_CARD;
	} else if (strcmp(result, "out_of_stock") == 0) {
		s.kind = SCREEN_OUT_OF_STOCK;
	} else if (strcmp(result, "staff") == 0 || strcmp(result, "restock") == 0 ||
		   strcmp(result, "recorded") == 0) {
		s.kind = SCREEN_STAFF;
		staff_figures(k, &s);
	} else if (strcmp(result, "out_of_service") == 0) {
		s.denial = DENIAL_OUT_OF_SERVICE;
	} else {
		s.denial = DENIAL_ERROR;
	}
	display_service_show(kd->service, &s, kd->cfg.result_seconds);
}

json_t *kiosk_help(struct kiosk *k, const char *actor)
{
	struct kiosk_display *kd = k->display;
	int64_t now = clock_monotonic_ms();
	unsigned seconds = kd ? kd->cfg.help_seconds : k->cfg.display.help_seconds;
	bool opening = !kd || now >= kd->help_until_ms;
	int64_t seq = 0;
	bool counted = false;
	if (opening) {
		if (!k->store && !kiosk_store_retry(k)) {
			log_warn("help: the store is unavailable; the help screen is shown but not "
				 "counted");
		} else {
			struct store_stamp stamp;
			store_stamp_now(&stamp, k->cfg.timezone);
			if (store_commit_help(k->store, &stamp, &seq) != 0)
				log_error("help: not counted: %s", store_error(k->store));
			else
				counted = true;
		}
		log_info("help screen opened (by %s)%s", actor, counted ? "" : "; not counted");
	}
	if (kd) {
		kd->help_until_ms = now + (int64_t)seconds * 1000;
		if (kd->service) {
			struct screen_state s;
			memset(&s, 0, sizeof(s));
			s.kind = SCREEN_HELP;
			display_service_show(kd->service, &s, seconds);
		}
	}
	emit_event(k, json_pack("{s:s, s:I, s:b, s:b}", "event", "help", "seq", (json_int_t)seq,
				"opened", opening, "counted", counted));
	return json_pack("{s:b, s:b, s:b, s:I, s:i}", "ok", 1, "opened", opening, "counted",
			 counted, "seq", (json_int_t)seq, "seconds", (int)seconds);
}


/* Reads a regular file of at most CONTENT_MAX_BYTES. Returns NULL with err set. */
static char *read_bundle(const char *path, size_t *len, char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO must not hang the event loop; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s (kioskd reads it as its own user)", path,
			 strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_size > CONTENT_MAX_BYTES) {
		snprintf(err, errlen, "%s is %lld bytes; a content bundle is at most %d", path,
			 (long long)st.st_size, CONTENT_MAX_BYTES);
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t used = 0;
	while (buf) {
		ssize_t n = read(fd, buf + used, (size_t)st.st_size + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "reading %s: %s", path, strerror(errno));
			free(buf);
			buf = NULL;
			break;
		}
		used += (size_t)n;
		if (n == 0 || used > (size_t)st.st_size)
			break;
	}
	close(fd);
	if (buf && used > (size_t)st.st_size) {
		snprintf(err, errlen, "%s grew while it was read", path);
		free(buf);
		return NULL;
	}
	if (!buf && !err[0])
		snprintf(err, errlen, "out of memory");
	*len = used;
	return buf;
}

json_t *kiosk_content_import(struct kiosk *k, const char *path, const char *actor)
{
	struct kiosk_display *kd = k->display;
	const char *current = kd && kd->content_version[0] ? kd->content_version : "none";
	if (path[0] != '/')
		return kiosk_command_error("\"path\" must be an absolute path");
	char err[320] = "";
	size_t len = 0;
	char *json = read_bundle(path, &len, err, sizeof(err));
	if (!json) {
		log_warn("content: import by %s refused: %s", actor, err);
		return kiosk_command_error("%s", err);
	}
	struct content *c = NULL;
	if (content_parse(json, len, &c, err, sizeof(err)) != 0) {
		free(json);
		log_warn("content: bundle from %s rejected (imported by %s): %s; version %s stays in "
			 "use", path, actor, err, current);
		return kiosk_command_error("content rejected: %s; version %s stays in use", err, current);
	}
	if (!k->store && !kiosk_store_retry(k)) {
		free(json);
		content_free(c);
		return kiosk_command_error("store unavailable: %s", k->store_error);
	}
	struct store_content_cards cards = {
		.issued = (const char(*)[33])c->issued_cards, .n_issued = c->n_issued_cards,
		.revoked = (const char(*)[33])c->revoked_cards, .n_revoked = c->n_revoked_cards,
	};
	struct clock_reading now;
	clock_read(&now);
	int rc = store_content_put(k->store, json, len, c->version, &cards, now.wall);
	free(json);
	if (rc != 0) {
		content_free(c);
		return kiosk_command_error("store: %s", store_error(k->store));
	}
	json_t *r = json_pack("{s:b, s:s, s:I, s:I, s:I, s:I}", "ok", 1, "version", c->version,
			      "hotlines", (json_int_t)c->n_hotlines, "windows",
			      (json_int_t)c->n_windows, "sessions", (json_int_t)c->n_sessions,
			      "sites", (json_int_t)c->n_sites);
	log_info("content: version %s imported by %s (%zu hotlines, %zu windows, %zu sessions, "
		 "%zu sites)", c->version, actor, c->n_hotlines, c->n_windows, c->n_sessions,
		 c->n_sites);
	emit_event(k, json_pack("{s:s, s:s}", "event", "content", "version", c->version));
	if (kd) {
		snprintf(kd->content_version, sizeof(kd->content_version), "%s", c->version);
		kd->content_is_default = false;
	}
	if (kd && kd->service)
		display_service_set_content(kd->service, c);
	else
		content_free(c);
	return r;
}

json_t *kiosk_display_status_json(struct kiosk *k)
{
	struct kiosk_display *kd = k->display;
	json_t *r = json_object();
	if (!kd || !kd->service) {
		json_object_set_new(r, "backend", json_string(k->cfg.display.backend));
		json_object_set_new(r, "state", json_string("off"));
	} else {
		struct display_status st;
		display_service_status(kd->service, &st);
		json_object_set_new(r, "backend", json_string(st.backend));
		json_object_set_new(r, "state",
				    json_string(st.ok ? "ok" : st.tried ? "failed" : "starting"));
		json_object_set_new(r, "detail", json_string(st.detail));
		json_object_set_new(r, "screen", json_string(st.screen));
		json_object_set_new(r, "dimmed", json_boolean(st.dimmed));
		json_object_set_new(r, "qr_problem", json_string(st.qr_problem));
	}
	json_object_set_new(r, "content_version",
			    json_string(kd ? kd->content_version : ""));
	json_object_set_new(r, "content_default", json_boolean(kd && kd->content_is_default));
	return r;
}

void kiosk_display_news(struct kiosk *k)
{
	struct kiosk_display *kd = k->display;
	if (!kd || !kd->service)
		return;
	struct display_status st;
	display_service_status(kd->service, &st);
	if (st.tried && (st.ok != kd->seen.ok || strcmp(st.detail, kd->seen.detail) != 0))
		emit_event(k, json_pack("{s:s, s:s, s:s, s:s}", "event", "display", "state",
					st.ok ? "ok" : "failed", "backend", st.backend, "detail",
					st.detail));
	if (st.ok && (strcmp(st.screen, kd->seen.screen) != 0 ||
		      st.shown_request != kd->seen.shown_request || st.dimmed != kd->seen.dimmed))
		emit_event(k, json_pack("{s:s, s:s, s:I, s:b}", "event", "screen", "screen",
					st.screen, "request", (json_int_t)st.shown_request,
					"dimmed", st.dimmed));
	kd->seen = st;
}
