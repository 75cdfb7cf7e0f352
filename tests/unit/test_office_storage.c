/*
 * test_office_storage: officed's storage interface (office/storage.h), the
 * same cases on each backend.
 *
 * By default on SQLite, in a file under /tmp made fresh for each case. With
 * OFFICE_TEST_DATABASE=postgresql://... (tests/integration/test_office.py
 * starts a PostgreSQL of its own and runs this binary against it), on
 * PostgreSQL, with the schema dropped before each case.
 *
 * Covers: the registry (add, duplicate, revoke, list); a batch storing the
 * highest revision per (kiosk, day) and answering what it holds, an older
 * or repeated revision changing nothing, one key twice in a batch, a revoked
 * kiosk's report skipped alone; sticky clock flags; the kiosk's last state;
 * site stock; card events folded into a new bundle version (only new ones,
 * only once there is a base), an invalid import refused whole; days listed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "storage.h"

static char url[512];

static void reset_database(void)
{
	const char *env = getenv("OFFICE_TEST_DATABASE");
	if (env && strncmp(env, "postgres", 8) == 0) {
		snprintf(url, sizeof(url), "%s", env);
		PGconn *c = PQconnectdb(url);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		PGresult *r = PQexec(c, "SET client_min_messages = warning; DROP TABLE IF EXISTS days, "
					"card_events, content, content_base, kiosks, users, settings, officed_schema CASCADE");
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		PQfinish(c);
		return;
	}
	char path[256];
	if (env && strncmp(env, "sqlite:", 7) == 0)
		snprintf(path, sizeof(path), "%s", env + 7);
	else
		snprintf(path, sizeof(path), "/tmp/test-office-storage-%d.db", (int)getpid());
	char side[300];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	snprintf(url, sizeof(url), "sqlite:%s", path);
}

static int setup(void **state)
{
	reset_database();
	struct storage *s = NULL;
	char err[512];
	if (storage_open(url, &s, err, sizeof(err)) != 0)
		fail_msg("storage_open(%s): %s", url, err);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	storage_close(*state);
	if (strncmp(url, "sqlite:", 7) == 0) {
		char side[600];
		unlink(url + 7);
		snprintf(side, sizeof(side), "%s-wal", url + 7);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", url + 7);
		unlink(side);
	}
	return 0;
}

static void add(struct storage *s, const char *id, const char *site)
{
	uint8_t hash[TOKEN_HASH_LEN];
	token_hash(id, strlen(id), hash); /* any distinct hash will do */
	assert_int_equal(storage_kiosk_add(s, id, site, hash, 1000), 0);
}

static struct protocol_day mkday(const char *date, int64_t revision, int64_t handouts)
{
	struct protocol_day d;
	memset(&d, 0, sizeof(d));
	snprintf(d.date, sizeof(d.date), "%s", date);
	d.revision = revision;
	d.handouts = handouts;
	d.restocked_sets = 2 * handouts;
	return d;
}

/* A job with n days copied in (the job owns them). */
static struct ingest_job *mkjob(const char *kiosk, const char *site, const struct protocol_day *days,
				size_t n, int64_t stock)
{
	struct ingest_job *j = calloc(1, sizeof(*j));
	snprintf(j->report.kiosk_id, sizeof(j->report.kiosk_id), "%s", kiosk);
	snprintf(j->report.site_id, sizeof(j->report.site_id), "%s", site);
	j->report.stock_level = stock;
	j->report.clock_synchronized = true;
	j->report.days = calloc(n ? n : 1, sizeof(*days));
	if (n)
		memcpy(j->report.days, days, n * sizeof(*days));
	j->report.n_days = n;
	j->held = calloc(n ? n : 1, sizeof(*j->held));
	j->received_at = 2000;
	return j;
}

static void freejob(struct ingest_job *j)
{
	report_free(&j->report);
	free(j->held);
	free(j);
}

static int ingest(struct storage *s, struct ingest_job **jobs, size_t n, struct ingest_outcome *out)
{
	struct ingest_outcome local;
	int rc = storage_ingest(s, jobs, n, "Asia/Tokyo", out ? out : &local);
	if (rc == 0 && !out)
		ingest_outcome_free(&local);
	if (rc != 0)
		print_error("storage_ingest: %s\n", storage_error(s));
	return rc;
}

