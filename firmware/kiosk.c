/*
 * kiosk: the tap path and the kiosk's state. See kiosk.h.
 */
#include "kiosk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "event_loop.h"
#include "kiosk_gpio.h"
#include "kiosk_staff.h"
#include "log.h"
#include "sync_client.h"
#include "tz.h"

static void rules_from_config(struct policy_rules *rules, const struct kiosk_config *cfg)
{
	rules->limit = cfg->policy.limit;
	rules->period = cfg->policy.period;
	rules->period_days = cfg->policy.period_days;
	rules->accept = cfg->policy.accept;
	rules->debounce_seconds = cfg->policy.debounce_seconds;
	rules->timezone = cfg->timezone;
}

void kiosk_init(struct kiosk *k, const struct kiosk_config *cfg, const struct card_key *key)
{
	memset(k, 0, sizeof(*k));
	k->cfg = *cfg;
	k->key = *key;
	rules_from_config(&k->rules, &k->cfg);
	k->reader_state = READER_STATE_STARTING;
	k->next_tap.timer = -1;
	snprintf(k->store_path, sizeof(k->store_path), "%s/kiosk.db", cfg->data_dir);
	kiosk_store_retry(k);
}

void kiosk_shutdown(struct kiosk *k)
{
	kiosk_display_stop(k);
	kiosk_gpio_stop(k);
	if (k->next_tap.timer >= 0 && k->loop)
		event_loop_remove_timer(k->loop, k->next_tap.timer);
	k->next_tap.timer = -1;
	store_close(k->store);
	k->store = NULL;
	explicit_bzero(&k->key, sizeof(k->key));
}

void kiosk_apply_config(struct kiosk *k, const struct kiosk_config *cfg)
{
	/* The data directory, the key and the control socket are fixed at start
	 * (kioskd.c warns when a reload asks to change them): keep the running
	 * values so that every later reload compares against what is in use. */
	struct kiosk_config fixed = k->cfg;
	k->cfg = *cfg;
	memcpy(k->cfg.data_dir, fixed.data_dir, sizeof(fixed.data_dir));
	memcpy(k->cfg.key_file, fixed.key_file, sizeof(fixed.key_file));
	k->cfg.control = fixed.control;
	rules_from_config(&k->rules, &k->cfg);
}

static struct kiosk *hook_kiosk; /* for the store's test hook, which takes no context */

/* Test-only: says where it is (a crash test reads this), then waits. */
static void pause_at(const char *point, unsigned us)
{
	if (!us)
		return;
	log_info("test pause: %s", point);
	usleep(us);
}

static void store_pause_hook(const char *point)
{
	if (hook_kiosk && strcmp(point, "in_transaction") == 0)
		pause_at(point, hook_kiosk->pauses.in_transaction_us);
}

void kiosk_set_test_pauses(struct kiosk *k, const struct kiosk_test_pauses *pauses)
{
	k->pauses = *pauses;
	hook_kiosk = k;
	if (k->store)
		store_set_test_hook(k->store, store_pause_hook);
}

bool kiosk_store_retry(struct kiosk *k)
{
	if (k->store)
		return true;
	char err[sizeof(k->store_error)];
	if (store_open(k->store_path, &k->store, err, sizeof(err)) != 0) {
		if (strcmp(err, k->store_error) != 0)
			log_error("store: %s; kiosk is out of service until it opens", err);
		snprintf(k->store_error, sizeof(k->store_error), "%s", err);
		return false;
	}
	if (k->store_error[0])
		log_info("store: %s is open again; kiosk back in service", k->store_path);
	k->store_error[0] = '\0';
	if (hook_kiosk == k)
		store_set_test_hook(k->store, store_pause_hook);
	return true;
}

