/*
 * test_display: the display stack below the screens.
 *
 * Covers: the SSD1306 and SH1106 drivers talking to the simulated board's
 * virtual panel (board/sim/ssd1306) through a callback I2C bus: after a
 * full and after a partial update the panel's RAM and its glass equal the
 * canvas (rotation 0 and 180); a partial update sends only what changed
 * (and nothing when nothing did); the wire byte counts of a full frame; a
 * panel that does not acknowledge; a bus failure in the middle of a frame
 * and the recovery after it. The virtual panel's own strictness: data
 * before initialisation, pages and columns out of range, commands the chip
 * lacks, streams cut short. And: QR codes (alphanumeric mode, version 2
 * for a short help URL, a too-long URL refused, the lit quiet zone on one
 * bit), PNG round trips, the framebuffer's pixel formats, canvas shifting.
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

#include "canvas.h"
#include "display.h"
#include "display_fb.h"
#include "display_png.h"
#include "display_ssd1306.h"
#include "i2c.h"
#include "oled_panel.h"
#include "qr.h"

/* ---- a virtual panel behind a callback bus ---- */

struct bench {
	struct oled_panel panel;
	int fail_after; /* transfers until the bus fails (-1: never) */
};

static int panel_bus(void *ctx, uint8_t addr, const uint8_t *data, size_t len)
{
	struct bench *b = ctx;
	if (b->fail_after == 0)
		return I2C_ERROR;
	if (b->fail_after > 0)
		b->fail_after--;
	enum panel_answer a = oled_panel_transfer(&b->panel, addr, data, len);
	if (a == PANEL_REJECT)
		fail_msg("the virtual panel rejected a transfer: %s", b->panel.last_error);
	return a == PANEL_ACK ? I2C_OK : a == PANEL_NACK ? I2C_NACK : I2C_REJECTED;
}

static struct display *open_oled(struct bench *b, const char *chip, unsigned rotation,
				 unsigned panel_addr)
{
	oled_panel_init(&b->panel, strcmp(chip, "sh1106") == 0 ? PANEL_SH1106 : PANEL_SSD1306,
			(uint8_t)panel_addr);
	b->fail_after = -1;
	struct display_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.backend, sizeof(cfg.backend), "%s", chip);
	cfg.address = 0x3C;
	cfg.rotation = rotation;
	cfg.contrast = 200;
	char err[256];
	struct display *d = display_open_oled(&cfg, i2c_open_callback(panel_bus, b), err, sizeof(err));
	return d;
}

/* A picture with something in every page and column. */
static void draw_pattern(struct canvas *c, int seed)
{
	canvas_clear(c, 0);
	for (int y = 0; y < c->height; y++)
		for (int x = 0; x < c->width; x++)
			if (((x * 7 + y * 13 + seed) % 11) < 4)
				canvas_set(c, x, y, 1);
}

static void assert_panel_shows(const struct oled_panel *p, const struct canvas *c, bool rotated)
{
	uint8_t pages[OLED_PAGES][OLED_WIDTH];
	oled_pack_pages(c, pages);
	for (int pg = 0; pg < OLED_PAGES; pg++)
		for (int x = 0; x < OLED_WIDTH; x++)
			if (oled_panel_ram_at(p, pg, x) != pages[pg][x])
				fail_msg("panel RAM page %d column %d is 0x%02x, canvas 0x%02x", pg, x,
					 oled_panel_ram_at(p, pg, x), pages[pg][x]);
	static uint8_t view[PANEL_HEIGHT][PANEL_WIDTH];
	oled_panel_view(p, view);
	for (int y = 0; y < 64; y++)
		for (int x = 0; x < 128; x++) {
			uint32_t want = rotated ? canvas_get(c, 127 - x, 63 - y) : canvas_get(c, x, y);
			if (view[y][x] != want)
				fail_msg("glass pixel (%d,%d) is %d, want %u", x, y, view[y][x], want);
		}
}

