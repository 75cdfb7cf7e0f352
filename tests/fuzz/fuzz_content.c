/*
 * fuzz_content: libFuzzer target for the content bundle parser
 * (sync/content.c), the one parser kioskd and the office share.
 *
 * Each input is parsed as a bundle. A bundle that passes is then used the
 * way the kiosk uses it: every selection (windows, sessions, sites) at a few
 * local times, the help URL, and every message lookup, so values that pass
 * the checks are proven safe to show. Errors are formatted (that is fuzzed
 * too) and must stay within their buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "content_select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct content *c = NULL;
	if (content_parse((const char *)data, size, &c, err, sizeof(err)) != 0) {
		if (strnlen(err, sizeof(err)) >= sizeof(err))
			abort();
		return 0;
	}
	struct select_place here = {.has_coordinates = true, .lat = 43.77, .lon = 142.36,
				    .site_id = "12"};
	static const struct select_time times[] = {
		{20261201, 2, 14 * 60 + 5}, {20261231, 4, 0}, {20270101, 5, 1439},
	};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		struct window_pick w[4];
		struct session_pick s[4];
		struct site_pick p[4];
		select_windows(c, &here, &times[i], w, 4);
		select_sessions(c, &here, &times[i], s, 4);
		select_sites(c, &here, &times[i], p, 4);
	}
	char url[300];
	content_help_url(c, "12", url, sizeof(url));
	for (size_t i = 0; i < c->n_messages; i++)
		if (content_message(c, c->messages[i].language, c->messages[i].key) == NULL)
			abort(); /* every parsed message must be found again */
	content_free(c);
	return 0;
}
