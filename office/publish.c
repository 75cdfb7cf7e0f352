/*
 * publish: see publish.h.
 */
#include "publish.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "content.h"
#include "tz.h"

void content_etag(int64_t version, const char *body, size_t len, char etag[CONTENT_ETAG_MAX])
{
	unsigned char md[32];
	unsigned int mdlen = sizeof(md);
	if (EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof(md));
	snprintf(etag, CONTENT_ETAG_MAX, "\"%lld-%02x%02x%02x%02x%02x%02x%02x%02x\"",
		 (long long)version, md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
}

/* Card -> last action, kept in a JSON object used as a map (card_id -> "issued"/"revoked"). */
static void note(json_t *state, json_t *list, const char *action)
{
	size_t i;
	json_t *id;
	json_array_foreach(list, i, id)
	{
		if (json_is_string(id))
			json_object_set_new(state, json_string_value(id), json_string(action));
	}
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The cards whose last word is action, sorted, as a new array. */
static json_t *cards_with(json_t *state, const char *action)
{
	size_t n = json_object_size(state), used = 0;
	const char **ids = malloc((n ? n : 1) * sizeof(*ids));
	if (!ids)
		return NULL;
	const char *key;
	json_t *v;
	json_object_foreach(state, key, v)
	{
		if (strcmp(json_string_value(v), action) == 0)
			ids[used++] = key;
	}
	qsort(ids, used, sizeof(*ids), by_text);
	json_t *out = json_array();
	for (size_t i = 0; i < used; i++)
		json_array_append_new(out, json_string(ids[i]));
	free(ids);
	return out;
}

int content_build(json_t *base, const struct content_card_event *events, size_t n,
		  int64_t version, int64_t now, const char *zone, char **text,
		  char etag[CONTENT_ETAG_MAX], char *err, size_t errlen)
{
	*text = NULL;
	json_t *b = json_deep_copy(base);
	json_t *state = json_object();
	if (!b || !state || !json_is_object(b)) {
		json_decref(b);
		json_decref(state);
		snprintf(err, errlen, "the bundle is not a JSON object (or out of memory)");
		return -1;
	}
	/* A card in both imported lists is revoked: revocation is the safe side. */
	note(state, json_object_get(b, "issued_cards"), "issued");
	note(state, json_object_get(b, "revoked_cards"), "revoked");
	for (size_t i = 0; i < n; i++)
		json_object_set_new(state, events[i].card_id,
				    json_string(protocol_card_action_name(events[i].action)));
	json_t *issued = cards_with(state, "issued");
	json_t *revoked = cards_with(state, "revoked");
	json_decref(state);

	struct tm tm;
	char when[40];
	tz_localtime(zone, now, &tm);
	if (strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm) >= 24) {
		/* +0900 -> +09:00 */
		memmove(when + 23, when + 22, 3);
		when[22] = ':';
	}
	char version_text[24];
	snprintf(version_text, sizeof(version_text), "%lld", (long long)version);
	json_object_set_new(b, "version", json_string(version_text));
	json_object_set_new(b, "generated_at", json_string(when));
	json_object_set_new(b, "issued_cards", issued ? issued : json_array());
	json_object_set_new(b, "revoked_cards", revoked ? revoked : json_array());
	/* 12 significant digits keep coordinates to a millimetre without
	 * printing 43.770600000000002. */
	*text = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
	json_decref(b);
	if (!*text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct content *checked = NULL;
	if (content_parse(*text, strlen(*text), &checked, err, errlen) != 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	content_free(checked);
	content_etag(version, *text, strlen(*text), etag);
	return 0;
}
