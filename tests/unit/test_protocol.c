/*
 * test_protocol: the kiosk-office protocol's pure parts.
 *
 * sync/protocol.c (a report encoded and parsed back; every refusal naming
 * its field and, inside a day, the day; answers, refusals, kiosk states),
 * sync/sync_report.c (batches cut to the body cap, oldest days first; a
 * cap too small for one day), sync/backoff.c (full jitter within the
 * doubling ceiling, the cap, Retry-After as a floor), sync/gzip.c (round
 * trip; inflation stopped at the cap; truncated and trailing input).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "gzip.h"
#include "protocol.h"
#include "sync_report.h"

static struct protocol_day mkday(const char *date, int64_t revision)
{
	struct protocol_day d;
	memset(&d, 0, sizeof(d));
	snprintf(d.date, sizeof(d.date), "%s", date);
	d.revision = revision;
	d.handouts = 3;
	d.help_requests = 1;
	return d;
}

static char *good_report_text(void)
{
	struct protocol_day days[] = {mkday("2026-11-28", 4), mkday("2026-11-29", 9)};
	struct protocol_card_event ev = {.action = CARD_ACTION_REVOKED, .at = 1700000000};
	memcpy(ev.card_id, "0123456789abcdef0123456789abcdef", 33);
	struct report r = {.sent_at = 1764395114, .clock_synchronized = true, .stock_level = 12,
			   .stock_low_water = 10, .days = days, .n_days = 2, .card_events = &ev,
			   .n_card_events = 1};
	snprintf(r.kiosk_id, sizeof(r.kiosk_id), "asahikawa-lib-1");
	snprintf(r.site_id, sizeof(r.site_id), "12");
	snprintf(r.firmware, sizeof(r.firmware), "0.1.0");
	snprintf(r.health_reader, sizeof(r.health_reader), "ok");
	json_t *j = report_to_json(&r);
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return text;
}

static void test_report_round_trip(void **state)
{
	(void)state;
	char *text = good_report_text();
	struct report r;
	struct protocol_error e;
	assert_int_equal(report_parse(text, strlen(text), &r, &e), 0);
	assert_string_equal(r.kiosk_id, "asahikawa-lib-1");
	assert_int_equal(r.n_days, 2);
	assert_string_equal(r.days[1].date, "2026-11-29");
	assert_int_equal(r.days[1].revision, 9);
	assert_int_equal(r.days[1].handouts, 3);
	assert_int_equal(r.n_card_events, 1);
	assert_int_equal(r.card_events[0].action, CARD_ACTION_REVOKED);
	assert_true(r.clock_synchronized);
	report_free(&r);
	free(text);
}

/* Parses text with one member replaced (path "a" or "a.b" or "days[i].x") and expects field. */
static void expect_refusal(const char *member, json_t *value, const char *field, int day_index)
{
	char *text = good_report_text();
	json_t *root = json_loads(text, 0, NULL);
	free(text);
	json_t *obj = root;
	char path[64];
	snprintf(path, sizeof(path), "%s", member);
	char *dot = strchr(path, '.');
	if (strncmp(path, "days[", 5) == 0) {
		obj = json_array_get(json_object_get(root, "days"), (size_t)atoi(path + 5));
		member = dot + 1;
	} else if (dot) {
		*dot = '\0';
		obj = json_object_get(root, path);
		member = dot + 1;
	}
	if (value)
		json_object_set_new(obj, member, value);
	else
		json_object_del(obj, member);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	struct report r;
	struct protocol_error e;
	assert_int_equal(report_parse(text, strlen(text), &r, &e), -1);
	free(text);
	assert_string_equal(e.field, field);
	assert_non_null(strstr(e.message, field));
	assert_int_equal(e.day_index, day_index);
	if (day_index >= 0 && strcmp(field, "days[1].date") != 0)
		assert_string_equal(e.date, day_index == 0 ? "2026-11-28" : "2026-11-29");
}

static void test_refusals_name_the_field(void **state)
{
	(void)state;
	expect_refusal("protocol", json_integer(2), "protocol", -1);
	expect_refusal("kiosk_id", json_string("has space"), "kiosk_id", -1);
	expect_refusal("site_id", NULL, "site_id", -1);
	expect_refusal("sent_at", json_real(1.5), "sent_at", -1);
	expect_refusal("clock_synchronized", json_integer(1), "clock_synchronized", -1);
	expect_refusal("stock.level", json_integer(-1), "stock.level", -1);
	expect_refusal("stock.level", json_string("5"), "stock.level", -1);
	expect_refusal("health.reader", json_string("a\x01"), "health.reader", -1);
	expect_refusal("days[1].handouts", json_integer(PROTOCOL_COUNTER_MAX + 1), "days[1].handouts", 1);
	expect_refusal("days[0].revision", json_integer(0), "days[0].revision", 0);
	expect_refusal("days[1].date", json_string("2026-02-29"), "days[1].date", 1);
	expect_refusal("days[1].date", json_string("2026-11-28"), "days[1].date", 1); /* twice */
	expect_refusal("days[0].not_taken", NULL, "days[0].not_taken", 0);
	expect_refusal("days", json_string("x"), "days", -1);

	struct report r;
	struct protocol_error e;
	assert_int_equal(report_parse("{\"a\":1,\"a\":2}", 13, &r, &e), -1);
	assert_non_null(strstr(e.message, "malformed JSON"));
	assert_int_equal(report_parse("[1]", 3, &r, &e), -1);
}

