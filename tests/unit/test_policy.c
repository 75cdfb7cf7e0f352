/*
 * test_policy: the tap policy (firmware/policy.h), a pure function tested
 * with plain values.
 *
 * Covers: the order of the checks (unusable, staff, revoked, not issued,
 * repeat, limit, out of stock); unlimited, limit 1 and 3 with rolling
 * periods of 1 and 30 days, to the second at the window's edge; which
 * handout next_eligible comes from when several are in the window; calendar
 * months in Asia/Tokyo, America/New_York and UTC (month ends, one instant in
 * two months, December to January, the leap day, DST months); accept =
 * issued; debounce through the history; wall-clock jumps within a boot and
 * handouts from another boot; policy_history_seconds, policy_same_tap and
 * policy_outcome_name.
 *
 * Expected instants are computed independently of tz.c: timegm() on the
 * local fields plus the zone's fixed UTC offset on that date (Tokyo is
 * UTC+9 all year; New York is UTC-5 in winter and UTC-4 in summer), so a
 * wrong zone switch in tz.c cannot hide behind the same computation.
 * Calendar tests use the system's zoneinfo (TZDIR if set) and skip when a
 * zone they need is missing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"

#define DAY 86400
#define TOKYO "Asia/Tokyo"
#define NEW_YORK "America/New_York"
#define UTC "UTC"

/* A fixed "now" for tests that do not care about the calendar: 2024-06-15 12:00:00 UTC. */
#define NOW ((int64_t)1718452800)

/* Unix time of a UTC calendar time, by timegm(). */
static int64_t utc(int year, int mon, int mday, int hour, int min, int sec)
{
	struct tm tm = {
		.tm_year = year - 1900,
		.tm_mon = mon - 1,
		.tm_mday = mday,
		.tm_hour = hour,
		.tm_min = min,
		.tm_sec = sec,
	};
	return (int64_t)timegm(&tm);
}

/* Local time in a zone with a fixed offset (seconds east of UTC) on that date. */
static int64_t local_at(int offset, int year, int mon, int mday, int hour, int min, int sec)
{
	return utc(year, mon, mday, hour, min, sec) - offset;
}

#define JST (9 * 3600)
#define EST (-5 * 3600)
#define EDT (-4 * 3600)

/*
 * Calendar tests need the real zoneinfo (glibc silently treats a zone it
 * cannot find as UTC, which would turn these into false failures): skip
 * them, as test_config does, on a machine without tzdata.
 */
static void need_zones(void)
{
	static const char *const zones[] = {TOKYO, NEW_YORK, "Europe/London"};
	const char *dir = getenv("TZDIR");
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
			 zones[i]);
		if (access(path, R_OK) != 0)
			skip();
	}
}

static struct policy_rules rolling(unsigned limit, unsigned days)
{
	return (struct policy_rules){
		.limit = limit,
		.period = POLICY_PERIOD_ROLLING,
		.period_days = days,
		.accept = ACCEPT_ANY,
		.debounce_seconds = 5,
		.timezone = TOKYO,
	};
}

static struct policy_rules monthly(unsigned limit, const char *zone)
{
	return (struct policy_rules){
		.limit = limit,
		.period = POLICY_PERIOD_MONTH,
		.period_days = 30,
		.accept = ACCEPT_ANY,
		.debounce_seconds = 5,
		.timezone = zone,
	};
}

/* A handout from another boot (age unknown) at wall time at. */
static struct policy_handout other_boot(int64_t at) { return (struct policy_handout){.at = at, .age = -1}; }

/* A handout in this boot, age seconds ago, stamped with wall time at. */
static struct policy_handout this_boot(int64_t at, int64_t age)
{
	return (struct policy_handout){.at = at, .age = age};
}

static struct policy_decision decide(const struct policy_rules *rules, int64_t now,
				     const struct policy_handout *h, size_t n, int64_t stock)
{
	struct policy_input in = {
		.now = now,
		.handouts = h,
		.n_handouts = n,
		.stock = stock,
	};
	return policy_decide(rules, &in);
}

static struct policy_decision decide_card(const struct policy_rules *rules, int64_t now,
					  struct policy_card card, const struct policy_handout *h,
					  size_t n, int64_t stock)
{
	struct policy_input in = {
		.now = now,
		.card = card,
		.handouts = h,
		.n_handouts = n,
		.stock = stock,
	};
	return policy_decide(rules, &in);
}

/* Macros rather than functions, so a failure names the caller's line. */
#define assert_grant(decision)                                                      \
	do {                                                                        \
		struct policy_decision d_ = (decision);                             \
		assert_string_equal(policy_outcome_name(d_.outcome), "grant");      \
		assert_false(d_.repeat);                                            \
	} while (0)

#define assert_repeat(decision)                                                     \
	do {                                                                        \
		struct policy_decision d_ = (decision);                             \
		assert_string_equal(policy_outcome_name(d_.outcome), "grant");      \
		assert_true(d_.repeat);                                             \
	} while (0)

#define assert_limit(decision, next)                                                \
	do {                                                                        \
		struct policy_decision d_ = (decision);                             \
		assert_string_equal(policy_outcome_name(d_.outcome), "limit");      \
		assert_int_equal(d_.next_eligible, (next));                         \
	} while (0)

/* ---- order of the checks ---- */

