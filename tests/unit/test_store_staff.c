/*
 * test_store_staff: staff cards, the staff log and the dispenser's "not
 * taken" in the store (firmware/store_staff.h, store_commit_not_taken()).
 *
 * Covers: enrolling (twice is one card, one log entry), removing (an
 * unknown card is no error and no entry), listing, the staff log with its
 * actors and its limit; a handout marked not taken stops counting for the
 * policy while it stays in the event log and the day's handouts, and the
 * day's not_taken counts it; a store at schema 3 migrates to 4 with its
 * handouts still counting.
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
#include "store_staff.h"

struct fixture {
	char dir[64];
	char db[128];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-store-staff-XXXXXX");
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

static card_id_t card(char c)
{
	card_id_t id;
	memset(id.hex, c, CARD_ID_HEX_LEN);
	id.hex[CARD_ID_HEX_LEN] = '\0';
	return id;
}

static int collect(void *ctx, const char *card_id, int64_t enrolled_at)
{
	(void)enrolled_at;
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 16 - n, "%c", card_id[0] == 'a' || card_id[0] == 'b' ? card_id[0] : '?');
	return 0;
}

static int collect_log(void *ctx, const struct store_staff_entry *e)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s:%c:%s;", e->action, e->card_id[0], e->actor);
	return 0;
}

static void test_enroll_remove_list_log(void **state)
{
	struct fixture *f = *state;
	card_id_t a = card('a'), b = card('b');
	bool done;
	int64_t log_id;
	assert_int_equal(store_staff_enroll(f->s, &a, "uid 0 (root)", 100, &done, &log_id), 0);
	assert_true(done);
	assert_int_equal(log_id, 1);
	assert_int_equal(store_staff_enroll(f->s, &a, "uid 0 (root)", 101, &done, &log_id), 0);
	assert_false(done); /* one already */
	assert_int_equal(log_id, 0);
	assert_int_equal(store_staff_enroll(f->s, &b, "uid 1000 (hanako)", 102, &done, NULL), 0);
	char list[16] = "";
	assert_int_equal(store_staff_each(f->s, collect, list), 0);
	assert_string_equal(list, "ab");
	struct policy_card flags;
	assert_int_equal(store_card_flags(f->s, &a, &flags), 0);
	assert_true(flags.staff);
	assert_int_equal(store_staff_remove(f->s, &a, "uid 0 (root)", 200, &done), 0);
	assert_true(done);
	assert_int_equal(store_staff_remove(f->s, &a, "uid 0 (root)", 201, &done), 0);
	assert_false(done);
	assert_int_equal(store_card_flags(f->s, &a, &flags), 0);
	assert_false(flags.staff);
	card_id_t c = card('c');
	assert_int_equal(store_staff_log(f->s, "issue", &c, "staff card bbbb", 300, &log_id), 0);
	assert_int_equal(log_id, 4);
	assert_int_equal(store_staff_log(f->s, "enroll", &c, "x", 300, NULL), -1); /* not through this door */
	char log[256] = "";
	assert_int_equal(store_staff_log_each(f->s, 100, 0, collect_log, log), 0);
	assert_string_equal(log, "enroll:a:uid 0 (root);enroll:b:uid 1000 (hanako);"
				 "remove:a:uid 0 (root);issue:c:staff card bbbb;");
	log[0] = '\0';
	assert_int_equal(store_staff_log_each(f->s, 2, 0, collect_log, log), 0); /* the newest two */
	assert_string_equal(log, "remove:a:uid 0 (root);issue:c:staff card bbbb;");
	log[0] = '\0';
	assert_int_equal(store_staff_log_each(f->s, 100, 2, collect_log, log), 0); /* one entry */
	assert_string_equal(log, "enroll:b:uid 1000 (hanako);");
	log[0] = '\0';
	assert_int_equal(store_staff_log_each(f->s, 100, 99, collect_log, log), 0);
	assert_string_equal(log, "");
}

static void stamp_at(struct store_stamp *st, int64_t wall, int64_t boot_ms)
{
	memset(st, 0, sizeof(*st));
	st->wall = wall;
	st->boot_ms = boot_ms;
	snprintf(st->boot_id, sizeof(st->boot_id), "boot-1");
	snprintf(st->local_date, sizeof(st->local_date), "2026-11-29");
	st->clock_synced = true;
}

static void test_not_taken_gives_allowance_back(void **state)
{
	struct fixture *f = *state;
	struct store_stamp st;
	stamp_at(&st, 1000000, 5000);
	int64_t seq, stock, nt_seq;
	assert_int_equal(store_restock(f->s, 5, "uid 0", &st, &seq, &stock), 0);
	card_id_t a = card('a');
	assert_int_equal(store_commit_handout(f->s, &a, &st, &seq, &stock), 0);
	struct policy_handout *h;
	size_t n;
	assert_int_equal(store_card_handouts(f->s, &a, &st, &h, &n), 0);
	assert_int_equal(n, 1);
	free(h);
	stamp_at(&st, 1000020, 25000);
	assert_int_equal(store_commit_not_taken(f->s, seq, &st, &nt_seq), 0);
	assert_true(nt_seq > seq);
	assert_int_equal(store_card_handouts(f->s, &a, &st, &h, &n), 0);
	assert_int_equal(n, 0); /* no longer counts for the policy */
	free(h);
	struct store_day d;
	assert_int_equal(store_day(f->s, "2026-11-29", &d), 0);
	assert_int_equal(d.handouts, 1); /* the handout stays counted */
	assert_int_equal(d.not_taken, 1);
	assert_int_equal(store_stock(f->s, &stock), 0);
	assert_int_equal(stock, 4);
	int64_t last;
	assert_int_equal(store_last_seq(f->s, &last), 0);
	assert_int_equal(last, nt_seq);
	/* A pruned (or unknown) handout: still counted, no error. */
	assert_int_equal(store_commit_not_taken(f->s, 9999, &st, &nt_seq), 0);
	assert_int_equal(store_day(f->s, "2026-11-29", &d), 0);
	assert_int_equal(d.not_taken, 2);
}

static void test_schema_3_migrates(void **state)
{
	struct fixture *f = *state;
	struct store_stamp st;
	stamp_at(&st, 1000000, 5000);
	int64_t seq, stock;
	card_id_t a = card('a');
	assert_int_equal(store_restock(f->s, 2, "uid 0", &st, &seq, &stock), 0);
	assert_int_equal(store_commit_handout(f->s, &a, &st, &seq, &stock), 0);
	store_close(f->s);
	/* Back to schema 3 as an older kioskd left it. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE staff_log; ALTER TABLE card_handouts DROP COLUMN"
					  " not_taken; PRAGMA user_version = 3;", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	char err[256];
	assert_int_equal(store_open(f->db, &f->s, err, sizeof(err)), 0);
	struct policy_handout *h;
	size_t n;
	assert_int_equal(store_card_handouts(f->s, &a, &st, &h, &n), 0);
	assert_int_equal(n, 1); /* old handouts count as taken */
	free(h);
	bool done;
	assert_int_equal(store_staff_enroll(f->s, &a, "uid 0", 1, &done, NULL), 0);
	assert_true(done);
}

int main(void)
{
	log_init("test_store_staff", LOG_LEVEL_ERROR);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_enroll_remove_list_log),
		T(test_not_taken_gives_allowance_back),
		T(test_schema_3_migrates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
