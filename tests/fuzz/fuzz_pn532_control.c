/*
 * fuzz_pn532_control: arbitrary control-socket lines for the PN532
 * simulator (board/sim/pn532/pn532_control.h), each parsed and run against
 * a real chip. Checked besides "no crash": every answer is one line that
 * starts "ok" or "error: ", and no answer carries the bytes of a UID that
 * was placed (the simulator's status never names a card's UID).
 *
 * Input: newline-separated lines; the clock moves 1 ms per line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pn532_control.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_pn532_control", LOG_LEVEL_ERROR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn532_ctl_context ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.chip = pn532_chip_new(false, 3, 1000);
	if (!ctx.chip)
		return 0;
	ctx.rng = 11;
	uint64_t now = 1000;
	char line[PN532_CTL_LINE_MAX + 64];
	size_t start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		size_t len = i - start;
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, data + start, len);
		line[len] = '\0';
		start = i + 1;
		char answer[PN532_CTL_ANSWER_MAX];
		now += 1000;
		pn532_ctl_handle_line(&ctx, now, line, answer, sizeof(answer));
		if (strncmp(answer, "ok", 2) != 0 && strncmp(answer, "error: ", 7) != 0)
			abort();
		if (strchr(answer, '\n'))
			abort();
		/* A status line must never carry the placed card's UID. */
		if (strncmp(answer, "ok {", 4) == 0 && strstr(answer, "04a1b2c3"))
			abort();
		pn532_chip_advance(ctx.chip, now);
	}
	pn532_chip_free(ctx.chip);
	return 0;
}
