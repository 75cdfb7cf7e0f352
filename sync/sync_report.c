/*
 * sync_report: see sync_report.h.
 */
#include "sync_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

/* The store's day in the protocol's shape: the same counters by name. */
static void to_protocol(const struct store_day *in, struct protocol_day *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->date, sizeof(out->date), "%s", in->date);
	out->revision = in->revision;
	out->clock_unsynced = in->clock_unsynced;
#define COPY(name) out->name = in->name;
	STORE_DAY_COUNTERS(COPY)
#undef COPY
}

static size_t dumped_size(json_t *v)
{
	return json_dumpb(v, NULL, 0, JSON_COMPACT);
}

/* The report without days, with the first n_events card events. */
static json_t *report_root(const struct sync_report_input *in, size_t n_events)
{
	struct protocol_card_event *events = calloc(n_events ? n_events : 1, sizeof(*events));
	if (!events)
		return NULL;
	for (size_t i = 0; i < n_events; i++) {
		memcpy(events[i].card_id, in->events[i].card.hex, sizeof(events[i].card_id));
		events[i].action = strcmp(in->events[i].action, "revoked") == 0 ? CARD_ACTION_REVOKED
										: CARD_ACTION_ISSUED;
		events[i].at = in->events[i].at;
	}
	struct report r;
	memset(&r, 0, sizeof(r));
	snprintf(r.kiosk_id, sizeof(r.kiosk_id), "%s", in->kiosk_id);
	snprintf(r.site_id, sizeof(r.site_id), "%s", in->site_id);
	snprintf(r.firmware, sizeof(r.firmware), "%s", in->firmware);
	r.sent_at = in->now;
	r.clock_synchronized = in->clock_synchronized;
	r.stock_level = in->stock_level;
	r.stock_low_water = in->stock_low_water;
	r.stock_low = in->stock_level <= in->stock_low_water;
	snprintf(r.health_reader, sizeof(r.health_reader), "%s", in->reader);
	snprintf(r.health_display, sizeof(r.health_display), "%s", in->display);
	snprintf(r.health_last_error, sizeof(r.health_last_error), "%s", in->last_error);
	r.card_events = events;
	r.n_card_events = n_events;
	json_t *root = report_to_json(&r);
	free(events);
	return root;
}

int sync_report_build(const struct sync_report_input *in, struct sync_report_batch *out, char *err,
		      size_t errlen)
{
	memset(out, 0, sizeof(*out));
	size_t limit = in->body_cap > SYNC_REPORT_MARGIN ? in->body_cap - SYNC_REPORT_MARGIN : 0;
	size_t n_events = in->n_events < SYNC_REPORT_CARD_EVENTS ? in->n_events : SYNC_REPORT_CARD_EVENTS;
	json_t *root = report_root(in, n_events);
	/* Card events give way to a small cap: half as many until the rest fits. */
	while (root && n_events > 0 && dumped_size(root) > limit) {
		json_decref(root);
		n_events /= 2;
		root = report_root(in, n_events);
	}
	json_t *days = json_object_get(root, "days");
	if (!root || !days) {
		json_decref(root);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Each day adds its own text and a comma; stop before the cap. */
	size_t size = dumped_size(root), taken = 0;
	size_t max_days = in->n_days < PROTOCOL_DAYS_MAX ? in->n_days : PROTOCOL_DAYS_MAX;
	while (taken < max_days) {
		struct protocol_day d;
		to_protocol(&in->days[taken], &d);
		json_t *day = protocol_day_to_json(&d);
		size_t add = dumped_size(day) + 1;
		if (size + add > limit) {
			json_decref(day);
			break;
		}
		json_array_append_new(days, day);
		size += add;
		taken++;
	}
	if (size > limit || (taken == 0 && in->n_days > 0)) {
		json_decref(root);
		snprintf(err, errlen, "the office's body cap (%zu bytes) is too small for a report "
			 "with one day", in->body_cap);
		return -1;
	}
	out->json = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!out->json) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	out->len = strlen(out->json);
	out->n_days = taken;
	out->n_events = n_events;
	return 0;
}
