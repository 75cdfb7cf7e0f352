/*
 * fuzz_report: the kiosk-office protocol's parsers (sync/protocol.c) on
 * hostile bytes, as both ends meet them:
 *
 *   - the office's path for a report body: inflated if it is gzip (capped,
 *     as officed caps it), then report_parse(), and on a refusal the 400
 *     answer built from the error;
 *   - the kiosk's parsers for the office's answers: report_answer_parse(),
 *     refusal_parse() and kiosk_state_parse().
 *
 * A parsed report is encoded again and must parse to the same days.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t len = size;
	char *inflated = NULL;
	if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		if (gunzip_capped(data, size, 65536, &inflated, &len) != GUNZIP_OK)
			return 0;
		text = inflated;
	}

	struct report r;
	struct protocol_error e;
	if (report_parse(text, len, &r, &e) == 0) {
		json_t *again = report_to_json(&r);
		char *out = json_dumps(again, JSON_COMPACT);
		json_decref(again);
		struct report r2;
		if (!out || report_parse(out, strlen(out), &r2, &e) != 0 || r2.n_days != r.n_days)
			abort();
		for (size_t i = 0; i < r.n_days; i++) {
			if (r2.days[i].revision != r.days[i].revision ||
			    strcmp(r2.days[i].date, r.days[i].date) != 0)
				abort();
		}
		report_free(&r2);
		free(out);
		report_free(&r);
	} else {
		json_t *answer = protocol_error_to_json(&e, 65536);
		if (!answer)
			abort();
		json_decref(answer);
	}

	struct report_answer a;
	char err[200];
	if (report_answer_parse(text, len, &a, err, sizeof(err)) == 0)
		report_answer_free(&a);
	struct refusal ref;
	refusal_parse(text, len, &ref);
	struct kiosk_state st;
	if (kiosk_state_parse(text, len, &st, &e) == 0)
		kiosk_state_free(&st);
	free(inflated);
	return 0;
}
