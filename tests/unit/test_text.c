/*
 * test_text: UTF-8 decoding and line breaking (hal/text.h).
 *
 * Widths come from a placeholder font (a font file that does not exist):
 * every full-width character is 12 px and every other one 6 px, exactly as
 * the efont b12 font measures them, so the rules are tested without
 * depending on a font file. One test then checks the real b12 agrees.
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

#include "font.h"
#include "log.h"
#include "text.h"

static struct font *font;

static int setup(void **state)
{
	(void)state;
	log_init("test_text", LOG_LEVEL_ERROR);
	font = font_open("/nonexistent/placeholder.pcf", 12);
	return font ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	font_close(font);
	return 0;
}

/* Breaks text at width px and joins the lines with '|'. */
static const char *lines_of(const char *text, int width, unsigned flags)
{
	static char out[1024];
	struct text_line lines[32];
	size_t n = text_break(font, text, strlen(text), width, flags, lines, 32);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && i < 32; i++) {
		int w = snprintf(out + used, sizeof(out) - used, "%s%.*s", i ? "|" : "",
				 (int)lines[i].len, text + lines[i].start);
		used += (size_t)w;
		assert_true(lines[i].width <= width || lines[i].len <= 4);
	}
	return out;
}

static void test_utf8(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(utf8_next("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_next("\xE3\x81\x82", 3, &cp), 3);
	assert_int_equal(cp, 0x3042);
	assert_int_equal(utf8_next("\xF0\x9F\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1F600);
	/* truncated, overlong, surrogate, stray continuation: one byte of U+FFFD */
	assert_int_equal(utf8_next("\xE3\x81", 2, &cp), 1);
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(utf8_next("\xC0\xAF", 2, &cp), 1);
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(utf8_next("\xED\xA0\x80", 3, &cp), 1);
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(utf8_next("\x80", 1, &cp), 1);
	assert_int_equal(cp, 0xFFFD);
}

/* 60 px = 5 full-width characters a line. */
static void test_plain_japanese(void **state)
{
	(void)state;
	assert_string_equal(lines_of("あいうえおかきくけこさ", 60, 0), "あいうえお|かきくけこ|さ");
}

/* No line starts with 。、」ー or a small kana: the character before goes down too. */
static void test_no_line_start(void **state)
{
	(void)state;
	assert_string_equal(lines_of("あいうえお。かき", 60, 0), "あいうえ|お。かき");
	assert_string_equal(lines_of("あいうえお、かき", 60, 0), "あいうえ|お、かき");
	assert_string_equal(lines_of("「あいう」えおか", 48, 0), "「あい|う」えお|か");
	assert_string_equal(lines_of("コーヒーを飲む", 24, 0), "コー|ヒー|を飲|む");
	assert_string_equal(lines_of("コーヒー", 36, 0), "コー|ヒー");
	assert_string_equal(lines_of("あいうえっと", 48, 0), "あいう|えっと");
	assert_string_equal(lines_of("ありがとうございます）", 60, 0), "ありがとう|ございま|す）");
	assert_true(text_no_line_start(0x3002));
	assert_true(text_no_line_start(0x30FC));
	assert_true(text_no_line_start(0x300D));
	assert_false(text_no_line_start(0x3042));
}

/* No line ends with 「『（: it goes down with what it opens. */
static void test_no_line_end(void **state)
{
	(void)state;
	assert_string_equal(lines_of("あいう「えお」", 48, 0), "あいう|「えお」");
	assert_string_equal(lines_of("あいうえ（例）", 60, 0), "あいうえ|（例）");
	assert_true(text_no_line_end(0x300C));
	assert_true(text_no_line_end(0xFF08));
	assert_false(text_no_line_end(0x300D));
}

/* ASCII words and numbers stay whole; spaces break and are dropped. */
static void test_words_and_numbers(void **state)
{
	(void)state;
	assert_string_equal(lines_of("電話 0120-279-889 まで", 84, 0), "電話|0120-279-889|まで");
	assert_string_equal(lines_of("Touch your card here", 54, 0), "Touch|your card|here");
	assert_string_equal(lines_of("a  b", 6, 0), "a|b");
	/* A word wider than a line is broken rather than drawn past the edge. */
	assert_string_equal(lines_of("HTTPS://HELP.EXAMPLE.JP", 60, 0), "HTTPS://HE|LP.EXAMPLE|.JP");
	assert_string_equal(lines_of("一行目\n二行目", 120, 0), "一行目|二行目");
	assert_string_equal(lines_of("", 60, 0), "");
}

/* やさしい日本語 breaks between its phrases only. */
static void test_break_at_spaces(void **state)
{
	(void)state;
	assert_string_equal(lines_of("そうだん したい とき", 66, TEXT_BREAK_AT_SPACES),
			    "そうだん|したい とき");
	assert_string_equal(lines_of("そうだん したい とき", 66, 0), "そうだん し|たい とき");
	assert_string_equal(lines_of("カードを ここに タッチ して ください。", 96,
				     TEXT_BREAK_AT_SPACES),
			    "カードを ここに|タッチ して|ください。");
	/* A phrase longer than a line still breaks, by the kinsoku rules. */
	assert_string_equal(lines_of("ながいながいことば です", 48, TEXT_BREAK_AT_SPACES),
			    "ながいな|がいこと|ば です");
}

static void test_ellipsis(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(128, 64, CANVAS_MONO);
	bool cut;
	int n = text_draw_wrapped(font, c, 0, 0, 60, 2, 12, 0, "あいうえおかきくけこさしすせそ", 1,
				  &cut);
	assert_int_equal(n, 2);
	assert_true(cut);
	n = text_draw_wrapped(font, c, 0, 0, 60, 2, 12, 0, "あいう", 1, &cut);
	assert_int_equal(n, 1);
	assert_false(cut);
	/* Invalid UTF-8 and control bytes draw as something, never crash. */
	n = text_draw_wrapped(font, c, 0, 0, 60, 3, 12, 0, "\xFF\xFE\x01\xE3\x81", 1, &cut);
	assert_true(n >= 1);
	canvas_free(c);
}

/* The placeholder font is reported, and draws boxes where the text goes. */
static void test_placeholder_font(void **state)
{
	(void)state;
	assert_true(font_is_placeholder(font));
	struct canvas *c = canvas_new(64, 16, CANVAS_MONO);
	int w = font_draw(font, c, 0, 0, 0x3042, 1);
	assert_int_equal(w, 12);
	assert_int_equal(canvas_get(c, 1, 1), 1); /* the box's corner */
	assert_int_equal(canvas_get(c, 5, 5), 0); /* hollow */
	canvas_free(c);
}

/* The real b12 measures as the placeholder does: 6 and 12 px. */
static void test_real_font(void **state)
{
	(void)state;
	static const char path[] = "/usr/share/fonts/X11/misc/b12.pcf.gz";
	if (access(path, R_OK) != 0)
		skip();
	struct font *b12 = font_open(path, 12);
	assert_false(font_is_placeholder(b12));
	assert_int_equal(font_height(b12), 12);
	assert_int_equal(font_ascent(b12), 10);
	assert_int_equal(font_advance(b12, 'A'), 6);
	assert_int_equal(font_advance(b12, 0x6F22), 12); /* 漢 */
	assert_int_equal(font_advance(b12, 0x3002), 12); /* 。 */
	assert_true(font_has_glyph(b12, 0x3042));
	/* A missing glyph: a placeholder, counted once however often drawn. */
	assert_false(font_has_glyph(b12, 0x1F600));
	struct canvas *c = canvas_new(64, 16, CANVAS_MONO);
	font_draw(b12, c, 0, 0, 0x1F600, 1);
	font_draw(b12, c, 20, 0, 0x1F600, 1);
	assert_int_equal(font_missing_count(b12), 1);
	assert_int_equal(canvas_get(c, 1, 1), 1);
	canvas_free(c);
	font_close(b12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_plain_japanese),
		cmocka_unit_test(test_no_line_start),
		cmocka_unit_test(test_no_line_end),
		cmocka_unit_test(test_words_and_numbers),
		cmocka_unit_test(test_break_at_spaces),
		cmocka_unit_test(test_ellipsis),
		cmocka_unit_test(test_placeholder_font),
		cmocka_unit_test(test_real_font),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