void kiosk_format_time(const struct kiosk *k, int64_t t, char *out, size_t len)
{
	struct tm tm;
	tz_localtime(k->cfg.timezone, t, &tm);
	if (strftime(out, len, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0 && len > 0) {
		out[0] = '\0';
		return;
	}
	/* +0900 -> +09:00, as ISO 8601 and JSON readers expect */
	size_t n = strlen(out);
	if (n >= 5 && n + 2 <= len) {
		memmove(out + n - 1, out + n - 2, 3);
		out[n - 2] = ':';
	}
}

static void emit(struct kiosk *k, json_t *event)
{
	if (k->emit)
		k->emit(k->emit_ctx, event);
	json_decref(event);
}

/*
 * The one place the person is told the result. Called only once the result
 * is durable (a grant) or when nothing needs to be (a denial, a repeat).
 * The result screen is handed to the display first (that never waits: the
 * display has its own thread), so "feedback" means the screen is on its way;
 * the buzzer and LEDs start their pattern at the same moment (kiosk_gpio.c
 * plays it on timers: nothing here waits).
 */
static void kiosk_give_feedback(struct kiosk *k, int64_t seq, const char *result, bool repeat,
				const struct policy_decision *d)
{
	kiosk_display_result(k, result, d);
	kiosk_gpio_signal(k, result);
	json_t *ev = json_pack("{s:s, s:I, s:s, s:b}", "event", "feedback", "seq", (json_int_t)seq,
			       "result", result, "repeat", repeat);
	if (d && d->outcome == POLICY_DENY_LIMIT) {
		char when[40];
		kiosk_format_time(k, d->next_eligible, when, sizeof(when));
		json_object_set_new(ev, "next_eligible", json_string(when));
	}
	emit(k, ev);
}

static void emit_tap(struct kiosk *k, int64_t seq, const char *result, bool repeat, int64_t stock)
{
	json_t *ev = json_pack("{s:s, s:I, s:s, s:b}", "event", "tap", "seq", (json_int_t)seq,
			       "result", result, "repeat", repeat);
	if (stock >= 0)
		json_object_set_new(ev, "stock", json_integer(stock));
	emit(k, ev);
}

/* Returns true when the stock just crossed the low-water mark (the office
 * is then told at once, after the feedback). */
static bool note_stock(struct kiosk *k, int64_t before, int64_t after)
{
	int64_t low = k->cfg.stock.low_water;
	if (before > low && after <= low) {
		log_warn("stock is low: %lld sets left (low-water mark %lld)", (long long)after,
			 (long long)low);
		emit(k, json_pack("{s:s, s:I, s:b}", "event", "stock", "level", (json_int_t)after,
				  "low", 1));
		return true;
	}
	return false;
}

static void remember_tap(struct kiosk *k, const card_id_t *id, bool unusable, bool staff,
			 int64_t seq, const struct policy_decision *d)
{
	k->last_tap.valid = true;
	k->last_tap.id = *id;
	k->last_tap.unusable = unusable;
	k->last_tap.staff = staff;
	k->last_tap.present = true;
	k->last_tap.removed_ms = 0;
	k->last_seq = seq;
	k->last_decision = *d;
}

void kiosk_card_arrived(struct kiosk *k, struct nfc_card *card)
{
	int64_t now_ms = clock_monotonic_ms();
	card_id_t id;
	bool unusable;

	if (card_identity_from_card(&k->key, card, &id, &unusable) != 0) {
		log_error("tap: computing the card_id failed; tap ignored");
		emit_tap(k, 0, "error", false, -1);
		kiosk_give_feedback(k, 0, "error", false, NULL);
		return;
	}

	/* A staff command waiting for a card takes this one: no handout. */
	if (kiosk_next_tap_capture(k, &id, unusable)) {
		explicit_bzero(&id, sizeof(id));
		return;
	}

	/* The card held on the reader, or back within the window: one tap. */
	if (policy_same_tap(&k->rules, &k->last_tap, &id, unusable, now_ms)) {
		k->last_tap.present = true;
		const char *result = policy_outcome_name(k->last_decision.outcome);
		emit_tap(k, k->last_seq, result, true, -1);
		kiosk_give_feedback(k, k->last_seq, result, true, &k->last_decision);
		return;
	}

	if (!k->store && !kiosk_store_retry(k)) {
		log_warn("tap: out of service (store unavailable); nothing handed out");
		k->last_tap.valid = false;
		emit_tap(k, 0, "out_of_service", false, -1);
		kiosk_give_feedback(k, 0, "out_of_service", false, NULL);
		return;
	}

	struct store_stamp stamp;
	store_stamp_now(&stamp, k->cfg.timezone);

	struct policy_input in = {.now = stamp.wall};
	struct policy_handout *history = NULL;
	in.card.unusable = unusable;
	if (!unusable) {
		size_t n = 0;
		if (store_card_flags(k->store, &id, &in.card) != 0 ||
		    store_card_handouts(k->store, &id, &stamp, &history, &n) != 0) {
			log_error("tap: %s; nothing handed out", store_error(k->store));
			emit_tap(k, 0, "error", false, -1);
			kiosk_give_feedback(k, 0, "error", false, NULL);
			return;
		}
		in.handouts = history;
		in.n_handouts = n;
	}
	if (store_stock(k->store, &in.stock) != 0) {
		free(history);
		log_error("tap: %s; nothing handed out", store_error(k->store));
		emit_tap(k, 0, "error", false, -1);
		kiosk_give_feedback(k, 0, "error", false, NULL);
		return;
	}

	struct policy_decision d = policy_decide(&k->rules, &in);
	free(history);
	int64_t seq = 0, stock_after = in.stock;
	bool low_crossed = false;
	const char *staff_result = NULL;
	if (d.outcome != POLICY_STAFF)
		k->staff_screen_until_ms = 0; /* a recipient's tap closes the staff screen */

	if (d.outcome == POLICY_GRANT && d.repeat) {
		/* The same tap as a handout already logged (e.g. before a restart). */
		seq = d.repeat_seq;
	} else if (d.outcome == POLICY_GRANT) {
		pause_at("before_commit", k->pauses.before_commit_us);
		if (store_commit_handout(k->store, &id, &stamp, &seq, &stock_after) != 0) {
			log_error("tap: handout not committed: %s; nothing handed out",
				  store_error(k->store));
			emit_tap(k, 0, "error", false, -1);
			kiosk_give_feedback(k, 0, "error", false, NULL);
			return;
		}
		pause_at("after_commit", k->pauses.after_commit_us);
		low_crossed = note_stock(k, in.stock, stock_after);
	} else if (d.outcome == POLICY_STAFF) {
		staff_result = kiosk_staff_tap(k, &id, &stamp, &seq, &stock_after);
	} else {
		if (store_commit_denial(k->store, d.outcome, &stamp, &seq) != 0)
			log_error("tap: denial (%s) not logged: %s", policy_outcome_name(d.outcome),
				  store_error(k->store));
	}

	const char *result = staff_result ? staff_result : policy_outcome_name(d.outcome);
	log_info("tap %lld: %s%s", (long long)seq, result, d.repeat ? " (same tap again)" : "");
	remember_tap(k, &id, unusable, d.outcome == POLICY_STAFF, seq, &d);
	emit_tap(k, seq, result, d.repeat, stock_after);
	kiosk_give_feedback(k, seq, result, d.repeat, &d);
	explicit_bzero(&id, sizeof(id));
	/* The set is released only now: the handout was committed before. */
	if (d.outcome == POLICY_GRANT && !d.repeat)
		kiosk_gpio_dispense(k, seq);
	/* After the feedback: the office hears of it soon, and nothing here
	 * waits for that (it arms a timer); a low stock it hears of at once. */
	if (low_crossed)
		sync_client_now(k->sync);
	else if (seq > 0 && !d.repeat)
		sync_client_changed(k->sync);
}

void kiosk_card_removed(struct kiosk *k)
{
	if (k->last_tap.valid && k->last_tap.present) {
		k->last_tap.present = false;
		k->last_tap.removed_ms = clock_monotonic_ms();
	}
}

void kiosk_reader_changed(struct kiosk *k, enum reader_state state, const char *detail)
{
	if (state == k->reader_state && strcmp(detail, k->reader_detail) == 0)
		return;
	k->reader_state = state;
	snprintf(k->reader_detail, sizeof(k->reader_detail), "%s", detail);
	if (state == READER_STATE_OK)
		log_info("reader: ready");
	else
		log_warn("reader unavailable: %s", detail);
	/* A card on a reader that went away is gone too. */
	kiosk_card_removed(k);
	kiosk_display_reader(k, state == READER_STATE_OK);
	kiosk_gpio_refresh(k);
	emit(k, json_pack("{s:s, s:s, s:s}", "event", "reader", "state",
			  state == READER_STATE_OK ? "ok" : "unavailable", "detail", detail));
}

void kiosk_maintenance(struct kiosk *k)
{
	if (!k->store && !kiosk_store_retry(k))
		return;
	/* A clock that is not synchronized may be far ahead: pruning by it could
	 * delete history that still matters. Wait for a good clock. */
	if (!clock_synchronized())
		return;
	struct store_stamp now;
	store_stamp_now(&now, k->cfg.timezone);
	int64_t keep = policy_history_seconds(&k->rules) +
		       (int64_t)k->cfg.policy.retain_margin_days * 86400;
	int64_t deleted = 0;
	if (store_prune_card_history(k->store, &now, keep, &deleted) != 0)
		log_error("store: %s", store_error(k->store));
	else if (deleted > 0)
		log_info("store: pruned %lld card-level rows that can no longer affect the policy",
			 (long long)deleted);
}