static void test_order_unusable_first(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.accept = ACCEPT_ISSUED;
	struct policy_handout h[] = {this_boot(NOW - 1, 1)};
	struct policy_card all = {.unusable = true, .staff = true, .revoked = true, .issued = false};
	struct policy_decision d = decide_card(&r, NOW, all, h, 1, 0);
	assert_int_equal(d.outcome, POLICY_DENY_UNUSABLE_CARD);
	assert_false(d.repeat);
}

static void test_order_staff_before_revoked(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.accept = ACCEPT_ISSUED;
	struct policy_handout h[] = {this_boot(NOW - 1, 1)};
	struct policy_card c = {.staff = true, .revoked = true, .issued = false};
	struct policy_decision d = decide_card(&r, NOW, c, h, 1, 0);
	assert_int_equal(d.outcome, POLICY_STAFF);
	assert_false(d.repeat);
}

static void test_order_revoked_before_not_issued_and_repeat(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.accept = ACCEPT_ISSUED;
	/* A handout 1 s ago would be a repeat; revoked must still win. */
	struct policy_handout h[] = {this_boot(NOW - 1, 1)};
	struct policy_card c = {.revoked = true, .issued = false};
	struct policy_decision d = decide_card(&r, NOW, c, h, 1, 0);
	assert_int_equal(d.outcome, POLICY_DENY_REVOKED);
	assert_false(d.repeat);
}

static void test_order_not_issued_before_repeat_and_limit(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.accept = ACCEPT_ISSUED;
	struct policy_handout recent[] = {this_boot(NOW - 1, 1)};
	struct policy_decision d = decide_card(&r, NOW, (struct policy_card){0}, recent, 1, 10);
	assert_int_equal(d.outcome, POLICY_DENY_NOT_ISSUED);
	assert_false(d.repeat);

	struct policy_handout old[] = {this_boot(NOW - DAY, DAY)};
	d = decide_card(&r, NOW, (struct policy_card){0}, old, 1, 0);
	assert_int_equal(d.outcome, POLICY_DENY_NOT_ISSUED);
}

static void test_order_repeat_before_limit_and_stock(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	struct policy_handout h[] = {this_boot(NOW - 2, 2), this_boot(NOW - DAY, DAY)};
	struct policy_decision d = decide(&r, NOW, h, 2, 0);
	assert_repeat(d);
}

static void test_order_limit_before_out_of_stock(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	struct policy_handout h[] = {other_boot(NOW - 10 * DAY)};
	struct policy_decision d = decide(&r, NOW, h, 1, 0);
	assert_limit(d, NOW + 20 * DAY);
}

static void test_out_of_stock(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	assert_int_equal(decide(&r, NOW, NULL, 0, 0).outcome, POLICY_DENY_OUT_OF_STOCK);
	assert_int_equal(decide(&r, NOW, NULL, 0, -3).outcome, POLICY_DENY_OUT_OF_STOCK);
	assert_grant(decide(&r, NOW, NULL, 0, 1));
	/* A card under its limit with stock 0 hears the box is empty. */
	struct policy_handout old[] = {other_boot(NOW - 31 * DAY)};
	assert_int_equal(decide(&r, NOW, old, 1, 0).outcome, POLICY_DENY_OUT_OF_STOCK);
	/* Unlimited cards too. */
	r.limit = 0;
	assert_int_equal(decide(&r, NOW, old, 1, 0).outcome, POLICY_DENY_OUT_OF_STOCK);
}

/* ---- accept = issued ---- */

static void test_accept_issued(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.accept = ACCEPT_ISSUED;
	assert_grant(decide_card(&r, NOW, (struct policy_card){.issued = true}, NULL, 0, 5));
	assert_int_equal(decide_card(&r, NOW, (struct policy_card){0}, NULL, 0, 5).outcome,
			 POLICY_DENY_NOT_ISSUED);
	assert_int_equal(
		decide_card(&r, NOW, (struct policy_card){.issued = true, .revoked = true}, NULL, 0, 5)
			.outcome,
		POLICY_DENY_REVOKED);
	/* An issued card is still limited. */
	struct policy_handout h[] = {other_boot(NOW - DAY)};
	assert_limit(decide_card(&r, NOW, (struct policy_card){.issued = true}, h, 1, 5),
		     NOW - DAY + 30 * DAY);
}

static void test_accept_any(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	assert_grant(decide_card(&r, NOW, (struct policy_card){0}, NULL, 0, 5));
	assert_grant(decide_card(&r, NOW, (struct policy_card){.issued = true}, NULL, 0, 5));
	assert_int_equal(decide_card(&r, NOW, (struct policy_card){.revoked = true}, NULL, 0, 5).outcome,
			 POLICY_DENY_REVOKED);
}

/* ---- limits, rolling window ---- */

static void test_limit_zero_unlimited(void **state)
{
	(void)state;
	struct policy_rules r = rolling(0, 30);
	struct policy_handout h[100];
	for (size_t i = 0; i < 100; i++)
		h[i] = other_boot(NOW - 60 - (int64_t)i * 60);
	assert_grant(decide(&r, NOW, h, 100, 1));
	r.period = POLICY_PERIOD_MONTH;
	assert_grant(decide(&r, NOW, h, 100, 1));
}

