/*
 * policy: may this card take a set now? A pure function of its inputs: no
 * I/O, no clock, no globals, so it is tested with plain values.
 *
 * The order of the checks, and why:
 *   1. a card with a random UID: unusable (it can be neither recognised nor
 *      limited, so it is told so rather than silently treated as new);
 *   2. a staff card: the staff screen, never a handout;
 *   3. a revoked card; 4. a card not issued when only issued cards are taken;
 *   5. the same tap again (the card's last handout is within the debounce
 *      window): the grant is shown again and nothing is committed;
 *   6. the limit: deny, with the moment the card is next eligible;
 *   7. out of stock (after the limit, so a card over its limit hears when it
 *      can come back rather than that the box is empty);
 *   8. grant.
 *
 * Time and clock jumps. Each past handout carries its wall-clock time and,
 * when it was made in this boot, its age measured on CLOCK_BOOTTIME. The
 * effective time of a handout is now - age when the age is known (no
 * wall-clock jump, forwards or back, can then move it), otherwise
 * min(at, now): a handout stamped in the future by a clock that was wrong
 * when it was made counts as made now, so a wrong clock can lock a card out
 * for at most one ordinary period, never until some far-off date. (The
 * store re-stamps such a row to the moment it is first seen, so that the
 * date a denial promises holds; see store_card_handouts().)
 *
 * Only a handout timed on this boot's clock, and not re-stamped, can make a
 * tap "the same tap again": the repeat rule is for a kiosk that restarted
 * seconds after a handout, not for guesses about a wrong clock.
 */
#ifndef KIOSK_POLICY_H
#define KIOSK_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card_identity.h"
#include "config.h"

enum policy_outcome {
	POLICY_GRANT = 0,
	POLICY_DENY_LIMIT,
	POLICY_DENY_REVOKED,
	POLICY_DENY_NOT_ISSUED,
	POLICY_DENY_OUT_OF_STOCK,
	POLICY_DENY_UNUSABLE_CARD,
	POLICY_STAFF,
};

struct policy_rules {
	unsigned limit;            /* sets per period; 0 = unlimited */
	enum policy_period period; /* rolling window or calendar month */
	unsigned period_days;      /* rolling window length */
	enum accept_mode accept;
	unsigned debounce_seconds;
	const char *timezone; /* for calendar months */
};

struct policy_handout {
	int64_t at;     /* wall clock when it was made, Unix seconds */
	int64_t age;    /* seconds since, on this boot's CLOCK_BOOTTIME; -1 if another boot */
	bool restamped; /* its stamp was in the future and was set to when that was seen */
	int64_t seq;    /* the store's event number; not used by the policy, handed back */
};

struct policy_card {
	bool unusable; /* random UID */
	bool staff;
	bool revoked;
	bool issued;
};

struct policy_input {
	int64_t now; /* wall clock, Unix seconds */
	struct policy_card card;
	const struct policy_handout *handouts; /* the card's retained handouts, any order */
	size_t n_handouts;
	int64_t stock; /* sets in the kiosk */
};

struct policy_decision {
	enum policy_outcome outcome;
	int64_t next_eligible; /* POLICY_DENY_LIMIT: Unix time the card may take one again */
	bool repeat;           /* POLICY_GRANT: the same tap as the last handout; commit nothing */
	int64_t repeat_seq;    /* ... and that handout's seq */
};

struct policy_decision policy_decide(const struct policy_rules *rules, const struct policy_input *in);

/* Effective time of a past handout (see above). */
int64_t policy_effective_time(const struct policy_handout *h, int64_t now);

/*
 * How far back card-level history can still change a decision, in seconds:
 * rows older than this plus the configured margin may be pruned.
 */
int64_t policy_history_seconds(const struct policy_rules *rules);

/*
 * In-process debounce: the reader saw card `id` arrive at now_ms (monotonic).
 * Is it the same tap as the last one (the card still on the reader, or back
 * within the debounce window)? A staff card lifted and tapped again is a new
 * tap, so staff taps are never merged.
 */
struct policy_last_tap {
	bool valid;
	card_id_t id;        /* empty for an unusable card */
	bool unusable;
	bool staff;
	bool present;        /* still on the reader */
	int64_t removed_ms;  /* monotonic ms when it left */
};
bool policy_same_tap(const struct policy_rules *rules, const struct policy_last_tap *last,
		     const card_id_t *id, bool unusable, int64_t now_ms);

/* "grant", "limit", "revoked", "not_issued", "out_of_stock", "unusable_card", "staff" */
const char *policy_outcome_name(enum policy_outcome outcome);

#endif
