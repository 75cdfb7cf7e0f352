/*
 * The office's view, its pure parts: the HTML escaper every page uses, CSV
 * fields and records, the rows office staff import (line numbers on every
 * problem), the Cabinet Office's holiday list in Shift_JIS, passwords
 * (scrypt) and session cookies (expiry, tampering, CSRF).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "content_rows.h"
#include "csv.h"
#include "export.h"
#include "figures.h"
#include "holidays.h"
#include "html.h"
#include "log.h"
#include "password.h"
#include "session.h"

static void test_escape(void **state)
{
	(void)state;
	struct out o;
	out_init(&o);
	out_text(&o, "<script>alert('x')</script> & \"q\"");
	assert_string_equal(o.s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	out_free(&o);
	out_textf(&o, "%s<b>", "a&b");
	assert_string_equal(o.s, "a&amp;b&lt;b&gt;");
	out_free(&o);
	out_url(&o, "a b/<12>");
	assert_string_equal(o.s, "a%20b%2F%3C12%3E");
	out_free(&o);
}

static void test_csv_field_and_parse(void **state)
{
	(void)state;
	struct out o;
	out_init(&o);
	csv_field(&o, "plain");
	out_raw(&o, ",");
	csv_field(&o, "a,\"b\"");
	out_raw(&o, ",");
	csv_field(&o, "=cmd()");
	assert_string_equal(o.s, "plain,\"a,\"\"b\"\"\",\"'=cmd()\"");
	out_free(&o);
	struct csv c;
	char err[200];
	assert_int_equal(csv_parse("h1,h2\r\n\"x\ny\",2\n\n3,\"4\"\"\"\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.records[1].line, 2);
	assert_string_equal(c.records[1].fields[0], "x\ny");
	assert_int_equal(c.records[2].line, 5);
	assert_string_equal(c.records[2].fields[1], "4\"");
	csv_free(&c);
	assert_int_equal(csv_parse("a,\"b\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1"));
}

static void test_rows_report_lines(void **state)
{
	(void)state;
	struct row_errors e;
	row_errors_init(&e);
	int *lines = NULL;
	const char *csv = "日付,開始,終了,場所,緯度,経度,備考\n"
			  "2026/12/5,13:00,16:00,ホール,43.8,142.3,\n"
			  "2026-13-01,9:00,8:00,,x,142,\n";
	json_t *arr = content_rows_csv(csv, "sessions", &lines, &e);
	assert_null(arr);
	assert_non_null(strstr(e.text.s, "line 3, date"));
	assert_non_null(strstr(e.text.s, "line 3, end"));
	assert_non_null(strstr(e.text.s, "line 3, place"));
	assert_non_null(strstr(e.text.s, "line 3, lat"));
	assert_null(strstr(e.text.s, "line 2"));
	row_errors_free(&e);
	row_errors_init(&e);
	arr = content_rows_csv("date,start,end,place,lat,lon\n2026/12/5,9:00,12:00,Hall,43.8,142.3\n",
			       "sessions", &lines, &e);
	assert_non_null(arr);
	assert_int_equal(e.n, 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "date")), "2026-12-05");
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "start")), "09:00");
	assert_int_equal(lines[0], 2);
	free(lines);
	json_decref(arr);
	row_errors_free(&e);
	row_errors_init(&e);
	arr = content_rows_csv("id,name,phone,lat,lon,mon,nope\nw1,W,000,43,142,9:00〜12:00 13:00-17:00,\n",
			       "windows", &lines, &e);
	assert_null(arr);
	assert_non_null(strstr(e.text.s, "line 1, header: unknown column \"nope\""));
	row_errors_free(&e);
}

static void test_holidays_shift_jis(void **state)
{
	(void)state;
	/* "国民の祝日・休日月日,国民の祝日・休日名称\r\n2026/1/1,元日\r\n2025/1/1,元日\r\n" in Shift_JIS */
	static const char sjis[] =
		"\x8d\x91\x96\xaf\x82\xcc\x8f\x6a\x93\xfa\x81\x45\x8b\x78\x93\xfa\x8c\x8e\x93\xfa,"
		"\x8d\x91\x96\xaf\x82\xcc\x8f\x6a\x93\xfa\x81\x45\x8b\x78\x93\xfa\x96\xbc\x8f\xcc\r\n"
		"2026/1/1,\x8c\xb3\x93\xfa\r\n2025/1/1,\x8c\xb3\x93\xfa\r\n";
	char err[200];
	size_t total = 0;
	json_t *d = holidays_parse(sjis, sizeof(sjis) - 1, 20260101, &total, err, sizeof(err));
	assert_non_null(d);
	assert_int_equal(total, 2);
	assert_int_equal(json_array_size(d), 1);
	assert_string_equal(json_string_value(json_array_get(d, 0)), "2026-01-01");
	json_decref(d);
	static const char bad[] = "\x8d\x91\x96\xaf\x82\xcc\x8f\x6a\x93\xfa\x81\x45\x8b\x78\x93\xfa\x8c\x8e\x93\xfa,x\r\n2026/2/30,x\r\n";
	assert_null(holidays_parse(bad, sizeof(bad) - 1, 0, &total, err, sizeof(err)));
	assert_non_null(strstr(err, "line 2"));
}