static void full_and_partial(const char *chip, unsigned rotation)
{
	struct bench b;
	struct display *d = open_oled(&b, chip, rotation, 0x3C);
	assert_non_null(d);
	assert_true(b.panel.display_on);
	struct canvas *c = canvas_new(128, 64, CANVAS_MONO);
	char err[256];

	draw_pattern(c, 1);
	assert_int_equal(display_flush(d, c, err, sizeof(err)), 0);
	assert_true(d->last.full);
	assert_panel_shows(&b.panel, c, rotation == 180);

	/* A small change: a few pixels in one place. */
	for (int x = 40; x < 46; x++)
		canvas_set(c, x, 20, !canvas_get(c, x, 20));
	assert_int_equal(display_flush(d, c, err, sizeof(err)), 0);
	assert_false(d->last.full);
	assert_true(d->last.wire_bytes < 40);
	assert_panel_shows(&b.panel, c, rotation == 180);

	/* Changes in two far-apart places. */
	canvas_set(c, 0, 0, !canvas_get(c, 0, 0));
	canvas_set(c, 127, 63, !canvas_get(c, 127, 63));
	assert_int_equal(display_flush(d, c, err, sizeof(err)), 0);
	assert_true(d->last.wire_bytes < 60);
	assert_panel_shows(&b.panel, c, rotation == 180);

	/* Nothing changed: nothing is sent. */
	assert_int_equal(display_flush(d, c, err, sizeof(err)), 0);
	assert_int_equal(d->last.wire_bytes, 0);
	assert_int_equal(d->last.transfers, 0);

	/* A whole new picture. */
	draw_pattern(c, 5);
	assert_int_equal(display_flush(d, c, err, sizeof(err)), 0);
	assert_panel_shows(&b.panel, c, rotation == 180);
	assert_int_equal(b.panel.rejected, 0);
	canvas_free(c);
	display_close(d);
}

static void test_ssd1306_full_partial(void **state)
{
	(void)state;
	full_and_partial("ssd1306", 0);
}

static void test_ssd1306_rotated(void **state)
{
	(void)state;
	full_and_partial("ssd1306", 180);
}

static void test_sh1106_full_partial(void **state)
{
	(void)state;
	full_and_partial("sh1106", 0);
	full_and_partial("sh1106", 180);
}

/* DESIGN.md: a whole frame is one 1025-byte transfer, ~23 ms at 400 kHz. */
static void test_full_frame_bytes(void **state)
{
	(void)state;
	struct bench b;
	struct display *d = open_oled(&b, "ssd1306", 0, 0x3C);
	struct canvas *c = canvas_new(128, 64, CANVAS_MONO);
	char err[256];
	draw_pattern(c, 3);
	assert_int_equal(display_flush(d, c, err, sizeof(err)), 0);
	/* window command (1 + 7 bytes) and data (1 + 1 + 1024) */
	assert_int_equal(d->last.transfers, 2);
	assert_int_equal(d->last.wire_bytes, 8 + 1026);
	struct i2c_stats st = {d->last.transfers, d->last.wire_bytes};
	double us = i2c_wire_time_us(&st, 400000);
	assert_true(us > 23000 && us < 24000);
	canvas_free(c);
	display_close(d);
}

static void test_nak(void **state)
{
	(void)state;
	struct bench b;
	/* The panel answers at 0x3D; the driver is configured for 0x3C. */
	assert_null(open_oled(&b, "ssd1306", 0, 0x3D));
}

static void test_bus_failure_recovers(void **state)
{
	(void)state;
	struct bench b;
	struct display *d = open_oled(&b, "ssd1306", 0, 0x3C);
	struct canvas *c = canvas_new(128, 64, CANVAS_MONO);
	char err[256];
	draw_pattern(c, 2);
	assert_int_equal(display_flush(d, c, err, sizeof(err)), 0);
	draw_pattern(c, 4);
	b.fail_after = 1; /* the window command goes through, the data does not */
	assert_int_equal(display_flush(d, c, err, sizeof(err)), -1);
	assert_true(strstr(err, "bus error") != NULL);
	/* The panel was power-cycled meanwhile: its RAM is noise, its state reset. */
	oled_panel_init(&b.panel, PANEL_SSD1306, 0x3C);
	b.fail_after = -1;
	assert_int_equal(display_flush(d, c, err, sizeof(err)), 0);
	assert_true(d->last.full);
	assert_panel_shows(&b.panel, c, false);
	canvas_free(c);
	display_close(d);
}

