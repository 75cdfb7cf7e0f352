/*
 * sync_report: a kiosk's report as JSON text, cut to the office's body cap.
 *
 * The days to send come oldest first; as many as fit under the cap go in
 * this report and the rest in the next ones, so a kiosk back from 90 days
 * offline catches up in a few reports of bounded size, each stored whole by
 * the office. Pure: the caller gathers the kiosk's state; nothing here reads
 * a clock or the store.
 */
#ifndef SYNC_REPORT_H
#define SYNC_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_sync.h"

/* Room kept under the cap for what is measured only approximately. */
#define SYNC_REPORT_MARGIN 256
/* Card events in one report (the protocol allows more; they are rare). */
#define SYNC_REPORT_CARD_EVENTS 200

struct sync_report_input {
	const char *kiosk_id, *site_id, *firmware;
	int64_t now;
	bool clock_synchronized;
	int64_t stock_level, stock_low_water;
	const char *reader, *display, *last_error;
	const struct store_day *days; /* oldest first */
	size_t n_days;
	const struct store_card_event *events;
	size_t n_events;
	size_t body_cap; /* bytes of JSON */
};

struct sync_report_batch {
	char *json; /* malloc'd */
	size_t len;
	size_t n_days;   /* the first n_days of the input's days are in it */
	size_t n_events; /* the first n_events of its card events */
};

/*
 * Builds the report. Returns 0, or -1 with a reason in err (a cap too small
 * for even one day, out of memory).
 */
int sync_report_build(const struct sync_report_input *in, struct sync_report_batch *out, char *err,
		      size_t errlen);

#endif