static void test_rolling_boundary(unsigned days)
{
	struct policy_rules r = rolling(1, days);
	int64_t p = (int64_t)days * DAY;
	const int64_t t = NOW;
	struct policy_handout h[] = {other_boot(t)};

	assert_limit(decide(&r, t + p - 1, h, 1, 10), t + p);
	assert_grant(decide(&r, t + p, h, 1, 10));
	assert_grant(decide(&r, t + p + 1, h, 1, 10));

	/* The same on this boot's clock (age known). */
	struct policy_handout a[] = {this_boot(t, p - 1)};
	assert_limit(decide(&r, t + p - 1, a, 1, 10), t + p);
	a[0].age = p;
	assert_grant(decide(&r, t + p, a, 1, 10));
}

static void test_rolling_1_day_boundary(void **state)
{
	(void)state;
	test_rolling_boundary(1);
}

static void test_rolling_30_day_boundary(void **state)
{
	(void)state;
	test_rolling_boundary(30);
}

static void test_rolling_limit_3(void **state)
{
	(void)state;
	struct policy_rules r = rolling(3, 30);
	int64_t t1 = NOW - 20 * DAY, t2 = NOW - 10 * DAY, t3 = NOW - DAY;
	struct policy_handout two[] = {other_boot(t2), other_boot(t1)};
	assert_grant(decide(&r, NOW, two, 2, 10));

	struct policy_handout three[] = {other_boot(t3), other_boot(t1), other_boot(t2)};
	assert_limit(decide(&r, NOW, three, 3, 10), t1 + 30 * DAY);
	/* Once the oldest has left the window, one more is allowed. */
	assert_limit(decide(&r, t1 + 30 * DAY - 1, three, 3, 10), t1 + 30 * DAY);
	assert_grant(decide(&r, t1 + 30 * DAY, three, 3, 10));

	/* Three handouts, one of them outside the window: two count. */
	struct policy_handout mixed[] = {other_boot(NOW - 31 * DAY), other_boot(t2), other_boot(t3)};
	assert_grant(decide(&r, NOW, mixed, 3, 10));
}

static void test_rolling_limit_3_one_day(void **state)
{
	(void)state;
	struct policy_rules r = rolling(3, 1);
	struct policy_handout h[] = {other_boot(NOW - 3600), other_boot(NOW - 7200),
				     other_boot(NOW - 60)};
	assert_limit(decide(&r, NOW, h, 3, 10), NOW - 7200 + DAY);
	assert_grant(decide(&r, NOW, h, 2, 10));
}

static void test_rolling_next_eligible_several(void **state)
{
	(void)state;
	/* Limit 2, three handouts in the window: the middle one must expire. */
	struct policy_rules r = rolling(2, 30);
	int64_t t1 = NOW - 25 * DAY, t2 = NOW - 12 * DAY, t3 = NOW - 3 * DAY;
	struct policy_handout h[] = {other_boot(t3), other_boot(t1), other_boot(t2)};
	assert_limit(decide(&r, NOW, h, 3, 10), t2 + 30 * DAY);
	/* After t1 has expired, two remain: still denied until t2 expires. */
	assert_limit(decide(&r, t1 + 30 * DAY, h, 3, 10), t2 + 30 * DAY);
	assert_grant(decide(&r, t2 + 30 * DAY, h, 3, 10));

	/* Limit 1 with two in the window: the newer one governs. */
	r.limit = 1;
	assert_limit(decide(&r, NOW, h, 3, 10), t3 + 30 * DAY);
}

/* ---- calendar months ---- */

static void test_month_tokyo_month_end(void **state)
{
	(void)state;
	need_zones();
	struct policy_rules r = monthly(1, TOKYO);
	r.debounce_seconds = 0;
	int64_t jan31_last = local_at(JST, 2024, 1, 31, 23, 59, 59);
	int64_t feb1_first = local_at(JST, 2024, 2, 1, 0, 0, 0);
	assert_int_equal(feb1_first - jan31_last, 1);
	assert_int_equal(jan31_last, 1706713199); /* date -d '2024-01-31 23:59:59 +0900' +%s */

	/* Handed out on Jan 1 at midnight; the last second of January is still January. */
	struct policy_handout h[] = {other_boot(local_at(JST, 2024, 1, 1, 0, 0, 0))};
	assert_limit(decide(&r, jan31_last, h, 1, 10), feb1_first);
	assert_grant(decide(&r, feb1_first, h, 1, 10));

	/* Handed out in the last second of January: a new month one second later. */
	struct policy_handout last[] = {other_boot(jan31_last)};
	assert_grant(decide(&r, feb1_first, last, 1, 10));
	/* Handed out on Feb 1 at midnight: denied to the last second of February. */
	struct policy_handout feb[] = {other_boot(feb1_first)};
	assert_limit(decide(&r, local_at(JST, 2024, 2, 29, 23, 59, 59), feb, 1, 10),
		     local_at(JST, 2024, 3, 1, 0, 0, 0));
}

