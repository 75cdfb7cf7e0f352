/*
 * test_display_service: the display's thread (firmware/display_service.h)
 * with the PNG backend in a temporary directory.
 *
 * Covers: the first picture; a posted screen is drawn and reported by its
 * request number; the newest state wins when several are posted at once;
 * the reader-unavailable screen while the reader is down; a result screen
 * returning to idle after its time; a display that cannot be opened is
 * reported (state "failed" with the reason) and the service keeps running.
 * Waits poll the status with a deadline; nothing sleeps a fixed time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "display_png.h"
#include "display_service.h"
#include "log.h"

struct fixture {
	char dir[64];
	char png[128];
	struct display_service_config cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_display_service.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->png, sizeof(f->png), "%s/screen.png", f->dir);
	struct kiosk_config kc;
	config_defaults(&kc);
	snprintf(kc.display.backend, sizeof(kc.display.backend), "png");
	snprintf(kc.display.output, sizeof(kc.display.output), "%s", f->png);
	snprintf(kc.site_id, sizeof(kc.site_id), "12");
	kc.display.result_seconds = 1;
	display_service_config_from(&f->cfg, &kc);
	log_init("test_display_service", LOG_LEVEL_ERROR);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	unlink(f->png);
	rmdir(f->dir);
	free(f);
	return 0;
}

typedef bool (*status_test)(const struct display_status *st, const void *arg);

static struct display_status wait_for(struct display_service *ds, status_test ok, const void *arg,
				      const char *what)
{
	int64_t deadline = clock_monotonic_ms() + 5000;
	struct display_status st;
	for (;;) {
		display_service_status(ds, &st);
		if (ok(&st, arg))
			return st;
		if (clock_monotonic_ms() > deadline)
			fail_msg("timed out waiting for %s (screen \"%s\", detail \"%s\")", what,
				 st.screen, st.detail);
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

static bool shows(const struct display_status *st, const void *name)
{
	return st->ok && strncmp(st->screen, name, strlen(name)) == 0;
}

static bool reached(const struct display_status *st, const void *request)
{
	return st->ok && st->shown_request >= *(const uint64_t *)request;
}

static bool has_failed(const struct display_status *st, const void *arg)
{
	(void)arg;
	return st->tried && !st->ok;
}

static void test_screens_and_timing(void **state)
{
	struct fixture *f = *state;
	struct display_service *ds = display_service_start(&f->cfg, NULL);
	assert_non_null(ds);
	wait_for(ds, shows, "idle-", "the first idle picture");
	assert_int_equal(access(f->png, R_OK), 0);

	/* The newest state wins: three posts at once, the last is what is drawn. */
	struct screen_state a = {.kind = SCREEN_GRANTED}, b = {.kind = SCREEN_STAFF},
			    c = {.kind = SCREEN_DENIED, .denial = DENIAL_REVOKED};
	display_service_show(ds, &a, 1);
	display_service_show(ds, &b, 1);
	uint64_t last = display_service_show(ds, &c, 1);
	struct display_status st = wait_for(ds, reached, &last, "the last request");
	assert_string_equal(st.screen, "denied-revoked");
	struct canvas *pic = png_read_canvas(f->png, st.detail, sizeof(st.detail));
	assert_non_null(pic);
	canvas_free(pic);

	/* After result_seconds (1 s), idle again. */
	wait_for(ds, shows, "idle-", "the return to idle");

	/* The reader is down: the idle screen says so; back up: idle. */
	display_service_set_reader(ds, false);
	wait_for(ds, shows, "reader-unavailable", "the reader-unavailable screen");
	display_service_set_reader(ds, true);
	wait_for(ds, shows, "idle-", "idle after the reader is back");
	display_service_stop(ds);
}

static void test_failed_display(void **state)
{
	struct fixture *f = *state;
	struct display_service_config cfg = f->cfg;
	snprintf(cfg.display.backend, sizeof(cfg.display.backend), "fb");
	snprintf(cfg.display.device, sizeof(cfg.display.device), "/dev/null");
	struct display_service *ds = display_service_start(&cfg, NULL);
	assert_non_null(ds);
	struct display_status st = wait_for(ds, has_failed, NULL, "the failure");
	assert_non_null(strstr(st.detail, "not a framebuffer"));
	/* Posting still works (the kiosk carries on); nothing is drawn. */
	struct screen_state a = {.kind = SCREEN_GRANTED};
	display_service_show(ds, &a, 1);
	display_service_stop(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_screens_and_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_display, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
