/*
 * publish: building a published content bundle (office side).
 *
 * A published bundle is the last imported one (`officed content import`,
 * checked by content_parse() in sync/content.c, the one parser both ends
 * use) with its version, generation time and the
 * kiosks' staff card events folded into issued_cards and revoked_cards:
 * events are applied in time order on top of the imported lists, the last
 * word about a card wins, and a card is in at most one of the two lists.
 * Only events received after the import are folded, so an import is the
 * office's word as of its time (an import that un-revokes a card is not
 * undone by an older event).
 *
 * The ETag is "<version>-<first 16 hex digits of the body's SHA-256>", so it
 * changes exactly when a new version is published and stays stable between
 * publications.
 */
#ifndef OFFICE_PUBLISH_H
#define OFFICE_PUBLISH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#define CONTENT_ETAG_MAX 80

struct content_card_event {
	char card_id[PROTOCOL_CARD_ID_LEN + 1];
	enum card_action action;
	int64_t at;
};

/*
 * Builds version `version` from base (not modified) and events (in the
 * order given: the caller sorts them by time), and checks the result with
 * content_parse(): what is published is what every kiosk will accept.
 * "version" is written as the decimal string of the version number.
 * *text is the compact JSON, malloc'd; etag gets the ETag with its quotes.
 * Returns 0, or -1 with the reason in err.
 */
int content_build(json_t *base, const struct content_card_event *events, size_t n,
		  int64_t version, int64_t now, const char *zone, char **text,
		  char etag[CONTENT_ETAG_MAX], char *err, size_t errlen);

/* The ETag of a body of a version. */
void content_etag(int64_t version, const char *body, size_t len, char etag[CONTENT_ETAG_MAX]);

#endif
