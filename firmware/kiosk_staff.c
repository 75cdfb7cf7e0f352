/*
 * kiosk_staff: see kiosk_staff.h.
 */
#include "kiosk_staff.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>

#include "clock.h"
#include "event_loop.h"
#include "kiosk_gpio.h"
#include "log.h"
#include "store_staff.h"
#include "store_sync.h"
#include "sync_client.h"

#define STAFF_LOG_MAX 1000


static void emit(struct kiosk *k, json_t *event)
{
	if (k->emit)
		k->emit(k->emit_ctx, event);
	json_decref(event);
}

static json_t *need_store(struct kiosk *k)
{
	if (k->store || kiosk_store_retry(k))
		return NULL;
	return kiosk_command_error("store unavailable: %s", k->store_error);
}

static bool parse_card_id(json_t *req, card_id_t *out, json_t **err)
{
	json_t *v = json_object_get(req, "card_id");
	const char *id = json_string_value(v);
	if (!id || strlen(id) != CARD_ID_HEX_LEN ||
	    strspn(id, "0123456789abcdef") != CARD_ID_HEX_LEN) {
		*err = kiosk_command_error("\"card_id\" must be a card_id: 32 lowercase hex digits");
		return false;
	}
	memcpy(out->hex, id, CARD_ID_HEX_LEN + 1);
	return true;
}

static const char *action_name(enum next_tap_action a)
{
	switch (a) {
	case NEXT_TAP_NONE:
		return "none";
	case NEXT_TAP_ENROLL:
		return "enroll";
	case NEXT_TAP_ISSUE:
		return "issue";
	case NEXT_TAP_REVOKE:
		return "revoke";
	}
	return "?";
}

/* ---- next-tap commands ---- */

static void next_tap_end(struct kiosk *k, const char *result, bool ok, const char *message)
{
	struct kiosk_next_tap *n = &k->next_tap;
	/* No card identity on the watch stream: the staff log entry's id says
	 * where the card_id is (kioskctl fetches it with "staff log"). */
	json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:b, s:s}", "event", "next_tap", "id",
			       (json_int_t)n->id, "action", action_name(n->action), "result", result,
			       "ok", ok, "message", message);
	if (n->log_id > 0)
		json_object_set_new(ev, "log_id", json_integer(n->log_id));
	emit(k, ev);
	n->log_id = 0;
	n->action = NEXT_TAP_NONE;
	if (n->timer >= 0) {
		struct itimerspec off;
		memset(&off, 0, sizeof(off));
		timerfd_settime(n->timer, 0, &off, NULL);
	}
}

static void on_next_tap_timeout(struct event_loop *loop, void *arg)
{
	(void)loop;
	struct kiosk *k = arg;
	struct kiosk_next_tap *n = &k->next_tap;
	if (n->action == NEXT_TAP_NONE || clock_monotonic_ms() < n->deadline_ms)
		return;
	char msg[160];
	snprintf(msg, sizeof(msg), "no card was tapped in time; nothing was %s",
		 n->action == NEXT_TAP_ENROLL ? "enrolled"
		 : n->action == NEXT_TAP_ISSUE ? "issued"
					       : "revoked");
	log_info("staff: %s (asked by %s) timed out", action_name(n->action), n->actor);
	next_tap_end(k, "timeout", false, msg);
}

json_t *kiosk_next_tap_start(struct kiosk *k, enum next_tap_action action, json_t *req,
			     const char *actor)
{
	struct kiosk_next_tap *n = &k->next_tap;
	json_t *err = need_store(k);
	if (err)
		return err;
	json_t *t = json_object_get(req, "timeout");
	json_int_t seconds = NEXT_TAP_DEFAULT_SECONDS;
	if (t) {
		if (!json_is_integer(t) || json_integer_value(t) < 1 ||
		    json_integer_value(t) > NEXT_TAP_MAX_SECONDS)
			return kiosk_command_error("\"timeout\" must be a whole number of seconds from 1 to %d",
					      NEXT_TAP_MAX_SECONDS);
		seconds = json_integer_value(t);
	}
	int64_t now = clock_monotonic_ms();
	if (n->action != NEXT_TAP_NONE && now < n->deadline_ms)
		return kiosk_command_error("another staff command (%s, asked by %s) is waiting for a tap "
				      "for %lld s more; try again then",
				      action_name(n->action), n->actor,
				      (long long)((n->deadline_ms - now + 999) / 1000));
	if (!k->loop)
		return kiosk_command_error("no event loop: next-tap commands need kioskd");
	if (n->timer < 0) {
		n->timer = event_loop_add_timer(k->loop, seconds * 1000, 0, on_next_tap_timeout, k);
		if (n->timer < 0)
			return kiosk_command_error("cannot start a timer: %s", strerror(errno));
	} else {
		struct itimerspec spec;
		memset(&spec, 0, sizeof(spec));
		spec.it_value.tv_sec = (time_t)seconds;
		timerfd_settime(n->timer, 0, &spec, NULL);
	}
	n->action = action;
	n->id = ++n->last_id;
	n->deadline_ms = now + seconds * 1000;
	snprintf(n->actor, sizeof(n->actor), "%s", actor);
	log_info("staff: %s by %s: waiting %lld s for a card", action_name(action), actor,
		 (long long)seconds);
	return json_pack("{s:b, s:b, s:I, s:s, s:I}", "ok", 1, "waiting", 1, "id", (json_int_t)n->id,
			 "action", action_name(action), "timeout", (json_int_t)seconds);
}

