/*
 * test_screens: every screen (firmware/screens.h) in every language, at
 * 128x64 (one bit) and 320x240 (colour), against the golden pictures in
 * tests/golden/ (SIZE-LANGUAGE-SCREEN.png, the names `make screenshots`
 * uses), pixel for pixel. Drawn with the example bundle
 * (firmware/content.example.json) at Tuesday 2026-12-01 14:05 in Tokyo,
 * at site 12, with the efont b12/b16 fonts.
 *
 * After a deliberate change to a screen, look at the new pictures
 * (`make screenshots`) and then rewrite the goldens:
 *     KIOSK_UPDATE_GOLDEN=1 build/tests/test_screens
 *
 * Also: a help URL too long for the panel is reported and not drawn; a
 * missing font gives boxes, not a crash; the idle screen's burn-in shift
 * moves the picture and nothing else; every screen fits the canvas; the
 * staff screen draws each sync state differently.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"
#include "display_png.h"
#include "log.h"
#include "screens.h"
#include "tz.h"

#define GOLDEN_DIR "tests/golden"
#define EXAMPLE "firmware/content.example.json"
#define FONT_SMALL "/usr/share/fonts/X11/misc/b12.pcf.gz"
#define FONT_LARGE "/usr/share/fonts/X11/misc/b16.pcf.gz"

static struct content *example;
static struct screen_env env;

static int setup(void **state)
{
	(void)state;
	log_init("test_screens", LOG_LEVEL_ERROR);
	FILE *f = fopen(EXAMPLE, "r");
	if (!f)
		return 0; /* not at the top of the tree: the tests skip */
	static char buf[CONTENT_MAX_BYTES];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	char err[256];
	if (content_parse(buf, n, &example, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", EXAMPLE, err);
		return -1;
	}
	struct tm tm = {.tm_year = 126, .tm_mon = 11, .tm_mday = 1, .tm_hour = 14, .tm_min = 5};
	env.content = example;
	env.timezone = "Asia/Tokyo";
	env.now = tz_mktime("Asia/Tokyo", &tm);
	env.place = (struct select_place){true, 43.7706, 142.3650, "12"};
	env.font_small = font_open(FONT_SMALL, 12);
	env.font_large = font_open(FONT_LARGE, 16);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	content_free(example);
	font_close(env.font_small);
	font_close(env.font_large);
	return 0;
}

static void need_tree(void)
{
	if (!example || access(FONT_SMALL, R_OK) != 0 || access(FONT_LARGE, R_OK) != 0)
		skip();
}

static const struct {
	int w, h;
	enum canvas_format format;
	const char *name;
} sizes[] = {{128, 64, CANVAS_MONO, "128x64"}, {320, 240, CANVAS_RGB, "320x240"}};
static const enum language langs[] = {LANGUAGE_JA, LANGUAGE_JA_EASY, LANGUAGE_EN};

static void test_golden(void **state)
{
	(void)state;
	need_tree();
	bool update = getenv("KIOSK_UPDATE_GOLDEN") != NULL;
	struct screen_state states[32];
	size_t n = screens_all(states, 32);
	assert_int_equal(n, 15);
	int compared = 0, differ = 0;
	for (size_t s = 0; s < 2; s++) {
		struct canvas *c = canvas_new(sizes[s].w, sizes[s].h, sizes[s].format);
		for (size_t l = 0; l < 3; l++) {
			env.language = langs[l];
			for (size_t i = 0; i < n; i++) {
				states[i].next_eligible = env.now + 30 * 86400;
				screens_render(c, &states[i], &env, NULL);
				char path[256], err[256];
				snprintf(path, sizeof(path), GOLDEN_DIR "/%s-%s-%s.png", sizes[s].name,
					 config_language_name(langs[l]), screen_name(&states[i]));
				if (update) {
					assert_int_equal(png_write_canvas(path, c, 1, 255, err, sizeof(err)), 0);
					continue;
				}
				struct canvas *golden = png_read_canvas(path, err, sizeof(err));
				if (!golden) {
					print_error("missing golden: %s\n", err);
					differ++;
					continue;
				}
				if (!canvas_equal(golden, c)) {
					print_error("%s differs from what is drawn now\n", path);
					differ++;
				}
				canvas_free(golden);
				compared++;
			}
		}
		canvas_free(c);
	}
	if (differ)
		fail_msg("%d of 90 screens differ from tests/golden (see test_screens.c to update)",
			 differ);
	if (!update)
		assert_int_equal(compared, 90);
}

/* Every screen draws inside its canvas and shows something. */
static void test_screens_not_blank(void **state)
{
	(void)state;
	need_tree();
	struct screen_state states[32];
	size_t n = screens_all(states, 32);
	struct canvas *c = canvas_new(128, 64, CANVAS_MONO);
	env.language = LANGUAGE_JA;
	for (size_t i = 0; i < n; i++) {
		screens_render(c, &states[i], &env, NULL);
		size_t lit = 0;
		for (int y = 0; y < 64; y++)
			for (int x = 0; x < 128; x++)
				lit += canvas_get(c, x, y);
		if (lit < 200)
			fail_msg("%s is nearly blank (%zu px)", screen_name(&states[i]), lit);
	}
	canvas_free(c);
}

