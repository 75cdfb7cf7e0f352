/*
 * canvas: a picture in memory that screens draw on and display backends
 * send out. Two formats:
 *
 *   CANVAS_MONO  one pixel is lit (1) or not (0): OLED panels (SSD1306,
 *                SH1106). Colours passed to the drawing functions count
 *                as lit when they are not 0.
 *   CANVAS_RGB   one pixel is 0xRRGGBB: framebuffers, PNG snapshots.
 *
 * Pixels are kept one per element (a byte for MONO, a uint32_t for RGB),
 * not packed: a 320x240 RGB canvas is 300 KiB, a 128x64 one 8 KiB, and
 * drawing stays simple. Backends pack them as their hardware wants.
 *
 * Drawing outside the canvas is clipped, never an error, so layout code
 * can be approximate at the edges without risking memory.
 */
#ifndef KIOSK_HAL_CANVAS_H
#define KIOSK_HAL_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum canvas_format {
	CANVAS_MONO = 0,
	CANVAS_RGB = 1,
};

/* Largest side we accept: a 1920-pixel framebuffer is already generous. */
#define CANVAS_MAX_SIDE 4096

struct canvas {
	int width, height;
	enum canvas_format format;
	uint8_t *mono;    /* MONO: width * height bytes, 0 or 1 */
	uint32_t *rgb;    /* RGB: width * height pixels, 0xRRGGBB */
};

/* A new canvas, all 0 (unlit / black). NULL if out of memory or a side is
 * not within 1..CANVAS_MAX_SIDE. */
struct canvas *canvas_new(int width, int height, enum canvas_format format);
void canvas_free(struct canvas *c);

void canvas_clear(struct canvas *c, uint32_t color);
void canvas_set(struct canvas *c, int x, int y, uint32_t color);
/* The pixel at (x, y): 0/1 for MONO, 0xRRGGBB for RGB; 0 outside. */
uint32_t canvas_get(const struct canvas *c, int x, int y);
void canvas_fill_rect(struct canvas *c, int x, int y, int w, int h, uint32_t color);
/* A one-pixel outline. */
void canvas_rect(struct canvas *c, int x, int y, int w, int h, uint32_t color);

/* Copies src into dst (same size and format). Returns 0, or -1 if they differ. */
int canvas_copy(struct canvas *dst, const struct canvas *src);
/* True if both have the same size, format and pixels. */
bool canvas_equal(const struct canvas *a, const struct canvas *b);

/* Moves the whole picture by (dx, dy) px; uncovered pixels get fill. */
void canvas_shift(struct canvas *c, int dx, int dy, uint32_t fill);

/* A pixel as 0xRRGGBB whatever the format (MONO: lit is white). */
uint32_t canvas_get_rgb(const struct canvas *c, int x, int y);

#endif
