/*
 * text: UTF-8 text laid out in lines and drawn with a font.
 *
 * Line breaking follows the Japanese rules (kinsoku shori) that a reader
 * expects on a narrow screen:
 *   - no line starts with closing brackets, 。、, small kana, ー, ・, ？！
 *     and the like (text_no_line_start());
 *   - no line ends with an opening bracket 「『（ and the like
 *     (text_no_line_end());
 *   - a run of ASCII letters, digits and signs (a word, a phone number like
 *     0120-279-889, a URL) is never split unless it is wider than a line;
 *   - between other characters (kana, kanji) a line may break anywhere;
 *   - a space is a break opportunity and is dropped at a line's end or
 *     start; '\n' always breaks.
 * A line is broken at the last opportunity that fits; only when a line has
 * none (a run of ーーー wider than the screen) is a rule broken, at the last
 * character that fits, so text is never lost or drawn past the edge.
 *
 * With TEXT_BREAK_AT_SPACES, text written with spaces between its phrases
 * (やさしい日本語's wakachi-gaki, English) breaks only at those spaces, so
 * a phrase is never split; a phrase wider than a line is still broken
 * inside, by the rules above.
 *
 * Invalid UTF-8 is read as U+FFFD, one byte at a time, never rejected:
 * texts from the content bundle are validated there, and a screen must
 * draw whatever it is given.
 */
#ifndef KIOSK_HAL_TEXT_H
#define KIOSK_HAL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canvas.h"
#include "font.h"

/* The longest text one call lays out, in bytes; longer text is cut. */
#define TEXT_MAX_BYTES 4096

/* Flags for text_break() and text_draw_wrapped(). */
#define TEXT_BREAK_AT_SPACES 1u

/* Decodes the UTF-8 sequence at s (len > 0 bytes): its length, and *cp. An
 * invalid or truncated sequence gives U+FFFD and length 1. */
size_t utf8_next(const char *s, size_t len, uint32_t *cp);

bool text_no_line_start(uint32_t cp);
bool text_no_line_end(uint32_t cp);

/* One laid-out line: bytes [start, start + len) of the text, width px. */
struct text_line {
	size_t start, len;
	int width;
};

/*
 * Breaks text (len bytes) into lines at most max_width px wide. Fills at
 * most max_lines entries of lines and returns how many lines the whole
 * text needs (which may be more than max_lines).
 */
size_t text_break(struct font *f, const char *text, size_t len, int max_width, unsigned flags,
		  struct text_line *lines, size_t max_lines);

/* Width of text in px (no breaking). */
int text_width(struct font *f, const char *text, size_t len);

/* Draws text on one line with its top at (x, top). Returns the width. */
int text_draw(struct font *f, struct canvas *c, int x, int top, const char *text, size_t len,
	      uint32_t color);

/*
 * Draws text broken into at most max_lines lines of max_width px, each
 * line_height px below the last. If the text needs more lines, the last
 * line drawn ends with "…" and *truncated (if not NULL) is set. Returns
 * the number of lines drawn.
 */
int text_draw_wrapped(struct font *f, struct canvas *c, int x, int top, int max_width,
		      int max_lines, int line_height, unsigned flags, const char *text,
		      uint32_t color, bool *truncated);

#endif
