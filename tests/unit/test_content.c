/*
 * test_content: the content bundle (sync/content.h), what the screens
 * choose from it (firmware/content_select.h), the message catalogs
 * (firmware/messages.h), and the store's side: the bundle and its card
 * lists kept in the store, schema migration 1 -> 2, help requests.
 *
 * Times are explicit (struct select_time), never the clock. "Now" is
 * Monday 2026-11-30 14:05 in the kiosk's zone; the kiosk stands at
 * 43.7706 N 142.3650 E.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"
#include "content_default.h"
#include "content_select.h"
#include "log.h"
#include "messages.h"
#include "store.h"

static const struct select_place HERE = {true, 43.7706, 142.3650, "12"};
static const struct select_time NOW = {20261130, 1, 14 * 60 + 5}; /* Monday 14:05 */

#define HOURS_WEEKDAYS "{\"mon\":[[\"09:00\",\"17:00\"]],\"tue\":[[\"09:00\",\"17:00\"]]}"

/* A bundle with windows, sessions and sites around the kiosk. About 0.011
 * degrees of latitude are 1.2 km. */
static const char bundle_text[] =
	"{\"version\":\"t1\",\"generated_at\":\"2026-11-29T10:00:00+09:00\","
	"\"help_url_template\":\"HTTPS://HELP.EXAMPLE.JP/S/{site}\","
	"\"hotlines\":[{\"name\":\"DV相談＋\",\"number\":\"0120-279-889\"}],"
	"\"windows\":["
	" {\"id\":\"near\",\"name\":\"Near\",\"phone\":\"1\",\"lat\":43.7806,\"lon\":142.3650,"
	"  \"hours\":" HOURS_WEEKDAYS "},"
	" {\"id\":\"far\",\"name\":\"Far\",\"phone\":\"2\",\"lat\":43.8706,\"lon\":142.3650,"
	"  \"hours\":{\"mon\":[[\"09:00\",\"18:00\"]]}},"
	" {\"id\":\"closing\",\"name\":\"Closing\",\"phone\":\"3\",\"lat\":43.7716,\"lon\":142.3650,"
	"  \"hours\":{\"mon\":[[\"09:00\",\"14:10\"]]}},"
	" {\"id\":\"closed-today\",\"name\":\"Closed\",\"phone\":\"4\",\"lat\":43.7707,\"lon\":142.3650,"
	"  \"hours\":" HOURS_WEEKDAYS ",\"closed_dates\":[\"2026-11-30\"]},"
	" {\"id\":\"evening\",\"name\":\"Evening\",\"phone\":\"5\",\"lat\":43.7706,\"lon\":142.3651,"
	"  \"hours\":{\"mon\":[[\"09:00\",\"12:00\"],[\"18:00\",\"21:00\"]]}}],"
	"\"sessions\":["
	" {\"date\":\"2026-11-30\",\"start\":\"13:00\",\"end\":\"15:00\",\"place\":\"Under way\","
	"  \"lat\":43.78,\"lon\":142.36},"
	" {\"date\":\"2026-11-30\",\"start\":\"13:00\",\"end\":\"14:15\",\"place\":\"Nearly over\","
	"  \"lat\":43.78,\"lon\":142.36},"
	" {\"date\":\"2026-11-29\",\"start\":\"13:00\",\"end\":\"16:00\",\"place\":\"Yesterday\","
	"  \"lat\":43.78,\"lon\":142.36},"
	" {\"date\":\"2026-12-01\",\"start\":\"10:00\",\"end\":\"12:00\",\"place\":\"Tomorrow\","
	"  \"lat\":43.78,\"lon\":142.36},"
	" {\"date\":\"2026-12-01\",\"start\":\"09:00\",\"end\":\"12:00\",\"place\":\"Far away\","
	"  \"lat\":44.78,\"lon\":142.36}],"
	"\"sites\":["
	" {\"id\":\"12\",\"name\":\"Here\",\"lat\":43.7706,\"lon\":142.3650,\"hours\":" HOURS_WEEKDAYS "},"
	" {\"id\":\"13\",\"name\":\"Open far\",\"lat\":43.8006,\"lon\":142.3650,\"hours\":" HOURS_WEEKDAYS "},"
	" {\"id\":\"14\",\"name\":\"Shut near\",\"lat\":43.7756,\"lon\":142.3650,\"hours\":{\"sun\":[[\"09:00\",\"17:00\"]]}},"
	" {\"id\":\"15\",\"name\":\"Open near\",\"lat\":43.7806,\"lon\":142.3650,\"hours\":" HOURS_WEEKDAYS "}],"
	"\"holidays\":[],\"issued_cards\":[\"0123456789abcdef0123456789abcdef\"],"
	"\"revoked_cards\":[\"fedcba9876543210fedcba9876543210\"],"
	"\"messages\":{\"ja\":{\"granted_title\":\"どうぞ\"},\"en\":{\"future_key\":\"x\"}},"
	"\"a_field_from_a_newer_office\":{\"ignored\":true}}";

