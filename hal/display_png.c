/*
 * display_png: see display_png.h; and the "png" display backend, which
 * writes the screen to [display] output at every change.
 */
#include "display_png.h"

#include <png.h>

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "display_backend.h"

struct png_state {
	char err[200];
};

static void on_png_error(png_structp png, png_const_charp msg)
{
	struct png_state *st = png_get_error_ptr(png);
	snprintf(st->err, sizeof(st->err), "%s", msg);
	png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

int png_write_canvas(const char *path, const struct canvas *c, int scale, unsigned brightness,
		     char *err, size_t errlen)
{
	if (scale < 1 || scale > 16) {
		snprintf(err, errlen, "PNG scale %d is not 1..16", scale);
		return -1;
	}
	char tmp[DISPLAY_PATH_MAX + 8];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "PNG path too long");
		return -1;
	}
	FILE *f = fopen(tmp, "wbe");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	struct png_state st = {{0}};
	bool mono = c->format == CANVAS_MONO && brightness >= 255;
	size_t w = (size_t)c->width * (size_t)scale;
	unsigned char *row = malloc(mono ? (w + 7) / 8 : w * 3);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st, on_png_error,
						  on_png_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!row || !png || !info) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (setjmp(png_jmpbuf(png))) {
		snprintf(err, errlen, "writing %s: %s", path, st.err);
		goto fail;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)(c->height * scale), mono ? 1 : 8,
		     mono ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < c->height * scale; y++) {
		if (mono)
			memset(row, 0, (w + 7) / 8);
		for (size_t x = 0; x < w; x++) {
			int cx = (int)(x / (size_t)scale), cy = y / scale;
			if (mono) {
				if (canvas_get(c, cx, cy))
					row[x / 8] |= (unsigned char)(0x80 >> (x % 8));
			} else {
				uint32_t rgb = display_dim_rgb(canvas_get_rgb(c, cx, cy), brightness);
				row[x * 3] = (unsigned char)(rgb >> 16);
				row[x * 3 + 1] = (unsigned char)(rgb >> 8);
				row[x * 3 + 2] = (unsigned char)rgb;
			}
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	png_destroy_write_struct(&png, &info);
	free(row);
	fclose(f);
	unlink(tmp);
	return -1;
}

struct canvas *png_read_canvas(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rbe");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	struct png_state st = {{0}};
	struct canvas *volatile c = NULL;
	unsigned char *volatile row = NULL;
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, on_png_error,
						 on_png_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (setjmp(png_jmpbuf(png))) {
		snprintf(err, errlen, "reading %s: %s", path, st.err);
		goto fail;
	}
	png_init_io(png, f);
	png_read_info(png, info);
	png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
	if (w == 0 || h == 0 || w > CANVAS_MAX_SIDE || h > CANVAS_MAX_SIDE) {
		snprintf(err, errlen, "%s: %ux%u is not a screen size", path, (unsigned)w,
			 (unsigned)h);
		goto fail;
	}
	bool mono = depth == 1 && type == PNG_COLOR_TYPE_GRAY;
	/* Everything to 8-bit RGB so one loop reads it. */
	png_set_expand(png);
	png_set_strip_16(png);
	png_set_strip_alpha(png);
	png_set_gray_to_rgb(png);
	png_read_update_info(png, info);
	if (png_get_rowbytes(png, info) != (size_t)w * 3) {
		snprintf(err, errlen, "%s: unexpected pixel layout", path);
		goto fail;
	}
	c = canvas_new((int)w, (int)h, mono ? CANVAS_MONO : CANVAS_RGB);
	row = malloc((size_t)w * 3);
	if (!c || !row) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (png_uint_32 y = 0; y < h; y++) {
		png_read_row(png, row, NULL);
		for (png_uint_32 x = 0; x < w; x++) {
			uint32_t rgb = ((uint32_t)row[x * 3] << 16) | ((uint32_t)row[x * 3 + 1] << 8) |
				       row[x * 3 + 2];
			canvas_set(c, (int)x, (int)y, mono ? (rgb != 0) : rgb);
		}
	}
	png_destroy_read_struct(&png, &info, NULL);
	free(row);
	fclose(f);
	return c;
fail:
	png_destroy_read_struct(&png, &info, NULL);
	free(row);
	canvas_free(c);
	fclose(f);
	return NULL;
}

/* ---- the "png" backend ---- */

struct png_display {
	struct display base;
	char path[DISPLAY_PATH_MAX];
	struct canvas *last;
	unsigned last_brightness;
	bool valid;
};

static int pngd_flush(struct display *d, const struct canvas *c, char *err, size_t errlen)
{
	struct png_display *p = d->priv;
	if (p->valid && p->last_brightness == d->brightness && canvas_equal(p->last, c))
		return 0;
	d->last.full = true;
	d->last.transfers = 1;
	d->last.changed_px = (size_t)c->width * (size_t)c->height;
	if (png_write_canvas(p->path, c, 1, d->brightness, err, errlen) != 0) {
		p->valid = false;
		return -1;
	}
	canvas_copy(p->last, c);
	p->last_brightness = d->brightness;
	p->valid = true;
	return 0;
}

static void pngd_invalidate(struct display *d)
{
	struct png_display *p = d->priv;
	p->valid = false;
}

static void pngd_close(struct display *d)
{
	struct png_display *p = d->priv;
	canvas_free(p->last);
	free(p);
}

static const struct display_ops png_ops = {
	.flush = pngd_flush,
	.invalidate = pngd_invalidate,
	.close = pngd_close,
};

struct display *display_png_open(const struct display_config *cfg, char *err, size_t errlen)
{
	struct png_display *p = calloc(1, sizeof(*p));
	enum canvas_format fmt = cfg->width <= 128 && cfg->height <= 64 ? CANVAS_MONO : CANVAS_RGB;
	if (p)
		p->last = canvas_new(cfg->width, cfg->height, fmt);
	if (!p || !p->last) {
		snprintf(err, errlen, "out of memory or a bad size %dx%d", cfg->width, cfg->height);
		if (p)
			free(p);
		return NULL;
	}
	snprintf(p->path, sizeof(p->path), "%s", cfg->output);
	p->base.ops = &png_ops;
	snprintf(p->base.name, sizeof(p->base.name), "png");
	p->base.width = cfg->width;
	p->base.height = cfg->height;
	p->base.format = fmt;
	p->base.brightness = 255;
	p->base.priv = p;
	return &p->base;
}
