/*
 * fuzz_fake_reader: the reader test double's script parser
 * (nfc_fake_parse_line) on arbitrary bytes. Whatever it accepts must be a
 * card a real reader could report.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "nfc_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfc_fake_command cmd;
	char err[128];
	if (nfc_fake_parse_line((const char *)data, size, &cmd, err, sizeof(err)) != 0)
		return 0;
	if (cmd.verb == NFC_FAKE_PLACE || cmd.verb == NFC_FAKE_TAP) {
		if (!nfc_uid_length_valid(cmd.card.tech, cmd.card.uid_len))
			abort();
		if (cmd.hold_ms > NFC_FAKE_HOLD_MAX_MS)
			abort();
	}
	return 0;
}
