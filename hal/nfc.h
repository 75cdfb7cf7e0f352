/*
 * nfc: the card reader, one interface for every backend.
 *
 * A backend is chosen by the connection string's driver, the part before the
 * first ':' ("fake:/run/kioskd/reader.fifo", later "pn532_uart:/dev/ttyAMA0").
 * Backends live beside this header, one file each (nfc_fake.c, ...).
 *
 * The reader is polled from its own thread (firmware/reader_thread.c): a
 * poll may block for up to its timeout, and nfc_reader_abort() called from
 * another thread makes a blocked poll return promptly.
 *
 * Privacy: struct nfc_card holds a raw UID. It lives only in memory between
 * the backend and card identity (firmware/card_identity.h), which turns it
 * into a keyed card_id and wipes it. Backends never log UID bytes.
 */
#ifndef KIOSK_HAL_NFC_H
#define KIOSK_HAL_NFC_H

#include <stddef.h>
#include <stdint.h>

enum nfc_tech {
	NFC_TECH_ISO14443A = 1, /* UID of 4, 7 or 10 bytes */
	NFC_TECH_FELICA = 2,    /* IDm of 8 bytes, 212 or 424 kbps */
};

#define NFC_UID_MAX 10

struct nfc_card {
	enum nfc_tech tech;
	uint8_t uid[NFC_UID_MAX];
	size_t uid_len;
};

enum nfc_poll_result {
	NFC_POLL_ERROR = -1, /* the reader failed: close and reopen it */
	NFC_POLL_NONE = 0,   /* no card in the field */
	NFC_POLL_CARD = 1,   /* a card is in the field; *card describes it */
};

struct nfc_reader;

/*
 * Once per process, before any thread starts: sets up the backends' shared
 * state (libnfc's context, with its logging off).
 */
void nfc_global_init(void);

/*
 * Opens the reader a connection string names. On failure returns NULL and
 * writes a one-line reason (no secrets) into err.
 */
struct nfc_reader *nfc_reader_open(const char *connection, char *err, size_t errlen);

/*
 * Waits up to timeout_ms for a card. Returns NFC_POLL_CARD as soon as a card
 * is in the field, and keeps returning it (at once) while it stays, so the
 * caller paces presence checks. A UID of a length the technology cannot have
 * is never returned: the backend drops it and logs that it did.
 * On NFC_POLL_ERROR, err (if not NULL) holds a one-line reason.
 */
int nfc_reader_poll(struct nfc_reader *reader, int timeout_ms, struct nfc_card *card,
		    char *err, size_t errlen);

/* Thread-safe: makes a poll that is blocked now, or the next one, return NONE soon. */
void nfc_reader_abort(struct nfc_reader *reader);

void nfc_reader_close(struct nfc_reader *reader);

/*
 * The reader drivers this build has, by connection-string prefix, as a
 * NULL-terminated list; and whether a driver needs a device after its ':'
 * (USB drivers find their device themselves).
 */
const char *const *nfc_driver_names(void);
int nfc_driver_needs_device(const char *driver);

/* True if a UID length is one the technology can have (4/7/10 for A, 8 for FeliCa). */
int nfc_uid_length_valid(enum nfc_tech tech, size_t uid_len);

/* "iso14443a" or "felica". */
const char *nfc_tech_name(enum nfc_tech tech);

#endif
