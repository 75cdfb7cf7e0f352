/*
 * fuzz_config: libFuzzer target for the kioskd.conf parser (firmware/config.c).
 *
 * The input is parsed as a whole file, then checked by config_validate(),
 * then tried as one command-line override, so the line reader, the inih
 * handler, every value check and config_set()'s splitting all see hostile
 * bytes. Errors go to /dev/null: formatting them (escaping, did-you-mean)
 * is part of what is fuzzed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			abort();
	}

	/* The parser takes a C string: stop at the first NUL, as a caller would. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	struct kiosk_config cfg;
	config_defaults(&cfg);
	config_load_string(&cfg, "fuzz.conf", text, devnull);
	config_validate(&cfg, "fuzz.conf", devnull);
	config_set(&cfg, text, devnull);

	free(text);
	return 0;
}