static void test_password_and_session(void **state)
{
	(void)state;
	char hash[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("correct horse battery", hash), 0);
	assert_true(password_verify("correct horse battery", hash));
	assert_false(password_verify("correct horse batterx", hash));
	assert_non_null(password_weakness("short"));
	uint8_t key[SESSION_KEY_LEN] = {1, 2, 3};
	char fp[33], value[SESSION_VALUE_MAX], mac[65];
	session_fingerprint(hash, fp);
	struct session s, back;
	assert_int_equal(session_make(key, "alice", fp, 1000, value, &s), 0);
	assert_int_equal(session_parse(value, &back, mac), 0);
	assert_string_equal(back.user, "alice");
	assert_true(session_valid(key, &back, mac, fp, 999));
	assert_string_equal(back.csrf, s.csrf);
	assert_true(session_csrf_ok(&back, s.csrf));
	assert_false(session_csrf_ok(&back, "00000000000000000000000000000000"));
	assert_false(session_valid(key, &back, mac, fp, 1000)); /* expired */
	assert_false(session_valid(key, &back, mac, "ffffffffffffffffffffffffffffffff", 10)); /* new password */
	value[strlen("alice!1")] = '9'; /* a stretched expiry */
	assert_int_equal(session_parse(value, &back, mac), 0);
	assert_false(session_valid(key, &back, mac, fp, 10));
	struct login_limit *l = login_limit_new(3, 60);
	for (int i = 0; i < 3; i++) {
		assert_true(login_limit_allow(l, "127.0.0.1", "alice", 100));
		login_limit_failed(l, "127.0.0.1", "alice", 100);
	}
	assert_false(login_limit_allow(l, "127.0.0.1", "bob", 100));
	assert_false(login_limit_allow(l, "10.0.0.1", "alice", 100));
	assert_true(login_limit_allow(l, "10.0.0.1", "bob", 100));
	assert_true(login_limit_allow(l, "127.0.0.1", "alice", 161));
	login_limit_free(l);
}

static void test_dates(void **state)
{
	(void)state;
	content_date_t d;
	assert_int_equal(fig_date_parse("2026-02-28", &d), 0);
	assert_int_equal(fig_date_parse("2026-02-30", &d), -1);
	assert_int_equal(fig_date_parse("2026-2-3", &d), -1);
	int y = 2026, m = 1;
	fig_month_add(&y, &m, -1);
	assert_int_equal(y, 2025);
	assert_int_equal(m, 12);
}

int main(void)
{
	log_init("test_office_web", LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_csv_field_and_parse),
		cmocka_unit_test(test_rows_report_lines),
		cmocka_unit_test(test_holidays_shift_jis),
		cmocka_unit_test(test_password_and_session),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
