/*
 * test_config: kioskd.conf parsing (firmware/config.c).
 *
 * Error messages are part of the interface: an installer reads them to fix
 * a kiosk's file, so the tests compare them exactly, line numbers included.
 * Time zones are checked against a private zoneinfo directory (TZDIR) so the
 * tests do not depend on what tzdata the machine has; one test uses the real
 * /usr/share/zoneinfo and skips when it is missing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* A temporary directory for the whole run: tz/ (a fake zoneinfo), files. */
static char tmp_dir[] = "/tmp/test_config.XXXXXX";
static char tz_dir[64];

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void path_in(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < size);
}

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmp_dir))
		return -1;
	path_in(tz_dir, sizeof(tz_dir), tmp_dir, "tz");
	char p[128];
	if (mkdir(tz_dir, 0700) != 0)
		return -1;
	path_in(p, sizeof(p), tz_dir, "Asia");
	if (mkdir(p, 0700) != 0)
		return -1;
	/* Only the magic matters to config.c. */
	static const char tzif[] = "TZif2\0\0\0";
	path_in(p, sizeof(p), tz_dir, "Asia/Tokyo");
	write_file(p, tzif, sizeof(tzif) - 1);
	path_in(p, sizeof(p), tz_dir, "Fake");
	write_file(p, "not a zone\n", 11);
	return setenv("TZDIR", tz_dir, 1);
}

static int group_teardown(void **state)
{
	(void)state;
	char p[128];
	path_in(p, sizeof(p), tz_dir, "Asia/Tokyo");
	unlink(p);
	path_in(p, sizeof(p), tz_dir, "Fake");
	unlink(p);
	path_in(p, sizeof(p), tz_dir, "Asia");
	rmdir(p);
	rmdir(tz_dir);
	rmdir(tmp_dir);
	unsetenv("TZDIR");
	return 0;
}

/* Parses text over cfg; returns the error count, *errs the messages. */
static int load(struct kiosk_config *cfg, const char *text, char **errs)
{
	size_t len;
	FILE *f = open_memstream(errs, &len);
	assert_non_null(f);
	int n = config_load_string(cfg, "kioskd.conf", text, f);
	assert_int_equal(fclose(f), 0);
	return n;
}

static void expect_load(const char *text, int count, const char *expected)
{
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	int n = load(&cfg, text, &errs);
	assert_string_equal(errs, expected);
	assert_int_equal(n, count);
	free(errs);
}

static void expect_ok(const char *text)
{
	expect_load(text, 0, "");
}

static int set(struct kiosk_config *cfg, const char *assignment, char **errs)
{
	size_t len;
	FILE *f = open_memstream(errs, &len);
	assert_non_null(f);
	int n = config_set(cfg, assignment, f);
	assert_int_equal(fclose(f), 0);
	return n;
}

static void expect_set(struct kiosk_config *cfg, const char *assignment, const char *expected)
{
	char *errs = NULL;
	int n = set(cfg, assignment, &errs);
	assert_string_equal(errs, expected);
	assert_int_equal(n, expected[0] ? 1 : 0);
	free(errs);
}