static void test_month_same_instant_different_zones(void **state)
{
	(void)state;
	need_zones();
	/* 2024-01-31 16:00 UTC is Feb 1 01:00 in Tokyo, Jan 31 11:00 in New York. */
	int64_t now = utc(2024, 1, 31, 16, 0, 0);
	struct policy_handout h[] = {other_boot(utc(2024, 1, 31, 10, 0, 0))};

	struct policy_rules r = monthly(1, TOKYO);
	assert_grant(decide(&r, now, h, 1, 10));

	r = monthly(1, NEW_YORK);
	assert_limit(decide(&r, now, h, 1, 10), local_at(EST, 2024, 2, 1, 0, 0, 0));
	assert_int_equal(local_at(EST, 2024, 2, 1, 0, 0, 0), utc(2024, 2, 1, 5, 0, 0));

	r = monthly(1, UTC);
	assert_limit(decide(&r, now, h, 1, 10), utc(2024, 2, 1, 0, 0, 0));

	/* Back to Tokyo after the others: the zone switch must follow. */
	r = monthly(1, TOKYO);
	assert_grant(decide(&r, now, h, 1, 10));
	int64_t tokyo_jan = utc(2024, 1, 31, 14, 59, 59); /* Jan 31 23:59:59 JST */
	assert_limit(decide(&r, tokyo_jan, h, 1, 10), utc(2024, 1, 31, 15, 0, 0));
}

static void test_month_new_york_and_utc_month_end(void **state)
{
	(void)state;
	need_zones();
	struct policy_rules r = monthly(1, NEW_YORK);
	r.debounce_seconds = 0;
	struct policy_handout h[] = {other_boot(local_at(EST, 2024, 1, 1, 0, 0, 0))};
	assert_limit(decide(&r, local_at(EST, 2024, 1, 31, 23, 59, 59), h, 1, 10),
		     local_at(EST, 2024, 2, 1, 0, 0, 0));
	assert_grant(decide(&r, local_at(EST, 2024, 2, 1, 0, 0, 0), h, 1, 10));
	/* Dec 31 23:59:59 of the year before is another month. */
	struct policy_handout dec[] = {other_boot(local_at(EST, 2023, 12, 31, 23, 59, 59))};
	assert_grant(decide(&r, local_at(EST, 2024, 1, 1, 0, 0, 0), dec, 1, 10));

	r = monthly(1, UTC);
	r.debounce_seconds = 0;
	struct policy_handout u[] = {other_boot(utc(2024, 4, 1, 0, 0, 0))};
	assert_limit(decide(&r, utc(2024, 4, 30, 23, 59, 59), u, 1, 10), utc(2024, 5, 1, 0, 0, 0));
	assert_grant(decide(&r, utc(2024, 5, 1, 0, 0, 0), u, 1, 10));
}

static void test_month_december_to_january(void **state)
{
	(void)state;
	need_zones();
	struct policy_rules r = monthly(1, TOKYO);
	r.debounce_seconds = 0;
	struct policy_handout h[] = {other_boot(local_at(JST, 2024, 12, 15, 10, 0, 0))};
	int64_t next = local_at(JST, 2025, 1, 1, 0, 0, 0);
	assert_int_equal(next, utc(2024, 12, 31, 15, 0, 0));
	assert_limit(decide(&r, local_at(JST, 2024, 12, 31, 23, 59, 59), h, 1, 10), next);
	assert_grant(decide(&r, next, h, 1, 10));

	r = monthly(1, NEW_YORK);
	r.debounce_seconds = 0;
	assert_limit(decide(&r, local_at(EST, 2024, 12, 31, 23, 59, 59), h, 1, 10),
		     local_at(EST, 2025, 1, 1, 0, 0, 0));
}

static void test_month_same_month_last_year(void **state)
{
	(void)state;
	need_zones();
	/* January 2023 is not January 2024. */
	struct policy_rules r = monthly(1, TOKYO);
	struct policy_handout h[] = {other_boot(local_at(JST, 2023, 1, 20, 12, 0, 0))};
	assert_grant(decide(&r, local_at(JST, 2024, 1, 20, 12, 0, 0), h, 1, 10));
}

static void test_month_limit_3(void **state)
{
	(void)state;
	need_zones();
	struct policy_rules r = monthly(3, TOKYO);
	struct policy_handout h[] = {
		other_boot(local_at(JST, 2024, 5, 2, 9, 0, 0)),
		other_boot(local_at(JST, 2024, 5, 10, 9, 0, 0)),
		other_boot(local_at(JST, 2024, 4, 30, 23, 59, 59)), /* April */
		other_boot(local_at(JST, 2024, 5, 20, 9, 0, 0)),
	};
	int64_t now = local_at(JST, 2024, 5, 31, 12, 0, 0);
	/* Two in May (the April one does not count): granted. */
	assert_grant(decide(&r, now, h, 3, 10));
	/* Three in May: denied until June 1 00:00 JST. */
	assert_limit(decide(&r, now, h, 4, 10), local_at(JST, 2024, 6, 1, 0, 0, 0));
}