/* Records the captured card; returns the result name, and a message. */
static const char *record_captured(struct kiosk *k, const card_id_t *id, bool *ok, char *msg,
				   size_t len)
{
	struct kiosk_next_tap *n = &k->next_tap;
	struct policy_card flags;
	struct clock_reading now;
	clock_read(&now);
	*ok = false;
	if (store_card_flags(k->store, id, &flags) != 0) {
		snprintf(msg, len, "store: %s; nothing recorded", store_error(k->store));
		return "error";
	}
	if (n->action == NEXT_TAP_ENROLL) {
		bool added = false;
		if (store_staff_enroll(k->store, id, n->actor, now.wall, &added, &n->log_id) != 0) {
			snprintf(msg, len, "store: %s; nothing recorded", store_error(k->store));
			return "error";
		}
		*ok = true;
		if (!added) {
			snprintf(msg, len, "that card is a staff card already");
			return "already_staff";
		}
		/* A staff card's card_id may be logged: it is staff, never a recipient. */
		log_info("staff: card %s enrolled as a staff card by %s", id->hex, n->actor);
		snprintf(msg, len, "staff card enrolled");
		return "enrolled";
	}
	bool issue = n->action == NEXT_TAP_ISSUE;
	if (flags.staff) {
		snprintf(msg, len, "that is a staff card; it was not %s (remove it from the staff "
			 "cards first if it should be a recipient's card: kioskctl staff list, "
			 "kioskctl staff remove CARD_ID)", issue ? "issued" : "revoked");
		return "staff_card";
	}
	if (store_card_event(k->store, id, issue ? "issued" : "revoked", now.wall) != 0 ||
	    store_staff_log(k->store, issue ? "issue" : "revoke", id, n->actor, now.wall,
			    &n->log_id) != 0) {
		snprintf(msg, len, "store: %s", store_error(k->store));
		return "error";
	}
	*ok = true;
	/* A recipient's card_id stays out of the daemon's log: the staff log has it. */
	log_info("a card was %s by %s (staff log entry %lld)", issue ? "issued" : "revoked",
		 n->actor, (long long)n->log_id);
	snprintf(msg, len, "card %s", issue ? "issued" : "revoked");
	sync_client_changed(k->sync);
	return issue ? "issued" : "revoked";
}

bool kiosk_next_tap_capture(struct kiosk *k, const card_id_t *id, bool unusable)
{
	struct kiosk_next_tap *n = &k->next_tap;
	if (n->action == NEXT_TAP_NONE)
		return false;
	if (clock_monotonic_ms() >= n->deadline_ms) {
		on_next_tap_timeout(k->loop, k); /* the timer has not run yet: end it now */
		return false;
	}
	char msg[200];
	const char *result;
	bool ok = false;
	if (unusable) {
		result = "unusable_card";
		snprintf(msg, sizeof(msg), "this card shows a new random UID at every tap (a phone or "
			 "a privacy card): it cannot be recognised, so it cannot be %s",
			 n->action == NEXT_TAP_ENROLL ? "a staff card"
			 : n->action == NEXT_TAP_ISSUE ? "issued"
						       : "revoked");
	} else if (!k->store && !kiosk_store_retry(k)) {
		result = "error";
		snprintf(msg, sizeof(msg), "store unavailable: %.120s; nothing recorded", k->store_error);
	} else {
		result = record_captured(k, id, &ok, msg, sizeof(msg));
	}
	if (!ok)
		log_warn("staff: %s (asked by %s): %s", action_name(n->action), n->actor, msg);
	/* The card in front is staff business, not a recipient's tap. */
	k->last_tap.valid = false;
	emit(k, json_pack("{s:s, s:I, s:s, s:b}", "event", "feedback", "seq", (json_int_t)0,
			  "result", ok ? "recorded" : "error", "repeat", 0));
	kiosk_display_result(k, ok ? "recorded" : "error", NULL);
	kiosk_gpio_signal(k, ok ? "recorded" : "error");
	next_tap_end(k, result, ok, msg);
	return true;
}

/* ---- staff taps ---- */