static int validate(const struct kiosk_config *cfg, char **errs)
{
	size_t len;
	FILE *f = open_memstream(errs, &len);
	assert_non_null(f);
	int n = config_validate(cfg, "kioskd.conf", f);
	assert_int_equal(fclose(f), 0);
	return n;
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static const char full_file[] =
	"[kiosk]\n"
	"id = asahikawa-lib-1\n"
	"site_id = 12\n"
	"site_name = 旭川市中央図書館\n"
	"latitude = 43.7706\n"
	"longitude = 142.3650\n"
	"timezone = Asia/Tokyo\n"
	"language = ja-easy\n"
	"data_dir = /srv/kioskd\n"
	"key_file = /srv/kioskd/card.key\n"
	"\n"
	"[policy]\n"
	"limit = 2\n"
	"period = month\n"
	"period_days = 31\n"
	"debounce_seconds = 10\n"
	"accept = issued\n"
	"retain_margin_days = 14\n"
	"\n"
	"[stock]\n"
	"low_water = 5\n"
	"pack_count = 20\n"
	"\n"
	"[reader]\n"
	"connection = pn532_uart:/dev/ttyAMA0\n"
	"\n"
	"[display]\n"
	"backend = none\n"
	"\n"
	"[office]\n"
	"url = https://office.example.jp/api\n"
	"token_file = /srv/kioskd/token\n"
	"\n"
	"[control]\n"
	"socket = /run/kioskd/ctl.sock\n"
	"group = kiosk-staff\n"
	"\n"
	"[log]\n"
	"level = debug\n";

static void check_full_file_values(const struct kiosk_config *cfg)
{
	assert_string_equal(cfg->kiosk_id, "asahikawa-lib-1");
	assert_string_equal(cfg->site_id, "12");
	assert_string_equal(cfg->site_name, "旭川市中央図書館");
	assert_true(cfg->latitude == 43.7706);
	assert_true(cfg->longitude == 142.3650);
	assert_true(cfg->has_coordinates);
	assert_string_equal(cfg->timezone, "Asia/Tokyo");
	assert_int_equal(cfg->language, LANGUAGE_JA_EASY);
	assert_string_equal(cfg->data_dir, "/srv/kioskd");
	assert_string_equal(cfg->key_file, "/srv/kioskd/card.key");
	assert_int_equal(cfg->policy.limit, 2);
	assert_int_equal(cfg->policy.period, POLICY_PERIOD_MONTH);
	assert_int_equal(cfg->policy.period_days, 31);
	assert_int_equal(cfg->policy.debounce_seconds, 10);
	assert_int_equal(cfg->policy.accept, ACCEPT_ISSUED);
	assert_int_equal(cfg->policy.retain_margin_days, 14);
	assert_int_equal(cfg->stock.low_water, 5);
	assert_int_equal(cfg->stock.pack_count, 20);
	assert_string_equal(cfg->reader.connection, "pn532_uart:/dev/ttyAMA0");
	assert_string_equal(cfg->display.backend, "none");
	assert_string_equal(cfg->office.url, "https://office.example.jp/api");
	assert_string_equal(cfg->office.token_file, "/srv/kioskd/token");
	assert_string_equal(cfg->control.socket_path, "/run/kioskd/ctl.sock");
	assert_string_equal(cfg->control.group, "kiosk-staff");
	assert_int_equal(cfg->log.level, LOG_LEVEL_DEBUG);
}

/* ---- defaults and valid files ---- */

static void test_defaults(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	memset(&cfg, 0x5a, sizeof(cfg));
	config_defaults(&cfg);
	assert_string_equal(cfg.kiosk_id, "");
	assert_string_equal(cfg.site_id, "");
	assert_string_equal(cfg.site_name, "");
	assert_false(cfg.has_coordinates);
	assert_true(isnan(cfg.latitude));
	assert_true(isnan(cfg.longitude));
	assert_string_equal(cfg.timezone, "Asia/Tokyo");
	assert_int_equal(cfg.language, LANGUAGE_JA);
	assert_string_equal(cfg.data_dir, "/var/lib/kioskd");
	assert_string_equal(cfg.key_file, "/etc/kioskd/card.key");
	assert_int_equal(cfg.policy.limit, 1);
	assert_int_equal(cfg.policy.period, POLICY_PERIOD_ROLLING);
	assert_int_equal(cfg.policy.period_days, 30);
	assert_int_equal(cfg.policy.debounce_seconds, 5);
	assert_int_equal(cfg.policy.accept, ACCEPT_ANY);
	assert_int_equal(cfg.policy.retain_margin_days, 7);
	assert_int_equal(cfg.stock.low_water, 10);
	assert_int_equal(cfg.stock.pack_count, 10);
	assert_string_equal(cfg.reader.connection, "");
	assert_string_equal(cfg.display.backend, "none");
	assert_string_equal(cfg.office.url, "");
	assert_string_equal(cfg.office.token_file, "/etc/kioskd/token");
	assert_string_equal(cfg.control.socket_path, "/run/kioskd/control.sock");
	assert_string_equal(cfg.control.group, "");
	assert_int_equal(cfg.log.level, LOG_LEVEL_INFO);
}

static void test_full_file(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	assert_int_equal(load(&cfg, full_file, &errs), 0);
	assert_string_equal(errs, "");
	free(errs);
	check_full_file_values(&cfg);
	assert_int_equal(config_validate(&cfg, "kioskd.conf", stderr), 0);
}

static void test_comments_blank_lines_bom(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	int n = load(&cfg,
		     "\xEF\xBB\xBF; a comment\n"
		     "# a hash comment\n"
		     "\n"
		     "   \n"
		     "[kiosk]   ; the kiosk itself\n"
		     "  id = kiosk-1   ; indented, with a comment\n"
		     "\tsite_id = 12\r\n"
		     "site_name = A;B ; only \" ;\" starts a comment\n"
		     "[ policy ]\n"
		     "period = month\n"
		     "    limit = 3 ; not a continuation of period\n"
		     "[stock]\n"
		     "low_water = 4",
		     &errs);
	assert_string_equal(errs, "");
	assert_int_equal(n, 0);
	free(errs);
	assert_string_equal(cfg.kiosk_id, "kiosk-1");
	assert_string_equal(cfg.site_id, "12");
	assert_string_equal(cfg.site_name, "A;B");
	assert_int_equal(cfg.policy.period, POLICY_PERIOD_MONTH);
	assert_int_equal(cfg.policy.limit, 3);
	assert_int_equal(cfg.stock.low_water, 4); /* last line has no newline */
}

static void test_bom_before_section(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	assert_int_equal(load(&cfg, "\xEF\xBB\xBF[policy]\nlimit=4\n", &errs), 0);
	free(errs);
	assert_int_equal(cfg.policy.limit, 4);
}

static void test_inline_comment_needs_space(void **state)
{
	(void)state;
	expect_load("[policy]\nlimit = 3;three\n", 1,
		    "kioskd.conf:2: [policy] limit: \"3;three\" is not a whole number from 0 to 100000\n");
}

/* ---- structural errors ---- */

static void test_syntax_errors_all_reported(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	int n = load(&cfg,
		     "[policy\n"          /* 1: no ']' */
		     "limit = 2\n"        /* 2: under a broken header: not reported again */
		     "[kiosk]\n"          /* 3 */
		     "just some words\n"  /* 4: no '=' */
		     "id: x\n"            /* 5: ':' is not our separator */
		     "= 5\n"              /* 6: no key */
		     "[kiosk] id = x\n"   /* 7: text after the header */
		     "site_id = 1\n"      /* 8: under a broken header */
		     "[stock]\n"          /* 9 */
		     "low_water = 3\n",   /* 10 */
		     &errs);
	assert_string_equal(errs,
		"kioskd.conf:1: syntax error: expected \"key = value\" or \"[section]\"\n"
		"kioskd.conf:4: syntax error: expected \"key = value\" or \"[section]\"\n"
		"kioskd.conf:5: syntax error: expected \"key = value\" or \"[section]\"\n"
		"kioskd.conf:6: syntax error: expected \"key = value\" or \"[section]\"\n"
		"kioskd.conf:7: syntax error: expected \"key = value\" or \"[section]\"\n");
	assert_int_equal(n, 5);
	free(errs);
	assert_int_equal(cfg.policy.limit, 1);
	assert_string_equal(cfg.kiosk_id, "");
	assert_string_equal(cfg.site_id, "");
	assert_int_equal(cfg.stock.low_water, 3);
}

static void test_unknown_key_did_you_mean(void **state)
{
	(void)state;
	expect_load("[policy]\nlmiit = 3\n", 1,
		    "kioskd.conf:2: unknown key \"lmiit\" in [policy] (did you mean \"limit\"?)\n");
	expect_load("[policy]\n\nLimit = 3\n", 1,
		    "kioskd.conf:3: unknown key \"Limit\" in [policy] (did you mean \"limit\"?)\n");
	expect_load("[policy]\ndebounce = 3\n", 1,
		    "kioskd.conf:2: unknown key \"debounce\" in [policy] "
		    "(did you mean \"debounce_seconds\"?)\n");
	expect_load("[kiosk]\nsite name = x\n", 1,
		    "kioskd.conf:2: unknown key \"site name\" in [kiosk] "
		    "(did you mean \"site_name\"?)\n");
	expect_load("[kiosk]\nperiod_dayz = 3\n", 1,
		    "kioskd.conf:2: unknown key \"period_dayz\" in [kiosk] "
		    "(did you mean \"period_days\" in [policy]?)\n");
	expect_load("[kiosk]\nfrobnicate = 1\n", 1,
		    "kioskd.conf:2: unknown key \"frobnicate\" in [kiosk]\n");
}

static void test_unknown_section(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	/* One error for the section, none for its keys; the next one works. */
	int n = load(&cfg, "[polcy]\nlimit = 3\nfoo = 1\n[stock]\nlow_water = 4\n[widgets]\n",
		     &errs);
	assert_string_equal(errs,
		"kioskd.conf:1: unknown section [polcy] (did you mean [policy]?)\n"
		"kioskd.conf:6: unknown section [widgets]\n");
	assert_int_equal(n, 2);
	free(errs);
	assert_int_equal(cfg.policy.limit, 1);
	assert_int_equal(cfg.stock.low_water, 4);
}

static void test_key_in_wrong_section(void **state)
{
	(void)state;
	expect_load("[kiosk]\nlimit = 3\n", 1,
		    "kioskd.conf:2: key \"limit\" belongs in [policy], not [kiosk]\n");
}

static void test_key_before_section(void **state)
{
	(void)state;
	expect_load("limit = 3\nfoo = 1\n[policy]\n", 2,
		    "kioskd.conf:1: key \"limit\" comes before any [section]; put it under [policy]\n"
		    "kioskd.conf:2: unknown key \"foo\" before any [section]\n");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	int n = load(&cfg, "[policy]\nlimit = 2\n[stock]\n[policy]\nlimit = 3\n", &errs);
	assert_string_equal(errs, "kioskd.conf:5: [policy] limit is set twice; first on line 2\n");
	assert_int_equal(n, 1);
	free(errs);
	assert_int_equal(cfg.policy.limit, 2);
}

static void test_long_line(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *x = repeat('x', 288);
	char text[512];
	snprintf(text, sizeof(text), "[kiosk]\nsite_name = %s\nid = a\n", x);
	free(x);
	char *errs = NULL;
	int n = load(&cfg, text, &errs);
	assert_string_equal(errs, "kioskd.conf:2: line is too long (300 bytes; at most 198)\n");
	assert_int_equal(n, 1);
	free(errs);
	assert_string_equal(cfg.site_name, "");
	assert_string_equal(cfg.kiosk_id, "a");

	/* 198 bytes is the limit, whatever the line ending. */
	char *c198 = repeat('c', 198), *c199 = repeat('c', 199);
	c198[0] = ';';
	c199[0] = ';';
	snprintf(text, sizeof(text), "%s\r\n%s\n", c198, c199);
	expect_load(text, 1, "kioskd.conf:2: line is too long (199 bytes; at most 198)\n");
	free(c198);
	free(c199);

	/* A header that is too long leaves its keys out of the last section. */
	char *s = repeat('s', 250);
	snprintf(text, sizeof(text), "[policy]\n[%s]\nlimit = 9\n", s);
	free(s);
	config_defaults(&cfg);
	errs = NULL;
	assert_int_equal(load(&cfg, text, &errs), 1);
	free(errs);
	assert_int_equal(cfg.policy.limit, 1);
}

static void test_keeps_going(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	int n = load(&cfg,
		     "[policy]\nlimit = x\nperiod = weekly\naccept = issued\n"
		     "[kiosk]\nlanguage = fr\nid = k1\n",
		     &errs);
	assert_int_equal(n, 3);
	free(errs);
	assert_int_equal(cfg.policy.accept, ACCEPT_ISSUED);
	assert_string_equal(cfg.kiosk_id, "k1");
}

/* ---- values ---- */

static void test_bad_integers(void **state)
{
	(void)state;
	expect_load("[policy]\n"
		    "limit = abc\n"
		    "period_days = -1\n"
		    "debounce_seconds = +5\n"
		    "retain_margin_days = 1.5\n"
		    "[stock]\n"
		    "low_water = 0x10\n",
		    5,
		    "kioskd.conf:2: [policy] limit: \"abc\" is not a whole number from 0 to 100000\n"
		    "kioskd.conf:3: [policy] period_days: \"-1\" is not a whole number from 1 to 366\n"
		    "kioskd.conf:4: [policy] debounce_seconds: \"+5\" is not a whole number from 0 to 600\n"
		    "kioskd.conf:5: [policy] retain_margin_days: \"1.5\" is not a whole number from 0 to 3650\n"
		    "kioskd.conf:7: [stock] low_water: \"0x10\" is not a whole number from 0 to 100000\n");
}

static void test_integers_out_of_range(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	int n = load(&cfg,
		     "[policy]\n"
		     "period_days = 400\n"
		     "limit = 99999999999999999999\n"
		     "[stock]\n"
		     "pack_count = 0\n",
		     &errs);
	assert_string_equal(errs,
		"kioskd.conf:2: [policy] period_days: 400 is out of range (expected a whole number from 1 to 366)\n"
		"kioskd.conf:3: [policy] limit: 99999999999999999999 is out of range (expected a whole number from 0 to 100000)\n"
		"kioskd.conf:5: [stock] pack_count: 0 is out of range (expected a whole number from 1 to 10000)\n");
	assert_int_equal(n, 3);
	free(errs);
	assert_int_equal(cfg.policy.period_days, 30);
	assert_int_equal(cfg.policy.limit, 1);
	assert_int_equal(cfg.stock.pack_count, 10);

	/* The edges are in. */
	config_defaults(&cfg);
	errs = NULL;
	assert_int_equal(load(&cfg, "[policy]\nperiod_days = 366\nlimit = 0\n"
				    "debounce_seconds = 600\nretain_margin_days = 3650\n"
				    "[stock]\nlow_water = 100000\npack_count = 10000\n",
			      &errs),
			 0);
	free(errs);
	assert_int_equal(cfg.policy.period_days, 366);
	assert_int_equal(cfg.policy.limit, 0);
	assert_int_equal(cfg.stock.low_water, 100000);
}

static void test_doubles(void **state)
{
	(void)state;
	expect_load("[kiosk]\nlatitude = abc\n", 1,
		    "kioskd.conf:2: [kiosk] latitude: \"abc\" is not a number from -90 to 90\n");
	expect_load("[kiosk]\nlongitude = nan\n", 1,
		    "kioskd.conf:2: [kiosk] longitude: \"nan\" is not a number from -180 to 180\n");
	expect_load("[kiosk]\nlongitude = inf\n", 1,
		    "kioskd.conf:2: [kiosk] longitude: \"inf\" is not a number from -180 to 180\n");
	expect_load("[kiosk]\nlatitude = 0x10\n", 1,
		    "kioskd.conf:2: [kiosk] latitude: \"0x10\" is not a number from -90 to 90\n");
	expect_load("[kiosk]\nlatitude = 4 3\n", 1,
		    "kioskd.conf:2: [kiosk] latitude: \"4 3\" is not a number from -90 to 90\n");
	expect_load("[kiosk]\nlatitude = 91\n", 1,
		    "kioskd.conf:2: [kiosk] latitude: 91 is out of range (expected a number from -90 to 90)\n");
	expect_load("[kiosk]\nlongitude = 1e999\n", 1,
		    "kioskd.conf:2: [kiosk] longitude: 1e999 is out of range (expected a number from -180 to 180)\n");

	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	assert_int_equal(load(&cfg, "[kiosk]\nlatitude = -90\nlongitude = 180\n", &errs), 0);
	free(errs);
	assert_true(cfg.latitude == -90.0);
	assert_true(cfg.longitude == 180.0);
	assert_true(cfg.has_coordinates);
}

static void test_empty_values(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	int n = load(&cfg,
		     "[kiosk]\nid =\nlanguage = \n[policy]\nlimit =\n"
		     "[office]\nurl =\n[control]\ngroup =\n[kiosk]\nsite_name = ; nothing\n",
		     &errs);
	assert_string_equal(errs,
		"kioskd.conf:2: [kiosk] id: no value given (it is required: the kiosk's id as registered at the office)\n"
		"kioskd.conf:3: [kiosk] language: no value given (expected one of ja, ja-easy, en)\n"
		"kioskd.conf:5: [policy] limit: no value given (expected a whole number from 0 to 100000)\n");
	assert_int_equal(n, 3);
	free(errs);
	assert_string_equal(cfg.office.url, "");
	assert_string_equal(cfg.site_name, "");
}

static void test_ids(void **state)
{
	(void)state;
	expect_ok("[kiosk]\nid = Asahikawa_lib.1-a\nsite_id = 12\n");
	expect_load("[kiosk]\nid = a b\n", 1,
		    "kioskd.conf:2: [kiosk] id: \"a b\" is not an id of 1 to 63 letters, digits, '.', '_' or '-'\n");
	expect_load("[kiosk]\nsite_id = 12/3\n", 1,
		    "kioskd.conf:2: [kiosk] site_id: \"12/3\" is not an id of 1 to 63 letters, digits, '.', '_' or '-'\n");
	expect_load("[control]\ngroup = staff!\n", 1,
		    "kioskd.conf:2: [control] group: \"staff!\" is not an id of 1 to 63 letters, digits, '.', '_' or '-'\n");

	char *a63 = repeat('a', 63), *a64 = repeat('a', 64);
	char text[256], expected[512];
	snprintf(text, sizeof(text), "[kiosk]\nid = %s\n", a63);
	expect_ok(text);
	snprintf(text, sizeof(text), "[kiosk]\nid = %s\n", a64);
	snprintf(expected, sizeof(expected),
		 "kioskd.conf:2: [kiosk] id: \"%s\" is too long (64 bytes; at most 63)\n", a64);
	expect_load(text, 1, expected);
	free(a63);
	free(a64);
}

static void test_site_name(void **state)
{
	(void)state;
	expect_ok("[kiosk]\nsite_name = 旭川市 中央図書館 (Central Library)\n");
	expect_load("[kiosk]\nsite_name = \xff\xfe\n", 1,
		    "kioskd.conf:2: [kiosk] site_name: \"\\xff\\xfe\" is not valid UTF-8\n");
	expect_load("[kiosk]\nsite_name = \xc0\xaf overlong\n", 1,
		    "kioskd.conf:2: [kiosk] site_name: \"\\xc0\\xaf overlong\" is not valid UTF-8\n");
	expect_load("[kiosk]\nsite_name = a\tb\n", 1,
		    "kioskd.conf:2: [kiosk] site_name: \"a\\x09b\" contains a control character\n");
	expect_load("[kiosk]\nsite_name = a\x7f\n", 1,
		    "kioskd.conf:2: [kiosk] site_name: \"a\\x7f\" contains a control character\n");

	/* 43 three-byte characters: 129 bytes. Messages cut values at 80 bytes,
	 * never inside a character. */
	char name[256], shown[256];
	for (size_t i = 0; i < 43; i++)
		memcpy(name + 3 * i, "あ", 3);
	name[3 * 43] = '\0';
	memcpy(shown, name, 3 * 26);
	shown[3 * 26] = '\0';
	char text[512], expected[512];
	snprintf(text, sizeof(text), "[kiosk]\nsite_name = %s\n", name);
	snprintf(expected, sizeof(expected),
		 "kioskd.conf:2: [kiosk] site_name: \"%s...\" is too long (129 bytes; at most 127)\n",
		 shown);
	expect_load(text, 1, expected);
	/* 42 of them (126 bytes) fit. */
	snprintf(text, sizeof(text), "[kiosk]\nsite_name = %s\n", name + 3);
	expect_ok(text);
}

static void test_timezone(void **state)
{
	(void)state;
	char expected[512];
	expect_ok("[kiosk]\ntimezone = Asia/Tokyo\n");
	snprintf(expected, sizeof(expected),
		 "kioskd.conf:2: [kiosk] timezone: \"Mars/Base\" is not a known time zone "
		 "(no file %s/Mars/Base)\n", tz_dir);
	expect_load("[kiosk]\ntimezone = Mars/Base\n", 1, expected);
	expect_load("[kiosk]\ntimezone = ../etc/passwd\n", 1,
		    "kioskd.conf:2: [kiosk] timezone: \"../etc/passwd\" is not a time zone name "
		    "(like \"Asia/Tokyo\": letters, digits, '_', '+', '-' and '/')\n");
	expect_load("[kiosk]\ntimezone = /etc/passwd\n", 1,
		    "kioskd.conf:2: [kiosk] timezone: \"/etc/passwd\" is not a time zone name "
		    "(like \"Asia/Tokyo\": letters, digits, '_', '+', '-' and '/')\n");
	snprintf(expected, sizeof(expected),
		 "kioskd.conf:2: [kiosk] timezone: \"Asia\" is not a known time zone "
		 "(%s/Asia is not a time zone file)\n", tz_dir);
	expect_load("[kiosk]\ntimezone = Asia\n", 1, expected);
	snprintf(expected, sizeof(expected),
		 "kioskd.conf:2: [kiosk] timezone: \"Fake\" is not a known time zone "
		 "(%s/Fake is not a time zone file)\n", tz_dir);
	expect_load("[kiosk]\ntimezone = Fake\n", 1, expected);
}

/* The real tzdata, as the kiosk will use it. */
static void test_timezone_system(void **state)
{
	(void)state;
	if (access("/usr/share/zoneinfo/Asia/Tokyo", R_OK) != 0)
		skip();
	unsetenv("TZDIR");
	expect_ok("[kiosk]\ntimezone = Asia/Tokyo\n");
	expect_ok("[kiosk]\ntimezone = UTC\n");
	expect_load("[kiosk]\ntimezone = Mars/Base\n", 1,
		    "kioskd.conf:2: [kiosk] timezone: \"Mars/Base\" is not a known time zone "
		    "(no file /usr/share/zoneinfo/Mars/Base)\n");
	assert_int_equal(setenv("TZDIR", tz_dir, 1), 0);
}

static void test_choices(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	assert_int_equal(load(&cfg, "[kiosk]\nlanguage = en\n[policy]\nperiod = rolling\n"
				    "accept = any\n[log]\nlevel = warn\n",
			      &errs),
			 0);
	free(errs);
	assert_int_equal(cfg.language, LANGUAGE_EN);
	assert_int_equal(cfg.policy.period, POLICY_PERIOD_ROLLING);
	assert_int_equal(cfg.policy.accept, ACCEPT_ANY);
	assert_int_equal(cfg.log.level, LOG_LEVEL_WARN);

	expect_load("[kiosk]\nlanguage = fr\n", 1,
		    "kioskd.conf:2: [kiosk] language: \"fr\" is not one of ja, ja-easy, en\n");
	expect_load("[kiosk]\nlanguage = ja_easy\n", 1,
		    "kioskd.conf:2: [kiosk] language: \"ja_easy\" is not one of ja, ja-easy, en "
		    "(did you mean \"ja-easy\"?)\n");
	expect_load("[policy]\nperiod = Month\n", 1,
		    "kioskd.conf:2: [policy] period: \"Month\" is not one of rolling, month "
		    "(did you mean \"month\"?)\n");
	expect_load("[policy]\naccept = all\n", 1,
		    "kioskd.conf:2: [policy] accept: \"all\" is not one of any, issued\n");
	expect_load("[log]\nlevel = verbose\n", 1,
		    "kioskd.conf:2: [log] level: \"verbose\" is not one of error, warn, info, debug\n");
	expect_load("[log]\nlevel = Debug\n", 1,
		    "kioskd.conf:2: [log] level: \"Debug\" is not one of error, warn, info, debug "
		    "(did you mean \"debug\"?)\n");
}

static void test_paths(void **state)
{
	(void)state;
	expect_load("[kiosk]\ndata_dir = var/lib/kioskd\n", 1,
		    "kioskd.conf:2: [kiosk] data_dir: \"var/lib/kioskd\" is not an absolute path "
		    "(it must start with '/')\n");
	expect_load("[office]\ntoken_file = ~/token\n", 1,
		    "kioskd.conf:2: [office] token_file: \"~/token\" is not an absolute path "
		    "(it must start with '/')\n");

	/* sun_path holds 108 bytes with the NUL. */
	char *p107 = repeat('a', 107), *p108 = repeat('a', 108);
	p107[0] = '/';
	p108[0] = '/';
	char text[256], expected[512];
	snprintf(text, sizeof(text), "[control]\nsocket = %s\n", p107);
	expect_ok(text);
	snprintf(text, sizeof(text), "[control]\nsocket = %s\n", p108);
	snprintf(expected, sizeof(expected),
		 "kioskd.conf:2: [control] socket: \"%.80s...\" is too long (108 bytes; at most 107)\n",
		 p108);
	expect_load(text, 1, expected);
	free(p107);
	free(p108);
}

static void test_connection(void **state)
{
	(void)state;
	expect_ok("[reader]\nconnection = pn532_uart:/dev/ttyAMA0\n");
	expect_ok("[reader]\nconnection = fake:/run/kioskd/reader.fifo\n");
	static const char *const bad[] = {"pn532_uart", "PN532:/dev/x", ":x", "pn532_uart:",
					  "pn532 uart:/dev/x", "pn532_uart:/dev/a b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], expected[256];
		snprintf(text, sizeof(text), "[reader]\nconnection = %s\n", bad[i]);
		snprintf(expected, sizeof(expected),
			 "kioskd.conf:2: [reader] connection: \"%s\" is not \"driver:device\", "
			 "e.g. \"pn532_uart:/dev/ttyAMA0\"\n", bad[i]);
		expect_load(text, 1, expected);
	}
}

static void test_backend(void **state)
{
	(void)state;
	expect_ok("[display]\nbackend = none\n");
	expect_ok("[display]\nbackend = ssd1306\n");
	expect_load("[display]\nbackend = oled\n", 1,
		    "kioskd.conf:2: [display] backend: \"oled\" is not a display backend "
		    "this build has (none, ssd1306, sh1106, fb, png, terminal)\n");
}

static void test_url(void **state)
{
	(void)state;
	static const char *const good[] = {
		"https://office.example.jp/api", "https://office.example.jp:8443/",
		"HTTPS://HELP.EXAMPLE.JP", "http://127.0.0.1:8080/api", "http://localhost/",
		"http://[::1]:9000/x", "https://[2001:db8::1]/", "https://office.example.jp?x=1",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[office]\nurl = %s\n", good[i]);
		expect_ok(text);
	}
	expect_load("[office]\nurl = http://office.example.jp/api\n", 1,
		    "kioskd.conf:2: [office] url: plain http:// is only allowed to this machine "
		    "(127.0.0.1, localhost or [::1]), since the kiosk's token would cross the "
		    "network in the clear; use https:// for \"office.example.jp\"\n");
	expect_load("[office]\nurl = http://127.0.0.2:80/\n", 1,
		    "kioskd.conf:2: [office] url: plain http:// is only allowed to this machine "
		    "(127.0.0.1, localhost or [::1]), since the kiosk's token would cross the "
		    "network in the clear; use https:// for \"127.0.0.2\"\n");
	expect_load("[office]\nurl = ftp://office.example.jp/\n", 1,
		    "kioskd.conf:2: [office] url: \"ftp://office.example.jp/\" is not an https:// URL\n");
	expect_load("[office]\nurl = office.example.jp\n", 1,
		    "kioskd.conf:2: [office] url: \"office.example.jp\" is not an https:// URL\n");
	expect_load("[office]\nurl = https://\n", 1,
		    "kioskd.conf:2: [office] url: \"https://\" has no valid host name "
		    "(expected https://host[:port]/path)\n");
	expect_load("[office]\nurl = https://office.example.jp:99999/\n", 1,
		    "kioskd.conf:2: [office] url: \"https://office.example.jp:99999/\" has no valid "
		    "host name (expected https://host[:port]/path)\n");
	expect_load("[office]\nurl = https://kiosk:secret@office.example.jp/\n", 1,
		    "kioskd.conf:2: [office] url: \"https://kiosk:secret@office.example.jp/\" must "
		    "not hold a user name or password (the kiosk's token goes in [office] token_file)\n");
	expect_load("[office]\nurl = https://office example.jp/\n", 1,
		    "kioskd.conf:2: [office] url: \"https://office example.jp/\" contains a space or "
		    "a character outside ASCII (write the host name in its xn-- form)\n");
}

/* ---- config_set ---- */

static void test_config_set_overrides(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	assert_int_equal(load(&cfg, full_file, &errs), 0);
	free(errs);

	expect_set(&cfg, "policy.limit=5", "");
	assert_int_equal(cfg.policy.limit, 5);
	expect_set(&cfg, "policy.limit=6", ""); /* twice on the command line is fine */
	assert_int_equal(cfg.policy.limit, 6);
	expect_set(&cfg, " kiosk.language = en ", "");
	assert_int_equal(cfg.language, LANGUAGE_EN);
	expect_set(&cfg, "office.url=", "");
	assert_string_equal(cfg.office.url, "");
	expect_set(&cfg, "kiosk.site_name=Library ; not a comment here", "");
	assert_string_equal(cfg.site_name, "Library ; not a comment here");
	expect_set(&cfg, "reader.connection=fake:/run/kioskd/reader.fifo", "");
	assert_string_equal(cfg.reader.connection, "fake:/run/kioskd/reader.fifo");
	expect_set(&cfg, "control.socket=/tmp/k.sock", "");
	assert_string_equal(cfg.control.socket_path, "/tmp/k.sock");
	assert_int_equal(config_validate(&cfg, "kioskd.conf", stderr), 0);
}

static void test_config_set_errors(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	expect_set(&cfg, "policy.limit=5", "");

	expect_set(&cfg, "policy.limit=abc",
		   "command line: [policy] limit: \"abc\" is not a whole number from 0 to 100000\n");
	expect_set(&cfg, "policy.limit=",
		   "command line: [policy] limit: no value given (expected a whole number from 0 to 100000)\n");
	assert_int_equal(cfg.policy.limit, 5);
	expect_set(&cfg, "policy.limit",
		   "command line: \"policy.limit\" has no '=' (expected section.key=value, "
		   "e.g. policy.limit=1)\n");
	expect_set(&cfg, "limit=3",
		   "command line: \"limit=3\" has no section (did you mean \"policy.limit=...\"?)\n");
	expect_set(&cfg, "frob=3",
		   "command line: \"frob=3\" has no section (expected section.key=value, "
		   "e.g. policy.limit=1)\n");
	expect_set(&cfg, "polcy.limit=3",
		   "command line: unknown section [polcy] (did you mean [policy]?)\n");
	expect_set(&cfg, "policy.lmit=3",
		   "command line: unknown key \"lmit\" in [policy] (did you mean \"limit\"?)\n");
	expect_set(&cfg, "kiosk.limit=3",
		   "command line: key \"limit\" belongs in [policy], not [kiosk]\n");
	expect_set(&cfg, "office.url=http://office.example.jp/",
		   "command line: [office] url: plain http:// is only allowed to this machine "
		   "(127.0.0.1, localhost or [::1]), since the kiosk's token would cross the "
		   "network in the clear; use https:// for \"office.example.jp\"\n");
	expect_set(&cfg, "kiosk.timezone=../etc/passwd",
		   "command line: [kiosk] timezone: \"../etc/passwd\" is not a time zone name "
		   "(like \"Asia/Tokyo\": letters, digits, '_', '+', '-' and '/')\n");
	assert_int_equal(cfg.policy.limit, 5);
	assert_string_equal(cfg.timezone, "Asia/Tokyo");
}

/* ---- config_validate ---- */

static void test_validate_required(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	int n = validate(&cfg, &errs);
	assert_string_equal(errs,
		"kioskd.conf: [kiosk] id is required (the kiosk's id as registered at the office)\n"
		"kioskd.conf: [kiosk] site_id is required (the id of the site this kiosk stands at, "
		"as registered at the office)\n"
		"kioskd.conf: [reader] connection is required (how to reach the card reader, "
		"e.g. \"pn532_uart:/dev/ttyAMA0\")\n");
	assert_int_equal(n, 3);
	free(errs);

	expect_set(&cfg, "kiosk.id=k1", "");
	expect_set(&cfg, "kiosk.site_id=12", "");
	errs = NULL;
	n = validate(&cfg, &errs);
	assert_string_equal(errs,
		"kioskd.conf: [reader] connection is required (how to reach the card reader, "
		"e.g. \"pn532_uart:/dev/ttyAMA0\")\n");
	assert_int_equal(n, 1);
	free(errs);
}

static void test_validate_coordinates(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	assert_int_equal(load(&cfg, "[kiosk]\nid = k1\nsite_id = 1\nlatitude = 43.77\n"
				    "[reader]\nconnection = fake:/tmp/r\n",
			      &errs),
			 0);
	free(errs);
	assert_false(cfg.has_coordinates);
	errs = NULL;
	assert_int_equal(validate(&cfg, &errs), 1);
	assert_string_equal(errs, "kioskd.conf: [kiosk] latitude is given but longitude is not; "
				  "give both or neither\n");
	free(errs);

	expect_set(&cfg, "kiosk.longitude=142.365", "");
	assert_true(cfg.has_coordinates);
	errs = NULL;
	assert_int_equal(validate(&cfg, &errs), 0);
	free(errs);

	config_defaults(&cfg);
	expect_set(&cfg, "kiosk.longitude=142.365", "");
	errs = NULL;
	assert_int_equal(validate(&cfg, &errs), 4);
	assert_non_null(strstr(errs, "kioskd.conf: [kiosk] longitude is given but latitude is not; "
				     "give both or neither\n"));
	free(errs);
}

/* ---- files ---- */

static int load_file(struct kiosk_config *cfg, const char *path, char **errs)
{
	size_t len;
	FILE *f = open_memstream(errs, &len);
	assert_non_null(f);
	int n = config_load(cfg, path, f);
	assert_int_equal(fclose(f), 0);
	return n;
}

static void test_load_file(void **state)
{
	(void)state;
	char path[128];
	path_in(path, sizeof(path), tmp_dir, "kioskd.conf.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, full_file, strlen(full_file));

	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	assert_int_equal(load_file(&cfg, path, &errs), 0);
	assert_string_equal(errs, "");
	free(errs);
	check_full_file_values(&cfg);

	/* Messages name the file. */
	static const char broken[] = "[policy]\nlmit = 1\nlimit = 3\0junk\n";
	write_file(path, broken, sizeof(broken) - 1);
	config_defaults(&cfg);
	errs = NULL;
	assert_int_equal(load_file(&cfg, path, &errs), 2);
	char expected[512];
	snprintf(expected, sizeof(expected),
		 "%s:2: unknown key \"lmit\" in [policy] (did you mean \"limit\"?)\n"
		 "%s:3: line contains a NUL byte\n",
		 path, path);
	assert_string_equal(errs, expected);
	free(errs);
	assert_int_equal(cfg.policy.limit, 1);

	assert_int_equal(unlink(path), 0);
}

static void test_load_missing_file(void **state)
{
	(void)state;
	char path[128], expected[256];
	path_in(path, sizeof(path), tmp_dir, "no-such.conf");
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	assert_int_equal(load_file(&cfg, path, &errs), 1);
	snprintf(expected, sizeof(expected), "%s: cannot open: No such file or directory\n", path);
	assert_string_equal(errs, expected);
	free(errs);

	/* A directory opens but cannot be read. */
	errs = NULL;
	assert_int_equal(load_file(&cfg, tmp_dir, &errs), 1);
	snprintf(expected, sizeof(expected), "%s: cannot read: Is a directory\n", tmp_dir);
	assert_string_equal(errs, expected);
	free(errs);
}

/* The example shipped with the documentation must stay a valid file. */
static void test_example_file(void **state)
{
	(void)state;
	static const char path[] = "firmware/kioskd.conf.example";
	if (access(path, R_OK) != 0)
		skip(); /* not run from the top of the source tree */
	struct kiosk_config cfg;
	config_defaults(&cfg);
	char *errs = NULL;
	assert_int_equal(load_file(&cfg, path, &errs), 0);
	assert_string_equal(errs, "");
	free(errs);
	assert_int_equal(config_validate(&cfg, path, stderr), 0);
	assert_string_equal(cfg.kiosk_id, "asahikawa-lib-1");
	assert_true(cfg.has_coordinates);
}

/* ---- odds and ends ---- */

static void test_null_errs(void **state)
{
	(void)state;
	struct kiosk_config cfg;
	config_defaults(&cfg);
	assert_int_equal(config_load_string(&cfg, "x", "[polcy]\n[policy]\nlimit = a\n", NULL), 2);
	assert_int_equal(config_set(&cfg, "policy.limit", NULL), 1);
	assert_int_equal(config_validate(&cfg, "x", NULL), 3);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(config_language_name(LANGUAGE_JA), "ja");
	assert_string_equal(config_language_name(LANGUAGE_JA_EASY), "ja-easy");
	assert_string_equal(config_language_name(LANGUAGE_EN), "en");
	assert_string_equal(config_language_name((enum language)7), "?");
	assert_string_equal(config_period_name(POLICY_PERIOD_ROLLING), "rolling");
	assert_string_equal(config_period_name(POLICY_PERIOD_MONTH), "month");
	assert_string_equal(config_period_name((enum policy_period)7), "?");
	assert_string_equal(config_accept_name(ACCEPT_ANY), "any");
	assert_string_equal(config_accept_name(ACCEPT_ISSUED), "issued");
	assert_string_equal(config_accept_name((enum accept_mode)7), "?");
}

/* Odd bytes in names are escaped in messages, never printed raw. */
static void test_messages_escape(void **state)
{
	(void)state;
	expect_load("[kiosk]\n\"x\\\x01\" = 1\n", 1,
		    "kioskd.conf:2: unknown key \"\\\"x\\\\\\x01\\\"\" in [kiosk]\n");
	expect_load("[po\x1b[31mlicy]\n", 1,
		    "kioskd.conf:1: unknown section [po\\x1b[31mlicy]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_comments_blank_lines_bom),
		cmocka_unit_test(test_bom_before_section),
		cmocka_unit_test(test_inline_comment_needs_space),
		cmocka_unit_test(test_syntax_errors_all_reported),
		cmocka_unit_test(test_unknown_key_did_you_mean),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_key_in_wrong_section),
		cmocka_unit_test(test_key_before_section),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_keeps_going),
		cmocka_unit_test(test_bad_integers),
		cmocka_unit_test(test_integers_out_of_range),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_site_name),
		cmocka_unit_test(test_timezone),
		cmocka_unit_test(test_timezone_system),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_connection),
		cmocka_unit_test(test_backend),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_config_set_overrides),
		cmocka_unit_test(test_config_set_errors),
		cmocka_unit_test(test_validate_required),
		cmocka_unit_test(test_validate_coordinates),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_null_errs),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_messages_escape),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