static void test_leap_day_month(void **state)
{
	(void)state;
	need_zones();
	struct policy_rules r = monthly(1, TOKYO);
	r.debounce_seconds = 0;
	int64_t leap = local_at(JST, 2028, 2, 29, 12, 0, 0);
	int64_t march = local_at(JST, 2028, 3, 1, 0, 0, 0);
	/* Handed out on Feb 1: the leap day is still February. */
	struct policy_handout feb1[] = {other_boot(local_at(JST, 2028, 2, 1, 0, 0, 0))};
	assert_limit(decide(&r, leap, feb1, 1, 10), march);
	assert_limit(decide(&r, march - 1, feb1, 1, 10), march);
	assert_grant(decide(&r, march, feb1, 1, 10));

	/* Handed out on the leap day. */
	struct policy_handout on_leap[] = {other_boot(leap)};
	assert_limit(decide(&r, local_at(JST, 2028, 2, 29, 23, 59, 59), on_leap, 1, 10), march);
	assert_grant(decide(&r, march, on_leap, 1, 10));

	/* In UTC; Feb 1 00:00 JST would be January there, so use UTC midnight. */
	r = monthly(1, UTC);
	r.debounce_seconds = 0;
	struct policy_handout ufeb1[] = {other_boot(utc(2028, 2, 1, 0, 0, 0))};
	assert_limit(decide(&r, utc(2028, 2, 29, 23, 59, 59), ufeb1, 1, 10), utc(2028, 3, 1, 0, 0, 0));
	assert_grant(decide(&r, utc(2028, 2, 29, 23, 59, 59), feb1, 1, 10));
}

static void test_leap_day_rolling(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 1);
	struct policy_handout h[] = {other_boot(utc(2028, 2, 28, 12, 0, 0))};
	assert_limit(decide(&r, utc(2028, 2, 29, 11, 59, 59), h, 1, 10), utc(2028, 2, 29, 12, 0, 0));
	assert_grant(decide(&r, utc(2028, 2, 29, 12, 0, 0), h, 1, 10));

	/* 30 days from Feb 15, 2028 is Mar 16 (February has 29 days). */
	r = rolling(1, 30);
	struct policy_handout f[] = {other_boot(utc(2028, 2, 15, 0, 0, 0))};
	assert_limit(decide(&r, utc(2028, 2, 29, 0, 0, 0), f, 1, 10), utc(2028, 3, 16, 0, 0, 0));
	assert_limit(decide(&r, utc(2028, 3, 15, 23, 59, 59), f, 1, 10), utc(2028, 3, 16, 0, 0, 0));
	assert_grant(decide(&r, utc(2028, 3, 16, 0, 0, 0), f, 1, 10));
}

static void test_month_new_york_dst(void **state)
{
	(void)state;
	need_zones();
	struct policy_rules r = monthly(1, NEW_YORK);
	r.debounce_seconds = 0;

	/* March 2024: DST begins Mar 10 at 02:00 EST. Month starts EST, ends EDT. */
	struct policy_handout mar[] = {other_boot(local_at(EST, 2024, 3, 1, 0, 0, 0))};
	assert_int_equal(local_at(EST, 2024, 3, 1, 0, 0, 0), utc(2024, 3, 1, 5, 0, 0));
	int64_t mar_last = local_at(EDT, 2024, 3, 31, 23, 59, 59);
	int64_t apr_first = local_at(EDT, 2024, 4, 1, 0, 0, 0);
	assert_int_equal(apr_first, utc(2024, 4, 1, 4, 0, 0));
	assert_limit(decide(&r, mar_last, mar, 1, 10), apr_first);
	assert_grant(decide(&r, apr_first, mar, 1, 10));
	/* Before and after the transition within March. */
	assert_limit(decide(&r, local_at(EST, 2024, 3, 10, 1, 59, 59), mar, 1, 10), apr_first);
	assert_limit(decide(&r, local_at(EDT, 2024, 3, 10, 3, 0, 0), mar, 1, 10), apr_first);

	/* November 2024: DST ends Nov 3 at 02:00 EDT. Month starts EDT, ends EST. */
	struct policy_handout nov[] = {other_boot(local_at(EDT, 2024, 11, 1, 0, 0, 0))};
	int64_t dec_first = local_at(EST, 2024, 12, 1, 0, 0, 0);
	assert_int_equal(dec_first, utc(2024, 12, 1, 5, 0, 0));
	assert_limit(decide(&r, local_at(EST, 2024, 11, 30, 23, 59, 59), nov, 1, 10), dec_first);
	assert_grant(decide(&r, dec_first, nov, 1, 10));
	/* Oct 31 23:59:59 EDT is October. */
	struct policy_handout oct[] = {other_boot(local_at(EDT, 2024, 10, 31, 23, 59, 59))};
	assert_grant(decide(&r, local_at(EDT, 2024, 11, 1, 0, 0, 0), oct, 1, 10));
	/* A tap in the repeated hour (01:30 EST, after the fall-back). */
	assert_limit(decide(&r, local_at(EST, 2024, 11, 3, 1, 30, 0), nov, 1, 10), dec_first);
}

/* ---- debounce through the history ---- */

static void test_debounce_history(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.debounce_seconds = 5;

	struct policy_handout h3[] = {this_boot(NOW - 3, 3)};
	assert_repeat(decide(&r, NOW, h3, 1, 10));
	/* Even with the stock now empty and the limit reached. */
	assert_repeat(decide(&r, NOW, h3, 1, 0));

	struct policy_handout h4[] = {this_boot(NOW - 4, 4)};
	assert_repeat(decide(&r, NOW, h4, 1, 10));

	struct policy_handout h5[] = {this_boot(NOW - 5, 5)};
	struct policy_decision d = decide(&r, NOW, h5, 1, 10);
	assert_false(d.repeat);
	assert_limit(d, NOW - 5 + 30 * DAY);

	/* Without a limit, 5 s later is a new handout. */
	r.limit = 0;
	assert_grant(decide(&r, NOW, h5, 1, 10));
	assert_repeat(decide(&r, NOW, h3, 1, 10));

	/* Another boot's handout 3 s ago by the wall clock is not: only this
	 * boot's clock times a repeat (no kiosk reboots in 3 s). */
	r.limit = 1;
	struct policy_handout o3[] = {other_boot(NOW - 3)};
	d = decide(&r, NOW, o3, 1, 10);
	assert_false(d.repeat);
	assert_limit(d, NOW - 3 + 30 * DAY);

	/* Debounce 0 never repeats. */
	r.debounce_seconds = 0;
	struct policy_handout h0[] = {this_boot(NOW, 0)};
	d = decide(&r, NOW, h0, 1, 10);
	assert_false(d.repeat);
	assert_limit(d, NOW + 30 * DAY);
}