static void test_unknown_members_ignored(void **state)
{
	(void)state;
	char *text = good_report_text();
	json_t *root = json_loads(text, 0, NULL);
	free(text);
	json_object_set_new(root, "future", json_string("ignored"));
	json_object_set_new(json_array_get(json_object_get(root, "days"), 0), "new_counter",
			    json_integer(5));
	text = json_dumps(root, 0);
	json_decref(root);
	struct report r;
	struct protocol_error e;
	assert_int_equal(report_parse(text, strlen(text), &r, &e), 0);
	report_free(&r);
	free(text);
}

static void test_dates(void **state)
{
	(void)state;
	assert_true(protocol_valid_date("2024-02-29"));
	assert_false(protocol_valid_date("2023-02-29"));
	assert_false(protocol_valid_date("1999-12-31"));
	assert_false(protocol_valid_date("2100-01-01"));
	assert_false(protocol_valid_date("2026-1-01"));
	assert_false(protocol_valid_date("2026-13-01"));
	assert_true(protocol_valid_card_id("0123456789abcdef0123456789abcdef"));
	assert_false(protocol_valid_card_id("0123456789ABCDEF0123456789abcdef"));
}

static void test_answer_and_refusal(void **state)
{
	(void)state;
	struct protocol_held held[] = {{"2026-11-29", 9}};
	struct report_answer a = {.server_time = 5, .body_cap = 65536, .held = held, .n_held = 1,
				  .n_card_events = 1, .n_nearby = 1};
	snprintf(a.content_etag, sizeof(a.content_etag), "\"3-abc\"");
	snprintf(a.nearby[0].site_id, sizeof(a.nearby[0].site_id), "13");
	a.nearby[0].level = 4;
	json_t *j = report_answer_to_json(&a);
	char *text = json_dumps(j, 0);
	json_decref(j);
	struct report_answer b;
	char err[128];
	assert_int_equal(report_answer_parse(text, strlen(text), &b, err, sizeof(err)), 0);
	free(text);
	assert_int_equal(b.n_held, 1);
	assert_int_equal(b.held[0].revision, 9);
	assert_string_equal(b.content_etag, "\"3-abc\"");
	assert_int_equal(b.nearby[0].level, 4);
	report_answer_free(&b);
	assert_int_equal(report_answer_parse("{\"ok\":false}", 12, &b, err, sizeof(err)), -1);

	struct protocol_error e = {.field = "days[2].handouts", .message = "m", .day_index = 2,
				   .date = "2026-11-03"};
	j = protocol_error_to_json(&e, 4096);
	text = json_dumps(j, 0);
	json_decref(j);
	struct refusal r;
	refusal_parse(text, strlen(text), &r);
	free(text);
	assert_int_equal(r.day_index, 2);
	assert_string_equal(r.date, "2026-11-03");
	assert_int_equal(r.body_cap, 4096);
	refusal_parse("garbage", 7, &r);
	assert_int_equal(r.day_index, -1);
	refusal_parse(NULL, 0, &r);
	assert_int_equal(r.day_index, -1);
}

static void test_kiosk_state(void **state)
{
	(void)state;
	struct protocol_day days[] = {mkday("2026-11-28", 4)};
	struct kiosk_state s = {.server_time = 1, .body_cap = 2048, .days = days, .n_days = 1};
	snprintf(s.kiosk_id, sizeof(s.kiosk_id), "k1");
	snprintf(s.site_id, sizeof(s.site_id), "12");
	json_t *j = kiosk_state_to_json(&s);
	char *text = json_dumps(j, 0);
	json_decref(j);
	struct kiosk_state t;
	struct protocol_error e;
	assert_int_equal(kiosk_state_parse(text, strlen(text), &t, &e), 0);
	free(text);
	assert_int_equal(t.n_days, 1);
	assert_int_equal(t.days[0].revision, 4);
	kiosk_state_free(&t);
	assert_int_equal(kiosk_state_parse("{}", 2, &t, &e), -1);
}

/* ---- sync_report ---- */

