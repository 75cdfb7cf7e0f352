/*
 * display_fb: the Linux framebuffer (/dev/fbN), e.g. a 320x240 SPI TFT
 * under fbtft or a DRM panel's emulated fbdev.
 *
 * Two pixel formats are supported, the ones small panels use: RGB565
 * (16 bpp, red 11/5, green 5/6, blue 0/5) and XRGB8888 (32 bpp, red 16/8,
 * green 8/8, blue 0/8). Anything else is refused with what it is, rather
 * than drawn in wrong colours. The framebuffer is mapped and only rows that
 * changed since the last frame are written. Rotation 90/180/270 turns the
 * canvas onto the framebuffer (a 240x320 portrait panel shows a 320x240
 * canvas at 90).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "display_backend.h"
#include "display_fb.h"

struct fb {
	struct display base;
	int fd;
	uint8_t *mem;
	size_t mem_len;
	unsigned line_length, xres, yres, bpp;
	unsigned rotation;
	uint32_t *shadow; /* last canvas, as RGB */
	bool shadow_valid;
};

uint32_t display_fb_pixel(uint32_t rgb, unsigned bpp)
{
	if (bpp == 16) {
		uint32_t r = (rgb >> 16) & 0xFF, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;
		return ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
	}
	return rgb & 0xFFFFFF;
}

bool display_fb_format_supported(unsigned bpp, unsigned r_off, unsigned r_len, unsigned g_off,
				 unsigned g_len, unsigned b_off, unsigned b_len)
{
	if (bpp == 16)
		return r_off == 11 && r_len == 5 && g_off == 5 && g_len == 6 && b_off == 0 &&
		       b_len == 5;
	if (bpp == 32)
		return r_off == 16 && r_len == 8 && g_off == 8 && g_len == 8 && b_off == 0 &&
		       b_len == 8;
	return false;
}

/* Where canvas pixel (x, y) lands on the framebuffer. */
static void map(const struct fb *f, int x, int y, unsigned *fx, unsigned *fy)
{
	switch (f->rotation) {
	case 90:
		*fx = f->xres - 1 - (unsigned)y;
		*fy = (unsigned)x;
		break;
	case 180:
		*fx = f->xres - 1 - (unsigned)x;
		*fy = f->yres - 1 - (unsigned)y;
		break;
	case 270:
		*fx = (unsigned)y;
		*fy = f->yres - 1 - (unsigned)x;
		break;
	default:
		*fx = (unsigned)x;
		*fy = (unsigned)y;
	}
}

static int fb_flush(struct display *d, const struct canvas *c, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	struct fb *f = d->priv;
	size_t changed = 0, rows = 0;
	for (int y = 0; y < c->height; y++) {
		bool row_changed = false;
		for (int x = 0; x < c->width; x++) {
			uint32_t rgb = display_dim_rgb(canvas_get_rgb(c, x, y), d->brightness);
			size_t i = (size_t)y * (size_t)c->width + (size_t)x;
			if (f->shadow_valid && f->shadow[i] == rgb)
				continue;
			f->shadow[i] = rgb;
			changed++;
			row_changed = true;
			unsigned fx, fy;
			map(f, x, y, &fx, &fy);
			uint8_t *p = f->mem + (size_t)fy * f->line_length + (size_t)fx * (f->bpp / 8);
			uint32_t v = display_fb_pixel(rgb, f->bpp);
			if (f->bpp == 16) {
				uint16_t v16 = (uint16_t)v;
				memcpy(p, &v16, 2);
			} else {
				memcpy(p, &v, 4);
			}
		}
		rows += row_changed;
	}
	d->last.full = !f->shadow_valid;
	d->last.transfers = rows;
	d->last.wire_bytes = changed * (f->bpp / 8);
	d->last.changed_px = changed;
	f->shadow_valid = true;
	return 0;
}

static int fb_set_brightness(struct display *d, unsigned level, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	d->brightness = level; /* applied by scaling colours at the next flush */
	return 0;
}