/* ---- clock jumps ---- */

static void test_effective_time(void **state)
{
	(void)state;
	struct policy_handout h = this_boot(NOW - 365 * DAY, 60);
	assert_int_equal(policy_effective_time(&h, NOW), NOW - 60);
	h = this_boot(NOW + 365 * DAY, 60);
	assert_int_equal(policy_effective_time(&h, NOW), NOW - 60);
	/* Age 0 is known (just now), not "unknown". */
	h = this_boot(NOW - 365 * DAY, 0);
	assert_int_equal(policy_effective_time(&h, NOW), NOW);
	h = other_boot(NOW - 100);
	assert_int_equal(policy_effective_time(&h, NOW), NOW - 100);
	h = other_boot(NOW + 365 * DAY);
	assert_int_equal(policy_effective_time(&h, NOW), NOW);
	h = other_boot(NOW);
	assert_int_equal(policy_effective_time(&h, NOW), NOW);
}

static void test_clock_jump_back_same_boot(void **state)
{
	(void)state;
	need_zones();
	/* Handed out 10 days ago (boot clock); the wall clock then jumped back a year. */
	struct policy_rules r = rolling(1, 30);
	int64_t made = NOW;
	int64_t now = made + 10 * DAY - 365 * DAY;
	struct policy_handout h[] = {this_boot(made, 10 * DAY)};
	assert_limit(decide(&r, now, h, 1, 10), now + 20 * DAY);
	/* 30 days on the boot clock: granted, though its wall stamp is in the future. */
	h[0].age = 30 * DAY;
	assert_grant(decide(&r, now, h, 1, 10));
	/* Month mode: the age places it in the current month. */
	struct policy_rules m = monthly(1, TOKYO);
	int64_t mnow = local_at(JST, 2024, 6, 20, 12, 0, 0);
	struct policy_handout mh[] = {this_boot(mnow + 365 * DAY, 3 * DAY)};
	assert_limit(decide(&m, mnow, mh, 1, 10), local_at(JST, 2024, 7, 1, 0, 0, 0));
}

static void test_clock_jump_forward_same_boot(void **state)
{
	(void)state;
	/* Handed out 10 days ago; the wall clock then jumped forward a year. */
	struct policy_rules r = rolling(1, 30);
	int64_t made = NOW;
	int64_t now = made + 10 * DAY + 365 * DAY;
	struct policy_handout h[] = {this_boot(made, 10 * DAY)};
	assert_limit(decide(&r, now, h, 1, 10), now + 20 * DAY);
	/* And the debounce: 2 s ago on the boot clock is a repeat. */
	h[0].age = 2;
	assert_repeat(decide(&r, now, h, 1, 10));
}

static void test_clock_other_boot_past(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	struct policy_handout h[] = {other_boot(NOW - 10 * DAY)};
	assert_limit(decide(&r, NOW, h, 1, 10), NOW - 10 * DAY + 30 * DAY);
	h[0].at = NOW - 30 * DAY;
	assert_grant(decide(&r, NOW, h, 1, 10));
}

/*
 * A handout from another boot stamped a year in the future (the clock was
 * wrong then) counts as made now: locked out for at most one period from now.
 * policy.h: "a wrong clock can lock a card out for at most one ordinary
 * period, never until some far-off date". With the default debounce (5 s)
 * such a handout must not make every tap a repeat of it.
 */
static void test_clock_other_boot_future(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.debounce_seconds = 5;
	struct policy_handout h[] = {other_boot(NOW + 365 * DAY)};
	struct policy_decision d = decide(&r, NOW, h, 1, 10);
	assert_false(d.repeat);
	assert_limit(d, NOW + 30 * DAY);
}

/* The same with debounce 0, where the first decision is as promised. */
static void test_clock_other_boot_future_no_debounce(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.debounce_seconds = 0;
	struct policy_handout h[] = {other_boot(NOW + 365 * DAY)};
	struct policy_decision d = decide(&r, NOW, h, 1, 10);
	assert_limit(d, NOW + 30 * DAY);
	assert_true(d.next_eligible < h[0].at);
}

/*
 * The promise made by that denial must hold: at next_eligible the card is
 * granted, not told to wait another period. A pure function cannot remember
 * when it first saw the row, so the store re-stamps it to that moment (see
 * test_store's test_future_row_restamped_once); from then on the row is
 * timed on this boot's clock, and the policy keeps the date it promised.
 */
