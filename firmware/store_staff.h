/*
 * store_staff: staff cards and the staff log, in the kiosk's store (tables
 * staff_cards, schema 1, and staff_log, schema 4).
 *
 * A staff card is known by its card_id only, like every card. The staff log
 * records each card-management action with who did it: a staff card's
 * card_id ("staff card 3f2a...") or a local user ("uid 1000 (hanako)"),
 * never a recipient. Restocks are events with their actor (store.h).
 *
 * Every function returns 0 or -1 with store_error() set, and is one
 * transaction.
 */
#ifndef KIOSK_STORE_STAFF_H
#define KIOSK_STORE_STAFF_H

#include <stdbool.h>
#include <stdint.h>

#include "card_identity.h"
#include "store.h"

#define STORE_ACTOR_MAX 64

/* What the staff log records. */
struct store_staff_entry {
	int64_t id;
	int64_t at;
	char action[8]; /* enroll, remove, issue, revoke */
	char card_id[CARD_ID_HEX_LEN + 1];
	char actor[STORE_ACTOR_MAX];
};

/*
 * Enrolls card as a staff card and logs it. *added is false if it was one
 * already (nothing is logged then). log_id (may be NULL) gets the staff
 * log entry's id, 0 if none.
 */
int store_staff_enroll(struct store *store, const card_id_t *card, const char *actor, int64_t at,
		       bool *added, int64_t *log_id);

/* Removes a staff card and logs it. *removed is false if it was not one. */
int store_staff_remove(struct store *store, const card_id_t *card, const char *actor, int64_t at,
		       bool *removed);

/* Calls fn for every staff card, oldest enrolment first; fn returns non-zero to stop. */
int store_staff_each(struct store *store,
		     int (*fn)(void *ctx, const char *card_id, int64_t enrolled_at), void *ctx);

/* Logs an issue or revoke done through store_card_event() (action "issue"
 * or "revoke"); log_id (may be NULL) gets the entry's id. */
int store_staff_log(struct store *store, const char *action, const card_id_t *card,
		    const char *actor, int64_t at, int64_t *log_id);

/* The newest limit entries of the staff log, oldest first; with only_id > 0,
 * just that entry (none if there is no such entry). */
int store_staff_log_each(struct store *store, int64_t limit, int64_t only_id,
			 int (*fn)(void *ctx, const struct store_staff_entry *e), void *ctx);

#endif