static struct store_day *store_days(size_t n)
{
	struct store_day *d = calloc(n, sizeof(*d));
	for (size_t i = 0; i < n; i++) {
		snprintf(d[i].date, sizeof(d[i].date), "2026-%02zu-%02zu", 1 + i / 28, 1 + i % 28);
		d[i].revision = (int64_t)i + 1;
		d[i].handouts = 7;
	}
	return d;
}

static void test_batches_fit_the_cap(void **state)
{
	(void)state;
	struct store_day *days = store_days(90);
	struct sync_report_input in = {.kiosk_id = "k1", .site_id = "12", .firmware = "t",
				       .now = 1, .reader = "ok", .display = "none", .last_error = "",
				       .days = days, .n_days = 90, .body_cap = 65536};
	struct sync_report_batch b;
	char err[128];
	assert_int_equal(sync_report_build(&in, &b, err, sizeof(err)), 0);
	assert_int_equal(b.n_days, 90); /* 90 days fit in the default cap */
	assert_true(b.len < 65536);
	struct report r;
	struct protocol_error e;
	assert_int_equal(report_parse(b.json, b.len, &r, &e), 0); /* what is sent parses */
	assert_string_equal(r.days[0].date, "2026-01-01");      /* oldest first */
	report_free(&r);
	unsigned char *gz;
	size_t gz_len;
	assert_int_equal(gzip_compress(b.json, b.len, &gz, &gz_len), 0);
	print_message("# a 90-day report: %zu bytes of JSON, %zu gzipped\n", b.len, gz_len);
	assert_true(gz_len <= 20 * 1024);
	free(gz);
	free(b.json);

	in.body_cap = 2048;
	size_t total = 0;
	while (total < 90) {
		in.days = days + total;
		in.n_days = 90 - total;
		assert_int_equal(sync_report_build(&in, &b, err, sizeof(err)), 0);
		assert_true(b.len <= 2048 - SYNC_REPORT_MARGIN);
		assert_true(b.n_days >= 1);
		total += b.n_days;
		free(b.json);
	}
	in.body_cap = 300;
	in.days = days;
	in.n_days = 1;
	assert_int_equal(sync_report_build(&in, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too small"));
	free(days);
}

/* ---- backoff ---- */

static void test_backoff(void **state)
{
	(void)state;
	/* The ceiling doubles from the base to the cap; the delay is within it. */
	assert_int_equal(backoff_delay_ms(5000, 900000, 1, 0.999999, 0), 5000);
	assert_int_equal(backoff_delay_ms(5000, 900000, 2, 0.999999, 0), 10000);
	assert_int_equal(backoff_delay_ms(5000, 900000, 8, 0.999999, 0), 640000);
	assert_int_equal(backoff_delay_ms(5000, 900000, 9, 0.999999, 0), 900000);
	assert_int_equal(backoff_delay_ms(5000, 900000, 1000000, 0.999999, 0), 900000);
	assert_int_equal(backoff_delay_ms(5000, 900000, 3, 0.0, 0), 0); /* full jitter: 0 allowed */
	assert_int_equal(backoff_delay_ms(5000, 900000, 3, 0.5, 0), 10000);
	/* Retry-After is a floor, within an hour. */
	assert_int_equal(backoff_delay_ms(5000, 900000, 1, 0.1, 30000), 30000);
	assert_int_equal(backoff_delay_ms(5000, 900000, 1, 0.1, 99999999), BACKOFF_RETRY_AFTER_MAX_MS);
}

/* ---- gzip ---- */

static void test_gzip(void **state)
{
	(void)state;
	char text[4096];
	memset(text, 'a', sizeof(text));
	unsigned char *gz;
	size_t gz_len;
	assert_int_equal(gzip_compress(text, sizeof(text), &gz, &gz_len), 0);
	char *out;
	size_t out_len;
	assert_int_equal(gunzip_capped(gz, gz_len, 4096, &out, &out_len), GUNZIP_OK);
	assert_int_equal(out_len, 4096);
	assert_memory_equal(out, text, 4096);
	free(out);
	assert_int_equal(gunzip_capped(gz, gz_len, 4095, &out, &out_len), GUNZIP_TOO_LARGE);
	assert_int_equal(gunzip_capped(gz, gz_len - 3, 8192, &out, &out_len), GUNZIP_BAD);
	unsigned char *more = malloc(gz_len + 1);
	memcpy(more, gz, gz_len);
	more[gz_len] = 'x';
	assert_int_equal(gunzip_capped(more, gz_len + 1, 8192, &out, &out_len), GUNZIP_BAD);
	assert_int_equal(gunzip_capped("hello", 5, 8192, &out, &out_len), GUNZIP_BAD);
	free(more);
	free(gz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_round_trip),
		cmocka_unit_test(test_refusals_name_the_field),
		cmocka_unit_test(test_unknown_members_ignored),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_answer_and_refusal),
		cmocka_unit_test(test_kiosk_state),
		cmocka_unit_test(test_batches_fit_the_cap),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_gzip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