static void test_rotation_90_refused(void **state)
{
	(void)state;
	struct bench b;
	assert_null(open_oled(&b, "ssd1306", 90, 0x3C));
}

/* ---- the virtual panel's strictness ---- */

static enum panel_answer send_bytes(struct oled_panel *p, const uint8_t *bytes, size_t n)
{
	return oled_panel_transfer(p, 0x3C, bytes, n);
}

static void init_panel(struct oled_panel *p, enum panel_chip chip)
{
	oled_panel_init(p, chip, 0x3C);
	static const uint8_t ssd[] = {0x00, 0xAE, 0xA8, 0x3F, 0x8D, 0x14, 0x20, 0x00, 0xAF};
	static const uint8_t sh[] = {0x00, 0xAE, 0xA8, 0x3F, 0xAD, 0x8B, 0xAF};
	if (chip == PANEL_SSD1306)
		assert_int_equal(send_bytes(p, ssd, sizeof(ssd)), PANEL_ACK);
	else
		assert_int_equal(send_bytes(p, sh, sizeof(sh)), PANEL_ACK);
}

static void test_panel_rejects(void **state)
{
	(void)state;
	struct oled_panel p;
	oled_panel_init(&p, PANEL_SSD1306, 0x3C);
	static const uint8_t data[] = {0x40, 0xFF};
	assert_int_equal(send_bytes(&p, data, sizeof(data)), PANEL_REJECT);
	assert_non_null(strstr(p.last_error, "before the panel was initialised"));

	init_panel(&p, PANEL_SSD1306);
	static const uint8_t page9[] = {0x00, 0x22, 0x00, 0x09};
	assert_int_equal(send_bytes(&p, page9, sizeof(page9)), PANEL_REJECT);
	assert_non_null(strstr(p.last_error, "page window"));
	static const uint8_t col200[] = {0x00, 0x21, 0x00, 200};
	assert_int_equal(send_bytes(&p, col200, sizeof(col200)), PANEL_REJECT);
	static const uint8_t cut[] = {0x00, 0x81};
	assert_int_equal(send_bytes(&p, cut, sizeof(cut)), PANEL_REJECT);
	assert_non_null(strstr(p.last_error, "cut short"));
	static const uint8_t unknown[] = {0x00, 0xFF};
	assert_int_equal(send_bytes(&p, unknown, sizeof(unknown)), PANEL_REJECT);
	static const uint8_t bad_control[] = {0x12, 0xAF};
	assert_int_equal(send_bytes(&p, bad_control, sizeof(bad_control)), PANEL_REJECT);
	assert_int_equal(send_bytes(&p, bad_control, 0), PANEL_REJECT);
	static const uint8_t scroll[] = {0x00, 0x2F};
	assert_int_equal(send_bytes(&p, scroll, sizeof(scroll)), PANEL_REJECT);

	/* Horizontal addressing wraps inside its window. */
	static const uint8_t window[] = {0x00, 0x21, 10, 11, 0x22, 2, 3};
	assert_int_equal(send_bytes(&p, window, sizeof(window)), PANEL_ACK);
	static const uint8_t five[] = {0x40, 1, 2, 3, 4, 5};
	assert_int_equal(send_bytes(&p, five, sizeof(five)), PANEL_ACK);
	assert_int_equal(p.ram[2][11], 2);
	assert_int_equal(p.ram[3][10], 3);
	assert_int_equal(p.ram[3][11], 4);
	/* The fifth byte wrapped back to the window's start. */
	assert_int_equal(p.ram[2][10], 5);
	assert_int_equal(p.page, 2);
	assert_int_equal(p.col, 11);

	/* The SH1106 has no horizontal addressing, and a 132-column page. */
	init_panel(&p, PANEL_SH1106);
	static const uint8_t horiz[] = {0x00, 0x20, 0x00};
	assert_int_equal(send_bytes(&p, horiz, sizeof(horiz)), PANEL_REJECT);
	static const uint8_t at130[] = {0x00, 0xB7, 0x02, 0x18};
	assert_int_equal(send_bytes(&p, at130, sizeof(at130)), PANEL_ACK);
	static const uint8_t three[] = {0x40, 1, 2, 3};
	assert_int_equal(send_bytes(&p, three, sizeof(three)), PANEL_REJECT);
	assert_non_null(strstr(p.last_error, "past the end of page 7"));
}