static void fb_invalidate(struct display *d)
{
	struct fb *f = d->priv;
	f->shadow_valid = false;
}

static void fb_close(struct display *d)
{
	struct fb *f = d->priv;
	if (f->mem && f->mem != MAP_FAILED)
		munmap(f->mem, f->mem_len);
	if (f->fd >= 0)
		close(f->fd);
	free(f->shadow);
	free(f);
}

static const struct display_ops fb_ops = {
	.flush = fb_flush,
	.set_brightness = fb_set_brightness,
	.invalidate = fb_invalidate,
	.close = fb_close,
};

struct display *display_fb_open(const struct display_config *cfg, char *err, size_t errlen)
{
	struct fb *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->base.priv = f; /* fb_close() finds it there on every failure below */
	f->fd = open(cfg->device, O_RDWR | O_CLOEXEC);
	if (f->fd < 0) {
		snprintf(err, errlen, "framebuffer %s: %s", cfg->device, strerror(errno));
		fb_close(&f->base);
		return NULL;
	}
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	if (ioctl(f->fd, FBIOGET_VSCREENINFO, &var) != 0 ||
	    ioctl(f->fd, FBIOGET_FSCREENINFO, &fix) != 0) {
		snprintf(err, errlen, "%s is not a framebuffer device (%s)", cfg->device,
			 strerror(errno));
		fb_close(&f->base);
		return NULL;
	}
	if (fix.type != FB_TYPE_PACKED_PIXELS || fix.visual != FB_VISUAL_TRUECOLOR ||
	    !display_fb_format_supported(var.bits_per_pixel, var.red.offset, var.red.length,
					 var.green.offset, var.green.length, var.blue.offset,
					 var.blue.length)) {
		snprintf(err, errlen,
			 "framebuffer %s has an unsupported format (%u bpp, red %u/%u, green %u/%u, "
			 "blue %u/%u); supported: RGB565 and XRGB8888",
			 cfg->device, var.bits_per_pixel, var.red.offset, var.red.length,
			 var.green.offset, var.green.length, var.blue.offset, var.blue.length);
		fb_close(&f->base);
		return NULL;
	}
	f->xres = var.xres;
	f->yres = var.yres;
	f->bpp = var.bits_per_pixel;
	f->line_length = fix.line_length;
	f->rotation = cfg->rotation;
	f->mem_len = fix.smem_len;
	if (f->xres == 0 || f->yres == 0 || f->xres > CANVAS_MAX_SIDE || f->yres > CANVAS_MAX_SIDE ||
	    (size_t)f->line_length * f->yres > f->mem_len ||
	    (size_t)f->xres * (f->bpp / 8) > f->line_length) {
		snprintf(err, errlen, "framebuffer %s reports an impossible geometry (%ux%u, line "
			 "%u bytes, %zu bytes of memory)", cfg->device, f->xres, f->yres,
			 f->line_length, f->mem_len);
		fb_close(&f->base);
		return NULL;
	}
	f->mem = mmap(NULL, f->mem_len, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	if (f->mem == MAP_FAILED) {
		snprintf(err, errlen, "framebuffer %s: mmap: %s", cfg->device, strerror(errno));
		f->mem = NULL;
		fb_close(&f->base);
		return NULL;
	}
	bool portrait = f->rotation == 90 || f->rotation == 270;
	f->base.width = (int)(portrait ? f->yres : f->xres);
	f->base.height = (int)(portrait ? f->xres : f->yres);
	f->shadow = calloc((size_t)f->xres * f->yres, sizeof(uint32_t));
	if (!f->shadow) {
		snprintf(err, errlen, "out of memory");
		fb_close(&f->base);
		return NULL;
	}
	f->base.ops = &fb_ops;
	snprintf(f->base.name, sizeof(f->base.name), "fb");
	f->base.format = CANVAS_RGB;
	f->base.brightness = 255;
	return &f->base;
}
