/*
 * fuzz_nfc_target: whatever a reader returns, as libnfc hands it over (an
 * nfc_target with any modulation, any UID length from 0 to 255 and beyond,
 * any FeliCa response length), through nfc_libnfc_card_from_target(). A
 * card may come out only with a UID length its technology can have, and
 * never with bytes from outside the target.
 */
#include <nfc/nfc-types.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfc_libnfc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	nfc_target t;
	memset(&t, 0, sizeof(t));
	/* First byte: the modulation type; second: the length field; the rest fills the info. */
	t.nm.nmt = (nfc_modulation_type)(data[0] % (NMT_BARCODE + 2));
	t.nm.nbr = NBR_106;
	size_t rest = size - 2;
	memcpy(&t.nti, data + 2, rest < sizeof(t.nti) ? rest : sizeof(t.nti));
	if (t.nm.nmt == NMT_ISO14443A)
		t.nti.nai.szUidLen = data[1];
	else if (t.nm.nmt == NMT_FELICA)
		t.nti.nfi.szLen = data[1];

	struct nfc_card card;
	if (nfc_libnfc_card_from_target(&t, &card) != 0)
		return 0;
	if (!nfc_uid_length_valid(card.tech, card.uid_len))
		abort();
	const uint8_t *src = card.tech == NFC_TECH_ISO14443A ? t.nti.nai.abtUid : t.nti.nfi.abtId;
	if (memcmp(card.uid, src, card.uid_len) != 0)
		abort();
	return 0;
}
