/*
 * test_store_sync: the sync client's durable memory (firmware/store_sync.h).
 *
 * Covers: a new store asks the office first (restore_pending) and one
 * upgraded with history does not; pending days and their acknowledgement
 * at the revision sent (a day changed meanwhile stays pending; a late,
 * lower acknowledgement never takes a day back); a refused day set aside
 * at its revision and sent again once it changes; card events queued with
 * the card's status and dropped once acknowledged; failures and the backoff
 * reset; a restore adding the office's days to the kiosk's own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_sync.h"

struct fixture {
	char dir[64];
	char db[128];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-store-sync-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/kiosk.db", f->dir);
	char err[256];
	assert_int_equal(store_open(f->db, &f->s, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	const char *files[] = {"kiosk.db", "kiosk.db-wal", "kiosk.db-shm", "kiosk.db.lock"};
	char path[200];
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct store_stamp stamp(const char *date)
{
	struct store_stamp s;
	memset(&s, 0, sizeof(s));
	s.wall = 1764374400;
	s.boot_ms = 1000;
	snprintf(s.boot_id, sizeof(s.boot_id), "11111111-1111-1111-1111-111111111111");
	snprintf(s.local_date, sizeof(s.local_date), "%s", date);
	s.clock_synced = true;
	return s;
}

static void restock(struct store *s, const char *date, int64_t sets)
{
	struct store_stamp st = stamp(date);
	int64_t seq, after;
	assert_int_equal(store_restock(s, sets, "test", &st, &seq, &after), 0);
}

static size_t pending(struct store *s, struct store_day **days)
{
	size_t n;
	assert_int_equal(store_sync_pending_days(s, 1000, days, &n), 0);
	return n;
}

static void ack(struct store *s, const char *date, int64_t revision)
{
	char dates[1][TZ_DATE_LEN + 1];
	snprintf(dates[0], sizeof(dates[0]), "%s", date);
	struct store_sync_ack a = {.dates = (const char(*)[TZ_DATE_LEN + 1])dates,
				   .revisions = &revision, .n_days = 1, .at = 5000, .body_cap = 4096,
				   .office_etag = "\"2-x\"", .nearby = "[]"};
	assert_int_equal(store_sync_success(s, &a), 0);
}

static void test_new_store_asks_the_office_first(void **state)
{
	struct fixture *f = *state;
	struct store_sync_state st;
	assert_int_equal(store_sync_state(f->s, &st), 0);
	assert_true(st.restore_pending);
	assert_int_equal(st.failures, 0);
	assert_int_equal(store_sync_restore(f->s, NULL, 0), 0);
	assert_int_equal(store_sync_state(f->s, &st), 0);
	assert_false(st.restore_pending);
}

static void test_upgraded_store_does_not(void **state)
{
	struct fixture *f = *state;
	/* Back to schema 2 with history, as an older kioskd left it. */
	restock(f->s, "2026-11-01", 3);
	store_close(f->s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE sync_days; DROP TABLE sync_card_events;"
					  " DROP TABLE sync_state; DROP TABLE staff_log;"
					  " ALTER TABLE card_handouts DROP COLUMN not_taken;"
					  " PRAGMA user_version = 2;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	char err[256];
	assert_int_equal(store_open(f->db, &f->s, err, sizeof(err)), 0);
	struct store_sync_state st;
	assert_int_equal(store_sync_state(f->s, &st), 0);
	assert_false(st.restore_pending);
	struct store_day *days;
	assert_int_equal(pending(f->s, &days), 1); /* its history goes to the office */
	free(days);
}

static void test_acknowledged_at_the_revision_sent(void **state)
{
	struct fixture *f = *state;
	restock(f->s, "2026-11-01", 1);
	restock(f->s, "2026-11-02", 1);
	struct store_day *days;
	assert_int_equal(pending(f->s, &days), 2);
	assert_string_equal(days[0].date, "2026-11-01");
	int64_t sent = days[0].revision;
	free(days);
	restock(f->s, "2026-11-01", 1); /* changed while the report was in flight */
	ack(f->s, "2026-11-01", sent);
	ack(f->s, "2026-11-02", 1);
	assert_int_equal(pending(f->s, &days), 1);
	assert_string_equal(days[0].date, "2026-11-01");
	assert_int_equal(days[0].revision, sent + 1);
	free(days);
	ack(f->s, "2026-11-01", sent + 1);
	ack(f->s, "2026-11-01", sent); /* a late, older acknowledgement changes nothing */
	assert_int_equal(pending(f->s, &days), 0);
	free(days);
	struct store_sync_state st;
	assert_int_equal(store_sync_state(f->s, &st), 0);
	assert_int_equal(st.last_success, 5000);
	assert_int_equal(st.body_cap, 4096);
	assert_string_equal(st.office_etag, "\"2-x\"");
}