static void test_clock_other_boot_future_next_eligible_honoured(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.debounce_seconds = 5;
	struct policy_handout h[] = {other_boot(NOW + 365 * DAY)};
	struct policy_decision first = decide(&r, NOW, h, 1, 10);
	assert_int_equal(first.outcome, POLICY_DENY_LIMIT);
	/* As the store hands it back once re-stamped at NOW, seen later. */
	int64_t e = first.next_eligible;
	struct policy_handout restamped[] = {{.at = NOW, .age = 0, .restamped = true}};
	/* Re-stamped a moment ago: not "the same tap" (no handout was made then). */
	struct policy_decision at_once = decide(&r, NOW, restamped, 1, 10);
	assert_false(at_once.repeat);
	assert_limit(at_once, e);
	restamped[0].age = e - NOW - 1;
	assert_limit(decide(&r, e - 1, restamped, 1, 10), e);
	restamped[0].age = e - NOW;
	assert_string_equal(policy_outcome_name(decide(&r, e, restamped, 1, 10).outcome), "grant");
}

/* ---- policy_history_seconds ---- */

static void test_history_seconds(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	assert_int_equal(policy_history_seconds(&r), 30 * DAY);
	r = rolling(1, 1);
	assert_int_equal(policy_history_seconds(&r), DAY);
	r.debounce_seconds = 600;
	assert_int_equal(policy_history_seconds(&r), DAY);
	r = rolling(3, 366);
	assert_int_equal(policy_history_seconds(&r), 366 * DAY);
	/* The debounce is the floor. */
	r = rolling(1, 0);
	r.debounce_seconds = 10;
	assert_int_equal(policy_history_seconds(&r), 10);
	/* A calendar month reaches back at most 31 days and an hour (DST), whatever
	 * period_days says: 32 days. */
	r = monthly(1, TOKYO);
	r.period_days = 1;
	assert_int_equal(policy_history_seconds(&r), 32 * DAY);
	r.period_days = 90;
	assert_int_equal(policy_history_seconds(&r), 32 * DAY);
}

/* Every handout that still changes a decision is within policy_history_seconds. */
static void test_history_seconds_covers_decisions(void **state)
{
	(void)state;
	need_zones();
	struct policy_rules r = rolling(1, 30);
	r.debounce_seconds = 0;
	int64_t keep = policy_history_seconds(&r);
	struct policy_handout h[] = {other_boot(NOW - keep + 1)};
	assert_int_equal(decide(&r, NOW, h, 1, 10).outcome, POLICY_DENY_LIMIT);
	h[0].at = NOW - keep;
	assert_grant(decide(&r, NOW, h, 1, 10));

	/* The longest month in Tokyo: Jan 1 00:00:00 to Jan 31 23:59:59. */
	r = monthly(1, TOKYO);
	r.debounce_seconds = 0;
	int64_t first = local_at(JST, 2024, 1, 1, 0, 0, 0);
	int64_t last = local_at(JST, 2024, 1, 31, 23, 59, 59);
	struct policy_handout m[] = {other_boot(first)};
	assert_int_equal(decide(&r, last, m, 1, 10).outcome, POLICY_DENY_LIMIT);
	assert_true(last - first < policy_history_seconds(&r));
}

/*
 * A 31-day month with a DST fall-back lasts 31 days and an hour: October in
 * Europe/London (BST until Oct 27, 2024). A handout at Oct 1 00:00 BST still
 * denies at Oct 31 23:59:59 GMT, so card history must reach back that far.
 */
static void test_history_seconds_covers_dst_month(void **state)
{
	(void)state;
	need_zones();
	struct policy_rules r = monthly(1, "Europe/London");
	r.debounce_seconds = 0;
	int64_t first = utc(2024, 9, 30, 23, 0, 0);  /* Oct 1 00:00:00 BST */
	int64_t last = utc(2024, 10, 31, 23, 59, 59); /* Oct 31 23:59:59 GMT */
	struct policy_handout m[] = {other_boot(first)};
	assert_limit(decide(&r, last, m, 1, 10), utc(2024, 11, 1, 0, 0, 0));
	assert_true(last - first < policy_history_seconds(&r));
}

/* ---- policy_same_tap ---- */

static card_id_t card(char c)
{
	card_id_t id;
	memset(id.hex, c, CARD_ID_HEX_LEN);
	id.hex[CARD_ID_HEX_LEN] = '\0';
	return id;
}

static struct policy_last_tap last_tap(card_id_t id, bool present, int64_t removed_ms)
{
	return (struct policy_last_tap){
		.valid = true,
		.id = id,
		.present = present,
		.removed_ms = removed_ms,
	};
}

