/*
 * kiosk_staff: what staff do at the kiosk itself.
 *
 * - Staff cards: `kioskctl staff enroll` records the next tapped card as a
 *   staff card; `staff list` and `staff remove CARD_ID` manage them; `staff
 *   log` shows who did what. A staff tap opens the staff screen (stock,
 *   today's count, sync state); another staff tap while it is open restocks
 *   one pack ([stock] pack_count sets), logged with the staff card's card_id
 *   as the actor.
 * - Next-tap commands: `staff enroll`, and `card issue` / `card revoke`
 *   without a card_id, take the next tapped card instead of treating it as a
 *   recipient's tap (nothing is handed out). One such command waits at a
 *   time, for at most its timeout; its end (recorded, refused, or timed out)
 *   is a "next_tap" event on the watch stream, which kioskctl waits for.
 *
 * Every staff action is logged with who did it: a staff card's card_id or
 * the local user the control socket saw; never a recipient's identity.
 */
#ifndef KIOSK_KIOSK_STAFF_H
#define KIOSK_KIOSK_STAFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "kiosk.h"

#define NEXT_TAP_DEFAULT_SECONDS 30
#define NEXT_TAP_MAX_SECONDS 600

/* The "staff" control command ({"cmd": "staff", "action": "enroll|list|remove|log", ...}). */
json_t *kiosk_staff_command(struct kiosk *k, json_t *req, const char *actor);

/*
 * Starts waiting for the next tap for action (issue or revoke come from
 * the "card" command without a card_id). Returns the answer.
 */
json_t *kiosk_next_tap_start(struct kiosk *k, enum next_tap_action action, json_t *req,
			     const char *actor);

/*
 * The tap path asks first: is a staff command waiting for this card? If so
 * the card is handled here (recorded or refused, with feedback) and true is
 * returned; the tap path then stops.
 */
bool kiosk_next_tap_capture(struct kiosk *k, const card_id_t *id, bool unusable);

/*
 * A staff card was tapped (the policy said POLICY_STAFF). Opens the staff
 * screen, or restocks one pack if it is open already. Returns the result
 * for the feedback: "staff", "restock" or "error"; *seq and *stock_after
 * are set on a restock.
 */
const char *kiosk_staff_tap(struct kiosk *k, const card_id_t *id, const struct store_stamp *stamp,
			    int64_t *seq, int64_t *stock_after);

/* The "staff" member of the status answer. */
json_t *kiosk_staff_status_json(struct kiosk *k);

#endif