/* The Co bit: one control byte per command byte, as some drivers send. */
static void test_panel_single_bytes(void **state)
{
	(void)state;
	struct oled_panel p;
	init_panel(&p, PANEL_SSD1306);
	static const uint8_t cmds[] = {0x80, 0x81, 0x80, 0x10, 0x80, 0xA7, 0xC0, 0x55};
	assert_int_equal(send_bytes(&p, cmds, sizeof(cmds)), PANEL_ACK);
	assert_int_equal(p.contrast, 0x10);
	assert_true(p.inverted);
}

/* ---- QR ---- */

static void test_qr_alphanumeric(void **state)
{
	(void)state;
	struct qr_code qr;
	char err[160];
	assert_int_equal(qr_encode("https://help.example.jp/s/12", &qr, err, sizeof(err)), 0);
	assert_int_equal(qr.mode, QR_MODE_ALPHANUMERIC);
	assert_string_equal(qr.text, "HTTPS://HELP.EXAMPLE.JP/S/12");
	assert_int_equal(qr.version, 2);
	assert_int_equal(qr.width, 25);
	/* 2 px a module with a 2-module quiet zone: 58 px, fits 64. */
	assert_int_equal(qr_fit(&qr, 64, 2), 2);
	assert_int_equal(qr_side(&qr, 2), 58);

	/* On one bit: quiet zone lit, a finder pattern's corner dark. */
	struct canvas *c = canvas_new(128, 64, CANVAS_MONO);
	qr_draw(&qr, c, 10, 3, 2);
	assert_int_equal(canvas_get(c, 10, 3), 1);
	assert_int_equal(canvas_get(c, 13, 6), 1);
	assert_int_equal(canvas_get(c, 14, 7), 0); /* module (0,0) is dark */
	assert_int_equal(canvas_get(c, 9, 3), 0);  /* outside: untouched */
	canvas_free(c);
	qr_free(&qr);

	/* Not alphanumeric-safe ("_"): byte mode, exactly as given. */
	assert_int_equal(qr_encode("https://help.example.jp/s/lib_1", &qr, err, sizeof(err)), 0);
	assert_int_equal(qr.mode, QR_MODE_BYTES);
	assert_string_equal(qr.text, "https://help.example.jp/s/lib_1");
	qr_free(&qr);
}

static void test_qr_too_long(void **state)
{
	(void)state;
	struct qr_code qr;
	char err[160];
	assert_int_equal(qr_encode("HTTPS://HELP.EXAMPLE.JP/S/ASAHIKAWA-LIB-1", &qr, err, sizeof(err)), 0);
	assert_int_equal(qr.version, 3);
	assert_int_equal(qr_fit(&qr, 64, 2), 0); /* 66 px: does not fit 64 */
	qr_free(&qr);
	assert_int_equal(qr_encode("", &qr, err, sizeof(err)), -1);
	char huge[400];
	memset(huge, 'A', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(qr_encode(huge, &qr, err, sizeof(err)), -1);
}

/* ---- PNG, framebuffer formats, canvas ---- */

static void test_png_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_display.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/a.png", dir);
	struct canvas *mono = canvas_new(128, 64, CANVAS_MONO);
	draw_pattern(mono, 9);
	assert_int_equal(png_write_canvas(path, mono, 1, 255, err, sizeof(err)), 0);
	struct canvas *back = png_read_canvas(path, err, sizeof(err));
	assert_non_null(back);
	assert_true(canvas_equal(mono, back));
	canvas_free(back);
	struct canvas *rgb = canvas_new(32, 16, CANVAS_RGB);
	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 32; x++)
			canvas_set(rgb, x, y, (uint32_t)(x * 8) << 16 | (uint32_t)(y * 16) << 8 | 0x40);
	assert_int_equal(png_write_canvas(path, rgb, 1, 255, err, sizeof(err)), 0);
	back = png_read_canvas(path, err, sizeof(err));
	assert_non_null(back);
	assert_true(canvas_equal(rgb, back));
	canvas_free(back);
	assert_null(png_read_canvas("/nonexistent.png", err, sizeof(err)));
	unlink(path);
	rmdir(dir);
	canvas_free(mono);
	canvas_free(rgb);
}

