/*
 * nfc_libnfc: the libnfc reader backend's parts that tests and the fuzz
 * target reach; users of the reader include nfc.h.
 */
#ifndef KIOSK_HAL_NFC_LIBNFC_H
#define KIOSK_HAL_NFC_LIBNFC_H

#include <nfc/nfc-types.h>

#include "nfc.h"

/*
 * How long the chip searches one modulation before the next (slot mode),
 * and the rest between cycles of short searches (cycle mode), in ms: see
 * docs/reader.md for the trade-off between tap latency and idle CPU.
 * KIOSKD_NFC_SLOT_MS, KIOSKD_NFC_POLL_GAP_MS and KIOSKD_NFC_POLL=cycle
 * override them for measurements.
 */
#define NFC_LIBNFC_SLOT_MS 20
#define NFC_LIBNFC_POLL_GAP_MS 20

/* Makes libnfc's context, logging off. Once, before any thread starts. */
void nfc_libnfc_global_init(void);

/*
 * A target as libnfc reports it, to a card: 0, or -1 if the target is of a
 * kind the kiosk does not take or its data could not come from a real card
 * (a UID of a length the technology cannot have, a truncated FeliCa
 * response). Reads nothing beyond the target's fixed arrays.
 */
int nfc_libnfc_card_from_target(const nfc_target *target, struct nfc_card *card);

#endif
