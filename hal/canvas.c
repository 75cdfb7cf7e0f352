/*
 * canvas: see canvas.h.
 */
#include "canvas.h"

#include <stdlib.h>
#include <string.h>

struct canvas *canvas_new(int width, int height, enum canvas_format format)
{
	if (width < 1 || height < 1 || width > CANVAS_MAX_SIDE || height > CANVAS_MAX_SIDE)
		return NULL;
	struct canvas *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->width = width;
	c->height = height;
	c->format = format;
	size_t n = (size_t)width * (size_t)height;
	if (format == CANVAS_MONO)
		c->mono = calloc(n, 1);
	else
		c->rgb = calloc(n, sizeof(uint32_t));
	if (!c->mono && !c->rgb) {
		free(c);
		return NULL;
	}
	return c;
}

void canvas_free(struct canvas *c)
{
	if (!c)
		return;
	free(c->mono);
	free(c->rgb);
	free(c);
}

void canvas_clear(struct canvas *c, uint32_t color)
{
	size_t n = (size_t)c->width * (size_t)c->height;
	if (c->format == CANVAS_MONO) {
		memset(c->mono, color ? 1 : 0, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		c->rgb[i] = color & 0xFFFFFF;
}

void canvas_set(struct canvas *c, int x, int y, uint32_t color)
{
	if (x < 0 || y < 0 || x >= c->width || y >= c->height)
		return;
	size_t i = (size_t)y * (size_t)c->width + (size_t)x;
	if (c->format == CANVAS_MONO)
		c->mono[i] = color ? 1 : 0;
	else
		c->rgb[i] = color & 0xFFFFFF;
}

uint32_t canvas_get(const struct canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->width || y >= c->height)
		return 0;
	size_t i = (size_t)y * (size_t)c->width + (size_t)x;
	return c->format == CANVAS_MONO ? c->mono[i] : c->rgb[i];
}

uint32_t canvas_get_rgb(const struct canvas *c, int x, int y)
{
	uint32_t v = canvas_get(c, x, y);
	if (c->format == CANVAS_MONO)
		return v ? 0xFFFFFF : 0;
	return v;
}

void canvas_fill_rect(struct canvas *c, int x, int y, int w, int h, uint32_t color)
{
	/* Clip first so that the loops touch only real pixels. */
	int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
	long x1 = (long)x + w, y1 = (long)y + h;
	if (x1 > c->width)
		x1 = c->width;
	if (y1 > c->height)
		y1 = c->height;
	for (long yy = y0; yy < y1; yy++)
		for (long xx = x0; xx < x1; xx++)
			canvas_set(c, (int)xx, (int)yy, color);
}

void canvas_rect(struct canvas *c, int x, int y, int w, int h, uint32_t color)
{
	if (w <= 0 || h <= 0)
		return;
	canvas_fill_rect(c, x, y, w, 1, color);
	canvas_fill_rect(c, x, y + h - 1, w, 1, color);
	canvas_fill_rect(c, x, y, 1, h, color);
	canvas_fill_rect(c, x + w - 1, y, 1, h, color);
}

int canvas_copy(struct canvas *dst, const struct canvas *src)
{
	if (dst->width != src->width || dst->height != src->height || dst->format != src->format)
		return -1;
	size_t n = (size_t)src->width * (size_t)src->height;
	if (src->format == CANVAS_MONO)
		memcpy(dst->mono, src->mono, n);
	else
		memcpy(dst->rgb, src->rgb, n * sizeof(uint32_t));
	return 0;
}

bool canvas_equal(const struct canvas *a, const struct canvas *b)
{
	if (a->width != b->width || a->height != b->height || a->format != b->format)
		return false;
	size_t n = (size_t)a->width * (size_t)a->height;
	if (a->format == CANVAS_MONO)
		return memcmp(a->mono, b->mono, n) == 0;
	return memcmp(a->rgb, b->rgb, n * sizeof(uint32_t)) == 0;
}

void canvas_shift(struct canvas *c, int dx, int dy, uint32_t fill)
{
	if (dx == 0 && dy == 0)
		return;
	/* Walk against the direction of the move so no pixel is read after it
	 * was overwritten. */
	int y_start = dy > 0 ? c->height - 1 : 0, y_step = dy > 0 ? -1 : 1;
	int x_start = dx > 0 ? c->width - 1 : 0, x_step = dx > 0 ? -1 : 1;
	for (int y = y_start; y >= 0 && y < c->height; y += y_step)
		for (int x = x_start; x >= 0 && x < c->width; x += x_step) {
			int sx = x - dx, sy = y - dy;
			bool inside = sx >= 0 && sy >= 0 && sx < c->width && sy < c->height;
			canvas_set(c, x, y, inside ? canvas_get(c, sx, sy) : fill);
		}
}