static struct content *parse_ok(const char *text)
{
	char err[256];
	struct content *c = NULL;
	if (content_parse(text, strlen(text), &c, err, sizeof(err)) != 0)
		fail_msg("bundle refused: %s", err);
	return c;
}

/* Parses bundle_text changed by set (a JSON object merged in, with "null"
 * values deleting members at the top level) and expects a refusal naming want. */
static void expect_refused(const char *path_json, const char *set_json, const char *want)
{
	json_t *root = json_loads(bundle_text, 0, NULL);
	assert_non_null(root);
	json_t *target = root;
	if (path_json) { /* e.g. "windows/0" */
		char path[64];
		snprintf(path, sizeof(path), "%s", path_json);
		char *save = NULL;
		for (char *part = strtok_r(path, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
			if (json_is_array(target))
				target = json_array_get(target, (size_t)atoi(part));
			else
				target = json_object_get(target, part);
			assert_non_null(target);
		}
	}
	json_t *set = json_loads(set_json, 0, NULL);
	assert_non_null(set);
	const char *key;
	json_t *v;
	json_object_foreach(set, key, v) {
		if (json_is_null(v))
			json_object_del(target, key);
		else
			json_object_set(target, key, v);
	}
	json_decref(set);
	char *text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	char err[256];
	struct content *c = NULL;
	int rc = content_parse(text, strlen(text), &c, err, sizeof(err));
	free(text);
	if (rc == 0) {
		content_free(c);
		fail_msg("bundle with %s accepted; wanted \"%s\"", set_json, want);
	}
	assert_null(c);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
}

/* ---- parsing ---- */

static void test_parse_bundle(void **state)
{
	(void)state;
	struct content *c = parse_ok(bundle_text);
	assert_string_equal(c->version, "t1");
	assert_int_equal(c->n_windows, 5);
	assert_int_equal(c->n_sessions, 5);
	assert_int_equal(c->n_sites, 4);
	assert_int_equal(c->windows[4].hours.n[1], 2);
	assert_int_equal(c->windows[4].hours.open[1][1], 18 * 60);
	assert_string_equal(c->issued_cards[0], "0123456789abcdef0123456789abcdef");
	assert_string_equal(content_message(c, "ja", "granted_title"), "どうぞ");
	assert_null(content_message(c, "ja", "help_title"));
	char url[64];
	assert_int_equal(content_help_url(c, "12", url, sizeof(url)), 0);
	assert_string_equal(url, "HTTPS://HELP.EXAMPLE.JP/S/12");
	assert_int_equal(content_help_url(c, "12", url, 10), -1);
	content_free(c);
}

static void test_parse_example_and_default(void **state)
{
	(void)state;
	struct content *d = parse_ok(content_default_json);
	assert_int_equal(d->n_windows, 0);
	assert_string_equal(d->help_url_template, "");
	/* The example bundle's hotlines are the default's, word for word. */
	FILE *f = fopen("firmware/content.example.json", "r");
	if (!f) {
		content_free(d);
		skip(); /* not run from the top of the tree */
	}
	static char buf[CONTENT_MAX_BYTES];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	struct content *e = parse_ok(buf);
	assert_true(strncmp(e->version, "example-", 8) == 0);
	assert_int_equal(e->n_hotlines, d->n_hotlines);
	for (size_t i = 0; i < d->n_hotlines; i++) {
		assert_string_equal(e->hotlines[i].name, d->hotlines[i].name);
		assert_string_equal(e->hotlines[i].number, d->hotlines[i].number);
	}
	/* Only the verified numbers (../shared/notes/hotlines.md); never the old navigator. */
	static const char *const verified[] = {"#8008", "0120-279-889", "189", "0120-189-783"};
	for (size_t i = 0; i < e->n_hotlines; i++) {
		bool ok = false;
		for (size_t k = 0; k < 4; k++)
			ok = ok || strcmp(e->hotlines[i].number, verified[k]) == 0;
		assert_true(ok);
	}
	/* Every made-up place is marked as an example and has a number that cannot be dialled. */
	for (size_t i = 0; i < e->n_windows; i++) {
		assert_non_null(strstr(e->windows[i].name, "【例】"));
		assert_true(strncmp(e->windows[i].phone, "000-", 4) == 0);
	}
	for (size_t i = 0; i < e->n_sites; i++)
		assert_non_null(strstr(e->sites[i].name, "【例】"));
	content_free(e);
	content_free(d);
}

static void test_refusals(void **state)
{
	(void)state;
	char err[256];
	struct content *c;
	assert_int_equal(content_parse("{", 1, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not valid JSON"));
	/* jansson's "near '...'" would echo the file: it is cut off. */
	assert_int_equal(content_parse("{\"secret-ish\" 1}", 16, &c, err, sizeof(err)), -1);
	assert_null(strstr(err, "secret"));
	assert_int_equal(content_parse("[]", 2, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "must be a JSON object"));
	assert_int_equal(content_parse("{\"version\":\"a\",\"version\":\"b\"}", 29, &c, err,
				       sizeof(err)), -1);

	expect_refused(NULL, "{\"version\":null}", "version is required");
	expect_refused(NULL, "{\"hotlines\":null}", "hotlines is required");
	expect_refused(NULL, "{\"windows\":{}}", "windows: must be an array");
	expect_refused(NULL, "{\"holidays\":[\"2026-02-30\"]}", "holidays[0]: \"2026-02-30\" is not a date");
	expect_refused(NULL, "{\"issued_cards\":[\"ABC\"]}", "issued_cards[0]");
	expect_refused(NULL, "{\"help_url_template\":\"ftp://x\"}", "help_url_template");
	expect_refused(NULL, "{\"help_url_template\":\"https://x/{site}/{site}\"}", "once");
	expect_refused(NULL, "{\"messages\":{\"ja\":{\"Bad-Key\":\"x\"}}}", "message key");
	expect_refused(NULL, "{\"messages\":{\"ja\":{\"k\":\"a\\u0007b\"}}}", "control character");
	expect_refused("windows/0", "{\"lat\":91}", "windows[0].lat: 91 is out of range");
	expect_refused("windows/0", "{\"lon\":\"142\"}", "windows[0].lon: must be a number");
	expect_refused("windows/0", "{\"phone\":null}", "windows[0].phone is required");
	expect_refused("windows/0", "{\"name\":\"\"}", "windows[0].name: must not be empty");
	expect_refused("windows/0", "{\"name\":\"a\\nb\"}", "control character");
	expect_refused("windows/1", "{\"hours\":{\"mon\":[[\"09:00\",\"25:00\"]]}}",
		       "windows[1].hours.mon[0][1]: \"25:00\" is not a time");
	expect_refused("windows/1", "{\"hours\":{\"mon\":[[\"17:00\",\"09:00\"]]}}", "closes before it opens");
	expect_refused("windows/1", "{\"hours\":{\"mon\":[[\"09:00\",\"12:00\"],[\"11:00\",\"13:00\"]]}}",
		       "overlaps");
	expect_refused("windows/1", "{\"hours\":{\"thur\":[]}}", "\"thur\" is not a weekday");
	expect_refused("sessions/0", "{\"end\":\"12:00\"}", "sessions[0]: ends before it starts");
	expect_refused("sessions/0", "{\"date\":\"30-11-2026\"}", "is not a date");
	expect_refused("sites/1", "{\"id\":null}", "sites[1].id is required");

	/* Too big, too many. */
	static char big[CONTENT_MAX_BYTES + 2];
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(content_parse(big, sizeof(big) - 1, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most"));
	char name[400];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	char set[512];
	snprintf(set, sizeof(set), "{\"name\":\"%s\"}", name);
	expect_refused("windows/0", set, "too long");
}

/* ---- selection ---- */

static void test_windows(void **state)
{
	(void)state;
	struct content *c = parse_ok(bundle_text);
	struct window_pick p[8];
	size_t n = select_windows(c, &HERE, &NOW, p, 8);
	assert_int_equal(n, 5);
	/* Open now, nearest first. */
	assert_string_equal(p[0].window->id, "near");
	assert_true(p[0].when.open_now);
	assert_int_equal(p[0].when.until, 17 * 60);
	assert_string_equal(p[1].window->id, "far");
	assert_true(p[1].when.open_now);
	assert_true(p[0].distance_m > 1000 && p[0].distance_m < 1200);
	assert_true(p[1].distance_m > 11000 && p[1].distance_m < 11200);
	/* Then by the next opening: this evening, tomorrow, next Monday. */
	assert_string_equal(p[2].window->id, "evening");
	assert_int_equal(p[2].when.next_date, 20261130);
	assert_int_equal(p[2].when.next_open, 18 * 60);
	/* Closed today by its closed_dates: open again tomorrow. */
	assert_string_equal(p[3].window->id, "closed-today");
	assert_false(p[3].when.open_now);
	assert_int_equal(p[3].when.next_date, 20261201);
	assert_int_equal(p[3].when.next_open, 9 * 60);
	/* Closes in 5 minutes: not offered as open, but with next Monday. */
	assert_string_equal(p[4].window->id, "closing");
	assert_false(p[4].when.open_now);
	assert_int_equal(p[4].when.next_date, 20261207);

	/* At 14:00 the closing one still has 10 minutes: still not "open" (margin 15). */
	struct select_time t = NOW;
	t.minute = 13 * 60 + 50;
	struct select_opening o = select_opening_of(c, &c->windows[2].hours, NULL, 0, &t);
	assert_true(o.open_now);
	t.minute = 13 * 60 + 56;
	o = select_opening_of(c, &c->windows[2].hours, NULL, 0, &t);
	assert_false(o.open_now);
	content_free(c);
}

static void test_holidays(void **state)
{
	(void)state;
	/* Today and tomorrow holidays: "near" opens next on Monday the 7th. */
	json_t *root = json_loads(bundle_text, 0, NULL);
	json_object_set_new(root, "holidays", json_pack("[s, s]", "2026-11-30", "2026-12-01"));
	char *text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	struct content *c = parse_ok(text);
	free(text);
	struct window_pick p[8];
	size_t n = select_windows(c, &HERE, &NOW, p, 8);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		assert_false(p[i].when.open_now);
	assert_int_equal(p[0].when.next_date, 20261207);
	assert_int_equal(p[0].when.next_open, 9 * 60);
	content_free(c);
}

static void test_sessions(void **state)
{
	(void)state;
	struct content *c = parse_ok(bundle_text);
	struct session_pick p[8];
	size_t n = select_sessions(c, &HERE, &NOW, p, 8);
	/* Under way (55 minutes left) then tomorrow; not the one nearly over,
	 * not yesterday's, not the one 110 km away. */
	assert_int_equal(n, 2);
	assert_string_equal(p[0].session->place, "Under way");
	assert_true(p[0].ongoing);
	assert_string_equal(p[1].session->place, "Tomorrow");
	assert_false(p[1].ongoing);
	/* Without coordinates the far one counts too. */
	struct select_place nowhere = {false, 0, 0, "12"};
	assert_int_equal(select_sessions(c, &nowhere, &NOW, p, 8), 3);
	content_free(c);
}

static void test_sites(void **state)
{
	(void)state;
	struct content *c = parse_ok(bundle_text);
	struct site_pick p[8];
	size_t n = select_sites(c, &HERE, &NOW, p, 8);
	assert_int_equal(n, 3); /* not our own site */
	assert_string_equal(p[0].site->id, "15");
	assert_string_equal(p[1].site->id, "13");
	assert_string_equal(p[2].site->id, "14");
	assert_false(p[2].when.open_now);
	/* A great circle: 1 degree of latitude is ~111.2 km. */
	assert_true(fabs(select_distance_m(43, 142, 44, 142) - 111195) < 10);
	assert_int_equal(content_date_weekday(20261130), 1);
	assert_int_equal(content_date_add_days(20261231, 1), 20270101);
	assert_int_equal(content_date_add_days(20280228, 1), 20280229);
	content_free(c);
}

/* ---- messages ---- */

static void test_catalogs_complete(void **state)
{
	(void)state;
	static const enum language langs[] = {LANGUAGE_JA, LANGUAGE_JA_EASY, LANGUAGE_EN};
	for (size_t l = 0; l < 3; l++)
		for (int id = 0; id < MSG_COUNT; id++)
			if (!messages_catalog(langs[l], (enum message_id)id))
				fail_msg("%s has no text for %s", config_language_name(langs[l]),
					 messages_key((enum message_id)id));
	struct content *c = parse_ok(bundle_text);
	assert_string_equal(messages_get(LANGUAGE_JA, MSG_granted_title, c), "どうぞ");
	assert_string_equal(messages_get(LANGUAGE_EN, MSG_granted_title, c), "Please take a set");
	content_free(c);
	char out[64];
	struct message_arg args[] = {{"date", "12月29日"}, {"n", "3"}};
	messages_format(out, sizeof(out), "{date}から{n}回 {unknown} {", args, 2);
	assert_string_equal(out, "12月29日から3回 {unknown} {");
	/* Cut at a character boundary, never in the middle of one. */
	messages_format(out, 8, "あいうえお", NULL, 0);
	assert_string_equal(out, "あい");
}

/* ---- the store's side ---- */

static int rm_entry(const char *p, const struct stat *s, int t, struct FTW *f)
{
	(void)s;
	(void)t;
	(void)f;
	return remove(p);
}

static void test_store_content(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_content.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/kiosk.db", dir);
	struct store *s;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	char *json;
	size_t len;
	char version[64];
	assert_int_equal(store_content_get(s, &json, &len, version, sizeof(version)), 0);
	assert_null(json);

	/* A staff member revoked a card the bundle lists as issued: staff wins. */
	card_id_t staff_revoked;
	snprintf(staff_revoked.hex, sizeof(staff_revoked.hex), "0123456789abcdef0123456789abcdef");
	assert_int_equal(store_card_set_status(s, &staff_revoked, "revoked", 1), 0);
	struct content *c = parse_ok(bundle_text);
	struct store_content_cards cards = {(const char(*)[33])c->issued_cards, c->n_issued_cards,
					    (const char(*)[33])c->revoked_cards, c->n_revoked_cards};
	assert_int_equal(store_content_put(s, bundle_text, strlen(bundle_text), c->version, &cards, 5), 0);
	assert_int_equal(store_content_get(s, &json, &len, version, sizeof(version)), 0);
	assert_string_equal(json, bundle_text);
	assert_int_equal(len, strlen(bundle_text));
	assert_string_equal(version, "t1");
	free(json);
	struct policy_card flags;
	assert_int_equal(store_card_flags(s, &staff_revoked, &flags), 0);
	assert_true(flags.revoked);
	card_id_t listed;
	snprintf(listed.hex, sizeof(listed.hex), "fedcba9876543210fedcba9876543210");
	assert_int_equal(store_card_flags(s, &listed, &flags), 0);
	assert_true(flags.revoked);
	/* A new bundle without that card: its status from the old bundle goes. */
	struct store_content_cards none = {NULL, 0, NULL, 0};
	assert_int_equal(store_content_put(s, "{}", 2, "t2", &none, 6), 0);
	assert_int_equal(store_card_flags(s, &listed, &flags), 0);
	assert_false(flags.revoked);
	assert_int_equal(store_card_flags(s, &staff_revoked, &flags), 0);
	assert_true(flags.revoked);
	content_free(c);

	/* Help requests count by day. */
	struct store_stamp w = {.wall = 1000, .boot_ms = 1, .boot_id = "b", .local_date = "2026-11-30"};
	int64_t seq;
	assert_int_equal(store_commit_help(s, &w, &seq), 0);
	assert_int_equal(store_commit_help(s, &w, &seq), 0);
	struct store_day day;
	assert_int_equal(store_day(s, "2026-11-30", &day), 0);
	assert_int_equal(day.help_requests, 2);
	store_close(s);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static long raw_version(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	sqlite3_step(st);
	long v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Turns a store into what schema 1 was: its seven tables, without the
 * column migration 2 added; any table a later migration made is dropped. */
static void make_schema_1(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char drops[2048] = "";
	size_t used = 0;
	assert_int_equal(sqlite3_prepare_v2(db,
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('events',"
		" 'card_handouts', 'day_counters', 'stock', 'staff_cards', 'card_status', 'settings')"
		" AND name NOT LIKE 'sqlite_%'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		used += (size_t)snprintf(drops + used, sizeof(drops) - used, "DROP TABLE \"%s\";",
					 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	raw_exec(path, drops);
	raw_exec(path, "ALTER TABLE card_status DROP COLUMN source;"
		       " ALTER TABLE card_handouts DROP COLUMN not_taken; PRAGMA user_version = 1;");
}

/* A schema-1 store (as the previous kioskd left it) migrates to 2 and keeps
 * its data; a migration that fails leaves the file at 1. */
static void test_migration(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_content.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/kiosk.db", dir);
	struct store *s;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	card_id_t card;
	snprintf(card.hex, sizeof(card.hex), "00112233445566778899aabbccddeeff");
	assert_int_equal(store_card_set_status(s, &card, "revoked", 1), 0);
	store_close(s);
	make_schema_1(path);
	assert_int_equal(raw_version(path), 1);

	/* A v1 file that someone gave a "content" table: migration 2 fails, nothing changes. */
	raw_exec(path, "CREATE TABLE content (x);");
	assert_int_equal(store_open(path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "migrating schema 1 to 2 failed"));
	assert_int_equal(raw_version(path), 1);
	raw_exec(path, "DROP TABLE content;");

	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(raw_version(path), STORE_SCHEMA_VERSION);
	struct policy_card flags;
	assert_int_equal(store_card_flags(s, &card, &flags), 0);
	assert_true(flags.revoked); /* kept, and now a staff decision */
	assert_int_equal(store_content_put(s, "{}", 2, "v", NULL, 1), 0);
	assert_int_equal(store_card_flags(s, &card, &flags), 0);
	assert_true(flags.revoked);
	store_close(s);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int group_setup(void **state)
{
	(void)state;
	log_init("test_content", LOG_LEVEL_ERROR);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bundle),
		cmocka_unit_test(test_parse_example_and_default),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_holidays),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_sites),
		cmocka_unit_test(test_catalogs_complete),
		cmocka_unit_test(test_store_content),
		cmocka_unit_test(test_migration),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