static void test_same_tap(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	r.debounce_seconds = 5;
	card_id_t a = card('a'), b = card('b');
	const int64_t now_ms = 1000000;

	struct policy_last_tap last = last_tap(a, true, 0);
	assert_true(policy_same_tap(&r, &last, &a, false, now_ms));
	assert_false(policy_same_tap(&r, &last, &b, false, now_ms));

	last = last_tap(a, false, now_ms - 4900);
	assert_true(policy_same_tap(&r, &last, &a, false, now_ms));
	last.removed_ms = now_ms - 4999;
	assert_true(policy_same_tap(&r, &last, &a, false, now_ms));
	last.removed_ms = now_ms - 5000;
	assert_false(policy_same_tap(&r, &last, &a, false, now_ms));
	last.removed_ms = now_ms - 60000;
	assert_false(policy_same_tap(&r, &last, &a, false, now_ms));

	/* A different card within the window is a new tap. */
	last = last_tap(a, false, now_ms - 100);
	assert_false(policy_same_tap(&r, &last, &b, false, now_ms));
	/* An unusable card after a usable one, and the reverse, is a new tap. */
	card_id_t empty = {.hex = ""};
	assert_false(policy_same_tap(&r, &last, &empty, true, now_ms));

	/* No last tap. */
	last.valid = false;
	assert_false(policy_same_tap(&r, &last, &a, false, now_ms));

	/* Debounce 0: only a card still on the reader is the same tap. */
	r.debounce_seconds = 0;
	last = last_tap(a, false, now_ms);
	assert_false(policy_same_tap(&r, &last, &a, false, now_ms));
	last.present = true;
	assert_true(policy_same_tap(&r, &last, &a, false, now_ms));
}

static void test_same_tap_staff_never(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	card_id_t s = card('5');
	struct policy_last_tap last = last_tap(s, true, 0);
	last.staff = true;
	assert_false(policy_same_tap(&r, &last, &s, false, 1000));
	last.present = false;
	last.removed_ms = 900;
	assert_false(policy_same_tap(&r, &last, &s, false, 1000));
}

static void test_same_tap_unusable_merge(void **state)
{
	(void)state;
	struct policy_rules r = rolling(1, 30);
	card_id_t empty = {.hex = ""};
	card_id_t a = card('a');
	struct policy_last_tap last = last_tap(empty, true, 0);
	last.unusable = true;
	/* Random UIDs cannot be told apart: any unusable card is the same tap. */
	assert_true(policy_same_tap(&r, &last, &empty, true, 1000));
	assert_true(policy_same_tap(&r, &last, &a, true, 1000));
	last.present = false;
	last.removed_ms = 10000;
	assert_true(policy_same_tap(&r, &last, &empty, true, 14999));
	assert_false(policy_same_tap(&r, &last, &empty, true, 15000));
	/* A usable card after an unusable one is a new tap. */
	assert_false(policy_same_tap(&r, &last, &a, false, 10001));
}

/* ---- names ---- */

static void test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(policy_outcome_name(POLICY_GRANT), "grant");
	assert_string_equal(policy_outcome_name(POLICY_DENY_LIMIT), "limit");
	assert_string_equal(policy_outcome_name(POLICY_DENY_REVOKED), "revoked");
	assert_string_equal(policy_outcome_name(POLICY_DENY_NOT_ISSUED), "not_issued");
	assert_string_equal(policy_outcome_name(POLICY_DENY_OUT_OF_STOCK), "out_of_stock");
	assert_string_equal(policy_outcome_name(POLICY_DENY_UNUSABLE_CARD), "unusable_card");
	assert_string_equal(policy_outcome_name(POLICY_STAFF), "staff");
	assert_string_equal(policy_outcome_name((enum policy_outcome)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_unusable_first),
		cmocka_unit_test(test_order_staff_before_revoked),
		cmocka_unit_test(test_order_revoked_before_not_issued_and_repeat),
		cmocka_unit_test(test_order_not_issued_before_repeat_and_limit),
		cmocka_unit_test(test_order_repeat_before_limit_and_stock),
		cmocka_unit_test(test_order_limit_before_out_of_stock),
		cmocka_unit_test(test_out_of_stock),
		cmocka_unit_test(test_accept_issued),
		cmocka_unit_test(test_accept_any),
		cmocka_unit_test(test_limit_zero_unlimited),
		cmocka_unit_test(test_rolling_1_day_boundary),
		cmocka_unit_test(test_rolling_30_day_boundary),
		cmocka_unit_test(test_rolling_limit_3),
		cmocka_unit_test(test_rolling_limit_3_one_day),
		cmocka_unit_test(test_rolling_next_eligible_several),
		cmocka_unit_test(test_month_tokyo_month_end),
		cmocka_unit_test(test_month_same_instant_different_zones),
		cmocka_unit_test(test_month_new_york_and_utc_month_end),
		cmocka_unit_test(test_month_december_to_january),
		cmocka_unit_test(test_month_same_month_last_year),
		cmocka_unit_test(test_month_limit_3),
		cmocka_unit_test(test_leap_day_month),
		cmocka_unit_test(test_leap_day_rolling),
		cmocka_unit_test(test_month_new_york_dst),
		cmocka_unit_test(test_debounce_history),
		cmocka_unit_test(test_effective_time),
		cmocka_unit_test(test_clock_jump_back_same_boot),
		cmocka_unit_test(test_clock_jump_forward_same_boot),
		cmocka_unit_test(test_clock_other_boot_past),
		cmocka_unit_test(test_clock_other_boot_future),
		cmocka_unit_test(test_clock_other_boot_future_no_debounce),
		cmocka_unit_test(test_clock_other_boot_future_next_eligible_honoured),
		cmocka_unit_test(test_history_seconds),
		cmocka_unit_test(test_history_seconds_covers_decisions),
		cmocka_unit_test(test_history_seconds_covers_dst_month),
		cmocka_unit_test(test_same_tap),
		cmocka_unit_test(test_same_tap_staff_never),
		cmocka_unit_test(test_same_tap_unusable_merge),
		cmocka_unit_test(test_outcome_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