static int count_rejected(void *ctx, const struct store_sync_rejected *r)
{
	assert_string_equal(r->date, "2026-11-02");
	assert_non_null(strstr(r->reason, "handouts"));
	(*(int *)ctx)++;
	return 0;
}

static void test_refused_day_set_aside(void **state)
{
	struct fixture *f = *state;
	restock(f->s, "2026-11-01", 1);
	restock(f->s, "2026-11-02", 1);
	assert_int_equal(store_sync_reject_day(f->s, "2026-11-02", 1, "days[1].handouts is bad"), 0);
	struct store_day *days;
	assert_int_equal(pending(f->s, &days), 1);
	assert_string_equal(days[0].date, "2026-11-01");
	free(days);
	int64_t p, r, e;
	assert_int_equal(store_sync_counts(f->s, &p, &r, &e), 0);
	assert_int_equal(p, 1);
	assert_int_equal(r, 1);
	int n = 0;
	assert_int_equal(store_sync_rejected_each(f->s, count_rejected, &n), 0);
	assert_int_equal(n, 1);
	/* Changed again: sent again, no longer flagged. */
	restock(f->s, "2026-11-02", 1);
	assert_int_equal(pending(f->s, &days), 2);
	free(days);
	assert_int_equal(store_sync_counts(f->s, &p, &r, &e), 0);
	assert_int_equal(r, 0);
}

static void test_card_events(void **state)
{
	struct fixture *f = *state;
	card_id_t card;
	snprintf(card.hex, sizeof(card.hex), "0123456789abcdef0123456789abcdef");
	assert_int_equal(store_card_event(f->s, &card, "revoked", 100), 0);
	assert_int_equal(store_card_event(f->s, &card, "lost", 100), -1);
	struct policy_card flags;
	assert_int_equal(store_card_flags(f->s, &card, &flags), 0);
	assert_true(flags.revoked);
	struct store_card_event *ev;
	size_t n;
	assert_int_equal(store_sync_card_events(f->s, 10, &ev, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].action, "revoked");
	int64_t id = ev[0].id;
	free(ev);
	struct store_sync_ack a = {.card_event_ids = &id, .n_card_events = 1, .at = 1};
	assert_int_equal(store_sync_success(f->s, &a), 0);
	assert_int_equal(store_sync_card_events(f->s, 10, &ev, &n), 0);
	assert_int_equal(n, 0);
	free(ev);
}

static void test_failures_and_reset(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_sync_failure(f->s, "the office answered 503", 100, 3, 160), 0);
	struct store_sync_state st;
	assert_int_equal(store_sync_state(f->s, &st), 0);
	assert_int_equal(st.failures, 3);
	assert_int_equal(st.next_attempt, 160);
	assert_string_equal(st.last_error, "the office answered 503");
	assert_int_equal(store_sync_reset_backoff(f->s), 0);
	assert_int_equal(store_sync_state(f->s, &st), 0);
	assert_int_equal(st.failures, 0);
	ack(f->s, "2026-11-01", 0);
	assert_int_equal(store_sync_state(f->s, &st), 0);
	assert_string_equal(st.last_error, ""); /* a success clears the error */
}

static void test_restore_adds_the_office_days(void **state)
{
	struct fixture *f = *state;
	restock(f->s, "2026-11-02", 2); /* taps since the new store began */
	struct store_day office[2];
	memset(office, 0, sizeof(office));
	snprintf(office[0].date, sizeof(office[0].date), "2026-11-01");
	office[0].revision = 7;
	office[0].handouts = 5;
	snprintf(office[1].date, sizeof(office[1].date), "2026-11-02");
	office[1].revision = 9;
	office[1].restocked_sets = 10;
	assert_int_equal(store_sync_restore(f->s, office, 2), 0);
	struct store_day d;
	assert_int_equal(store_day(f->s, "2026-11-01", &d), 0);
	assert_int_equal(d.handouts, 5);
	assert_int_equal(d.revision, 7);
	assert_int_equal(store_day(f->s, "2026-11-02", &d), 0);
	assert_int_equal(d.restocked_sets, 12);
	assert_int_equal(d.revision, 10);
	struct store_day *days;
	assert_int_equal(pending(f->s, &days), 1); /* only the day with news goes */
	assert_string_equal(days[0].date, "2026-11-02");
	free(days);
}

int main(void)
{
	log_init("test_store_sync", LOG_LEVEL_ERROR);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_new_store_asks_the_office_first),
		T(test_upgraded_store_does_not),
		T(test_acknowledged_at_the_revision_sent),
		T(test_refused_day_set_aside),
		T(test_card_events),
		T(test_failures_and_reset),
		T(test_restore_adds_the_office_days),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