static void test_fb_formats(void **state)
{
	(void)state;
	assert_int_equal(display_fb_pixel(0xFFFFFF, 16), 0xFFFF);
	assert_int_equal(display_fb_pixel(0xFF0000, 16), 0xF800);
	assert_int_equal(display_fb_pixel(0x00FF00, 16), 0x07E0);
	assert_int_equal(display_fb_pixel(0x0000FF, 16), 0x001F);
	assert_int_equal(display_fb_pixel(0x123456, 32), 0x123456);
	assert_true(display_fb_format_supported(16, 11, 5, 5, 6, 0, 5));
	assert_true(display_fb_format_supported(32, 16, 8, 8, 8, 0, 8));
	assert_false(display_fb_format_supported(32, 0, 8, 8, 8, 16, 8)); /* BGR */
	assert_false(display_fb_format_supported(24, 16, 8, 8, 8, 0, 8));
	assert_false(display_fb_format_supported(8, 0, 8, 0, 8, 0, 8));

	/* Not a framebuffer: refused with a reason, not a crash. */
	struct display_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.backend, sizeof(cfg.backend), "fb");
	snprintf(cfg.device, sizeof(cfg.device), "/dev/null");
	char err[256];
	assert_null(display_open(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "not a framebuffer"));
	snprintf(cfg.backend, sizeof(cfg.backend), "ssd1306");
	snprintf(cfg.bus, sizeof(cfg.bus), "/nonexistent/i2c-9");
	assert_null(display_open(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/i2c-9"));
	snprintf(cfg.bus, sizeof(cfg.bus), "/dev/null");
	assert_null(display_open(&cfg, err, sizeof(err)));
}

static void test_canvas_shift(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(4, 3, CANVAS_MONO);
	canvas_set(c, 0, 0, 1);
	canvas_set(c, 3, 2, 1);
	canvas_shift(c, 1, 1, 0);
	assert_int_equal(canvas_get(c, 1, 1), 1);
	assert_int_equal(canvas_get(c, 0, 0), 0);
	assert_int_equal(canvas_get(c, 3, 2), 0); /* moved off the edge */
	canvas_shift(c, -1, -1, 0);
	assert_int_equal(canvas_get(c, 0, 0), 1);
	canvas_fill_rect(c, -5, -5, 100, 100, 1); /* clipped, no overflow */
	assert_int_equal(canvas_get(c, 3, 2), 1);
	assert_null(canvas_new(0, 5, CANVAS_MONO));
	assert_null(canvas_new(5, CANVAS_MAX_SIDE + 1, CANVAS_RGB));
	canvas_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssd1306_full_partial),
		cmocka_unit_test(test_ssd1306_rotated),
		cmocka_unit_test(test_sh1106_full_partial),
		cmocka_unit_test(test_full_frame_bytes),
		cmocka_unit_test(test_nak),
		cmocka_unit_test(test_bus_failure_recovers),
		cmocka_unit_test(test_rotation_90_refused),
		cmocka_unit_test(test_panel_rejects),
		cmocka_unit_test(test_panel_single_bytes),
		cmocka_unit_test(test_qr_alphanumeric),
		cmocka_unit_test(test_qr_too_long),
		cmocka_unit_test(test_png_round_trip),
		cmocka_unit_test(test_fb_formats),
		cmocka_unit_test(test_canvas_shift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
