/*
 * nfc_fake: the reader's test double, driven through a FIFO.
 *
 * Connection string "fake:PATH". kioskd creates the FIFO at PATH (mode 0600)
 * if it does not exist and reads a script from it, one command per line:
 *
 *   place <tech> <uid-hex>          a card enters the field and stays
 *   tap <tech> <uid-hex> [hold-ms]  a card enters, leaves after hold-ms (default 200)
 *   remove                          the card leaves the field
 *   fail                            the next poll reports a reader failure
 *   # comment
 *
 * <tech> is "a" or "iso14443a", "f" or "felica". Commands run in order: the
 * line after a tap is read only once the tapped card has left. A malformed
 * line is logged (without its UID) and skipped.
 *
 * The simulated PN532 (board/sim) replaces this for end-to-end tests; the
 * double stays for tests of the daemon's own logic.
 */
#ifndef KIOSK_HAL_NFC_FAKE_H
#define KIOSK_HAL_NFC_FAKE_H

#include <stddef.h>

#include "nfc.h"

enum nfc_fake_verb {
	NFC_FAKE_NOTHING, /* blank line or comment */
	NFC_FAKE_PLACE,
	NFC_FAKE_TAP,
	NFC_FAKE_REMOVE,
	NFC_FAKE_FAIL,
};

struct nfc_fake_command {
	enum nfc_fake_verb verb;
	struct nfc_card card; /* for place and tap */
	unsigned hold_ms;     /* for tap */
};

#define NFC_FAKE_LINE_MAX 256
#define NFC_FAKE_HOLD_MAX_MS 600000u

/*
 * Parses one line (without its newline; need not be NUL-terminated: len
 * bytes). Returns 0, or -1 with a reason in err that never quotes the UID.
 */
int nfc_fake_parse_line(const char *line, size_t len, struct nfc_fake_command *out,
			char *err, size_t errlen);

#endif