static struct protocol_day held_day(struct storage *s, const char *kiosk, const char *date)
{
	struct protocol_day *days, found;
	size_t n;
	memset(&found, 0, sizeof(found));
	assert_int_equal(storage_kiosk_days(s, kiosk, &days, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(days[i].date, date) == 0)
			found = days[i];
	free(days);
	return found;
}

struct list {
	struct storage_kiosk k[8];
	size_t n;
};

static int collect(void *ctx, const struct storage_kiosk *k)
{
	struct list *l = ctx;
	if (l->n < 8)
		l->k[l->n++] = *k;
	return 0;
}

static void test_registry(void **state)
{
	struct storage *s = *state;
	add(s, "k1", "12");
	add(s, "k2", "13");
	uint8_t hash[TOKEN_HASH_LEN] = {1};
	assert_int_equal(storage_kiosk_add(s, "k1", "12", hash, 1), -1);
	assert_non_null(strstr(storage_error(s), "already registered"));
	assert_int_equal(storage_kiosk_add(s, "bad id", "12", hash, 1), -1);
	assert_int_equal(storage_kiosk_revoke(s, "k2", 1500), 0);
	assert_int_equal(storage_kiosk_revoke(s, "k2", 1600), 0); /* the first time stays */
	assert_int_equal(storage_kiosk_revoke(s, "nope", 1500), -1);
	struct list l = {0};
	assert_int_equal(storage_kiosk_each(s, collect, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.k[0].kiosk_id, "k1");
	assert_int_equal(l.k[0].revoked_at, 0);
	assert_int_equal(l.k[1].revoked_at, 1500);
	uint8_t want[TOKEN_HASH_LEN];
	token_hash("k1", 2, want);
	assert_true(token_hash_equal(l.k[0].token_hash, want));
}

static void test_highest_revision_kept(void **state)
{
	struct storage *s = *state;
	add(s, "k1", "12");
	struct protocol_day d1 = mkday("2026-11-01", 5, 5), d2 = mkday("2026-11-02", 1, 1);
	struct protocol_day both[] = {d1, d2};
	struct ingest_job *j = mkjob("k1", "12", both, 2, 7);
	assert_int_equal(ingest(s, &j, 1, NULL), 0);
	assert_int_equal(j->status, 200);
	assert_int_equal(j->held[0], 5);
	assert_int_equal(j->held[1], 1);
	freejob(j);

	/* Older: nothing changes, and the answer says 5 is held. */
	struct protocol_day old = mkday("2026-11-01", 3, 99);
	j = mkjob("k1", "12", &old, 1, 7);
	assert_int_equal(ingest(s, &j, 1, NULL), 0);
	assert_int_equal(j->held[0], 5);
	freejob(j);
	assert_int_equal(held_day(s, "k1", "2026-11-01").handouts, 5);

	/* The same again: harmless. Newer: replaces. */
	j = mkjob("k1", "12", &d1, 1, 7);
	assert_int_equal(ingest(s, &j, 1, NULL), 0);
	freejob(j);
	struct protocol_day newer = mkday("2026-11-01", 6, 6);
	j = mkjob("k1", "12", &newer, 1, 7);
	assert_int_equal(ingest(s, &j, 1, NULL), 0);
	assert_int_equal(j->held[0], 6);
	freejob(j);
	struct protocol_day got = held_day(s, "k1", "2026-11-01");
	assert_int_equal(got.revision, 6);
	assert_int_equal(got.handouts, 6);
	assert_int_equal(got.restocked_sets, 12);

	struct list l = {0};
	storage_kiosk_each(s, collect, &l);
	assert_int_equal(l.k[0].reports, 4);
	assert_int_equal(l.k[0].stock_level, 7);
	assert_int_equal(l.k[0].last_contact, 2000);
}

static void test_same_day_twice_in_a_batch(void **state)
{
	struct storage *s = *state;
	add(s, "k1", "12");
	struct protocol_day a = mkday("2026-11-01", 4, 4), b = mkday("2026-11-01", 7, 7),
			    c = mkday("2026-11-01", 2, 2);
	struct ingest_job *jobs[] = {mkjob("k1", "12", &a, 1, 1), mkjob("k1", "12", &b, 1, 1),
				     mkjob("k1", "12", &c, 1, 1)};
	assert_int_equal(ingest(s, jobs, 3, NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(jobs[i]->status, 200);
		assert_int_equal(jobs[i]->held[0], 7);
		freejob(jobs[i]);
	}
	assert_int_equal(held_day(s, "k1", "2026-11-01").handouts, 7);
}

static void test_revoked_kiosk_skipped_alone(void **state)
{
	struct storage *s = *state;
	add(s, "k1", "12");
	add(s, "k2", "12");
	assert_int_equal(storage_kiosk_revoke(s, "k2", 1500), 0);
	struct protocol_day d = mkday("2026-11-01", 1, 1);
	struct ingest_job *jobs[] = {mkjob("k1", "12", &d, 1, 1), mkjob("k2", "12", &d, 1, 1)};
	assert_int_equal(ingest(s, jobs, 2, NULL), 0);
	assert_int_equal(jobs[0]->status, 200);
	assert_int_equal(jobs[1]->status, 401);
	assert_int_equal(held_day(s, "k1", "2026-11-01").revision, 1);
	assert_int_equal(held_day(s, "k2", "2026-11-01").revision, 0);
	freejob(jobs[0]);
	freejob(jobs[1]);
}

struct flags {
	bool unsynced, disagrees;
	int found;
};

static int find_flags(void *ctx, const struct storage_day *d)
{
	struct flags *f = ctx;
	f->unsynced = d->flag_unsynchronized;
	f->disagrees = d->flag_clock_disagrees;
	f->found++;
	return 0;
}

static void test_clock_flags_stick(void **state)
{
	struct storage *s = *state;
	add(s, "k1", "12");
	struct protocol_day d = mkday("2026-11-01", 1, 1);
	struct ingest_job *j = mkjob("k1", "12", &d, 1, 1);
	j->flag_clock_disagrees = true;
	assert_int_equal(ingest(s, &j, 1, NULL), 0);
	freejob(j);
	d = mkday("2026-11-01", 2, 2);
	d.clock_unsynced = 1;
	j = mkjob("k1", "12", &d, 1, 1);
	assert_int_equal(ingest(s, &j, 1, NULL), 0);
	freejob(j);
	d = mkday("2026-11-01", 3, 3);
	j = mkjob("k1", "12", &d, 1, 1);
	assert_int_equal(ingest(s, &j, 1, NULL), 0);
	freejob(j);
	struct flags f = {0};
	assert_int_equal(storage_days_each(s, "2026-11-01", "2026-11-01", find_flags, &f), 0);
	assert_int_equal(f.found, 1);
	assert_true(f.unsynced);
	assert_true(f.disagrees);
}

static void test_site_stock(void **state)
{
	struct storage *s = *state;
	add(s, "k1", "12");
	add(s, "k2", "13");
	add(s, "k3", "13");
	struct ingest_job *jobs[] = {mkjob("k1", "12", NULL, 0, 4), mkjob("k2", "13", NULL, 0, 3),
				     mkjob("k3", "13", NULL, 0, 2)};
	jobs[2]->report.stock_low = true;
	struct ingest_outcome out;
	assert_int_equal(ingest(s, jobs, 3, &out), 0);
	assert_int_equal(out.n_sites, 2);
	assert_string_equal(out.sites[0].site_id, "12");
	assert_int_equal(out.sites[0].level, 4);
	assert_false(out.sites[0].low);
	assert_string_equal(out.sites[1].site_id, "13");
	assert_int_equal(out.sites[1].level, 5);
	assert_true(out.sites[1].low);
	assert_string_equal(out.content_etag, "");
	ingest_outcome_free(&out);
	for (int i = 0; i < 3; i++)
		freejob(jobs[i]);
}

static const char bundle_text[] =
	"{\"help_url_template\":\"\",\"hotlines\":[],\"windows\":[],\"sessions\":[],"
	"\"sites\":[{\"id\":\"12\",\"name\":\"A\",\"lat\":43.77,\"lon\":142.36,\"hours\":{}}],"
	"\"holidays\":[],\"issued_cards\":[\"00000000000000000000000000000001\"],"
	"\"revoked_cards\":[],\"messages\":{}}";

static struct ingest_job *event_job(const char *card, enum card_action action, int64_t at)
{
	struct ingest_job *j = mkjob("k1", "12", NULL, 0, 1);
	j->report.card_events = calloc(1, sizeof(*j->report.card_events));
	snprintf(j->report.card_events[0].card_id, sizeof(j->report.card_events[0].card_id), "%s",
		 card);
	j->report.card_events[0].action = action;
	j->report.card_events[0].at = at;
	j->report.n_card_events = 1;
	return j;
}

static void test_card_events_publish(void **state)
{
	struct storage *s = *state;
	add(s, "k1", "12");
	const char *card = "0123456789abcdef0123456789abcdef";
	/* No content imported yet: the event is kept, nothing is published. */
	struct ingest_job *j = event_job(card, CARD_ACTION_REVOKED, 1700);
	struct ingest_outcome out;
	assert_int_equal(ingest(s, &j, 1, &out), 0);
	assert_int_equal(j->card_events_held, 1);
	assert_false(out.published);
	ingest_outcome_free(&out);
	freejob(j);

	json_t *base = json_loads(bundle_text, 0, NULL);
	int64_t version = 0;
	assert_int_equal(storage_content_import(s, base, 2100, "Asia/Tokyo", &version), 0);
	assert_int_equal(version, 1);
	json_decref(base);

	/* A new event after the import: version 2, folded in. */
	j = event_job("00000000000000000000000000000001", CARD_ACTION_REVOKED, 1800);
	j->received_at = 2500;
	assert_int_equal(ingest(s, &j, 1, &out), 0);
	assert_true(out.published);
	assert_non_null(strstr(out.content_etag, "\"2-"));
	ingest_outcome_free(&out);
	/* The same event again: nothing new to publish. */
	assert_int_equal(ingest(s, &j, 1, &out), 0);
	assert_false(out.published);
	ingest_outcome_free(&out);
	freejob(j);

	char etag[80], *body = NULL;
	assert_int_equal(storage_content_latest(s, &version, etag, sizeof(etag), &body), 0);
	assert_int_equal(version, 2);
	json_t *b = json_loads(body, 0, NULL);
	free(body);
	assert_string_equal(json_string_value(json_object_get(b, "version")), "2");
	assert_int_equal(json_array_size(json_object_get(b, "issued_cards")), 0);
	assert_int_equal(json_array_size(json_object_get(b, "revoked_cards")), 1);
	json_decref(b);

	/* A bundle with a fault is refused whole: still version 2. */
	json_t *bad = json_loads(bundle_text, 0, NULL);
	json_object_del(bad, "sites");
	assert_int_equal(storage_content_import(s, bad, 3000, "Asia/Tokyo", &version), -1);
	assert_non_null(strstr(storage_error(s), "sites"));
	json_decref(bad);
	assert_int_equal(storage_content_latest(s, &version, etag, sizeof(etag), NULL), 0);
	assert_int_equal(version, 2);
}

static int count_days(void *ctx, const struct storage_day *d)
{
	(void)d;
	(*(int *)ctx)++;
	return 0;
}

static void test_days_listed_in_order(void **state)
{
	struct storage *s = *state;
	add(s, "k1", "12");
	struct protocol_day days[] = {mkday("2026-11-03", 1, 1), mkday("2026-11-01", 1, 1),
				      mkday("2026-11-02", 1, 1)};
	struct ingest_job *j = mkjob("k1", "12", days, 3, 1);
	assert_int_equal(ingest(s, &j, 1, NULL), 0);
	freejob(j);
	struct protocol_day *got;
	size_t n;
	assert_int_equal(storage_kiosk_days(s, "k1", &got, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(got[0].date, "2026-11-01");
	assert_string_equal(got[2].date, "2026-11-03");
	free(got);
	int count = 0;
	assert_int_equal(storage_days_each(s, "2026-11-02", "", count_days, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(storage_ping(s), 0);
}

/* The dashboard's logins and the deployment's session key. */
static void test_users_and_secrets(void **state)
{
	struct storage *s = *state;
	char hash[STORAGE_PASSWORD_HASH_MAX];
	bool found = true;
	assert_int_equal(storage_user_get(s, "alice", hash, &found), 0);
	assert_false(found);
	assert_int_equal(storage_user_put(s, "alice", "scrypt$1", 100, false), 0);
	assert_int_not_equal(storage_user_put(s, "alice", "scrypt$2", 101, false), 0);
	assert_non_null(strstr(storage_error(s), "exists"));
	assert_int_not_equal(storage_user_put(s, "bob", "scrypt$2", 101, true), 0);
	assert_int_equal(storage_user_put(s, "alice", "scrypt$3", 102, true), 0);
	assert_int_equal(storage_user_get(s, "alice", hash, &found), 0);
	assert_true(found);
	assert_string_equal(hash, "scrypt$3");
	assert_int_not_equal(storage_user_put(s, "bad name", "x", 1, false), 0);
	assert_int_equal(storage_user_remove(s, "alice"), 0);
	assert_int_not_equal(storage_user_remove(s, "alice"), 0);
	uint8_t a[32], b[32];
	assert_int_equal(storage_secret(s, "session_key", a, sizeof(a)), 0);
	assert_int_equal(storage_secret(s, "session_key", b, sizeof(b)), 0);
	assert_memory_equal(a, b, sizeof(a));
	/* A second handle (another instance) gets the same key. */
	struct storage *other = NULL;
	char err[512];
	assert_int_equal(storage_open(url, &other, err, sizeof(err)), 0);
	assert_int_equal(storage_secret(other, "session_key", b, sizeof(b)), 0);
	assert_memory_equal(a, b, sizeof(a));
	storage_close(other);
}

int main(void)
{
	log_init("test_office_storage", LOG_LEVEL_ERROR);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_registry),
		T(test_highest_revision_kept),
		T(test_same_day_twice_in_a_batch),
		T(test_revoked_kiosk_skipped_alone),
		T(test_clock_flags_stick),
		T(test_site_stock),
		T(test_card_events_publish),
		T(test_days_listed_in_order),
		T(test_users_and_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