const char *kiosk_staff_tap(struct kiosk *k, const card_id_t *id, const struct store_stamp *stamp,
			    int64_t *seq, int64_t *stock_after)
{
	int64_t now = clock_monotonic_ms();
	bool open = now < k->staff_screen_until_ms;
	unsigned screen_ms = k->cfg.display.result_seconds * 1000u;
	k->staff_screen_until_ms = now + screen_ms;
	if (!open) {
		log_info("staff: staff card %s opened the staff screen", id->hex);
		return "staff";
	}
	char actor[64];
	snprintf(actor, sizeof(actor), "staff card %s", id->hex);
	unsigned sets = k->cfg.stock.pack_count;
	if (store_restock(k->store, sets, actor, stamp, seq, stock_after) != 0) {
		log_error("staff: restock by %s failed: %s", actor, store_error(k->store));
		return "error";
	}
	log_info("restock: %u sets (one pack) added by %s; stock now %lld", sets, actor,
		 (long long)*stock_after);
	emit(k, json_pack("{s:s, s:I, s:I, s:I}", "event", "restock", "seq", (json_int_t)*seq, "sets",
			  (json_int_t)sets, "stock", (json_int_t)*stock_after));
	sync_client_changed(k->sync);
	return "restock";
}

/* ---- the "staff" command ---- */

static int add_staff_card(void *ctx, const char *card_id, int64_t enrolled_at)
{
	json_t *arr = ctx;
	json_array_append_new(arr, json_pack("{s:s, s:I}", "card_id", card_id, "enrolled_at",
					     (json_int_t)enrolled_at));
	return 0;
}

struct log_ctx {
	struct kiosk *k;
	json_t *entries;
};

static int add_log_entry(void *arg, const struct store_staff_entry *e)
{
	struct log_ctx *ctx = arg;
	char at[40];
	kiosk_format_time(ctx->k, e->at, at, sizeof(at));
	json_array_append_new(ctx->entries, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
						      (json_int_t)e->id, "at", at, "action",
						      e->action, "card_id", e->card_id, "actor",
						      e->actor));
	return 0;
}

json_t *kiosk_staff_command(struct kiosk *k, json_t *req, const char *actor)
{
	json_t *err = need_store(k);
	if (err)
		return err;
	const char *action = json_string_value(json_object_get(req, "action"));
	if (!action)
		return kiosk_command_error("\"action\" must be \"enroll\", \"list\", \"remove\" or \"log\"");
	if (strcmp(action, "enroll") == 0)
		return kiosk_next_tap_start(k, NEXT_TAP_ENROLL, req, actor);
	if (strcmp(action, "list") == 0) {
		json_t *cards = json_array();
		if (store_staff_each(k->store, add_staff_card, cards) != 0) {
			json_decref(cards);
			return kiosk_command_error("store: %s", store_error(k->store));
		}
		return json_pack("{s:b, s:o}", "ok", 1, "cards", cards);
	}
	if (strcmp(action, "remove") == 0) {
		card_id_t card;
		if (!parse_card_id(req, &card, &err))
			return err;
		struct clock_reading now;
		clock_read(&now);
		bool removed = false;
		if (store_staff_remove(k->store, &card, actor, now.wall, &removed) != 0)
			return kiosk_command_error("store: %s", store_error(k->store));
		if (!removed)
			return kiosk_command_error("%s is not a staff card (kioskctl staff list shows them)",
					      card.hex);
		log_info("staff: staff card %s removed by %s", card.hex, actor);
		return json_pack("{s:b, s:s}", "ok", 1, "removed", card.hex);
	}
	if (strcmp(action, "log") == 0) {
		json_t *l = json_object_get(req, "limit");
		json_t *only = json_object_get(req, "id");
		json_int_t limit = 100, only_id = 0;
		if (only) {
			if (!json_is_integer(only) || json_integer_value(only) < 1)
				return kiosk_command_error("\"id\" must be a staff log entry's id (1 or more)");
			only_id = json_integer_value(only);
		}
		if (l) {
			if (!json_is_integer(l) || json_integer_value(l) < 1 ||
			    json_integer_value(l) > STAFF_LOG_MAX)
				return kiosk_command_error("\"limit\" must be a whole number from 1 to %d",
						      STAFF_LOG_MAX);
			limit = json_integer_value(l);
		}
		struct log_ctx ctx = {k, json_array()};
		if (store_staff_log_each(k->store, limit, only_id, add_log_entry, &ctx) != 0) {
			json_decref(ctx.entries);
			return kiosk_command_error("store: %s", store_error(k->store));
		}
		return json_pack("{s:b, s:o}", "ok", 1, "entries", ctx.entries);
	}
	return kiosk_command_error("\"action\" must be \"enroll\", \"list\", \"remove\" or \"log\"");
}

static int count_card(void *ctx, const char *card_id, int64_t enrolled_at)
{
	(void)card_id;
	(void)enrolled_at;
	(*(int64_t *)ctx)++;
	return 0;
}

json_t *kiosk_staff_status_json(struct kiosk *k)
{
	int64_t cards = 0;
	if (k->store)
		store_staff_each(k->store, count_card, &cards);
	json_t *r = json_pack("{s:I}", "cards", (json_int_t)cards);
	int64_t now = clock_monotonic_ms();
	if (k->next_tap.action != NEXT_TAP_NONE && now < k->next_tap.deadline_ms)
		json_object_set_new(r, "waiting",
				    json_pack("{s:s, s:s, s:I}", "action",
					      action_name(k->next_tap.action), "actor",
					      k->next_tap.actor, "seconds_left",
					      (json_int_t)((k->next_tap.deadline_ms - now + 999) / 1000)));
	return r;
}
