/*
 * kiosk: the kiosk's state and its tap path.
 *
 * The tap path reads top to bottom, with no calls back up:
 *
 *   reader event -> card identity (keyed card_id; the UID is wiped)
 *                -> debounce (the same tap again shows the same result)
 *                -> policy (pure) -> store (durable commit)
 *                -> feedback (only after the commit returned)
 *
 * Feedback is the result screen handed to the display (kiosk_display.c),
 * then a "feedback" event on the control socket's watch stream and a log
 * line, all at one point (kiosk_give_feedback) and nowhere else; the
 * buzzer and LEDs start their pattern there too (kiosk_gpio.h). A granted
 * set is released by the dispenser only after the feedback, and so after
 * the commit.
 *
 * Before the policy, a staff command waiting for the next tap may take the
 * card (kiosk_staff.h); a staff card opens the staff screen or restocks.
 *
 * If the store cannot be opened (locked, corrupt, from a newer kioskd) the
 * kiosk runs "out of service": taps are answered as such and nothing is
 * handed out, the control socket still answers, and the store is retried.
 */
#ifndef KIOSK_KIOSK_H
#define KIOSK_KIOSK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "card_identity.h"
#include "config.h"
#include "policy.h"
#include "store.h"

#define KIOSK_VERSION "0.1.0"

enum reader_state {
	READER_STATE_STARTING,
	READER_STATE_OK,
	READER_STATE_UNAVAILABLE,
};

/* Where the kiosk's events go (the control socket's watchers). Takes a reference. */
typedef void (*kiosk_emit_fn)(void *ctx, json_t *event);

struct kiosk_display; /* kiosk_display.c: the screen and the content bundle */
struct kiosk_gpio;    /* kiosk_gpio.c: buzzer, LEDs, help button, dispenser */
struct event_loop;

/* A staff command waiting for the next tap (kiosk_staff.c). */
enum next_tap_action {
	NEXT_TAP_NONE,
	NEXT_TAP_ENROLL, /* kioskctl staff enroll */
	NEXT_TAP_ISSUE,  /* kioskctl card issue */
	NEXT_TAP_REVOKE, /* kioskctl card revoke */
};

struct kiosk_next_tap {
	enum next_tap_action action;
	int64_t id;          /* the request's number, in its answer and its "next_tap" event */
	int64_t deadline_ms; /* monotonic */
	char actor[64];      /* who asked */
	int timer;           /* timerfd on the loop; -1 until first needed */
	int64_t log_id;      /* the staff log entry the captured card made (0: none) */
	int64_t last_id;
};

/* Test-only pauses on the tap path, in microseconds (KIOSKD_TEST_PAUSE). */
struct kiosk_test_pauses {
	unsigned before_commit_us;
	unsigned in_transaction_us;
	unsigned after_commit_us;
};

struct kiosk {
	struct kiosk_config cfg;
	struct card_key key;
	struct policy_rules rules;
	struct store *store; /* NULL: out of service */
	char store_path[CONFIG_PATH_MAX + 16];
	char store_error[320];

	struct policy_last_tap last_tap;
	int64_t last_seq;                    /* the last tap's event (0: none logged) */
	struct policy_decision last_decision;

	enum reader_state reader_state;
	char reader_detail[160];

	kiosk_emit_fn emit;
	void *emit_ctx;
	struct kiosk_test_pauses pauses;

	struct kiosk_display *display; /* NULL until kiosk_display_start() */
	struct kiosk_gpio *gpio;       /* NULL: no [gpio] lines configured */
	struct event_loop *loop;       /* kioskd's loop (for timers); NULL in unit tests */

	struct kiosk_next_tap next_tap;
	int64_t staff_screen_until_ms; /* a staff tap before this restocks (monotonic) */

	/* The office (sync/sync_client.h): NULL when no office is configured or
	 * the client could not start; sync_why_not then says why. */
	struct sync_client *sync;
	char sync_why_not[256];
};

/*
 * Sets up the kiosk from a validated config and a loaded key, and tries to
 * open the store (a failure leaves it out of service and is logged).
 */
void kiosk_init(struct kiosk *k, const struct kiosk_config *cfg, const struct card_key *key);
void kiosk_shutdown(struct kiosk *k);

/* Test-only: pauses on the tap path so a crash test's kills land inside it. */
void kiosk_set_test_pauses(struct kiosk *k, const struct kiosk_test_pauses *pauses);

/* Retries the store if it is not open. Returns true if it is open now. */
bool kiosk_store_retry(struct kiosk *k);

/* Applies a reloaded config (policy, stock, site, language, log level). */
void kiosk_apply_config(struct kiosk *k, const struct kiosk_config *cfg);

/* The tap path. The UID in *card is wiped before this returns. */
void kiosk_card_arrived(struct kiosk *k, struct nfc_card *card);
void kiosk_card_removed(struct kiosk *k);
void kiosk_reader_changed(struct kiosk *k, enum reader_state state, const char *detail);

/* Housekeeping: prunes card-level history that can no longer matter. */
void kiosk_maintenance(struct kiosk *k);

/*
 * Control commands. request is one parsed JSON object; actor describes the
 * peer ("uid 1000 (hanako)") for the staff-action log. Returns a new
 * response object ({"ok": true, ...} or {"ok": false, "error": "..."}).
 * "watch" is handled by the control socket itself.
 */
json_t *kiosk_command(struct kiosk *k, json_t *request, const char *actor);
/* A refused command's answer, {"ok": false, "error": MESSAGE}, for the
 * command handlers in kiosk_*.c. */
json_t *kiosk_command_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The screen and the content bundle (kiosk_display.c). kiosk_display_start()
 * loads the bundle (the stored one, else the built-in default) and starts
 * the display service unless [display] backend is none; kiosk_display_fd()
 * is readable when the display has news, which kiosk_display_news() turns
 * into watch events ("display", "screen"). kiosk_display_reload() applies a
 * reloaded config (returns true if the display was restarted).
 */
void kiosk_display_start(struct kiosk *k);
void kiosk_display_stop(struct kiosk *k);
bool kiosk_display_reload(struct kiosk *k);
int kiosk_display_fd(const struct kiosk *k);
void kiosk_display_news(struct kiosk *k);
void kiosk_display_reader(struct kiosk *k, bool available);
/* Hands the screen for a tap's result to the display (called by the tap
 * path's feedback, and nowhere else). d may be NULL. */
void kiosk_display_result(struct kiosk *k, const char *result, const struct policy_decision *d);
/* Control commands: open the help screen; import a content bundle file. */
json_t *kiosk_help(struct kiosk *k, const char *actor);
json_t *kiosk_content_import(struct kiosk *k, const char *path, const char *actor);
/* The "display" member of the status answer. */
json_t *kiosk_display_status_json(struct kiosk *k);

/* "2026-11-29T14:05:00+09:00" in the kiosk's zone. */
void kiosk_format_time(const struct kiosk *k, int64_t t, char *out, size_t len);

#endif