static void test_qr_on_help(void **state)
{
	(void)state;
	need_tree();
	struct screen_state s = {.kind = SCREEN_HELP};
	struct screen_report rep;
	struct canvas *c = canvas_new(128, 64, CANVAS_MONO);
	env.language = LANGUAGE_JA;
	screens_render(c, &s, &env, &rep);
	assert_true(rep.wants_qr);
	assert_true(rep.qr_drawn);
	assert_string_equal(rep.qr_text, "HTTPS://HELP.EXAMPLE.JP/S/12");
	assert_int_equal(rep.qr_version, 2);
	assert_int_equal(rep.qr_module, 2);
	assert_int_equal(rep.qr_side, 58);
	assert_true(rep.qr_x + rep.qr_side <= 128 && rep.qr_y + rep.qr_side <= 64);
	/* The lit quiet zone's corner. */
	assert_int_equal(canvas_get(c, rep.qr_x, rep.qr_y), 1);

	/* A site id that makes the URL too long for 64 px: reported, not drawn. */
	env.place.site_id = "ASAHIKAWA-LIB-1";
	screens_render(c, &s, &env, &rep);
	env.place.site_id = "12";
	assert_false(rep.qr_drawn);
	assert_non_null(strstr(rep.problem, "too long to fit"));
	assert_non_null(strstr(rep.problem, "version 3"));
	/* The same URL fits a 320x240 screen at 3 px a module. */
	struct canvas *big = canvas_new(320, 240, CANVAS_RGB);
	env.place.site_id = "ASAHIKAWA-LIB-1";
	screens_render(big, &s, &env, &rep);
	env.place.site_id = "12";
	assert_true(rep.qr_drawn);
	assert_true(rep.qr_module >= 3);
	canvas_free(big);

	/* No help URL (the built-in default): no QR, and it says why. */
	const struct content *keep = env.content;
	env.content = NULL;
	screens_render(c, &s, &env, &rep);
	env.content = keep;
	assert_false(rep.qr_drawn);
	assert_non_null(strstr(rep.problem, "no help URL"));
	canvas_free(c);
}

static void test_burn_in_shift(void **state)
{
	(void)state;
	need_tree();
	struct screen_state s = {.kind = SCREEN_IDLE, .page = IDLE_PAGE_HOTLINES};
	struct canvas *a = canvas_new(128, 64, CANVAS_MONO), *b = canvas_new(128, 64, CANVAS_MONO);
	env.language = LANGUAGE_JA;
	screens_render(a, &s, &env, NULL);
	s.shift_x = 1;
	s.shift_y = 1;
	screens_render(b, &s, &env, NULL);
	assert_false(canvas_equal(a, b));
	canvas_shift(a, 1, 1, 0);
	assert_true(canvas_equal(a, b));
	canvas_free(a);
	canvas_free(b);
}

static void test_missing_font(void **state)
{
	(void)state;
	need_tree();
	struct screen_env broken = env;
	broken.font_small = font_open("/nonexistent/b12.pcf.gz", 12);
	broken.font_large = font_open("/nonexistent/b16.pcf.gz", 16);
	assert_true(font_is_placeholder(broken.font_small));
	struct screen_state states[32];
	size_t n = screens_all(states, 32);
	struct canvas *c = canvas_new(128, 64, CANVAS_MONO);
	for (size_t i = 0; i < n; i++)
		screens_render(c, &states[i], &broken, NULL);
	/* The help screen still carries its QR code. */
	struct screen_state help = {.kind = SCREEN_HELP};
	struct screen_report rep;
	screens_render(c, &help, &broken, &rep);
	assert_true(rep.qr_drawn);
	canvas_free(c);
	font_close(broken.font_small);
	font_close(broken.font_large);
}

/* The staff screen says how the reports stand: each sync state draws differently. */
static void test_staff_sync_states(void **state)
{
	(void)state;
	need_tree();
	const enum screen_sync syncs[] = {SCREEN_SYNC_NONE, SCREEN_SYNC_OK, SCREEN_SYNC_PENDING,
					  SCREEN_SYNC_FAILING};
	struct canvas *c[4];
	for (size_t l = 0; l < 3; l++) {
		env.language = langs[l];
		for (size_t i = 0; i < 4; i++) {
			struct screen_state s = {.kind = SCREEN_STAFF, .stock = 12, .today_handouts = 3,
						 .sync = syncs[i]};
			c[i] = canvas_new(128, 64, CANVAS_MONO);
			screens_render(c[i], &s, &env, NULL);
		}
		for (size_t i = 0; i < 4; i++)
			for (size_t j = i + 1; j < 4; j++)
				assert_false(canvas_equal(c[i], c[j]));
		for (size_t i = 0; i < 4; i++)
			canvas_free(c[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_screens_not_blank),
		cmocka_unit_test(test_qr_on_help),
		cmocka_unit_test(test_burn_in_shift),
		cmocka_unit_test(test_missing_font),
		cmocka_unit_test(test_staff_sync_states),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
