/*
 * display: see display.h. Chooses the backend and holds what they share.
 */
#include "display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display_backend.h"

const char *const display_backend_names[] = {"none", "ssd1306", "sh1106", "fb", "png",
					      "terminal", NULL};

struct display *display_open(const struct display_config *cfg, char *err, size_t errlen)
{
	if (strcmp(cfg->backend, "ssd1306") == 0 || strcmp(cfg->backend, "sh1106") == 0) {
		struct i2c_bus *bus = i2c_open(cfg->bus, err, errlen);
		if (!bus)
			return NULL;
		return display_open_oled(cfg, bus, err, errlen);
	}
	if (strcmp(cfg->backend, "fb") == 0)
		return display_fb_open(cfg, err, errlen);
	if (strcmp(cfg->backend, "png") == 0)
		return display_png_open(cfg, err, errlen);
	if (strcmp(cfg->backend, "terminal") == 0)
		return display_terminal_open(cfg, err, errlen);
	snprintf(err, errlen, "no display backend \"%s\"", cfg->backend);
	return NULL;
}

int display_flush(struct display *d, const struct canvas *c, char *err, size_t errlen)
{
	if (c->width != d->width || c->height != d->height || c->format != d->format) {
		snprintf(err, errlen, "a %dx%d canvas does not fit the %dx%d %s display", c->width,
			 c->height, d->width, d->height, d->name);
		return -1;
	}
	memset(&d->last, 0, sizeof(d->last));
	return d->ops->flush(d, c, err, errlen);
}

void display_invalidate(struct display *d)
{
	if (d->ops->invalidate)
		d->ops->invalidate(d);
}

int display_set_brightness(struct display *d, unsigned level, char *err, size_t errlen)
{
	if (level > 255)
		level = 255;
	if (d->ops->set_brightness)
		return d->ops->set_brightness(d, level, err, errlen);
	d->brightness = level;
	return 0;
}

void display_close(struct display *d)
{
	if (d)
		d->ops->close(d);
}

struct i2c_bus *display_i2c_bus(struct display *d)
{
	return d->bus;
}

uint32_t display_dim_rgb(uint32_t rgb, unsigned level)
{
	if (level >= 255)
		return rgb;
	uint32_t r = (rgb >> 16) & 0xFF, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;
	r = r * level / 255;
	g = g * level / 255;
	b = b * level / 255;
	return (r << 16) | (g << 8) | b;
}
