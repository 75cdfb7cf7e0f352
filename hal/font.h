/*
 * font: a bitmap font read with FreeType, drawn on a canvas.
 *
 * The kiosk's fonts are xfonts-efont-unicode's b12 and b16 (Debian's
 * /usr/share/fonts/X11/misc/b12.pcf.gz and b16.pcf.gz): PCF bitmap fonts
 * with a Unicode charmap that hold half-width (6 or 8 px) and full-width
 * (12 or 16 px) glyphs in one file, kanji and kana included. FreeType reads
 * the gzip-compressed PCF directly. See docs/display.md for why these.
 *
 * Failure is never fatal. A font file that cannot be loaded gives a font
 * that draws every character as a placeholder box of the requested size,
 * and says so once in the log; a character the font lacks is drawn as the
 * same box, and reported once per character (up to FONT_REPORT_MAX of them,
 * then once that more are missing). Screens therefore keep their layout,
 * and a person sees that something is missing rather than nothing.
 *
 * A font is used by one thread at a time (the display thread, or a tool).
 */
#ifndef KIOSK_HAL_FONT_H
#define KIOSK_HAL_FONT_H

#include <stdbool.h>
#include <stdint.h>

#include "canvas.h"

#define FONT_REPORT_MAX 32

struct font;

/*
 * Opens the font at path for a pixel size of px (the font's own size for a
 * bitmap font; px only matters if the file cannot be loaded). Never
 * returns NULL unless out of memory: a missing or unreadable file gives a
 * placeholder font (font_is_placeholder() is true) and a log line.
 */
struct font *font_open(const char *path, int px);
void font_close(struct font *f);

/* True if the file could not be loaded and every glyph is a placeholder. */
bool font_is_placeholder(const struct font *f);

/* Line height, and the baseline's distance from the top of a line, in px. */
int font_height(const struct font *f);
int font_ascent(const struct font *f);

/* Horizontal advance of code point cp in px (a placeholder's too). */
int font_advance(struct font *f, uint32_t cp);

/* True if the font has a glyph for cp (no report is made). */
bool font_has_glyph(struct font *f, uint32_t cp);

/*
 * Draws cp with the top of its line at (x, top) in color and returns its
 * advance. A missing glyph is drawn as a placeholder box and reported once.
 */
int font_draw(struct font *f, struct canvas *c, int x, int top, uint32_t cp, uint32_t color);

/* How many distinct missing characters were met (for tests). */
unsigned font_missing_count(const struct font *f);

#endif
