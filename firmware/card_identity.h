/*
 * card_identity: who a card is, without ever knowing whose it is.
 *
 * A card is known only by its card_id, fixed by DESIGN.md and frozen because
 * card_ids travel between kiosks and the office:
 *
 *   card_id = first 16 bytes of HMAC-SHA256(deployment key, tech || UID),
 *             written as 32 lowercase hex digits,
 *   tech    = 0x01 ISO14443A, 0x02 FeliCa (212 and 424 kbps alike),
 *             0x03 reserved for ISO14443B.
 *
 * The deployment key is 32 random bytes in a file of mode 0600, made once
 * per deployment with `kioskctl keygen FILE`. Without the key a card_id
 * reveals nothing, so the raw UID never needs to leave memory: callers wipe
 * it (card_identity_from_card() does) as soon as the card_id is known.
 */
#ifndef KIOSK_CARD_IDENTITY_H
#define KIOSK_CARD_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfc.h"

#define CARD_KEY_LEN 32
#define CARD_ID_HEX_LEN 32

enum card_tech_byte {
	CARD_TECH_ISO14443A = 0x01,
	CARD_TECH_FELICA = 0x02,
	CARD_TECH_ISO14443B = 0x03, /* reserved */
};

struct card_key {
	uint8_t bytes[CARD_KEY_LEN];
};

typedef struct {
	char hex[CARD_ID_HEX_LEN + 1];
} card_id_t;

/*
 * Loads the deployment key. Refuses (returns -1 with a message in err saying
 * how to install it) a missing file, a file that is not regular, one that
 * group or others may read or write, or one that is not exactly 32 bytes.
 */
int card_key_load(const char *path, struct card_key *key, char *err, size_t errlen);

/*
 * Creates a new key file with 32 bytes from getrandom(2), mode 0600. Never
 * overwrites: an existing file is an error (a second key would split the
 * deployment's card_ids in two).
 */
int card_key_generate(const char *path, char *err, size_t errlen);

/* card_id of tech byte + UID. Returns 0, or -1 if the HMAC fails. */
int card_id_compute(const struct card_key *key, enum card_tech_byte tech, const uint8_t *uid,
		    size_t uid_len, card_id_t *out);

/*
 * True if the card presents a random UID on every read (an ISO14443A 4-byte
 * UID starting 0x08, as phones and privacy cards do): it can be neither
 * recognised nor limited.
 */
bool card_uid_is_random(const struct nfc_card *card);

/*
 * The reader's card to its card_id, then wipes the UID in *card. Sets
 * *unusable for a random-UID card (its card_id is then meaningless and
 * left empty). Returns 0, or -1 on an HMAC failure.
 */
int card_identity_from_card(const struct card_key *key, struct nfc_card *card, card_id_t *out,
			    bool *unusable);

/* True if s is 32 lowercase hex digits. */
bool card_id_valid(const char *s);

#endif
